"""Laksa's tamper-evident history, on the shared chain primitives (core/chain.py).

hash = link(prev_hash, canonical(PUBLIC_FIELDS)), where the public fields
include `private_digest`, the salted digest of what stays in the back office
(who acted, the private part of a note). Appends are serialised per tenant
schema; the table refuses UPDATE and DELETE (core.db.AppendOnly); the head is
anchored into the platform log through tenants/chains.py (laksa/apps.py).
Anyone holding /laksa/open-data/audit.jsonl can recompute every hash.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from core import chain
from core.chain import GENESIS, ChainReport

from .models import AuditEvent

AUDIT_LOCK = 0x1A45  # first key of pg_advisory_xact_lock; the schema is the second
PUBLIC_FIELDS = (
    "seq",
    "at",
    "item",
    "action",
    "from_status",
    "to_status",
    "actor_role",
    "opd",
    "note",
    "prev_hash",
    "private_digest",
)


def public_record(event: AuditEvent) -> dict:
    record = {
        "seq": event.seq,
        "at": chain.timestamp(event.at),
        "item": event.item_id,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor_role": event.actor_role,
        "opd": event.opd,
        "note": event.note,
        "prev_hash": event.prev_hash,
        "private_digest": event.private_digest,
    }
    record["hash"] = event.hash
    return record


def body(record) -> str:
    return chain.canonical({key: record.get(key) for key in PUBLIC_FIELDS})


def append(
    *,
    item,
    action: str,
    from_status: str = "",
    to_status: str = "",
    actor_role: str = "",
    actor_id: int | None = None,
    note: str = "",
    private: dict | None = None,
) -> AuditEvent:
    """Append one event at the end of this schema's chain, inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit events are appended inside the transaction of the change"
        )
    chain.lock(AUDIT_LOCK)
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    private_part = dict(private or {})
    if actor_id is not None:
        private_part["actor_id"] = int(actor_id)
    salt = chain.new_salt() if private_part else ""
    event = AuditEvent(
        seq=(last["seq"] + 1) if last else 1,
        at=timezone.now(),
        item=item,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_role=actor_role,
        opd=item.opd.name if item.opd_id else "",
        note=note,
        prev_hash=last["hash"] if last else GENESIS,
        private=private_part,
        salt=salt,
        private_digest=chain.private_digest(salt, private_part),
        actor_id=actor_id,
    )
    event.hash = chain.link(event.prev_hash, body(public_record(event)))
    event.save()
    return event


def stored_head() -> tuple[int, str]:
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    return (last["seq"], last["hash"]) if last else (0, GENESIS)


def stored_records(*, after_seq: int = 0) -> Iterator[dict]:
    """The published records after `after_seq`, in order, a chunk at a time."""
    for event in chain.stored_events(AuditEvent, after_seq):
        yield public_record(event)


def private_part_matches(event: AuditEvent) -> bool:
    """Whether an event's stored private part still matches its published digest."""
    return chain.private_digest(event.salt, event.private) == event.private_digest


def verify_stored(
    *, after_seq: int = 0, after_hash: str = GENESIS, known_heads=None
) -> ChainReport:
    """The published chain recomputed, and every private part checked against
    its published digest (a rewritten back-office note breaks the chain too)."""
    return chain.verify_stored_events(
        chain.stored_events(AuditEvent, after_seq),
        public_record=public_record,
        body=body,
        private_matches=private_part_matches,
        after_seq=after_seq,
        after_hash=after_hash,
        known_heads=known_heads,
    )
