"""One proposal in public: its progress through the stages, its timeline and its page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from ..models import AuditEvent, BudgetLine, Proposal, ReviewStage
from ..workflow import PUBLIC_NOTE_ACTIONS, WORKFLOW, progress_state
from .citizen_reports import report_counts
from .public import _PROPOSAL_COLUMNS, _STAGE_COLUMNS, _public_rows

# --- a proposal's progress through the stages ---------------------------------------


@dataclass(frozen=True)
class ProgressStep:
    label: str
    state: str  # "done", "current", "failed" or "pending"
    state_label: str


_STATE_LABELS = {
    "done": _("done"),
    "current": _("current step"),
    "pending": _("not reached"),
}


def proposal_progress(
    proposal: Proposal, stages: list[ReviewStage]
) -> list[ProgressStep]:
    """Every step from submission to the report check, each done, current, failed
    or pending: the declaration's frame (grants/workflow.py) with the program's
    review stages (`stages`, in order) in place of the review."""
    position = {s.pk: i for i, s in enumerate(stages)}
    state = WORKFLOW.state(proposal.status)
    stopped_at = None
    if state.failure:
        # A rejection or withdrawal keeps the stage it happened at; none means
        # approval (the frame's step after the review).
        review = WORKFLOW.frame.index(WORKFLOW.stages_at)
        stopped_at = (
            review + position[proposal.stage_id]
            if proposal.stage_id in position
            else review + max(len(stages), 1)
        )
    frame = WORKFLOW.progress(
        progress_state(proposal),
        stages=[s.name for s in stages],
        stage_index=position.get(proposal.stage_id, 0),
        stopped_at=stopped_at,
    )
    steps = []
    for label, marker in frame:
        if marker == "failed":
            state_label = _("stopped here: %(state)s") % {
                "state": str(state.public_label).lower()
            }
        elif marker == "current" and state.at:
            state_label = str(state.public_label).lower()
        else:
            state_label = _STATE_LABELS[marker]
        steps.append(ProgressStep(label=label, state=marker, state_label=state_label))
    return steps


# --- one proposal in public ---------------------------------------------------------


AMOUNT_LABELS = {
    "requested": _("Requested"),
    "corrected": _("Corrected budget"),
    "recommended": _("Recommended"),
    "approved": _("Approved"),
    "program_committed": _("Program total approved so far"),
    "disbursed": _("Disbursed in this tranche"),
    "disbursed_total": _("Disbursed so far"),
    "spent": _("Spent (LPJ)"),
}
# Scheme v2 events publish only notes their author marked public (the others
# are in the private part). Of the v1 events written before, only the public
# reasons (Proposal.public_reason) are shown here; their other notes stay in
# audit.jsonl, where they were already published.


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    label: str
    stage: str
    actor_role: str
    actor_label: str
    amounts: list[tuple[str, int]]
    tranche: int | None
    note: str


def _role_label(role: str) -> str:
    return str(WORKFLOW.actor_label(role))


def _timeline_entry(event: AuditEvent) -> TimelineEntry:
    amounts = event.amounts if isinstance(event.amounts, dict) else {}
    tranche = amounts.get("tranche")
    # Officials are public by name, but never by an e-mail address (a user
    # without a full name is labelled with their e-mail by get_full_name()).
    label = event.actor_label if "@" not in event.actor_label else ""
    return TimelineEntry(
        at=event.at,
        action=event.action,
        label=str(WORKFLOW.done_label(event.action)),
        stage=event.stage,
        actor_role=_role_label(event.actor_role),
        actor_label=label,
        amounts=[
            (str(AMOUNT_LABELS[key]), amounts[key])
            for key in AMOUNT_LABELS
            if isinstance(amounts.get(key), int)
        ],
        tranche=tranche if isinstance(tranche, int) else None,
        note=event.note if event.v >= 2 or event.action in PUBLIC_NOTE_ACTIONS else "",
    )


@dataclass
class ProposalDetail:
    proposal: Proposal
    progress: list[ProgressStep]
    timeline: list[TimelineEntry]
    lines: list[BudgetLine]
    # An organisation's stated purpose and kelurahan; empty for individuals.
    purpose: str = ""
    kelurahan: str = ""


def proposal_detail(proposal_id: int) -> ProposalDetail | None:
    """A submitted proposal with its progress, public timeline and (organisations') budget.

    Loads the public columns plus the NPHD and evaluating unit (public facts of
    the grant), the organisation's purpose and the counts of citizens' reports
    (subqueries of the first query); four queries.
    """
    proposal = (
        _public_rows()
        .only(
            *_PROPOSAL_COLUMNS,
            "purpose",
            "kelurahan",
            "public_reason",
            "assigned_unit",
            "nphd_number",
            "nphd_date",
            "program__responsible_unit",
        )
        .filter(pk=proposal_id)
        .annotate(**report_counts())
        .first()
    )
    if proposal is None:
        return None
    stages = list(
        ReviewStage.objects.filter(program_id=proposal.program_id)
        .only(*_STAGE_COLUMNS)
        .order_by("position")
    )
    events = AuditEvent.objects.filter(proposal_id=proposal.pk).only(
        "seq",
        "at",
        "action",
        "stage",
        "actor_role",
        "actor_label",
        "amounts",
        "note",
        "v",
    )
    is_organisation = proposal.applicant.kind == proposal.applicant.Kind.ORGANISATION
    # An individual's budget lines, free text and village may single them out
    # or describe their circumstances; only organisations' are public.
    lines = (
        list(
            BudgetLine.objects.filter(proposal_id=proposal.pk).only(
                "id",
                "position",
                "item",
                "quantity",
                "unit_cost",
                "corrected_quantity",
                "corrected_unit_cost",
                "corrected_stage",
            )
        )
        if is_organisation
        else []
    )
    return ProposalDetail(
        proposal=proposal,
        progress=proposal_progress(proposal, stages),
        timeline=[_timeline_entry(event) for event in events.order_by("seq")],
        lines=lines,
        purpose=proposal.purpose if is_organisation else "",
        kelurahan=proposal.kelurahan if is_organisation else "",
    )
