"""Every write to Sabilulungan. Each proposal step goes through proposal_transition."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext as _

from tenants.models import Membership, Tenant, User

from . import audit
from .models import (
    Announcement,
    Applicant,
    BudgetLine,
    CitizenReport,
    Disbursement,
    Program,
    Proposal,
    ProposalDocument,
    Regulation,
    ReviewStage,
    StageReview,
)
from .roles import GrantRole

logger = logging.getLogger(__name__)
Status = Proposal.Status

# Bandung's Sabilulungan review, the template every new program starts from.
SABILULUNGAN_STAGES = [
    {
        "name": "Verifikasi kelengkapan administrasi (Tata Usaha)",
        "role": GrantRole.TATA_USAHA,
        "checklist": [
            "Proposal ditandatangani ketua/pemohon",
            "Dokumen wajib lengkap dan terbaca",
            "Rincian anggaran sesuai jumlah yang diminta",
        ],
    },
    {"name": "Telaah Kepala Daerah", "role": GrantRole.KEPALA_DAERAH},
    {
        "name": "Tim Pertimbangan menunjuk OPD",
        "role": GrantRole.TIM_PERTIMBANGAN,
        "assigns_unit": True,
    },
    {
        "name": "Evaluasi dan rekomendasi OPD",
        "role": GrantRole.OPD,
        "checklist": [
            "Pemohon memenuhi syarat program",
            "Kegiatan sesuai urusan pemerintahan daerah",
            "Rincian anggaran wajar",
        ],
        "sets_amount": True,
    },
    {"name": "Verifikasi Tim Pertimbangan", "role": GrantRole.TIM_PERTIMBANGAN},
    {
        "name": "Verifikasi TAPD dan penetapan jumlah",
        "role": GrantRole.TAPD,
        "sets_amount": True,
    },
]


# --- who is acting ------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """A user acting in a tenant, with the Sabilulungan roles they hold there."""

    user: User
    roles: frozenset[str]
    is_admin: bool

    @property
    def label(self) -> str:
        """How the official appears in the public chain: their name, never their e-mail."""
        return self.user.full_name.strip() or _("an official")


def actor_in(tenant: Tenant, user: User) -> Actor:
    if connection.schema_name != tenant.schema_name:
        raise RuntimeError("grants services run on the tenant's own schema")
    membership = Membership.objects.filter(user=user, tenant=tenant).first()
    if membership is None:
        return Actor(user=user, roles=frozenset(), is_admin=False)
    # Auditors and viewers read; only administrators and staff take steps.
    acting = membership.role in (Membership.Role.ADMIN, Membership.Role.STAFF)
    return Actor(
        user=user,
        roles=frozenset(membership.grant_roles) if acting else frozenset(),
        is_admin=membership.role == Membership.Role.ADMIN,
    )


def _require_role(actor: Actor, role: str) -> None:
    if role not in actor.roles:
        raise PermissionDenied(
            _("This step needs the role “%(role)s”.") % {"role": GrantRole(role).label}
        )


def _require_program_manager(actor: Actor) -> None:
    if not (actor.is_admin or GrantRole.PROGRAM_MANAGER in actor.roles):
        raise PermissionDenied(
            _("Only program managers and administrators may do this.")
        )


# --- programs -------------------------------------------------------------------------


def program_create(
    *,
    tenant: Tenant,
    actor_user: User,
    stages: list[dict] | None = None,
    **fields,
) -> Program:
    actor = program_manager_check(tenant=tenant, actor_user=actor_user)
    program = Program(**fields)
    program.full_clean()
    with transaction.atomic():
        program.save()
        _write_stages(program, stages if stages is not None else SABILULUNGAN_STAGES)
        _audit_program(
            action="program_create",
            program=program,
            to_status=program.status,
            actor_role="program_manager",
            actor_label=actor.label,
            amounts={"budget": program.budget},
            note=program.name,
        )
    return program


def program_update(
    *, tenant: Tenant, actor_user: User, program: Program, **fields
) -> Program:
    actor = program_manager_check(tenant=tenant, actor_user=actor_user)
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        for name, value in fields.items():
            setattr(program, name, value)
        program.full_clean()
        committed = committed_amount(program)
        if program.budget < committed:
            raise ValidationError(
                {
                    "budget": [
                        _(
                            "%(n)s rupiah are already approved; the ceiling cannot be lower."
                        )
                        % {"n": f"{committed:,}".replace(",", ".")}
                    ]
                }
            )
        program.save()
        _audit_program(
            action="program_update",
            program=program,
            to_status=program.status,
            actor_role="program_manager",
            actor_label=actor.label,
            amounts={"budget": program.budget},
            note=program.name,
        )
    return program


def _write_stages(program: Program, stages: list[dict]) -> None:
    if not stages:
        raise ValidationError(_("A program needs at least one review stage."))
    program.stages.all().delete()
    for position, spec in enumerate(stages, start=1):
        if spec.get("role") not in GrantRole.values:
            raise ValidationError(
                _("Stage %(n)d names no valid role.") % {"n": position}
            )
        ReviewStage.objects.create(
            program=program,
            position=position,
            name=spec["name"],
            role=spec["role"],
            checklist=list(spec.get("checklist", [])),
            sets_amount=bool(spec.get("sets_amount")),
            assigns_unit=bool(spec.get("assigns_unit")),
        )


def program_set_stages(
    *, tenant: Tenant, actor_user: User, program: Program, stages: list[dict]
) -> Program:
    """Change the review stages while no proposal of the program is under way."""
    actor = program_manager_check(tenant=tenant, actor_user=actor_user)
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        if program.proposals.exclude(status=Status.DRAFT).exists():
            raise ValidationError(
                _("Proposals are already under way; their stages cannot change.")
            )
        _write_stages(program, stages)
        _audit_program(
            action="program_stages",
            program=program,
            actor_role="program_manager",
            actor_label=actor.label,
            note=" → ".join(s["name"] for s in stages),
        )
    return program


PROGRAM_FLOW = {
    Program.Status.DRAFT: {Program.Status.OPEN},
    Program.Status.OPEN: {Program.Status.CLOSED},
    Program.Status.CLOSED: {Program.Status.OPEN, Program.Status.ARCHIVED},
    Program.Status.ARCHIVED: set(),
}


def program_set_status(
    *, tenant: Tenant, actor_user: User, program: Program, status: str
) -> Program:
    actor = program_manager_check(tenant=tenant, actor_user=actor_user)
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        if status not in PROGRAM_FLOW[program.status]:
            raise ValidationError(
                _("A %(from)s program cannot become %(to)s.")
                % {"from": program.get_status_display().lower(), "to": status}
            )
        before = program.status
        program.status = status
        program.save(update_fields=["status"])
        audit.append(
            action="program_status",
            program=program,
            from_status=before,
            to_status=status,
            actor_role="program_manager",
            actor_label=actor.label,
            # Leaving the draft state publishes the program: say what it is.
            amounts={"budget": program.budget}
            if before == Program.Status.DRAFT
            else None,
            note=program.name if before == Program.Status.DRAFT else "",
        )
    return program


def _audit_program(*, program: Program, **fields) -> None:
    """Changes to a program enter the public chain once it is public (not a draft)."""
    if program.status != Program.Status.DRAFT:
        audit.append(program=program, **fields)


# --- applicants and drafts ----------------------------------------------------------------


def applicant_save(*, user: User, **fields) -> Applicant:
    """Create or update the signed-in person's applicant profile."""
    applicant = Applicant.objects.filter(user_id=user.pk).first() or Applicant(
        user_id=user.pk
    )
    for name, value in fields.items():
        setattr(applicant, name, value.strip() if isinstance(value, str) else value)
    if applicant.kind == Applicant.Kind.INDIVIDUAL and not applicant.nik:
        raise ValidationError({"nik": [_("Individuals must give their NIK.")]})
    applicant.full_clean()
    applicant.save()
    return applicant


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
    with transaction.atomic():
        if proposal is None:
            proposal = Proposal(program=program, applicant=applicant)
        else:
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.applicant_id != applicant.pk:
                raise PermissionDenied(_("This is not your proposal."))
            if proposal.status not in (Status.DRAFT, Status.REVISION):
                raise ValidationError(
                    _("Only drafts and returned proposals can be edited.")
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


# --- the workflow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """An allowed step: from which statuses, to which, and who takes it."""

    frm: frozenset[str]
    to: str
    who: str  # "applicant", "stage" (the current stage's role), or a GrantRole value


STEPS: dict[str, Step] = {
    "submit": Step(
        frozenset({Status.DRAFT, Status.REVISION}), Status.IN_REVIEW, "applicant"
    ),
    "withdraw": Step(
        frozenset(
            {Status.DRAFT, Status.IN_REVIEW, Status.REVISION, Status.AWAITING_APPROVAL}
        ),
        Status.WITHDRAWN,
        "applicant",
    ),
    "pass": Step(frozenset({Status.IN_REVIEW}), Status.IN_REVIEW, "stage"),
    "return": Step(frozenset({Status.IN_REVIEW}), Status.REVISION, "stage"),
    "reject": Step(frozenset({Status.IN_REVIEW}), Status.REJECTED, "stage"),
    "approve": Step(
        frozenset({Status.AWAITING_APPROVAL}), Status.APPROVED, GrantRole.KEPALA_DAERAH
    ),
    "reject_approval": Step(
        frozenset({Status.AWAITING_APPROVAL}), Status.REJECTED, GrantRole.KEPALA_DAERAH
    ),
    "sign_agreement": Step(
        frozenset({Status.APPROVED}), Status.AGREEMENT_SIGNED, GrantRole.TATA_USAHA
    ),
    "disburse": Step(
        frozenset({Status.AGREEMENT_SIGNED, Status.DISBURSED}),
        Status.DISBURSED,
        GrantRole.TREASURER,
    ),
    "report": Step(frozenset({Status.DISBURSED}), Status.REPORTED, "applicant"),
    "close": Step(frozenset({Status.REPORTED}), Status.CLOSED, GrantRole.OPD),
}


def allowed_actions(*, actor: Actor, proposal: Proposal) -> list[str]:
    """The steps this actor may take on this proposal now (for buttons and queues)."""
    allowed = []
    own = proposal.applicant.user_id == actor.user.pk
    for name, step in STEPS.items():
        if proposal.status not in step.frm:
            continue
        if step.who == "applicant":
            if own:
                allowed.append(name)
        elif own:
            continue  # nobody reviews, approves or pays their own proposal
        elif step.who == "stage":
            if proposal.stage is not None and proposal.stage.role in actor.roles:
                allowed.append(name)
        elif step.who in actor.roles:
            allowed.append(name)
    return allowed


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
) -> Proposal:
    """Take one step of a proposal's life: role, transition and money rules, audit event."""
    if action not in STEPS:
        raise ValidationError(_("Unknown step."))
    step = STEPS[action]
    actor = actor_in(tenant, actor_user)
    note = (note or "").strip()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("applicant", "stage", "program")
            .get(pk=proposal.pk)
        )
        if action not in allowed_actions(actor=actor, proposal=proposal):
            if proposal.status not in step.frm:
                raise ValidationError(
                    _("The proposal is %(status)s; this step is not possible now.")
                    % {"status": proposal.get_status_display().lower()}
                )
            raise PermissionDenied(_("Your role does not take this step."))
        before = proposal.status
        stage_name = proposal.stage.name if proposal.stage else ""
        stage_role = proposal.stage.role if proposal.stage else ""
        amounts: dict[str, int | None] = {}
        _HANDLERS[action](
            proposal,
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
        if action != "pass":  # passing a stage decides its own next status
            proposal.status = step.to
        proposal.updated_at = timezone.now()
        proposal.save()
        is_applicant = step.who == "applicant"
        audit.append(
            action=action,
            proposal=proposal,
            from_status=before,
            to_status=proposal.status,
            stage=stage_name,
            actor_role="applicant"
            if is_applicant
            else (stage_role if step.who == "stage" else step.who),
            # Officials are named; applicants never are (invariant 5).
            actor_label="" if is_applicant else actor.label,
            amounts=amounts,
            note=note,
        )
        _notify(tenant, proposal, action)
    return proposal


def _submit(proposal: Proposal, *, amounts, **_kwargs) -> None:
    program = proposal.program
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


def _with_public_reason(proposal: Proposal, *, action, actor, note, **_kwargs) -> None:
    """Returns and rejections say why, in public."""
    if not note:
        raise ValidationError({"note": [_("Give the reason; it is shown in public.")]})
    proposal.public_reason = note
    if action != "return":
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
        Proposal.objects.filter(program=program, status__in=Proposal.COMMITTED)
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
    proposal.status = Status.DISBURSED
    amounts.update(
        tranche=tranche, disbursed=amount, disbursed_total=proposal.disbursed_amount
    )


def _report(proposal: Proposal, *, spent_amount, amounts, **_kwargs) -> None:
    if spent_amount is None or spent_amount < 0:
        raise ValidationError({"spent_amount": [_("Give the amount spent in rupiah.")]})
    if spent_amount > proposal.disbursed_amount:
        raise ValidationError(
            {"spent_amount": [_("More cannot be spent than was disbursed.")]}
        )
    kinds = set(proposal.documents.values_list("kind", flat=True))
    needed = {
        ProposalDocument.Kind.LPJ_REPORT,
        ProposalDocument.Kind.LPJ_RECEIPT,
        ProposalDocument.Kind.LPJ_PHOTO,
    }
    if not needed <= kinds:
        raise ValidationError(
            _(
                "Upload the accountability report, its receipts and photos of the activity first."
            )
        )
    proposal.spent_amount = spent_amount
    amounts["spent"] = spent_amount


def _nothing(proposal: Proposal, **_kwargs) -> None:
    return None


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
    "close": _nothing,
}


