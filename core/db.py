"""Database-level rules that no code path, ORM or raw SQL, can get around.

`AppendOnly` is a migration operation that makes a table refuse UPDATE and
DELETE with a trigger, so an audit table can only grow: history cannot be
rewritten by the application, an admin page or a stray `psql` session
(short of dropping the trigger, which needs the table owner and is itself
caught by the chain heads anchored outside the tenant; DESIGN invariant 9).

The trigger function lives once, in the public schema (core's first
migration); tenant tables' triggers call it by its qualified name.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

REFUSE_FUNCTION = "public.core_refuse_change"

CREATE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% refused: this table is append-only (audit history cannot be rewritten)',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
DROP_FUNCTION_SQL = f"DROP FUNCTION IF EXISTS {REFUSE_FUNCTION}()"


def trigger_name(table: str) -> str:
    return f"{table}_append_only"[:63]


class AppendOnly(Operation):
    """Make a model's table refuse UPDATE and DELETE (reversible)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        table = model._meta.db_table
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE TRIGGER {quote(trigger_name(table))} BEFORE UPDATE OR DELETE "
            f"ON {quote(table)} FOR EACH ROW EXECUTE FUNCTION {REFUSE_FUNCTION}()"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        table = model._meta.db_table
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {quote(trigger_name(table))} ON {quote(table)}"
        )

    def describe(self):
        return f"Make {self.model_name} append-only (refuse UPDATE and DELETE)"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_append_only"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})
