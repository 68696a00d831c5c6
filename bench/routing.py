"""Benchmark: what tenant routing costs a request, over HTTP (issue #6).

What it measures
----------------
The same tenant pages served by gunicorn (loopback, ``config.wsgi:application``,
2 gthread workers with 1 thread each, DEBUG off, plain HTTP, persistent database
connections) and loaded with wrk (keep-alive connections, ``Host:
bandung.localhost``), in these configurations of the same code:

1. **tenant routing** -- the project's settings: ``tenants.routing.
   TenantRoutingMiddleware`` (host → tenant from the cache) and
   ``TENANT_LIMIT_SET_CALLS`` (one ``SET search_path`` per request).
2. **single-schema baseline** -- ``SINGLE_TENANT_SCHEMA=t_bandung``: every
   request is Bandung's, no lookup and no ``SET`` (connections open on the
   schema). The only difference from 1 is routing.
3. **django-tenants stock** -- ``TENANT_ROUTING_STOCK=1``: django-tenants'
   ``TenantMainMiddleware`` (a Domain ⋈ Tenant query per request) and a ``SET``
   before every statement: the project before issue #6.
4. **tenant routing, Redis** -- as 1 with the cache in Redis (``REDIS_URL``),
   as production runs it; only with ``--redis-url``.

Each configuration gets its own gunicorn, all started at once; after a warm-up
the configurations take turns for ``--rounds`` rounds of ``--duration``
seconds each (alternating, so that a busy moment on the machine hits them all).
The table shows requests/s (median of the rounds, and their range), wrk's p50
and p99 latency from the median round, the ratio to the baseline, and the SQL
statements per request (``SET search_path`` and routing lookups separately),
counted with ``CaptureQueriesContext`` in a child process with the same
settings, on a warm request. Under gunicorn each request also runs the
connection health check (``SELECT 1``, CONN_HEALTH_CHECKS) in every
configuration; Django does not count it. Target: tenant routing serves at
least 95 % of the baseline's requests/s (routing costs < 5 %).

The data, made through the project's services: the platform and Kota Bandung
(``tenant_provision``, ``tenant_verify``), Bandung's public profile
(``tenant_profile_update``), the hosted catalog entry ``sabilulungan``
published by Bandung (``app_create``, which switches the grants portal on) and
four open programs (``grants.services``). Pages: the tenant's home ``/`` and
the Sabilulungan portal ``/grants/`` (``--path`` to choose).

Like the other benchmarks it runs in a throwaway database
``bagipakai_bench_<pid>`` (bench/_common.py), migrated first and dropped at the
end; the gunicorn processes are stopped first, also on Ctrl-C or failure.
Needs wrk (Debian: ``apt-get install wrk``).

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/routing.py                      # 3 rounds of 15 s per page
    .venv/bin/python bench/routing.py --duration 5 --rounds 1 --path /
    .venv/bin/python bench/routing.py --redis-url redis://127.0.0.1:6379/15

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
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
    point_django_at,
    throwaway_database,
)

SLUG = "bandung"
SCHEMA = "t_bandung"
HOST = f"{SLUG}.localhost"
TENANT_NAME = "Pemerintah Kota Bandung"
DEFAULT_PATHS = ("/", "/grants/")
TARGET = 0.95
TARGET_LINE = "target: tenant routing >= 95 % of the single-schema baseline's requests/s (routing costs < 5 %)"


@dataclass(frozen=True)
class Config:
    key: str
    label: str
    environ: dict[str, str]


@dataclass
class Round:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str = ""


@dataclass
class Result:
    config: Config
    path: str
    rounds: list[Round] = field(default_factory=list)
    statements: dict | None = None

    @property
    def median_round(self) -> Round:
        ordered = sorted(self.rounds, key=lambda r: r.rps)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.rounds)


def configurations(redis_url: str | None, stock: bool) -> list[Config]:
    configs = [
        Config("routing", "tenant routing (cached route, SET only on a schema change)", {}),
        Config("single", "single-schema baseline", {"SINGLE_TENANT_SCHEMA": SCHEMA}),
    ]
    if stock:
        configs.append(
            Config(
                "stock",
                "django-tenants stock (query + SET per statement)",
                {"TENANT_ROUTING_STOCK": "1"},
            )
        )
    if redis_url:
        configs.append(
            Config("redis", "tenant routing, Redis cache", {"REDIS_URL": redis_url})
        )
    return configs


# --- data ------------------------------------------------------------------------


def seed() -> None:
    """Platform, Bandung with a profile, the grants portal and four open programs."""
    from datetime import date

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from catalog.services import app_create
    from grants import services as grants
    from tenants.models import User
    from tenants.services import (
        platform_ensure,
        tenant_profile_update,
        tenant_provision,
        tenant_verify,
    )

    connection.set_schema_to_public()
    platform_ensure()
    password = make_password("bench-not-a-secret")
    admin = User.objects.create(
        email="admin@bandung.bench.test", full_name="Yana Mulyana", password=password
    )
    EmailAddress.objects.create(
        user=admin, email=admin.email, verified=True, primary=True
    )
    operator = User.objects.create(
        email="operator@bagipakai.bench.test",
        full_name="Operator BagiPakai",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    tenant = tenant_provision(
        actor=admin,
        name=TENANT_NAME,
        kind="kota",
        region_code="32.73",
        slug=SLUG,
    )
    tenant = tenant_verify(actor=operator, tenant=tenant)
    tenant = tenant_profile_update(
        actor=admin,
        tenant=tenant,
        description=(
            "Pemerintah Kota Bandung melayani warga kota melalui perangkat daerah "
            "dan kecamatan.\nSemua hibah dan bantuan sosial dicatat terbuka di sini."
        ),
        address="Jl. Wastukencana No. 2, Bandung 40117",
        website="https://www.bandung.go.id",
        contact_name="Bagian Kesejahteraan Rakyat",
        contact_email="kesra@bandung.go.id",
        contact_phone="022 4232338",
    )
    app_create(
        actor=admin,
        publisher=tenant,
        slug="sabilulungan",
        name="Sabilulungan",
        short_description_id="Hibah dan bantuan sosial yang akuntabel.",
        short_description_en="Accountable grants and social aid.",
        categories=["grant-management"],
        development_status="stable",
        delivery_mode="hosted",
        hosted_module="grants",
        license="AGPL-3.0-or-later",
        url="https://git.bandung.go.id/diskominfo/sabilulungan",
        platforms=["web"],
        languages=["id"],
    )
    connection.set_tenant(tenant)
    year = date.today().year
    for name, kind, unit in (
        ("Hibah Kegiatan Kemasyarakatan", "hibah", "Bagian Kesra"),
        ("Hibah Rumah Ibadah", "hibah", "Bagian Kesra"),
        ("Bansos Pendidikan Warga Kurang Mampu", "bansos", "Dinas Sosial"),
        ("Hibah Organisasi Kepemudaan", "hibah", "Dispora"),
    ):
        program = grants.program_create(
            tenant=tenant,
            actor_user=admin,
            name=f"{name} {year}",
            kind=kind,
            fiscal_year=year,
            budget=2_500_000_000,
            responsible_unit=unit,
            opens_on=date(year, 1, 6),
            closes_on=date(year, 12, 15),
            eligibility="Lembaga dan warga Kota Bandung yang memenuhi Perwal hibah.",
            required_documents=["Proposal", "Surat keterangan domisili"],
        )
        grants.program_set_status(
            tenant=tenant, actor_user=admin, program=program, status="open"
        )
    connection.set_schema_to_public()


# --- statements per request (child process) ------------------------------------------


def count_statements(paths: list[str]) -> dict:
    """In this process (settings from the environment): one warm request per path."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    counts = {}
    for path in paths:
        for _ in range(3):  # the first fills the route cache and the connection
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        sql = [q["sql"] for q in captured.captured_queries]
        counts[path] = {
            "total": len(sql),
            "set": sum(s.startswith("SET search_path") for s in sql),
            "routing": sum('"tenants_domain"."domain" =' in s for s in sql),
        }
    return counts


