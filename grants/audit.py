"""The tamper-evident audit chain of a tenant's grants, built on core/chain.py.

Two hashing schemes live in one chain; each event names its own (`v`):

- v1, the events written before private parts existed:
  `hash = link(prev_hash, canonical(PUBLIC_FIELDS))`. Their notes were all
  published and stay published; they are never rehashed (DESIGN invariant 9).
- v2, every event written since: `hash = link(prev_hash, canonical(
  PUBLIC_FIELDS + v + private_digest))`, where `private_digest =
  core.chain.private_digest(salt, private)` covers the back-office part (notes
  not marked public, recipient data, who acted) with a random salt per event.
  Salt and private part are stored but never published.

Appends are serialised per tenant schema with an advisory lock, so the chain
never forks. Anyone holding /open-data/audit.jsonl can recompute every hash
without any private data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from core import chain
from core.chain import GENESIS, ChainReport  # noqa: F401  (re-exported)

from .models import AuditEvent

AUDIT_LOCK = (
    0x5AB1  # first key of pg_advisory_xact_lock(int, int); the schema is the second
)
CURRENT_VERSION = 2
PUBLIC_FIELDS = (
    "seq",
    "at",
    "proposal",
    "program",
    "action",
    "from_status",
    "to_status",
    "stage",
    "actor_role",
    "actor_label",
    "amounts",
    "note",
    "prev_hash",
)
PUBLIC_FIELDS_V2 = PUBLIC_FIELDS + ("v", "private_digest")


def _timestamp(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_record(event: AuditEvent) -> dict:
    """The published form of an event: what its hash covers, its scheme and its hash."""
    record = {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "proposal": event.proposal_id,
        "program": event.program_id,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "stage": event.stage,
        "actor_role": event.actor_role,
        "actor_label": event.actor_label,
        "amounts": event.amounts,
        "note": event.note,
        "prev_hash": event.prev_hash,
        "v": event.v,
    }
    if event.v >= 2:
        record["private_digest"] = event.private_digest
    record["hash"] = event.hash
    return record


def canonical(record: dict) -> str:
    """The v1 body: the public fields only (kept for events written under v1)."""
    return chain.canonical({key: record[key] for key in PUBLIC_FIELDS})


def digest(prev_hash: str, record: dict) -> str:
    """The v1 hash of a record (bench/ seeds v1 events with it)."""
    return chain.link(prev_hash, canonical(record))


def body(record) -> str:
    """The hashed body of a published record, by its scheme."""
    if record.get("v", 1) == 1:
        return canonical(record)
    return chain.canonical({key: record.get(key) for key in PUBLIC_FIELDS_V2})


def record_hash(record) -> str:
    """The hash a published record must carry, by its scheme."""
    return chain.link(record["prev_hash"], body(record))


def append(
    *,
    action: str,
    proposal=None,
    program=None,
    from_status: str = "",
    to_status: str = "",
    stage: str = "",
    actor_role: str = "",
    actor_label: str = "",
    actor_id: int | None = None,
    amounts: dict | None = None,
    note: str = "",
    private_note: str = "",
    private: dict | None = None,
) -> AuditEvent:
    """Append one v2 event at the end of this schema's chain (inside the caller's transaction).

    `note` is published; `private_note` and `private` stay in the back office,
    covered by the chain through the salted `private_digest`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit events are appended inside the transaction of the change"
        )
    chain.lock(AUDIT_LOCK)
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    private_part = dict(private or {})
    if private_note:
        private_part["note"] = private_note
    if actor_id is not None:
        private_part["actor_id"] = int(actor_id)
    salt = chain.new_salt() if private_part else ""
    event = AuditEvent(
        seq=(last["seq"] + 1) if last else 1,
        # PostgreSQL keeps microseconds, so the stored time is exactly the hashed time.
        at=timezone.now(),
        proposal=proposal,
        program=program if program is not None else getattr(proposal, "program", None),
        action=action,
        from_status=from_status,
        to_status=to_status,
        stage=stage,
        actor_role=actor_role,
        actor_label=actor_label,
        actor_id=actor_id,
        amounts={k: int(v) for k, v in (amounts or {}).items() if v is not None},
        note=note,
        prev_hash=last["hash"] if last else GENESIS,
        v=CURRENT_VERSION,
        private=private_part,
        salt=salt,
        private_digest=chain.private_digest(salt, private_part),
    )
    event.hash = record_hash(public_record(event))
    event.save()
    return event


def verify_records(
    records: Iterable[dict],
    *,
    start_seq: int = 1,
    start_prev: str = GENESIS,
    known_heads: dict[int, str] | None = None,
) -> ChainReport:
    """Recompute a chain from its published records (v1 and v2), in order."""
    return chain.verify(
        records,
        body=body,
        start_seq=start_seq,
        start_prev=start_prev,
        known_heads=known_heads,
    )


def _stored_events(chunk: int, after_seq: int) -> Iterator[AuditEvent]:
    last = after_seq
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def stored_records(chunk: int = 2000, *, after_seq: int = 0) -> Iterator[dict]:
    """The published records of the current schema after `after_seq`, in order,
    without loading them all at once."""
    for event in _stored_events(chunk, after_seq):
        yield public_record(event)


def private_part_matches(event: AuditEvent) -> bool:
    """Whether a v2 event's stored private part still matches its published digest."""
    if event.v < 2:
        return True
    return chain.private_digest(event.salt, event.private) == event.private_digest


def verify_stored(
    *, after_seq: int = 0, after_hash: str = GENESIS, known_heads=None
) -> ChainReport:
    """Verify the stored chain, from the genesis or from a trusted head.

    Besides the public chain (what anyone can recompute from audit.jsonl), each
    v2 event's stored private part must still match its published digest.
    """
    altered: list[int] = []

    def records():
        for event in _stored_events(2000, after_seq):
            if not altered and not private_part_matches(event):
                altered.append(event.seq)
            yield public_record(event)

    report = verify_records(
        records(),
        start_seq=after_seq + 1,
        start_prev=after_hash,
        known_heads=known_heads,
    )
    if report.ok and altered:
        return ChainReport(
            report.events,
            False,
            altered[0],
            "its private part does not match its published digest",
            # The published chain itself is intact up to its head.
            report.head_seq,
            report.head_hash,
        )
    return report


def stored_head() -> tuple[int, str]:
    """(seq, hash) of the current schema's last event; (0, GENESIS) when empty."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return tuple(last) if last else (0, GENESIS)
