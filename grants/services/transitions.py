"""A proposal's life: each step of the review workflow, its rules and its e-mails."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import thousands
from tenants.models import Membership, Tenant, User
from tenants.notifications import notify

from .. import audit
from ..access import proposal_roles
from ..models import (
    Disbursement,
    Program,
    Proposal,
    ProposalDocument,
    StageReview,
)
from ..roles import holders
from ..workflow import (
    APPLICANT,
    NEXT,
    STAGE,
    WORKFLOW,
)
from .actors import Actor, actor_in
from .drafts import applicant_kind_check
from .duties import duty_conflict
from .programs import committed_amount
from .recipients import pending_bank_change

Status = Proposal.Status


def _stage_role(proposal: Proposal) -> str:
    return proposal.stage.role if proposal.stage is not None else ""


def allowed_actions(*, actor: Actor, proposal: Proposal) -> list[str]:
    """The steps this actor may take on this proposal now (for buttons and queues)."""
    return [
        t.key
        for t in WORKFLOW.available(
            proposal.status,
            proposal_roles(actor, proposal),
            stage_role=_stage_role(proposal),
            record=proposal,
        )
    ]


def proposal_transition(
    *,
    tenant: Tenant,
    actor_user: User,
    proposal: Proposal,
    action: str,
    note: str = "",
    amount: int | None = None,
    checklist: dict | None = None,
    unit: str = "",
    nphd_number: str = "",
    nphd_date: date | None = None,
    paid_on: date | None = None,
    transfer_reference: str = "",
    spent_amount: int | None = None,
    note_public: bool = False,
) -> Proposal:
    """Take one step of a proposal's life (grants/workflow.py): role, transition,
    duty and money rules, audit event, and the e-mails the step sends.

    The note goes on the public timeline when the actor marks it public (and
    always for the steps whose reason is public: returns and rejections);
    otherwise it stays in the chain's private part.
    """
    if not WORKFLOW.has_transition(action):
        raise ValidationError(_("Unknown step."))
    step = WORKFLOW.transition(action)
    actor = actor_in(tenant, actor_user)
    note = (note or "").strip()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("applicant", "stage", "program")
            .get(pk=proposal.pk)
        )
        stage_role = _stage_role(proposal)
        WORKFLOW.require(
            action,
            state=proposal.status,
            roles=proposal_roles(actor, proposal),
            stage_role=stage_role,
            record=proposal,
        )
        conflict = duty_conflict(actor=actor, proposal=proposal, action=action)
        if conflict:
            raise PermissionDenied(conflict)
        before = proposal.status
        stage_name = proposal.stage.name if proposal.stage else ""
        amounts: dict[str, int | None] = {}
        _HANDLERS[action](
            proposal,
            step=step,
            action=action,
            actor=actor,
            note=note,
            amount=amount,
            checklist=checklist or {},
            unit=unit.strip(),
            nphd_number=nphd_number.strip(),
            nphd_date=nphd_date,
            paid_on=paid_on,
            transfer_reference=transfer_reference.strip(),
            spent_amount=spent_amount,
            amounts=amounts,
        )
        if step.target is not None:
            proposal.status = step.target
        WORKFLOW.check_target(step, proposal.status)
        proposal.updated_at = timezone.now()
        proposal.save()
        is_applicant = step.actor == APPLICANT
        audit.append(
            action=action,
            proposal=proposal,
            from_status=before,
            to_status=proposal.status,
            stage=stage_name,
            actor_role=APPLICANT
            if is_applicant
            else (stage_role if step.actor == STAGE else step.actor),
            # Officials are named; applicants never are (invariant 5).
            actor_label="" if is_applicant else actor.label,
            actor_id=actor.user.pk,
            amounts=amounts,
            **_note_parts(note, public=note_public or step.public_note),
        )
        _notify(tenant=tenant, proposal=proposal, step=step)
    return proposal


def _note_parts(note: str, *, public: bool) -> dict:
    """audit.append's arguments for a note: published, or kept in the private part."""
    return {"note": note} if public else {"private_note": note}


def _submit(proposal: Proposal, *, amounts, **_kwargs) -> None:
    program = proposal.program
    applicant_kind_check(program=program, applicant=proposal.applicant)
    today = timezone.localdate()
    if proposal.status == Status.DRAFT:
        if program.status != Program.Status.OPEN or not (
            program.opens_on <= today <= program.closes_on
        ):
            raise ValidationError(_("The program is not open for proposals now."))
        proposal.stage = program.stages.order_by("position").first()
    # A returned proposal goes back into the stage that returned it.
    missing = _missing_documents(proposal)
    if missing:
        raise ValidationError(
            _("Upload the required documents first: %(docs)s.")
            % {"docs": ", ".join(missing)}
        )
    if proposal.requested_amount <= 0:
        raise ValidationError(_("The requested amount must be more than zero."))
    proposal.submitted_at = proposal.submitted_at or timezone.now()
    proposal.public_reason = ""
    amounts["requested"] = proposal.requested_amount


