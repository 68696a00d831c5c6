"""Memberships of a tenant: roles, app roles, removal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import hosted
from ..access import access_tenant_admin
from ..models import Invitation, Membership, Tenant, User

# --- memberships ----------------------------------------------------------------


def _lock_admins(tenant: Tenant) -> list[Membership]:
    """Lock this tenant's admin memberships so two demotions cannot both pass the check."""
    return list(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, role=Membership.Role.ADMIN)
        .order_by("pk")
    )


def membership_change_role(
    *, actor: User, membership: Membership, role: str
) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    with transaction.atomic():
        admins = _lock_admins(membership.tenant)
        # Checked after the lock: a concurrent demotion of the actor counts.
        access_tenant_admin(actor, membership.tenant)
        membership.refresh_from_db()
        if (
            membership.role == Membership.Role.ADMIN
            and role != Membership.Role.ADMIN
            and len(admins) <= 1
        ):
            raise ValidationError(
                _(
                    "%(who)s is the last administrator; make someone else an administrator first."
                )
                % {"who": membership.user}
            )
        if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
            _revoke_invitations_sent_by(membership, revoked_by=actor)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _revoke_invitations_sent_by(membership: Membership, *, revoked_by: User) -> None:
    """An administrator who loses the role takes their pending invitations with them."""
    Invitation.objects.filter(
        tenant=membership.tenant,
        invited_by=membership.user,
        status=Invitation.Status.PENDING,
    ).update(
        status=Invitation.Status.REVOKED,
        revoked_at=timezone.now(),
        revoked_by=revoked_by,
    )


def membership_set_app_roles(
    *, actor: User, membership: Membership, app_key: str, roles: list[str]
) -> frozenset[str]:
    """Which roles of a hosted app a member holds (stored in the app's own table
    in the tenant's schema, tenants/hosted.py)."""
    app = hosted.get(app_key)
    if app is None or app.roles is None:
        raise ValidationError(_("This app defines no roles."))
    unknown = set(roles) - {value for value, _label in app.roles.choices()}
    if unknown:
        raise ValidationError({"roles": [_("Choose valid roles.")]})
    with transaction.atomic():
        access_tenant_admin(actor, membership.tenant)
        membership.refresh_from_db()
        if membership.role == Membership.Role.VIEWER and roles:
            raise ValidationError(
                _("Viewers cannot hold %(app)s roles; make them staff first.")
                % {"app": app.label}
            )
        held = frozenset(roles)
        with hosted.in_schema(membership.tenant):
            app.roles.store(membership.user_id, held)
    return held


def membership_remove(*, actor: User, membership: Membership) -> None:
    with transaction.atomic():
        admins = _lock_admins(membership.tenant)
        if actor.pk != membership.user_id:
            access_tenant_admin(actor, membership.tenant)
        membership = Membership.objects.filter(pk=membership.pk).first()
        if membership is None:
            return
        if membership.role == Membership.Role.ADMIN and len(admins) <= 1:
            raise ValidationError(
                _("%(who)s is the last administrator and cannot be removed.")
                % {"who": membership.user}
            )
        _revoke_invitations_sent_by(membership, revoked_by=actor)
        Membership.objects.filter(pk=membership.pk).delete()
        # Roles in hosted apps go with the membership (they would come back
        # with a later invitation otherwise).
        hosted.roles_clear(membership.tenant, membership.user_id)
