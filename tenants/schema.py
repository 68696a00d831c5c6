"""Tenant schemas: a pre-migrated template, and fast cloning from it.

Running every migration for each new tenant takes seconds and grows with the
project's history. Instead the template schema (settings.TENANT_TEMPLATE_SCHEMA)
is kept migrated like a tenant, and a new tenant's schema is a copy of it made
with plain DDL inside the caller's transaction, so a failure later in
provisioning rolls the schema back too (DESIGN invariant 2).

The copy keeps every table, column default, identity, check, primary-key,
unique and foreign-key constraint and index *under the same names* as in the
template, so later migrations that refer to them by name work on clones
exactly as on migrated schemas. Triggers are copied too (an audit table's
append-only trigger, core/db.py), provided they call a function of another
schema (the shared public.core_refuse_change). Objects the clone does not know
how to copy (views, functions, triggers calling a function of the template
itself, plain sequences) make it fail loudly instead of producing an
incomplete schema.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django_tenants.utils import schema_exists

from .citus import citus_active, schema_keep_local

logger = logging.getLogger(__name__)

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Any number; the same one wherever the template is synchronised.
TEMPLATE_LOCK_KEY = 0x7E_4A_1A_7E
# undefined_table, invalid_schema_name: the template was never built (or dropped).
MISSING_RELATION = {"42P01", "3F000"}


# The relations (tables, views, sequences, ...) of one schema, as a query with
# one parameter, the schema's name: found from the schema through pg_depend's
# index on the referenced object (every relation but an index or a TOAST table
# depends on its namespace; that is how DROP SCHEMA finds them). A filter on
# pg_class.relnamespace has no index to use (pg_class is indexed by name and
# namespace together, not by namespace alone), so it reads all of pg_class: at
# 10,000 tenants about 1.5 million rows, a second or more per query, and
# pg_attribute, ten times larger, likewise. Use it as a CTE:
# f"WITH rel AS ({SCHEMA_RELATIONS}) SELECT ... FROM rel ...".
SCHEMA_RELATIONS = """
    SELECT c.oid, c.relname, c.relkind, n.oid AS nspoid
    FROM pg_namespace n
    JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass
         AND d.refobjid = n.oid AND d.refobjsubid = 0
         AND d.classid = 'pg_class'::regclass
    JOIN pg_class c ON c.oid = d.objid AND c.relnamespace = n.oid
    WHERE n.nspname = %s
"""


def template_schema() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def _quote(schema: str) -> str:
    if not SCHEMA_RE.match(schema) or schema.startswith("pg_"):
        raise ValueError(f"refusing unsafe schema name {schema!r}")
    return f'"{schema}"'


@functools.cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration on disk; a tenant schema records all of them as applied.

    Cached: the files do not change while a process runs, and building the
    graph costs more than the rest of a provisioning.
    """
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes)


def applied_migrations(schema: str) -> set[tuple[str, str]]:
    """The migration records of `schema`; empty when it or its table is missing.

    One statement: provisioning and every web process's start-up ask this of
    the template, so a current template costs one query, not a catalogue tour.
    """
    query = f"SELECT app, name FROM {_quote(schema)}.django_migrations"
    try:
        if connection.in_atomic_block:
            # A savepoint, so that the caller's transaction survives a miss.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(query)
                return set(cursor.fetchall())
        # In autocommit a failed statement leaves nothing to roll back.
        with connection.cursor() as cursor:
            cursor.execute(query)
            return set(cursor.fetchall())
    except ProgrammingError as exc:
        if getattr(exc.__cause__, "pgcode", None) not in MISSING_RELATION:
            raise
        return set()


def template_is_current() -> bool:
    return expected_migrations() <= applied_migrations(template_schema())


def template_sync(*, verbosity: int = 0) -> bool:
    """Create or migrate the template schema. Returns True when it changed anything."""
    schema = template_schema()
    connection.set_schema_to_public()
    # One transaction holds the exclusive lock from the check to the end of the
    # migration: a second process waits and then finds the template current,
    # and clones (which take the lock shared) never copy a half-migrated one.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TEMPLATE_LOCK_KEY])
        if citus_active():
            # The template stays on the coordinator (tenants/citus.py); one
            # that became distributed is dropped here and built again below.
            with connection.cursor() as cursor:
                if schema_keep_local(cursor, _quote(schema).strip('"')):
                    logger.warning(
                        "template schema %s was distributed; building it again "
                        "on the coordinator",
                        schema,
                    )
        if schema_exists(schema) and template_is_current():
            return False
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema,
            interactive=False,
            verbosity=verbosity,
            skip_template=True,
        )
        connection.set_schema_to_public()
    _clone_plan_cache.clear()
    logger.info("template schema %s is migrated", schema)
    return True


