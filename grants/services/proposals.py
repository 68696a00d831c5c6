"""A proposal's life: drafts, the review workflow, documents and budget corrections.

Each step goes through proposal_transition."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.models import Membership, Tenant, User
from tenants.notifications import notify

from .. import audit
from ..access import access_step
from ..models import (
    Applicant,
    AuditEvent,
    BudgetLine,
    Disbursement,
    Program,
    Proposal,
    ProposalDocument,
    StageReview,
)
from ..places import home_region, place_fields
from ..roles import holders
from ..workflow import (
    APPLICANT,
    COMMITTED,
    EDITABLE,
    NEXT,
    STAFF_ACTORS,
    STAGE,
    WORKFLOW,
    uploads,
)
from .actors import Actor, actor_in
from .recipients import pending_bank_change

Status = Proposal.Status


def proposal_save_draft(
    *,
    user: User,
    program: Program,
    proposal: Proposal | None = None,
    lines: list[dict],
    **fields,
) -> Proposal:
    """Create or edit a draft (or a proposal returned for revision) with its budget lines."""
    applicant = Applicant.objects.filter(user_id=user.pk).first()
    if applicant is None:
        raise ValidationError(_("Complete your applicant profile first."))
    applicant_kind_check(program=program, applicant=applicant)
    with transaction.atomic():
        if proposal is None:
            proposal = Proposal(program=program, applicant=applicant)
        else:
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.applicant_id != applicant.pk:
                raise PermissionDenied(_("This is not your proposal."))
            if proposal.status not in EDITABLE:
                raise ValidationError(
                    _("Only drafts and returned proposals can be edited.")
                )
        fields |= place_fields(
            home_region(),
            fields.pop("kecamatan_code", proposal.kecamatan_code),
            fields.pop("kelurahan_code", proposal.kelurahan_code),
        )
        for name, value in fields.items():
            setattr(proposal, name, value.strip() if isinstance(value, str) else value)
        if not lines:
            raise ValidationError({"lines": [_("Add at least one budget line.")]})
        proposal.requested_amount = sum(
            int(line["quantity"]) * int(line["unit_cost"]) for line in lines
        )
        proposal.updated_at = timezone.now()
        proposal.full_clean(exclude=["stage"])
        proposal.save()
        proposal.lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(
                proposal=proposal,
                position=i,
                item=line["item"],
                quantity=int(line["quantity"]),
                unit_cost=int(line["unit_cost"]),
            )
            for i, line in enumerate(lines)
        )
    return proposal


def applicant_kind_check(*, program: Program, applicant: Applicant) -> None:
    """An individual cannot apply to an organisations-only program, nor the reverse."""
    refusal = program.refusal_for(applicant.kind)
    if refusal:
        raise ValidationError(refusal, code="applicant_kind")


# --- the workflow ------------------------------------------------------------------------------


def _roles_for(actor: Actor, proposal: Proposal) -> frozenset[str]:
    """The roles the actor holds towards this proposal: the applicant's own, or
    their grant roles (nobody reviews, approves or pays their own proposal)."""
    if proposal.applicant.user_id == actor.user.pk:
        return frozenset({APPLICANT})
    return frozenset(actor.roles) & STAFF_ACTORS


def _stage_role(proposal: Proposal) -> str:
    return proposal.stage.role if proposal.stage is not None else ""


def allowed_actions(*, actor: Actor, proposal: Proposal) -> list[str]:
    """The steps this actor may take on this proposal now (for buttons and queues)."""
    return [
        t.key
        for t in WORKFLOW.available(
            proposal.status,
            _roles_for(actor, proposal),
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
        if proposal.status not in step.sources:
            raise ValidationError(
                _("The proposal is %(status)s; this step is not possible now.")
                % {"status": str(WORKFLOW.state(proposal.status).label).lower()}
            )
        stage_role = _stage_role(proposal)
        WORKFLOW.require(
            action,
            state=proposal.status,
            roles=_roles_for(actor, proposal),
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


# --- separation of duties ------------------------------------------------------------


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
                        % {"max": f"{ceiling:,}".replace(",", ".")}
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
    committed = (
        Proposal.objects.filter(program=program, status__in=COMMITTED)
        .exclude(pk=proposal.pk)
        .aggregate(total=Sum("approved_amount"))["total"]
        or 0
    )
    if committed + amount > program.budget:
        raise ValidationError(
            {
                "amount": [
                    _("The program's budget would be exceeded: %(left)s rupiah remain.")
                    % {"left": f"{program.budget - committed:,}".replace(",", ".")}
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
    }
    if APPLICANT in step.notify:
        notify(
            recipients=[proposal.applicant.user_id],
            tenant=tenant,
            kind=f"grants.{step.key}",
            subject=gettext_lazy("%(done)s: %(title)s"),
            sentence=gettext_lazy(
                "Your proposal “%(title)s” is now: %(state)s. %(next)s"
            )
            if not proposal.public_reason
            else gettext_lazy(
                "Your proposal “%(title)s” is now: %(state)s. Reason: %(reason)s "
                "%(next)s"
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


# --- documents and budget corrections ------------------------------------------------------

# Who may upload which document, and when: the transition that needs it.
UPLOAD_RULES = uploads()


def document_upload(
    *,
    tenant: Tenant,
    actor_user: User,
    proposal: Proposal,
    kind: str,
    upload,
    requirement: str = "",
) -> ProposalDocument:
    """Store a checked upload under the tenant's own prefix; a required document replaces
    the one uploaded before for the same requirement."""
    from ..uploads import sniff

    if kind not in UPLOAD_RULES:
        raise ValidationError(_("Unknown kind of document."))
    who, statuses = UPLOAD_RULES[kind]
    actor = actor_in(tenant, actor_user)
    if who == APPLICANT:
        if proposal.applicant.user_id != actor_user.pk:
            raise PermissionDenied(_("Only the applicant uploads this document."))
    else:
        access_step(actor, who)
    if proposal.status not in statuses:
        raise ValidationError(_("This document cannot be uploaded at this step."))
    if (
        kind == ProposalDocument.Kind.REQUIRED
        and requirement not in proposal.program.required_documents
    ):
        raise ValidationError(_("The program does not ask for this document."))
    content_type = sniff(upload)
    document = ProposalDocument(
        proposal=proposal,
        kind=kind,
        requirement=requirement,
        content_type=content_type,
        size=upload.size,
        uploaded_by_id=actor_user.pk,
    )
    try:
        with transaction.atomic():
            if kind == ProposalDocument.Kind.REQUIRED:
                for old in proposal.documents.filter(
                    kind=kind, requirement=requirement
                ):
                    transaction.on_commit(
                        lambda name=old.file.name, storage=old.file.storage: (
                            storage.delete(name)
                        )
                    )
                    old.delete()
            document.file.save("upload", upload, save=False)
            document.save()
    except BaseException:
        # Refused after the file was stored: the file goes with the row that
        # was not written (what an outer rollback leaves, cleanup_uploads takes).
        if document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    return document


def budget_lines_correct(
    *,
    tenant: Tenant,
    actor_user: User,
    proposal: Proposal,
    corrections: dict[int, tuple],
) -> Proposal:
    """The reviewer of the current stage corrects quantities and unit costs of lines."""
    actor = actor_in(tenant, actor_user)
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("stage")
            .get(pk=proposal.pk)
        )
        if proposal.stage is None or not any(
            t.actor == STAGE for t in WORKFLOW.from_state(proposal.status)
        ):
            raise ValidationError(_("Budget lines are corrected during review only."))
        access_step(actor, proposal.stage.role)
        lines = {line.pk: line for line in proposal.lines.all()}
        for line_id, (quantity, unit_cost) in corrections.items():
            line = lines.get(line_id)
            if line is None:
                raise ValidationError(
                    _("That budget line is not part of this proposal.")
                )
            if (
                quantity is not None
                and quantity < 0
                or unit_cost is not None
                and unit_cost < 0
            ):
                raise ValidationError(_("Quantities and costs cannot be negative."))
            line.corrected_quantity = quantity
            line.corrected_unit_cost = unit_cost
            line.corrected_stage = proposal.stage.name if line.is_corrected else ""
            line.save(
                update_fields=[
                    "corrected_quantity",
                    "corrected_unit_cost",
                    "corrected_stage",
                ]
            )
        corrected = sum(line.corrected_total for line in lines.values())
        audit.append(
            action="correct_budget",
            proposal=proposal,
            from_status=proposal.status,
            to_status=proposal.status,
            stage=proposal.stage.name,
            actor_role=proposal.stage.role,
            actor_label=actor.label,
            actor_id=actor.user.pk,
            amounts={"requested": proposal.requested_amount, "corrected": corrected},
        )
    return proposal
