"""Adopter counts on catalogue apps, and a closing tenant's catalogue purge."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import Tenant

from ..models import Adoption, AdoptionEvent, Agreement, CatalogApp
from .common import _actor_snapshot

Status = Adoption.Status


def adopters_recount(*, app_ids=None, adopter: Tenant | None = None) -> None:
    """Refresh CatalogApp.active_adopters for some apps (all when nothing is named)."""
    from ..selectors import active_adopters_count

    apps = CatalogApp.objects.all()
    if app_ids is not None:
        apps = apps.filter(pk__in=app_ids)
    if adopter is not None:
        apps = apps.filter(adoptions__adopter=adopter)
    CatalogApp.objects.filter(pk__in=apps.values("pk")).update(
        active_adopters=active_adopters_count()
    )


def tenant_catalog_purge(*, tenant: Tenant, reason: str = "") -> None:
    """Before a tenant is deleted (its row stays as a tombstone): other parties'
    records stay. Its live adoptions both ways end with the reason recorded, its
    published apps leave the catalog, and agreements and every event are kept."""
    reason = reason.strip() or _("The organisation %(tenant)s was deleted.") % {
        "tenant": tenant.name
    }
    with transaction.atomic():
        live = list(
            Adoption.objects.select_for_update(of=("self",))
            .filter(Q(adopter=tenant) | Q(app__publisher=tenant))
            .filter(status__in=Adoption.LIVE_STATUSES)
        )
        for adoption in live:
            _system_close(adoption, reason=reason)
        CatalogApp.objects.filter(publisher=tenant).update(
            is_hidden=True, hidden_reason=reason[:300]
        )
        Agreement.objects.filter(awaiting_party=tenant).update(
            pending_version=None, awaiting_party=None
        )
        adopters_recount(app_ids={a.app_id for a in live})


def _system_close(adoption: Adoption, *, reason: str) -> None:
    """The platform ends (or, before approval, withdraws) a live adoption."""
    from_status = adoption.status
    to_status = Status.ENDED if from_status != Status.REQUESTED else Status.WITHDRAWN
    adoption.status = to_status
    adoption.decision_reason = reason
    adoption.updated_at = timezone.now()
    adoption.save(update_fields=["status", "decision_reason", "updated_at"])
    AdoptionEvent.objects.create(
        adoption=adoption,
        action="end" if to_status == Status.ENDED else "withdraw",
        from_status=from_status,
        to_status=to_status,
        note=reason,
        **_actor_snapshot(None, None),
    )