def _missing_documents(proposal: Proposal) -> list[str]:
    uploaded = set(
        proposal.documents.filter(kind=ProposalDocument.Kind.REQUIRED).values_list(
            "requirement", flat=True
        )
    )
    return [doc for doc in proposal.program.required_documents if doc not in uploaded]


def _pass(
    proposal: Proposal, *, actor, note, amount, checklist, unit, amounts, **_kwargs
) -> None:
    stage = proposal.stage
    unticked = [item for item in stage.checklist if not checklist.get(item)]
    if unticked:
        raise ValidationError(
            _("Check every item of the stage's checklist first: %(items)s.")
            % {"items": "; ".join(unticked)}
        )
    if stage.assigns_unit:
        if not unit:
            raise ValidationError(
                {"unit": [_("Name the OPD that evaluates the proposal.")]}
            )
        proposal.assigned_unit = unit
    if stage.sets_amount:
        if amount is None or amount <= 0:
            raise ValidationError({"amount": [_("Recommend an amount in rupiah.")]})
        ceiling = amount_ceiling(proposal)
        if amount > ceiling:
            raise ValidationError(
                {
                    "amount": [
                        _("The recommendation cannot exceed %(max)s rupiah.")
                        % {"max": thousands(ceiling)}
                    ]
                }
            )
        proposal.recommended_amount = amount
        amounts["recommended"] = amount
    StageReview.objects.create(
        proposal=proposal,
        stage=stage,
        decision="pass",
        checklist={item: bool(checklist.get(item)) for item in stage.checklist},
        recommended_amount=amount if stage.sets_amount else None,
        note=note,
        reviewer_id=actor.user.pk,
    )
    following = (
        proposal.program.stages.filter(position__gt=stage.position)
        .order_by("position")
        .first()
    )
    if following is None:
        proposal.stage = None
        proposal.status = Status.AWAITING_APPROVAL
    else:
        proposal.stage = following


def _with_public_reason(
    proposal: Proposal, *, step, action, actor, note, **_kwargs
) -> None:
    """Returns and rejections say why, in public."""
    if not note:
        raise ValidationError({"note": [_("Give the reason; it is shown in public.")]})
    proposal.public_reason = note
    if WORKFLOW.state(step.target).terminal:
        proposal.decided_at = timezone.now()
    if proposal.stage is not None:
        StageReview.objects.create(
            proposal=proposal,
            stage=proposal.stage,
            decision=action,
            note=note,
            reviewer_id=actor.user.pk,
        )


def amount_ceiling(proposal: Proposal) -> int:
    """The most a reviewer may recommend or an approver approve: the request, as
    corrected by reviewers, and never above the last recommendation."""
    lines = list(proposal.lines.all())
    corrected = any(
        line.corrected_quantity is not None or line.corrected_unit_cost is not None
        for line in lines
    )
    ceiling = proposal.requested_amount
    if corrected:
        ceiling = min(ceiling, sum(line.corrected_total for line in lines))
    if proposal.recommended_amount is not None:
        ceiling = min(ceiling, proposal.recommended_amount)
    return ceiling


def _approve(proposal: Proposal, *, amount, amounts, **_kwargs) -> None:
    ceiling = amount_ceiling(proposal)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Give the approved amount in rupiah.")]})
    if amount > ceiling:
        raise ValidationError(
            {
                "amount": [
                    _("The approved amount cannot exceed the last recommendation.")
                ]
            }
        )
    # Serialise approvals per program: the budget check and the update are one step.
    program = Program.objects.select_for_update().get(pk=proposal.program_id)
    committed = committed_amount(program, excluding=proposal)
    if committed + amount > program.budget:
        raise ValidationError(
            {
                "amount": [
                    _("The program's budget would be exceeded: %(left)s rupiah remain.")
                    % {"left": thousands(program.budget - committed)}
                ]
            }
        )
    proposal.approved_amount = amount
    proposal.decided_at = timezone.now()
    amounts["approved"] = amount
    amounts["program_committed"] = committed + amount


def _sign_agreement(proposal: Proposal, *, nphd_number, nphd_date, **_kwargs) -> None:
    if not nphd_number or nphd_date is None:
        raise ValidationError(_("Give the NPHD number and date."))
    if not proposal.documents.filter(kind=ProposalDocument.Kind.NPHD).exists():
        raise ValidationError(_("Upload the signed NPHD first."))
    proposal.nphd_number = nphd_number
    proposal.nphd_date = nphd_date