def _notify(tenant: Tenant, proposal: Proposal, action: str) -> None:
    """E-mail the applicant, and the members who act next, once the step has committed."""
    proposal_id = proposal.pk
    schema = tenant.schema_name

    def send():
        from django_tenants.utils import schema_context

        with schema_context(schema):
            fresh = Proposal.objects.select_related("applicant", "stage").get(
                pk=proposal_id
            )
            next_role = fresh.stage.role if fresh.stage else _next_role(fresh.status)
            staff = []
            if next_role:
                staff = list(
                    Membership.objects.filter(
                        tenant=tenant, grant_roles__contains=[next_role]
                    ).values_list("user__email", flat=True)
                )
            subject = " ".join(
                (
                    _("[Sabilulungan] %(title)s: %(status)s")
                    % {"title": fresh.title[:80], "status": fresh.get_status_display()}
                ).split()
            )
            body = _(
                "The proposal “%(title)s” is now: %(status)s.\n%(reason)s\n"
                "Sign in to %(tenant)s on BagiPakai to see it."
            ) % {
                "title": fresh.title,
                "status": fresh.get_status_display(),
                "reason": fresh.public_reason,
                "tenant": tenant.name,
            }
            send_mail(subject, body, None, [fresh.applicant.user.email])
            if staff:
                send_mail(subject, body, None, sorted(set(staff)))

    transaction.on_commit(send, robust=True)


