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
and drops it at the end, also when something fails.

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/provisioning.py                  # 20 project, 5 default
    .venv/bin/python bench/provisioning.py --tenants 200 --default-tenants 5

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

REPO_DIR = Path(__file__).resolve().parent.parent
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

TARGET_LINE = "target: p50 < 1 s (issue 2); later issue 6: p50 < 0.3 s and >= 20x faster than default"
# Every bench user shares this password; it is hashed once, not per user.
BENCH_PASSWORD = "bench-not-a-secret"
# Connection OPTIONS that Django understands but libpq does not.
_DJANGO_ONLY_OPTIONS = {"assume_role", "isolation_level", "pool", "server_side_binding"}


# --- the throwaway database ---------------------------------------------------


@dataclass(frozen=True)
class Server:
    """Where the benchmark database lives, and how to reach that server."""

    description: str
    connect_params: dict[str, Any]  # psycopg2.connect() keywords, without dbname
    maintenance_dbs: tuple[str, ...]  # databases to connect to for CREATE/DROP DATABASE
    url_for: Callable[[str], str]  # DATABASE_URL for a database on this server


def _server_from_url(url: str) -> Server:
    import dj_database_url

    parsed = dj_database_url.parse(url)
    params: dict[str, Any] = {
        key: value
        for key, value in (parsed.get("OPTIONS") or {}).items()
        if key not in _DJANGO_ONLY_OPTIONS
    }
    for key, setting in (
        ("user", "USER"),
        ("password", "PASSWORD"),
        ("host", "HOST"),
        ("port", "PORT"),
    ):
        if parsed.get(setting):
            params[key] = parsed[setting]
    parts = urlsplit(url)

    def url_for(name: str) -> str:
        return urlunsplit(parts._replace(path="/" + quote(name)))

    host = parsed.get("HOST") or params.get("host") or "localhost"
    return Server(
        description=f"DATABASE_URL server {host}:{parsed.get('PORT') or 5432}",
        connect_params=params,
        maintenance_dbs=("postgres", parsed["NAME"]),
        url_for=url_for,
    )


def _embedded_server() -> Server:
    from config.embedded_db import embedded_database_settings

    # The same data directory config/settings.py uses.
    data_dir = Path(os.environ.get("DATA_DIR", REPO_DIR / ".data")) / "postgres"
    db = embedded_database_settings(data_dir)
    host, port, user = str(db["HOST"]), str(db["PORT"]), str(db["USER"])

    def url_for(name: str) -> str:
        # A unix-socket directory goes into the URL percent-encoded.
        return f"postgres://{quote(user, safe='')}@{quote(host, safe='')}:{port}/{quote(name)}"

    return Server(
        description=f"embedded PostgreSQL (socket {host}, port {port})",
        connect_params={
            "user": user,
            "password": db["PASSWORD"],
            "host": host,
            "port": port,
        },
        maintenance_dbs=("postgres", str(db["NAME"])),
        url_for=url_for,
    )


def detect_server() -> Server:
    url = os.environ.get("DATABASE_URL", "").strip()
    return _server_from_url(url) if url else _embedded_server()


def _admin_connection(server: Server):
    """An autocommit connection to a maintenance database of the server."""
    import psycopg2

    error: Exception | None = None
    for dbname in server.maintenance_dbs:
        try:
            conn = psycopg2.connect(dbname=dbname, **server.connect_params)
        except psycopg2.OperationalError as exc:
            error = exc
            continue
        conn.autocommit = True
        return conn
    raise RuntimeError(f"cannot connect to {server.description}: {error}")


def _database_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def create_database(server: Server, name: str) -> None:
    from psycopg2 import sql

    conn = _admin_connection(server)
    try:
        with conn.cursor() as cursor:
            if _database_exists(cursor, name):
                raise RuntimeError(
                    f"database {name} already exists; drop it by hand first"
                )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def drop_database(server: Server, name: str) -> None:
    """Drop the benchmark database, even with connections still open to it."""
    from psycopg2 import sql

    conn = _admin_connection(server)
    try:
        with conn.cursor() as cursor:
            force = (
                sql.SQL(" WITH (FORCE)")
                if conn.server_version >= 130000
                else sql.SQL("")
            )
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
                + force
            )
            if _database_exists(cursor, name):
                raise RuntimeError(
                    f"database {name} is still there after DROP DATABASE"
                )
    finally:
        conn.close()


@contextmanager
def throwaway_database() -> Iterator[tuple[Server, str]]:
    server = detect_server()
    name = f"bagipakai_bench_{os.getpid()}"
    create_database(server, name)
    try:
        yield server, name
    finally:
        # Django's connections must be closed before the database can go.
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_database(server, name)
        print(f"dropped database {name}")


def _terminate_as_exit(signum: int, _frame: object) -> None:
    # Turn SIGTERM into SystemExit so the `finally` that drops the database runs.
    raise SystemExit(128 + signum)


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
        ordered = sorted(self.durations)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

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
    signal.signal(signal.SIGTERM, _terminate_as_exit)
    run_started = time.perf_counter()

    with throwaway_database() as (server, name):
        os.environ["DATABASE_URL"] = server.url_for(name)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        # DEBUG off: no per-query bookkeeping distorting the timings.
        os.environ["DEBUG"] = "0"
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
