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

    .venv/bin/python bench/verify_chain.py                     # 200,000 events
    .venv/bin/python bench/verify_chain.py --events 20000 --new 50

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
    args = parser.parse_args()
    install_sigterm_handler()
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


if __name__ == "__main__":
    main()
