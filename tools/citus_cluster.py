"""A local Citus cluster for trying BagiPakai on schema-based sharding.

A coordinator and N workers (default 2), each its own PostgreSQL 15 instance
made with `initdb` under the git-ignored .data/citus/, on consecutive ports
from CITUS_PORT (default 9700: coordinator 9700, workers 9701, 9702). Every
node preloads Citus, runs with `wal_level = logical` (schema moves) and
prepared transactions (two-phase commit), and has
`citus.enable_unsafe_triggers = on`: Citus otherwise refuses CREATE TRIGGER
on a table of a distributed schema, and the audit tables' append-only
triggers are how history stays unrewritable (docs/audit.md).

    python tools/citus_cluster.py up            # make citus-up
    python tools/citus_cluster.py down          # make citus-down
    python tools/citus_cluster.py createdb NAME # on every node, nodes registered
    python tools/citus_cluster.py dropdb NAME
    python tools/citus_cluster.py spread NAME   # which node holds which tenant schema
    python tools/citus_cluster.py check         # make citus-check

A database of a Citus cluster is a cluster of its own: it must exist on every
node with the extension created, and the coordinator must know the workers.
`createdb` does that, and turns on `citus.enable_schema_based_sharding` for the
database (every new schema, i.e. every new tenant, becomes a distributed schema
placed on one worker). bench/_common.py does the same for its throwaway
databases when DATABASE_URL points at a Citus coordinator.

Citus itself is not packaged for this machine's Debian; when citus.so is
missing every command says how to build it (../shared/tools/citus/).
Not part of `make test` or CI: a fresh machine has no Citus.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USER = "postgres"
DEFAULT_DB = "bagipakai"

NODE_SETTINGS = """
# --- tools/citus_cluster.py ---
listen_addresses = '{host}'
port = {port}
unix_socket_directories = '{socket_dir}'
shared_preload_libraries = 'citus'
wal_level = logical
max_prepared_transactions = 200
max_connections = 200
max_locks_per_transaction = 256
citus.enable_unsafe_triggers = on
log_min_messages = warning
"""


def _pg_bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return Path("/usr/lib/postgresql/15/bin")


def _pg_libdir() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--pkglibdir"], capture_output=True, text=True)
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return Path("/usr/lib/postgresql/15/lib")


def install_hint() -> str:
    here = [
        p
        for p in (
            REPO_DIR.parent / "shared/tools/citus",
            REPO_DIR.parent.parent / "shared/tools/citus",
        )
        if p.is_dir()
    ]
    where = str(here[0]) if here else "../shared/tools/citus/"
    return (
        f"Citus is not installed for this PostgreSQL (no citus.so in {_pg_libdir()}).\n"
        "Install Citus 13.2.2 from source with the recipe in "
        f"{where} (README.md there):\n"
        "  1. bring the repository onto the machine with the `fetch` tool:"
        " github:citusdata/citus (it prints the path of a git directory);\n"
        f"  2. as root: {where.rstrip('/')}/build <that git directory>   (about 2 minutes).\n"
        "Elsewhere: the packages of https://packagecloud.io/citusdata/community, or the"
        " official image (compose.yaml, profile `citus`)."
    )


def require_citus() -> None:
    if not (_pg_libdir() / "citus.so").is_file():
        raise SystemExit(install_hint())


class Cluster:
    def __init__(self, port: int, workers: int, data: Path):
        self.port = port
        self.workers = workers
        self.data = data
        self.bindir = _pg_bindir()

    @property
    def nodes(self) -> list[tuple[str, int, Path]]:
        names = ["coordinator"] + [f"worker{i}" for i in range(1, self.workers + 1)]
        return [(name, self.port + i, self.data / name) for i, name in enumerate(names)]

    @property
    def worker_nodes(self) -> list[tuple[str, int, Path]]:
        return self.nodes[1:]

    def url(self, db: str = DEFAULT_DB) -> str:
        return f"postgres://{USER}@{HOST}:{self.port}/{db}"

    # --- processes ---------------------------------------------------------------

    def _as_postgres(self, argv: list[str], **kw) -> subprocess.CompletedProcess:
        # initdb and postgres refuse to run as root: run them as the postgres user.
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, **kw)

    def _running(self, datadir: Path) -> bool:
        if not (datadir / "PG_VERSION").exists():
            return False
        out = self._as_postgres(
            [str(self.bindir / "pg_ctl"), "-D", str(datadir), "status"],
            capture_output=True,
        )
        return out.returncode == 0

    def up(self) -> None:
        require_citus()
        self.data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        for name, port, datadir in self.nodes:
            if not (datadir / "PG_VERSION").exists():
                datadir.mkdir(parents=True, exist_ok=True)
                if os.geteuid() == 0:
                    shutil.chown(datadir, "postgres", "postgres")
                out = self._as_postgres(
                    [
                        str(self.bindir / "initdb"),
                        "-D",
                        str(datadir),
                        "-U",
                        USER,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                    ],
                    capture_output=True,
                    text=True,
                )
                if out.returncode:
                    raise SystemExit(f"initdb {name} failed:\n{out.stderr}")
                with open(datadir / "postgresql.conf", "a") as conf:
                    conf.write(
                        NODE_SETTINGS.format(host=HOST, port=port, socket_dir=datadir)
                    )
            if self._running(datadir):
                print(f"{name}: already running on {HOST}:{port}")
                continue
            out = self._as_postgres(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(datadir),
                    "-l",
                    str(datadir / "server.log"),
                    "-w",
                    "-o",
                    f"-p {port}",
                    "start",
                ],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                log = (datadir / "server.log").read_text()[-2000:]
                raise SystemExit(
                    f"{name} did not start on port {port}:\n{out.stdout}{log}"
                )
            print(f"{name}: started on {HOST}:{port} (data {datadir})")
        self.createdb(DEFAULT_DB, keep=True)
        print(f"\nDATABASE_URL={self.url()}")

    def down(self) -> None:
        for name, _port, datadir in reversed(self.nodes):
            if self._running(datadir):
                self._as_postgres(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(datadir),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ],
                    capture_output=True,
                )
                print(f"{name}: stopped")
            else:
                print(f"{name}: not running")

    def require_up(self) -> None:
        down = [name for name, _p, d in self.nodes if not self._running(d)]
        if down:
            raise SystemExit(
                f"the Citus cluster is not running ({', '.join(down)} down): make citus-up"
            )

    # --- databases ---------------------------------------------------------------

    def _connect(self, port: int, db: str):
        import psycopg2

        conn = psycopg2.connect(host=HOST, port=port, user=USER, dbname=db)
        conn.autocommit = True
        return conn

    def _exists(self, port: int, db: str) -> bool:
        conn = self._connect(port, "postgres")
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
                return cur.fetchone() is not None
        finally:
            conn.close()

    def dropdb(self, db: str) -> None:
        import psycopg2
        from psycopg2 import sql

        for _name, port, _d in self.nodes:
            conn = self._connect(port, "postgres")
            try:
                with conn.cursor() as cur:
                    # A session just ended (a killed test run) may linger a moment.
                    for attempt in range(10):
                        try:
                            cur.execute(
                                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                                    sql.Identifier(db)
                                )
                            )
                            break
                        except psycopg2.errors.ObjectInUse:
                            if attempt == 9:
                                raise
                            time.sleep(1)
            finally:
                conn.close()

    def createdb(self, db: str, *, keep: bool = False) -> None:
        """The database on every node, Citus in it, the workers registered."""
        if keep and self._exists(self.port, db):
            return
        database_create_on_nodes(
            db,
            coordinator=(HOST, self.port),
            workers=[(HOST, port) for _n, port, _d in self.worker_nodes],
            user=USER,
        )
        print(f"database {db}: on {len(self.nodes)} nodes, schema-based sharding on")


def database_create_on_nodes(
    db: str,
    *,
    coordinator: tuple[str, int],
    workers: list[tuple[str, int]],
    user: str,
    password: str | None = None,
    maintenance_db: str = "postgres",
) -> None:
    """CREATE DATABASE on every node, CREATE EXTENSION citus in each, the
    coordinator registered and the workers added; schema-based sharding and
    unsafe triggers on for the database (shared with bench/_common.py)."""
    import psycopg2
    from psycopg2 import sql

    def connect(host, port, dbname):
        conn = psycopg2.connect(
            host=host, port=port, user=user, password=password, dbname=dbname
        )
        conn.autocommit = True
        return conn

    for host, port in [coordinator, *workers]:
        conn = connect(host, port, maintenance_db)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
                if cur.fetchone() is None:
                    cur.execute(
                        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db))
                    )
        finally:
            conn.close()
        conn = connect(host, port, db)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS citus")
        finally:
            conn.close()
    conn = connect(*coordinator, db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT citus_set_coordinator_host(%s, %s)", list(coordinator))
            for host, port in workers:
                cur.execute(
                    "SELECT 1 FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
                    [host, port],
                )
                if cur.fetchone() is None:
                    cur.execute("SELECT citus_add_node(%s, %s)", [host, port])
            for guc in (
                "citus.enable_schema_based_sharding",
                "citus.enable_unsafe_triggers",
            ):
                cur.execute(
                    sql.SQL("ALTER DATABASE {} SET {} = on").format(
                        sql.Identifier(db), sql.SQL(guc)
                    )
                )
    finally:
        conn.close()


SPREAD_SQL = """
SELECT s.schema_name::text, sh.nodename, sh.nodeport,
       s.schema_size::text AS size
