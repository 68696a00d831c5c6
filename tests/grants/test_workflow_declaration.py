"""The grants workflow declared once (grants/workflow.py): the table checks itself,
the LPJ can be returned, the disbursement form goes once the grant is paid, the
applicant gets exactly one e-mail per decision with a working link, and the
database refuses audit actions nobody declared."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from django.utils import translation

from grants import audit, services
from grants.models import AuditEvent, Proposal, ProposalDocument
from grants.roles import GrantRole
from grants.workflow import (
    APPLICANT,
    COMMITTED,
    STAGE,
    WORKFLOW,
    AuditAction,
)
from tests.conftest import host_client
from tests.grants.conftest import (
    PDF,
    checklist_for,
    make_applicant,
    make_program,
    make_proposal,
    today,
)

# Words that read the same in both languages.
SAME_IN_BOTH = {"Draft", "Tata Usaha (administrative check, NPHD)"}


def test_the_grants_table_checks_itself():
    assert WORKFLOW.problems() == []
    # Every state is reachable, and every one but the terminal ones has someone
    # who can act in it.
    assert WORKFLOW.reachable() == set(Proposal.Status.values)
    for state in WORKFLOW.states:
        if not state.terminal:
            assert WORKFLOW.acting(state.key, stage_role=GrantRole.OPD), state.key
    # Every actor is an applicant, a grant role or the review stage's role.
    assert {t.actor for t in WORKFLOW.transitions} <= {
        APPLICANT,
        STAGE,
        *GrantRole.values,
    }
    assert set(WORKFLOW.actors) == {APPLICANT, *GrantRole.values}
    # The declaration's states are the model's.
    assert [s.key for s in WORKFLOW.states] == list(Proposal.Status.values)
    assert WORKFLOW.public_keys() == set(Proposal.Status.values) - {"draft"}
    assert set(COMMITTED) == {
        "approved",
        "agreement_signed",
        "disbursed",
        "reported",
        "report_returned",
        "closed",
    }


def test_every_grants_label_exists_in_both_languages():
    assert WORKFLOW.untranslated(same=SAME_IN_BOTH) == []


def test_who_acts_after_disbursement_depends_on_what_is_paid():
    class Paid:
        approved_amount = 10
        disbursed_amount = 10

    class Partly:
        approved_amount = 10
        disbursed_amount = 4

    assert WORKFLOW.acting("disbursed", record=Partly()) == [GrantRole.TREASURER]
    assert WORKFLOW.acting("disbursed", record=Paid()) == [APPLICANT]
    assert [t.key for t in WORKFLOW.available("disbursed", {APPLICANT}, record=Paid())]
    assert not WORKFLOW.available("disbursed", {APPLICANT}, record=Partly())
    assert not WORKFLOW.available("disbursed", {GrantRole.TREASURER}, record=Paid())


# --- journeys ------------------------------------------------------------------------


def _attach(proposal, kind):
    ProposalDocument.objects.create(
        proposal=proposal,
        kind=kind,
        file=ContentFile(PDF, name="x.pdf"),
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=1,
    )


def _step(tenant, user, proposal, action, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.proposal_transition(
            tenant=tenant, actor_user=user, proposal=proposal, action=action, **kwargs
        )


def _to_disbursed(tenant, officials, proposal, *tranches):
    while proposal.status == "in_review":
        stage = proposal.stage
        proposal = _step(
            tenant,
            officials[stage.role],
            proposal,
            "pass",
            checklist=checklist_for(stage),
            amount=6_000_000 if stage.sets_amount else None,
            unit="Dinas Sosial" if stage.assigns_unit else "",
        )
    proposal = _step(
        tenant, officials["kepala_daerah"], proposal, "approve", amount=6_000_000
    )
    _attach(proposal, "nphd")
    proposal = _step(
        tenant,
        officials["tata_usaha"],
        proposal,
        "sign_agreement",
        nphd_number="NPHD/9",
        nphd_date=today(),
    )
    for n, amount in enumerate(tranches):
        proposal = _step(
            tenant,
            officials["treasurer"],
            proposal,
            "disburse",
            amount=amount,
            paid_on=today(),
            transfer_reference=f"TRF-{n}",
        )
    return proposal


@pytest.mark.django_db
def test_disbursement_form_is_gone_once_the_grant_is_fully_paid(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    user = make_applicant()
    proposal = make_proposal(program, user, amount=6_000_000, tenant=tenant)
    proposal = _to_disbursed(tenant, officials, proposal, 4_000_000)
    treasurer = host_client("bandung.localhost", officials["treasurer"])
    page = treasurer.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert 'id="step-disburse"' in page
    assert proposal.pk in treasurer_queue(officials)
    # The applicant cannot report yet: the treasurer still pays.
    assert (
        services.allowed_actions(
            actor=services.actor_in(tenant, user), proposal=proposal
        )
        == []
    )

    proposal = _step(
        tenant,
        officials["treasurer"],
        proposal,
        "disburse",
        amount=2_000_000,
        paid_on=today(),
        transfer_reference="TRF-last",
    )
    page = treasurer.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert 'id="step-disburse"' not in page
    assert proposal.pk not in treasurer_queue(officials)
    with pytest.raises(ValidationError) as refused:
        _step(
            tenant,
            officials["treasurer"],
            proposal,
            "disburse",
            amount=1,
            paid_on=today(),
            transfer_reference="TRF-more",
        )
    assert "fully paid" in str(refused.value)
    # Now the applicant reports.
    assert "report" in services.allowed_actions(
        actor=services.actor_in(tenant, user), proposal=proposal
    )


def treasurer_queue(officials) -> set[int]:
    from grants import selectors

    actor = services.actor_in(connection.tenant, officials["treasurer"])
    return set(
        Proposal.objects.filter(selectors.waiting_for(actor)).values_list(
            "pk", flat=True
        )
    )


@pytest.mark.django_db
def test_the_lpj_is_returned_for_revision_and_submitted_again(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    user = make_applicant()
    proposal = make_proposal(program, user, amount=6_000_000, tenant=tenant)
    proposal = _to_disbursed(tenant, officials, proposal, 6_000_000)
    for kind in ("lpj_report", "lpj_receipt", "lpj_photo"):
        _attach(proposal, kind)
    proposal = _step(tenant, user, proposal, "report", spent_amount=5_000_000)
    opd = host_client("bandung.localhost", officials["opd"])
    page = opd.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert 'id="step-return_report"' in page and 'id="step-close"' in page
    # Two steps' forms on one page: every element id is still unique.
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))

    # A reason is required, and it is public.
    response = opd.post(
        f"/grants/staff/proposals/{proposal.pk}/return_report/", {"note": ""}
    )
    assert response.status_code == 400
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = opd.post(
            f"/grants/staff/proposals/{proposal.pk}/return_report/",
            {"note": "Kuitansi belanja konsumsi belum dilampirkan."},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "report_returned"
    assert proposal.public_reason == "Kuitansi belanja konsumsi belum dilampirkan."
    public = host_client("bandung.localhost").get(f"/grants/proposals/{proposal.pk}/")
    assert "Kuitansi belanja konsumsi belum dilampirkan." in public.content.decode()

    # The applicant sees it in plain words, uploads again and re-submits.
    applicant = host_client("bandung.localhost", user)
    own = applicant.get(f"/grants/my/proposals/{proposal.pk}/").content.decode()
    assert "Report returned to you for changes" in own
    assert "correct the accountability report" in own
    assert "report_returned" not in own.split("<main")[-1]
    response = applicant.post(
        f"/grants/my/proposals/{proposal.pk}/upload/",
        {"kind": "lpj_receipt", "file": SimpleUploadedFile("k.pdf", PDF)},
    )
    assert response.status_code == 302
    with TestCase.captureOnCommitCallbacks(execute=True):
        applicant.post(
            f"/grants/my/proposals/{proposal.pk}/report/",
            {"spent_amount": "5500000", "note": "Kuitansi konsumsi dilampirkan."},
        )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.spent_amount, proposal.public_reason) == (
        "reported",
        5_500_000,
        "",
    )
    proposal = _step(tenant, officials["opd"], proposal, "close")
    assert proposal.status == "closed"
    assert list(
        AuditEvent.objects.filter(proposal=proposal)
        .order_by("seq")
        .values_list("action", flat=True)
    )[-4:] == ["report", "return_report", "report", "close"]
    assert audit.verify_stored().ok


@pytest.mark.django_db
def test_history_and_progress_read_plain_words(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    user = make_applicant()
    proposal = make_proposal(program, user, amount=6_000_000, tenant=tenant)
    proposal = _to_disbursed(tenant, officials, proposal, 6_000_000)
    for host_user, path in (
        (user, f"/grants/my/proposals/{proposal.pk}/"),
        (officials["opd"], f"/grants/staff/proposals/{proposal.pk}/"),
        (None, f"/grants/proposals/{proposal.pk}/"),
    ):
        for language in ("en", "id"):
            html = (
                host_client("bandung.localhost", host_user, language=language)
                .get(path)
                .content.decode()
            )
            text = re.sub(r"<[^>]+>", " ", html.split("<main")[-1])
            for code in (
                "sign_agreement",
                "agreement_signed",
                "in_review",
                "disburse ",
            ):
                assert code not in text, (path, language, code)
    public = host_client("bandung.localhost").get(f"/grants/proposals/{proposal.pk}/")
    html = public.content.decode()
    # Fully paid: the disbursement step is done, the LPJ is the current step.
    assert "Disbursement" in html
    current = re.findall(r'<li class="step step-current"[^>]*>(.*?)</li>', html, re.S)
    assert len(current) == 1 and "Accountability report (LPJ)" in current[0]
    assert (
        "Disbursement"
        in re.findall(r'<li class="step step-done"[^>]*>(.*?)</li>', html, re.S)[-1]
    )


# --- e-mails --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_full_journey_sends_the_applicant_exactly_one_e_mail_per_decision(
    module_on, officials
):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    user = make_applicant()
    user.language = "en"
    user.save(update_fields=["language"])
    proposal = make_proposal(program, user, amount=6_000_000, submit=False)
    mail.outbox = []
    proposal = _step(tenant, user, proposal, "submit")
    proposal = _step(
        tenant, officials["tata_usaha"], proposal, "return", note="Lengkapi foto"
    )
    proposal = _step(tenant, user, proposal, "submit")
    proposal = _to_disbursed(tenant, officials, proposal, 4_000_000, 2_000_000)
    for kind in ("lpj_report", "lpj_receipt", "lpj_photo"):
        _attach(proposal, kind)
    proposal = _step(tenant, user, proposal, "report", spent_amount=5_000_000)
    proposal = _step(
        tenant, officials["opd"], proposal, "return_report", note="Kuitansi kurang"
    )
    proposal = _step(tenant, user, proposal, "report", spent_amount=5_000_000)
    proposal = _step(tenant, officials["opd"], proposal, "close")

    to_applicant = [m for m in mail.outbox if m.to == [user.email]]
    subjects = [m.subject.split("] ", 1)[1].split(":")[0] for m in to_applicant]
    # One per decision that matters to the applicant, none per internal stage.
    assert subjects == [
        "Submitted",
        "Returned to you for changes",
        "Submitted",
        "Approved",
        "Agreement (NPHD) signed",
        "Payment sent to you",
        "Payment sent to you",
        "Report returned to you for changes",
        "Report accepted; the grant is complete",
    ]
    assert "Lengkapi foto" in to_applicant[1].body
    # Every one carries the proposal's reference number.
    assert all(proposal.reference in m.body for m in to_applicant)
    assert all(m.subject.startswith(f"[{tenant.name}]") for m in to_applicant)
    applicant = host_client("bandung.localhost", user)
    for message in to_applicant:
        links = re.findall(r"https?://[^\s]+", message.body)
        # The proposal first; then the recipient's notification log.
        assert links[0] == f"http://bandung.localhost/grants/my/proposals/{proposal.pk}/"
        for link in links:
            host, path = re.match(r"https?://([^/]+)(/.*)", link).groups()
            assert host_client(host, user).get(path).status_code == 200, link
    assert applicant.get(f"/grants/my/proposals/{proposal.pk}/").status_code == 200

    # Staff who act next are told, with a link to the back-office page.
    staff = [m for m in mail.outbox if m.to != [user.email]]
    told = {m.to[0] for m in staff}
    assert {
        officials[role].email
        for role in ("tata_usaha", "kepala_daerah", "treasurer", "opd")
    } <= told
    for message in staff:
        links = re.findall(r"https?://[^\s]+", message.body)
        assert "/grants/staff/" in links[0]
        recipient = next(u for u in officials.values() if u.email == message.to[0])
        for link in links:
            host, path = re.match(r"https?://([^/]+)(/.*)", link).groups()
            assert host_client(host, recipient).get(path).status_code == 200, link


@pytest.mark.django_db
def test_e_mails_speak_the_recipients_language(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    user = make_applicant()
    user.language = "id"
    user.save(update_fields=["language"])
    proposal = make_proposal(program, user, amount=6_000_000, submit=False)
    mail.outbox = []
    _step(tenant, user, proposal, "submit")
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    with translation.override("id"):
        assert str(WORKFLOW.transition("submit").own_label) in message.subject
        assert str(WORKFLOW.state("in_review").own_next) in message.body


# --- audit action names ------------------------------------------------------------------


def _constraint_actions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE c.conname = 'grants_auditevent_action_known' "
            "AND n.nspname = current_schema()"
        )
        (definition,) = cursor.fetchone()
    return set(re.findall(r"'([a-z_]+)'", definition))


@pytest.mark.django_db
def test_the_database_knows_every_declared_audit_action(in_bandung):
    assert _constraint_actions() == set(AuditAction.values)
    assert set(WORKFLOW.action_keys()) <= set(AuditAction.values)


@pytest.mark.django_db
def test_writing_an_unknown_audit_action_fails_in_the_database(in_bandung):
    with pytest.raises(IntegrityError, match="grants_auditevent_action_known"):
        with transaction.atomic():
            audit.append(action="made_up", actor_label="Petugas", note="x")
    # A declared one is fine.
    with transaction.atomic():
        event = audit.append(action="program_update", actor_label="Petugas")
    assert event.action == "program_update"
    # Raw SQL cannot get around it either.
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO grants_auditevent (seq, at, action, from_status, "
                "to_status, stage, actor_role, actor_label, amounts, note, "
                "prev_hash, hash) VALUES (999999, now(), 'created', '', '', '', '', "
                "'', '{}', '', '', 'x')"
            )
