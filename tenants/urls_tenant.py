"""The kernel's own pages on a tenant host. config/urls_tenant.py mounts them
with the platform services' and the hosted apps' URLconfs."""

from django.urls import path

from . import views_archive, views_chains, views_notifications
from . import views_tenant as views

# Every route here except the ones listed in PUBLIC_TENANT_ROUTES is for members
# only; tests/tenants/test_isolation.py walks the composed URLconf to prove it.
urlpatterns = [
    path("", views.home, name="tenant_home"),
    path("auth/handoff/", views.handoff, name="tenant_handoff"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("dashboard/", views.dashboard, name="tenant_dashboard"),
    path("dashboard/setup/", views.setup, name="tenant_setup"),
    path("dashboard/setup/skip/", views.setup_skip, name="tenant_setup_skip"),
    path("dashboard/setup/<slug:app_key>/", views.setup, name="tenant_setup_app"),
    path("dashboard/profile/", views.profile, name="tenant_profile"),
    path("dashboard/verification/", views.verification, name="tenant_verification"),
    path("dashboard/security/", views.security, name="tenant_security"),
    path("dashboard/members/", views.members, name="tenant_members"),
    path("dashboard/members/invite/", views.member_invite, name="tenant_member_invite"),
    path(
        "dashboard/members/<id:membership_id>/role/",
        views.member_role,
        name="tenant_member_role",
    ),
    path(
        "dashboard/members/<id:membership_id>/roles/<slug:app_key>/",
        views.member_app_roles,
        name="tenant_member_app_roles",
    ),
    path(
        "dashboard/members/<id:membership_id>/remove/",
        views.member_remove,
        name="tenant_member_remove",
    ),
    path(
        "dashboard/invitations/<id:invitation_id>/resend/",
        views.invitation_resend,
        name="tenant_invitation_resend",
    ),
    path(
        "dashboard/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="tenant_invitation_revoke",
    ),
    path("dashboard/archive/", views_archive.tenant_archives, name="tenant_archives"),
    path(
        "dashboard/archive/<id:archive_id>/download/",
        views_archive.tenant_archive_download,
        name="tenant_archive_download",
    ),
    path(
        "dashboard/archive/<id:archive_id>/file/",
        views_archive.tenant_archive_file,
        name="tenant_archive_file",
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
    path("verify/", views_chains.chain_verify_page, name="chain_verify"),
    path(
        "verify/<slug:key>/head.json",
        views_chains.chain_head_download,
        name="chain_head_download",
    ),
]

PUBLIC_TENANT_ROUTES = frozenset(
    {
        "tenant_home",
        "tenant_handoff",
        "invitation_accept",
        "chain_verify",
        "chain_head_download",
        # Every signed-in person's own notification log (members, applicants):
        # anonymous visitors are sent to sign in, and each sees only their own
        # rows of this tenant (tests/tenants/test_notifications.py).
        "notifications",
        "notifications_read_all",
        "notification_preferences",
        "notification_open",
        "notification_read",
    }
)
