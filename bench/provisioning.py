"""Benchmark: how long it takes to provision one tenant.

What it measures
----------------
1. **project** -- the project's own path: ``tenants.services.tenant_provision``,
   the service the onboarding form calls (validation, template check, tenant
   row, schema cloned from the template schema, domain, admin membership, all
   in one transaction). N tenants, each with its own admin user.
2. **default** -- django-tenants' default path, as a baseline: a tenant row,
   ``CREATE SCHEMA`` and every tenant migration run into it with
   ``migrate_schemas`` (what ``TenantMixin.create_schema`` does without a base
   schema), then the domain row. M tenants.

Each call is timed with ``time.perf_counter``; the script prints count, p50,
p95 (nearest rank), max and mean seconds per path, the ratio of the two
medians, and the performance targets of issue 6 with PASS or FAIL each.

Whether provisioning stays flat as tenants accumulate is read from windows of
the project path at milestones: the 10th tenant is the window of tenants
1-10 (there are no 100 before it), and the 100th, 1,000th and 10,000th are the
100 tenants ending there (1-100, 901-1,000, 9,901-10,000), each only when N
reaches it. A window of 100 is wide enough for a stable median and narrow
enough to say "at that size"; the first window is only 10 tenants, so its p50
is the noisier of the two that the flatness target compares (the p50 of the
last milestone's window over that of tenants 1-10; the issue asks for at most
1.5 at 10,000 tenants). Every 1,000 tenants a progress line gives the p50 of
the last 1,000 and the rate.

Before the first timed call the script does what a web process does when it
starts (config/wsgi.py): ``template_sync_on_startup()``, which also reads the
migration files once; so the first tenant does not pay for that. The admin
users are created in batches of 500 between timed calls, and the database
connection is closed every 500 tenants (outside the timing) as a web worker's
would be after ``CONN_MAX_AGE``: one server process that has itself created
thousands of schemas carries catalogue caches no real worker has.

Afterwards it checks that every schema it created exists and matches the
template schema (same ``django_migrations`` rows, tables, constraint and
index names) and fails loudly if not. The check costs a fixed number of
statements, not one per schema: one per catalogue aggregate (tables,
constraints, indexes: a digest of the sorted names per schema, grouped by
schema) and one per 500 schemas for the ``django_migrations`` rows (a UNION
ALL of per-schema digests); only a schema that differs is looked at in
detail.

It never touches the developer's database: it creates a throwaway database
``bagipakai_bench_<pid>`` on the server Django would use (the embedded
PostgreSQL when DATABASE_URL is unset, else the DATABASE_URL server), points
Django at it, runs ``migrate`` there (which also builds the template schema)
and drops it at the end, also when something fails (bench/_common.py, shared
with bench/catalog.py).

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/provisioning.py                  # 20 project, 5 default
    .venv/bin/python bench/provisioning.py --tenants 200 --default-tenants 5
    .venv/bin/python bench/provisioning.py --tenants 10000 --default-tenants 5  # ~6 min

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where bench/catalog.py
# would shadow the catalog app: the repository root goes first, bench/ not at all.
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench._common import (  # noqa: E402 -- needs the sys.path above
    install_sigterm_handler,
    nearest_rank,
    node_spread,
    point_django_at,
    throwaway_database,
)

TARGET_P50_S = 0.3
TARGET_SPEEDUP = 20.0
# On a Citus cluster (issue 16): every clone statement also runs on a worker.
CITUS_TARGET_P50_S = 0.15
CITUS_TARGET_SPEEDUP = 5.0
TARGET_FLATNESS = 1.5
FLATNESS_AT = 10_000
TARGET_LINE = (
    f"targets (issue 6): p50 < {TARGET_P50_S} s; >= {TARGET_SPEEDUP:.0f}x faster than "
    f"the default path (ratio of p50s); flat: p50 at the {FLATNESS_AT:,}th tenant "
    f"within {TARGET_FLATNESS}x of p50 at the 10th"
)
# Windows of the project path: (label, first tenant, last tenant), see the docstring.
MILESTONES = (10, 100, 1_000, 10_000)
WINDOW = 100
# Between timed calls: users made per batch, tenants per database connection.
BATCH = 500
# Schemas per statement when reading every schema's django_migrations.
VERIFY_CHUNK = 500
# Every bench user shares this password; it is hashed once, not per user.
BENCH_PASSWORD = "bench-not-a-secret"


# --- measurements ---------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    path: str
    durations: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.durations)

    @property
    def p50(self) -> float:
        return statistics.median(self.durations)

    @property
    def p95(self) -> float:
        # Nearest-rank percentile: with few samples this is the maximum.
        return nearest_rank(self.durations, 0.95)

    @property
    def max(self) -> float:
        return max(self.durations)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.durations)


def _slug(prefix: str, index: int) -> str:
    # e.g. bench-p0001: lower-case letters, digits and single dashes, 3..30 chars.
    return f"bench-{prefix}{index:04d}"


def _make_admins(first: int, last: int, prefix: str, password_hash: str) -> list[Any]:
    """Fresh users for tenants first..last, sharing one precomputed password hash."""
    from tenants.models import User

    return User.objects.bulk_create(
        User(
            email=f"admin@{_slug(prefix, i)}.bench.test",
            full_name=f"Admin Bench {i}",
            password=password_hash,
        )
        for i in range(first, last + 1)
    )


def measure_project_path(
    count: int, pool: int = 0
) -> tuple[Stats, list[str], Stats | None]:
    """Provision `count` tenants with tenants.services.tenant_provision.

    With `pool` > 0 the warm pool (settings.TENANT_SCHEMA_POOL) is filled
    before the first call and refilled after each one, outside the timing, as
    the background job does on a running site; the refill's clones are timed
    apart (the third value) and are the cost moved off the sign-up."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from tenants.schema import schema_pool_fill, template_sync_on_startup
    from tenants.services import tenant_provision

    # What config/wsgi.py does when a web process starts.
    template_sync_on_startup()
    password_hash = make_password(BENCH_PASSWORD)
    durations: list[float] = []
    fills: list[float] = []
    schemas: list[str] = []
    if pool:
        schema_pool_fill(pool)
    progress_started = time.perf_counter()
    for first in range(1, count + 1, BATCH):
        last = min(first + BATCH - 1, count)
        connection.close()  # see the docstring: as after CONN_MAX_AGE
        admins = _make_admins(first, last, "p", password_hash)
        for i, admin in enumerate(admins, start=first):
            started = time.perf_counter()
            tenant = tenant_provision(
                actor=admin,
                # Institutions: one tenant per city is the rule, and there are ~514.
                name=f"Lembaga Bench {i}",
                kind="lembaga",
                seat_region_code="32.73",
                slug=_slug("p", i),
            )
            durations.append(time.perf_counter() - started)
            schemas.append(tenant.schema_name)
            if pool:
                started = time.perf_counter()
                made = schema_pool_fill(pool)["made"]
                if made:
                    fills.append((time.perf_counter() - started) / made)
            if i % 1000 == 0:
                recent = durations[-1000:]
                elapsed = time.perf_counter() - progress_started
                print(
                    f"  {i:,} tenants: last 1,000 p50 {statistics.median(recent):.3f} s, "
                    f"p95 {nearest_rank(recent, 0.95):.3f} s; "
                    f"{1000 / elapsed:.1f} tenants/s with the bench's own work",
                    flush=True,
                )
                progress_started = time.perf_counter()
    if pool:
        return (
            Stats(f"project (tenant_provision, warm pool of {pool})", tuple(durations)),
            schemas,
            Stats("pool refill, per schema (background)", tuple(fills)) if fills else None,
        )
    return Stats("project (tenant_provision, clone)", tuple(durations)), schemas, None


