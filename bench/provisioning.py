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
medians, and the performance targets. Afterwards it checks that every schema
it created exists and matches the template schema (same ``django_migrations``
rows, tables, constraint and index names) and fails loudly if not.

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
    point_django_at,
    throwaway_database,
)

TARGET_LINE = "target: p50 < 1 s (issue 2); later issue 6: p50 < 0.3 s and >= 20x faster than default"
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


def _make_admins(count: int, prefix: str) -> list[Any]:
    """`count` fresh users sharing one precomputed password hash."""
    from django.contrib.auth.hashers import make_password

    from tenants.models import User

    password_hash = make_password(BENCH_PASSWORD)
    return User.objects.bulk_create(
        User(
            email=f"admin@{_slug(prefix, i)}.bench.test",
            full_name=f"Admin Bench {i}",
            password=password_hash,
        )
        for i in range(1, count + 1)
    )


def measure_project_path(count: int) -> tuple[Stats, list[str]]:
    """Provision `count` tenants with tenants.services.tenant_provision."""
    from tenants.services import tenant_provision

    admins = _make_admins(count, "p")
    durations: list[float] = []
    schemas: list[str] = []
    for i, admin in enumerate(admins, start=1):
        started = time.perf_counter()
        tenant = tenant_provision(
            actor=admin,
            name=f"Pemerintah Kota Bench {i}",
            kind="kota",
            province="32",
            region_code="32.73",
            slug=_slug("p", i),
        )
        durations.append(time.perf_counter() - started)
        schemas.append(tenant.schema_name)
    return Stats("project (tenant_provision, clone)", tuple(durations)), schemas


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
            name=f"Pemerintah Kota Default {i}",
            slug=slug,
            kind="kota",
            province="32",
            region_code="32.73",
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


def verify_schemas(schemas: list[str]) -> None:
    """Fail loudly unless every schema exists and looks exactly like the template."""
    from django_tenants.utils import schema_exists

    from tenants.schema import expected_migrations, template_schema

    template = template_schema()
    expected = _schema_shape(template)
    missing = expected_migrations() - set(expected["django_migrations rows"])
    if missing:
        raise SystemExit(
            f"FAIL: template {template} lacks migrations {sorted(missing)}"
        )
    problems: list[str] = []
    for schema in schemas:
        if not schema_exists(schema):
            problems.append(f"{schema}: schema does not exist")
            continue
        shape = _schema_shape(schema)
        for label, rows in expected.items():
            if shape[label] != rows:
                extra = sorted(set(shape[label]) - set(rows))
                lacking = sorted(set(rows) - set(shape[label]))
                problems.append(
                    f"{schema}: {label} differ from {template} "
                    f"({len(shape[label])} vs {len(rows)}; extra {extra[:5]}, missing {lacking[:5]})"
                )
    if problems:
        raise SystemExit(
            "FAIL: provisioned schemas do not match the template:\n  "
            + "\n  ".join(problems)
        )
    print(
        f"sanity check: {len(schemas)} schemas match {template} "
        f"({len(expected['django_migrations rows'])} django_migrations rows, "
        f"{len(expected['tables'])} tables, {len(expected['constraints'])} constraints, "
        f"{len(expected['indexes'])} indexes)"
    )


# --- report ------------------------------------------------------------------------


def print_report(rows: list[Stats]) -> None:
    print()
    print("| path | tenants | p50 s | p95 s | max s | mean s |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.path} | {row.count} | {row.p50:.3f} | {row.p95:.3f} "
            f"| {row.max:.3f} | {row.mean:.3f} |"
        )
    by_kind = {row.path.split()[0]: row for row in rows}
    if "project" in by_kind and "default" in by_kind:
        ratio = by_kind["default"].p50 / by_kind["project"].p50
        print()
        print(f"ratio default_p50 / project_p50 = {ratio:.1f}x")
    print(TARGET_LINE)
    print()


def _positive_or_zero(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 9999:
        raise argparse.ArgumentTypeError("must be between 0 and 9999")
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    run_started = time.perf_counter()

    with throwaway_database() as (server, name):
        point_django_at(server, name)
        # tenant_provision logs one INFO line per tenant; keep the table readable.
        os.environ.setdefault("LOG_LEVEL", "WARNING")

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
            stats, made = measure_project_path(args.tenants)
            rows.append(stats)
            schemas += made
        if args.default_tenants:
            stats, made = measure_default_path(args.default_tenants)
            rows.append(stats)
            schemas += made
        verify_schemas(schemas)
        if rows:
            print_report(rows)

    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
