"""Benchmark: migrate_schemas across many tenant schemas.

What it measures
----------------
For django-tenants' default executor (``standard``; also ``multiprocessing``
with ``--with-multiprocessing``) and for the project's ``planned`` executor
(tenants/migration.py), the wall time of

1. **no-op** -- ``manage.py migrate_schemas --tenant --noinput`` when every
   schema is up to date, and
2. **add column** -- the same command when a release brings one new migration:
   an ``AddField`` of a ``BooleanField(default=False)`` on ``grants.Proposal``
   (``ALTER TABLE ... ADD COLUMN ... DEFAULT false NOT NULL``, then ``DROP
   DEFAULT``, as Django does) in every tenant schema.

Each run is a fresh ``manage.py`` process, timed from the outside: what an
operator waits for, start-up included. The command's own post-run work (the
template schema kept current) is included for both executors alike. The
release migration lives in a temporary package outside the repository
(grants' migrations copied, plus the new one) that a temporary settings module
points ``MIGRATION_MODULES`` at; only the "add column" runs get that settings
module. Between executors every schema and the template lose the column and
its migration record again, so each executor does the same work.

Every executor is also timed with no tenants at all (start-up, template check;
with the release, the template's own migration; the fastest of three runs):
that fixed cost is subtracted before dividing by the tenants, so "per tenant
ms" is the cost of one more tenant. The slow default executors can run on only M of the N tenants
(``--default-tenants M``): their times at N are then *extrapolated* as
fixed + per-tenant x N, and labelled so. The same projection gives every
executor's time at 1,000 tenants, against the targets (issue 6): no-op under
30 s, one added column under 120 s, on 2 cores.

Afterwards it checks that every tenant schema and the template have the column
and record every migration, and fails loudly if not.

Tenants are provisioned through ``tenants.services.tenant_provision`` (schemas
cloned from the template, ~25 ms each), in a throwaway database
``bagipakai_bench_<pid>`` on the server Django would use, dropped at the end
(bench/_common.py).

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/migrate.py                         # 100 tenants
    .venv/bin/python bench/migrate.py --tenants 1000 --default-tenants 100
    .venv/bin/python bench/migrate.py --tenants 50 --with-multiprocessing

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
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
    install_sigterm_handler,
    node_spread,
    point_django_at,
    throwaway_database,
)

RELEASE_PACKAGE = "bench_release_migrations"
RELEASE_SETTINGS = "bench_release_settings"
EXTRA = "9000_bench_added_column"
COLUMN = "bench_flag"
TARGET_TENANTS = 1000
# Runs of each executor with no tenants, to find its fixed cost.
FIXED_RUNS = 3
TARGETS = {"no-op": 30.0, "add column": 120.0}
BENCH_PASSWORD = "bench-not-a-secret"

RELEASE_MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("grants", {parent!r})]
    operations = [
        migrations.AddField(
            model_name="proposal",
            name={column!r},
            field=models.BooleanField(default=False),
        ),
    ]
"""


# --- the release ----------------------------------------------------------------


def write_release(directory: Path) -> None:
    """A migrations package for grants with one more migration, and settings using it."""
    from django.db.migrations.loader import MigrationLoader

    (parent,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(
        "grants"
    )
    package = directory / RELEASE_PACKAGE
    package.mkdir()
    for source in (REPO_DIR / "grants" / "migrations").glob("*.py"):
        shutil.copy(source, package / source.name)
    (package / f"{EXTRA}.py").write_text(
        RELEASE_MIGRATION.format(parent=parent[1], column=COLUMN)
    )
    (directory / f"{RELEASE_SETTINGS}.py").write_text(
        "from config.settings import *  # noqa: F403\n\n"
        f"MIGRATION_MODULES = {{'grants': {RELEASE_PACKAGE!r}}}\n"
    )


def use_release_here(directory: Path) -> None:
    """Make this process see the release too (for the final check only)."""
    from django.conf import settings

    from tenants.schema import expected_migrations

    sys.path.insert(0, str(directory))
    settings.MIGRATION_MODULES = {"grants": RELEASE_PACKAGE}
    expected_migrations.cache_clear()


# --- tenants and schemas ----------------------------------------------------------


def provision(count: int, prefix: str) -> None:
    """`count` tenants through tenant_provision, each with its own admin."""
    from django.contrib.auth.hashers import make_password

    from tenants.models import User
    from tenants.services import tenant_provision

    password_hash = make_password(BENCH_PASSWORD)
    slugs = [f"bench-{prefix}{i:04d}" for i in range(1, count + 1)]
    admins = User.objects.bulk_create(
        User(email=f"admin@{slug}.bench.test", password=password_hash) for slug in slugs
    )
    for i, (slug, admin) in enumerate(zip(slugs, admins, strict=True), start=1):
        tenant_provision(
            actor=admin,
            # Institutions: one tenant per city is the rule, and there are ~514.
            name=f"Lembaga Bench {prefix.upper()} {i}",
            kind="lembaga",
            seat_region_code="32.73",
            slug=slug,
        )


def schemas_to_check() -> list[str]:
    """Every tenant schema, and the template."""
    from django_tenants.utils import get_public_schema_name

    from tenants.models import Tenant
    from tenants.schema import template_schema

    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
    return [*tenants.values_list("schema_name", flat=True), template_schema()]


def schemas_with_column() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.columns "
            "WHERE table_name = 'grants_proposal' AND column_name = %s",
            [COLUMN],
        )
        return {row[0] for row in cursor.fetchall()}


