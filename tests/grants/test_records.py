"""Records that tell the truth (issue 11): recipient data after award, separation of
duties, public and private notes, audit scheme v2 beside v1, corrected budgets."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core import chain
from grants import audit, services
from grants.models import (
    Applicant,
    AuditEvent,
    ProposalDocument,
    RecipientAmendment,
)
from grants.roles import GrantRole
from tests.conftest import host_client, links_in
from tests.dbadmin import triggers_disabled
from tests.factories import prefer_english
from tests.grants.conftest import (
    PDF,
    checklist_for,
    give_roles,
    make_applicant,
    make_program,
    make_proposal,
    official,
    pass_stage,
    place,
    through_review,
    today,
)
from tests.grants.test_pages import post

pytestmark = pytest.mark.django_db

HOST = "bandung.localhost"


def _roles(user, tenant, *roles):
    give_roles(user, tenant, *roles)


def _approved(tenant, people, program, applicant_user, amount=10_000_000):
    proposal = make_proposal(program, applicant_user, amount=amount, tenant=tenant)
    proposal = through_review(tenant, people, proposal, amount)
    return services.proposal_transition(
        tenant=tenant,
        actor_user=people["kepala_daerah"],
        proposal=proposal,
        action="approve",
        amount=amount,
    )


def _signed(tenant, people, proposal):
    ProposalDocument.objects.create(
        proposal=proposal,
        kind=ProposalDocument.Kind.NPHD,
        file=ContentFile(PDF, name="nphd.pdf"),
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=people["tata_usaha"].pk,
    )
    return services.proposal_transition(
        tenant=tenant,
        actor_user=people["tata_usaha"],
        proposal=proposal,
        action="sign_agreement",
        nphd_number="NPHD/001/2026",
        nphd_date=today(),
    )


def _disburse(tenant, user, proposal, amount=1_000_000):
    return services.proposal_transition(
        tenant=tenant,
        actor_user=user,
        proposal=proposal,
        action="disburse",
        amount=amount,
        paid_on=today(),
        transfer_reference=f"TRF-{amount}",
    )


def _stream(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def _public_texts(proposal) -> dict[str, str]:
    """Every public page and export that could carry a proposal's data."""
    client = host_client(HOST)
    texts = {}
    for path in (
        "/grants/",
        "/grants/proposals/",
        f"/grants/proposals/{proposal.pk}/",
        f"/grants/programs/{proposal.program_id}/",
        "/grants/statistics/",
        "/open-data/audit.jsonl",
        "/open-data/grants.json",
        "/open-data/grants.csv",
        "/open-data/audit/verify/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = _stream(response)
    return texts


def _recompute(jsonl: str) -> tuple[int, bool]:
    """What anyone can do with audit.jsonl alone: recompute every hash, v1 and v2."""
    fields_v1 = list(audit.PUBLIC_FIELDS)
    prev = "0" * 64
    records = [json.loads(line) for line in jsonl.splitlines() if line]
    for record in records:
        keys = fields_v1 if record["v"] == 1 else fields_v1 + ["v", "private_digest"]
        body = json.dumps(
            {key: record[key] for key in keys},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        if record["prev_hash"] != prev:
            return len(records), False
        if hashlib.sha256((prev + body).encode()).hexdigest() != record["hash"]:
            return len(records), False
        assert "salt" not in record and "private" not in record
        prev = record["hash"]
    return len(records), True


# --- recipient data after award --------------------------------------------------


def test_bank_change_after_award_blocks_disbursement_until_a_second_member_confirms(
    module_on, officials, mailoutbox
):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    # The applicant is a member who holds the treasurer's role elsewhere in the
    # office: they may not confirm the change they made themselves.
    person = official(tenant, GrantRole.TREASURER, "bendahara.pemohon@bandung.test")
    services.applicant_save(
        user=person,
        kind="organisation",
        name="Karang Taruna Braga",
        legal_form="Perkumpulan",
        address="Jl. Braga 10",
        **place("Sumur Bandung", "Braga"),
        bank_name="Bank BJB",
        bank_account="0011223344",
        bank_account_name="Karang Taruna Braga",
    )
    proposal = _signed(tenant, officials, _approved(tenant, officials, program, person))
    _disburse(tenant, officials["treasurer"], proposal)
    prefer_english(*officials.values())

    response = post(
        host_client(HOST, person),
        "/grants/my/profile/",
        {
            "kind": "organisation",
            "name": "Karang Taruna Braga",
            "legal_form": "Perkumpulan",
            "address": "Jl. Braga 10",
            "kecamatan_code": "32.73.19",
            "kelurahan_code": "32.73.19.1001",
            "bank_name": "Bank Mandiri",
            "bank_account": "9988776655",
            "bank_account_name": "Karang Taruna Braga",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    amendment = RecipientAmendment.objects.get()
    # The members who may confirm are told, without the account numbers; the
    # member who made the change is not asked.
    asked = [m for m in mailoutbox if "new bank account" in m.subject]
    told = {m.to[0] for m in asked}
    assert officials["treasurer"].email in told
    assert officials["admin"].email in told
    assert person.email not in told and officials["opd"].email not in told
    for mail in asked:
        assert "9988776655" not in mail.body and "0011223344" not in mail.body
    # Each links to the proposal's page on the tenant's host, which opens.
    (link,) = [
        url
        for url in links_in(asked[0])
        if url.endswith(f"/grants/staff/proposals/{proposal.pk}/")
    ]
    parts = urlsplit(link)
    assert parts.netloc == HOST
    page = host_client(parts.netloc, officials["treasurer"]).get(parts.path)
    assert page.status_code == 200
    assert (amendment.kind, amendment.status) == ("bank", "pending")
    assert amendment.before == {"bank_name": "Bank BJB", "bank_account": "0011223344"}
    assert amendment.after == {
        "bank_name": "Bank Mandiri",
        "bank_account": "9988776655",
    }

    with pytest.raises(ValidationError) as refused:
        _disburse(tenant, officials["treasurer"], proposal, 2_000_000)
    assert "no second member has confirmed" in str(refused.value)
    proposal.refresh_from_db()
    assert (proposal.disbursed_amount, proposal.disbursements.count()) == (
        1_000_000,
        1,
    )
    treasurer = host_client(HOST, officials["treasurer"])
    response = post(
        treasurer,
        f"/grants/staff/proposals/{proposal.pk}/disburse/",
        {
            "amount": "2000000",
            "paid_on": today().isoformat(),
            "transfer_reference": "X",
        },
    )
    assert response.status_code == 400
    assert "no second member has confirmed" in response.content.decode()
    page = treasurer.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert "Confirm the new bank account" in page
    assert "0011223344" in page and "9988776655" in page

    # The member who made the change cannot confirm it, on the page or the service.
    own = host_client(HOST, person)
    page = own.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert "You made this change, so a second member must confirm it." in page
    response = post(
        own,
        f"/grants/staff/proposals/{proposal.pk}/recipient-changes/{amendment.pk}/",
        {"decision": "confirm"},
    )
    amendment.refresh_from_db()
    assert amendment.status == "pending"
    with pytest.raises(PermissionDenied):
        services.recipient_amendment_decide(
            tenant=tenant, actor_user=person, amendment=amendment, confirm=True
        )
    # A reviewer without a money or managing role cannot either.
    with pytest.raises(PermissionDenied):
        services.recipient_amendment_decide(
            tenant=tenant,
            actor_user=officials["opd"],
            amendment=amendment,
            confirm=True,
        )

    response = post(
        treasurer,
        f"/grants/staff/proposals/{proposal.pk}/recipient-changes/{amendment.pk}/",
        {"decision": "confirm"},
    )
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decided_by_id) == (
        "confirmed",
        officials["treasurer"].pk,
    )
    _disburse(tenant, officials["treasurer"], proposal, 2_000_000)
    proposal.refresh_from_db()
    assert proposal.disbursed_amount == 3_000_000
    actions = list(
        AuditEvent.objects.filter(proposal=proposal)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["recipient_amended", "recipient_confirmed", "disburse"]
    assert audit.verify_stored().ok


def test_a_declined_bank_change_restores_the_previous_account(officials, in_bandung):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    person = make_applicant()
    _approved(tenant, officials, program, person)
    applicant = Applicant.objects.get(user_id=person.pk)
    fields = {
        f.name: getattr(applicant, f.name)
        for f in Applicant._meta.fields
        if f.name not in ("id", "user_id", "created_at")
    }
    services.applicant_save(user=person, **{**fields, "bank_account": "5550001111"})
    amendment = RecipientAmendment.objects.get()
    with pytest.raises(ValidationError):
        services.recipient_amendment_decide(
            tenant=tenant,
            actor_user=officials["treasurer"],
            amendment=amendment,
            confirm=False,
        )
    services.recipient_amendment_decide(
        tenant=tenant,
        actor_user=officials["treasurer"],
        amendment=amendment,
        confirm=False,
        reason="Rekening tidak atas nama lembaga",
    )
    applicant.refresh_from_db()
    assert applicant.bank_account == "0012345678901"
    assert RecipientAmendment.objects.get().status == "declined"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "recipient_declined" and event.note == ""
    assert event.private["reason"] == "Rekening tidak atas nama lembaga"


def test_identity_changes_after_award_are_kept_for_staff_only(
    tangerang_admin, module_on, officials
):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    person = make_applicant(
        "Yayasan Lama Sejahtera", registration_number="AHU-0001111.AH.01.04"
    )
    individual = make_applicant("Siti Aminah", kind="individual")
    # Before the award, changes are ordinary edits.
    services.applicant_save(
        user=person, **_profile(person, registration_number="AHU-0002222.AH.01.04")
    )
    assert not RecipientAmendment.objects.exists()
    proposal = _approved(tenant, officials, program, person)
    bansos = _approved(tenant, officials, program, individual)

    services.applicant_save(
        user=person,
        **_profile(
            person,
            name="Yayasan Baru Makmur",
            registration_number="AHU-0009999.AH.01.04",
        ),
    )
    services.applicant_save(
        user=individual, **_profile(individual, nik="3273019912310007")
    )
    org_change, nik_change = RecipientAmendment.objects.order_by("pk")
    assert (org_change.kind, org_change.status) == ("identity", "recorded")
    assert org_change.before == {
        "name": "Yayasan Lama Sejahtera",
        "registration_number": "AHU-0002222.AH.01.04",
    }
    assert org_change.after == {
        "name": "Yayasan Baru Makmur",
        "registration_number": "AHU-0009999.AH.01.04",
    }
    assert nik_change.before == {"nik": "3273010101900001"}
    assert nik_change.after == {"nik": "3273019912310007"}
    # Identity changes do not block payments; only bank changes do.
    assert services.pending_bank_change(org_change.applicant_id) is None

    staff = host_client(HOST, officials["tata_usaha"])
    page = staff.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert "Yayasan Lama Sejahtera" in page and "AHU-0002222.AH.01.04" in page
    page = staff.get(f"/grants/staff/proposals/{bansos.pk}/").content.decode()
    assert "3273010101900001" in page and "3273019912310007" in page

    texts = _public_texts(proposal)
    texts.update(
        {
            f"bansos {k}": v
            for k, v in _public_texts(bansos).items()
            if "proposals/" in k
        }
    )
    for where, text in texts.items():
        for secret in (
            "Yayasan Lama Sejahtera",
            "AHU-0002222",
            "AHU-0009999",
            "3273010101900001",
            "3273019912310007",
            "0012345678901",
        ):
            assert secret not in text, (secret, where)
    assert texts["/open-data/audit.jsonl"].count('"recipient_amended"') == 2
    assert "Recipient data amended" in texts[f"/grants/proposals/{proposal.pk}/"]
    assert _recompute(texts["/open-data/audit.jsonl"])[1]

    # Another tenant's members see nothing of it.
    foreign = host_client(HOST, tangerang_admin)
    assert foreign.get(f"/grants/staff/proposals/{proposal.pk}/").status_code == 403
    response = foreign.post(
        f"/grants/staff/proposals/{proposal.pk}/recipient-changes/{org_change.pk}/",
        {"decision": "confirm"},
    )
    assert response.status_code == 403


def _profile(user, **changes) -> dict:
    applicant = Applicant.objects.get(user_id=user.pk)
    fields = {
        f.name: getattr(applicant, f.name)
        for f in Applicant._meta.fields
        if f.name not in ("id", "user_id", "created_at")
    }
    return {**fields, **changes}


# --- separation of duties ----------------------------------------------------------


def _at_approval(tenant, people, program, amount=10_000_000):
    proposal = make_proposal(program, make_applicant(), amount=amount, tenant=tenant)
    return through_review(tenant, people, proposal, amount)


def test_the_recommender_cannot_approve_and_the_page_says_why(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    # The TAPD member, who fixes the amount, also holds the approving role.
    _roles(officials["tapd"], tenant, GrantRole.TAPD, GrantRole.KEPALA_DAERAH)
    proposal = _at_approval(tenant, officials, program)
    assert proposal.status == "awaiting_approval"
    reason = "You recommended or corrected the amount of this proposal"
    with pytest.raises(PermissionDenied) as refused:
        services.proposal_transition(
            tenant=tenant,
            actor_user=officials["tapd"],
            proposal=proposal,
            action="approve",
            amount=10_000_000,
        )
    assert reason in str(refused.value)
    client = host_client(HOST, officials["tapd"])
    page = client.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert reason in page
    assert f"/grants/staff/proposals/{proposal.pk}/approve/" not in page
    response = post(
        client, f"/grants/staff/proposals/{proposal.pk}/approve/", {"amount": "5000"}
    )
    assert response.status_code == 302
    assert reason in _messages(client, response)
    proposal.refresh_from_db()
    assert proposal.status == "awaiting_approval"
    # Another member approves.
    services.proposal_transition(
        tenant=tenant,
        actor_user=officials["kepala_daerah"],
        proposal=proposal,
        action="approve",
        amount=10_000_000,
    )


def _messages(client, response) -> str:
    return client.get(response["Location"]).content.decode()


def test_who_corrected_the_budget_cannot_approve(officials, in_bandung):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    _roles(officials["opd"], tenant, GrantRole.OPD, GrantRole.KEPALA_DAERAH)
    proposal = make_proposal(program, make_applicant(), tenant=tenant)
    while proposal.stage.role != GrantRole.OPD:
        proposal = pass_stage(tenant, officials, proposal)
    # A different OPD member evaluates, so only the correction ties opd to the amount.
    second_opd = official(tenant, GrantRole.OPD)
    line = proposal.lines.get()
    services.budget_lines_correct(
        tenant=tenant,
        actor_user=officials["opd"],
        proposal=proposal,
        corrections={line.pk: (1, 8_000_000)},
    )
    proposal = services.proposal_transition(
        tenant=tenant,
        actor_user=second_opd,
        proposal=proposal,
        action="pass",
        checklist=checklist_for(proposal.stage),
        amount=8_000_000,
    )
    proposal = through_review(tenant, officials, proposal, 8_000_000)
    with pytest.raises(PermissionDenied, match="corrected the amount"):
        services.proposal_transition(
            tenant=tenant,
            actor_user=officials["opd"],
            proposal=proposal,
            action="approve",
            amount=8_000_000,
        )


def test_the_approver_cannot_record_the_disbursement(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    _roles(
        officials["kepala_daerah"], tenant, GrantRole.KEPALA_DAERAH, GrantRole.TREASURER
    )
    proposal = _signed(
        tenant, officials, _approved(tenant, officials, program, make_applicant())
    )
    reason = (
        "You approved this proposal, so another member must record its disbursement"
    )
    with pytest.raises(PermissionDenied, match="You approved this proposal"):
        _disburse(tenant, officials["kepala_daerah"], proposal)
    client = host_client(HOST, officials["kepala_daerah"])
    page = client.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert reason in page
    assert f"/grants/staff/proposals/{proposal.pk}/disburse/" not in page
    response = post(
        client,
        f"/grants/staff/proposals/{proposal.pk}/disburse/",
        {"amount": "1000", "paid_on": today().isoformat(), "transfer_reference": "T"},
    )
    assert reason in _messages(client, response)
    assert proposal.disbursements.count() == 0
    _disburse(tenant, officials["treasurer"], proposal)
    assert proposal.disbursements.count() == 1


def test_separation_switched_off_per_program_lets_one_member_do_both(
    officials, in_bandung
):
    tenant = in_bandung
    program = make_program(tenant, officials["admin"])
    program = services.program_update(
        tenant=tenant,
        actor_user=officials["admin"],
        program=program,
        separation_of_duties=False,
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "program_duties" and "switched off" in event.note
    with pytest.raises(PermissionDenied):
        services.program_update(
            tenant=tenant,
            actor_user=officials["treasurer"],
            program=program,
            separation_of_duties=True,
        )
    one = officials["tapd"]
    _roles(one, tenant, GrantRole.TAPD, GrantRole.KEPALA_DAERAH, GrantRole.TREASURER)
    proposal = _at_approval(tenant, officials, program)
    proposal = services.proposal_transition(
        tenant=tenant,
        actor_user=one,
        proposal=proposal,
        action="approve",
        amount=10_000_000,
    )
    proposal = _signed(tenant, officials, proposal)
    _disburse(tenant, one, proposal)
    proposal.refresh_from_db()
    assert proposal.status == "disbursed"


def test_the_program_manager_switches_separation_off_on_the_program_form(
    module_on, officials
):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    manager = host_client(HOST, officials["admin"])
    page = manager.get(f"/grants/staff/programs/{program.pk}/").content.decode()
    assert "On: whoever recommends or corrects an amount does not approve" in page
    edit = manager.get(f"/grants/staff/programs/{program.pk}/edit/").context["form"]
    data = {
        name: value
        for name, value in {
            **edit.initial,
            "required_documents": "Proposal",
        }.items()
        if name in edit.fields and value is not None
    }
    data.pop("separation_of_duties")  # the unticked checkbox
    response = post(manager, f"/grants/staff/programs/{program.pk}/edit/", data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.separation_of_duties is False
    page = manager.get(f"/grants/staff/programs/{program.pk}/").content.decode()
    assert "Off: one member may recommend, approve and disburse." in page
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_id) == ("program_duties", officials["admin"].pk)
    # Members who do not manage programs cannot switch it back.
    other = host_client(HOST, officials["treasurer"])
    response = post(
        other,
        f"/grants/staff/programs/{program.pk}/edit/",
        {**data, "separation_of_duties": "on"},
    )
    assert response.status_code == 200
    assert "Only program managers and administrators" in response.content.decode()
    program.refresh_from_db()
    assert program.separation_of_duties is False


# --- public and private notes, audit scheme v2 ---------------------------------------


def test_a_private_note_never_leaves_the_back_office(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=tenant)
    secret = "Catatan internal: ketua yayasan kerabat pejabat"
    client = host_client(HOST, officials[proposal.stage.role])
    form = {f"check_{i}": "on" for i, _ in enumerate(proposal.stage.checklist)}
    response = post(
        client, f"/grants/staff/proposals/{proposal.pk}/pass/", {**form, "note": secret}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(proposal=proposal, action="pass")
    assert (event.v, event.note, event.private["note"]) == (2, "", secret)
    assert event.private["actor_id"] == officials[GrantRole.TATA_USAHA].pk
    assert event.private_digest == chain.private_digest(event.salt, event.private)
    assert len(event.salt) == 32
    staff_page = client.get(f"/grants/staff/proposals/{proposal.pk}/").content.decode()
    assert secret in staff_page and "internal note, not public" in staff_page

    texts = _public_texts(proposal)
    # The applicant's own page shows public notes only.
    texts["applicant"] = (
        host_client(HOST, proposal.applicant.user)
        .get(f"/grants/my/proposals/{proposal.pk}/")
        .content.decode()
    )
    for where, text in texts.items():
        assert secret not in text, where
        assert event.salt not in text, where
    count, ok = _recompute(texts["/open-data/audit.jsonl"])
    assert ok and count == AuditEvent.objects.count()
    assert audit.verify_stored().ok
    # Rewriting the private note in the database is caught against the digest,
    # while the published chain is unaffected.
    with triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(pk=event.pk).update(
            private={**event.private, "note": "x"}
        )
    report = audit.verify_stored()
    assert not report.ok and report.first_broken_seq == event.seq
    assert "private part" in report.reason
    record = next(
        json.loads(line)
        for line in texts["/open-data/audit.jsonl"].splitlines()
        if json.loads(line)["seq"] == event.seq
    )
    assert record["private_digest"] == event.private_digest and record["v"] == 2


def test_a_note_marked_public_appears_on_the_public_timeline(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=tenant)
    client = host_client(HOST, officials[proposal.stage.role])
    form = {f"check_{i}": "on" for i, _ in enumerate(proposal.stage.checklist)}
    note = "Berkas lengkap, diteruskan ke Kepala Daerah"
    post(
        client,
        f"/grants/staff/proposals/{proposal.pk}/pass/",
        {**form, "note": note, "note_public": "on"},
    )
    event = AuditEvent.objects.get(proposal=proposal, action="pass")
    assert event.note == note and "note" not in event.private
    page = host_client(HOST).get(f"/grants/proposals/{proposal.pk}/").content.decode()
    assert note in page
    jsonl = _stream(host_client(HOST).get("/open-data/audit.jsonl"))
    assert note in jsonl and _recompute(jsonl)[1]


def _old_append(seq, prev, **fields) -> AuditEvent:
    """An event written the way grants.audit did before scheme v2."""
    at = timezone.now()
    record = {
        "seq": seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "proposal": None,
        "program": None,
        "action": fields["action"],
        "from_status": "",
        "to_status": "",
        "stage": "",
        "actor_role": "",
        "actor_label": "",
        "amounts": {},
        "note": fields.get("note", ""),
        "prev_hash": prev,
    }
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
    return AuditEvent.objects.create(
        seq=seq,
        at=at,
        action=fields["action"],
        note=record["note"],
        amounts={},
        prev_hash=prev,
        hash=digest,
        v=1,
    )


def test_v1_events_keep_verifying_and_are_never_rehashed(module_on, officials):
    tenant = module_on
    with transaction.atomic():
        first = _old_append(1, "0" * 64, action="program_create", note="Catatan lama")
        second = _old_append(2, first.hash, action="program_update", note="Diumumkan")
    old_hashes = {first.seq: first.hash, second.seq: second.hash}
    program = make_program(tenant, officials["admin"])
    make_proposal(program, make_applicant(), tenant=tenant)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.v for e in events[:2]] == [1, 1] and {e.v for e in events[2:]} == {2}
    assert {e.seq: e.hash for e in events[:2]} == old_hashes
    assert events[2].prev_hash == second.hash
    report = audit.verify_stored()
    assert report.ok and report.events == len(events)
    jsonl = _stream(host_client(HOST).get("/open-data/audit.jsonl"))
    # Notes published under v1 stay published.
    assert "Catatan lama" in jsonl
    assert _recompute(jsonl) == (len(events), True)
    # A v1 row edited in place is still caught.
    with triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(seq=1).update(note="Catatan diubah")
    report = audit.verify_stored()
    assert not report.ok and report.first_broken_seq == 1
    # So is a v2 row downgraded to v1 to drop its private digest.
    with triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(seq=1).update(note="Catatan lama")
        AuditEvent.objects.filter(seq=3).update(v=1)
    report = audit.verify_stored()
    assert not report.ok and report.first_broken_seq == 3


# --- the public budget table ----------------------------------------------------------


def test_public_budget_table_shows_requested_and_corrected_with_the_stage(
    module_on, officials
):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(
        program, make_applicant(), amount=12_000_000, tenant=tenant
    )
    stage_name = proposal.stage.name
    line = proposal.lines.get()
    services.budget_lines_correct(
        tenant=tenant,
        actor_user=officials[proposal.stage.role],
        proposal=proposal,
        corrections={line.pk: (None, 9_500_000)},
    )
    line.refresh_from_db()
    assert line.corrected_stage == stage_name
    page = host_client(HOST).get(f"/grants/proposals/{proposal.pk}/").content.decode()
    table = page.split("<table", 2)[-1]
    assert "Requested" in table and "Corrected" in table
    assert "12.000.000" in table and "9.500.000" in table
    assert stage_name in table


def test_the_confirmation_form_refuses_bad_input_and_keeps_it(module_on, officials):
    tenant = module_on
    program = make_program(tenant, officials["admin"])
    person = make_applicant()
    proposal = _approved(tenant, officials, program, person)
    other = _approved(tenant, officials, program, make_applicant("Paguyuban Lain"))
    services.applicant_save(user=person, **_profile(person, bank_account="777000111"))
    amendment = RecipientAmendment.objects.get()
    client = host_client(HOST, officials["treasurer"])
    url = f"/grants/staff/proposals/{proposal.pk}/recipient-changes/{amendment.pk}/"

    response = post(client, url, {"decision": "<script>", "reason": "alasan saya"})
    assert response.status_code == 400
    assert "Choose to confirm or to decline the change." in response.content.decode()
    assert "alasan saya" in response.content.decode()
    response = post(client, url, {"decision": "decline", "reason": ""})
    assert response.status_code == 400
    assert "Say why the change is declined." in response.content.decode()
    response = post(client, url, {"decision": "decline", "reason": "a\x00b"})
    assert response.status_code == 400
    response = post(client, url, {"decision": "decline", "reason": "x" * 2001})
    assert response.status_code == 400
    # An amendment of another proposal's recipient is not found through this one.
    wrong = f"/grants/staff/proposals/{other.pk}/recipient-changes/{amendment.pk}/"
    assert post(client, wrong, {"decision": "confirm"}).status_code == 404
    amendment.refresh_from_db()
    assert amendment.status == "pending"
    # Deciding twice is refused with the reason.
    services.recipient_amendment_decide(
        tenant=tenant,
        actor_user=officials["treasurer"],
        amendment=amendment,
        confirm=True,
    )
    with pytest.raises(ValidationError, match="already decided"):
        services.recipient_amendment_decide(
            tenant=tenant,
            actor_user=officials["admin"],
            amendment=amendment,
            confirm=True,
        )
