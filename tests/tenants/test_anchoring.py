"""Tenant chain heads anchored into the platform's transparency log, and
verification against the anchors and against heads kept elsewhere: editing,
deleting, inserting and a full consistent rewrite are each detected, and so is
a rewrite of chain and platform log together, against a saved copy."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from core import chain as chainlib
from grants import audit
from grants.models import AuditEvent
from tenants import transparency
from tenants.anchoring import batch_digest, chain_verify, chains_anchor
from tenants.chains import chain_get
from tenants.models import ChainAnchor, PlatformEvent
from tests.conftest import host_client
from tests.dbadmin import triggers_disabled


def grants_chain():
    return chain_get("grants")


def append_events(tenant, count: int, note: str = "dicatat") -> None:
    with tenant_context(tenant), transaction.atomic():
        for number in range(count):
            audit.append(
                action="program_update", actor_label="Petugas", note=f"{note} {number}"
            )
    connection.set_schema_to_public()


def rewrite_consistently(tenant, *, seq: int, note: str) -> None:
    """What a database administrator could do: change one event and recompute
    every hash after it, with the append-only trigger switched off."""
    body = grants_chain().body
    with tenant_context(tenant), triggers_disabled("grants_auditevent"):
        prev = chainlib.GENESIS
        for event in AuditEvent.objects.order_by("seq"):
            if event.seq == seq:
                event.note = note
            event.prev_hash = prev
            event.hash = chainlib.link(prev, body(audit.public_record(event)))
            AuditEvent.objects.filter(pk=event.pk).update(
                note=event.note, prev_hash=event.prev_hash, hash=event.hash
            )
            prev = event.hash
    connection.set_schema_to_public()


def rewrite_platform_log() -> None:
    """…and the platform's side too: the anchors, each batch's digest, and
    every hash of the log, recomputed so that the log verifies again."""
    grants = grants_chain()
    with (
        triggers_disabled(ChainAnchor._meta.db_table),
        triggers_disabled(PlatformEvent._meta.db_table),
    ):
        for anchor in ChainAnchor.objects.all():
            from tenants.models import Tenant

            tenant = Tenant.objects.get(pk=anchor.tenant_id)
            with tenant_context(tenant):
                record = next(iter(grants.records(anchor.seq - 1)))
            connection.set_schema_to_public()
            ChainAnchor.objects.filter(pk=anchor.pk).update(hash=record["hash"])
        prev = chainlib.GENESIS
        for event in PlatformEvent.objects.order_by("seq"):
            if event.kind == PlatformEvent.Kind.CHAIN_ANCHORED:
                rows = ChainAnchor.objects.filter(batch_seq=event.seq).values(
                    "tenant_id", "tenant_slug", "chain", "seq", "hash"
                )
                event.details = {**event.details, "digest": batch_digest(rows)}
            event.prev_hash = prev
            event.hash = chainlib.link(
                prev, transparency.body(transparency.public_record(event))
            )
            PlatformEvent.objects.filter(pk=event.pk).update(
                details=event.details, prev_hash=event.prev_hash, hash=event.hash
            )
            prev = event.hash


@pytest.mark.django_db
def test_anchoring_is_incremental(bandung, tangerang):
    append_events(bandung, 3)
    first = chains_anchor()
    assert first.event is not None and first.event.kind == "chain_anchored"
    assert [(a.tenant_slug, a.chain, a.seq) for a in first.anchors] == [
        ("bandung", "grants", 3)
    ]
    with tenant_context(bandung):
        assert first.anchors[0].hash == audit.stored_head()[1]
    assert first.event.details == {
        "count": 1,
        "digest": batch_digest(
            ChainAnchor.objects.filter(batch_seq=first.event.seq).values(
                "tenant_id", "tenant_slug", "chain", "seq", "hash"
            )
        ),
    }
    # Nothing changed: nothing anchored, no log entry.
    events_before = PlatformEvent.objects.count()
    assert chains_anchor().event is None
    assert PlatformEvent.objects.count() == events_before
    # Only the chains that changed are anchored again.
    append_events(tangerang, 2)
    third = chains_anchor()
    assert [(a.tenant_slug, a.seq) for a in third.anchors] == [("tangerang", 2)]
    assert ChainAnchor.objects.filter(tenant_id=bandung.pk).count() == 1
    assert transparency.verify_stored().ok


@pytest.mark.django_db
def test_anchoring_reads_heads_in_a_constant_number_of_statements(bandung, tangerang):
    from django.test.utils import CaptureQueriesContext

    append_events(bandung, 1)
    append_events(tangerang, 1)
    with CaptureQueriesContext(connection) as queries:
        chains_anchor()
    # Tenants, schemas, one UNION of heads per registered chain (Sabilulungan's,
    # Laksa's), one lateral probe of last anchors, the log append and the bulk
    # insert: not one query per tenant.
    from tenants.chains import chains

    assert len(queries) <= 13 + len(chains()), [q["sql"][:80] for q in queries]
    heads = [q for q in queries if "UNION ALL" in q["sql"]]
    assert len(heads) == len(chains())


@pytest.mark.django_db
def test_command_anchors_on_demand(bandung, capsys):
    append_events(bandung, 2)
    call_command("anchor_chains")
    assert "Anchored 1 chain heads" in capsys.readouterr().out
    call_command("anchor_chains")
    assert "No chain head changed" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["UPDATE {t} SET hash = 'x'", "DELETE FROM {t}"])
def test_anchor_table_refuses_update_and_delete(bandung, statement):
    append_events(bandung, 1)
    chains_anchor()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(t=ChainAnchor._meta.db_table))


@pytest.mark.django_db
def test_verification_from_the_last_anchor_is_incremental(bandung):
    append_events(bandung, 30)
    chains_anchor()
    append_events(bandung, 3, note="baru")
    incremental = chain_verify(bandung, grants_chain())
    full = chain_verify(bandung, grants_chain(), full=True)
    assert incremental.ok and full.ok
    assert incremental.anchored_seq == 30 and incremental.head_seq == 33
    # The anchored event itself, then only the three newer ones.
    assert incremental.events_read == 4
    assert full.events_read == 33 and full.anchors_checked == 1


@pytest.mark.django_db
def test_an_edited_event_is_detected(bandung):
    append_events(bandung, 6)
    chains_anchor()
    with tenant_context(bandung), triggers_disabled("grants_auditevent"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE grants_auditevent SET note = 'diubah' WHERE seq = 3")
    connection.set_schema_to_public()
    result = chain_verify(bandung, grants_chain(), full=True)
    assert not result.ok and result.first_broken_seq == 3


@pytest.mark.django_db
def test_an_edited_event_after_the_anchor_is_detected_incrementally(bandung):
    append_events(bandung, 4)
    chains_anchor()
    append_events(bandung, 2)
    with tenant_context(bandung), triggers_disabled("grants_auditevent"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE grants_auditevent SET note = 'diubah' WHERE seq = 6")
    connection.set_schema_to_public()
    result = chain_verify(bandung, grants_chain())
    assert not result.ok and result.first_broken_seq == 6


@pytest.mark.django_db
@pytest.mark.parametrize("victim", [2, 5])
def test_a_deleted_event_is_detected(bandung, victim):
    append_events(bandung, 5)
    chains_anchor()
    with tenant_context(bandung), triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(seq=victim).delete()
    connection.set_schema_to_public()
    result = chain_verify(bandung, grants_chain(), full=True)
    assert not result.ok and result.first_broken_seq == victim
    assert "missing" in result.reason
    if victim == 5:  # the anchored event itself: caught without --full
        assert not chain_verify(bandung, grants_chain()).ok


@pytest.mark.django_db
def test_an_inserted_event_is_detected(bandung):
    append_events(bandung, 4)
    chains_anchor()
    with tenant_context(bandung):
        forged = AuditEvent.objects.get(seq=4)
        forged.pk, forged.seq, forged.note = None, 5, "disisipkan"
        forged.hash = "f" * 64  # it cannot know a hash that follows
        forged.save()
    connection.set_schema_to_public()
    result = chain_verify(bandung, grants_chain())
    assert not result.ok and result.first_broken_seq == 5


@pytest.mark.django_db
def test_a_full_consistent_rewrite_is_detected_against_the_anchors(bandung, capsys):
    append_events(bandung, 8)
    chains_anchor()
    rewrite_consistently(bandung, seq=2, note="dana dialihkan")
    # The rewritten chain is consistent on its own…
    with tenant_context(bandung):
        assert audit.verify_stored().ok
    connection.set_schema_to_public()
    # …but not with the head the platform anchored.
    result = chain_verify(bandung, grants_chain())
    assert not result.ok and result.first_broken_seq == 8
    assert "anchored" in result.reason
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", tenant="bandung")
    assert "broken at event 8" in capsys.readouterr().out


@pytest.mark.django_db
def test_rewriting_chain_and_platform_log_together_is_caught_by_a_saved_copy(
    bandung, tmp_path, capsys
):
    append_events(bandung, 5)
    chains_anchor()
    # What an outsider kept: the head file (daily e-mail, download) and log.json.
    head_file = tmp_path / "head.json"
    download = host_client("bandung.localhost").get("/verify/grants/head.json")
    head_file.write_bytes(download.content)
    saved_log = host_client("localhost").get("/transparency/log.json").json()

    rewrite_consistently(bandung, seq=1, note="dana dialihkan")
    rewrite_platform_log()
    # Everything in the database agrees with itself again…
    assert transparency.verify_stored().ok
    assert chain_verify(bandung, grants_chain(), full=True).ok
    # …but not with the copies kept elsewhere.
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", tenant="bandung", head=str(head_file))
    out = capsys.readouterr().out
    assert "broken at event 5" in out and "saved head" in out
    live = host_client("localhost").get("/transparency/log.json").json()
    kept = {r["seq"]: r["hash"] for r in saved_log["records"]}
    report = chainlib.verify(live["records"], body=transparency.body, known_heads=kept)
    assert not report.ok and "recorded elsewhere" in report.reason


@pytest.mark.django_db
def test_anchors_that_no_longer_match_their_log_entry_are_reported(bandung):
    append_events(bandung, 3)
    chains_anchor()
    rewrite_consistently(bandung, seq=1, note="x")
    with triggers_disabled(ChainAnchor._meta.db_table):
        with tenant_context(bandung):
            head = audit.stored_head()
        connection.set_schema_to_public()
        ChainAnchor.objects.update(hash=head[1])
    result = chain_verify(bandung, grants_chain())
    assert not result.ok and "digest" in result.reason


@pytest.mark.django_db
def test_verify_command_reads_a_head_file_and_refuses_a_bad_one(
    bandung, tmp_path, capsys
):
    append_events(bandung, 3)
    with tenant_context(bandung):
        seq, hash_ = audit.stored_head()
    connection.set_schema_to_public()
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"seq": seq, "hash": hash_}))
    call_command("verify_audit_chain", tenant="bandung", head=str(good))
    assert "saved head matches" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"seq": "tiga", "hash": 5}')
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a saved head"):
        call_command("verify_audit_chain", tenant="bandung", head=str(bad))
    with pytest.raises(CommandError, match="no chain"):
        call_command("verify_audit_chain", tenant="bandung", app="nothing")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"seq": 2, "hash": "a" * 64}))
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", tenant="bandung", head=str(wrong))
    assert "broken at event 2" in capsys.readouterr().out
