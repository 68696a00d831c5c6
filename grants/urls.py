from django.urls import include, path

from . import views

# Sabilulungan's pages on a tenant's host under /grants/; catalog.middleware
# hides all of them where the tenant neither publishes nor adopts the app.
urlpatterns = [
    path("staff/", views.module_home, name="grants_home"),
    path("", include("grants.urls_public")),
]

# Routes anyone may open (the transparency portal); every other route is for
# members or applicants (tests/tenants/test_isolation.py walks them).
PUBLIC_ROUTES = frozenset(
    {
        "grants_portal",
        "grants_program_public",
        "grants_proposals_public",
        "grants_proposal_public",
    }
)
