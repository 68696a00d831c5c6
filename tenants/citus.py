"""Can the tenant schemas move to Citus schema-based sharding as they are?

With Citus 12+ each tenant schema can become a *distributed schema*: all of its
tables are co-located single-shard tables on one node, and the cluster moves
whole schemas between nodes (docs/scaling.md). Citus refuses to distribute a
schema, or to create a table in one, when the schema is not self-contained.
Its checks (src/backend/distributed/commands/schema_based_sharding.c,
EnsureTenantTable and EnsureFKeysForTenantTable) are:

- a foreign key from a distributed-schema table may point only to the same
  schema or to a *reference table* ("foreign keys from distributed schemas can
  only point to the same distributed schema or reference tables in regular
  schemas");
- no foreign key may point *into* a distributed schema from another schema;
- no inheritance, no partition whose parent is in another schema, no foreign
  tables, no tables owned by an extension;
- the role that runs citus_schema_distribute() must own every table.

This module finds those problems before a cluster does: on the live catalog
(schema_problems, for the template and every tenant schema) and on the Django
models (model_problems, so a new ForeignKey fails the test suite before any
migration exists). It also reports what would stop a schema from being copied
or dumped on its own: a default, index or column type that depends on a
sequence, function or type in another schema (extension objects such as
pg_trgm's operator classes excepted, since Citus creates extensions on every
node).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

# Public tables that tenant tables may reference by foreign key (or join in one
# statement), because they would be made Citus reference tables: copied to
# every node, so a tenant's node can check the key locally. A reference table
# costs a two-phase commit on every node for each write, so only small, rarely
# written tables qualify. None does today, and none is needed: tenant tables
# name users by id without a key (grants.Applicant.user_id,
# ProposalDocument.uploaded_by_id, StageReview.reviewer_id,
# CitizenReport.answered_by_id) and read public rows in separate queries.
# The reasoning per public table is in docs/scaling.md. Add a table here only
# together with the create_reference_table() step of the runbook.
REFERENCE_TABLE_CANDIDATES: frozenset[str] = frozenset()

# Functions of the public schema that tenant objects may call. The append-only
# trigger of every audit table (core/db.py) calls public.core_refuse_change():
# Citus propagates CREATE FUNCTION to every node (and create_distributed_function
# is not needed for a trigger function that touches no table), so a tenant's
# node finds it locally, and a schema dump restores it from core's migration.
#
# The statement-level triggers of grants_proposal (grants/totals.py, issue 16)
# call public.grants_proposal_totals_sync(), which writes only to the table of
# the trigger's own schema (grants_proposaltotal, TG_TABLE_SCHEMA): on Citus
# both tables are in the same distributed schema, on the same node; it needs
# citus.enable_unsafe_triggers like the append-only triggers (not yet run on
# a Citus cluster).
SHARED_FUNCTIONS: frozenset[str] = frozenset(
    {
        "function public.core_refuse_change()",
        "function public.grants_proposal_totals_sync()",
    }
)


@dataclass(frozen=True)
class Problem:
    """One reason Citus would refuse (or a schema copy would break) a tenant schema.

    `scope` is the schema for catalog problems, the app label for model problems.
    """

    scope: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.scope}] {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ForeignKey:
    schema: str
    table: str
    name: str
    referenced_schema: str
    referenced_table: str

    def __str__(self) -> str:
        return (
            f"{self.schema}.{self.table} -> "
            f"{self.referenced_schema}.{self.referenced_table} ({self.name})"
        )


def tenant_schemas() -> list[str]:
    """The template and every tenant schema that exists, in name order."""
    from .models import Tenant

    public = get_public_schema_name()
    names = set(
        Tenant.objects.exclude(schema_name=public).values_list("schema_name", flat=True)
    )
    names.add(settings.TENANT_TEMPLATE_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [sorted(names)]
        )
        return sorted(row[0] for row in cursor.fetchall())


def foreign_keys(schemas: Iterable[str]) -> list[ForeignKey]:
    """Every foreign key whose referencing table is in one of `schemas`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname, con.conname, rn.nspname, r.relname
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class r ON r.oid = con.confrelid
            JOIN pg_namespace rn ON rn.oid = r.relnamespace
            WHERE con.contype = 'f' AND n.nspname = ANY(%s)
            ORDER BY 1, 2, 3
            """,
            [list(schemas)],
        )
        return [ForeignKey(*row) for row in cursor.fetchall()]


def schema_problems(
    schemas: Iterable[str],
    *,
    reference_candidates: Iterable[str] | None = None,
) -> list[Problem]:
    """What in the live catalog keeps `schemas` from becoming distributed schemas."""
    schemas = list(schemas)
    if not schemas:
        return []
    candidates = frozenset(
        REFERENCE_TABLE_CANDIDATES
        if reference_candidates is None
        else reference_candidates
    )
    public = get_public_schema_name()
    problems: list[Problem] = []

    for fk in foreign_keys(schemas):
        if fk.referenced_schema == fk.schema:
            continue
        if fk.referenced_schema == public and fk.referenced_table in candidates:
            continue
        if fk.referenced_schema == public:
            why = "a public table that is not a reference-table candidate"
        else:
            why = "another schema (across tenants)"
        problems.append(Problem(fk.schema, "foreign key out", f"{fk} points to {why}"))

    with connection.cursor() as cursor:
        # Keys from outside into the schema: Citus allows none.
        cursor.execute(
            """
            SELECT rn.nspname, n.nspname, c.relname, con.conname, r.relname
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class r ON r.oid = con.confrelid
            JOIN pg_namespace rn ON rn.oid = r.relnamespace
            WHERE con.contype = 'f' AND rn.nspname = ANY(%s) AND n.nspname <> rn.nspname
            ORDER BY 1, 2, 3, 4
            """,
            [schemas],
        )
        for schema, src_schema, table, name, target in cursor.fetchall():
            problems.append(
                Problem(
                    schema,
                    "foreign key in",
                    f"{src_schema}.{table} -> {schema}.{target} ({name})",
                )
            )

        # Inheritance of any kind, and partitions whose parent is elsewhere.
        cursor.execute(
            """
            SELECT CASE WHEN cn.nspname = ANY(%s) THEN cn.nspname ELSE pn.nspname END,
                   cn.nspname || '.' || c.relname, pn.nspname || '.' || p.relname,
                   c.relispartition
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_namespace cn ON cn.oid = c.relnamespace
            JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = p.relnamespace
            WHERE (cn.nspname = ANY(%s) OR pn.nspname = ANY(%s))
              AND NOT (c.relispartition AND cn.oid = pn.oid)
              AND c.relkind IN ('r', 'p', 'f')
            ORDER BY 1, 2
            """,
            [schemas, schemas, schemas],
        )
        for schema, child, parent, is_partition in cursor.fetchall():
            kind = "partition in another schema" if is_partition else "inheritance"
            problems.append(Problem(schema, kind, f"{child} inherits {parent}"))

        # Foreign tables; tables owned by an extension; tables not owned by
        # the schema's owner (citus_schema_distribute checks table ownership).
        cursor.execute(
            """
            SELECT n.nspname, c.relname, c.relkind = 'f',
                   EXISTS (SELECT 1 FROM pg_depend d
                           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                             AND d.deptype = 'e'),
                   c.relowner <> n.nspowner,
                   pg_get_userbyid(c.relowner), pg_get_userbyid(n.nspowner)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'f')
            ORDER BY 1, 2
            """,
            [schemas],
        )
        for (
            schema,
            table,
            is_foreign,
            by_extension,
            other_owner,
            owner,
            schema_owner,
        ) in cursor.fetchall():
            if is_foreign:
                problems.append(Problem(schema, "foreign table", table))
            if by_extension:
                problems.append(Problem(schema, "table owned by an extension", table))
            if other_owner:
                problems.append(
                    Problem(
                        schema,
                        "table owner",
                        f"{table} is owned by {owner}, the schema by {schema_owner}",
                    )
                )

        problems.extend(_outside_dependencies(cursor, schemas))
    return sorted(problems, key=lambda p: (p.scope, p.kind, p.detail))


# The objects that live in the given schemas, as (catalog, oid, schema).
# Foreign keys are left out: they are judged above, with the candidates.
_OWN_OBJECTS = """
    SELECT 'pg_class'::regclass, c.oid, c.relnamespace
    FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'pg_attrdef'::regclass, a.oid, c.relnamespace
    FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid
    WHERE c.relnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'pg_constraint'::regclass, k.oid, k.connamespace
    FROM pg_constraint k WHERE k.connamespace IN (SELECT oid FROM ns) AND k.contype <> 'f'
    UNION ALL
    SELECT 'pg_trigger'::regclass, t.oid, c.relnamespace
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'pg_rewrite'::regclass, r.oid, c.relnamespace
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
    WHERE c.relnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'pg_type'::regclass, t.oid, t.typnamespace
    FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, p.pronamespace
    FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
