"""The tamper-evident audit chain of a tenant's grants.

Each AuditEvent carries `hash = SHA-256(prev_hash + canonical(event))`, where
canonical(event) is the JSON of its public fields with sorted keys and no
spaces. Appends are serialised per tenant schema with an advisory lock, so the
chain never forks. Anyone holding /open-data/audit.jsonl can recompute it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
AUDIT_LOCK = (
    0x5AB1  # first key of pg_advisory_xact_lock(int, int); the schema is the second
)
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


def _timestamp(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_record(event: AuditEvent) -> dict:
    """The published form of an event: exactly what its hash covers, plus the hash."""
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
    }
    record["hash"] = event.hash
    return record


def canonical(record: dict) -> str:
    return json.dumps(
        {key: record[key] for key in PUBLIC_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def digest(prev_hash: str, record: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(record)).encode("utf-8")).hexdigest()


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
    amounts: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event at the end of this schema's chain (inside the caller's transaction)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit events are appended inside the transaction of the change"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [AUDIT_LOCK]
        )
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
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
        amounts={k: int(v) for k, v in (amounts or {}).items() if v is not None},
        note=note,
        prev_hash=last["hash"] if last else GENESIS,
    )
    event.hash = digest(event.prev_hash, public_record(event))
    event.save()
    return event


@dataclass
class ChainReport:
    events: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""


def verify_records(records: Iterable[dict]) -> ChainReport:
    """Recompute a chain from its published records, in order."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for record in records:
        count += 1
        seq = record.get("seq")
        if seq != expected_seq:
            return ChainReport(
                count,
                False,
                expected_seq,
                f"event {expected_seq} is missing (found {seq})",
            )
        if record.get("prev_hash") != expected_prev:
            return ChainReport(count, False, seq, "does not follow the previous event")
        if digest(record["prev_hash"], record) != record.get("hash"):
            return ChainReport(count, False, seq, "its content does not match its hash")
        expected_prev, expected_seq = record["hash"], expected_seq + 1
    return ChainReport(count, True)


def body(record) -> str:
    """The hashed body of a published record."""
    return canonical(record)


def stored_records(chunk: int = 2000, *, after_seq: int = 0) -> Iterator[dict]:
    """The published records of the current schema after `after_seq`, in order,
    without loading them all at once."""
    last = after_seq
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not batch:
            return
        for event in batch:
            yield public_record(event)
        last = batch[-1].seq


def verify_stored() -> ChainReport:
    return verify_records(stored_records())


def stored_head() -> tuple[int, str]:
    """(seq, hash) of the current schema's last event; (0, GENESIS) when empty."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return tuple(last) if last else (0, GENESIS)
