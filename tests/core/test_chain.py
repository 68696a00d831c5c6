"""The hash-chain primitives (core/chain.py) and the platform log built on them."""

from __future__ import annotations

import pytest

from core import chain
from tenants.models import PlatformEvent
from tenants.transparency import (
    body,
    platform_event_append,
    public_record,
    stored_records,
    verify_stored,
)


def _records(n: int) -> list[dict]:
    out, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        record = {"seq": seq, "text": f"event {seq}", "prev_hash": prev}
        record["hash"] = chain.link(prev, chain.canonical({"text": record["text"]}))
        prev = record["hash"]
        out.append(record)
    return out


def _body(record) -> str:
    return chain.canonical({"text": record["text"]})


def test_intact_chain_verifies_and_reports_its_head():
    records = _records(3)
    report = chain.verify(records, body=_body)
    assert report.ok and report.events == 3
    assert (report.head_seq, report.head_hash) == (3, records[-1]["hash"])


@pytest.mark.parametrize(
    "tamper, broken, reason",
    [
        (lambda r: r[1].update(text="rewritten"), 2, "content"),
        (lambda r: r.pop(1), 2, "missing"),
        (lambda r: r.insert(1, dict(r[0], seq=2)), 2, "follow"),
    ],
)
def test_each_tampering_names_the_first_bad_event(tamper, broken, reason):
    records = _records(4)
    tamper(records)
    report = chain.verify(records, body=_body)
    assert not report.ok
    assert report.first_broken_seq == broken
    assert reason in report.reason


def test_consistent_rewrite_is_caught_against_a_head_kept_elsewhere():
    original = _records(3)
    rewritten = _records(3)
    rewritten[1]["text"] = "rewritten"
    prev = rewritten[0]["hash"]
    for record in rewritten[1:]:  # every hash recomputed: the chain is consistent
        record["prev_hash"] = prev
        record["hash"] = prev = chain.link(prev, _body(record))
    assert chain.verify(rewritten, body=_body).ok
    report = chain.verify(rewritten, body=_body, known_heads={3: original[2]["hash"]})
    assert not report.ok and report.first_broken_seq == 3


def test_incremental_verification_starts_from_a_trusted_head():
    records = _records(5)
    report = chain.verify(
        records[3:], body=_body, start_seq=4, start_prev=records[2]["hash"]
    )
    assert report.ok and report.events == 2 and report.head_seq == 5


def test_private_digest_is_salted():
    private = {"nik": "3273010101010001"}
    a, b = chain.new_salt(), chain.new_salt()
    assert chain.private_digest(a, private) != chain.private_digest(b, private)
    assert chain.private_digest(a, private) == chain.private_digest(a, private)
    assert chain.private_digest(a, {}) == ""


def test_platform_log_entries_chain_and_keep_private_parts_out(db, bandung):
    from django.db import transaction

    with transaction.atomic():
        first = platform_event_append(
            kind=PlatformEvent.Kind.TENANT_VERIFIED, tenant=bandung, reason="ok"
        )
        second = platform_event_append(
            kind=PlatformEvent.Kind.TENANT_SUSPENDED,
            tenant=bandung,
            reason="unpaid",
            private={"note": "phoned the mayor's office"},
        )
    assert second.prev_hash == first.hash
    published = public_record(second)
    assert "phoned" not in chain.canonical(published)
    assert published["private_digest"] == chain.private_digest(
        second.salt, {"note": "phoned the mayor's office"}
    )
    assert chain.link(published["prev_hash"], body(published)) == published["hash"]
    assert published["tenant"]["slug"] == "bandung"
    assert verify_stored().ok
    assert [r["seq"] for r in stored_records()][-2:] == [first.seq, second.seq]


def test_platform_log_refuses_unknown_kinds(db):
    with pytest.raises(ValueError):
        platform_event_append(kind="made_up")


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET reason = 'x'", "DELETE FROM {t}"]
)
def test_platform_log_refuses_update_and_delete_in_the_database(db, statement):
    from django.db import DatabaseError, connection, transaction

    with transaction.atomic():
        platform_event_append(kind=PlatformEvent.Kind.TENANT_VERIFIED, reason="ok")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(t=PlatformEvent._meta.db_table))
