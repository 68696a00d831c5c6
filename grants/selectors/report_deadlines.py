"""Accountability report (LPJ) deadlines: when each is due, which are overdue."""

from __future__ import annotations

from django.db.models import (
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from ..models import Disbursement, Proposal
from ..workflow import WORKFLOW


def _report_due_now() -> Q:
    """Proposals whose accountability report the recipient may hand in now: the
    declared `report` step's states and guard (once fully paid)."""
    report = WORKFLOW.transition("report")
    where = Q(status__in=report.sources)
    if report.guard is not None and report.guard.query is not None:
        where &= report.guard.query
    return where


def report_due_on():
    """A proposal's accountability report (LPJ) deadline: its program's
    `report_due_days` after the last disbursement (an annotation)."""
    last_paid = Subquery(
        Disbursement.objects.filter(proposal=OuterRef("pk"))
        .order_by("-paid_on")
        .values("paid_on")[:1]
    )
    return ExpressionWrapper(
        last_paid + F("program__report_due_days"), output_field=DateField()
    )


def report_due_for(proposal_id: int):
    """One proposal's accountability report (LPJ) deadline, or None before any
    disbursement."""
    return (
        Proposal.objects.filter(pk=proposal_id)
        .annotate(report_due=report_due_on())
        .values_list("report_due", flat=True)
        .first()
    )


def reports_overdue(today) -> QuerySet[Proposal]:
    """Disbursed proposals whose recipient has not sent the accountability report
    (LPJ) by its deadline."""
    return (
        Proposal.objects.filter(_report_due_now())
        .annotate(report_due=report_due_on())
        .filter(report_due__lt=today)
    )
