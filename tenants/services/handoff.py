"""Signing in on a tenant's host: one-use hand-off tokens."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import LoginHandoff, Membership, Tenant, User

HANDOFF_SALT = "tenants.handoff"


HANDOFF_MAX_AGE = 120  # seconds: the redirect happens at once


# --- signing in on a tenant's host -----------------------------------------------------


def handoff_create(
    *, user: User, tenant: Tenant, next_path: str = "/dashboard/"
) -> str:
    """A signed one-time token that signs `user` in on `tenant`'s own host."""
    if (
        not next_path.startswith("/")
        or next_path.startswith("//")
        or "\\" in next_path
        or len(next_path) > 200
        or any(ord(c) < 32 or ord(c) == 127 for c in next_path)
    ):
        next_path = "/dashboard/"
    if not Membership.objects.filter(user=user, tenant=tenant).exists():
        raise PermissionDenied(_("You are not a member of this organisation."))
    handoff = LoginHandoff.objects.create(user=user, tenant=tenant, next_path=next_path)
    # Old tickets are useless after HANDOFF_MAX_AGE; keep the table small.
    LoginHandoff.objects.filter(
        created_at__lt=timezone.now() - timedelta(seconds=HANDOFF_MAX_AGE * 10)
    ).delete()
    return signing.dumps(str(handoff.pk), salt=HANDOFF_SALT, compress=False)


def _handoff_id(token: str) -> str | None:
    try:
        return signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE)
    except signing.BadSignature:
        return None


def handoff_peek(*, token: str, tenant: Tenant) -> LoginHandoff | None:
    """The unused ticket `token` names for this tenant, without using it up."""
    raw = _handoff_id(token)
    if raw is None:
        return None
    try:
        return LoginHandoff.objects.select_related("user", "tenant").get(
            pk=raw, tenant=tenant, used_at__isnull=True, user__is_active=True
        )
    except (LoginHandoff.DoesNotExist, ValueError, ValidationError):
        return None


def handoff_redeem(*, token: str, tenant: Tenant) -> LoginHandoff | None:
    """The unused ticket for this tenant that `token` names (marked used), or None."""
    raw = _handoff_id(token)
    if raw is None:
        return None
    with transaction.atomic():
        try:
            handoff = (
                LoginHandoff.objects.select_for_update()
                .select_related("user")
                .get(pk=raw, tenant=tenant, used_at__isnull=True)
            )
        except (LoginHandoff.DoesNotExist, ValueError, ValidationError):
            return None
        handoff.used_at = timezone.now()
        handoff.save(update_fields=["used_at"])
    if not handoff.user.is_active:
        return None
    return handoff
