"""Sabilulungan's grant workflow, declared once (core/workflow.py).

Every rule of a proposal's life is here as data: its states with the words
staff, the public and the applicant see; the transitions with the role that
takes each (a GrantRole, "applicant", or "stage": whoever the program's
current review stage names), the inputs and uploads each needs, the money
rule in words, whose note is public and who is told; the progress bar's
frame; and the audited events that are not transitions. The service
(grants/services/transitions.py), the back-office forms and queue, the public
progress bar and timeline, the label filters, the e-mails and the audit
action constraint all read it; nothing else lists states or roles.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.workflow import Event, Guard, State, Transition, Workflow

from .models import Proposal, ProposalDocument
from .roles import GrantRole

S = Proposal.Status
R = GrantRole
DOC = ProposalDocument.Kind

APPLICANT = "applicant"
STAGE = "stage"
# notify: whoever acts next (the next stage's role, or the next step's).
NEXT = "next"

# State tags (Workflow.tagged): the approved amount counts against the
# program's budget and is published in the open data.
COMMITTED_TAG = "committed"
# The applicant may edit the proposal and its documents.
EDITABLE_TAG = "editable"
# The accountability report is in (submitted or accepted): the amount spent is
# public.
REPORT_IN_TAG = "report_in"


def _fully_paid(proposal) -> bool:
    return (
        proposal.approved_amount is not None
        and proposal.disbursed_amount >= proposal.approved_amount
    )


NOT_FULLY_PAID = Guard(
    label=_("Until the approved amount is fully paid"),
    test=lambda proposal: not _fully_paid(proposal),
    refusal=_("The approved amount is already fully paid."),
    query=Q(disbursed_amount__lt=F("approved_amount")),
)
FULLY_PAID = Guard(
    label=_("Once the approved amount is fully paid"),
    test=_fully_paid,
    refusal=_(
        "The accountability report is submitted once the approved amount is fully paid."
    ),
    query=Q(disbursed_amount__gte=F("approved_amount")),
)

_CHECKED = _("Being checked")

WORKFLOW = Workflow(
    key="grants",
    not_now=_("The proposal is %(state)s; this step is not possible now."),
    states=(
        State(
            S.DRAFT,
            S.DRAFT.label,
            public=None,
            own=_("Draft, not sent yet"),
            own_next=_(
                "Complete the proposal, upload the documents the program asks for "
                "and submit it."
            ),
            step=_("Submission"),
            tags={EDITABLE_TAG},
        ),
        State(
            S.IN_REVIEW,
            S.IN_REVIEW.label,
            own=_CHECKED,
            own_next=_(
                "The reviewers check your proposal step by step; you will get an "
                "e-mail when they decide."
            ),
            step=_("Review"),
        ),
        State(
            S.REVISION,
            S.REVISION.label,
            own=_("Returned to you for changes"),
            own_next=_(
                "Read the reason, change the proposal or its documents and submit "
                "it again."
            ),
            at=S.IN_REVIEW,
            tags={EDITABLE_TAG},
        ),
        State(
            S.AWAITING_APPROVAL,
            S.AWAITING_APPROVAL.label,
            public=_("Awaiting the regional head's approval"),
            own=_CHECKED,
            own_next=_(
                "The regional head decides on your proposal; you will get an e-mail "
                "when they decide."
            ),
            step=_("Approval"),
        ),
        State(
            S.APPROVED,
            S.APPROVED.label,
            own_next=_(
                "The administration office prepares the grant agreement (NPHD) with "
                "you; you will get an e-mail when it is signed."
            ),
            step=_("Grant agreement (NPHD)"),
            tags={COMMITTED_TAG},
        ),
        State(
            S.AGREEMENT_SIGNED,
            S.AGREEMENT_SIGNED.label,
            own_next=_(
                "The treasurer transfers the grant to your account; you will get an "
                "e-mail for each payment."
            ),
            step=_("Disbursement"),
            tags={COMMITTED_TAG},
        ),
        State(
            S.DISBURSED,
            S.DISBURSED.label,
            own=_("Paid to you"),
            own_next=_(
                "The treasurer pays what remains of the approved amount; once it is "
                "fully paid, upload your accountability report (LPJ) here."
            ),
            step=_("Accountability report (LPJ)"),
            tags={COMMITTED_TAG},
        ),
        State(
            S.REPORTED,
            S.REPORTED.label,
            own=_("Report being checked"),
            own_next=_(
                "The OPD checks your accountability report; you will get an e-mail "
                "when they decide."
            ),
            step=_("Report check"),
            tags={COMMITTED_TAG, REPORT_IN_TAG},
        ),
        State(
            S.REPORT_RETURNED,
            S.REPORT_RETURNED.label,
            own=_("Report returned to you for changes"),
            own_next=_(
                "Read the reason, correct the accountability report and submit it "
                "again."
            ),
            at=S.DISBURSED,
            tags={COMMITTED_TAG},
        ),
        State(
            S.CLOSED,
            S.CLOSED.label,
            own=_("Completed"),
            own_next=_("The grant is complete. Thank you for your report."),
            step=_("Completed"),
            terminal=True,
            tags={COMMITTED_TAG, REPORT_IN_TAG},
        ),
        State(
            S.REJECTED,
            S.REJECTED.label,
            own_next=_("The proposal was not approved; the reason is given above."),
            terminal=True,
            failure=True,
        ),
        State(
            S.WITHDRAWN,
            S.WITHDRAWN.label,
            own=_("Withdrawn by you"),
            own_next=_("You withdrew the proposal; nothing more happens to it."),
            terminal=True,
            failure=True,
        ),
    ),
    transitions=(
        Transition(
            "submit",
            {S.DRAFT, S.REVISION},
            S.IN_REVIEW,
            actor=APPLICANT,
            label=_("Submit the proposal"),
            done=_("Submitted"),
            uploads=(DOC.REQUIRED,),
            notify=(APPLICANT, NEXT),
            staff_button=False,
        ),
        Transition(
            "withdraw",
            {S.DRAFT, S.IN_REVIEW, S.REVISION, S.AWAITING_APPROVAL},
            S.WITHDRAWN,
            actor=APPLICANT,
            label=_("Withdraw"),
            done=_("Withdrawn by the applicant"),
            own_done=_("Withdrawn by you"),
            staff_button=False,
            confirm=_("Withdraw the proposal? This cannot be undone."),
        ),
        Transition(
            "pass",
            {S.IN_REVIEW},
            None,
            targets={S.IN_REVIEW, S.AWAITING_APPROVAL},
            actor=STAGE,
            label=_("Pass this stage"),
            done=_("Stage passed"),
            own_done=_("One review step done"),
            inputs=("stage_review", "note"),
            money=_(
                "A recommended amount never exceeds the request as corrected by the "
                "reviewers, nor an earlier recommendation."
            ),
            notify=(NEXT,),
        ),
        Transition(
            "return",
            {S.IN_REVIEW},
            S.REVISION,
            actor=STAGE,
            label=_("Return for revision"),
            done=_("Returned for revision"),
            own_done=_("Returned to you for changes"),
            inputs=("reason",),
            public_note=True,
            notify=(APPLICANT,),
        ),
        Transition(
            "reject",
            {S.IN_REVIEW},
            S.REJECTED,
            actor=STAGE,
            label=_("Reject"),
            done=_("Rejected"),
            inputs=("reason",),
            public_note=True,
            notify=(APPLICANT,),
            confirm=_("Reject the proposal? This cannot be undone."),
        ),
        Transition(
            "approve",
            {S.AWAITING_APPROVAL},
            S.APPROVED,
            actor=R.KEPALA_DAERAH,
            label=_("Approve"),
            done=_("Approved"),
            inputs=("approved_amount", "note"),
            money=_(
                "The approved amount never exceeds the last recommendation, and all "
                "approvals together never exceed the program's budget."
            ),
            notify=(APPLICANT, NEXT),
        ),
        Transition(
            "reject_approval",
            {S.AWAITING_APPROVAL},
            S.REJECTED,
            actor=R.KEPALA_DAERAH,
            label=_("Reject at approval"),
            done=_("Rejected at approval"),
            own_done=_("Rejected"),
            inputs=("reason",),
            public_note=True,
            notify=(APPLICANT,),
            confirm=_("Reject the proposal? This cannot be undone."),
        ),
        Transition(
            "sign_agreement",
            {S.APPROVED},
            S.AGREEMENT_SIGNED,
            actor=R.TATA_USAHA,
            label=_("Record the signed NPHD"),
            done=_("Agreement (NPHD) signed"),
            inputs=("nphd_number", "nphd_date", "nphd_file"),
            uploads=(DOC.NPHD,),
            notify=(APPLICANT, NEXT),
        ),
        Transition(
            "disburse",
            {S.AGREEMENT_SIGNED, S.DISBURSED},
            S.DISBURSED,
            actor=R.TREASURER,
            label=_("Record a disbursed tranche"),
            done=_("Tranche disbursed"),
            own_done=_("Payment sent to you"),
            inputs=("tranche_amount", "paid_on", "transfer_reference"),
            money=_(
                "Tranches together never exceed the approved amount; no payment while "
                "a change of the recipient's bank account awaits a second member."
            ),
            notify=(APPLICANT, NEXT),
            guard=NOT_FULLY_PAID,
        ),
        Transition(
            "report",
            {S.DISBURSED, S.REPORT_RETURNED},
            S.REPORTED,
            actor=APPLICANT,
            label=_("Submit the accountability report"),
            done=_("Accountability report (LPJ) submitted"),
            inputs=("spent_amount", "summary"),
            uploads=(DOC.LPJ_REPORT, DOC.LPJ_RECEIPT, DOC.LPJ_PHOTO),
            money=_("The amount spent never exceeds the amount disbursed."),
            notify=(NEXT,),
            staff_button=False,
            guard=FULLY_PAID,
        ),
        Transition(
            "return_report",
            {S.REPORTED},
            S.REPORT_RETURNED,
            actor=R.OPD,
            label=_("Return the report for revision"),
            done=_("Accountability report returned for revision"),
            own_done=_("Report returned to you for changes"),
            inputs=("reason",),
            public_note=True,
            notify=(APPLICANT,),
        ),
        Transition(
            "close",
            {S.REPORTED},
            S.CLOSED,
            actor=R.OPD,
            label=_("Close after verifying the LPJ"),
            done=_("Closed"),
            own_done=_("Report accepted; the grant is complete"),
            inputs=("note",),
            notify=(APPLICANT,),
        ),
    ),
    initial=S.DRAFT,
    actors={
        APPLICANT: _("Applicant"),
        **{role.value: role.label for role in R},
    },
    frame=(
        S.DRAFT,
        S.IN_REVIEW,
        S.AWAITING_APPROVAL,
        S.APPROVED,
        S.AGREEMENT_SIGNED,
        S.DISBURSED,
        S.REPORTED,
    ),
    stages_at=S.IN_REVIEW,
    dynamic_actor=STAGE,
    events=(
        Event("correct_budget", _("Budget corrected by the reviewer")),
        Event("recipient_amended", _("Recipient data amended")),
        Event("recipient_confirmed", _("Recipient's new bank account confirmed")),
        Event("recipient_declined", _("Recipient's new bank account declined")),
        Event("place_fixed", _("Kecamatan/kelurahan set from the register")),
        Event("program_create", _("Program created")),
        Event("program_update", _("Program changed")),
        Event("program_stages", _("Review stages changed")),
        Event("program_status", _("Program status changed")),
        Event("program_duties", _("Separation of duties changed")),
    ),
)

# Who acts on a proposal that is not the applicant's: any GrantRole.
STAFF_ACTORS = frozenset(R.values)

# States whose approved amount counts against the program's budget (and is
# published in the open data).
COMMITTED = WORKFLOW.tagged(COMMITTED_TAG)
# The applicant may edit the proposal and upload its required documents.
EDITABLE = WORKFLOW.tagged(EDITABLE_TAG)
# The accountability report (LPJ) has been handed in.
REPORT_IN = WORKFLOW.tagged(REPORT_IN_TAG)
# Returns and rejections say why in public (Proposal.public_reason).
PUBLIC_NOTE_ACTIONS = frozenset(t.key for t in WORKFLOW.transitions if t.public_note)


def uploads() -> dict[str, tuple[str, frozenset[str]]]:
    """{document kind: (who uploads it, the states in which)}: each kind belongs to
    the transition that needs it, uploaded by its actor while the step is open."""
    rules: dict[str, tuple[str, frozenset[str]]] = {}
    for t in WORKFLOW.transitions:
        for kind in t.uploads:
            rules[kind] = (t.actor, t.sources)
    return rules


def progress_state(proposal) -> str:
    """Where a proposal stands on the progress bar: a disbursed proposal whose
    approved amount is not fully paid is still in its disbursement step."""
    if proposal.status == S.DISBURSED and not _fully_paid(proposal):
        return S.AGREEMENT_SIGNED
    return proposal.status


def public_statuses() -> list[tuple[str, object]]:
    """(status, public label) of every state the public sees, in order."""
    return [(s.key, s.public_label) for s in WORKFLOW.states if s.public is not None]


def tone(status: str) -> str:
    """The badge a status wears in public: failed, under way or granted."""
    state = WORKFLOW.state(status)
    if state.failure:
        return "off"
    return "ok" if COMMITTED_TAG in state.tags else "warn"


# The model's status choices and the declaration name the same states.
if [s.key for s in WORKFLOW.states] != list(S.values):  # pragma: no cover
    raise ImportError("grants.workflow: the states differ from Proposal.Status")


# --- audit action names -------------------------------------------------------------

# Actions that old chains hold but no current step or event writes any more
# (a rename leaves its old name here for ever: chains are never rewritten).
# Every name written so far is still declared above, in the v1 chains too
# (program_* events and the proposal steps), so none is needed yet.
LEGACY_ACTIONS: tuple[tuple[str, object], ...] = ()

# Every action an audit event may carry: the declared transitions and events,
# and the legacy names. The database refuses any other (the CHECK constraint
# grants_auditevent_action_known, migration 0013; a test compares the two).
AuditAction = models.TextChoices(
    "AuditAction",
    [
        (key.upper(), (key, label))
        for key, label in (*WORKFLOW.action_choices(), *LEGACY_ACTIONS)
    ],
)
