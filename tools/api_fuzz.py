"""Schemathesis against the catalog API, deeper than the bounded run of `make test`.

`make api-fuzz` runs this after `make seed` (migrate and the demo's data). It
starts a server of its own on a free port of 127.0.0.1, as production answers
(DEBUG off) and with the rate limits off (DISABLE_RATE_LIMITS=1: thousands of
requests from one address would otherwise meet 429s), waits for /healthz, runs
Schemathesis with every check on, and stops the server (its log:
.schemathesis/server.log). The database is the one `make run` uses
(DATABASE_URL, or the embedded PostgreSQL); BASE_DOMAIN, if set, must lead to
this machine.

    python tools/api_fuzz.py [--examples 200] [--workers 2]
    python tools/api_fuzz.py --url http://localhost:8000   # a server of your own,
                                                           # its rate limits off

tests/catalog/test_api_schemathesis.py runs the same options, bounded.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SCHEMA_PATH = "/api/v1/schema/?format=json"
REPORT_DIR = REPO_DIR / ".schemathesis"
SERVER_LOG = REPORT_DIR / "server.log"
# Every check, every phase but the stateful one; the test suite adds its bounds.
OPTIONS = [
    # Every operation: Schemathesis leaves out the one that served the document
    # unless a filter names it.
    "--include-path-regex",
    "^/api/v1/",
    "--checks",
    "all",
    "--phases",
    "examples,coverage,fuzzing",
    "--seed",
    "14",
    "--max-response-time",
    "5",
    "--request-timeout",
    "10",
    "--header",
    "Accept-Language: en",
]
SERVER_ENV = {
    "DEBUG": "0",
    "HTTPS": "0",
    "DISABLE_RATE_LIMITS": "1",
    # DEBUG off would ask for collected static files; the API uses none.
    "STATIC_MANIFEST": "0",
}


def schemathesis_env() -> dict[str, str]:
    """The environment Schemathesis runs in: with tools/schemathesis_hooks.py."""
    return {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(REPO_DIR / "tools" / "schemathesis_hooks.py"),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"the server stopped (exit code {server.returncode}): see {SERVER_LOG}"
            )
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(
        f"the server at {url} did not answer /healthz in {timeout:.0f} s: see {SERVER_LOG}"
    )


def run_schemathesis(url: str, examples: int, workers: int) -> int:
    command = [
        str(SCHEMATHESIS),
        "run",
        url + SCHEMA_PATH,
        *OPTIONS,
        "--workers",
        str(workers),
        "--max-examples",
        str(examples),
        "--report-dir",
        str(REPORT_DIR),
    ]
    return subprocess.run(command, cwd=REPO_DIR, env=schemathesis_env()).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--url", default="", help="a running server instead")
    args = parser.parse_args(argv)
    if not SCHEMATHESIS.exists():
        print("schemathesis is missing: make install", file=sys.stderr)
        return 2
    if args.url:
        return run_schemathesis(args.url.rstrip("/"), args.examples, args.workers)

    port = free_port()
    env = {**os.environ, **SERVER_ENV}
    # DEBUG off wants a key when DATABASE_URL is set; this server lives for one run.
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    REPORT_DIR.mkdir(exist_ok=True)
    log = SERVER_LOG.open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # The platform host: BASE_DOMAIN (localhost unless set) at this port.
        url = f"http://{env.get('BASE_DOMAIN') or 'localhost'}:{port}"
        wait_until_healthy(url, server, timeout=120)
        print(f"api-fuzz: server at {url} (rate limits off)", flush=True)
        return run_schemathesis(url, args.examples, args.workers)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
