"""Separation of duties: who set an amount may not approve, who approved may not pay."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import (
    AuditEvent,
    Proposal,
    StageReview,
)
from .actors import Actor


def amount_setters(proposal: Proposal) -> set[int]:
    """Members who recommended an amount or corrected budget lines of the proposal."""
    setters = set(
        StageReview.objects.filter(
            proposal=proposal, recommended_amount__isnull=False
        ).values_list("reviewer_id", flat=True)
    )
    setters |= set(
        AuditEvent.objects.filter(
            proposal=proposal,
            action__in=AMOUNT_ACTIONS,
            actor_id__isnull=False,
        ).values_list("actor_id", flat=True)
    )
    return setters


# Events that set an amount: budget corrections, and stages that recommend one
# (StageReview.recommended_amount covers those too).
AMOUNT_ACTIONS = ("correct_budget",)


def approvers(proposal: Proposal) -> set[int]:
    return set(
        AuditEvent.objects.filter(
            proposal=proposal, action="approve", actor_id__isnull=False
        ).values_list("actor_id", flat=True)
    )


def duty_conflict(*, actor: Actor, proposal: Proposal, action: str) -> str:
    """Why separation of duties forbids this actor this step ("" when it does not)."""
    if not proposal.program.separation_of_duties:
        return ""
    if action == "approve" and actor.user.pk in amount_setters(proposal):
        return _(
            "You recommended or corrected the amount of this proposal, so another "
            "member must approve it (separation of duties)."
        )
    if action == "disburse" and actor.user.pk in approvers(proposal):
        return _(
            "You approved this proposal, so another member must record its "
            "disbursement (separation of duties)."
        )
    return ""


def duty_conflicts(*, actor: Actor, proposal: Proposal, actions) -> dict[str, str]:
    """For the staff page: each of `actions` this actor may not take, with the reason."""
    conflicts = {}
    for action in actions:
        reason = duty_conflict(actor=actor, proposal=proposal, action=action)
        if reason:
            conflicts[action] = reason
    return conflicts
