"""The platform's transparency log: append and verify (model: tenants.PlatformEvent).

Every operator action and every anchored tenant chain head is appended here by
`platform_event_append`, inside the transaction of the change it records, so a
change that rolls back leaves no entry and an entry never exists without its
change. The published form of an entry (`public_record`) is exactly what its
hash covers, so anyone holding /transparency/log.json can recompute the chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from core import chain

from .models import PlatformEvent

# First key of pg_advisory_xact_lock(int, int) for this chain.
PLATFORM_LOG_LOCK = 0x7A_11_06
# Bumped when what the hash covers changes; old entries keep their version.
HASH_VERSION = 1


def _timestamp(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_record(event: PlatformEvent) -> dict:
    """The published form of an entry: exactly what its hash covers, plus the hash."""
    return {
        "v": HASH_VERSION,
        "seq": event.seq,
        "at": _timestamp(event.at),
        "kind": event.kind,
        "actor": event.actor_label,
        "tenant": {
            "id": event.tenant_id,
            "slug": event.tenant_slug,
            "name": event.tenant_name,
        },
        "reason": event.reason,
        "details": event.details,
        "private_digest": event.private_digest,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def body(record: Mapping) -> str:
    """What an entry's hash covers: every published field but the hash itself."""
    return chain.canonical({k: v for k, v in record.items() if k != "hash"})


def operator_label(actor) -> str:
    """How an operator is named in public: their name, else their e-mail address."""
    if actor is None:
        return ""
    return (getattr(actor, "full_name", "") or getattr(actor, "email", "")).strip()


def platform_event_append(
    *,
    kind: str,
    actor=None,
    actor_label: str | None = None,
    tenant=None,
    reason: str = "",
    details: Mapping | None = None,
    private: Mapping | None = None,
) -> PlatformEvent:
    """Append one entry at the end of the log (inside the caller's transaction).

    `details` is published; `private` is kept in the back office and only its
    salted digest is published. `tenant` is snapshotted (id, slug, name).
    """
    if kind not in PlatformEvent.Kind.values:
        raise ValueError(f"unknown platform event kind {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "platform events are appended inside the change's transaction"
        )
    chain.lock(PLATFORM_LOG_LOCK)
    last = PlatformEvent.objects.order_by("-seq").values("seq", "hash").first()
    private = dict(private or {})
    salt = chain.new_salt() if private else ""
    event = PlatformEvent(
        seq=(last["seq"] + 1) if last else 1,
        # PostgreSQL keeps microseconds, so the stored time is exactly the hashed time.
        at=timezone.now(),
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        actor_label=operator_label(actor) if actor_label is None else actor_label,
        tenant_id=getattr(tenant, "pk", None),
        tenant_slug=getattr(tenant, "slug", "") or "",
        tenant_name=getattr(tenant, "name", "") or "",
        reason=reason.strip(),
        details=dict(details or {}),
        private=private,
        salt=salt,
        private_digest=chain.private_digest(salt, private),
        prev_hash=last["hash"] if last else chain.GENESIS,
    )
    event.hash = chain.link(event.prev_hash, body(public_record(event)))
    event.save()
    return event


def stored_records(*, after_seq: int = 0, chunk: int = 2000) -> Iterator[dict]:
    """Every entry after `after_seq`, in order, without loading them all at once."""
    last = after_seq
    while True:
        batch = list(PlatformEvent.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not batch:
            return
        for event in batch:
            yield public_record(event)
        last = batch[-1].seq


def verify_stored() -> chain.ChainReport:
    return chain.verify(stored_records(), body=body)


# The operators' public actions shown on /transparency/ (anchoring batches are
# shown too, as counts; their anchors are listed in log.json).
LOG_JSON_FORMAT = 1
LOG_JSON_MAX = 1000


def anchors_public(batch_seqs) -> dict[int, list[dict]]:
    """The published anchors of the given CHAIN_ANCHORED entries, by entry seq."""
    from .anchoring import anchor_public
    from .models import ChainAnchor

    result: dict[int, list[dict]] = {}
    rows = (
        ChainAnchor.objects.filter(batch_seq__in=list(batch_seqs))
        .order_by("batch_seq", "tenant_id", "chain")
        .values("batch_seq", "tenant_id", "tenant_slug", "chain", "seq", "hash")
    )
    for row in rows.iterator(chunk_size=2000):
        result.setdefault(row["batch_seq"], []).append(anchor_public(row))
    return result


def log_json_page(*, after: int = 0, limit: int = 500) -> dict:
    """One page of the published log: entries after `after`, and the anchors of
    its anchoring entries by entry seq (kept apart from the entries, so that
    each entry is exactly what its hash covers); `next_after` is None on the
    last page."""
    limit = max(1, min(limit, LOG_JSON_MAX))
    events = list(
        PlatformEvent.objects.filter(seq__gt=after).order_by("seq")[: limit + 1]
    )
    more = len(events) > limit
    events = events[:limit]
    anchors = anchors_public(
        e.seq for e in events if e.kind == PlatformEvent.Kind.CHAIN_ANCHORED
    )
    records = [public_record(event) for event in events]
    head = PlatformEvent.objects.order_by("-seq").values("seq", "hash").first()
    return {
        "format": LOG_JSON_FORMAT,
        "head": head or {"seq": 0, "hash": chain.GENESIS},
        "records": records,
        "anchors": {str(seq): rows for seq, rows in anchors.items()},
        "next_after": events[-1].seq if more else None,
    }
