"""Tests that tamper with audit rows act as a database administrator would:
the append-only trigger refuses UPDATE and DELETE, so they switch it off first
(which needs the table's owner) and on again afterwards."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


def _citus() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        return bool(cursor.fetchone()[0])


@contextmanager
def triggers_disabled(table: str):
    if _citus():
        # On Citus the rows live on a worker, whose part of the transaction
        # still holds the test's deferred foreign-key checks: ALTER TABLE would
        # be refused there ("pending trigger events"), and SET CONSTRAINTS on
        # the coordinator does not reach it. A superuser's replica mode, sent
        # to the workers as SET LOCAL, switches the triggers off instead.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL citus.propagate_set_commands = 'local'")
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
        return
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        # ALTER TABLE waits for no deferred foreign-key check of the test's rows.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {quoted} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
