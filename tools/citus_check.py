"""`make citus-check`: BagiPakai end to end on the local Citus cluster.

1. a fresh database `bagipakai` on every node (tools/citus_cluster.py);
2. `manage.py migrate` and `manage.py seed_demo` against the coordinator, timed;
3. a smoke of the main pages (tools/citus_smoke.py: platform, catalog,
   transparency log, tenant home, Sabilulungan portal, staff pages, open data),
   each tenant's audit chain verified, a warm-pool provisioning, and a
   `tenant_move` of one tenant to the other worker with its chain verified
   again afterwards;
4. the test suite against the coordinator (its test database made on every
   node first, then reused by pytest-django);
5. how the tenant schemas are spread over the nodes.

Prints a summary and exits non-zero if any step failed. Not part of
`make test` or CI (a fresh machine has no Citus).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
PY = str(REPO_DIR / ".venv" / "bin" / "python")
if not Path(PY).exists():
    PY = sys.executable


def _run(title: str, argv: list[str], env: dict, results: list) -> bool:
    print(f"\n=== {title}: {shlex.join(argv)}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO_DIR, env=env)
    seconds = time.perf_counter() - started
    ok = done.returncode == 0
    results.append((title, ok, seconds))
    print(f"=== {title}: {'ok' if ok else f'FAILED (exit {done.returncode})'} in {seconds:.1f} s", flush=True)
    return ok


def check(cluster, *, pytest_args: str = "") -> int:
    from tools.citus_cluster import DEFAULT_DB, spread

    results: list[tuple[str, bool, float]] = []
    env = dict(os.environ)
    env.update(
        DATABASE_URL=cluster.url(DEFAULT_DB),
        SECRET_KEY=env.get("SECRET_KEY") or "citus-check-not-a-secret",
        PUBLICCODE_PARSER=env.get("PUBLICCODE_PARSER")
        or str(REPO_DIR.parent / "shared/tools/publiccode-parser/publiccode-parser"),
        REDIS_URL="",
        LOG_LEVEL="WARNING",
    )
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        uptime = "?"
    print(f"Citus check on {cluster.url(DEFAULT_DB)} ({len(cluster.worker_nodes)} workers); {uptime}")
    subprocess.run(
        ["psql", "-X", "-At", cluster.url("postgres"), "-c", "SELECT version()"],
        check=False,
    )
    cluster.dropdb(DEFAULT_DB)
    cluster.createdb(DEFAULT_DB)
    with_debug = dict(env, DEBUG="1")
    _run("migrate", [PY, "manage.py", "migrate", "--noinput", "-v", "1"], env, results)
    _run("seed_demo", [PY, "manage.py", "seed_demo"], with_debug, results)
    _run("smoke", [PY, "tools/citus_smoke.py"], env, results)

    test_db = f"test_{DEFAULT_DB}"
    cluster.dropdb(test_db)
    cluster.createdb(test_db)
    _run(
        "test suite",
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--reuse-db", *shlex.split(pytest_args)],
        env,
        results,
    )
    cluster.dropdb(test_db)

    print("\n=== tenant schemas over the nodes (database bagipakai)")
    print(spread(cluster.url(DEFAULT_DB)))
    print("\n=== summary")
    for title, ok, seconds in results:
        print(f"  {title:<12} {'ok' if ok else 'FAILED':<7} {seconds:7.1f} s")
    failed = [title for title, ok, _s in results if not ok]
    print("citus-check: " + ("all steps passed" if not failed else "FAILED: " + ", ".join(failed)))
    return 1 if failed else 0
