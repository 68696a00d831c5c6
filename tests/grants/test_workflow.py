"""Every step of a proposal, allowed and refused by role (invariant 3)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from grants import audit, services
from grants.models import AuditEvent, Proposal, ProposalDocument, StageReview
from grants.roles import GrantRole
from tests.grants.conftest import (
    PDF,
    checklist_for,
    make_applicant,
    make_program,
    make_proposal,
    pass_stage,
    place,
    through_review,
    today,
)

pytestmark = pytest.mark.django_db


def attach(proposal, kind, requirement=""):
    ProposalDocument.objects.create(
        proposal=proposal,
        kind=kind,
        requirement=requirement,
        file=ContentFile(PDF, name="x.pdf"),
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=1,
    )


def step(tenant, user, proposal, action, **kwargs):
    return services.proposal_transition(
        tenant=tenant, actor_user=user, proposal=proposal, action=action, **kwargs
    )


def test_sabilulungan_template_is_the_default(in_bandung, officials):
    program = make_program(in_bandung, officials["admin"])
    stages = list(program.stages.values_list("role", "sets_amount", "assigns_unit"))
    assert stages == [
        ("tata_usaha", False, False),
        ("kepala_daerah", False, False),
        ("tim_pertimbangan", False, True),
        ("opd", True, False),
        ("tim_pertimbangan", False, False),
        ("tapd", True, False),
    ]


def test_full_life_of_a_grant_with_every_wrong_role_refused(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"], budget=50_000_000)
    proposal = make_proposal(program, applicant_user, amount=20_000_000, tenant=tenant)
    assert proposal.status == "in_review" and proposal.stage.position == 1

    everyone = {**officials, "applicant": applicant_user}
    while proposal.status == "in_review":
        stage = proposal.stage
        for who, user in everyone.items():
            if who == stage.role:
                continue
            with pytest.raises(PermissionDenied):
                step(
                    tenant,
                    user,
                    proposal,
                    "pass",
                    checklist=checklist_for(stage),
                    amount=1,
                    unit="X",
                )
        proposal = pass_stage(tenant, officials, proposal, amount=15_000_000)
    assert proposal.status == "awaiting_approval"
    assert proposal.recommended_amount == 15_000_000
    assert proposal.assigned_unit == "Dinas Sosial"

    for who in ("tata_usaha", "tapd", "treasurer", "opd"):
        with pytest.raises(PermissionDenied):
            step(tenant, officials[who], proposal, "approve", amount=15_000_000)
    with pytest.raises(ValidationError, match="last recommendation"):
        step(tenant, officials["kepala_daerah"], proposal, "approve", amount=15_000_001)
    proposal = step(
        tenant, officials["kepala_daerah"], proposal, "approve", amount=14_000_000
    )
    assert (proposal.status, proposal.approved_amount) == ("approved", 14_000_000)

    with pytest.raises(PermissionDenied):
        step(
            tenant,
            officials["treasurer"],
            proposal,
            "sign_agreement",
            nphd_number="1",
            nphd_date=today(),
        )
    with pytest.raises(ValidationError, match="signed NPHD"):
        step(
            tenant,
            officials["tata_usaha"],
            proposal,
            "sign_agreement",
            nphd_number="NPHD/1",
            nphd_date=today(),
        )
    attach(proposal, "nphd")
    proposal = step(
        tenant,
        officials["tata_usaha"],
        proposal,
        "sign_agreement",
        nphd_number="NPHD/1",
        nphd_date=today(),
    )
    assert proposal.status == "agreement_signed"

    with pytest.raises(PermissionDenied):
        step(
            tenant,
            officials["tata_usaha"],
            proposal,
            "disburse",
            amount=1,
            paid_on=today(),
            transfer_reference="T",
        )
    proposal = step(
        tenant,
        officials["treasurer"],
        proposal,
        "disburse",
        amount=10_000_000,
        paid_on=today(),
        transfer_reference="TRF-1",
    )
    with pytest.raises(ValidationError, match="cannot exceed the approved amount"):
        step(
            tenant,
            officials["treasurer"],
            proposal,
            "disburse",
            amount=4_000_001,
            paid_on=today(),
            transfer_reference="TRF-2",
        )
    proposal = step(
        tenant,
        officials["treasurer"],
        proposal,
        "disburse",
        amount=4_000_000,
        paid_on=today(),
        transfer_reference="TRF-2",
    )
    assert (proposal.status, proposal.disbursed_amount) == ("disbursed", 14_000_000)
    assert list(proposal.disbursements.values_list("tranche", "amount")) == [
        (1, 10_000_000),
        (2, 4_000_000),
    ]

    with pytest.raises(PermissionDenied):
        step(tenant, officials["opd"], proposal, "report", spent_amount=1)
    with pytest.raises(ValidationError, match="accountability report"):
        step(tenant, applicant_user, proposal, "report", spent_amount=13_000_000)
    attach(proposal, "lpj_report")
    attach(proposal, "lpj_receipt")
    attach(proposal, "lpj_photo")
    with pytest.raises(ValidationError, match="More cannot be spent"):
        step(tenant, applicant_user, proposal, "report", spent_amount=14_000_001)
    proposal = step(tenant, applicant_user, proposal, "report", spent_amount=13_500_000)
    assert proposal.status == "reported"
    with pytest.raises(PermissionDenied):
        step(tenant, applicant_user, proposal, "close")
    proposal = step(tenant, officials["opd"], proposal, "close")
    assert proposal.status == "closed"

    # Every step is in the chain, which verifies.
    actions = list(
        AuditEvent.objects.filter(proposal=proposal).values_list("action", flat=True)
    )
    assert actions == ["submit"] + ["pass"] * 6 + [
        "approve",
        "sign_agreement",
        "disburse",
        "disburse",
        "report",
        "close",
    ]
    assert audit.verify_stored().ok
    # Applicants are never named in the chain; officials are.
    labels = set(
        AuditEvent.objects.filter(proposal=proposal).values_list(
            "actor_role", "actor_label"
        )
    )
    assert ("applicant", "") in labels
    assert StageReview.objects.filter(proposal=proposal).count() == 6


def test_return_for_revision_goes_back_into_the_same_stage(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, applicant_user, tenant=tenant)
    proposal = pass_stage(tenant, officials, proposal)
    stage = proposal.stage
    with pytest.raises(ValidationError, match="reason"):
        step(tenant, officials[stage.role], proposal, "return", note="")
    proposal = step(
        tenant, officials[stage.role], proposal, "return", note="Lengkapi foto lokasi"
    )
    assert (
        proposal.status == "revision"
        and proposal.public_reason == "Lengkapi foto lokasi"
    )
    with pytest.raises(PermissionDenied):
        step(tenant, officials[stage.role], proposal, "submit")
    services.proposal_save_draft(
        user=applicant_user,
        program=program,
        proposal=proposal,
        title="Judul baru",
        background="b",
        purpose="p",
        **place("Sumur Bandung", "Braga"),
        lines=[{"item": "Material", "quantity": 2, "unit_cost": 4_000_000}],
    )
    proposal = step(tenant, applicant_user, proposal, "submit")
    assert proposal.status == "in_review" and proposal.stage == stage
    assert proposal.requested_amount == 8_000_000


def test_reject_at_a_stage_and_at_approval_need_a_public_reason(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    first = make_proposal(program, applicant_user, tenant=tenant)
    rejected = step(
        tenant, officials["tata_usaha"], first, "reject", note="Bukan badan hukum"
    )
    assert (
        rejected.status == "rejected" and rejected.public_reason == "Bukan badan hukum"
    )
    with pytest.raises(ValidationError):
        step(tenant, officials["tata_usaha"], rejected, "pass", checklist={})
    second = through_review(
        tenant,
        officials,
        make_proposal(program, make_applicant(), tenant=tenant),
        5_000_000,
    )
    with pytest.raises(ValidationError, match="reason"):
        step(tenant, officials["kepala_daerah"], second, "reject_approval")
    second = step(
        tenant,
        officials["kepala_daerah"],
        second,
        "reject_approval",
        note="Anggaran dialihkan",
    )
    assert second.status == "rejected"


def test_withdraw_only_by_the_applicant_and_before_approval(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, applicant_user, tenant=tenant)
    with pytest.raises(PermissionDenied):
        step(tenant, officials["tata_usaha"], proposal, "withdraw")
    other = make_applicant("Orang lain")
    with pytest.raises(PermissionDenied):
        step(tenant, other, proposal, "withdraw")
    approved = through_review(
        tenant,
        officials,
        make_proposal(program, applicant_user, tenant=tenant),
        1_000_000,
    )
    approved = step(
        tenant, officials["kepala_daerah"], approved, "approve", amount=1_000_000
    )
    with pytest.raises(ValidationError):
        step(tenant, applicant_user, approved, "withdraw")
    assert step(tenant, applicant_user, proposal, "withdraw").status == "withdrawn"


def test_checklist_assignment_and_amount_rules(in_bandung, officials, applicant_user):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, applicant_user, amount=9_000_000, tenant=tenant)
    with pytest.raises(ValidationError, match="checklist"):
        step(tenant, officials["tata_usaha"], proposal, "pass", checklist={})
    proposal = pass_stage(tenant, officials, proposal)  # tata usaha
    proposal = pass_stage(tenant, officials, proposal)  # kepala daerah
    with pytest.raises(ValidationError):
        step(tenant, officials["tim_pertimbangan"], proposal, "pass", unit="")
    proposal = pass_stage(tenant, officials, proposal, unit="Dinas Pendidikan")
    with pytest.raises(ValidationError, match="cannot exceed"):
        step(
            tenant,
            officials["opd"],
            proposal,
            "pass",
            checklist=checklist_for(proposal.stage),
            amount=9_000_001,
        )
    proposal = pass_stage(tenant, officials, proposal, amount=8_000_000)
    proposal = pass_stage(tenant, officials, proposal)
    # TAPD may lower the OPD's recommendation, never raise it.
    with pytest.raises(ValidationError, match="cannot exceed"):
        step(tenant, officials["tapd"], proposal, "pass", amount=8_500_000)
    proposal = pass_stage(tenant, officials, proposal, amount=7_500_000)
    assert (proposal.status, proposal.recommended_amount, proposal.assigned_unit) == (
        "awaiting_approval",
        7_500_000,
        "Dinas Pendidikan",
    )


def test_custom_stage_list(in_bandung, officials, applicant_user):
    tenant = in_bandung
    stages = [
        {
            "name": "Verifikasi berkas",
            "role": GrantRole.TATA_USAHA,
            "checklist": ["KTP"],
        },
        {"name": "Penetapan TAPD", "role": GrantRole.TAPD, "sets_amount": True},
    ]
    program = make_program(tenant, officials["admin"], stages=stages, kind="bansos")
    proposal = make_proposal(program, applicant_user, amount=3_000_000, tenant=tenant)
    with pytest.raises(PermissionDenied):
        step(
            tenant,
            officials["kepala_daerah"],
            proposal,
            "pass",
            checklist={"KTP": True},
        )
    proposal = step(
        tenant, officials["tata_usaha"], proposal, "pass", checklist={"KTP": True}
    )
    with pytest.raises(PermissionDenied):
        step(tenant, officials["opd"], proposal, "pass", amount=1)
    proposal = step(tenant, officials["tapd"], proposal, "pass", amount=2_500_000)
    assert proposal.status == "awaiting_approval"
    proposal = step(
        tenant, officials["kepala_daerah"], proposal, "approve", amount=2_500_000
    )
    assert proposal.status == "approved"


def test_submission_needs_an_open_program_and_the_documents(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(
        tenant, officials["admin"], required=("Proposal", "Akta pendirian")
    )
    draft = make_proposal(program, applicant_user, submit=False, tenant=tenant)
    ProposalDocument.objects.filter(
        proposal=draft, requirement="Akta pendirian"
    ).delete()
    with pytest.raises(ValidationError, match="Akta pendirian"):
        step(tenant, applicant_user, draft, "submit")
    attach(draft, "required", "Akta pendirian")
    services.program_set_status(
        tenant=tenant, actor_user=officials["admin"], program=program, status="closed"
    )
    with pytest.raises(ValidationError, match="not open"):
        step(tenant, applicant_user, draft, "submit")
    assert Proposal.objects.get(pk=draft.pk).status == "draft"


def test_stages_cannot_change_under_running_proposals(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    make_proposal(program, applicant_user, tenant=tenant)
    with pytest.raises(ValidationError, match="under way"):
        services.program_set_stages(
            tenant=tenant,
            actor_user=officials["admin"],
            program=program,
            stages=[{"name": "x", "role": "tapd"}],
        )
    with pytest.raises(PermissionDenied):
        services.program_create(
            tenant=tenant,
            actor_user=officials["opd"],
            name="x",
            kind="hibah",
            fiscal_year=2026,
            budget=1,
            responsible_unit="x",
            opens_on=today(),
            closes_on=today(),
        )


def test_applicant_and_the_next_role_get_e_mail_on_each_step(
    in_bandung, officials, applicant_user
):
    from django.core import mail
    from django.test import TestCase

    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, applicant_user, submit=False, tenant=tenant)
    mail.outbox = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        proposal = step(tenant, applicant_user, proposal, "submit")
    recipients = [set(message.to) for message in mail.outbox]
    assert {applicant_user.email} in recipients
    assert {officials["tata_usaha"].email} in recipients  # the first stage's role
    assert all("3273010101900001" not in m.body for m in mail.outbox)
    mail.outbox = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        step(tenant, officials["tata_usaha"], proposal, "return", note="Lengkapi foto")
    assert any(
        "Lengkapi foto" in m.body and applicant_user.email in m.to for m in mail.outbox
    )


def test_auditors_and_viewers_never_act_even_with_grant_roles(
    in_bandung, officials, applicant_user
):
    from tenants.models import Membership

    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, applicant_user, tenant=tenant)
    Membership.objects.filter(user=officials["tata_usaha"], tenant=tenant).update(
        role="auditor"
    )
    with pytest.raises(PermissionDenied):
        step(
            tenant,
            officials["tata_usaha"],
            proposal,
            "pass",
            checklist=checklist_for(proposal.stage),
        )


def test_approval_never_exceeds_the_request_or_the_reviewers_correction(
    in_bandung, officials, applicant_user
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, applicant_user, amount=10_000_000, tenant=tenant)
    while proposal.stage.role != GrantRole.TAPD:
        proposal = pass_stage(tenant, officials, proposal, amount=8_000_000)
    # Returned by TAPD, the applicant cuts the request to 1,000,000 and resubmits.
    proposal = step(tenant, officials["tapd"], proposal, "return", note="Sesuaikan")
    services.proposal_save_draft(
        user=applicant_user,
        program=program,
        proposal=proposal,
        title="t",
        background="b",
        purpose="p",
        **place("Sumur Bandung", "Braga"),
        lines=[{"item": "Material", "quantity": 1, "unit_cost": 1_000_000}],
    )
    proposal = step(tenant, applicant_user, proposal, "submit")
    with pytest.raises(ValidationError, match="cannot exceed"):
        step(tenant, officials["tapd"], proposal, "pass", amount=8_000_000)
    # The reviewer's correction lowers the ceiling further.
    line = proposal.lines.get()
    services.budget_lines_correct(
        tenant=tenant,
        actor_user=officials["tapd"],
        proposal=proposal,
        corrections={line.pk: (1, 600_000)},
    )
    with pytest.raises(ValidationError, match="cannot exceed"):
        step(tenant, officials["tapd"], proposal, "pass", amount=700_000)
    proposal = step(tenant, officials["tapd"], proposal, "pass", amount=600_000)
    with pytest.raises(ValidationError):
        step(tenant, officials["kepala_daerah"], proposal, "approve", amount=600_001)


def test_officials_cannot_decide_their_own_proposal(in_bandung, officials):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    insider = officials["tata_usaha"]
    from grants.models import Applicant

    services.applicant_save(
        user=insider,
        kind="organisation",
        name="Koperasi Pegawai",
        legal_form="Koperasi",
        address="Jl. Wastukencana 2",
        **place("Sumur Bandung", "Babakan Ciamis"),
    )
    assert Applicant.objects.filter(user_id=insider.pk).exists()
    proposal = make_proposal(program, insider, tenant=tenant)
    with pytest.raises(PermissionDenied):
        step(tenant, insider, proposal, "pass", checklist=checklist_for(proposal.stage))


def test_officials_cannot_correct_the_budget_of_their_own_proposal(
    in_bandung, officials
):
    """Correcting budget lines is the current stage's reviewer's work, asked
    through the same access rule as the steps: never on one's own proposal."""
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    insider = officials["tata_usaha"]
    services.applicant_save(
        user=insider,
        kind="organisation",
        name="Koperasi Pegawai",
        legal_form="Koperasi",
        address="Jl. Wastukencana 2",
        **place("Sumur Bandung", "Babakan Ciamis"),
    )
    proposal = make_proposal(program, insider, tenant=tenant)
    assert proposal.stage.role == GrantRole.TATA_USAHA
    line = proposal.lines.get()
    with pytest.raises(PermissionDenied):
        services.budget_lines_correct(
            tenant=tenant,
            actor_user=insider,
            proposal=proposal,
            corrections={line.pk: (1, 1)},
        )
    line.refresh_from_db()
    assert (line.corrected_quantity, line.corrected_unit_cost) == (None, None)


def test_draft_programs_stay_out_of_the_public_chain(in_bandung, officials):
    from grants.models import AuditEvent

    before = AuditEvent.objects.count()
    program = services.program_create(
        tenant=in_bandung,
        actor_user=officials["admin"],
        name="Rahasia",
        kind="hibah",
        fiscal_year=today().year,
        budget=5,
        responsible_unit="x",
        opens_on=today(),
        closes_on=today(),
    )
    assert AuditEvent.objects.count() == before
    services.program_set_status(
        tenant=in_bandung, actor_user=officials["admin"], program=program, status="open"
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.note, event.amounts) == (
        "program_status",
        "Rahasia",
        {"budget": 5},
    )
