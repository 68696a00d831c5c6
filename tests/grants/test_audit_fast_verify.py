"""The audit chain recomputed inside PostgreSQL (grants.audit.verify_stored) says
exactly what the Python reference (verify_stored_python) says: same bytes
hashed, same first broken event, same reason, same count (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core import chain
from grants import audit, services
from grants.models import AuditEvent
from tests.dbadmin import triggers_disabled
from tests.grants.conftest import make_applicant, make_program, make_proposal
from tests.grants.test_money_and_audit import city  # noqa: F401,F811 -- a committed tenant

pytestmark = pytest.mark.django_db

TRICKY_TEXTS = (
    'Kutip "ganda" dan \\ garis miring',
    "Baris\nbaru\tTab\rCR\bBS\fFF",
    "Kontrol \x01\x1f dan DEL \x7f",
    "Aksara Sunda ᮘᮔ᮪ᮓᮥᮀ, emoji 🌾, é, ß, 中文",
    "Pemisah baris \u2028 dan paragraf \u2029",
    "</script><b>&amp;</b>",
    "",
)


AMOUNT_SHAPES = (
    {"requested": 5_000_000},
    {"x": 0},
    {"spent": -1},
    {"approved": 2, "program_committed": 3},
    {"spent": 1, "approved": 2},
    {"b": 1, "a": 0},
    {"a_": 1, "ab": 2},
    {"tranche": 1, "disbursed": -2, "disbursed_total": 30},
    {"c": 3, "b": 2, "a": 1},
    {"ab": 1, "a": 2, "b": 3},
    {"a": 1, "b": 2, "c": 3, "d": 4},
    {"Capital": 1},
    {"a b": 1},
    {"a": 1, "b": "x"},
    {"big": 10**20, "small": -(10**20)},
)


def _append_raw(*, v: int = 1, at=None, amounts=None, private=None, **fields):
    """An event hashed by the Python definition, stored as given (floats, nesting…)."""
    seq, prev = audit.stored_head()
    private = private or {}
    salt = chain.new_salt() if private else ""
    event = AuditEvent(
        seq=seq + 1,
        at=at or timezone.now(),
        action=fields.pop("action", "program_update"),
        amounts=amounts if amounts is not None else {},
        prev_hash=prev,
        v=v,
        private=private,
        salt=salt,
        private_digest=chain.private_digest(salt, private) if v >= 2 else "",
        **fields,
    )
    event.hash = audit.record_hash(audit.public_record(event))
    event.save()
    return event


@pytest.fixture
def events(in_bandung, officials):
    """A chain of real v2 events (services) and v1/v2 events with awkward content."""
    program = make_program(in_bandung, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=in_bandung)
    services.proposal_transition(
        tenant=in_bandung,
        actor_user=officials["tata_usaha"],
        proposal=proposal,
        action="return",
        note="Lengkapi surat domisili",
    )
    with transaction.atomic():
        for i, text in enumerate(TRICKY_TEXTS):
            _append_raw(
                v=1 + i % 2,
                note=text,
                stage=text[:50],
                actor_label=text[:60],
                amounts={"requested": 10**15 + i, 'ṡpecial "key"': -i, "a": 0},
                private={"note": text, "actor_id": i, "flag": True, "none": None},
                proposal=proposal,
                program=program,
            )
        _append_raw(at=datetime(2023, 1, 1, 0, 0, 0, 7, tzinfo=UTC), note="µs")
        # Whole numbers under plain keys: spelled by SQL without a subquery,
        # in code-point order whatever jsonb's own (shorter keys first).
        # The same for a private part's digest.
        for i, amounts in enumerate(AMOUNT_SHAPES):
            _append_raw(
                v=2,
                amounts=amounts,
                private=AMOUNT_SHAPES[-1 - i],
                proposal=proposal,
                program=program,
            )
    return list(AuditEvent.objects.order_by("seq"))


def _unproven() -> list[int]:
    return [seq for seq, *_rest in audit.sql_unproven()]


def test_sql_hashes_the_same_bytes_as_python(events):
    bodies = audit.body_sql_for([e.seq for e in events])
    for event in events:
        assert bodies[event.seq] == audit.body(audit.public_record(event)), event.seq
    # So PostgreSQL proves every event of a healthy chain: none is left to Python.
    assert _unproven() == []
    fast, reference = audit.verify_stored(), audit.verify_stored_python()
    assert fast == reference and fast.ok and fast.events == len(events)
    for chunks in (2, 5, len(events)):
        assert audit.verify_stored(chunks=chunks) == reference, chunks
    assert (fast.head_seq, fast.head_hash) == (events[-1].seq, events[-1].hash)


def test_what_sql_cannot_spell_is_checked_in_python_and_still_verifies(events):
    with transaction.atomic():
        floats = _append_raw(amounts={"share": 0.1, "half": 2.5, "int": 5})
        nested = _append_raw(
            v=2,
            private={"before": {"bank_account": "123"}, "after": [1, 2.5]},
        )
        ancient = _append_raw(at=datetime(999, 12, 31, 23, 59, tzinfo=UTC))
        after = _append_raw(note="sesudahnya")
    bodies = audit.body_sql_for([floats.seq, ancient.seq])
    assert bodies == {floats.seq: None, ancient.seq: None}
    assert _unproven() == [floats.seq, nested.seq, ancient.seq]
    fast, reference = audit.verify_stored(), audit.verify_stored_python()
    assert fast == reference and fast.ok and fast.head_seq == after.seq


TAMPERING = {
    "note": "UPDATE grants_auditevent SET note = 'diubah' WHERE seq = %s",
    "amounts": "UPDATE grants_auditevent SET amounts = '{\"approved\": 1}' WHERE seq = %s",
    # The shifted time comes in as a parameter, not as `at + interval`: Citus
    # refuses STABLE functions over a column in an UPDATE of a distributed table.
    "time": "UPDATE grants_auditevent SET at = %s::timestamptz + interval "
    "'1 microsecond' WHERE seq = %s",
    "version": "UPDATE grants_auditevent SET v = 3 - v WHERE seq = %s",
    "unicode": "UPDATE grants_auditevent SET note = note || 'ẞ' WHERE seq = %s",
    "link": "UPDATE grants_auditevent SET prev_hash = repeat('a', 64) WHERE seq = %s",
    "deleted": "DELETE FROM grants_auditevent WHERE seq = %s",
    "private": 'UPDATE grants_auditevent SET private = private || \'{"note": "x"}\' '
    "WHERE seq = %s",
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_tampering_gives_the_reference_report(events, what):
    victim = events[len(events) // 2]
    if what == "private":  # only v2 events have a private part to check
        victim = next(e for e in events[len(events) // 2 :] if e.v == 2 and e.private)
    with triggers_disabled("grants_auditevent"), connection.cursor() as cursor:
        params = [victim.at, victim.seq] if what == "time" else [victim.seq]
        cursor.execute(TAMPERING[what], params)
    fast, reference = audit.verify_stored(), audit.verify_stored_python()
    assert fast == reference
    assert not fast.ok and fast.first_broken_seq in (victim.seq, victim.seq + 1)
    # Cut into ranges (as long chains are, scanned in parallel), down to one
    # event per range so that the victim is also a cut: the same report.
    for chunks in (2, 3, len(events)):
        assert audit.verify_stored(chunks=chunks) == reference, chunks


def test_a_recomputed_hash_breaks_the_next_link_in_both(events):
    victim = events[3]
    victim.note = "ditulis ulang"
    victim.hash = audit.record_hash(audit.public_record(victim))
    with triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(pk=victim.pk).update(
            note=victim.note, hash=victim.hash
        )
    fast = audit.verify_stored()
    assert fast == audit.verify_stored_python()
    assert fast.first_broken_seq == victim.seq + 1
    assert fast.reason == "does not follow the previous event"


def test_from_a_trusted_head_and_against_known_heads(events):
    middle = events[4]
    kwargs = {"after_seq": middle.seq, "after_hash": middle.hash}
    fast = audit.verify_stored(**kwargs)
    assert fast == audit.verify_stored_python(**kwargs)
    assert fast.ok and fast.events == len(events) - middle.seq
    # A head kept elsewhere that the stored chain no longer matches.
    known = {events[-2].seq: "f" * 64}
    fast = audit.verify_stored(known_heads=known)
    assert fast == audit.verify_stored_python(known_heads=known)
    assert not fast.ok and fast.first_broken_seq == events[-2].seq
    assert fast.reason == "differs from the head recorded elsewhere"
    # A wrong trusted head: the first event after it does not follow.
    fast = audit.verify_stored(after_seq=middle.seq, after_hash="0" * 64)
    assert fast == audit.verify_stored_python(after_seq=middle.seq, after_hash="0" * 64)
    assert not fast.ok and fast.first_broken_seq == middle.seq + 1
    # Nothing after the head: nothing to read.
    top = events[-1]
    assert audit.verify_stored(after_seq=top.seq, after_hash=top.hash) == (
        audit.verify_stored_python(after_seq=top.seq, after_hash=top.hash)
    )


def test_an_empty_chain(in_bandung):
    assert audit.verify_stored() == audit.verify_stored_python()
    assert audit.verify_stored().ok


def test_the_kernels_chain_verify_gives_the_same_result_with_it(events, bandung):
    from dataclasses import replace

    from tenants.anchoring import chain_verify, chains_anchor
    from tenants.chains import chain_get

    connection.set_schema_to_public()
    chains_anchor()
    connection.set_tenant(bandung)
    with transaction.atomic():
        _append_raw(note="after the anchor")
    fast = chain_get("grants")
    python_only = replace(fast, verify=None)
    assert fast.verify is not None

    def both(**kwargs):
        results = [chain_verify(bandung, c, **kwargs) for c in (fast, python_only)]
        connection.set_tenant(bandung)
        assert results[0] == results[1]
        return results[0]

    assert both().ok and both().events_read == 2  # the anchored event, then one
    assert both(full=True).ok and both(full=True).events_read == len(events) + 1
    with triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(seq=events[2].seq).update(note="diubah")
    assert both().ok  # only what came after the anchor is recomputed
    broken = both(full=True)
    assert not broken.ok and broken.first_broken_seq == events[2].seq


@pytest.mark.django_db(transaction=True)
def test_committed_chains_are_scanned_in_parallel_with_the_same_result(
    city,  # noqa: F811 -- the fixture imported above
    monkeypatch,
):
    """Outside a transaction a long chain is cut into ranges scanned by threads,
    each on its own connection (here "long" is lowered to a few events)."""
    tenant, people = city
    program = make_program(tenant, people["admin"])
    for _ in range(3):
        make_proposal(program, make_applicant(), tenant=tenant)
    for i in range(9):
        with transaction.atomic():
            _append_raw(note=f"catatan {i}", amounts={"requested": i})
    monkeypatch.setattr(audit, "PARALLEL_EVENTS", 4)
    monkeypatch.setattr(audit.os, "cpu_count", lambda: 4)
    threads = []
    real_scan = audit._scan

    def scan(params, schema=None):
        threads.append(schema)
        return real_scan(params, schema)

    monkeypatch.setattr(audit, "_scan", scan)
    assert not connection.in_atomic_block
    fast = audit.verify_stored()
    ranges = len(threads)
    assert ranges > 1 and set(threads) == {tenant.schema_name}
    assert fast == audit.verify_stored_python() and fast.ok
    victim = AuditEvent.objects.order_by("seq")[7]
    # In a transaction of its own: on Citus the triggers are switched off for
    # the transaction (SET LOCAL), which autocommit would end at once.
    with transaction.atomic(), triggers_disabled("grants_auditevent"):
        AuditEvent.objects.filter(pk=victim.pk).update(note="diubah")
    threads.clear()
    fast = audit.verify_stored()
    assert len(threads) == ranges
    assert fast == audit.verify_stored_python()
    assert not fast.ok and fast.first_broken_seq == victim.seq