FROM citus_schemas s
JOIN LATERAL (SELECT DISTINCT nodename, nodeport FROM citus_shards c
              WHERE c.colocation_id = s.colocation_id) sh ON true
ORDER BY sh.nodeport, s.schema_name
"""


def spread(url_or_conn) -> str:
    """A table: tenant schemas per node, then every schema and its node."""
    import psycopg2

    conn = (
        psycopg2.connect(url_or_conn) if isinstance(url_or_conn, str) else url_or_conn
    )
    try:
        with conn.cursor() as cur:
            cur.execute(SPREAD_SQL)
            rows = cur.fetchall()
            cur.execute(
                "SELECT count(*) FROM citus_schemas WHERE schema_name::text = 'tenant_template'"
            )
            template_distributed = cur.fetchone()[0]
            cur.execute(
                "SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary' AND shouldhaveshards ORDER BY nodeport"
            )
            nodes = cur.fetchall()
    finally:
        if isinstance(url_or_conn, str):
            conn.close()
    per_node: dict[tuple[str, int], list[str]] = {tuple(n): [] for n in nodes}
    for schema, host, port, _size in rows:
        per_node.setdefault((host, port), []).append(schema)
    lines = ["| node | distributed schemas | examples |", "|---|---:|---|"]
    for (host, port), schemas in per_node.items():
        shown = ", ".join(schemas[:6]) + (" …" if len(schemas) > 6 else "")
        lines.append(f"| {host}:{port} | {len(schemas)} | {shown} |")
    lines.append(
        "template schema tenant_template: "
        + (
            "DISTRIBUTED (wrong: it should stay on the coordinator)"
            if template_distributed
            else "local to the coordinator (not distributed)"
        )
    )
    return "\n".join(lines)


def _cluster_from(args) -> Cluster:
    return Cluster(
        port=int(args.port or os.environ.get("CITUS_PORT", 9700)),
        workers=int(args.workers or os.environ.get("CITUS_WORKERS", 2)),
        data=Path(
            args.data or os.environ.get("CITUS_DATA", REPO_DIR / ".data" / "citus")
        ).resolve(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command",
        choices=["up", "down", "createdb", "dropdb", "spread", "check", "url"],
    )
    parser.add_argument("database", nargs="?", default=DEFAULT_DB)
    parser.add_argument(
        "--port", help="coordinator port (CITUS_PORT, default 9700); workers follow"
    )
    parser.add_argument(
        "--workers", help="number of workers (CITUS_WORKERS, default 2)"
    )
    parser.add_argument("--data", help="data folder (CITUS_DATA, default .data/citus)")
    parser.add_argument(
        "--pytest-args",
        default=os.environ.get("PYTEST_ARGS", ""),
        help="extra arguments for the test run of `check`",
    )
    args = parser.parse_args(argv)
    cluster = _cluster_from(args)
    if args.command == "up":
        cluster.up()
    elif args.command == "down":
        cluster.down()
    elif args.command == "url":
        print(cluster.url(args.database))
    else:
        require_citus()
        cluster.require_up()
        if args.command == "createdb":
            cluster.createdb(args.database)
        elif args.command == "dropdb":
            cluster.dropdb(args.database)
        elif args.command == "spread":
            print(spread(cluster.url(args.database)))
        elif args.command == "check":
            from tools.citus_check import check

            return check(cluster, pytest_args=args.pytest_args)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_DIR))
    sys.exit(main())
