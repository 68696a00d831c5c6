"""The kernel's own rows in a tenant's archive (registered in TenantsConfig.ready)."""

from __future__ import annotations

import uuid

from django.conf import settings

from ..models import (
    Domain,
    Invitation,
    Membership,
    Notification,
    SetupStepSkip,
    Tenant,
    User,
    VerificationRequest,
)
from .registry import register_natural_key, register_public_rows


def _domain(row: dict, ctx) -> dict | None:
    """Hosts under the source's base domain move to this platform's; a copy
    gets only its own subdomain (made by the import), never the source's hosts."""
    if ctx.copy:
        return None
    source_base = (ctx.source or {}).get("base_domain", "")
    name = row["domain"]
    if source_base and name.endswith("." + source_base):
        row["domain"] = name[: -len(source_base)] + settings.BASE_DOMAIN
    return row


def _invitation_copy(row: dict, ctx) -> dict:
    # The e-mailed links name the source's invitations, not the copy's.
    row["token"] = uuid.uuid4()
    return row


def register_kernel_parts() -> None:
    register_public_rows(
        Tenant, rows=lambda tenant: Tenant.all_objects.filter(pk=tenant.pk), order=0
    )
    register_public_rows(
        Domain,
        rows=lambda tenant: Domain.objects.filter(tenant=tenant),
        order=10,
        transform=_domain,
    )
    register_public_rows(
        Membership, rows=lambda tenant: Membership.objects.filter(tenant=tenant), order=10
    )
    register_public_rows(
        Invitation,
        rows=lambda tenant: Invitation.objects.filter(tenant=tenant),
        order=10,
        on_copy=_invitation_copy,
    )
    # The set-up steps its administrators skipped (tenants/todos.py).
    register_public_rows(
        SetupStepSkip,
        rows=lambda tenant: SetupStepSkip.objects.filter(tenant=tenant),
        order=10,
    )
    # Evidence the operators verified the source with: not the copy's.
    register_public_rows(
        VerificationRequest,
        rows=lambda tenant: VerificationRequest.objects.filter(tenant=tenant),
        order=10,
        on_copy="skip",
    )
    # The people's notification logs: back with a restore; a copy's links would
    # point at the source's host, so a copy starts with none.
    register_public_rows(
        Notification,
        rows=lambda tenant: Notification.objects.filter(tenant=tenant),
        order=10,
        on_copy="skip",
    )
    register_natural_key(
        Tenant,
        export=lambda tenant: tenant.slug,
        resolve=lambda slugs: dict(
            Tenant.objects.filter(slug__in=slugs).values_list("slug", "pk")
        ),
    )
    register_natural_key(
        User,
        export=lambda user: user.email,
        resolve=lambda emails: dict(
            User.objects.filter(email__in=emails).values_list("email", "pk")
        ),
    )