def _next_role(status: str) -> str:
    return {
        Status.AWAITING_APPROVAL: GrantRole.KEPALA_DAERAH,
        Status.APPROVED: GrantRole.TATA_USAHA,
        Status.AGREEMENT_SIGNED: GrantRole.TREASURER,
        Status.REPORTED: GrantRole.OPD,
    }.get(status, "")


def committed_amount(program: Program) -> int:
    return (
        Proposal.objects.filter(
            program=program, status__in=Proposal.COMMITTED
        ).aggregate(total=Sum("approved_amount"))["total"]
        or 0
    )


# --- documents and budget corrections ------------------------------------------------------

# Who may upload which document, and when.
UPLOAD_RULES = {
    ProposalDocument.Kind.REQUIRED: ("applicant", {Status.DRAFT, Status.REVISION}),
    ProposalDocument.Kind.NPHD: (GrantRole.TATA_USAHA, {Status.APPROVED}),
    ProposalDocument.Kind.LPJ_REPORT: ("applicant", {Status.DISBURSED}),
    ProposalDocument.Kind.LPJ_RECEIPT: ("applicant", {Status.DISBURSED}),
    ProposalDocument.Kind.LPJ_PHOTO: ("applicant", {Status.DISBURSED}),
}


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
    from .uploads import sniff

    if kind not in UPLOAD_RULES:
        raise ValidationError(_("Unknown kind of document."))
    who, statuses = UPLOAD_RULES[kind]
    actor = actor_in(tenant, actor_user)
    if who == "applicant":
        if proposal.applicant.user_id != actor_user.pk:
            raise PermissionDenied(_("Only the applicant uploads this document."))
    else:
        _require_role(actor, who)
    if proposal.status not in statuses:
        raise ValidationError(_("This document cannot be uploaded at this step."))
    if (
        kind == ProposalDocument.Kind.REQUIRED
        and requirement not in proposal.program.required_documents
    ):
        raise ValidationError(_("The program does not ask for this document."))
    content_type = sniff(upload)
    with transaction.atomic():
        if kind == ProposalDocument.Kind.REQUIRED:
            for old in proposal.documents.filter(kind=kind, requirement=requirement):
                transaction.on_commit(
                    lambda name=old.file.name, storage=old.file.storage: storage.delete(
                        name
                    )
                )
                old.delete()
        document = ProposalDocument(
            proposal=proposal,
            kind=kind,
            requirement=requirement,
            content_type=content_type,
            size=upload.size,
            uploaded_by_id=actor_user.pk,
        )
        document.file.save("upload", upload, save=False)
        document.save()
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
        if proposal.status != Status.IN_REVIEW or proposal.stage is None:
            raise ValidationError(_("Budget lines are corrected during review only."))
        _require_role(actor, proposal.stage.role)
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
            line.save(update_fields=["corrected_quantity", "corrected_unit_cost"])
        corrected = sum(line.corrected_total for line in lines.values())
        audit.append(
            action="correct_budget",
            proposal=proposal,
            from_status=proposal.status,
            to_status=proposal.status,
            stage=proposal.stage.name,
            actor_role=proposal.stage.role,
            actor_label=actor.label,
            amounts={"requested": proposal.requested_amount, "corrected": corrected},
        )
    return proposal


