from django.urls import path

from . import views_public as views

# The transparency portal: open to anyone on the tenant's host (urls.PUBLIC_ROUTES).
urlpatterns = [
    path("", views.portal, name="grants_portal"),
    path(
        "programs/<id:program_id>/", views.program_public, name="grants_program_public"
    ),
    path(
        "programs/<id:program_id>/report/",
        views.report_program_new,
        name="grants_report_program_new",
    ),
    path("proposals/", views.proposals_public, name="grants_proposals_public"),
    path(
        "proposals/<id:proposal_id>/",
        views.proposal_public,
        name="grants_proposal_public",
    ),
    path(
        "proposals/<id:proposal_id>/report/",
        views.report_new,
        name="grants_report_new",
    ),
    path("reports/", views.report_lookup, name="grants_report_lookup"),
    path("reports/<str:code>/", views.report_track, name="grants_report_track"),
    path("announcements/", views.announcements, name="grants_announcements"),
    path("regulations/", views.regulations, name="grants_regulations"),
    path("statistics/", views.statistics, name="grants_statistics"),
]