"""
# The schema of a referenced object, for the catalogs a table can depend on.
_REFERENCED_SCHEMA = """
    CASE d.refclassid
      WHEN 'pg_class'::regclass THEN
        (SELECT relnamespace FROM pg_class WHERE oid = d.refobjid)
      WHEN 'pg_proc'::regclass THEN
        (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid)
      WHEN 'pg_type'::regclass THEN
        (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid)
      WHEN 'pg_opclass'::regclass THEN
        (SELECT opcnamespace FROM pg_opclass WHERE oid = d.refobjid)
      WHEN 'pg_opfamily'::regclass THEN
        (SELECT opfnamespace FROM pg_opfamily WHERE oid = d.refobjid)
      WHEN 'pg_operator'::regclass THEN
        (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid)
      WHEN 'pg_collation'::regclass THEN
        (SELECT collnamespace FROM pg_collation WHERE oid = d.refobjid)
    END
"""


def _outside_dependencies(cursor, schemas: list[str]) -> list[Problem]:
    """Objects of the schemas that depend on user objects in other schemas.

    Objects that belong to an extension are fine: Citus creates extensions on
    every node, and pg_dump -n of one schema does not carry them either way.
    """
    cursor.execute(
        f"""
        WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ANY(%s)),
        own (classid, objid, nsp) AS ({_OWN_OBJECTS}),
        dep AS (
            SELECT own.nsp, d.classid, d.objid, d.objsubid, d.refclassid,
                   d.refobjid, d.refobjsubid, {_REFERENCED_SCHEMA} AS refnsp
            FROM own
            JOIN pg_depend d ON d.classid = own.classid AND d.objid = own.objid
            WHERE d.deptype IN ('n', 'a')
        )
        SELECT n.nspname, concat_ws(' ', o.type, o.identity),
               concat_ws(' ', r.type, r.identity)
        FROM dep
        JOIN pg_namespace n ON n.oid = dep.nsp
        JOIN pg_namespace rn ON rn.oid = dep.refnsp
        CROSS JOIN LATERAL pg_identify_object(dep.classid, dep.objid, dep.objsubid) o
        CROSS JOIN LATERAL pg_identify_object(
            dep.refclassid, dep.refobjid, dep.refobjsubid) r
        WHERE dep.refnsp <> dep.nsp
          AND rn.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend e
              WHERE e.classid = dep.refclassid AND e.objid = dep.refobjid
                AND e.deptype = 'e')
        ORDER BY 1, 2, 3
        """,
        [schemas],
    )
    return [
        Problem(schema, "depends on another schema", f"{obj} uses {ref}")
        for schema, obj, ref in cursor.fetchall()
        if ref not in SHARED_FUNCTIONS
    ]


def _app_labels(app_names: Iterable[str]) -> set[str]:
    names = set(app_names)
    return {config.label for config in apps.get_app_configs() if config.name in names}


def model_problems(
    models: Iterable | None = None,
    *,
    reference_candidates: Iterable[str] | None = None,
) -> list[Problem]:
    """Relations in the Django models that would cross a distributed schema's edge.

    A relation from a tenant model must stay among tenant models, or reach a
    public table listed as a reference-table candidate; a public (shared)
    model must never point at a tenant model. A relation with
    db_constraint=False counts too: the ORM would still join across it in one
    statement.
    """
    candidates = frozenset(
        REFERENCE_TABLE_CANDIDATES
        if reference_candidates is None
        else reference_candidates
    )
    tenant_labels = _app_labels(settings.TENANT_APPS) - _app_labels(
        settings.SHARED_APPS
    )
    if models is None:
        models = apps.get_models(include_auto_created=True)
    problems: list[Problem] = []
    for model in models:
        opts = model._meta
        if opts.proxy:
            continue
        source_is_tenant = opts.app_label in tenant_labels
        for field in [*opts.local_fields, *opts.local_many_to_many]:
            if not field.is_relation or field.remote_field is None:
                continue
            target = field.remote_field.model._meta
            target_is_tenant = target.app_label in tenant_labels
            where = f"{opts.label}.{field.name} -> {target.label} ({target.db_table})"
            if source_is_tenant and not target_is_tenant:
                if target.db_table not in candidates:
                    problems.append(
                        Problem(
                            opts.app_label,
                            "model relation out",
                            f"{where}: not a reference-table candidate",
                        )
                    )
            elif target_is_tenant and not source_is_tenant:
                problems.append(
                    Problem(
                        opts.app_label,
                        "model relation in",
                        f"{where}: a public model points into tenant schemas",
                    )
                )
    return sorted(problems, key=lambda p: (p.scope, p.kind, p.detail))


def compatibility_problems() -> list[Problem]:
    """Everything above, for the models and every tenant schema that exists."""
    return model_problems() + schema_problems(tenant_schemas())


# --- running on a Citus coordinator ---------------------------------------------------


def citus_active(cursor=None) -> bool:
    """True when the database is a Citus cluster (the extension is installed).

    The clone plan (tenants/schema.py) asks this once per template version and
    keeps the answer, so provisioning on plain PostgreSQL pays nothing for it.
    """
    if cursor is None:
        with connection.cursor() as own:
            return citus_active(own)
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
    return bool(cursor.fetchone()[0])


def schema_keep_local(cursor, schema: str) -> bool:
    """Keep `schema` a regular schema of the coordinator (the tenant template).

    With `citus.enable_schema_based_sharding` on, every CREATE SCHEMA makes a
    distributed schema placed on a worker; the template holds no tenant data
    and is read by every clone, so it must stay on the coordinator. Turns the
    setting off for the rest of the caller's transaction (the template's
    migrations then create local tables). If an earlier version let the
    template become distributed, it is dropped, to be built again by the
    caller: Citus cannot undistribute tables with identity columns, and the
    template holds nothing but its migration records. Returns True when it
    dropped it. Call inside a transaction, on a Citus database only.
    """
    cursor.execute("SET LOCAL citus.enable_schema_based_sharding = off")
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM citus_schemas WHERE schema_name::text = %s)",
        [schema],
    )
    if cursor.fetchone()[0]:
        cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return True
    return False


def schema_node(schema: str) -> tuple[str, int] | None:
    """(host, port) of the node that holds a distributed schema; None if it is not one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT sh.nodename, sh.nodeport FROM citus_schemas s "
            "JOIN citus_shards sh ON sh.colocation_id = s.colocation_id "
            "WHERE s.schema_name::text = %s",
            [schema],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    host, port = rows[0]
    return str(host), int(port)