# --- announcements and regulations ---------------------------------------------------


def _stripped(fields: dict) -> dict:
    return {
        name: value.strip() if isinstance(value, str) else value
        for name, value in fields.items()
    }


def _refuse_nul(**values: str) -> None:
    """PostgreSQL text cannot hold NUL; say so next to the field instead of failing."""
    bad = [name for name, value in values.items() if "\x00" in (value or "")]
    if bad:
        raise ValidationError(
            {name: [_("Remove the invisible control characters.")] for name in bad}
        )


def program_manager_check(*, tenant: Tenant, actor_user: User) -> Actor:
    """The actor, when they may manage Sabilulungan's programs and public pages."""
    actor = actor_in(tenant, actor_user)
    _require_program_manager(actor)
    return actor


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


# --- citizens' reports (lapor / pengaduan) ----------------------------------------------

# Tracking codes: no 0/O or 1/I, so a code read out over the phone survives.
# 32 symbols ** 10 = 2**50 codes; guessing one is hopeless.
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TRACKING_CODE_LENGTH = 10
REPORT_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 4000
# Staff answer within this many days of receipt (the public sees the due date).
REPORT_ANSWER_DAYS = 14
# Limits per sender (client fingerprint), counted in the database so they hold
# across gunicorn workers and hosts.
REPORTS_PER_HOUR = 5
REPORTS_PER_PROPOSAL_PER_DAY = 3
# First key of pg_advisory_xact_lock(int, int) serialising one sender's
# submissions (audit.AUDIT_LOCK is 0x5AB1); the second key is the sender.
REPORT_LOCK = 0x5AB2
# The code of the ValidationError a sender over their limit gets (views answer 429).
RATE_LIMITED = "rate_limited"


