"""Totals of public proposals kept up to date by the database (issue 16).

The portal home, a program's page and the statistics page show counts and
sums of public proposals per program, status and kecamatan. Grouping a
million proposals on every view costs more than 100 ms, so the groups are
kept in grants_proposaltotal (models.ProposalTotal) by three statement-level
triggers on grants_proposal: after each INSERT (COPY included), UPDATE or
DELETE statement, the changed rows' old values are subtracted and their new
values added, per group, in the same transaction. No code path (services,
admin, bulk updates, raw SQL) can forget to do it.

- Only public proposals count (submitted, not a draft: selectors.public_proposals).
- Groups whose figures do not change (a title edited) are not touched, so
  such an update takes no lock on the totals.
- One statement locks its groups in key order; two transactions moving
  proposals between the same groups wait for each other instead of
  deadlocking within a statement.
- The function lives once in the public schema (as core's append-only
  function does: the template schema may not own functions) and writes to
  the table of the schema whose proposals changed (TG_TABLE_SCHEMA).
- TRUNCATE does not fire the triggers: rebuild_sql() recomputes the table.
"""

from __future__ import annotations

FUNCTION = "public.grants_proposal_totals_sync"
TABLE = "grants_proposaltotal"
PUBLIC_WHERE = "status <> 'draft' AND submitted_at IS NOT NULL"
GROUP = "program_id, status, kecamatan_code, kecamatan"
FIGURES = (
    "count(*)",
    "sum(requested_amount)",
    "sum(COALESCE(approved_amount, 0))",
    "sum(disbursed_amount)",
    "sum(COALESCE(spent_amount, 0))",
)
COLUMNS = "n, requested, approved, disbursed, spent"

SUMS = (
    "sum(sign) AS n, sum(sign * requested_amount) AS requested,"
    " sum(sign * COALESCE(approved_amount, 0)) AS approved,"
    " sum(sign * disbursed_amount) AS disbursed,"
    " sum(sign * COALESCE(spent_amount, 0)) AS spent"
)
RECORD = (
    "program_id bigint, status text, kecamatan_code text, kecamatan text,"
    " n bigint, requested bigint, approved bigint, disbursed bigint, spent bigint"
)

# Two statements: the changed rows are summed per group first, by a statement
# that reads only the transition tables, and the sums then added to the totals.
# One statement doing both would do on plain PostgreSQL, but on Citus (schema
# sharding, docs/scaling.md) a statement naming the tenant's table is sent to
# the node holding it, where the transition tables do not exist ("executor
# could not find named tuplestore").
CREATE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changes jsonb;
BEGIN
    EXECUTE format($sql$
        SELECT jsonb_agg(g) FROM (
            SELECT {GROUP}, {SUMS}
            FROM (%s) AS changed
            WHERE {PUBLIC_WHERE}
            GROUP BY {GROUP}
            HAVING sum(sign) <> 0 OR sum(sign * requested_amount) <> 0
                OR sum(sign * COALESCE(approved_amount, 0)) <> 0
                OR sum(sign * disbursed_amount) <> 0
                OR sum(sign * COALESCE(spent_amount, 0)) <> 0
        ) AS g
    $sql$, CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT -1 AS sign, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows'
    END) INTO changes;
    IF changes IS NULL THEN
        RETURN NULL;  -- no public figure changed (a draft, a title edited)
    END IF;
    EXECUTE format($sql$
        INSERT INTO %I.{TABLE} AS t ({GROUP}, {COLUMNS})
        SELECT {GROUP}, {COLUMNS}
        FROM jsonb_to_recordset($1) AS changed({RECORD})
        ORDER BY {GROUP}
        ON CONFLICT ({GROUP}) DO UPDATE SET
            n = t.n + excluded.n,
            requested = t.requested + excluded.requested,
            approved = t.approved + excluded.approved,
            disbursed = t.disbursed + excluded.disbursed,
            spent = t.spent + excluded.spent
    $sql$, TG_TABLE_SCHEMA) USING changes;
    RETURN NULL;
END
$fn$
"""

# Several schemas may be migrated at once (forked workers): one at a time here,
# or CREATE OR REPLACE FUNCTION can fail with "tuple concurrently updated".
LOCK_SQL = "SELECT pg_advisory_xact_lock(1954, 16)"

TRIGGERS = (
    ("grants_proposal_totals_ins", "INSERT", "NEW TABLE AS new_rows"),
    (
        "grants_proposal_totals_upd",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    ),
    ("grants_proposal_totals_del", "DELETE", "OLD TABLE AS old_rows"),
)


def create_triggers_sql() -> list[str]:
    return [
        f"CREATE TRIGGER {name} AFTER {event} ON grants_proposal REFERENCING {tables}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        for name, event, tables in TRIGGERS
    ]


def drop_triggers_sql() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name} ON grants_proposal" for name, *_ in TRIGGERS
    ]


def rebuild_sql() -> list[str]:
    """Recompute the current schema's totals from its proposals."""
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} ({GROUP}, {COLUMNS})"
        f" SELECT {GROUP}, {', '.join(FIGURES)} FROM grants_proposal"
        f" WHERE {PUBLIC_WHERE} GROUP BY {GROUP}",
    ]


def differs_sql() -> str:
    """True when the current schema's totals are not a fresh count of its proposals."""
    fresh = (
        f"SELECT {GROUP}, {', '.join(FIGURES)} FROM grants_proposal"
        f" WHERE {PUBLIC_WHERE} GROUP BY {GROUP}"
    )
    kept = f"SELECT {GROUP}, {COLUMNS} FROM {TABLE} WHERE n <> 0"
    return (
        f"SELECT EXISTS (({fresh} EXCEPT {kept}) UNION ALL ({kept} EXCEPT {fresh}))"
    )


def rebuild_after_import(tenant, context) -> None:
    """After a tenant archive is restored (tenants/archive/): the totals must be a
    fresh count of the restored proposals, whatever order the tables came back in
    (their COPY fires the triggers that also keep this table). A restore that is
    already right is left as it is, row ids included."""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        cursor.execute(differs_sql())
        if cursor.fetchone()[0]:
            for statement in rebuild_sql():
                cursor.execute(statement)