def reset_release() -> None:
    """Take the column and its record out of every schema again."""
    from django.db import connection, transaction

    from tenants.citus import citus_active
    from tenants.schema import _quote

    schemas = [s for s in schemas_to_check() if s in schemas_with_column()]
    one_per_execute = citus_active()
    with connection.cursor() as cursor:
        # A hundred schemas per round trip: one statement string is one
        # transaction, and each ALTER TABLE holds a lock until its end. On a
        # Citus coordinator DDL goes to the workers as its own query text,
        # which must be one statement: there, one statement per execute.
        for start in range(0, len(schemas), 100):
            statements = [
                statement
                for s in schemas[start : start + 100]
                for statement in (
                    f"ALTER TABLE {_quote(s)}.grants_proposal DROP COLUMN {COLUMN}",
                    f"DELETE FROM {_quote(s)}.django_migrations "
                    f"WHERE app = 'grants' AND name = '{EXTRA}'",
                )
            ]
            if one_per_execute:
                with transaction.atomic():
                    for statement in statements:
                        cursor.execute(statement)
            else:
                cursor.execute(";\n".join(statements))
    if schemas_with_column():
        raise SystemExit("FAIL: the release column is still there after the reset")


def check_release_everywhere(label: str) -> None:
    missing = set(schemas_to_check()) - schemas_with_column()
    if missing:
        raise SystemExit(
            f"FAIL: after {label}, {len(missing)} schemas lack the column: "
            f"{sorted(missing)[:5]}"
        )


def verify_final(release_dir: Path) -> int:
    """Every schema has the column and records every migration (release included)."""
    from django.db import connection

    from tenants.migration import applied_migrations_by_schema
    from tenants.schema import expected_migrations

    use_release_here(release_dir)
    expected = expected_migrations()
    if ("grants", EXTRA) not in expected:
        raise SystemExit("FAIL: the release migration is not in the graph")
    schemas = schemas_to_check()
    applied = applied_migrations_by_schema(connection, schemas)
    behind = [s for s in schemas if not expected <= applied.get(s, set())]
    missing = set(schemas) - schemas_with_column()
    if behind or missing:
        raise SystemExit(
            f"FAIL: {len(behind)} schemas miss migration records {behind[:5]}, "
            f"{len(missing)} lack the column {sorted(missing)[:5]}"
        )
    print(
        f"sanity check: {len(schemas)} schemas (tenants and template) have "
        f"{COLUMN} and record all {len(expected)} migrations"
    )
    return len(schemas)


# --- runs -------------------------------------------------------------------------