def new_tracking_code() -> str:
    return get_random_string(TRACKING_CODE_LENGTH, TRACKING_ALPHABET)


def normalise_tracking_code(value: str) -> str:
    """What a person types ('abcd-efgh 23') → the stored form, or '' when it cannot be one."""
    if not isinstance(value, str):
        return ""
    code = "".join(value.split()).replace("-", "").upper()
    if len(code) != TRACKING_CODE_LENGTH or any(
        c not in TRACKING_ALPHABET for c in code
    ):
        return ""
    return code


def client_fingerprint(client_ip: str) -> str:
    """A keyed hash of the sender's network, for rate limits: never the address itself.

    IPv6 senders count by their /64, which one subscriber usually holds whole
    (they could otherwise take a new address per report). The key includes the
    tenant's schema, so fingerprints cannot be matched across tenants, and
    SECRET_KEY, so nobody can reverse them by hashing every address.
    """
    try:
        address = ipaddress.ip_address((client_ip or "").strip())
    except ValueError:
        network = "unknown"
    else:
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.version == 6:
            network = str(ipaddress.ip_network(f"{address}/64", strict=False))
        else:
            network = str(address)
    return salted_hmac(
        f"grants.citizen_report.{connection.schema_name}",
        network,
        algorithm="sha256",
    ).hexdigest()


