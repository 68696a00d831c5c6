"""Benchmark: the public catalog's pages -- search with facets, browse, detail.

What it measures
----------------
Five requests to the platform host through Django's test client
(``Client(HTTP_HOST="localhost")``, the whole middleware stack, templates
rendered, DEBUG off):

1. **search + facets** -- ``/catalog/?q=...&category=...``, rotating over a few
   queries: Indonesian and English words, a word prefix, and the typo
   ``sabilungan`` that only the typo search (words of the names within typo
   distance) finds.
2. **browse + facets** -- ``/catalog/?sort=adopted`` (no query, every facet
   counts the whole catalog, apps ordered by their number of active adopters).
3. **filters + facets** -- ``/catalog/?category=...&license=...``, rotating
   over combinations of several facets (several values of one, other sorts)
   without a search.
4. **detail** -- ``/catalog/<slug>/``, rotating over apps.
5. **API search** -- ``/api/v1/apps/?q=...&category=...``, the same queries, if
   ``catalog.urls_api`` can be imported (the API may not exist yet).

Every page is timed at two data sizes: first with 10 apps and 200 adoptions,
then again after the catalog has grown to 1,000 apps and 20,000 adoptions.
The script prints p50, p95 (nearest rank) and max milliseconds of N requests
per page and size (after a warm-up; the pages take turns, so that a moment when
the machine is busy slows them all alike -- the load average is printed too,
as timings on a shared machine vary), and the SQL queries one request runs,
counted with ``CaptureQueriesContext`` on every URL of the rotation (a range
when they differ). django-tenants sends a ``SET search_path`` before every
statement (one per cursor); they are counted in the total and shown separately.
Target: p95 under 50 ms, and the same number of queries per page at both sizes.

The data (seeded with ``bulk_create``, reproducible with ``--seed``): 40 city
tenants (rows and ``<slug>.localhost`` domains, no schemas: catalog pages only
read the public schema) and the platform tenant; apps with Indonesian and
English names, descriptions and features built from word lists, publiccode.yml
categories, varied delivery modes, development statuses and licences, one to
four releases each, written to publiccode.yml's rules as the publishing form
would have them (long descriptions of 150 characters or more, English whole or
absent, a contractor for each app maintained by contract: their exports are
valid, tests/catalog/test_bench_seed.py); 20 adopters per app (mostly active,
some requested, approved or ended) and one agreement per publisher-adopter
pair. The search
vectors are filled by one SQL UPDATE that mirrors
``catalog.services._refresh_search_vector``; the script checks on a sample that
both give the same vector and fails loudly if they drift apart. Then ANALYZE.

Like bench/provisioning.py it never touches the developer's database: it runs
in a throwaway database ``bagipakai_bench_<pid>`` on the same server (see
bench/_common.py), migrated first and dropped at the end, also on failure.

Issue #14's size without seeding it every run: ``--keep-db NAME`` seeds
``--apps`` apps (20 adoptions each) once into database NAME on the same server
(created when missing, never dropped; then VACUUM (ANALYZE)), and later runs
find the data there, apply new migrations (public schema only: the seeded
tenants have no schemas) and measure that size only. ``--explain`` prints
EXPLAIN (ANALYZE, BUFFERS) of each page's slowest statements after measuring.

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/catalog.py                   # 200 requests per page and size
    .venv/bin/python bench/catalog.py --requests 500 --apps 2000
    .venv/bin/python bench/catalog.py --keep-db bagipakai_bench_catalog10k --apps 10000
    .venv/bin/python bench/catalog.py --keep-db bagipakai_bench_catalog10k --explain

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

REPO_DIR = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where this very file
# would shadow the catalog app: the repository root goes first, bench/ not at all.
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench._common import (  # noqa: E402 -- needs the sys.path above
    install_sigterm_handler,
    kept_database,
    nearest_rank,
    point_django_at,
    throwaway_database,
)
from bench.catalog_const import (  # noqa: E402
    ADOPTERS_PER_APP,
    FILTERS,
    HOST,
    SEARCHES,
    SMALL_APPS,
    TARGET_LINE,
    TARGET_MS,
)
from bench.catalog_seed import (  # noqa: E402
    Seed,
    check_search_vectors,
    fill_search_vectors,
    seed_apps,
    seed_tenants,
)

# --- measurements ---------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    page: str
    size: str
    durations: tuple[float, ...]  # seconds
    queries: tuple[int, ...]  # per URL of the rotation
    search_path: tuple[int, ...]  # of which SET search_path

    @property
    def p95_ms(self) -> float:
        return nearest_rank(self.durations, 0.95) * 1000


def _span(values: tuple[int, ...]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def pages(seed: Seed, with_api: bool) -> dict[str, list[str]]:
    """Page name -> the URLs its requests rotate over."""
    from catalog.selectors import visible_apps

    slugs = list(visible_apps().order_by("pk").values_list("slug", flat=True))
    # At most 50 apps, spread over the whole catalog.
    step = max(1, len(slugs) // 50)
    searches = [urlencode({"q": q, "category": c}) for q, c in SEARCHES]
    rotation = {
        "search + facets `/catalog/?q=&category=`": [
            f"/catalog/?{s}" for s in searches
        ],
        "browse + facets `/catalog/?sort=adopted`": ["/catalog/?sort=adopted"],
        "filters + facets `/catalog/?category=&license=…`": [
            f"/catalog/?{f}" for f in FILTERS
        ],
        "detail `/catalog/<slug>/`": [
            f"/catalog/{slug}/" for slug in slugs[::step][:50]
        ],
    }
    if with_api:
        rotation["API search `/api/v1/apps/?q=&category=`"] = [
            f"/api/v1/apps/?{s}" for s in searches
        ]
    return rotation


def _get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"FAIL: GET {url} answered {response.status_code}")
    return response


def _count_queries(client, url: str) -> tuple[int, int]:
    """Statements one request runs: (all, of which SET search_path).

    The host's route is looked up afresh by an uncounted request just before:
    the route cache keeps it for seconds only (TENANT_ROUTING_CACHE_TIMEOUT),
    and a lookup falling due during the counted request is not the page's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.routing import _cache, route_key

    _cache().delete(route_key(HOST))
    _get(client, url)
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    statements = [q["sql"] for q in captured.captured_queries]
    return len(statements), sum(s.startswith("SET search_path") for s in statements)


