from django.urls import path

from . import views_public as views

# The transparency portal: open to anyone on the tenant's host (urls.PUBLIC_ROUTES).
urlpatterns = [
    path("", views.portal, name="grants_portal"),
    path(
        "programs/<id:program_id>/", views.program_public, name="grants_program_public"
    ),
    path("proposals/", views.proposals_public, name="grants_proposals_public"),
    path(
        "proposals/<id:proposal_id>/",
        views.proposal_public,
        name="grants_proposal_public",
    ),
]
