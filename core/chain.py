"""Hash chains: the primitives every append-only log of the project is built on.

A chain is a sequence of records numbered 1, 2, 3 … where each record carries
`prev_hash` (the previous record's hash, GENESIS for the first) and
`hash = SHA-256(prev_hash + body)`. `body` is the canonical JSON of exactly the
fields the record publishes, so anyone holding the published records can
recompute every hash and find the first record that was altered, inserted or
removed.

Private data (a note kept in the back office, a bank account) is never
published, yet must be covered by the chain so that it cannot be rewritten
unnoticed. A record therefore publishes `private_digest = SHA-256(salt +
canonical(private part))` instead of the private part, with a random salt per
record kept private: NIKs and account numbers are guessable, so an unsalted
digest would not keep them private.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC

from django.db import connection

GENESIS = "0" * 64


def canonical(value) -> str:
    """The one JSON spelling of `value` that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link(prev_hash: str, body: str) -> str:
    """The hash of a record whose canonical body is `body`, following `prev_hash`."""
    return sha256_hex(prev_hash + body)


def new_salt() -> str:
    return secrets.token_hex(16)


def private_digest(salt: str, private: Mapping | None) -> str:
    """The published stand-in for a record's private part ("" when it has none)."""
    if not private:
        return ""
    return sha256_hex(salt + canonical(dict(private)))


def lock(key: int) -> None:
    """Serialise appends to one chain until the transaction ends.

    The second key is the current schema, so each tenant's chain of the same
    kind has its own lock (and the public schema's chains theirs).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [key]
        )


@dataclass
class ChainReport:
    """What a verification found. `first_broken_seq` names the first bad record."""

    events: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def verify(
    records: Iterable[Mapping],
    *,
    body: Callable[[Mapping], str],
    start_seq: int = 1,
    start_prev: str = GENESIS,
    known_heads: Mapping[int, str] | None = None,
) -> ChainReport:
    """Recompute a chain from its published records, in order.

    `start_seq`/`start_prev` start from a trusted head instead of the genesis
    (incremental verification); `known_heads` maps sequence numbers to hashes
    kept elsewhere (anchors, a saved head), each of which the chain must match.
    """
    expected_prev, expected_seq, count = start_prev, start_seq, 0
    known_heads = known_heads or {}
    for record in records:
        count += 1
        seq = record.get("seq")
        if seq != expected_seq:
            return ChainReport(
                count,
                False,
                expected_seq,
                f"event {expected_seq} is missing (found {seq})",
                expected_seq - 1,
                expected_prev,
            )
        if record.get("prev_hash") != expected_prev:
            return ChainReport(
                count,
                False,
                seq,
                "does not follow the previous event",
                seq - 1,
                expected_prev,
            )
        if link(record["prev_hash"], body(record)) != record.get("hash"):
            return ChainReport(
                count,
                False,
                seq,
                "its content does not match its hash",
                seq - 1,
                expected_prev,
            )
        if seq in known_heads and known_heads[seq] != record["hash"]:
            return ChainReport(
                count,
                False,
                seq,
                "differs from the head recorded elsewhere",
                seq - 1,
                expected_prev,
            )
        expected_prev, expected_seq = record["hash"], expected_seq + 1
    return ChainReport(count, True, head_seq=expected_seq - 1, head_hash=expected_prev)


def timestamp(value) -> str:
    """A record's time as it is published and hashed: UTC, microseconds, `Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stored_events(model, after_seq: int = 0, chunk: int = 2000) -> Iterator:
    """The stored events of `model` (a chain table of the current schema) after
    `after_seq`, in order, a chunk at a time rather than all at once."""
    last = after_seq
    while True:
        batch = list(model.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


PRIVATE_ALTERED = "its private part does not match its published digest"


def with_private(report: ChainReport, altered_seq: int | None) -> ChainReport:
    """`report` of the published chain, failed at `altered_seq` when that
    event's stored private part no longer matches its published digest (the
    published chain itself is intact up to its head)."""
    if report.ok and altered_seq is not None:
        return ChainReport(
            report.events,
            False,
            altered_seq,
            PRIVATE_ALTERED,
            report.head_seq,
            report.head_hash,
        )
    return report


def verify_stored_events(
    events: Iterable,
    *,
    public_record: Callable[[object], Mapping],
    body: Callable[[Mapping], str],
    private_matches: Callable[[object], bool],
    after_seq: int = 0,
    after_hash: str = GENESIS,
    known_heads: Mapping[int, str] | None = None,
) -> ChainReport:
    """A stored chain recomputed from its events in order: the published
    records (verify), and every private part against its published digest
    (a rewritten back-office note breaks the chain too)."""
    altered: list[int] = []

    def records():
        for event in events:
            if not altered and not private_matches(event):
                altered.append(event.seq)
            yield public_record(event)

    report = verify(
        records(),
        body=body,
        start_seq=after_seq + 1,
        start_prev=after_hash,
        known_heads=known_heads,
    )
    return with_private(report, altered[0] if altered else None)