def measure_all(seed: Seed, with_api: bool, requests: int, warmup: int) -> list[Row]:
    """Time every page, round-robin so that a busy moment hits all pages alike."""
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    rotation = pages(seed, with_api)
    for i in range(warmup):
        for urls in rotation.values():
            _get(client, urls[i % len(urls)])
    durations: dict[str, list[float]] = {page: [] for page in rotation}
    for i in range(requests):
        for page, urls in rotation.items():
            started = time.perf_counter()
            _get(client, urls[i % len(urls)])
            durations[page].append(time.perf_counter() - started)
    rows = []
    # Counting records every statement, so it runs apart from the timed requests.
    for page, urls in rotation.items():
        counts = [_count_queries(client, url) for url in urls]
        rows.append(
            Row(
                page,
                seed.label,
                tuple(durations[page]),
                tuple(total for total, _set in counts),
                tuple(set_calls for _total, set_calls in counts),
            )
        )
    return rows


def explain(seed: Seed, with_api: bool, slowest: int = 2) -> None:
    """EXPLAIN ANALYZE of the slowest statements of each page's first URL."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    for page, urls in pages(seed, with_api).items():
        _get(client, urls[0])
        with CaptureQueriesContext(connection) as captured:
            _get(client, urls[0])
        timed = sorted(
            (
                q
                for q in captured.captured_queries
                if not q["sql"].startswith("SET search_path")
            ),
            key=lambda q: -float(q["time"]),
        )[:slowest]
        print(f"\n=== {page}: {urls[0]} ({seed.label})")
        for q in timed:
            print(f"--- {float(q['time']) * 1000:.1f} ms: {q['sql'][:2000]}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                for (line,) in cursor.fetchall():
                    print(line)


# --- report ------------------------------------------------------------------------


def print_report(rows: list[Row]) -> None:
    print()
    print(
        "| page | data size | p50 ms | p95 ms | max ms | queries | of which SET search_path |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    order = list(dict.fromkeys(row.page for row in rows))
    # Grouped by page, smaller data size first (sorted() keeps the measuring order).
    for row in sorted(rows, key=lambda r: order.index(r.page)):
        print(
            f"| {row.page} | {row.size} | {statistics.median(row.durations) * 1000:.1f} "
            f"| {row.p95_ms:.1f} | {max(row.durations) * 1000:.1f} "
            f"| {_span(row.queries)} | {_span(row.search_path)} |"
        )
    print()
    print(TARGET_LINE)
    by_page: dict[str, list[Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, []).append(row)
    slow = [r.page for r in rows if r is by_page[r.page][-1] and r.p95_ms >= TARGET_MS]
    varying = [
        page
        for page, measured in by_page.items()
        if len({q for r in measured for q in r.queries}) > 1
    ]
    largest = rows[-1].size
    print(
        f"p95 at {largest}: "
        + ("all pages under target" if not slow else "OVER target: " + "; ".join(slow))
    )
    print(
        "queries per page: "
        + ("constant" if not varying else "NOT constant: " + "; ".join(varying))
    )
    print()


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the public catalog's search, browse and detail pages at two data sizes.",
    )
    parser.add_argument(
        "--requests",
        type=_positive,
        default=200,
        help="timed requests per page and data size (default 200)",
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="untimed requests first (default 20)"
    )
    parser.add_argument(
        "--apps",
        type=_positive,
        default=1000,
        help=f"apps in the large catalog, {ADOPTERS_PER_APP} adoptions each (default 1000)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed of the data (default 1)"
    )
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="seed --apps apps once into database NAME on the same server and keep "
        "it: later runs find the data there, apply new migrations and measure that "
        "size only (no small size, nothing seeded again)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="after measuring, print EXPLAIN ANALYZE of each page's slowest statements",
    )
    args = parser.parse_args(argv)
    if args.apps <= SMALL_APPS:
        parser.error(f"--apps must be more than {SMALL_APPS}")
    return args


def _setup(server, name: str, *, shared_only: bool = False) -> bool:
    """Point Django at the database, set it up and migrate (with `shared_only`,
    the public schema only: the seeded tenants have no schemas of their own);
    whether the API imports."""
    # Plain HTTP on localhost, files served as they are: what the test suite runs.
    point_django_at(
        server,
        name,
        HTTPS="0",
        STATIC_MANIFEST="0",
        BASE_DOMAIN=HOST,
        ALLOWED_HOSTS=f"{HOST},.{HOST}",
        # The work of a page, not the shared page cache's copy of it (every
        # write to the catalog empties that cache), and no 429 from the
        # API's rate limit for a client that asks thousands of times.
        PAGE_CACHE_SECONDS="0",
        DISABLE_RATE_LIMITS="1",
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As in the test suite: whitenoise finds no collectstatic output, fine here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"server: {server.description}; database {name}")
    print(f"PostgreSQL server version {connection.pg_version}")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, shared=shared_only)
    print(f"setup: migrate in {time.perf_counter() - started:.1f} s")

    try:
        import catalog.urls_api  # noqa: F401 -- only whether it imports
    except ImportError as exc:
        print(f"API not measured: catalog.urls_api does not import ({exc})")
        return False
    return True


def _seed_to(seed: Seed, target: int) -> None:
    started = time.perf_counter()
    seed_apps(seed, target - seed.apps)
    fill_search_vectors()
    check_search_vectors()
    print(f"seeded {seed.label} in {time.perf_counter() - started:.1f} s", flush=True)


def _measure(seed: Seed, with_api: bool, args) -> list[Row]:
    started = time.perf_counter()
    rows = measure_all(seed, with_api, args.requests, args.warmup)
    print(
        f"measured {seed.label} in {time.perf_counter() - started:.1f} s "
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    return rows


def run_throwaway(args, server, name) -> None:
    with_api = _setup(server, name)
    rows: list[Row] = []
    seed = seed_tenants(random.Random(args.seed))
    for target in (SMALL_APPS, args.apps):
        _seed_to(seed, target)
        rows += _measure(seed, with_api, args)
    print_report(rows)
    if args.explain:
        explain(seed, with_api)


def run_kept(args, server, name, created: bool) -> None:
    """Seed --apps apps once into a kept database; later runs reuse them."""
    with_api = _setup(server, name, shared_only=not created)
    from django.db import connection

    from catalog.models import Adoption, CatalogApp

    apps = CatalogApp.objects.count()
    if apps == 0:
        seed = seed_tenants(random.Random(args.seed))
        _seed_to(seed, args.apps)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    else:
        seed = Seed(
            rng=random.Random(args.seed), tenants=[], agreements={}, slugs=set()
        )
        seed.apps, seed.adoptions = apps, Adoption.objects.count()
        if apps != args.apps:
            print(f"note: {name} holds {apps:,} apps, not --apps {args.apps:,}")
        print(f"reusing {seed.label} in {name} (nothing seeded)", flush=True)
    rows = _measure(seed, with_api, args)
    print_report(rows)
    if args.explain:
        explain(seed, with_api)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    run_started = time.perf_counter()
    if args.keep_db:
        with kept_database(args.keep_db) as (server, name, created):
            run_kept(args, server, name, created)
    else:
        with throwaway_database() as (server, name):
            run_throwaway(args, server, name)
    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
