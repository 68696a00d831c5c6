"""Service-level deadlines and escalation, shared by the apps that promise an
answer within a time (Laksa's complaints, Sabilulungan's citizen reports).

    due = deadlines.due_at(start, days=3, hours=0)
    late = deadlines.overdue(Item.objects.filter(status__in=...), now=now)
    deadlines.escalation_register("laksa_escalate", func="laksa.services.items_escalate_all")

A deadline is counted in calendar hours from the moment something was
received; a rule with neither days nor hours gets DEFAULT_DAYS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from .jobs import periodic_register

DEFAULT_DAYS = 14
# Escalation runs every hour at minute 7 (UTC), so nothing waits more than an
# hour past its deadline before a supervisor hears of it.
ESCALATION_CRON = "7 * * * *"


def due_at(start: datetime, *, days: int = 0, hours: int = 0) -> datetime:
    days, hours = int(days or 0), int(hours or 0)
    if days < 0 or hours < 0:
        raise ValueError("a deadline cannot be negative")
    if not days and not hours:
        days = DEFAULT_DAYS
    return start + timedelta(days=days, hours=hours)


def overdue(queryset, *, now: datetime | None = None, field: str = "due_at"):
    """The rows of `queryset` whose deadline has passed, the longest overdue first."""
    now = now or timezone.now()
    return queryset.filter(**{f"{field}__lt": now}).order_by(field)


def is_overdue(due: datetime | None, *, now: datetime | None = None) -> bool:
    return due is not None and due < (now or timezone.now())


def remaining(due: datetime | None, *, now: datetime | None = None) -> timedelta | None:
    """Time left until `due` (negative when overdue)."""
    if due is None:
        return None
    return due - (now or timezone.now())


def escalation_register(name: str, *, func: str, cron: str = ESCALATION_CRON) -> None:
    """Run `func` (a dotted path, called without arguments) on the escalation
    schedule through the background worker (core/jobs.py)."""
    periodic_register(name, func=func, cron=cron)