def _lock_sender(fingerprint: str) -> None:
    key = int.from_bytes(bytes.fromhex(fingerprint[:8]), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REPORT_LOCK, key])


def citizen_report_submit(
    *,
    proposal: Proposal,
    message: str,
    reporter_name: str = "",
    reporter_contact: str = "",
    client_ip: str,
) -> CitizenReport:
    """Receive a citizen's report about a public proposal; returns it with its tracking code.

    Anyone may report, so the sender is rate limited by a fingerprint of their
    address. Not an audit event: a report changes nothing of the grant.
    """
    from .selectors import public_proposals

    tenant = connection.tenant
    if not isinstance(tenant, Tenant) or tenant.schema_name == "public":
        raise RuntimeError("citizen reports are received on a tenant's schema")
    fields = _stripped(
        {
            "message": message or "",
            "reporter_name": reporter_name or "",
            "reporter_contact": reporter_contact or "",
        }
    )
    _refuse_nul(**fields)
    if not fields["message"]:
        raise ValidationError({"message": [_("Write what you want to report.")]})
    if len(fields["message"]) > REPORT_MAX_LENGTH:
        raise ValidationError(
            {
                "message": [
                    _("Keep the report under %(n)d characters.")
                    % {"n": REPORT_MAX_LENGTH}
                ]
            }
        )
    fingerprint = client_fingerprint(client_ip)
    now = timezone.now()
    with transaction.atomic():
        proposal = (
            public_proposals().select_related("stage").filter(pk=proposal.pk).first()
        )
        if proposal is None:
            raise ValidationError(
                _("Reports can only be made about proposals shown in public.")
            )
        # One sender's submissions wait for each other, so two at once cannot
        # both pass the count below.
        _lock_sender(fingerprint)
        recent = CitizenReport.objects.filter(client_fingerprint=fingerprint)
        if (
            recent.filter(created_at__gte=now - timedelta(hours=1)).count()
            >= REPORTS_PER_HOUR
        ):
            raise ValidationError(
                _(
                    "You have sent %(n)d reports in the last hour, the most we accept. "
                    "Please try again in an hour; what you wrote is still in the form."
                )
                % {"n": REPORTS_PER_HOUR},
                code=RATE_LIMITED,
            )
        if (
            recent.filter(
                proposal=proposal, created_at__gte=now - timedelta(days=1)
            ).count()
            >= REPORTS_PER_PROPOSAL_PER_DAY
        ):
            raise ValidationError(
                _(
                    "You have sent %(n)d reports about this proposal today, the most "
                    "we accept. Please wait for the answer, or try again tomorrow."
                )
                % {"n": REPORTS_PER_PROPOSAL_PER_DAY},
                code=RATE_LIMITED,
            )
        report = CitizenReport(
            proposal=proposal,
            due_on=timezone.localdate() + timedelta(days=REPORT_ANSWER_DAYS),
            created_at=now,
            client_fingerprint=fingerprint,
            **fields,
        )
        report.tracking_code = new_tracking_code()
        # The proposal was just loaded; the code is checked by the insert itself.
        report.full_clean(exclude=["proposal", "tracking_code"])
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    report.save()
            except IntegrityError:
                report.pk = None
                report.tracking_code = new_tracking_code()
            else:
                break
        else:
            raise RuntimeError("no free tracking code after five tries")
        _notify_report(tenant, report, proposal)
    return report