def _disburse(
    proposal: Proposal, *, amount, paid_on, transfer_reference, amounts, **_kwargs
) -> None:
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Give the tranche amount in rupiah.")]})
    pending = pending_bank_change(proposal.applicant_id)
    if pending is not None:
        raise ValidationError(
            _(
                "The recipient's bank account was changed on %(date)s and no second "
                "member has confirmed the change yet. No disbursement can be recorded "
                "until a treasurer or program manager other than the one who made the "
                "change confirms it on this page."
            )
            % {"date": timezone.localtime(pending.requested_at).strftime("%d-%m-%Y")}
        )
    if paid_on is None or not transfer_reference:
        raise ValidationError(_("Give the payment date and the transfer reference."))
    # The proposal row is locked (select_for_update in proposal_transition).
    if proposal.disbursed_amount + amount > proposal.approved_amount:
        raise ValidationError(
            {
                "amount": [
                    _(
                        "Disbursements cannot exceed the approved amount: %(left)s rupiah remain."
                    )
                    % {
                        "left": f"{proposal.approved_amount - proposal.disbursed_amount:,}".replace(
                            ",", "."
                        )
                    }
                ]
            }
        )
    tranche = proposal.disbursements.count() + 1
    Disbursement.objects.create(
        proposal=proposal,
        tranche=tranche,
        amount=amount,
        paid_on=paid_on,
        transfer_reference=transfer_reference,
    )
    proposal.disbursed_amount += amount
    amounts.update(
        tranche=tranche, disbursed=amount, disbursed_total=proposal.disbursed_amount
    )


def _report(proposal: Proposal, *, step, spent_amount, amounts, **_kwargs) -> None:
    if spent_amount is None or spent_amount < 0:
        raise ValidationError({"spent_amount": [_("Give the amount spent in rupiah.")]})
    if spent_amount > proposal.disbursed_amount:
        raise ValidationError(
            {"spent_amount": [_("More cannot be spent than was disbursed.")]}
        )
    kinds = set(proposal.documents.values_list("kind", flat=True))
    if not set(step.uploads) <= kinds:
        raise ValidationError(
            _(
                "Upload the accountability report, its receipts and photos of the activity first."
            )
        )
    proposal.spent_amount = spent_amount
    proposal.public_reason = ""
    amounts["spent"] = spent_amount


def _nothing(proposal: Proposal, **_kwargs) -> None:
    return None


# Each declared transition's own rules (grants/workflow.py names the steps).
_HANDLERS = {
    "submit": _submit,
    "withdraw": _nothing,
    "pass": _pass,
    "return": _with_public_reason,
    "reject": _with_public_reason,
    "approve": _approve,
    "reject_approval": _with_public_reason,
    "sign_agreement": _sign_agreement,
    "disburse": _disburse,
    "report": _report,
    "return_report": _with_public_reason,
    "close": _nothing,
}
if set(_HANDLERS) != {t.key for t in WORKFLOW.transitions}:  # pragma: no cover
    raise ImportError("grants: the step handlers differ from the declared transitions")


def _notify(*, tenant: Tenant, proposal: Proposal, step) -> None:
    """The e-mails a step sends (its `notify` column), after it commits: the
    applicant hears of each decision that matters to them, in their words,
    with a link to their proposal; the members who act next are told that the
    proposal waits for them."""
    state = WORKFLOW.state(proposal.status)
    params = {
        "title": proposal.title[:120],
        "done": step.own_label,
        "state": state.own_label,
        "next": state.own_next,
        "reason": proposal.public_reason,
        "reference": proposal.reference,
    }
    if APPLICANT in step.notify:
        notify(
            recipients=[proposal.applicant.user_id],
            tenant=tenant,
            kind=f"grants.{step.key}",
            subject=gettext_lazy("%(done)s: %(title)s"),
            sentence=gettext_lazy(
                "Your proposal “%(title)s” (reference %(reference)s) is now: "
                "%(state)s. %(next)s"
            )
            if not proposal.public_reason
            else gettext_lazy(
                "Your proposal “%(title)s” (reference %(reference)s) is now: "
                "%(state)s. Reason: %(reason)s %(next)s"
            ),
            path=reverse("grants_my_proposal", args=[proposal.pk]),
            params=params,
            digest=False,
        )
    if NEXT in step.notify:
        roles = [
            role
            for role in WORKFLOW.acting(
                proposal.status, stage_role=_stage_role(proposal), record=proposal
            )
            if role != APPLICANT
        ]
        staff = (
            Membership.objects.filter(tenant=tenant, user_id__in=holders(*roles))
            .exclude(user_id=proposal.applicant.user_id)
            .values_list("user_id", flat=True)
            if roles
            else []
        )
        if staff:
            notify(
                recipients=list(staff),
                tenant=tenant,
                kind="grants.queue",
                subject=gettext_lazy("A proposal waits for you: %(title)s"),
                sentence=gettext_lazy(
                    "The proposal “%(title)s” is now: %(staff_state)s. It waits for "
                    "your step."
                ),
                path=reverse("grants_staff_proposal", args=[proposal.pk]),
                params={**params, "staff_state": state.label},
                digest=True,
            )
