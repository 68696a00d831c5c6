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

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connection, transaction
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


def public_record(event: AuditEvent) -> dict:
    """The published form of an event: what its hash covers, its scheme and its hash."""
    record = {
        "seq": event.seq,
        "at": chain.timestamp(event.at),
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


def stored_records(chunk: int = 2000, *, after_seq: int = 0) -> Iterator[dict]:
    """The published records of the current schema after `after_seq`, in order,
    without loading them all at once."""
    for event in chain.stored_events(AuditEvent, after_seq, chunk):
        yield public_record(event)


def private_part_matches(event: AuditEvent) -> bool:
    """Whether a v2 event's stored private part still matches its published digest."""
    if event.v < 2:
        return True
    return chain.private_digest(event.salt, event.private) == event.private_digest


def verify_stored_python(
    *, after_seq: int = 0, after_hash: str = GENESIS, known_heads=None
) -> ChainReport:
    """verify_stored() recomputed event by event in Python (the reference the
    fast path is tested against, and what it falls back to row by row)."""
    return chain.verify_stored_events(
        chain.stored_events(AuditEvent, after_seq),
        public_record=public_record,
        body=body,
        private_matches=private_part_matches,
        after_seq=after_seq,
        after_hash=after_hash,
        known_heads=known_heads,
    )


# --- the chain recomputed inside PostgreSQL --------------------------------------------
#
# The same bytes as canonical()/body() above, spelled in SQL, hashed with
# PostgreSQL's sha256(). It covers what the project writes: strings (to_json
# escapes exactly as json.dumps(ensure_ascii=False) does: \" \\ \b \f \n \r \t
# and \u00XX for the other control characters), whole numbers, null, booleans,
# and flat JSON objects with such values (keys sorted by code point = COLLATE
# "C" on UTF-8). Anything else (a float, a nested object, a year before 1000)
# gives NULL: that row is not "fast-verified" and Python checks it with the
# functions above. A row the SQL says is fine has exactly the Python body, so
# the result never depends on which path checked a row.


def _flat_json_sql(column: str) -> str:
    """The canonical JSON text of a flat jsonb object, or NULL when not flat.

    Most objects the project writes are empty or hold whole numbers under one
    to three plain keys (`{"requested": 5000000}`). Their canonical text is
    jsonb's own text with its pairs in code-point order and without the
    blanks, made with string functions: no subquery, no regex captures (both
    several times slower). jsonb orders keys by length first, so the pairs are
    re-ordered with least()/greatest(): a pair's text `"key": 5` sorts as its
    key does, since `"` sorts before every letter and `_`. Only the other
    objects go through jsonb_each and a sort.
    """
    text = f"{column}::text"
    key, number = '"[a-z_]+"', "-?[0-9]+"
    pair = f"{key}: {number}"

    def shape(pairs: int) -> str:
        # jsonb's text of `pairs` keys of [a-z_] with whole numbers: then the
        # only ", " and ": " in it are separators, and nothing needs escaping.
        inner = ", ".join([pair] * pairs).replace("{", "").replace("}", "")
        return f"{text} ~ '^[{{]{inner}[}}]$'"

    def part(n: int) -> str:
        return f"split_part(substr({text}, 2, length({text}) - 2), ', ', {n})"

    one, two, three = (part(n) for n in (1, 2, 3))
    c = 'COLLATE "C"'
    sorted_two = f"least({one}, {two} {c}) || ',' || greatest({one}, {two} {c})"
    sorted_three = (
        f"least({one}, {two}, {three} {c}) || ','"
        f" || greatest(least({one}, {two} {c}), least(greatest({one}, {two} {c}), {three} {c}) {c})"
        f" || ',' || greatest({one}, {two}, {three} {c})"
    )
    general = (
        f"(SELECT CASE WHEN jsonb_typeof({column}) <> 'object' THEN NULL"
        "  WHEN bool_and(jsonb_typeof(x) IN ('string', 'boolean', 'null')"
        "       OR (jsonb_typeof(x) = 'number' AND x::text ~ '^-?[0-9]+$')) IS FALSE"
        "  THEN NULL"
        "  ELSE COALESCE('{' || string_agg(to_json(k)::text || ':' || x::text, ','"
        "                 ORDER BY k COLLATE \"C\") || '}', '{}') END"
        f" FROM jsonb_each(CASE WHEN jsonb_typeof({column}) = 'object'"
        f" THEN {column} ELSE '{{}}'::jsonb END) AS j(k, x))"
    )
    return (
        f"(CASE WHEN {column} = '{{}}'::jsonb THEN '{{}}'"
        f" WHEN {shape(1)} THEN replace({text}, '\": ', '\":')"
        f" WHEN {shape(2)} THEN replace('{{' || {sorted_two} || '}}', '\": ', '\":')"
        f" WHEN {shape(3)} THEN replace('{{' || {sorted_three} || '}}', '\": ', '\":')"
        f" ELSE {general} END)"
    )


# concat() builds the text in one call (a chain of || copies it at each
# step); the two parts that may be NULL (what SQL cannot spell) are joined
# with ||, so that the whole body is NULL then, never a different text.
_BODY_SQL = (
    """concat('{"action":', to_json(action)::text,"""
    """ ',"actor_label":', to_json(actor_label)::text,"""
    """ ',"actor_role":', to_json(actor_role)::text, ',"amounts":')"""
    " || "
    + _flat_json_sql("amounts")
    + """ || ',"at":"' || CASE WHEN at >= '1000-01-01 00:00:00+00' THEN"""
    """ to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END"""
    """ || concat('","from_status":', to_json(from_status)::text,"""
    """ ',"note":', to_json(note)::text,"""
    """ ',"prev_hash":', to_json(prev_hash)::text,"""
    """ CASE WHEN v = 1 THEN '' ELSE ',"private_digest":' || to_json(private_digest)::text END,"""
    """ ',"program":', COALESCE(program_id::text, 'null'),"""
    """ ',"proposal":', COALESCE(proposal_id::text, 'null'),"""
    """ ',"seq":', seq::text,"""
    """ ',"stage":', to_json(stage)::text,"""
    """ ',"to_status":', to_json(to_status)::text,"""
    """ CASE WHEN v = 1 THEN '' ELSE ',"v":' || v::text END, '}')"""
)

_PRIVATE_OK_SQL = (
    "CASE WHEN v < 2 THEN true"
    " WHEN private = '{}'::jsonb THEN private_digest = ''"
    " ELSE private_digest = encode(sha256(convert_to(salt || "
    + _flat_json_sql("private")
    + ", 'UTF8')), 'hex') END"
)

# Rows of the scan that the SQL did not prove good: a broken link, a gap, a
# content it could not confirm, a known head, a private part to check. Only
# these reach Python; a healthy chain of v1/v2 events sends none.
_SCAN_SQL = f"""
SELECT e.seq, e.before_seq, e.before_hash, e.public_ok, e.private_ok
FROM (
  SELECT c.seq, c.prev_hash, c.public_ok, c.private_ok,
         lag(c.seq, 1, %(after_seq)s::bigint) OVER w AS before_seq,
         lag(c.hash, 1, %(after_hash)s::varchar) OVER w AS before_hash
  FROM (
    SELECT a.seq, a.prev_hash, a.hash,
           COALESCE(encode(sha256(convert_to(a.prev_hash || {_BODY_SQL}, 'UTF8')), 'hex')
                    = a.hash, false) AND k.known_seq IS NULL AS public_ok,
           COALESCE(NOT %(check_private)s OR {_PRIVATE_OK_SQL}, false) AS private_ok
    FROM {AuditEvent._meta.db_table} a
    LEFT JOIN unnest(%(known_seqs)s::bigint[]) AS k(known_seq) ON k.known_seq = a.seq
    WHERE a.seq > %(after_seq)s AND a.seq <= %(head_seq)s
    ORDER BY a.seq
    -- OFFSET 0 keeps this subquery apart: the hashes are computed as the rows
    -- are read, and the window below keeps only these few narrow columns
    -- (merged into it, the window evaluated them on its stored wide rows,
    -- twice as slow).
    OFFSET 0
  ) c
  WINDOW w AS (ORDER BY c.seq)
) e
WHERE NOT (e.public_ok AND e.private_ok AND e.seq = e.before_seq + 1
           AND e.prev_hash = e.before_hash)
ORDER BY e.seq
"""


def body_sql_for(seqs: list[int]) -> dict[int, str | None]:
    """The SQL spelling of the hashed body of these events (tests compare it with body())."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, {_BODY_SQL} FROM {AuditEvent._meta.db_table} a"
            " WHERE seq = ANY(%s)",
            [list(seqs)],
        )
        return dict(cursor.fetchall())


def _scan_params(
    after_seq, after_hash, head_seq, known_heads, check_private=True
) -> dict:
    return {
        "check_private": check_private,
        "after_seq": after_seq,
        "after_hash": after_hash,
        "head_seq": head_seq,
        "known_seqs": [s for s in known_heads or () if after_seq < s <= head_seq],
    }


def sql_unproven(
    *, after_seq: int = 0, after_hash: str = GENESIS, known_heads=None
) -> list[tuple]:
    """(seq, before_seq, before_hash, public_ok, private_ok) of the stored events
    PostgreSQL could not prove good: what verify_stored() checks in Python."""
    head_seq, _head_hash = stored_head()
    with connection.cursor() as cursor:
        cursor.execute(
            _SCAN_SQL, _scan_params(after_seq, after_hash, head_seq, known_heads)
        )
        return cursor.fetchall()


# Chains this long are checked in parallel chunks, each on its own connection
# (threads wait on PostgreSQL, which does the work; one chunk per core, up to 4).
PARALLEL_EVENTS = 400_000
MAX_WORKERS = 4


def _chunks(
    after_seq: int, after_hash: str, head_seq: int, count: int
) -> list[tuple[int, str, int]]:
    """(after_seq, after_hash, last_seq) of `count` consecutive ranges.

    Each range starts after a stored event whose hash it links to; that event
    is the last of the range before, which verifies it. A cut where no event
    is stored is dropped (the gap is then found inside a range, as in one scan).
    """
    if count <= 1:
        return [(after_seq, after_hash, head_seq)]
    step = (head_seq - after_seq) // count
    cuts = [after_seq + step * i for i in range(1, count)]
    hashes = dict(AuditEvent.objects.filter(seq__in=cuts).values_list("seq", "hash"))
    starts = [(after_seq, after_hash)] + [(c, hashes[c]) for c in cuts if c in hashes]
    ends = [seq for seq, _hash in starts[1:]] + [head_seq]
    return [(seq, hash_, end) for (seq, hash_), end in zip(starts, ends, strict=True)]


def _scan(params: dict, schema: str | None = None) -> list[tuple]:
    """The flagged rows of one range; on a connection of its own when `schema` is given.

    Without JIT: PostgreSQL would compile the scan's expressions for every
    range (its cost estimate is high), which took 1.7 s per range on the
    2,000,000-event chain and saved nothing (issue 16).
    """
    if schema is None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(_SCAN_SQL, params)
            return cursor.fetchall()
    from django.db import connections

    own = connections[DEFAULT_DB_ALIAS]  # this thread's
    try:
        own.set_schema(schema)
        with own.cursor() as cursor:
            cursor.execute("SET jit = off")  # this connection is closed below
            cursor.execute(_SCAN_SQL, params)
            return cursor.fetchall()
    finally:
        own.close()


def verify_stored(
    *,
    after_seq: int = 0,
    after_hash: str = GENESIS,
    known_heads=None,
    check_private: bool = True,
    chunks: int | None = None,
) -> ChainReport:
    """Verify the stored chain, from the genesis or from a trusted head.

    Besides the public chain (what anyone can recompute from audit.jsonl), each
    v2 event's stored private part must still match its published digest
    (unless `check_private` is off: then it is core.chain.verify() over
    stored_records(), what the kernel's chain_verify() runs).

    The chain is recomputed by PostgreSQL (see _SCAN_SQL): only the rows it
    cannot prove good come back, and those are checked here, in Python,
    exactly as verify_stored_python() would; so the report (first broken
    event, reason, events read, head) is the same as the reference's. A long
    chain is cut into `chunks` ranges (default: one per PARALLEL_EVENTS, up to
    one per core) scanned at once on their own connections, unless the caller
    is inside a transaction (other connections would not see its events); the
    flagged rows of all ranges are then checked in order. Events appended while
    it runs are not read: the scan stops at the head found when it started.
    """
    known_heads = dict(known_heads or {})
    head_seq, head_hash = stored_head()
    if head_seq <= after_seq:
        return ChainReport(0, True, head_seq=after_seq, head_hash=after_hash)
    parallel = chunks is None and not connection.in_atomic_block
    if chunks is None:
        wanted = (head_seq - after_seq) // PARALLEL_EVENTS
        chunks = max(1, min(wanted, MAX_WORKERS, os.cpu_count() or 1))
    ranges = [
        _scan_params(low, low_hash, high, known_heads, check_private)
        for low, low_hash, high in _chunks(after_seq, after_hash, head_seq, chunks)
    ]
    if parallel and len(ranges) > 1:
        schema = connection.schema_name  # read here: each thread has its own
        with ThreadPoolExecutor(len(ranges)) as pool:
            scans = list(pool.map(lambda params: _scan(params, schema), ranges))
    else:
        scans = [_scan(params) for params in ranges]
    flagged_rows = [row for scan in scans for row in scan]
    altered: int | None = None
    for start in range(0, len(flagged_rows), 2000):
        flagged = flagged_rows[start : start + 2000]
        events = AuditEvent.objects.in_bulk(
            [row[0] for row in flagged], field_name="seq"
        )
        for seq, before_seq, before_hash, _public_ok, private_ok in flagged:
            event = events[seq]
            report = verify_records(
                [public_record(event)],
                start_seq=before_seq + 1,
                start_prev=before_hash,
                known_heads=known_heads,
            )
            if not report.ok:
                # Every event before this one was good: they are read too.
                read = before_seq - after_seq
                return ChainReport(
                    read + report.events,
                    False,
                    report.first_broken_seq,
                    report.reason,
                    report.head_seq,
                    report.head_hash,
                )
            if (
                check_private
                and altered is None
                and not private_ok
                and not private_part_matches(event)
            ):
                altered = seq
    report = ChainReport(
        head_seq - after_seq, True, head_seq=head_seq, head_hash=head_hash
    )
    return chain.with_private(report, altered)


def stored_head() -> tuple[int, str]:
    """(seq, hash) of the current schema's last event; (0, GENESIS) when empty."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return tuple(last) if last else (0, GENESIS)