def _report_recipients(tenant: Tenant, proposal: Proposal) -> list[str]:
    """Who acts on the proposal now (its stage's role, else Tata Usaha); admins if nobody."""
    role = proposal.stage.role if proposal.stage_id else GrantRole.TATA_USAHA
    members = Membership.objects.filter(tenant=tenant)
    emails = list(
        members.filter(grant_roles__contains=[role]).values_list(
            "user__email", flat=True
        )
    )
    if not emails:
        emails = list(
            members.filter(role=Membership.Role.ADMIN).values_list(
                "user__email", flat=True
            )
        )
    return sorted(set(emails))


def _notify_report(tenant: Tenant, report: CitizenReport, proposal: Proposal) -> None:
    """Tell the staff who act on the proposal; the reporter's name and contact stay out."""
    recipients = _report_recipients(tenant, proposal)
    if not recipients:
        return
    subject = " ".join(
        (
            _("[Sabilulungan] Citizen report %(code)s on “%(title)s”")
            % {"code": report.tracking_code, "title": proposal.title[:80]}
        ).split()
    )
    body = _(
        "A citizen sent a report about the proposal “%(title)s”.\n\n%(message)s\n\n"
        "Tracking code: %(code)s\nAnswer by: %(due)s\n"
        "Answer it in the Sabilulungan back office of %(tenant)s, under Citizen reports; "
        "the answer is public."
    ) % {
        "title": proposal.title,
        "message": report.message,
        "code": report.tracking_code,
        "due": report.due_on.isoformat(),
        "tenant": tenant.name,
    }
    transaction.on_commit(
        lambda: send_mail(subject, body, None, recipients), robust=True
    )


def citizen_report_answer(
    *,
    tenant: Tenant,
    actor_user: User,
    report: CitizenReport,
    response: str,
    close: bool = False,
) -> CitizenReport:
    """Answer a report in public (any Sabilulungan role, or an administrator).

    A report may be answered again to add to the answer; `close` ends it, after
    which it stays as it is.
    """
    actor = actor_in(tenant, actor_user)
    if not (actor.roles or actor.is_admin):
        raise PermissionDenied(
            _("Only staff with a Sabilulungan role or administrators answer reports.")
        )
    response = (response or "").strip()
    _refuse_nul(response=response)
    if not response:
        raise ValidationError({"response": [_("Write the answer; it is public.")]})
    if len(response) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {
                "response": [
                    _("Keep the answer under %(n)d characters.")
                    % {"n": ANSWER_MAX_LENGTH}
                ]
            }
        )
    with transaction.atomic():
        report = CitizenReport.objects.select_for_update().get(pk=report.pk)
        if report.status == CitizenReport.Status.CLOSED:
            raise ValidationError(_("This report is closed."))
        report.response = response
        report.status = (
            CitizenReport.Status.CLOSED if close else CitizenReport.Status.ANSWERED
        )
        report.answered_at = report.answered_at or timezone.now()
        report.answered_by_id = actor_user.pk
        report.save(
            update_fields=["response", "status", "answered_at", "answered_by_id"]
        )
        _notify_reporter(tenant, report)
    return report


def _notify_reporter(tenant: Tenant, report: CitizenReport) -> None:
    """When the reporter left an e-mail address, send them the answer."""
    contact = report.reporter_contact
    try:
        validate_email(contact)
    except ValidationError:
        return
    subject = _("[Sabilulungan] Your report %(code)s was answered") % {
        "code": report.tracking_code
    }
    body = _(
        "%(tenant)s answered your report %(code)s:\n\n%(response)s\n\n"
        "The answer is also shown on the report's page of the transparency portal."
    ) % {
        "tenant": tenant.name,
        "code": report.tracking_code,
        "response": report.response,
    }
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [contact]), robust=True
    )
