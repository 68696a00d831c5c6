"""Benchmark: many tenants in one database -- pages, size and pg_dump as tenants grow.

What it measures
----------------
The same pages at two sizes of one database: first with 10 city tenants, then
after the database has grown to N tenants (``--tenants``, default 10,000),
each made by ``tenants.services.tenant_provision`` like a real sign-up. Through
Django's test client (the whole middleware stack, templates rendered, DEBUG
off, plain HTTP):

1. on the platform host ``localhost``: **catalog search**
   (``/catalog/?q=...``, rotating over a few words), **catalog browse**
   (``/catalog/?sort=adopted``) and the **catalog detail** of Sabilulungan
   (``/catalog/sabilulungan/``), the app that every adopting tenant adopts, so
   the page whose "used by" list grows with the tenants (it shows the count
   and a page of 20 adopters: one adopter at 10 tenants, so more to render at
   N), and of E-office (``/catalog/e-office/``), whose eight adopters stay;
2. on tenant hosts ``<slug>.localhost``: a tenant's **public home** (``/``,
   rotating over up to 50 tenants spread over all of them: the module menu
   asks which hosted apps each has switched on), and Kota Bandung's
   **Sabilulungan portal** (``/grants/``) and **proposal list**
   (``/grants/proposals/``);
3. the **health check** ``/healthz``;
4. for completeness, outside the target: the platform's **landing page**
   (it counts the tenants) and its **directory** of organisations
   (``/organisations/``, paginated).

For each page: p50 and p95 (nearest rank) milliseconds of ``--requests``
requests, and the SQL statements one request runs, counted with
``CaptureQueriesContext`` on every URL of the rotation (a range when they
differ) on a request that follows one to the same URL (so the host's route is
cached, as for a site in use), django-tenants' ``SET search_path`` shown
separately. Target: p50 at N within 20 % of p50 at 10 tenants (ratio <= 1.2)
with the same number of queries.

Timings on a shared machine drift by more than 20 % over the minutes the
growth takes, so the two sizes are not measured one after the other: the
database at 10 tenants is kept as a copy (``CREATE DATABASE ... TEMPLATE``)
and, once the other has grown, both are measured in turns, each time by a
fresh child process (six per database, alternating; each warms up, then
times its share of the requests, the pages taking turns). A fresh process
also keeps what this one accumulated while growing the database out of the
timings. The tenant routes are cached for 300 s, as with the shared cache
(Redis) production uses, not the in-process default of a few seconds.

Sizes: ``pg_database_size`` at both sizes and the growth per tenant
((size at N - size at 10) / (N - 10), which includes each tenant's rows in the
public schema, its admin user and, for a tenth of them, the adoption); the
bytes of one empty tenant schema's relations (tables with their indexes and
TOAST, sequences); and ``pg_dump --schema=<Bandung's schema> --format=custom``
of the whole database to a temporary file, timed (median of three runs,
alternating between the two databases), at both sizes (pg_dump reads the
catalogue of every schema to dump one, so this shows what a per-tenant backup
costs as tenants accumulate). The pg_dump binary is the one whose major
version matches the server's (``SHOW server_version_num``): the embedded
server's own, then PostgreSQL's usual install location and ``PATH``
(bench/_common.py's ``pg_binary``).

The data, all through the project's services unless said otherwise:

- the platform tenant (``platform_ensure``), a platform operator, and 10 city
  tenants (Kota Bandung, Kota Tangerang and eight more from ``tenants.demo``)
  provisioned by admins with verified e-mail addresses and verified by the
  operator (``tenant_verify``);
- the demo catalog (``catalog.demo.APPS``: Sabilulungan, hosted by Bandung,
  and Tangerang's six apps) published with ``catalog.services.app_create`` and
  ``release_add``, and the demo's adoptions among these cities (Tangerang uses
  Sabilulungan; the others Tangerang's apps) made with ``agreement_create``,
  ``adoption_request``, ``adoption_approve`` and ``adoption_activate``;
- in Bandung, ``grants.demo.seed_grants`` (two programs, proposals in every
  state, announcements, regulations, citizens' reports) and more proposals
  taken through the same steps to reach 50;
- then the growth: tenants 11..N by ``tenant_provision``, timed one by one
  (the admin users are bulk-created 500 at a time between timed calls, and
  the connection is closed every 500 tenants as a web worker's would be after
  CONN_MAX_AGE). Every tenth new tenant adopts Sabilulungan through the same
  four catalog services, untimed, so that at the end a tenth of the tenants
  run it and the catalog's adopter counts say so. A line every 1,000 tenants
  gives the p50 of the last 1,000 provisionings and the rate;
- ``VACUUM (ANALYZE)`` at 10 tenants (before the copy) and again after the
  growth, as autovacuum would have analysed the grown public tables by then:
  of the public schema, the system catalogue and Bandung's schema, which the
  measured pages read (the other tenants' tables are empty; visiting all
  130,000 of them at 10,000 tenants would only add minutes).

E-mail goes to Django's dummy backend and uploads to a temporary MEDIA_ROOT.
Like the other scripts it never touches the developer's database: it runs in
throwaway databases ``bagipakai_bench_<pid>`` (grown) and
``bagipakai_bench_<pid>_at10`` (the copy) on the server Django would use
(bench/_common.py), dropped at the end, also on failure or SIGTERM. At 10,000
tenants the grown database takes about 9 GB of disk (see "size per tenant").

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/scale.py                        # 10,000 tenants, ~15 min on 2 CPUs
    .venv/bin/python bench/scale.py --tenants 300 --requests 50

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where bench/catalog.py
# would shadow the catalog app: the repository root goes first, bench/ not at all.
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench._common import (  # noqa: E402 -- needs the sys.path above
    Server,
    copy_database,
    drop_database,
    install_sigterm_handler,
    nearest_rank,
    point_django_at,
    throwaway_database,
)
from bench.scale_const import (  # noqa: E402
    BANDUNG,
    BASE_DOMAIN,
    DUMPS,
    HOME_HOSTS,
    ROUNDS,
    SABILULUNGAN,
    SEARCHES,
    SMALL,
    TARGET_LINE,
    TARGET_RATIO,
)
from bench.scale_sizes import (  # noqa: E402
    Dump,
    Sizes,
    measure_sizes,
    pg_dump_schema,
    pg_dump_tool,
)
from bench.scale_world import (  # noqa: E402
    World,
    check_adopter_counts,
    grow,
    setup_world,
    vacuum_analyze,
)

# --- pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    page: str
    size: int  # tenants
    durations: tuple[float, ...]  # seconds
    queries: tuple[int, ...]  # per URL of the rotation
    search_path: tuple[int, ...]  # of which SET search_path

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.durations) * 1000

    @property
    def p95_ms(self) -> float:
        return nearest_rank(self.durations, 0.95) * 1000


TARGET_PAGES = (
    "catalog search",
    "catalog browse",
    "catalog detail (Sabilulungan)",
    "catalog detail (E-office)",
    "tenant home",
    "Sabilulungan portal (Bandung)",
    "proposal list (Bandung)",
    "health check",
)


def _home_hosts() -> list[str]:
    """Up to HOME_HOSTS tenant hosts spread evenly over every tenant."""
    from tenants.models import Domain

    domains = list(
        Domain.objects.exclude(tenant__kind="platform")
        .order_by("tenant_id")
        .values_list("domain", flat=True)
    )
    step = max(1, len(domains) // HOME_HOSTS)
    return domains[::step][:HOME_HOSTS]


def rotation() -> dict[str, list[tuple[str, str]]]:
    """Page -> the (host, path) pairs its requests rotate over."""
    bandung = f"{BANDUNG}.{BASE_DOMAIN}"
    return {
        "catalog search": [(BASE_DOMAIN, f"/catalog/?q={q}") for q in SEARCHES],
        "catalog browse": [(BASE_DOMAIN, "/catalog/?sort=adopted")],
        "catalog detail (Sabilulungan)": [(BASE_DOMAIN, f"/catalog/{SABILULUNGAN}/")],
        "catalog detail (E-office)": [(BASE_DOMAIN, "/catalog/e-office/")],
        "tenant home": [(host, "/") for host in _home_hosts()],
        "Sabilulungan portal (Bandung)": [(bandung, "/grants/")],
        "proposal list (Bandung)": [(bandung, "/grants/proposals/")],
        "health check": [(BASE_DOMAIN, "/healthz")],
        "platform landing (not in target)": [(BASE_DOMAIN, "/")],
        "organisation directory (not in target)": [(BASE_DOMAIN, "/organisations/")],
    }


def _get(client, host: str, path: str):
    response = client.get(path, HTTP_HOST=host)
    if response.status_code != 200:
        raise SystemExit(f"FAIL: GET {host}{path} answered {response.status_code}")
    return response


def _count_queries(client, host: str, path: str) -> tuple[int, int, list[dict]]:
    """Statements of one request right after another to the same URL, so that
    the host's route is cached as it is for a site in use."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _get(client, host, path)
    with CaptureQueriesContext(connection) as captured:
        _get(client, host, path)
    statements = captured.captured_queries
    return (
        len(statements),
        sum(q["sql"].startswith("SET search_path") for q in statements),
        statements,
    )