def measure_default_path(count: int) -> tuple[Stats, list[str]]:
    """Create `count` tenants the plain django-tenants way: row, migrated schema, domain."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Domain, Tenant
    from tenants.schema import _quote
    from tenants.subdomains import schema_name_for

    durations: list[float] = []
    schemas: list[str] = []
    for i in range(1, count + 1):
        slug = _slug("d", i)
        started = time.perf_counter()
        tenant = Tenant.objects.create(
            schema_name=schema_name_for(slug),
            name=f"Lembaga Default {i}",
            slug=slug,
            kind="lembaga",
            province="32",
            seat_region_code="32.73",
        )
        # TenantMixin.create_schema() without a base schema.
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {_quote(tenant.schema_name)}")
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=tenant.schema_name,
            interactive=False,
            verbosity=0,
            skip_template=True,
        )
        connection.set_schema_to_public()
        Domain.objects.create(
            domain=f"{slug}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True
        )
        durations.append(time.perf_counter() - started)
        schemas.append(tenant.schema_name)
    return Stats("default (django-tenants migrate)", tuple(durations)), schemas


# --- sanity check -----------------------------------------------------------------


def _schema_shape(schema: str) -> dict[str, list[tuple[str, ...]]]:
    """Migration records, tables, constraint and index names of one schema."""
    from django.db import connection

    from tenants.schema import _quote

    queries = {
        "django_migrations rows": f"SELECT app, name FROM {_quote(schema)}.django_migrations",
        "tables": """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p')""",
        "constraints": """
            SELECT c.relname, con.conname, con.contype::text FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s""",
        "indexes": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s",
    }
    shape: dict[str, list[tuple[str, ...]]] = {}
    with connection.cursor() as cursor:
        for label, query in queries.items():
            cursor.execute(query, [schema] if "%s" in query else None)
            shape[label] = sorted(tuple(row) for row in cursor.fetchall())
    return shape


