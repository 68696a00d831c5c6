"""bench/scale.py's sizes: the database, the schemas, pg_dump of one tenant."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._common import (
    Server,
    pg_binary,
)

# --- sizes and pg_dump ----------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    database_bytes: int
    empty_schema_bytes: int


def _schema_bytes(cursor, schema: str) -> int:
    """Tables with their indexes and TOAST, and sequences, of one schema."""
    cursor.execute(
        """
        SELECT coalesce(sum(CASE WHEN c.relkind IN ('r', 'p', 'm')
                                 THEN pg_total_relation_size(c.oid)
                                 ELSE pg_relation_size(c.oid) END), 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'm', 'S')
        """,
        [schema],
    )
    return int(cursor.fetchone()[0])


def measure_sizes() -> Sizes:
    from django.db import connection

    from tenants.models import Tenant

    connection.set_schema_to_public()
    # Serang's schema: provisioned, never written to (its app use is in public).
    empty = Tenant.objects.get(slug="serang").schema_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = int(cursor.fetchone()[0])
        return Sizes(database_bytes, _schema_bytes(cursor, empty))


@dataclass(frozen=True)
class Dump:
    seconds: float
    bytes: int


def pg_dump_tool() -> tuple[Path | None, str]:
    """The pg_dump for this server, and what to say about it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        version = int(cursor.fetchone()[0])
    tool = pg_binary("pg_dump", version)
    if tool is None:
        return None, f"no pg_dump of major version {version // 10000} or newer found"
    return tool, str(tool)


def pg_dump_schema(tool: Path, server: Server, dbname: str, schema: str) -> Dump:
    """pg_dump --schema=`schema` --format=custom of `dbname` to a temporary file, timed."""
    params = server.connect_params
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    with tempfile.TemporaryDirectory(prefix="bagipakai-scale-") as folder:
        target = Path(folder) / "tenant.dump"
        command = [
            str(tool),
            f"--schema={schema}",
            "--format=custom",
            f"--file={target}",
            "--no-password",
            f"--dbname={dbname}",
        ]
        for option, key in (
            ("--host", "host"),
            ("--port", "port"),
            ("--username", "user"),
        ):
            if params.get(key):
                command.append(f"{option}={params[key]}")
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"FAIL: pg_dump failed: {result.stderr.strip()}")
        return Dump(seconds, target.stat().st_size)