def template_ensure_current() -> None:
    """Sync the template if migrations were added since it was last synchronised."""
    if not template_is_current():
        template_sync()


def template_sync_on_startup() -> bool | None:
    """Bring the template up to date when a web process starts (config/wsgi.py).

    A release whose `migrate` did not reach the template (run with
    --skip-template, interrupted, or restored from an older dump) would
    otherwise make the first sign-up after it pay for the migrations. When the
    template is current this costs one query (and, once per process, reading
    the migration files, which provisioning needs anyway). It never stops the
    process from starting: with the database unreachable it logs a warning,
    and tenant_provision checks the template again before every clone.

    Returns True when it migrated the template, False when it was current,
    None when it was switched off (settings.TEMPLATE_SYNC_ON_STARTUP) or failed.
    """
    if not getattr(settings, "TEMPLATE_SYNC_ON_STARTUP", True):
        return None
    schema = template_schema()
    try:
        connection.set_schema_to_public()
        if template_is_current():
            logger.info("template schema %s is current", schema)
            return False
        logger.warning("template schema %s is behind the code; migrating it", schema)
        template_sync()
        return True
    except DatabaseError as exc:
        logger.warning(
            "could not check template schema %s at start-up (%s); "
            "provisioning will check it again",
            schema,
            exc,
        )
    except Exception:
        # A broken migration must not keep the site down; provisioning will
        # raise the same error where someone sees it.
        logger.exception("could not migrate template schema %s at start-up", schema)
    finally:
        # gunicorn --preload runs this in the master, which then forks the
        # workers: they must not inherit (and share) this connection.
        if not connection.in_atomic_block:
            connection.close()
    return None


@dataclass(frozen=True)
class ClonePlan:
    """DDL that copies the template into a schema named by the `{schema}` placeholder."""

    version: tuple[int, int]
    statements: tuple[str, ...]
    # On a Citus coordinator every DDL statement goes to the worker as its own
    # query text, over a protocol that takes one statement (citusdata/citus#6608).
    one_per_execute: bool = False


class _PlanCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._plan: ClonePlan | None = None

    def get(self, version):
        with self._lock:
            if self._plan is not None and self._plan.version == version:
                return self._plan
            return None

    def put(self, plan: ClonePlan) -> None:
        with self._lock:
            self._plan = plan

    def clear(self) -> None:
        with self._lock:
            self._plan = None


_clone_plan_cache = _PlanCache()


def _template_version(cursor, template: str) -> tuple[int, int]:
    cursor.execute(
        f"SELECT count(*), coalesce(max(id), 0) FROM {_quote(template)}.django_migrations"
    )
    count, top = cursor.fetchone()
    return int(count), int(top)


