"""Benchmark: Sabilulungan's public pages, open-data exports and audit chain at scale.

What it measures
----------------
One city tenant (Kota Bandung) runs the hosted grants module with, at full
size, 100,000 proposals and 1,000,000 hash-chained audit events. Through
Django's test client on the tenant's host (``Client(HTTP_HOST="bandung.localhost")``,
the whole middleware stack, templates rendered, DEBUG off):

1. **list, filters** -- ``/grants/proposals/?...``, rotating over status,
   kecamatan, requested-amount range, program and fiscal year, alone and
   combined (values picked from the data so every URL matches proposals at
   both sizes).
2. **list, unfiltered pages** -- ``/grants/proposals/`` page 1, page 2, the
   middle page and the last page (deep OFFSETs).
3. **list, text search** -- ``/grants/proposals/?q=...`` (title or
   organisation name, ``icontains``; the newest 200 matches, see
   docs/scaling.md "One big tenant").
4. **program totals** -- ``/grants/programs/<id>/``, rotating over programs.
5. **portal home** -- ``/grants/`` (totals over every program and proposal).
6. **statistics** -- ``/grants/statistics/`` (by year, kind and kecamatan) and
   **proposal + timeline** -- ``/grants/proposals/<id>/`` (its audit events out
   of the million), rotating over 20 proposals; neither is in the issue's
   target, both are shown for completeness.

Every page is timed at two data sizes in one run: first with 1,000 proposals
and 10,000 events (scaled from ``--proposals``/``--events``), then after the
tenant has grown to the full size. The script prints p50, p95 (nearest rank)
and max milliseconds of N requests per page and size (after a warm-up; the
pages take turns, so that a moment when the machine is busy slows them all
alike), and the SQL statements one request runs, counted with
``CaptureQueriesContext`` on every URL of the rotation (a range when they
differ); django-tenants' ``SET search_path`` statements are counted in the
total and shown separately. Target: p95 under 100 ms and the same number of
queries per page at both sizes.

Then, at both sizes, each in a fresh child process (so that memory is not
hidden by what seeding left in this one):

7. **full JSON export** ``/open-data/grants.json`` and **CSV export**
   ``/open-data/grants.csv``: the streaming response is consumed chunk by chunk
   and only its bytes are counted. Reported: wall time, statements run,
   growth of the resident set over the child's warmed-up baseline (psutil
   sampling every 2 ms), the child's peak RSS since it started (``VmHWM`` in
   /proc/self/status; not ``ru_maxrss``, which Linux carries over from the
   parent through fork and exec), and, in a
   second pass under ``tracemalloc``, the peak of Python allocations.
   Target: under 150 MB whatever the row count.
8. **chain verification**: ``grants.audit.verify_stored()`` over every event,
   timed and measured the same way; it must say the chain is intact.

The data (reproducible with ``--seed``): the platform tenant and Bandung made
by ``tenants.services`` (``platform_ensure``, ``tenant_provision`` by an admin
with a verified e-mail address, ``tenant_verify`` by a platform operator), the
hosted catalog entry ``sabilulungan`` published by Bandung through
``catalog.services.app_create`` (which switches the grants module on), and
eight programs (hibah and bansos, fiscal years 2023-2026, the default six
Sabilulungan review stages) made with ``grants.services.program_create``,
``program_set_status`` and ``program_update``. Inside Bandung's schema, 2,000
applicants (organisations, and individuals with valid 16-digit NIKs of
Bandung's kecamatan) and their users are bulk-created; proposals are written
with COPY, spread over the eleven statuses, the stages, 30 kecamatan, the
programs and years, with amounts that obey the model's constraints
(recommended <= requested, approved <= recommended, disbursed in tranches up to
the approved amount, spent <= disbursed; submitted_at set for every
non-draft). Each proposal's audit events replay the steps that brought it to
its status exactly as ``grants.services.proposal_transition`` records them
(actions, statuses, stage names, roles, officials' names, amounts including
the program's running committed total, public reasons); revision cycles and
budget corrections are added to reach exactly ``--events`` events. Hashes are
computed with ``grants.audit.public_record`` and ``grants.audit.digest``, the
events of a seeding step are merged in time order and COPYed in batches of
10,000. (``at`` increases with ``seq`` within each seeding step, not across
the program events made by the services or across the two steps; nothing
checks it.) Budget lines, documents, stage reviews and disbursement rows are
not seeded: no measured page reads them. Then VACUUM (ANALYZE), so that the
statistics and the visibility map are those of a table autovacuum has seen.

It never touches the developer's database: it runs in a throwaway database
``bagipakai_bench_<pid>`` on the same server (see bench/_common.py), migrated
first and dropped at the end, also on failure or SIGTERM.

One big tenant (issue 16): ``--keep-db NAME`` seeds the full size once
into database NAME on the same server (created when missing, never dropped)
and later runs find the data there, apply new migrations (their time is
printed: index builds on a million rows) and measure the full size only,
with the page cache off (``PAGE_CACHE_SECONDS=0``: every request renders).
``make bench-bigtenant`` runs it at 1,000,000 proposals and 2,000,000 events,
then ``bench/verify_chain.py --keep-db`` on the same chain.

The code is split by concern in bench/grants_bench/ (data, seed, pages,
probes, report); this file is the entry point.

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/grants.py                              # 100,000 / 1,000,000; a few minutes
    .venv/bin/python bench/grants.py --proposals 5000 --events 50000 --requests 30
    .venv/bin/python bench/grants.py --explain                    # EXPLAIN ANALYZE of the slowest statements
    .venv/bin/python bench/grants.py --try-sql "CREATE INDEX ..." # measure again with a candidate index
    .venv/bin/python bench/grants.py --keep-db bagipakai_bench_bigtenant --proposals 1000000 --events 2000000

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where this very file
# would shadow the grants app: the repository root goes first, bench/ not at all.
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

# The rest of the benchmark lives in bench/grants_bench/ (data, seeding, pages,
# probes, report); this file is the entry point.
from bench._common import (  # noqa: E402 -- needs the sys.path above
    install_sigterm_handler,
    kept_database,
    point_django_at,
    throwaway_database,
)
from bench.grants_bench.constants import (  # noqa: E402
    BASE_DOMAIN,
    SLUG,
    SMALL_PROPOSALS,
)
from bench.grants_bench.pages import (  # noqa: E402
    Row,
    detail_rotation,
    explain,
    filter_rotation,
    measure_pages,
    rotation,
)
from bench.grants_bench.probes import (  # noqa: E402
    PROBES,
    ProbeRow,
    _trim,
    probe,
    run_probes,
)
from bench.grants_bench.report import print_report, print_url_breakdown  # noqa: E402
from bench.grants_bench.seed import Seed, grow, prepare, vacuum_analyze  # noqa: E402

# --- main ------------------------------------------------------------------------


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time Sabilulungan's public pages, exports and chain check at two data sizes.",
    )
    parser.add_argument(
        "--proposals",
        type=_positive,
        default=100_000,
        help="proposals at full size (default 100000)",
    )
    parser.add_argument(
        "--events",
        type=_positive,
        default=1_000_000,
        help="audit events at full size (default 1000000)",
    )
    parser.add_argument(
        "--requests",
        type=_positive,
        default=100,
        help="timed requests per page and data size (default 100)",
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="untimed requests first (default 10)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed of the data (default 1)"
    )
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the second, traced pass of each export and check",
    )
    parser.add_argument(
        "--no-probes",
        action="store_true",
        help="skip the exports and the chain check (pages only)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the slowest statements at full size",
    )
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="seed the full size once into database NAME on the same server and keep "
        "it: later runs find the data there, apply new migrations and measure the "
        "full size only (no small size, nothing seeded again)",
    )
    parser.add_argument(
        "--try-sql",
        action="append",
        default=[],
        metavar="SQL",
        help="after measuring, run SQL in the tenant's schema (e.g. CREATE "
        "INDEX ...), VACUUM (ANALYZE), and measure the pages again; repeatable",
    )
    # Internal: the child process that measures one export or the chain check.
    parser.add_argument(
        "--probe", choices=[k for k, _l in PROBES], help=argparse.SUPPRESS
    )
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is None and args.proposals <= SMALL_PROPOSALS:
        parser.error(f"--proposals must be more than {SMALL_PROPOSALS}")
    return args


def _setup_django() -> None:
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As in the test suite: whitenoise finds no collectstatic output, fine here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


def _point_and_setup(server, name) -> None:
    point_django_at(
        server,
        name,
        HTTPS="0",
        STATIC_MANIFEST="0",
        BASE_DOMAIN=BASE_DOMAIN,
        ALLOWED_HOSTS=f"{BASE_DOMAIN},.{BASE_DOMAIN}",
        # Mail stays in memory (no step here should send any).
        EMAIL_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Every request renders: the page cache would answer repeats from memory.
        PAGE_CACHE_SECONDS="0",
    )
    _setup_django()


def run_throwaway(args, server, name) -> None:
    _point_and_setup(server, name)
    from django.core.management import call_command
    from django.db import connection

    from grants.open_data import published

    print(f"server: {server.description}; throwaway database {name}")
    print(f"PostgreSQL server version {connection.pg_version}; {os.cpu_count()} CPUs")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"setup: migrate + template schema in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    seed = prepare(args.seed, args.proposals)
    print(
        f"setup: tenant, catalog entry, programs, 2,000 applicants, pre-pass in {time.perf_counter() - started:.1f} s"
    )

    small_events = max(1, round(args.events * SMALL_PROPOSALS / args.proposals))
    rows: list[Row] = []
    probes: list[ProbeRow] = []
    published_count: dict[str, int] = {}
    filtered: list[str] = []
    detail_ids: list[int] = []
    for proposals, events in (
        (SMALL_PROPOSALS, small_events),
        (args.proposals, args.events),
    ):
        started = time.perf_counter()
        print(
            f"seeding up to {proposals:,} proposals and {events:,} events ...",
            flush=True,
        )
        grow(seed, proposals, events)
        print(
            f"seeded {seed.label} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        connection.set_tenant(seed.tenant)
        published_count[seed.label] = published().count()
        if not filtered:
            filtered = filter_rotation(seed)
            detail_ids = detail_rotation()
        urls = rotation(seed, filtered, detail_ids)
        _trim()
        started = time.perf_counter()
        size_rows = measure_pages(seed, urls, args.requests, args.warmup)
        rows += size_rows
        print(
            f"measured pages at {seed.label} in {time.perf_counter() - started:.1f} s "
            f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)",
            flush=True,
        )
        probes += run_probes(seed, not args.no_tracemalloc)
    print_report(rows, probes, published_count)
    print_url_breakdown(size_rows)
    if args.explain:
        explain(seed, size_rows)
    if args.try_sql:
        connection.set_tenant(seed.tenant)
        with connection.cursor() as cursor:
            for statement in args.try_sql:
                started = time.perf_counter()
                cursor.execute(statement)
                print(f"\ntry-sql ({time.perf_counter() - started:.1f} s): {statement}")
        vacuum_analyze()
        label = seed.label + " + try-sql"
        tried = measure_pages(seed, urls, args.requests, args.warmup, label=label)
        print_report(size_rows + tried, [], published_count)
        print_url_breakdown(tried)
        if args.explain:
            explain(seed, tried)


def run_kept(args, server, name) -> None:
    """Seed once (full size only) into a kept database; later runs reuse it."""
    _point_and_setup(server, name)
    from django.core.management import call_command
    from django.db import connection

    from grants.models import AuditEvent, Proposal
    from grants.open_data import published
    from tenants.models import Tenant

    print(f"server: {server.description}; kept database {name}")
    print(f"PostgreSQL server version {connection.pg_version}; {os.cpu_count()} CPUs")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"setup: migrate in {time.perf_counter() - started:.1f} s")
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        started = time.perf_counter()
        seed = prepare(args.seed, args.proposals)
        print(
            f"setup: tenant, programs, applicants, pre-pass in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        grow(seed, args.proposals, args.events)
        print(
            f"seeded {seed.label} in {time.perf_counter() - started:.1f} s", flush=True
        )
    else:
        connection.set_tenant(tenant)
        seed = Seed(tenant, None, None, None)
        seed.proposals = Proposal.objects.count()
        seed.events = AuditEvent.objects.count()
        print(f"reusing {seed.label} in {name} (nothing seeded)")
    connection.set_tenant(seed.tenant)
    published_count = {seed.label: published().count()}
    urls = rotation(seed, filter_rotation(seed), detail_rotation())
    _trim()
    started = time.perf_counter()
    rows = measure_pages(seed, urls, args.requests, args.warmup)
    print(
        f"measured pages at {seed.label} in {time.perf_counter() - started:.1f} s "
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    probes = [] if args.no_probes else run_probes(seed, not args.no_tracemalloc)
    print_report(rows, probes, published_count)
    print_url_breakdown(rows)
    if args.explain:
        explain(seed, rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe:  # the child: the parent's environment already points at the database
        _setup_django()
        print(json.dumps(probe(args.probe, args.schema, not args.no_tracemalloc)))
        return 0

    install_sigterm_handler()
    run_started = time.perf_counter()
    if args.keep_db:
        with kept_database(args.keep_db) as (server, name, _created):
            run_kept(args, server, name)
    else:
        with throwaway_database() as (server, name):
            run_throwaway(args, server, name)
    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
