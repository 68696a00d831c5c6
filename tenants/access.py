"""Who may see and do what in a tenant, and who acts for the platform.

The one place the kernel answers permission questions. The `access_*`
functions take the actor (a user) and the object, return what the actor may
use, and raise PermissionDenied (or Http404 for another tenant's rows);
services call them with `actor=`, views through the request-based wrappers
below (which cache the membership per request), templates through the
`current_membership` context. Each app above has its own access module
(catalog/access.py, billing/access.py, grants/access.py) built on these.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from .models import Invitation, Membership, Notification, Tenant

Role = Membership.Role
# Roles that may read everything members see in the tenant.
READ_ROLES = frozenset(Role.values)
MANAGE_ROLES = frozenset({Role.ADMIN})


def membership_for(user, tenant: Tenant) -> Membership | None:
    """The user's membership in `tenant` (None for anonymous users and outsiders)."""
    if (
        not getattr(user, "is_authenticated", False)
        or tenant is None
        or tenant.is_platform
    ):
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def access_member(
    actor, tenant: Tenant, *, roles=READ_ROLES, message: str | None = None
) -> Membership:
    """The actor's membership in `tenant` with one of `roles`, or PermissionDenied.

    Read from the database, not a cached copy: services call it inside their
    transaction, so a concurrent demotion of the actor counts.
    """
    membership = membership_for(actor, tenant)
    if membership is None or membership.role not in roles:
        raise PermissionDenied(message or _("You do not have permission to do this."))
    return membership


def access_tenant_admin(
    actor, tenant: Tenant, *, message: str | None = None
) -> Membership:
    """The actor's membership when they administer `tenant`, or PermissionDenied."""
    return access_member(actor, tenant, roles=MANAGE_ROLES, message=message)


def request_membership(request: HttpRequest) -> Membership | None:
    """Membership of the signed-in user in the request's tenant, looked up once per request."""
    if not hasattr(request, "_membership_cache"):
        request._membership_cache = membership_for(
            request.user, getattr(request, "tenant", None)
        )
    return request._membership_cache


def access_tenant(request: HttpRequest, *, roles=READ_ROLES) -> Membership:
    """The caller's membership in request.tenant with one of `roles`, or 403."""
    membership = request_membership(request)
    if membership is None:
        raise PermissionDenied(_("You are not a member of this organisation."))
    if membership.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."))
    return membership


def access_membership(
    request: HttpRequest, membership_id: int, *, roles=MANAGE_ROLES
) -> Membership:
    """A membership of request.tenant that the caller may manage; 404 for any other tenant's."""
    access_tenant(request, roles=roles)
    try:
        return Membership.objects.select_related("user", "tenant").get(
            pk=membership_id, tenant=request.tenant
        )
    except Membership.DoesNotExist:
        raise Http404(_("No such member in this organisation.")) from None


def access_invitation(
    request: HttpRequest, invitation_id: int, *, roles=MANAGE_ROLES
) -> Invitation:
    access_tenant(request, roles=roles)
    try:
        return Invitation.objects.select_related("tenant").get(
            pk=invitation_id, tenant=request.tenant
        )
    except Invitation.DoesNotExist:
        raise Http404(_("No such invitation in this organisation.")) from None


# --- notifications ----------------------------------------------------------------


def access_notification(
    user, tenant: Tenant | None, notification_id: int
) -> Notification:
    """One of the user's own notifications on this host (`tenant`; the platform's
    for None or the platform tenant), or 404: another user's, or another
    tenant's, is not found."""
    scope = None if tenant is None or tenant.is_platform else tenant
    if not getattr(user, "is_authenticated", False):
        raise Http404(_("No such notification."))
    try:
        return Notification.objects.get(
            pk=notification_id, user_id=user.pk, tenant=scope
        )
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None


# --- platform operators -------------------------------------------------------

VERIFY_PERMISSION = "tenants.verify_tenant"


def is_operator(user, permission: str) -> bool:
    """An active staff user holding the Django permission (superusers hold all)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm(permission)
    )


def access_operator(user, permission: str):
    """The user if they are a platform operator with `permission`, else 403.

    The one answer to "may this person act for the platform?": the
    verification desk, the letter download and every operator service ask it.
    """
    if not is_operator(user, permission):
        raise PermissionDenied(_("Only platform operators may do this."))
    return user


def operator_required(permission: str):
    """View decorator for the platform's operator pages: anonymous users go to
    sign in; everyone else without the permission gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            request.operator = access_operator(request.user, permission)
            return view(request, *args, **kwargs)

        wrapper.operator_only = permission
        return wrapper

    return decorator


def member_required(roles=READ_ROLES):
    """View decorator: anonymous users go to sign in; outsiders and wrong roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            request.membership = access_tenant(request, roles=roles)
            return view(request, *args, **kwargs)

        wrapper.member_only = True
        return wrapper

    return decorator


ANCHOR_PERMISSION = "tenants.anchor_chains"


def may_anchor_chains(user) -> bool:
    """Platform staff holding the permission may anchor the chains on demand."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_staff
        and user.has_perm(ANCHOR_PERMISSION)
    )


def access_anchor_chains(request: HttpRequest):
    """The operator who anchors now; sign-in first, refused for anyone else."""
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Sign in as a platform operator to do this."))
    if not may_anchor_chains(request.user):
        raise PermissionDenied(
            _("Only platform operators may anchor the audit histories.")
        )
    return request.user