def worker_nodes() -> list[tuple[str, int]]:
    """The active primary nodes that may hold schemas, as (host, port)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE isactive "
            "AND noderole = 'primary' AND shouldhaveshards ORDER BY nodename, nodeport"
        )
        return [(str(host), int(port)) for host, port in cursor.fetchall()]


NOT_CITUS = (
    "This database is plain PostgreSQL, not a Citus cluster: every tenant "
    "lives on the one server, so there is nowhere to move it to. tenant_move "
    "works on a Citus coordinator (docs/scaling.md)."
)


class MoveRefused(Exception):
    """tenant_schema_move cannot do what it was asked; the message says why."""


def tenant_schema_move(*, tenant, host: str, port: int, actor=None, actor_label=None, reason: str = ""):
    """Move a tenant's schema to another node of the Citus cluster and record
    it in the platform's transparency log. Returns the log entry.

    citus_schema_move copies the schema's tables to the node (logical
    replication: writes keep flowing until a short final lock), then drops the
    old placement. It cannot run inside a transaction block, so the move is
    done first and the entry appended right after, in its own transaction,
    with where the schema was, where it went and how long it took.
    """
    import time

    from django.db import transaction

    from .transparency import platform_event_append

    if not citus_active():
        raise MoveRefused(NOT_CITUS)
    schema = tenant.schema_name
    source = schema_node(schema)
    if source is None:
        raise MoveRefused(
            f"Schema {schema} is not a distributed schema of this cluster "
            "(citus_schemas has no row for it); distribute it first with "
            "citus_schema_distribute (docs/scaling.md)."
        )
    nodes = worker_nodes()
    if (host, port) not in nodes:
        known = ", ".join(f"{h}:{p}" for h, p in nodes) or "none"
        raise MoveRefused(f"{host}:{port} is not a node that holds schemas (nodes: {known}).")
    if source == (host, port):
        raise MoveRefused(f"{tenant.slug} is already on {host}:{port}.")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s)", [schema, host, port]
        )
    seconds = round(time.perf_counter() - started, 3)
    with transaction.atomic():
        return platform_event_append(
            kind="tenant_moved",
            actor=actor,
            actor_label=actor_label,
            tenant=tenant,
            reason=reason,
            details={
                "schema": schema,
                "from": f"{source[0]}:{source[1]}",
                "to": f"{host}:{port}",
                "seconds": seconds,
            },
        )
