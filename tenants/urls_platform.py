from django.urls import path

from . import views_archive, views_notifications, views_transparency
from . import views_operator as desk
from . import views_platform as views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("organisations/", views.directory, name="directory"),
    path("orgs/", views.my_organisations, name="my_organisations"),
    path("orgs/new/", views.organisation_create, name="organisation_create"),
    path("orgs/<slug:slug>/go/", views.organisation_go, name="organisation_go"),
    path("transparency/", views_transparency.transparency, name="transparency"),
    path("transparency/log.json", views_transparency.log_json, name="transparency_log"),
    path(
        "transparency/anchor/",
        views_transparency.anchor_now,
        name="transparency_anchor",
    ),
    path(
        "dashboard/notifications/",
        views_notifications.notification_list,
        name="notifications",
    ),
    path(
        "dashboard/notifications/read/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "dashboard/notifications/preferences/",
        views_notifications.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "dashboard/notifications/<id:notification_id>/open/",
        views_notifications.notification_open,
        name="notification_open",
    ),
    path(
        "dashboard/notifications/<id:notification_id>/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
    # The verification desk (platform operators only, tenants.access.access_operator).
    path("operator/verification/", desk.queue, name="desk_queue"),
    path(
        "operator/verification/<id:request_id>/",
        desk.request_detail,
        name="desk_request",
    ),
    path(
        "operator/verification/<id:request_id>/letter/",
        desk.letter,
        name="desk_letter",
    ),
    path(
        "operator/verification/<id:request_id>/verify/",
        desk.verify,
        name="desk_verify",
    ),
    path(
        "operator/verification/<id:request_id>/refuse/",
        desk.refuse,
        name="desk_refuse",
    ),
    # Organisations' archives (tenants.export_tenant; tenants/views_archive.py).
    path("operator/archives/", views_archive.operator_archives, name="desk_archives"),
    path(
        "operator/archives/<id:archive_id>/download/",
        views_archive.desk_archive_download,
        name="desk_archive_download",
    ),
    path(
        "operator/archives/<id:archive_id>/file/",
        views_archive.desk_archive_file,
        name="desk_archive_file",
    ),
]

# Every route whose name starts with "desk_" is for operators only;
# tests/tenants/test_desk.py walks them to prove it.
