"""The portal's announcements (pengumuman) and regulations (peraturan)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from tenants.models import Tenant, User

from ..models import Announcement, Regulation
from .actors import _refuse_nul, _stripped, program_manager_check


def announcement_save(
    *,
    tenant: Tenant,
    actor_user: User,
    announcement: Announcement | None = None,
    title: str,
    body: str,
    published_on: date | None = None,
    is_published: bool = True,
) -> Announcement:
    """Create or edit a pengumuman (program managers and administrators)."""
    program_manager_check(tenant=tenant, actor_user=actor_user)
    fields = _stripped({"title": title, "body": body})
    _refuse_nul(**fields)
    with transaction.atomic():
        if announcement is None:
            announcement = Announcement()
        else:
            announcement = Announcement.objects.select_for_update().get(
                pk=announcement.pk
            )
        for name, value in fields.items():
            setattr(announcement, name, value)
        announcement.published_on = published_on or timezone.localdate()
        announcement.is_published = bool(is_published)
        announcement.full_clean()
        announcement.save()
    return announcement


def regulation_save(
    *,
    tenant: Tenant,
    actor_user: User,
    regulation: Regulation | None = None,
    title: str,
    number: str,
    year: int,
    summary: str = "",
    url: str = "",
) -> Regulation:
    """Create or edit a peraturan that applies to the grants (program managers, admins)."""
    program_manager_check(tenant=tenant, actor_user=actor_user)
    fields = _stripped(
        {"title": title, "number": number, "summary": summary, "url": url}
    )
    _refuse_nul(**fields)
    with transaction.atomic():
        if regulation is None:
            regulation = Regulation()
        else:
            regulation = Regulation.objects.select_for_update().get(pk=regulation.pk)
        for name, value in fields.items():
            setattr(regulation, name, value)
        regulation.year = year
        regulation.full_clean()
        regulation.save()
    return regulation
