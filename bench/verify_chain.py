"""Benchmark: verifying a tenant's audit chain from its last anchored head vs in full.

What it measures
----------------
One institution tenant gets ``--events`` grants audit events (default
200,000; inserted in bulk with their hashes computed by the grants chain's
own ``body``, as the service would have), the anchoring job
(``tenants.anchoring.chains_anchor``) records its head, then ``--new``
(default 100) more events are appended. It then times, ``--repeat`` times each:

1. **incremental** -- ``chain_verify(tenant, chain)``: the anchored batch's
   digest, the stored event at the anchor, then only the newer events;
2. **full** -- ``chain_verify(tenant, chain, full=True)``: every event from
   the first, against every anchor;

and prints p50 and max seconds and the events each read. It runs in a
throwaway database (bench/_common.py) that is dropped at the end.

With ``--keep-db NAME`` it seeds nothing and measures the chain of an existing
tenant (``--tenant``, default ``bandung``) in a kept database, e.g. the one
``bench/grants.py --keep-db`` filled with 2,000,000 events:

1. **full, in the database** -- ``chain_verify(tenant, chain, full=True)``
   through the kernel, which runs the chain's registered ``verify``
   (``grants.audit.verify_stored``: recomputed by PostgreSQL);
2. **full, Python** -- the same with the Python path
   (``core.chain.verify`` over ``stored_records``; ``--no-python`` skips it);
3. **a day's events** -- ``verify_stored(after_seq=head - N, ...)`` with
   ``--day`` N events after a trusted head (default 20,000: a province's busy
   day), which is what the incremental ``chain_verify`` runs after checking
   the anchored event; in the database and in Python.

    .venv/bin/python bench/verify_chain.py                     # 200,000 events
    .venv/bin/python bench/verify_chain.py --events 20000 --new 50
    .venv/bin/python bench/verify_chain.py --keep-db bagipakai_bigtenant

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench._common import (  # noqa: E402 -- needs the sys.path above
    detect_server,
    install_sigterm_handler,
    nearest_rank,
    point_django_at,
    throwaway_database,
)


def seed_events(count: int) -> None:
    from core import chain as chainlib
    from grants import audit
    from grants.models import AuditEvent
    from tenants.chains import chain_get

    body = chain_get("grants").body
    seq, prev = audit.stored_head()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for number in range(count):
        seq += 1
        event = AuditEvent(
            seq=seq,
            at=start + timedelta(seconds=seq),
            action="created",
            actor_role="tata_usaha",
            actor_label="Petugas",
            amounts={"requested": 1000 * seq},
            note=f"Catatan {seq}",
            prev_hash=prev,
        )
        event.hash = chainlib.link(prev, body(audit.public_record(event)))
        prev = event.hash
        batch.append(event)
        if len(batch) == 5000 or number == count - 1:
            AuditEvent.objects.bulk_create(batch)
            batch = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep-db", metavar="NAME", help="measure an existing tenant's chain there"
    )
    parser.add_argument("--tenant", default="bandung")
    parser.add_argument("--day", type=int, default=20_000)
    parser.add_argument("--no-python", action="store_true")
    args = parser.parse_args()
    install_sigterm_handler()
    if args.keep_db:
        measure_kept(args)
        return
    with throwaway_database() as (server, name):
        point_django_at(server, name, HTTPS="0")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django_tenants.utils import tenant_context

        from tenants.anchoring import chain_verify, chains_anchor
        from tenants.chains import chain_get
        from tenants.models import User
        from tenants.services import platform_ensure, tenant_provision

        print(f"server: {server.description}; throwaway database {name}")
        call_command("migrate", interactive=False, verbosity=0)
        platform_ensure()
        admin = User.objects.create_user(email="bench@example.test", password=None)
        tenant = tenant_provision(
            actor=admin,
            name="RSUD Bench",
            kind="lembaga",
            seat_region_code="32.73",
            slug="bench",
        )
        started = time.perf_counter()
        with tenant_context(tenant):
            seed_events(args.events)
        connection.set_schema_to_public()
        print(f"seeded {args.events} events in {time.perf_counter() - started:.1f} s")
        run = chains_anchor()
        print(f"anchored {len(run.anchors)} head(s) in log entry {run.event.seq}")
        with tenant_context(tenant):
            seed_events(args.new)
        connection.set_schema_to_public()
        chain = chain_get("grants")
        for label, full in (("incremental", False), ("full", True)):
            times, read = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = chain_verify(tenant, chain, full=full)
                times.append(time.perf_counter() - started)
                assert result.ok, result
                read = result.events_read
            print(
                f"{label:12s} events read {read:>8d}  p50 {nearest_rank(times, 0.5):8.4f} s"
                f"  max {max(times):8.4f} s"
            )


def _timed(label: str, repeat: int, run) -> None:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
        assert result.ok, result
    read = getattr(result, "events_read", None) or getattr(result, "events", 0)
    print(
        f"| {label} | {read:,} | {nearest_rank(times, 0.5):.2f} | {max(times):.2f} "
        f"| {repeat} |",
        flush=True,
    )


def measure_kept(args) -> None:
    from dataclasses import replace

    server = detect_server()
    point_django_at(server, args.keep_db, HTTPS="0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from grants import audit
    from grants.models import AuditEvent
    from tenants.anchoring import chain_verify
    from tenants.chains import chain_get
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=args.tenant)
    chain = chain_get("grants")
    with tenant_context(tenant):
        head_seq, _head = audit.stored_head()
        start = max(0, head_seq - args.day)
        start_hash = (
            AuditEvent.objects.filter(seq=start).values_list("hash", flat=True).first()
            or audit.GENESIS
        )
    print(f"server: {server.description}; kept database {args.keep_db}")
    print(f"tenant {args.tenant}: {head_seq:,} events; load {os.getloadavg()}")
    print("\n| check | events read | p50 s | max s | runs |\n|---|---:|---:|---:|---:|")

    def day(check):
        def run():
            with tenant_context(tenant):
                return check(after_seq=start, after_hash=start_hash)

        return run

    _timed(
        f"a day ({args.day:,} events after a trusted head), in the database",
        args.repeat,
        day(audit.verify_stored),
    )
    _timed(
        f"a day ({args.day:,} events after a trusted head), Python",
        args.repeat,
        day(audit.verify_stored_python),
    )
    connection.set_schema_to_public()
    _timed(
        "full, in the database (`chain_verify(full=True)`)",
        max(1, args.repeat // 2),
        lambda: chain_verify(tenant, chain, full=True),
    )
    if not args.no_python:
        _timed(
            "full, Python (`core.chain.verify` over `stored_records`)",
            1,
            lambda: chain_verify(tenant, replace(chain, verify=None), full=True),
        )
    print(f"load afterwards {os.getloadavg()}")


if __name__ == "__main__":
    main()
