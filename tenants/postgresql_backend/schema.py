"""The schema editor: Django's, with one change for Citus.

Django adds a column with a check constraint (a PositiveIntegerField, say) as
one command with the check inline and unnamed:
`ALTER TABLE t ADD COLUMN c integer NOT NULL CHECK ("c" >= 0)`. Citus refuses
that on a distributed table ("all constraints in Citus must have explicit
names"). On a Citus database the column is added first and the check next,
under the name PostgreSQL would have chosen (`<table>_<column>_check`), so a
tenant migrated on Citus carries the same constraint names as the template
(migrated on the coordinator) and as a tenant migrated on plain PostgreSQL.
On plain PostgreSQL nothing changes.
"""

from __future__ import annotations

from django.db.backends.postgresql.schema import (
    DatabaseSchemaEditor as PostgresSchemaEditor,
)

NAMEDATALEN = 64


def pg_object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's makeObjectName(): the name it gives an unnamed constraint."""
    available = NAMEDATALEN - 1 - (len(label) + 1) - (1 if name2 else 0)
    chars1, chars2 = len(name1), len(name2)
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    parts = [name1[:chars1]] + ([name2[:chars2]] if name2 else []) + [label]
    return "_".join(parts)


class DatabaseSchemaEditor(PostgresSchemaEditor):
    def add_field(self, model, field):
        db_params = field.db_parameters(connection=self.connection)
        if not db_params.get("check") or not self.connection.is_citus():
            return super().add_field(model, field)
        check = db_params["check"]
        original = field.db_parameters

        def without_check(connection):
            params = original(connection=connection)
            params["check"] = None
            return params

        field.db_parameters = without_check
        try:
            super().add_field(model, field)
        finally:
            del field.db_parameters
        table = model._meta.db_table
        self.execute(
            f"ALTER TABLE {self.quote_name(table)} ADD CONSTRAINT "
            f"{self.quote_name(pg_object_name(table, field.column, 'check'))} "
            f"CHECK ({check})"
        )