def statements_for(config: Config, paths: list[str], environ: dict) -> dict:
    env = {**environ, **config.environ}
    out = subprocess.run(
        [sys.executable, __file__, "--count-statements", *paths],
        env=env,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"counting statements ({config.key}) failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- gunicorn and wrk -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn for one configuration, in its own process group."""

    def __init__(self, config: Config, environ: dict, workers: int):
        self.config = config
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(
            prefix=f"bench-routing-{config.key}-", suffix=".log", delete=False
        )
        env = {**environ, **config.environ}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--worker-class=gthread",
                "--threads=1",
                "--keep-alive=30",
                "--log-level=warning",
            ],
            env=env,
            cwd=REPO_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Host": HOST})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(
            f"gunicorn ({self.config.key}) did not start:\n{self.output()}"
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    wrk: str,
    server: Server,
    path: str,
    seconds: int,
    connections: int,
    host: str = HOST,
) -> Round:
    out = subprocess.run(
        [
            wrk,
            "--latency",
            f"--threads={min(2, connections)}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            "-H",
            f"Host: {host}",
            server.url + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {
        pct: float(value) * _UNIT_MS[unit]
        for pct, value, unit in re.findall(
            r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M
        )
    }
    errors = " ".join(
        line.strip()
        for line in out.splitlines()
        if "Non-2xx" in line or "Socket errors" in line
    )
    return Round(rps=rps, p50_ms=latency["50"], p99_ms=latency["99"], errors=errors)


# --- report ----------------------------------------------------------------------------


def print_report(results: list[Result], duration: int) -> None:
    print()
    print(
        "| page | configuration | req/s (median) | range of rounds | p50 ms | p99 ms "
        "| vs baseline | SQL / request (SET, routing) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    baseline = {r.path: r.rps for r in results if r.config.key == "single"}
    verdicts = []
    for result in results:
        best = result.median_round
        low = min(r.rps for r in result.rounds)
        high = max(r.rps for r in result.rounds)
        ratio = result.rps / baseline[result.path] if baseline.get(result.path) else 0
        s = result.statements or {}
        print(
            f"| `{result.path}` | {result.config.label} | {result.rps:.0f} "
            f"| {low:.0f}–{high:.0f} | {best.p50_ms:.2f} | {best.p99_ms:.2f} "
            f"| {ratio:.3f} | {s.get('total', '?')} ({s.get('set', '?')}, {s.get('routing', '?')}) |"
        )
        for r in result.rounds:
            if r.errors:
                print(f"  ! {result.config.key} {result.path}: {r.errors}")
        if result.config.key == "routing":
            verdicts.append(
                f"`{result.path}`: routing costs {100 * (1 - ratio):.1f} % "
                f"({'meets' if ratio >= TARGET else 'MISSES'} the target)"
            )
    print()
    print(
        f"{len(results[0].rounds)} round(s) of {duration} s per configuration and page"
    )
    for verdict in verdicts:
        print(verdict)
    print(TARGET_LINE)
    print()


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s of tenant pages with tenant routing vs a single-schema baseline."
    )
    parser.add_argument(
        "--duration", type=int, default=15, help="seconds per round (15)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per configuration (3)"
    )
    parser.add_argument("--warmup", type=int, default=5, help="warm-up seconds (5)")
    parser.add_argument(
        "--connections", type=int, default=4, help="wrk's open connections (4)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--path",
        action="append",
        dest="paths",
        help="page to load, repeatable (default / and /grants/)",
    )
    parser.add_argument(
        "--redis-url",
        help="also measure routing with the cache in this Redis (use a spare database number)",
    )
    parser.add_argument(
        "--no-stock",
        action="store_true",
        help="skip django-tenants' stock configuration",
    )
    parser.add_argument("--count-statements", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.duration < 1 or args.rounds < 1 or args.warmup < 0 or args.connections < 1:
        parser.error("durations, rounds and connections must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.count_statements:
        print(json.dumps(count_statements(args.count_statements)))
        return 0

    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "bench/routing.py needs wrk: apt-get install wrk (or `make bench-routing`)"
        )
    paths = args.paths or list(DEFAULT_PATHS)
    configs = configurations(args.redis_url, stock=not args.no_stock)
    install_sigterm_handler()
    run_started = time.perf_counter()

    with throwaway_database() as (server, name):
        point_django_at(
            server,
            name,
            BASE_DOMAIN="localhost",
            HTTPS="0",
            STATIC_MANIFEST="0",
            LOG_LEVEL="WARNING",
            CONN_MAX_AGE="600",
            REDIS_URL="",
        )
        for switch in ("SINGLE_TENANT_SCHEMA", "TENANT_ROUTING_STOCK", "ALLOWED_HOSTS"):
            os.environ.pop(switch, None)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        print(f"server: {server.description}; throwaway database {name}")
        print(f"PostgreSQL server version {connection.pg_version}")
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        seed()
        connections.close_all()
        print(f"setup: migrate + seed in {time.perf_counter() - started:.1f} s")
        environ = dict(os.environ)

        counts = {c.key: statements_for(c, paths, environ) for c in configs}
        results = [
            Result(c, p, statements=counts[c.key][p]) for p in paths for c in configs
        ]

        servers: list[Server] = []
        try:
            for config in configs:
                servers.append(Server(config, environ, args.workers))
            for srv in servers:
                srv.wait_ready()
                for path in paths:
                    status, body = srv.get(path)
                    if status != 200 or TENANT_NAME.encode() not in body:
                        raise SystemExit(
                            f"{srv.config.key} {path}: HTTP {status}\n{srv.output()}"
                        )
            by_key = {srv.config.key: srv for srv in servers}
            print(
                f"gunicorn: {args.workers} gthread workers x 1 thread per configuration; "
                f"wrk: {args.connections} connections, Host: {HOST}"
            )
            for path in paths:
                for srv in servers:
                    run_wrk(wrk, srv, path, args.warmup, args.connections)
                for n in range(args.rounds):
                    # Alternate the order so no configuration always goes first.
                    order = configs[n % len(configs) :] + configs[: n % len(configs)]
                    for config in order:
                        result = next(
                            r for r in results if r.config == config and r.path == path
                        )
                        result.rounds.append(
                            run_wrk(
                                wrk,
                                by_key[config.key],
                                path,
                                args.duration,
                                args.connections,
                            )
                        )
                        print(
                            f"  {path} round {n + 1} {config.key}: "
                            f"{result.rounds[-1].rps:.0f} req/s",
                            flush=True,
                        )
        finally:
            for srv in servers:
                srv.stop()
        print_report(results, args.duration)

    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers are stopped and the database dropped
        sys.exit(130)