def _build_plan(cursor, template: str, version) -> ClonePlan:
    # Every query below starts from the template's own relations (see
    # SCHEMA_RELATIONS): none reads the whole catalogue of all tenants.
    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT relname, relkind::text FROM rel WHERE relkind IN ('v', 'm', 'f')
        UNION ALL
        SELECT p.proname, 'function' FROM pg_namespace n
        JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass
             AND d.refobjid = n.oid AND d.refobjsubid = 0
             AND d.classid = 'pg_proc'::regclass
        JOIN pg_proc p ON p.oid = d.objid AND p.pronamespace = n.oid
        WHERE n.nspname = %s
        UNION ALL
        SELECT t.tgname, 'trigger calling a function of the template' FROM rel
        JOIN pg_trigger t ON t.tgrelid = rel.oid
        JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE NOT t.tgisinternal AND p.pronamespace = rel.nspoid
        UNION ALL
        SELECT s.relname, 'sequence' FROM rel s
        WHERE s.relkind = 'S' AND NOT EXISTS (
            SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
              AND d.objid = s.oid AND d.deptype = 'i')
        """,
        [template] * 2,
    )
    unsupported = cursor.fetchall()
    if unsupported:
        raise RuntimeError(
            f"the template schema holds objects the clone cannot copy: {unsupported}; "
            "teach tenants/schema.py to copy them"
        )

    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT c.oid, c.relname, EXISTS (SELECT 1 FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attidentity <> '' AND a.attname = 'id'),
               (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                  AND NOT a.attisdropped AND a.attgenerated = '')
        FROM rel c WHERE c.relkind IN ('r', 'p') ORDER BY c.relname
        """,
        [template],
    )
    tables = cursor.fetchall()
    src = _quote(template)
    statements: list[str] = ["CREATE SCHEMA {schema}"]
    for _oid, table, _has_identity, _columns in tables:
        statements.append(
            f'CREATE TABLE {{schema}}."{table}" (LIKE {src}."{table}" INCLUDING DEFAULTS '
            "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS "
            "INCLUDING STORAGE INCLUDING COMMENTS)"
        )
    # Primary keys and unique constraints, then the remaining indexes, then
    # foreign keys (which need the referenced keys), all under their own names.
    # With only pg_catalog visible, definitions name every table with its schema.
    cursor.execute("SELECT current_setting('search_path')")
    saved_search_path = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('search_path', 'pg_catalog', true)")
    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT c.relname, con.conname, pg_get_constraintdef(con.oid), con.contype
        FROM rel c JOIN pg_constraint con ON con.conrelid = c.oid
        WHERE con.contype IN ('p', 'u', 'x', 'f')
        ORDER BY CASE con.contype WHEN 'f' THEN 1 ELSE 0 END, c.relname, con.conname
        """,
        [template],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT pg_get_indexdef(i.indexrelid) FROM rel c
        JOIN pg_index i ON i.indrelid = c.oid
        WHERE NOT EXISTS (
            SELECT 1 FROM pg_constraint con WHERE con.conrelid = c.oid
              AND con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
        ORDER BY 1
        """,
        [template],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    # Triggers (calling shared functions, checked above), with the table's
    # schema swapped like every other definition.
    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT pg_get_triggerdef(t.oid) FROM rel c
        JOIN pg_trigger t ON t.tgrelid = c.oid
        WHERE NOT t.tgisinternal ORDER BY c.relname, t.tgname
        """,
        [template],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT set_config('search_path', %s, true)", [saved_search_path])

    own_ref = re.compile(rf"\b{re.escape(template)}\.")
    fks = []
    for table, name, definition, contype in constraints:
        definition = own_ref.sub(
            "{schema}.", definition.replace("{", "{{").replace("}", "}}")
        )
        stmt = f'ALTER TABLE {{schema}}."{table}" ADD CONSTRAINT "{name}" {definition}'
        (fks if contype == "f" else statements).append(stmt)
    for indexdef in indexes:
        statements.append(
            own_ref.sub("{schema}.", indexdef.replace("{", "{{").replace("}", "}}"))
        )
    statements.extend(fks)
    for triggerdef in triggers:
        statements.append(
            own_ref.sub("{schema}.", triggerdef.replace("{", "{{").replace("}", "}}"))
        )

    # Data the template holds (its migration records, any default rows);
    # generated columns are computed again, not copied.
    for _oid, table, has_identity, columns in tables:
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM {src}."{table}")')
        if not cursor.fetchone()[0]:
            continue
        statements.append(
            f'INSERT INTO {{schema}}."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
            f'SELECT {columns} FROM {src}."{table}"'
        )
        if has_identity:
            # The next id is computed here, from the template (the rows just
            # copied), and sent as a constant: a subquery over the new table
            # would run where the table lives, on a Citus worker, whose share
            # of the sequence differs from the coordinator's.
            cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM {src}."{table}"')
            next_id = int(cursor.fetchone()[0])
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{{schema}}.\"{table}\"', 'id'), "
                f"{next_id}, false)"
            )
    return ClonePlan(
        version=version,
        statements=tuple(statements),
        one_per_execute=citus_active(cursor),
    )


def schema_clone(target: str) -> None:
    """Create schema `target` as a copy of the template, in the current transaction."""
    template = template_schema()
    quoted = _quote(target)
    with connection.cursor() as cursor:
        # Held until the caller's transaction ends; template_sync takes it exclusively.
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [TEMPLATE_LOCK_KEY])
        version = _template_version(cursor, template)
        plan = _clone_plan_cache.get(version)
        if plan is None:
            with transaction.atomic():
                plan = _build_plan(cursor, template, version)
            _clone_plan_cache.put(plan)
        if plan.one_per_execute:
            for statement in plan.statements:
                cursor.execute(statement.format(schema=quoted))
        else:
            # One round trip: the whole plan as a single multi-statement string.
            cursor.execute(";\n".join(s.format(schema=quoted) for s in plan.statements))


def schema_drop(schema: str) -> None:
    if schema in {"public", template_schema()}:
        raise ValueError(f"refusing to drop schema {schema!r}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")


# --- a warm pool of clones ------------------------------------------------------------
#
# On a Citus coordinator every DDL statement of the clone also runs on the
# tenant's worker inside a distributed transaction, so cloning costs several
# times what it costs on one server. With settings.TENANT_SCHEMA_POOL > 0 the
# clones are made ahead of time, outside any request (schema_pool_fill, run by
# a background job after each provisioning and periodically), as schemas named
# `pool_<random>`; provisioning then takes one and renames it to the tenant's
# schema: one DDL statement instead of a hundred. A pool schema is taken only
# when its migration records match the template's (a release that migrated the
# template makes the pool stale: those schemas are skipped, and dropped by the
# next fill). The pool is off by default (0); docs/scaling.md has the figures.

POOL_PREFIX = "pool_"
# pg_advisory locks: (POOL_LOCK, hashtext(name)) while a pool schema is being
# taken; POOL_FILL_LOCK while one process fills the pool.
POOL_LOCK = 0x7E_4A_1A_7F
POOL_FILL_LOCK = 0x7E_4A_1A_80


def schema_pool_size() -> int:
    return max(0, int(getattr(settings, "TENANT_SCHEMA_POOL", 0) or 0))


def _pool_names(cursor) -> list[str]:
    cursor.execute(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
        [POOL_PREFIX],
    )
    return [row[0] for row in cursor.fetchall()]


def _pool_take(cursor, target: str, version) -> str | None:
    """Rename a current pool schema to `target` in the caller's transaction;
    the name it had, or None when the pool has none to give."""
    for name in _pool_names(cursor):
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [POOL_LOCK, name]
        )
        if not cursor.fetchone()[0]:
            continue  # another provisioning is taking it
        # Taken and committed by another transaction since the list was read?
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", [name])
        if not cursor.fetchone()[0]:
            continue
        if _template_version(cursor, name) != version:
            continue  # stale: made before the template's last migration
        cursor.execute(f"ALTER SCHEMA {_quote(name)} RENAME TO {_quote(target)}")
        return name
    return None


def schema_create(target: str) -> None:
    """Create tenant schema `target` in the current transaction: a schema of the
    warm pool renamed when there is one, else a fresh clone of the template."""
    if schema_pool_size():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [TEMPLATE_LOCK_KEY])
            version = _template_version(cursor, template_schema())
            taken = _pool_take(cursor, target, version)
        if taken:
            logger.info("schema %s taken from the pool (was %s)", target, taken)
            return
    schema_clone(target)


def schema_pool_fill(size: int | None = None) -> dict[str, int]:
    """Bring the pool to `size` current schemas (settings.TENANT_SCHEMA_POOL):
    drop stale ones, clone new ones, each in its own short transaction. One
    process at a time; returns {"made": n, "dropped": n, "ready": n}."""
    import secrets

    size = schema_pool_size() if size is None else max(0, size)
    made = dropped = 0
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [POOL_FILL_LOCK])
        if not cursor.fetchone()[0]:
            return {"made": 0, "dropped": 0, "ready": -1}  # another process fills it
    try:
        template_ensure_current()
        with connection.cursor() as cursor:
            version = _template_version(cursor, template_schema())
            names = _pool_names(cursor)
        ready = []
        for name in names:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [POOL_LOCK, name]
                )
                if not cursor.fetchone()[0]:
                    continue
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", [name]
                )
                if not cursor.fetchone()[0]:
                    continue
                if _template_version(cursor, name) == version and len(ready) < size:
                    ready.append(name)
                    continue
                cursor.execute(f"DROP SCHEMA {_quote(name)} CASCADE")
                dropped += 1
        while len(ready) < size:
            name = f"{POOL_PREFIX}{secrets.token_hex(8)}"
            with transaction.atomic():
                schema_clone(name)
            ready.append(name)
            made += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POOL_FILL_LOCK])
    if made or dropped:
        logger.info("schema pool: %d made, %d dropped, %d ready", made, dropped, len(ready))
    return {"made": made, "dropped": dropped, "ready": len(ready)}