def measure_pages(tenants: int, requests: int, warmup: int) -> list[Row]:
    """Time every page, round-robin so that a busy moment hits all pages alike."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    pages = rotation()
    # Every URL of a rotation at least once: a page rotating over 50 tenant
    # hosts must not time first visits (a route not yet cached, PostgreSQL's
    # first lookups in that schema) at one size and repeat visits at the other.
    for pairs in pages.values():
        for i in range(max(warmup, len(pairs))):
            _get(client, *pairs[i % len(pairs)])
    durations: dict[str, list[float]] = {page: [] for page in pages}
    for i in range(requests):
        for page, pairs in pages.items():
            host, path = pairs[i % len(pairs)]
            started = time.perf_counter()
            _get(client, host, path)
            durations[page].append(time.perf_counter() - started)
    rows = []
    # Counting records every statement, so it runs apart from the timed requests.
    for page, pairs in pages.items():
        counts = [_count_queries(client, host, path)[:2] for host, path in pairs]
        rows.append(
            Row(
                page,
                tenants,
                tuple(durations[page]),
                tuple(total for total, _set in counts),
                tuple(set_calls for _total, set_calls in counts),
            )
        )
    return rows


def measure_in_child(
    server: Server, dbname: str, tenants: int, requests: int, warmup: int
) -> list[Row]:
    """measure_pages() in a fresh process on database `dbname`: the same start at
    both sizes, and nothing this process accumulated while growing weighs on it."""
    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure-child",
            str(tenants),
            "--requests",
            str(requests),
            "--warmup",
            str(warmup),
        ],
        env={**os.environ, "DATABASE_URL": server.url_for(dbname)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"FAIL: measuring child failed:\n{result.stderr}{result.stdout}"
        )
    rows = json.loads(result.stdout.strip().splitlines()[-1])
    return [
        Row(
            r["page"],
            r["size"],
            tuple(r["durations"]),
            tuple(r["queries"]),
            tuple(r["search_path"]),
        )
        for r in rows
    ]


def measure_alternately(
    server: Server,
    sizes: dict[int, str],
    requests: int,
    warmup: int,
) -> dict[int, list[Row]]:
    """Both databases in turns (ROUNDS child processes each, alternating), so
    that the machine's load over the minutes of measuring weighs on both alike."""
    measured: dict[int, list[list[Row]]] = {size: [] for size in sizes}
    per_round = max(1, math.ceil(requests / ROUNDS))
    for _round in range(ROUNDS):
        for size, dbname in sizes.items():
            measured[size].append(
                measure_in_child(server, dbname, size, per_round, warmup)
            )
    merged: dict[int, list[Row]] = {}
    for size, rounds in measured.items():
        merged[size] = [
            Row(
                first.page,
                size,
                tuple(d for rows in rounds for d in rows[index].durations),
                tuple(sorted({q for rows in rounds for q in rows[index].queries})),
                tuple(sorted({q for rows in rounds for q in rows[index].search_path})),
            )
            for index, first in enumerate(rounds[0])
        ]
    return merged


