"""Who may manage a tenant's billing: billing's one access module.

Operator actions (granting a plan) go through tenants.access.access_operator,
that is through Django permissions.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenants.access import access_tenant_admin

from .entitlements import billing_enabled


def access_billing(actor, tenant):
    """The actor's membership when billing is on and they administer `tenant`.

    Billing switched off is a clear message (ValidationError), not a refusal of
    the person; anyone but an administrator is refused (PermissionDenied).
    """
    if not billing_enabled():
        raise ValidationError(_("Billing is not enabled on this platform."))
    return access_tenant_admin(
        actor,
        tenant,
        message=_("Only administrators of %(tenant)s may manage its billing.")
        % {"tenant": tenant},
    )
