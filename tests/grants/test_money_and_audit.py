"""Money rules under truly concurrent transactions (invariant 4) and the audit chain (3)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from grants import audit, services
from grants.models import AuditEvent
from tests.conftest import host_client
from tests.dbadmin import triggers_disabled
from tests.grants.conftest import (
    give_roles,
    make_applicant,
    make_program,
    make_proposal,
    official,
    through_review,
    today,
)
from tests.tenants.test_concurrency import run_together


def _approvable(tenant, people, program, count, amount):
    proposals = []
    for _ in range(count):
        proposal = make_proposal(
            program, make_applicant(), amount=amount, tenant=tenant
        )
        proposals.append(through_review(tenant, people, proposal, amount))
    return proposals


@pytest.fixture
def city(django_db_blocker):
    """A tenant of its own for transactional tests (they commit for real)."""
    from tests.factories import make_tenant

    admin = make_user_committed("admin@cirebon.test")
    tenant = make_tenant("cirebon", kind="kota", region_code="32.74", admin=admin)
    give_roles(admin, tenant, "program_manager")
    with tenant_context(tenant):
        people = {
            role: official(tenant, role)
            for role in (
                "tata_usaha",
                "kepala_daerah",
                "tim_pertimbangan",
                "opd",
                "tapd",
                "treasurer",
            )
        }
        people["admin"] = admin
        yield tenant, people


def make_user_committed(email):
    from tests.factories import make_user

    return make_user(email)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_exceed_the_program_budget(city):
    tenant, people = city
    program = make_program(tenant, people["admin"], budget=25_000_000)
    proposals = _approvable(tenant, people, program, 4, 10_000_000)

    def approve(proposal):
        def call():
            with tenant_context(tenant):
                services.proposal_transition(
                    tenant=tenant,
                    actor_user=people["kepala_daerah"],
                    proposal=proposal,
                    action="approve",
                    amount=10_000_000,
                )

        return call

    outcomes = run_together(*[approve(p) for p in proposals])
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused"], outcomes
    assert services.committed_amount(program) == 20_000_000 <= program.budget
    assert audit.verify_stored().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_tranches_never_exceed_the_approved_amount(city):
    tenant, people = city
    program = make_program(tenant, people["admin"], budget=50_000_000)
    (proposal,) = _approvable(tenant, people, program, 1, 10_000_000)
    proposal = services.proposal_transition(
        tenant=tenant,
        actor_user=people["kepala_daerah"],
        proposal=proposal,
        action="approve",
        amount=10_000_000,
    )
    from django.core.files.base import ContentFile

    from grants.models import ProposalDocument
    from tests.grants.conftest import PDF

    ProposalDocument.objects.create(
        proposal=proposal,
        kind="nphd",
        file=ContentFile(PDF, name="n.pdf"),
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=1,
    )
    proposal = services.proposal_transition(
        tenant=tenant,
        actor_user=people["tata_usaha"],
        proposal=proposal,
        action="sign_agreement",
        nphd_number="NPHD/7",
        nphd_date=today(),
    )

    def tranche(n):
        def call():
            with tenant_context(tenant):
                services.proposal_transition(
                    tenant=tenant,
                    actor_user=people["treasurer"],
                    proposal=proposal,
                    action="disburse",
                    amount=4_000_000,
                    paid_on=today(),
                    transfer_reference=f"TRF-{n}",
                )

        return call

    outcomes = run_together(*[tranche(n) for n in range(4)])
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused"], outcomes
    proposal.refresh_from_db()
    assert proposal.disbursed_amount == 8_000_000 <= proposal.approved_amount
    assert sum(proposal.disbursements.values_list("amount", flat=True)) == 8_000_000


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain(city):
    tenant, people = city
    program = make_program(tenant, people["admin"])
    proposals = [
        make_proposal(program, make_applicant(), tenant=tenant) for _ in range(6)
    ]

    def pass_first(proposal):
        def call():
            with tenant_context(tenant):
                stage = proposal.stage
                services.proposal_transition(
                    tenant=tenant,
                    actor_user=people["tata_usaha"],
                    proposal=proposal,
                    action="pass",
                    checklist={item: True for item in stage.checklist},
                )

        return call

    assert run_together(*[pass_first(p) for p in proposals]) == ["ok"] * 6
    report = audit.verify_stored()
    assert report.ok and report.events == AuditEvent.objects.count()


# --- tampering ----------------------------------------------------------------------------


@pytest.fixture
def chain(in_bandung, officials, applicant_user):
    program = make_program(in_bandung, officials["admin"])
    for _ in range(3):
        proposal = make_proposal(program, make_applicant(), tenant=in_bandung)
        services.proposal_transition(
            tenant=in_bandung,
            actor_user=officials["tata_usaha"],
            proposal=proposal,
            action="reject",
            note="Tidak memenuhi syarat",
        )
    assert audit.verify_stored().ok
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE grants_auditevent SET note = 'Memenuhi syarat' WHERE seq = %s",
        "UPDATE grants_auditevent SET amounts = '{\"approved\": 999}' WHERE seq = %s",
        "UPDATE grants_auditevent SET actor_label = 'Orang lain' WHERE seq = %s",
        # The shifted time is computed by the query's parameter, not by
        # `at + interval`: Citus refuses STABLE functions over a column in an
        # UPDATE of a distributed table, and the tamper is the same.
        "UPDATE grants_auditevent SET at = (%s::timestamptz + interval '1 second') "
        "WHERE seq = %s",
        "UPDATE grants_auditevent SET to_status = 'approved' WHERE seq = %s",
    ],
)
def test_any_edited_row_is_detected_and_named(chain, sql):
    victim = chain[len(chain) // 2]
    params = [victim]
    if sql.count("%s") == 2:
        params.insert(0, AuditEvent.objects.get(seq=victim).at)
    with triggers_disabled("grants_auditevent"), connection.cursor() as cursor:
        cursor.execute(sql, params)
    report = audit.verify_stored()
    assert not report.ok and report.first_broken_seq == victim


@pytest.mark.django_db
def test_a_deleted_row_is_detected(chain):
    victim = chain[3]
    with triggers_disabled("grants_auditevent"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM grants_auditevent WHERE seq = %s", [victim])
    report = audit.verify_stored()
    assert (
        not report.ok
        and report.first_broken_seq == victim
        and "missing" in report.reason
    )


@pytest.mark.django_db
def test_a_recomputed_row_still_breaks_the_next_link(chain):
    """Editing a row and fixing its own hash breaks the following row instead."""
    victim = chain[2]
    event = AuditEvent.objects.get(seq=victim)
    event.note = "diubah"
    event.hash = audit.record_hash(audit.public_record(event))
    with triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(pk=event.pk).update(note=event.note, hash=event.hash)
    report = audit.verify_stored()
    assert not report.ok and report.first_broken_seq == victim + 1


@pytest.mark.django_db
def test_verify_command_and_published_chain(chain, in_bandung, capsys):
    connection.set_schema_to_public()
    call_command("verify_audit_chain", tenant="bandung")
    assert "intact" in capsys.readouterr().out
    with tenant_context(in_bandung):
        with triggers_disabled("grants_auditevent"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE grants_auditevent SET note = 'x' WHERE seq = %s", [chain[1]]
            )
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit_chain", tenant="bandung")
    assert exit_info.value.code == 1
    assert f"event {chain[1]}" in capsys.readouterr().out


@pytest.mark.django_db
def test_audit_jsonl_is_the_verifiable_public_chain(chain, in_bandung, bandung_admin):
    from catalog.models import CatalogApp

    connection.set_schema_to_public()
    from tests.catalog.conftest import make_app

    make_app(
        in_bandung, slug="sabilulungan", delivery_mode="hosted", hosted_module="grants"
    )
    response = host_client("bandung.localhost").get("/open-data/audit.jsonl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jsonl") or response[
        "Content-Type"
    ].startswith("application/x-ndjson")
    records = [
        json.loads(line)
        for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert len(records) == len(chain)
    assert audit.verify_records(records).ok
    text = json.dumps(records)
    assert "3273010101900001" not in text and "0012345678901" not in text
    assert CatalogApp.objects.filter(slug="sabilulungan").exists()


@pytest.mark.django_db
def test_public_verify_page_names_the_first_broken_event(chain, in_bandung):
    from django.core.cache import cache

    connection.set_schema_to_public()
    from tests.catalog.conftest import make_app

    make_app(
        in_bandung, slug="sabilulungan", delivery_mode="hosted", hosted_module="grants"
    )
    cache.clear()
    client = host_client("bandung.localhost")
    page = client.get("/open-data/audit/verify/").content.decode()
    assert "The chain is intact." in page
    with tenant_context(in_bandung):
        with triggers_disabled("grants_auditevent"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE grants_auditevent SET note = 'x' WHERE seq = %s", [chain[2]]
            )
    cache.clear()  # the page keeps a result for a minute; don't wait for it here
    page = client.get("/open-data/audit/verify/").content.decode()
    assert f"The chain is broken at event {chain[2]}." in page
