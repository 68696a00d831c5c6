"""Benchmark: the public pages under load, against /healthz in the same run (issue #12).

What it measures
----------------
gunicorn as production runs it (``config/gunicorn.py``: 5 gthread workers with
2 threads on 2 CPUs, DEBUG off, plain HTTP on loopback), the cache in Redis
(``REDIS_URL``), the demo data (``seed_demo``), loaded by wrk with 50 keep-alive
connections for ``--duration`` seconds per page, one page after another:

- ``/healthz`` (the reference: one ``SELECT 1``),
- Kota Bandung's transparency portal ``/grants/`` and its public proposal list
  ``/grants/proposals/`` (``Host: bandung.localhost``),
- the catalog ``/catalog/`` and the catalog API ``/api/v1/apps/`` (``Host: localhost``).

For each: requests/s, wrk's p50 and p99, errors (non-2xx, socket errors and
timeouts), and the ratio to ``/healthz`` of the same run. Target: every public
page and the API list at least 80 % of ``/healthz``'s requests/s, p99 under 300 ms,
no errors. Absolute figures drift on a shared machine; the ratio in one run is
what to compare. The sign-in and API rate limits are off (``DISABLE_RATE_LIMITS``,
the switch the benchmarks use): 50 connections from one address would be
throttled otherwise.

The issue's baseline, measured before public pages were cached (same machine,
same command): portal 284 req/s (p50 191 ms, p99 676 ms), proposal list 98 req/s
(p99 1.44 s, 5 timeouts), catalog 225 req/s (p99 766 ms), API list 221 req/s
(p99 665 ms).

Like the other benchmarks it runs in a throwaway database ``bagipakai_bench_<pid>``
(bench/_common.py), dropped at the end, and uses Redis database 14, emptied first.
Needs wrk and a Redis server (``make bench-load`` installs wrk when missing).

    .venv/bin/python bench/load.py                 # 20 s per page
    .venv/bin/python bench/load.py --duration 5

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
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
from bench.routing import free_port, run_wrk  # noqa: E402

PAGES = [
    ("health", "bandung.localhost", "/healthz"),
    ("portal home", "bandung.localhost", "/grants/"),
    ("proposal list", "bandung.localhost", "/grants/proposals/"),
    ("catalog", "localhost", "/catalog/"),
    ("API list", "localhost", "/api/v1/apps/"),
]
TARGET_RATIO = 0.80
TARGET_P99_MS = 300


class Gunicorn:
    """gunicorn with the project's own configuration file, on a free port."""

    def __init__(self, environ: dict):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(
            prefix="bench-load-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                f"--bind=127.0.0.1:{self.port}",
                "--access-logfile=/dev/null",
                "--log-level=warning",
                "config.wsgi:application",
            ],
            env=environ,
            cwd=REPO_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, host: str, path: str) -> int:
        request = urllib.request.Request(self.url + path, headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if self.get("localhost", "/healthz") == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not start:\n" + self.output())

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per page (20)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per page")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/14", help="emptied first"
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench/load.py needs wrk: apt-get install wrk (or make bench-load)")
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    install_sigterm_handler()
    started = time.perf_counter()
    with throwaway_database() as (server, name):
        point_django_at(
            server,
            name,
            BASE_DOMAIN="localhost",
            HTTPS="0",
            DEBUG="0",
            STATIC_MANIFEST="0",
            LOG_LEVEL="WARNING",
            CONN_MAX_AGE="600",
            REDIS_URL=args.redis_url,
            DISABLE_RATE_LIMITS="1",
            TEMPLATE_SYNC_ON_STARTUP="0",
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        print(f"server: {server.description}; throwaway database {name}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))
        connections.close_all()
        print(f"setup: migrate + seed_demo in {time.perf_counter() - started:.0f} s")
        gunicorn = Gunicorn(dict(os.environ))
        results = []
        try:
            gunicorn.wait_ready()
            for label, host, path in PAGES:
                status = gunicorn.get(host, path)
                if status != 200:
                    raise SystemExit(f"{label} {host}{path}: HTTP {status}")
            load = os.getloadavg()
            print(
                f"wrk: {args.connections} connections, {args.duration} s per page; "
                f"load average before: {load[0]:.2f}"
            )
            for label, host, path in PAGES:
                run_wrk(wrk, gunicorn, path, args.warmup, args.connections, host=host)
                result = run_wrk(
                    wrk, gunicorn, path, args.duration, args.connections, host=host
                )
                results.append((label, host, path, result))
                print(f"  {label}: {result.rps:.0f} req/s", flush=True)
        finally:
            gunicorn.stop()
    health = results[0][3].rps
    print()
    print(
        "| page | req/s | ratio to /healthz | p50 ms | p99 ms | errors | target |"
    )
    print("|---|---:|---:|---:|---:|---|---|")
    for label, _host, path, r in results:
        ratio = r.rps / health
        ok = label == "health" or (
            ratio >= TARGET_RATIO and r.p99_ms < TARGET_P99_MS and not r.errors
        )
        print(
            f"| {label} `{path}` | {r.rps:.0f} | {ratio:.2f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.errors or 'none'} | "
            f"{'' if label == 'health' else ('PASS' if ok else 'FAIL')} |"
        )
    print(
        f"\ntarget: >= {TARGET_RATIO:.0%} of /healthz, p99 < {TARGET_P99_MS} ms, "
        f"no errors; load average after: {os.getloadavg()[0]:.2f}; "
        f"total {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
