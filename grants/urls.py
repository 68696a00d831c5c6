from django.urls import include, path

from . import views_applicant as applicant
from . import views_staff as staff

# Sabilulungan's pages on a tenant's host under /grants/; the kernel's gate
# hides all of them where the tenant neither publishes nor adopts the app.
urlpatterns = [
    path("staff/", staff.home, name="grants_home"),
    path("staff/programs/new/", staff.program_form, name="grants_staff_program_new"),
    path(
        "staff/programs/<id:program_id>/",
        staff.program_detail,
        name="grants_staff_program",
    ),
    path(
        "staff/programs/<id:program_id>/edit/",
        staff.program_form,
        name="grants_staff_program_edit",
    ),
    path(
        "staff/programs/<id:program_id>/status/",
        staff.program_status,
        name="grants_staff_program_status",
    ),
    path("staff/places/", staff.places, name="grants_staff_places"),
    path(
        "staff/places/<slug:kind>/<id:record_id>/",
        staff.place_fix,
        name="grants_staff_place_fix",
    ),
    path("staff/proposals/", staff.proposals, name="grants_staff_proposals"),
    path("staff/proposals.csv", staff.proposals_csv, name="grants_staff_proposals_csv"),
    path(
        "staff/proposals/<id:proposal_id>/",
        staff.proposal_detail,
        name="grants_staff_proposal",
    ),
    path(
        "staff/proposals/<id:proposal_id>/recipient-changes/<id:amendment_id>/",
        staff.amendment_decide,
        name="grants_staff_amendment",
    ),
    path(
        "staff/proposals/<id:proposal_id>/<slug:action>/",
        staff.proposal_action,
        name="grants_staff_proposal_action",
    ),
    path("staff/reports/", staff.reports, name="grants_staff_reports"),
    path(
        "staff/reports/<id:report_id>/",
        staff.report_detail,
        name="grants_staff_report",
    ),
    path(
        "staff/reports/<id:report_id>/photo/",
        staff.report_photo,
        name="grants_staff_report_photo",
    ),
    path(
        "staff/announcements/",
        staff.announcements,
        name="grants_staff_announcements",
    ),
    path(
        "staff/announcements/new/",
        staff.announcement_form,
        name="grants_staff_announcement_new",
    ),
    path(
        "staff/announcements/<id:announcement_id>/edit/",
        staff.announcement_form,
        name="grants_staff_announcement_edit",
    ),
    path("staff/regulations/", staff.regulations, name="grants_staff_regulations"),
    path(
        "staff/regulations/new/",
        staff.regulation_form,
        name="grants_staff_regulation_new",
    ),
    path(
        "staff/regulations/<id:regulation_id>/edit/",
        staff.regulation_form,
        name="grants_staff_regulation_edit",
    ),
    path("my/", applicant.my_home, name="grants_my"),
    path("my/profile/", applicant.profile, name="grants_my_profile"),
    path(
        "my/programs/<id:program_id>/apply/",
        applicant.proposal_new,
        name="grants_my_apply",
    ),
    path(
        "my/proposals/<id:proposal_id>/",
        applicant.proposal_detail,
        name="grants_my_proposal",
    ),
    path(
        "my/proposals/<id:proposal_id>/edit/",
        applicant.proposal_edit,
        name="grants_my_proposal_edit",
    ),
    path(
        "my/proposals/<id:proposal_id>/upload/",
        applicant.proposal_upload,
        name="grants_my_proposal_upload",
    ),
    path(
        "my/proposals/<id:proposal_id>/submitted/",
        applicant.proposal_submitted,
        name="grants_my_proposal_submitted",
    ),
    path(
        "my/proposals/<id:proposal_id>/<slug:action>/",
        applicant.proposal_action,
        name="grants_my_proposal_action",
    ),
    path(
        "documents/<id:document_id>/",
        applicant.document_download,
        name="grants_document",
    ),
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
        "grants_announcements",
        "grants_regulations",
        "grants_statistics",
        "grants_report_new",
        "grants_report_program_new",
        "grants_report_lookup",
        "grants_report_track",
    }
)
# Signed-in people who need no membership: applicants and their documents.
APPLICANT_ROUTES = frozenset(
    {
        "grants_my",
        "grants_my_profile",
        "grants_my_apply",
        "grants_my_proposal",
        "grants_my_proposal_edit",
        "grants_my_proposal_upload",
        "grants_my_proposal_action",
        "grants_my_proposal_submitted",
        "grants_document",
    }
)