def explain_slowest(per_page: int = 2) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each page's slowest statements, first URL only."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.DEBUG = True  # statement times in captured queries
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    for page, pairs in rotation().items():
        host, path = pairs[0]
        _total, _set, statements = _count_queries(client, host, path)
        print(f"\n## {page}: {host}{path}")
        slowest = sorted(statements, key=lambda q: -float(q["time"]))[:per_page]
        for query in slowest:
            sql = query["sql"]
            print(f"-- {float(query['time']) * 1000:.1f} ms: {sql[:300]}")
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                print("\n".join("   " + row[0] for row in cursor.fetchall()))
    settings.DEBUG = False


# --- report ----------------------------------------------------------------------------


def _span(values: tuple[int, ...]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def _queries(row: Row) -> str:
    return f"{_span(row.queries)} ({_span(row.search_path)} SET)"


def _mb(value: int) -> str:
    return f"{value / 1024 / 1024:,.1f} MB"


def _dump(dumps: list[Dump]) -> str:
    seconds = statistics.median(d.seconds for d in dumps)
    return f"{seconds:.2f} s, {dumps[0].bytes / 1024:,.0f} kB"


def print_report(
    small: list[Row],
    large: list[Row],
    sizes: tuple[Sizes, Sizes],
    dumps: tuple[list[Dump], list[Dump]] | None,
    dump_note: str,
    world: World,
    vacuum_seconds: float,
) -> None:
    n = large[0].size
    print()
    print(
        f"| page | p50/p95 ms at {SMALL} | p50/p95 ms at {n:,} | ratio p50 "
        f"| queries at {SMALL} | queries at {n:,} | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    failed = []
    for before, after in zip(small, large, strict=True):
        ratio = after.p50_ms / before.p50_ms
        same_queries = set(before.queries) == set(after.queries)
        if before.page in TARGET_PAGES:
            ok = ratio <= TARGET_RATIO and same_queries
            verdict = "PASS" if ok else "FAIL"
            if not ok:
                failed.append(before.page)
        else:
            verdict = "—"
        print(
            f"| {before.page} | {before.p50_ms:.1f} / {before.p95_ms:.1f} "
            f"| {after.p50_ms:.1f} / {after.p95_ms:.1f} | {ratio:.2f} "
            f"| {_queries(before)} | {_queries(after)} | {verdict} |"
        )
    print()
    print(TARGET_LINE)
    print(
        "pages: "
        + ("all within target" if not failed else "OVER target: " + "; ".join(failed))
    )

    at_small, at_large = sizes
    per_tenant = (at_large.database_bytes - at_small.database_bytes) / max(1, n - SMALL)
    print()
    print(f"| database | at {SMALL} tenants | at {n:,} tenants |")
    print("|---|---:|---:|")
    print(
        f"| pg_database_size | {_mb(at_small.database_bytes)} "
        f"| {_mb(at_large.database_bytes)} |"
    )
    print(
        f"| size per tenant, (at N - at {SMALL}) / (N - {SMALL}) | "
        f"| {per_tenant / 1024:,.0f} kB |"
    )
    print(
        f"| one empty tenant schema's relations "
        f"| {at_small.empty_schema_bytes / 1024:,.0f} kB "
        f"| {at_large.empty_schema_bytes / 1024:,.0f} kB |"
    )
    if dumps is not None:
        print(
            f"| pg_dump of Bandung's schema (custom format, median of {DUMPS}) "
            f"| {_dump(dumps[0])} | {_dump(dumps[1])} |"
        )
    print(f"(pg_dump: {dump_note})")

    durations = world.provisioning
    print()
    if durations:
        print(
            f"provisioning tenants {SMALL + 1:,}..{n:,}: "
            f"p50 {statistics.median(durations) * 1000:.0f} ms, "
            f"p95 {nearest_rank(durations, 0.95) * 1000:.0f} ms, "
            f"sum {sum(durations):.0f} s"
        )
        per_thousand = [
            f"{statistics.median(durations[i : i + 1000]) * 1000:.0f}"
            for i in range(0, len(durations), 1000)
        ]
        print(f"p50 ms per 1,000 provisionings: {', '.join(per_thousand)}")
    print(
        f"Sabilulungan adopters: {world.adopters:,} of {world.tenants:,} tenants; "
        f"VACUUM (ANALYZE) after the growth took {vacuum_seconds:.1f} s"
    )
    print()


def _at_least_small(value: str) -> int:
    number = int(value)
    if not SMALL < number <= 100_000:
        raise argparse.ArgumentTypeError(
            f"must be more than {SMALL} and at most 100000"
        )
    return number


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Pages, database size and pg_dump at 10 tenants and at N tenants.",
    )
    parser.add_argument(
        "--tenants",
        type=_at_least_small,
        default=10_000,
        help="tenants in the grown database (default 10000)",
    )
    parser.add_argument(
        "--requests",
        type=_positive,
        default=200,
        help="timed requests per page and size (default 200)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="untimed requests per page in each measuring process, at least one "
        "per URL the page rotates over (default 10)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each page's slowest statements at N tenants",
    )
    # Internal: the child process that measures the pages (measure_in_child).
    parser.add_argument("--measure-child", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _setup_django() -> None:
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As in the test suite: whitenoise finds no collectstatic output, fine here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if (
        args.measure_child is not None
    ):  # the parent's environment already points at the database
        _setup_django()
        rows = measure_pages(args.measure_child, args.requests, args.warmup)
        print(json.dumps([row.__dict__ for row in rows]))
        return 0
    install_sigterm_handler()
    run_started = time.perf_counter()
    media = tempfile.mkdtemp(prefix="bagipakai-scale-media-")
    try:
        with throwaway_database() as (server, name):
            point_django_at(
                server,
                name,
                HTTPS="0",
                STATIC_MANIFEST="0",
                BASE_DOMAIN=BASE_DOMAIN,
                ALLOWED_HOSTS=f"{BASE_DOMAIN},.{BASE_DOMAIN}",
                EMAIL_URL="",
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
                MEDIA_ROOT=media,
                # As with a shared cache (Redis): routes stay cached for a site
                # in use; the in-process default of a few seconds would turn the
                # rotation over 50 tenant homes into misses.
                TENANT_ROUTING_CACHE_TIMEOUT="300",
            )
            _setup_django()
            small_name = f"{name}_at{SMALL}"
            try:
                run(args, server, name, small_name)
            finally:
                from django.db import connections

                connections.close_all()
                drop_database(server, small_name)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


def run(args: argparse.Namespace, server: Server, name: str, small_name: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Tenant
    from tenants.schema import template_sync_on_startup

    print(f"server: {server.description}; throwaway databases {name}, {small_name}")
    print(f"PostgreSQL server version {connection.pg_version}; {os.cpu_count()} CPUs")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    # What config/wsgi.py does when a web process starts.
    template_sync_on_startup()
    print(f"setup: migrate + template schema in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    world = setup_world()
    check_adopter_counts(world)
    vacuum_analyze()
    sizes_small = measure_sizes()
    print(
        f"setup: platform, {SMALL} cities, catalog, adoptions, Bandung's grants "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    # The database at 10 tenants is kept as a copy, to be measured side by side
    # with the grown one.
    connection.close()
    copy_database(server, name, small_name)

    started = time.perf_counter()
    print(f"growing to {args.tenants:,} tenants ...", flush=True)
    grow(world, args.tenants)
    connection.close()
    check_adopter_counts(world)
    print(
        f"grew to {world.tenants:,} tenants in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    vacuum_seconds = vacuum_analyze()
    sizes_large = measure_sizes()

    started = time.perf_counter()
    rows = measure_alternately(
        server, {SMALL: small_name, world.tenants: name}, args.requests, args.warmup
    )
    print(
        f"measured both sizes in {time.perf_counter() - started:.1f} s "
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)",
        flush=True,
    )

    tool, dump_note = pg_dump_tool()
    dumps = None
    if tool is not None:
        schema = Tenant.objects.get(slug=BANDUNG).schema_name
        small_dumps: list[Dump] = []
        large_dumps: list[Dump] = []
        for _ in range(DUMPS):
            small_dumps.append(pg_dump_schema(tool, server, small_name, schema))
            large_dumps.append(pg_dump_schema(tool, server, name, schema))
        dumps = (small_dumps, large_dumps)
    print_report(
        rows[SMALL],
        rows[world.tenants],
        (sizes_small, sizes_large),
        dumps,
        dump_note,
        world,
        vacuum_seconds,
    )
    if args.explain:
        explain_slowest()


if __name__ == "__main__":
    sys.exit(main())
