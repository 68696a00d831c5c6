"""Helpers the operators' actions on a tenant share: the row lock, public reasons, private notes."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import hooks
from ..models import Tenant

logger = logging.getLogger(__name__)


# --- operator actions ----------------------------------------------------------
# Each one checks the operator through tenants.access.access_operator, changes
# the tenant under a row lock and appends exactly one entry to the platform's
# transparency log in the same transaction: a refused or rolled-back action
# leaves no entry, and no entry exists without its change. `reason` is
# published with the entry; `note` stays private (only its salted digest is
# published, tenants/transparency.py).

REASON_MAX = 500


CHANGE_PERMISSION = "tenants.change_tenant"


DELETE_PERMISSION = "tenants.delete_tenant"


def _locked_tenant(tenant: Tenant) -> Tenant:
    """The tenant's row, locked, re-read (a tombstone or another tenant is refused)."""
    try:
        return Tenant.objects.select_for_update().get(pk=tenant.pk)
    except Tenant.DoesNotExist:
        raise ValidationError(_("This organisation no longer exists.")) from None


def _public_reason(reason: str, *, required: bool = False) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise ValidationError(
            {"reason": [_("Give the reason; the organisation and the public see it.")]}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": [
                    _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}
                ]
            }
        )
    return reason


def _private(note: str) -> dict:
    note = (note or "").strip()
    return {"note": note} if note else {}


def _status_changed(tenant: Tenant) -> None:
    """Suspended or enabled again: the `tenant_status_changed` hooks run (the
    catalog recounts who uses its apps: a suspended organisation does not)."""
    hooks.run("tenant_status_changed", tenant)