def _digests(query: str, schemas: list[str]) -> dict[str, tuple[int, str]]:
    """schema -> (rows, md5 of the sorted rows) from one query grouped by schema."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, [schemas])
        return {schema: (count, digest) for schema, count, digest in cursor.fetchall()}


# One statement each for every schema at once: (schema, rows, digest of the rows).
CATALOG_DIGESTS = {
    "tables": """
        SELECT n.nspname, count(*), md5(string_agg(c.relname, ',' ORDER BY c.relname))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') GROUP BY n.nspname""",
    "constraints": """
        SELECT n.nspname, count(*), md5(string_agg(
            c.relname || ' ' || con.conname || ' ' || con.contype::text, ','
            ORDER BY c.relname, con.conname, con.contype::text))
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) GROUP BY n.nspname""",
    "indexes": """
        SELECT schemaname::text, count(*), md5(string_agg(
            tablename || ' ' || indexname, ',' ORDER BY tablename, indexname))
        FROM pg_indexes WHERE schemaname = ANY(%s) GROUP BY schemaname""",
}


def _migration_digests(schemas: list[str]) -> dict[str, tuple[int, str]]:
    """schema -> (rows, digest) of its django_migrations, VERIFY_CHUNK schemas a statement."""
    from django.db import connection

    from tenants.schema import _quote

    found: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), VERIFY_CHUNK):
            chunk = schemas[start : start + VERIFY_CHUNK]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, count(*), md5(coalesce(string_agg(app || '.' || name, ',' "
                    f"ORDER BY app, name), '')) FROM {_quote(schema)}.django_migrations"
                    for schema in chunk
                ),
                chunk,
            )
            found.update(
                (schema, (count, digest)) for schema, count, digest in cursor.fetchall()
            )
    return found


def verify_schemas(schemas: list[str]) -> None:
    """Fail loudly unless every schema exists and looks exactly like the template."""
    from django.db import connection

    from tenants.schema import expected_migrations, template_schema

    template = template_schema()
    started = time.perf_counter()
    expected = _schema_shape(template)
    missing = expected_migrations() - set(expected["django_migrations rows"])
    if missing:
        raise SystemExit(
            f"FAIL: template {template} lacks migrations {sorted(missing)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas]
        )
        existing = {row[0] for row in cursor.fetchall()}
    problems = [
        f"{schema}: schema does not exist"
        for schema in schemas
        if schema not in existing
    ]
    present = [schema for schema in schemas if schema in existing]
    everything = [template, *present]
    differing: set[str] = set()
    for query in CATALOG_DIGESTS.values():
        digests = _digests(query, everything)
        differing |= {s for s in present if digests.get(s) != digests.get(template)}
    migrations = _migration_digests(everything)
    differing |= {s for s in present if migrations[s] != migrations[template]}
    # Only the schemas that differ are compared in detail (one query each).
    for schema in sorted(differing)[:20]:
        shape = _schema_shape(schema)
        for label, rows in expected.items():
            if shape[label] != rows:
                extra = sorted(set(shape[label]) - set(rows))
                lacking = sorted(set(rows) - set(shape[label]))
                problems.append(
                    f"{schema}: {label} differ from {template} "
                    f"({len(shape[label])} vs {len(rows)}; extra {extra[:5]}, missing {lacking[:5]})"
                )
    if len(differing) > 20:
        problems.append(f"... and {len(differing) - 20} more schemas differ")
    if problems:
        raise SystemExit(
            "FAIL: provisioned schemas do not match the template:\n  "
            + "\n  ".join(problems)
        )
    print(
        f"sanity check: {len(schemas):,} schemas match {template} "
        f"({len(expected['django_migrations rows'])} django_migrations rows, "
        f"{len(expected['tables'])} tables, {len(expected['constraints'])} constraints, "
        f"{len(expected['indexes'])} indexes) in {time.perf_counter() - started:.1f} s"
    )


# --- report ------------------------------------------------------------------------


def windows(stats: Stats) -> list[tuple[str, Stats]]:
    """The project path's milestone windows that N reaches (see the docstring)."""
    found = []
    for milestone in MILESTONES:
        if milestone > stats.count:
            break
        first = 1 if milestone == MILESTONES[0] else milestone - WINDOW + 1
        found.append(
            (
                f"{milestone:,}th (tenants {first:,}-{milestone:,})",
                Stats(stats.path, stats.durations[first - 1 : milestone]),
            )
        )
    return found


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_report(rows: list[Stats], *, citus: bool = False) -> None:
    global TARGET_P50_S, TARGET_SPEEDUP, TARGET_LINE
    if citus:
        TARGET_P50_S, TARGET_SPEEDUP = CITUS_TARGET_P50_S, CITUS_TARGET_SPEEDUP
        TARGET_LINE = (
            f"targets on Citus (issue 16): p50 < {TARGET_P50_S} s; >= "
            f"{TARGET_SPEEDUP:.0f}x faster than the default path (ratio of p50s)"
        )
    print()
    print("| path | tenants | p50 s | p95 s | max s | mean s |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.path} | {row.count:,} | {row.p50:.3f} | {row.p95:.3f} "
            f"| {row.max:.3f} | {row.mean:.3f} |"
        )
    by_kind = {row.path.split()[0]: row for row in rows}
    project, default = by_kind.get("project"), by_kind.get("default")
    marks = windows(project) if project else []
    if marks:
        print()
        print("| project path at | tenants in window | p50 s | p95 s |")
        print("|---|---:|---:|---:|")
        for label, window in marks:
            print(f"| {label} | {window.count} | {window.p50:.3f} | {window.p95:.3f} |")
    print()
    ratio = default.p50 / project.p50 if project and default else None
    if ratio is not None:
        print(f"ratio default_p50 / project_p50 = {ratio:.1f}x")
    flatness = None
    if len(marks) > 1:
        flatness = marks[-1][1].p50 / marks[0][1].p50
        print(
            f"flatness: p50 at the {marks[-1][0].split()[0]} / p50 at the 10th = {flatness:.2f}x"
        )
    print(TARGET_LINE)
    if project:
        print(
            f"  p50 < {TARGET_P50_S} s: {_verdict(project.p50 < TARGET_P50_S)} "
            f"(p50 {project.p50:.3f} s over {project.count:,} tenants)"
        )
    else:
        print("  p50: not measured (--tenants 0)")
    if ratio is not None:
        print(
            f"  >= {TARGET_SPEEDUP:.0f}x faster than the default path: "
            f"{_verdict(ratio >= TARGET_SPEEDUP)} ({ratio:.1f}x)"
        )
    else:
        print("  speed-up over the default path: not measured (needs both paths)")
    if flatness is not None:
        last = marks[-1][0].split()[0]
        scope = (
            ""
            if project.count >= FLATNESS_AT
            else f"; measured up to the {last} tenant only, the target is at the {FLATNESS_AT:,}th"
        )
        print(
            f"  flat within {TARGET_FLATNESS}x: {_verdict(flatness <= TARGET_FLATNESS)} "
            f"({flatness:.2f}x{scope})"
        )
    else:
        print("  flatness: not measured (needs --tenants 100 or more)")
    print()


def _positive_or_zero(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 99_999:
        raise argparse.ArgumentTypeError("must be between 0 and 99999")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time tenant provisioning: the project's clone path vs django-tenants' default.",
    )
    parser.add_argument(
        "--tenants",
        type=_positive_or_zero,
        default=20,
        help="tenants to create with tenants.services.tenant_provision (default 20)",
    )
    parser.add_argument(
        "--default-tenants",
        type=_positive_or_zero,
        default=5,
        help="tenants to create the plain django-tenants way, by migrations (default 5)",
    )
    parser.add_argument(
        "--pool",
        type=_positive_or_zero,
        default=0,
        help="warm pool of pre-cloned schemas (TENANT_SCHEMA_POOL), refilled "
        "between timed calls; 0 = clone on every sign-up (default)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    run_started = time.perf_counter()

    with throwaway_database() as (server, name):
        point_django_at(server, name)
        # tenant_provision logs one INFO line per tenant; keep the table readable.
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        os.environ["TENANT_SCHEMA_POOL"] = str(args.pool)

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"server: {server.description}; throwaway database {name}")
        print(f"PostgreSQL server version {connection.pg_version}")

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        print(
            f"setup: migrate + template schema in {time.perf_counter() - started:.1f} s"
        )

        rows: list[Stats] = []
        schemas: list[str] = []
        if args.tenants:
            stats, made, refill = measure_project_path(args.tenants, args.pool)
            rows.append(stats)
            schemas += made
        if args.default_tenants:
            stats, made = measure_default_path(args.default_tenants)
            rows.append(stats)
            schemas += made
        verify_schemas(schemas)
        spread = node_spread(connection)
        if rows:
            print_report(rows, citus=bool(spread))
        if args.tenants and refill:
            print(
                f"background refill of the pool (not on the sign-up path): p50 "
                f"{refill.p50:.3f} s, p95 {refill.p95:.3f} s per schema "
                f"over {refill.count} schemas"
            )
            print()
        if spread:
            print("Citus: tenant schemas per node")
            print(spread)
            print()

    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
