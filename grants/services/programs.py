"""Programs (calls for proposals) and their review stages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.text import thousands
from tenants.models import Tenant, User

from .. import audit
from ..models import Program, Proposal, ReviewStage
from ..roles import GrantRole
from ..workflow import COMMITTED
from .actors import program_manager_check

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
            actor_id=actor.user.pk,
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
        separation_before = program.separation_of_duties
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
                        % {"n": thousands(committed)}
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
            actor_id=actor.user.pk,
            amounts={"budget": program.budget},
            note=program.name,
        )
        if program.separation_of_duties != separation_before:
            _audit_program(
                action="program_duties",
                program=program,
                to_status=program.status,
                actor_role="program_manager",
                actor_label=actor.label,
                actor_id=actor.user.pk,
                note=_duties_note(program),
            )
    return program


def _duties_note(program: Program) -> str:
    """The public words for the program's separation-of-duties setting."""
    if program.separation_of_duties:
        return _(
            "Separation of duties on: whoever recommends or corrects an amount does "
            "not approve, and whoever approves does not disburse."
        )
    return _(
        "Separation of duties switched off: one member may recommend, approve and "
        "disburse."
    )


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
            actor_id=actor.user.pk,
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
            actor_id=actor.user.pk,
            # Leaving the draft state publishes the program: say what it is.
            amounts={"budget": program.budget}
            if before == Program.Status.DRAFT
            else None,
            note=program.name if before == Program.Status.DRAFT else "",
        )
        if before == Program.Status.DRAFT and not program.separation_of_duties:
            # Published without separation of duties: the chain says so.
            audit.append(
                action="program_duties",
                program=program,
                to_status=status,
                actor_role="program_manager",
                actor_label=actor.label,
                actor_id=actor.user.pk,
                note=_duties_note(program),
            )
    return program


def _audit_program(*, program: Program, **fields) -> None:
    """Changes to a program enter the public chain once it is public (not a draft)."""
    if program.status != Program.Status.DRAFT:
        audit.append(program=program, **fields)


def committed_amount(program: Program, *, excluding: Proposal | None = None) -> int:
    """Rupiah approved in `program` so far (the states that count against its
    budget), leaving out `excluding`'s own amount when given."""
    committed = Proposal.objects.filter(program=program, status__in=COMMITTED)
    if excluding is not None:
        committed = committed.exclude(pk=excluding.pk)
    return committed.aggregate(total=Sum("approved_amount"))["total"] or 0