def run_command(executor: str, release_dir: Path, *, release: bool) -> float:
    """Wall time of one `manage.py migrate_schemas --tenant` process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(release_dir), env.get("PYTHONPATH")])
    )
    if release:
        env["DJANGO_SETTINGS_MODULE"] = RELEASE_SETTINGS
    command = [
        sys.executable,
        str(REPO_DIR / "manage.py"),
        "migrate_schemas",
        "--tenant",
        "--noinput",
        "--executor",
        executor,
    ]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO_DIR, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:])
        print(done.stderr[-3000:])
        raise SystemExit(f"FAIL: {' '.join(command[2:])} exited {done.returncode}")
    for line in done.stdout.splitlines():
        if line.startswith("Tenant schemas:"):  # the planned executor's summary
            print(f"  [{executor}{' + release' if release else ''}] {line}")
    return elapsed


@dataclass
class Row:
    executor: str
    tenants: int
    fixed: dict[str, float]
    measured: dict[str, float]

    def per_tenant(self, kind: str) -> float:
        if not self.tenants:
            return 0.0
        return max(0.0, self.measured[kind] - self.fixed[kind]) / self.tenants

    def at(self, kind: str, tenants: int) -> float:
        if tenants == self.tenants:
            return self.measured[kind]
        return self.fixed[kind] + self.per_tenant(kind) * tenants


def measure_fixed(executor: str, release_dir: Path) -> dict[str, float]:
    """Start-up and the template's own work, with no tenant at all: the fastest
    of FIXED_RUNS runs, since noise only ever adds time (and a smaller fixed
    cost leaves more to the per-tenant cost: projections err on the slow side)."""
    noop, add = [], []
    for _run in range(FIXED_RUNS):
        noop.append(run_command(executor, release_dir, release=False))
        add.append(run_command(executor, release_dir, release=True))
        reset_release()
    return {"no-op": min(noop), "add column": min(add)}


def measure(executor: str, tenants: int, fixed, release_dir: Path) -> Row:
    measured = {
        "no-op": run_command(executor, release_dir, release=False),
        "add column": run_command(executor, release_dir, release=True),
    }
    check_release_everywhere(f"{executor} add column")
    reset_release()
    return Row(executor, tenants, fixed[executor], measured)


# --- report ------------------------------------------------------------------------


def print_report(rows: list[Row], tenants: int) -> None:
    print()
    print(
        "| executor | tenants timed | no-op s | add column s | fixed s (no-op / add) "
        "| per tenant ms (no-op / add) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.executor} | {row.tenants} | {row.measured['no-op']:.1f} "
            f"| {row.measured['add column']:.1f} "
            f"| {row.fixed['no-op']:.1f} / {row.fixed['add column']:.1f} "
            f"| {row.per_tenant('no-op') * 1000:.1f} / "
            f"{row.per_tenant('add column') * 1000:.1f} |"
        )
    planned = rows[-1]
    print()
    print(
        f"| executor | no-op s at {tenants} | add column s at {tenants} "
        f"| ratio to planned (no-op / add) | no-op s at {TARGET_TENANTS:,} "
        f"| add column s at {TARGET_TENANTS:,} |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        note = "" if row.tenants == tenants else f" (extrapolated from {row.tenants})"
        noop, add = row.at("no-op", tenants), row.at("add column", tenants)
        ratio = (
            f"{noop / planned.at('no-op', tenants):.1f}x / "
            f"{add / planned.at('add column', tenants):.1f}x"
        )
        print(
            f"| {row.executor}{note} | {noop:.1f} | {add:.1f} | {ratio} "
            f"| {row.at('no-op', TARGET_TENANTS):.0f} "
            f"| {row.at('add column', TARGET_TENANTS):.0f} |"
        )
    print()
    verdicts = []
    for kind, limit in TARGETS.items():
        value = planned.at(kind, TARGET_TENANTS)
        verdict = "met" if value < limit else "MISSED"
        verdicts.append(f"{kind} {value:.0f} s < {limit:.0f} s {verdict}")
    projected = "" if tenants == TARGET_TENANTS else ", projected from the run above"
    print(
        f"targets at {TARGET_TENANTS:,} tenants on 2 cores (issue 6){projected}, "
        f"planned executor with {os.cpu_count()} CPUs here: " + "; ".join(verdicts)
    )
    print()


def _count(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 9999:
        raise argparse.ArgumentTypeError("must be between 0 and 9999")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time migrate_schemas over many tenants: django-tenants' "
        "executors vs the project's planned executor.",
    )
    parser.add_argument(
        "--tenants",
        type=_count,
        default=100,
        help="tenants to provision and migrate with the planned executor (default 100)",
    )
    parser.add_argument(
        "--default-tenants",
        type=_count,
        default=None,
        help="run django-tenants' executors on only this many of them and "
        "extrapolate (default: all)",
    )
    parser.add_argument(
        "--with-multiprocessing",
        action="store_true",
        help="also time django-tenants' multiprocessing executor",
    )
    args = parser.parse_args(argv)
    if args.tenants < 1:
        parser.error("--tenants must be at least 1")
    if args.default_tenants is None or args.default_tenants > args.tenants:
        args.default_tenants = args.tenants
    if args.default_tenants < 1:
        parser.error("--default-tenants must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    run_started = time.perf_counter()
    defaults = ["standard"] + (["multiprocessing"] if args.with_multiprocessing else [])
    executors = [*defaults, "planned"]

    with (
        throwaway_database() as (server, name),
        tempfile.TemporaryDirectory(prefix="bench-release-") as scratch,
    ):
        release_dir = Path(scratch)
        # tenant_provision logs one INFO line per tenant; keep the table readable.
        point_django_at(server, name, LOG_LEVEL="WARNING")

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"server: {server.description}; throwaway database {name}")
        print(
            f"PostgreSQL server version {connection.pg_version}; {os.cpu_count()} CPUs"
        )
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        write_release(release_dir)
        print(
            f"setup: migrate + template schema in {time.perf_counter() - started:.1f} s"
        )

        fixed = {
            executor: measure_fixed(executor, release_dir) for executor in executors
        }

        started = time.perf_counter()
        provision(args.default_tenants, "a")
        rows = [
            measure(executor, args.default_tenants, fixed, release_dir)
            for executor in defaults
        ]
        provision(args.tenants - args.default_tenants, "b")
        print(
            f"provisioned {args.tenants} tenants, timed the default executor(s) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        planned = {
            "no-op": run_command("planned", release_dir, release=False),
            "add column": run_command("planned", release_dir, release=True),
        }
        rows.append(Row("planned", args.tenants, fixed["planned"], planned))
        verify_final(release_dir)
        print_report(rows, args.tenants)
        spread = node_spread(connection)
        if spread:
            print("Citus: tenant schemas per node")
            print(spread)
            print()

    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
