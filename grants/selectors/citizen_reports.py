"""Citizens' reports: their counts, the sender's tracking page, the staff's queue."""

from __future__ import annotations

from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import CitizenReport

# --- citizens' reports -------------------------------------------------------------


def report_counts() -> dict:
    """Subqueries counting a proposal's citizen reports and those answered, for annotate()."""

    def count(queryset):
        return Coalesce(
            Subquery(
                queryset.filter(proposal=OuterRef("pk"))
                .order_by()
                .values("proposal")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )

    reports = CitizenReport.objects.all()
    return {
        "report_count": count(reports),
        "answered_report_count": count(
            reports.exclude(status=CitizenReport.Status.RECEIVED)
        ),
    }


def report_public(code: str) -> CitizenReport | None:
    """A report by its tracking code, for whoever holds the code: the sender's
    own message comes back to them (the code is as secret as a password and the
    page is never cached), their name and contact are not loaded.
    """
    if not code:
        return None
    return (
        CitizenReport.objects.filter(tracking_code=code)
        .select_related("proposal", "program")
        .only(
            "id",
            "tracking_code",
            "message",
            "status",
            "response",
            "due_on",
            "created_at",
            "answered_at",
            "photo",
            "proposal__id",
            "proposal__title",
            "program__id",
            "program__name",
        )
        .first()
    )


REPORT_STATUS_ORDER = Case(
    When(status=CitizenReport.Status.RECEIVED, then=Value(0)),
    When(status=CitizenReport.Status.ANSWERED, then=Value(1)),
    default=Value(2),
)


def report_queue(*, status: str = "") -> QuerySet[CitizenReport]:
    """The back office's queue: waiting reports first, the most urgent at the top."""
    reports = CitizenReport.objects.select_related("proposal", "program").defer(
        "proposal__background",
        "proposal__purpose",
        "program__eligibility",
        "client_fingerprint",
    )
    if status in CitizenReport.Status.values:
        reports = reports.filter(status=status)
    return reports.order_by(REPORT_STATUS_ORDER, "due_on", "created_at", "pk")


def report_summary() -> dict:
    """How many reports wait for an answer, and how many of them are overdue (one query)."""
    waiting = Q(status=CitizenReport.Status.RECEIVED)
    return CitizenReport.objects.aggregate(
        waiting=Count("pk", filter=waiting),
        overdue=Count("pk", filter=waiting & Q(due_on__lt=timezone.localdate())),
    )
