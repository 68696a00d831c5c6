"""Benchmark: one tenant's archive at 10,000 tenants — tenant_export, tenant_import, pg_dump.

What it measures
----------------
On one PostgreSQL holding N tenants (``--tenants``, default 10,000), made as
bench/scale.py makes them (10 verified cities with the demo catalog and its
adoptions, Kota Bandung with Sabilulungan's demo data grown to ``--proposals``
proposals through the grants services, then institutions provisioned through
``tenants.services.tenant_provision`` up to N, every 10th adopting
Sabilulungan):

1. **export** -- ``tenants.archive.service.tenant_export`` of Bandung to a
   file (what ``manage.py tenant_export bandung FILE`` runs after start-up),
   ``--runs`` times;
2. **import** -- ``tenant_import`` of that archive as a copy (``--as``), each
   run under a new subdomain, ``--runs`` times; the first copy is checked row
   for row against Bandung (every table of the schema);
3. **pg_dump** -- ``pg_dump --schema=<bandung's schema> --format=custom`` in
   the same run, ``--dump-runs`` times (it reads the whole catalogue first,
   which is what grows with the tenants).

Each is timed with ``time.perf_counter`` around the call (the command's
Django start-up, about a second, is not included; pg_dump's process start is).
It prints p50 and max per operation against the target (under 2 s each at
10,000 tenants, issue 16), each run's time in order (the first import of a
process also reads the migration files and plans the schema clone, as every
``manage.py tenant_import`` does; later ones find both cached), the archive's
size, and peak memory: the Python heap's peak during one more call of each
under ``tracemalloc`` (tracing makes allocation-heavy Python code several
times slower, so the timed calls run untraced; before 4 December 2026 they
were traced) and the process's maximum resident size (``ru_maxrss``) after
all runs, and the load average.

It never touches the developer's database: a throwaway database
``bagipakai_bench_<pid>`` on the server Django would use, dropped at the end
(bench/_common.py).

Building 10,000 tenants takes 40 minutes or more on 2 CPUs (75 on a busy
machine); ``--keep-db NAME``
builds once into database NAME (created when missing, never dropped) with its
uploaded files in ``.data/bench-media/NAME/`` and a ``BUILT`` mark there once
the build has finished; later runs with the same NAME apply new migrations,
build nothing and only measure. Their copies are named ``salinan-<run>-<i>``
and deleted with ``tenant_delete`` after the run (untimed), so the database
stays at its size (the deleted copies' rows stay as tombstones). A database
whose build did not finish is refused: drop it (and the folder) and build
again. ``--tenants`` only applies to the build; a kept database whose Bandung
has fewer than ``--proposals`` proposals gets more first (untimed, through the
grants services as the build makes them).

How to run (from the repository root)
-------------------------------------
    make bench-archive                                          # 10,000 tenants
    .venv/bin/python bench/tenant_archive.py --tenants 200 --proposals 100   # quick look
    .venv/bin/python bench/tenant_archive.py --keep-db bagipakai_bench_archive10k --build-only  # build once
    # again later, only measuring:
    flock /work/wt/bench.lock .venv/bin/python bench/tenant_archive.py --keep-db bagipakai_bench_archive10k
    # and to throw it away:  dropdb bagipakai_bench_archive10k; rm -r .data/bench-media/bagipakai_bench_archive10k

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench import (  # noqa: E402 -- needs the sys.path above
    scale,
    scale_const,
    scale_sizes,
    scale_world,
)
from bench._common import (  # noqa: E402
    install_sigterm_handler,
    kept_database,
    point_django_at,
    throwaway_database,
)

TARGET_SECONDS = 2.0
# A kept database's uploaded files, and its mark of a finished build.
KEPT_MEDIA = REPO_DIR / ".data" / "bench-media"
BUILT = "BUILT"
COPY_PREFIX = "salinan-"


def _timed(func):
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def _heap_peak(func) -> int:
    """The Python heap's peak during one more call, traced (tracemalloc makes
    allocation-heavy Python code several times slower, so the timed calls run
    untraced)."""
    tracemalloc.start()
    try:
        func()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _schema_rows(schema: str) -> dict[str, list]:
    """Every row of every table of `schema`, sorted, for the round-trip check."""
    from django.db import connection

    from tenants.archive.service import _q, _tables

    out = {}
    with connection.cursor() as cursor:
        for table, columns in _tables(cursor, schema):
            if table == "django_migrations":
                continue
            cursor.execute(
                f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(schema)}.{_q(table)}"
            )
            # A copy's files live under its own schema's prefix.
            prefix = f"tenants/{schema}/"
            out[table] = sorted(
                repr(row).replace(prefix, "tenants/<schema>/")
                for row in cursor.fetchall()
            )
    return out


def build(args) -> None:
    """The database: migrate, 10 cities with Bandung's grants, grown to --tenants."""
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Tenant
    from tenants.schema import template_sync_on_startup

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    template_sync_on_startup()
    scale_const.PROPOSALS = args.proposals
    world = scale_world.setup_world()
    print(
        f"setup: 10 cities, Bandung with {args.proposals} proposals in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    started = time.perf_counter()
    scale_world.grow(world, args.tenants)
    connection.close()
    connection.set_schema_to_public()
    total = Tenant.objects.exclude(kind="platform").count()
    print(
        f"grown to {total:,} tenants in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    scale_world.vacuum_analyze()


def reuse() -> None:
    """A kept database: new migrations only (nothing is built). When the public
    schema, the template and Bandung's schema already record every migration on
    disk, migrate is not run (at 10,000 schemas even a no-op run reads them all)."""
    from django.core.management import call_command
    from django.db import connection

    from tenants.schema import (
        applied_migrations,
        expected_migrations,
        template_schema,
        template_sync_on_startup,
    )

    started = time.perf_counter()
    connection.set_schema_to_public()
    schemas = ("public", template_schema(), "t_" + scale_const.BANDUNG)
    if all(expected_migrations() <= applied_migrations(s) for s in schemas):
        print("reused: every migration applied already", flush=True)
        return
    call_command("migrate", interactive=False, verbosity=0)
    template_sync_on_startup()
    print(f"reused: migrate in {time.perf_counter() - started:.0f} s", flush=True)


def top_up(proposals: int) -> None:
    """A kept database with fewer proposals in Bandung than --proposals gets more,
    through the grants services as the build makes them (untimed)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django_tenants.utils import tenant_context

    from grants.models import Proposal
    from tenants.models import Tenant, User

    connection.set_schema_to_public()
    bandung = Tenant.objects.get(slug=scale_const.BANDUNG)
    with tenant_context(bandung):
        have = Proposal.objects.count()
    if have >= proposals:
        return
    started = time.perf_counter()
    admin = User.objects.get(email=scale_world._cities()[0].admin_email)
    added = scale_world.grow_bandung_proposals(
        bandung, admin, make_password(scale_const.PASSWORD), proposals
    )
    connection.set_schema_to_public()
    scale_world.vacuum_analyze()
    print(
        f"topped up: Bandung had {have} proposals, {added} added in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _copy_slugs(runs: int, kept: bool) -> list[str]:
    """The copies' subdomains: salinan-1.. in a throwaway database; in a kept one
    salinan-<run>-<i>, a run number no earlier run used (deleted tenants keep
    their slugs)."""
    if not kept:
        return [f"{COPY_PREFIX}{i + 1}" for i in range(runs)]
    from tenants.models import Tenant

    used = Tenant.all_objects.filter(slug__startswith=COPY_PREFIX).values_list(
        "slug", flat=True
    )
    run = 1 + max(
        (int(slug.split("-")[1]) for slug in used if slug.count("-") == 2), default=0
    )
    return [f"{COPY_PREFIX}{run}-{i + 1}" for i in range(runs)]


def _delete_copies(slugs: list[str]) -> None:
    """A kept database's copies go after the run (untimed), through tenant_delete."""
    from django.db import connection

    from tenants.models import Tenant, User
    from tenants.services import tenant_delete

    connection.set_schema_to_public()
    operator = User.objects.get(email="operator@bagipakai.bench.test")
    for tenant in Tenant.objects.filter(slug__in=slugs, deleted_at__isnull=True):
        tenant_delete(
            actor=operator,
            tenant=tenant,
            confirmation=tenant.slug,
            reason="bench/tenant_archive.py",
        )


def run(args, server, name, folder: Path, *, kept: bool = False) -> None:
    from django.db import connection

    from tenants.archive.service import tenant_export, tenant_import
    from tenants.models import Tenant

    connection.set_schema_to_public()
    total = (
        Tenant.objects.exclude(kind="platform")
        .filter(deleted_at__isnull=True)
        .exclude(slug__startswith=COPY_PREFIX)
        .count()
    )
    bandung = Tenant.objects.get(slug=scale_const.BANDUNG)
    exports, imports = [], []
    archive = folder / "bandung.tar.gz"
    for index in range(args.runs):
        target = folder / f"bandung-{index}.tar.gz"
        seconds, result = _timed(
            lambda target=target: tenant_export(tenant=bandung, path=target)
        )
        exports.append(seconds)
        shutil.copyfile(target, archive)
        size, rows, files = result.bytes, result.rows, result.files
    # One more copy than timed runs: the last is the traced import.
    slugs = _copy_slugs(args.runs + 1, kept)
    for slug in slugs[:-1]:
        seconds, _result = _timed(
            lambda slug=slug: tenant_import(path=archive, new_slug=slug)
        )
        imports.append(seconds)
    export_peak = _heap_peak(
        lambda: tenant_export(tenant=bandung, path=folder / "traced.tar.gz")
    )
    import_peak = _heap_peak(lambda: tenant_import(path=archive, new_slug=slugs[-1]))
    connection.set_schema_to_public()
    copy = Tenant.objects.get(slug=slugs[0])
    same = _schema_rows(bandung.schema_name) == _schema_rows(copy.schema_name)
    connection.set_schema_to_public()
    if kept:
        _delete_copies(slugs)

    tool, tool_text = scale_sizes.pg_dump_tool()
    dumps = []
    if tool is not None:
        for _ in range(args.dump_runs):
            dumps.append(
                scale_sizes.pg_dump_schema(tool, server, name, bandung.schema_name)
            )

    import os

    print()
    print(
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"(1, 5, 15 min) after the runs"
    )
    print(
        f"PostgreSQL {connection.pg_version}; {os.cpu_count()} CPUs; "
        f"{total:,} tenants; Bandung: {args.proposals} proposals, {rows:,} rows, "
        f"{files} files"
    )
    print(f"archive: {size:,} bytes ({size / 1024 / 1024:.2f} MB, tar.gz)")

    def line(label, values, peak):
        p50 = statistics.median(values)
        verdict = "PASS" if p50 < TARGET_SECONDS else "FAIL"
        print(
            f"  {label:<22} p50 {p50:7.3f} s  max {max(values):7.3f} s  "
            f"({len(values)} runs)  target < {TARGET_SECONDS:.0f} s: {verdict}"
        )
        print(f"  {'':<22} runs in order: {' '.join(f'{v:.3f}' for v in values)}")
        print(
            f"  {'':<22} Python heap peak {peak / 1024 / 1024:.1f} MB "
            "(one more call, under tracemalloc)"
        )

    line("tenant_export", exports, export_peak)
    line("tenant_import (--as)", imports, import_peak)
    if dumps:
        values = [d.seconds for d in dumps]
        print(
            f"  {'pg_dump --schema':<22} p50 {statistics.median(values):7.3f} s  "
            f"max {max(values):7.3f} s  ({len(values)} runs), "
            f"{dumps[0].bytes:,} bytes ({tool_text})"
        )
    else:
        print(f"  pg_dump: not measured ({tool_text})")
    print(
        f"process max resident size: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(
        f"round trip (copy's schema equal to Bandung's, every table, row for row): "
        f"{'yes' if same else 'NO'}"
    )
    if not same:
        raise SystemExit("FAIL: the imported copy differs from the source")


def _point(server, name, media: Path) -> None:
    point_django_at(
        server,
        name,
        HTTPS="0",
        STATIC_MANIFEST="0",
        BASE_DOMAIN=scale_const.BASE_DOMAIN,
        ALLOWED_HOSTS=f"{scale_const.BASE_DOMAIN},.{scale_const.BASE_DOMAIN}",
        EMAIL_URL="",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        MEDIA_ROOT=str(media),
    )
    scale._setup_django()


def run_kept(args, folder: Path) -> None:
    with kept_database(args.keep_db) as (server, name, created):
        media = KEPT_MEDIA / name
        built = media / BUILT
        if not created and not built.exists():
            raise SystemExit(
                f"database {name} has no finished build ({built} is missing): "
                f"drop it (dropdb {name}; rm -r {media}) and run again"
            )
        if created:
            shutil.rmtree(media, ignore_errors=True)
        media.mkdir(parents=True, exist_ok=True)
        _point(server, name, media)
        if created:
            print(f"server: {server.description}; kept database {name} (building)")
            build(args)
            built.write_text(f"tenants={args.tenants} proposals={args.proposals}\n")
            if args.build_only:
                return
        else:
            print(
                f"server: {server.description}; kept database {name} "
                f"({built.read_text().strip()}; nothing built)"
            )
            reuse()
            top_up(args.proposals)
        run(args, server, name, folder, kept=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--proposals", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dump-runs", type=int, default=3)
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="build once into database NAME (files in .data/bench-media/NAME) and "
        "keep it; later runs reuse it and only measure",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="with --keep-db: build (when missing) and stop, measuring nothing "
        "(so that the build need not hold the benchmark lock)",
    )
    args = parser.parse_args(argv)
    install_sigterm_handler()
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="bagipakai-archive-bench-"))
    try:
        if args.keep_db:
            run_kept(args, folder)
        else:
            media = Path(tempfile.mkdtemp(prefix="bagipakai-archive-media-"))
            try:
                with throwaway_database() as (server, name):
                    _point(server, name, media)
                    print(f"server: {server.description}; throwaway database {name}")
                    build(args)
                    run(args, server, name, folder)
            finally:
                shutil.rmtree(media, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"total runtime {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
