"""Tests that tamper with audit rows act as a database administrator would:
the append-only trigger refuses UPDATE and DELETE, so they switch it off first
(which needs the table's owner) and on again afterwards."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_disabled(table: str):
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
