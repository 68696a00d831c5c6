"""Helpers the catalogue's writes share: a snapshot of who acted, and a tenant's administrators."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tenants.models import Tenant, User


def _actor_snapshot(actor: User | None, tenant: Tenant | None) -> dict:
    """Who acted, as text that outlives the user and the tenant."""
    return {
        "actor_id": actor.pk if actor else None,
        "actor_name": (actor.full_name or actor.email)[:200]
        if actor
        else _("BagiPakai platform")[:200],
        "actor_tenant_id": tenant.pk if tenant else None,
        "actor_tenant_name": tenant.name[:200] if tenant else "",
    }
