"""Anchoring tenants' audit-chain heads into the platform's transparency log.

`chains_anchor()` (hourly job, `manage.py anchor_chains`, the operators'
button on /transparency/) reads the head of every registered chain
(tenants/chains.py) of every tenant, and for each head that changed since its
last anchor writes a ChainAnchor row; the run's anchors are published by one
PlatformEvent(kind=CHAIN_ANCHORED) whose details carry their count and digest
(the canonical hash of the anchors' public form), so they are covered by the
log's own chain. Heads are read in batches of BATCH schemas per statement
(UNION ALL over the schemas) and compared with the last anchors of the batch
in one more statement: 10,000 tenants cost about 60 statements, not 10,000.

`chain_verify()` checks one tenant's chain: from its last anchored head by
default (incremental: the stored event at the anchor must still carry the
anchored hash, then only newer events are recomputed), or from the genesis
against every anchor (`full=True`), and against a head saved elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, tenant_context

from core import chain as chainlib

from .chains import Chain, chains
from .models import ChainAnchor, PlatformEvent, Tenant
from .transparency import platform_event_append

ANCHOR_LOCK = 0x7A_11_07
BATCH = 500


def anchor_public(anchor: Mapping) -> dict:
    """The published form of an anchor (what the batch digest covers)."""
    return {
        "tenant": {"id": anchor["tenant_id"], "slug": anchor["tenant_slug"]},
        "chain": anchor["chain"],
        "seq": anchor["seq"],
        "hash": anchor["hash"],
    }


def batch_digest(anchors: Iterable[Mapping]) -> str:
    """The digest a CHAIN_ANCHORED entry publishes: of its anchors, in (tenant, chain) order."""
    rows = sorted(
        (anchor_public(a) for a in anchors),
        key=lambda a: (a["tenant"]["id"], a["chain"]),
    )
    return chainlib.sha256_hex(chainlib.canonical(rows))


def _tenant_batches() -> Iterable[list[dict]]:
    """Every tenant with a schema, BATCH at a time, in id order (streamed)."""
    last = 0
    public = get_public_schema_name()
    while True:
        batch = list(
            Tenant.objects.filter(pk__gt=last)
            .exclude(schema_name=public)
            .exclude(kind=Tenant.Kind.PLATFORM)
            .order_by("pk")
            .values("pk", "slug", "schema_name")[:BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]["pk"]


def _heads(chain: Chain, tenants: list[dict]) -> dict[int, tuple[int, str]]:
    """The head of `chain` in each of `tenants`' schemas (missing when empty)."""
    if chain.table is None:
        heads = {}
        by_id = {t["pk"]: t for t in tenants}
        for tenant in Tenant.objects.filter(pk__in=by_id):
            with tenant_context(tenant):
                seq, hash_ = chain.head()
            if seq:
                heads[tenant.pk] = (seq, hash_)
        connection.set_schema_to_public()
        return heads
    with connection.cursor() as cursor:
        # Only schemas that exist and hold the table (a half-deleted tenant).
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND n.nspname = ANY(%s)",
            [chain.table, [t["schema_name"] for t in tenants]],
        )
        present = {row[0] for row in cursor.fetchall()}
        parts, params = [], []
        table = connection.ops.quote_name(chain.table)
        for tenant in tenants:
            if tenant["schema_name"] not in present:
                continue
            schema = connection.ops.quote_name(tenant["schema_name"])
            parts.append(
                f"(SELECT %s::bigint, seq, hash FROM {schema}.{table} "
                "ORDER BY seq DESC LIMIT 1)"
            )
            params.append(tenant["pk"])
        if not parts:
            return {}
        cursor.execute(" UNION ALL ".join(parts), params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _last_anchors(chain_key: str, tenant_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each tenant's last anchor of a chain, in one statement (an index probe each)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT t.id, a.seq, a.hash FROM unnest(%s::bigint[]) AS t(id)
            JOIN LATERAL (
                SELECT seq, hash FROM {ChainAnchor._meta.db_table}
                WHERE tenant_id = t.id AND chain = %s ORDER BY seq DESC LIMIT 1
            ) a ON true
            """,
            [tenant_ids, chain_key],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


@dataclass
class AnchorRun:
    """What one run anchored: `event` is None when no head had changed."""

    event: PlatformEvent | None = None
    anchors: list[ChainAnchor] = field(default_factory=list)
    tenants_read: int = 0


def chains_anchor(*, actor=None) -> AnchorRun:
    """Anchor every changed chain head in one batch (one log entry). Idempotent."""
    connection.set_schema_to_public()
    run = AnchorRun()
    with transaction.atomic():
        chainlib.lock(ANCHOR_LOCK)
        pending: list[dict] = []
        for tenants in _tenant_batches():
            run.tenants_read += len(tenants)
            slugs = {t["pk"]: t["slug"] for t in tenants}
            for chain in chains():
                heads = _heads(chain, tenants)
                if not heads:
                    continue
                last = _last_anchors(chain.key, list(heads))
                for tenant_id, head in sorted(heads.items()):
                    if last.get(tenant_id) == head:
                        continue
                    pending.append(
                        {
                            "tenant_id": tenant_id,
                            "tenant_slug": slugs[tenant_id],
                            "chain": chain.key,
                            "seq": head[0],
                            "hash": head[1],
                        }
                    )
        if not pending:
            return run
        run.event = platform_event_append(
            kind=PlatformEvent.Kind.CHAIN_ANCHORED,
            actor=actor,
            actor_label=None if actor is not None else "",
            details={"count": len(pending), "digest": batch_digest(pending)},
        )
        now = timezone.now()
        run.anchors = ChainAnchor.objects.bulk_create(
            [ChainAnchor(batch_seq=run.event.seq, at=now, **a) for a in pending],
            batch_size=2000,
        )
    return run


def anchors_of(tenant_id: int, chain_key: str) -> list[ChainAnchor]:
    return list(
        ChainAnchor.objects.filter(tenant_id=tenant_id, chain=chain_key).order_by("seq")
    )


def batch_intact(batch_seq: int) -> bool:
    """Whether a batch's anchors still match the digest its log entry published."""
    event = PlatformEvent.objects.filter(
        seq=batch_seq, kind=PlatformEvent.Kind.CHAIN_ANCHORED
    ).first()
    if event is None:
        return False
    rows = ChainAnchor.objects.filter(batch_seq=batch_seq).values(
        "tenant_id", "tenant_slug", "chain", "seq", "hash"
    )
    return event.details.get("digest") == batch_digest(rows)


@dataclass
class Verification:
    """A chain checked against anchors and a saved head."""

    ok: bool
    events_read: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None = None
    reason: str = ""
    anchored_seq: int = 0
    anchored_hash: str = ""
    anchors_checked: int = 0


def _record_at(chain: Chain, seq: int) -> Mapping | None:
    for record in chain.records(seq - 1):
        return record if record.get("seq") == seq else None
    return None


def chain_verify(
    tenant: Tenant,
    chain: Chain,
    *,
    full: bool = False,
    saved_head: tuple[int, str] | None = None,
) -> Verification:
    """Verify a tenant's chain (see the module docstring). Runs in its schema."""
    connection.set_schema_to_public()
    anchors = anchors_of(tenant.pk, chain.key)
    last = anchors[-1] if anchors else None
    if last is not None and not batch_intact(last.batch_seq):
        return Verification(
            False,
            0,
            0,
            chainlib.GENESIS,
            last.seq,
            "the anchors no longer match the digest published in the platform log",
            last.seq,
            last.hash,
        )
    known = {a.seq: a.hash for a in anchors} if full else {}
    if saved_head is not None:
        known.setdefault(saved_head[0], saved_head[1])
    read = 0
    with tenant_context(tenant):
        start_seq, start_prev = 1, chainlib.GENESIS
        checks: list[tuple[int, str, str]] = []
        if not full and last is not None:
            checks.append(
                (
                    last.seq,
                    last.hash,
                    "differs from the head anchored in the platform log",
                )
            )
            start_seq, start_prev = last.seq + 1, last.hash
        if saved_head is not None and saved_head[0] < start_seq:
            checks.append((saved_head[0], saved_head[1], "differs from the saved head"))
        for seq, expected, why in sorted(checks):
            record = _record_at(chain, seq)
            read += 1
            if record is None:
                return Verification(
                    False,
                    read,
                    seq - 1,
                    "",
                    seq,
                    f"event {seq} is missing",
                    *_anchor(last),
                )
            if record.get("hash") != expected:
                return Verification(False, read, seq - 1, "", seq, why, *_anchor(last))
        if chain.verify is not None:
            report = chain.verify(
                after_seq=start_seq - 1, after_hash=start_prev, known_heads=known
            )
        else:
            report = chainlib.verify(
                chain.records(start_seq - 1),
                body=chain.body,
                start_seq=start_seq,
                start_prev=start_prev,
                known_heads=known,
            )
    read += report.events
    ok = report.ok
    first, reason = report.first_broken_seq, report.reason
    # A chain cut short before an anchor or the saved head: the events are gone.
    expected_top = max([seq for seq in known] + [last.seq if last else 0])
    if ok and report.head_seq < expected_top:
        ok, first = False, report.head_seq + 1
        reason = f"event {first} is missing (the chain ends at {report.head_seq})"
    return Verification(
        ok,
        read,
        report.head_seq,
        report.head_hash,
        first,
        reason,
        *_anchor(last),
        anchors_checked=len(anchors) if full else (1 if last else 0),
    )


def _anchor(last: ChainAnchor | None) -> tuple[int, str]:
    return (last.seq, last.hash) if last else (0, "")
