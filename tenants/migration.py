"""Tenant migrations planned once and applied to many schemas in parallel.

django-tenants' standard executor runs the whole `migrate` command for every
tenant schema: system checks, loading the migration graph, reading that
schema's history, planning, rendering the project state, post_migrate. With
about a thousand tenants a run that changes nothing takes many minutes. The
`planned` executor, the project's default (settings.GET_EXECUTOR_FUNCTION),
does the per-project work once:

1. it loads the migration graph once and reads every tenant schema's applied
   migrations with a few UNION ALL queries;
2. it skips the schemas that have every migration already (the usual case);
3. it groups the others by what they have applied and, for each group, plans
   once and renders the project state before and after each operation once;
4. worker processes forked after planning then take the schemas one by one and
   run only the database side of each operation with a schema editor,
   recording each migration as Django's executor does: one transaction per
   migration unless the migration says `atomic = False`.

A failure rolls that schema back to its last whole migration; the other
schemas carry on, and the command fails at the end naming every failed schema
with its error. Running it again migrates only what is still behind.

Whatever this plan does not cover takes django-tenants' standard path instead
of being approximated: the public schema, a single schema (`-s`), options that
change what `migrate` does (a target app or migration, --fake, --fake-initial,
--plan, --check, --prune, --run-syncdb), tenant types, squashed migrations,
conflicting leaves, and, schema by schema in the same workers, schemas without
a django_migrations table or with an inconsistent history.

Signals: pre_migrate goes once per group (on one of its schemas; the standard
path sends it per schema, with a freshly loaded plan each time), post_migrate
and django-tenants' schema_pre_migration and schema_migrated for every
migrated schema. Schemas already up to date get no signals: in a tenant
schema Django's receivers (content types, permissions) return at once because
the router keeps those apps in the public schema, so nothing is lost; a
receiver that must run in every schema on every run needs --executor standard.
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.util
import os
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.sql import (
    emit_post_migrate_signal,
    emit_pre_migrate_signal,
)
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor as DjangoExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.migration_executors.standard import StandardExecutor
from django_tenants.signals import schema_migrated, schema_pre_migration

# `migrate` options that change what it does; with any of them the whole run
# takes django-tenants' standard path, so that they mean what they always meant.
STANDARD_ONLY_OPTIONS = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "check_unapplied",
    "prune",
    "run_syncdb",
)
# Schemas read per UNION ALL query: a few hundred keeps the statement and its
# plan small while a thousand tenants still take only a few round trips.
APPLIED_QUERY_CHUNK = 250
# Runs with at least this many schemas to migrate print progress lines.
PROGRESS_FROM = 100
# At most this many failures are repeated in the final error (all are printed).
FAILURES_IN_ERROR = 20


def get_executor(codename: str | None = None):
    """settings.GET_EXECUTOR_FUNCTION: `planned` unless --executor or $EXECUTOR says otherwise."""
    return tenants_get_executor(
        codename or os.environ.get("EXECUTOR") or PlannedExecutor.codename
    )


def applied_migrations_by_schema(
    connection, schemas: Sequence[str]
) -> dict[str, set[tuple[str, str]]]:
    """Applied migrations of every schema in `schemas` that has a django_migrations
    table (schemas without one, or missing altogether, are left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') "
            "AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        readable = [schema for schema in schemas if schema in with_table]
        applied: dict[str, set[tuple[str, str]]] = {s: set() for s in readable}
        quote = connection.ops.quote_name
        for start in range(0, len(readable), APPLIED_QUERY_CHUNK):
            chunk = readable[start : start + APPLIED_QUERY_CHUNK]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, app, name FROM {quote(schema)}.django_migrations"
                    for schema in chunk
                ),
                chunk,
            )
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return applied


@dataclass
class _Step:
    """One migration, with the project state around each of its operations."""

    migration: Migration
    # (operation, state before, state after) for each operation; None when the
    # migration class has its own apply(), which then runs on `state`'s copy.
    operations: list[tuple[Operation, ProjectState, ProjectState]] | None
    state: ProjectState

    @classmethod
    def prepare(cls, migration: Migration, state: ProjectState):
        """The step, and the project state after it (`state` is left as it is)."""
        if type(migration).apply is not Migration.apply:
            return cls(migration, None, state), migration.mutate_state(state)
        operations = []
        current = state
        for operation in migration.operations:
            after = current.clone()
            operation.state_forwards(migration.app_label, after)
            operations.append((operation, current, after))
            current = after
        return cls(migration, operations, state), current

    def apply(self, connection, recorder: MigrationRecorder) -> None:
        """MigrationExecutor.apply_migration and Migration.apply, minus the state work."""
        migration = self.migration
        with connection.schema_editor(atomic=migration.atomic) as editor:
            if self.operations is None:
                migration.apply(self.state.clone(), editor)
            for operation, before, after in self.operations or ():
                atomic_operation = operation.atomic or (
                    migration.atomic and operation.atomic is not False
                )
                if not editor.atomic_migration and atomic_operation:
                    with transaction.atomic(connection.alias):
                        operation.database_forwards(
                            migration.app_label, editor, before, after
                        )
                else:
                    operation.database_forwards(
                        migration.app_label, editor, before, after
                    )
            # Recorded in the migration's transaction, unless SQL deferred to
            # the end of the editor still has to run (Django does the same).
            recorded = not editor.deferred_sql
            if recorded:
                _record(recorder, migration)
        if not recorded:
            _record(recorder, migration)


def _record(recorder: MigrationRecorder, migration: Migration) -> None:
    for app_label, name in migration.replaces or [
        (migration.app_label, migration.name)
    ]:
        recorder.record_applied(app_label, name)


@dataclass
class _Plan:
    """What every schema of one group (same applied migrations) needs."""

    steps: list[_Step]
    plan: list[tuple[Migration, bool]]
    final_state: ProjectState
    schemas: list[str] = field(default_factory=list)

    @property
    def names(self) -> str:
        return ", ".join(str(step.migration) for step in self.steps)


@dataclass(frozen=True)
class _Task:
    schema: str
    plan: _Plan | None  # None: django-tenants' standard path for this schema
    index: int
    count: int


@dataclass(frozen=True)
class _Outcome:
    schema: str
    applied: tuple[str, ...]
    error: str | None
    seconds: float
    output: str = ""


# The run being executed; forked workers inherit it instead of unpickling
# rendered project states for every task.
_active_run: _Run | None = None


def _worker_start() -> None:
    # Run when the worker exits normally, so PostgreSQL sees a clean goodbye.
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)


def _work(position: int) -> _Outcome:
    assert _active_run is not None
    return _active_run.migrate(_active_run.tasks[position], forked=True)


class PlannedExecutor(MigrationExecutor):
    codename = "planned"

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
            run_migrations(
                self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME
            )
        if not tenants:
            return
        if self.options.get("schema_name") or any(
            self.options.get(option) for option in STANDARD_ONLY_OPTIONS
        ):
            StandardExecutor(self.args, self.options).run_migrations(tenants=tenants)
            return
        _Run(self).execute(tenants)

    def run_multi_type_migrations(self, tenants):
        StandardExecutor(self.args, self.options).run_multi_type_migrations(tenants)


class _Run:
    def __init__(self, executor: PlannedExecutor):
        self.executor = executor
        self.options: dict[str, Any] = executor.options
        self.alias = self.options.get("database") or executor.TENANT_DB_ALIAS
        self.verbosity = int(self.options.get("verbosity", 1))
        self.interactive = bool(self.options.get("interactive", False))
        self.stdout = self.options.get("stdout") or sys.stdout
        self.stderr = self.options.get("stderr") or sys.stderr
        self.tasks: list[_Task] = []
        self.done = 0

    def say(self, message: str, *, level: int = 1) -> None:
        if self.verbosity >= level:
            self.stdout.write(message + "\n")

    # --- planning, in the parent ------------------------------------------------

    def execute(self, tenants: list[str]) -> None:
        started = time.perf_counter()
        connection = connections[self.alias]
        connection.set_schema_to_public()
        probe = DjangoExecutor(None)
        conflicts = probe.loader.detect_conflicts()
        if conflicts or probe.loader.replacements:
            # Django refuses conflicting leaves per schema; squashed migrations
            # change the graph with what each schema has applied. Both are rare
            # enough to take the slow path that gets them right.
            reason = "conflicting migrations" if conflicts else "squashed migrations"
            self.say(f"Tenant schemas: {reason}; migrating them one by one.")
            StandardExecutor(self.executor.args, self.options).run_migrations(
                tenants=tenants
            )
            return
        nodes = set(probe.loader.graph.nodes)
        applied = applied_migrations_by_schema(connection, tenants)

        groups: dict[frozenset, list[str]] = defaultdict(list)
        standard: list[str] = []
        up_to_date = 0
        for schema in tenants:
            if schema not in applied:
                standard.append(schema)
            elif nodes <= applied[schema]:
                up_to_date += 1
            else:
                groups[frozenset(applied[schema] & nodes)].append(schema)

        plans: list[_Plan] = []
        for group_applied, schemas in groups.items():
            plan = self._plan(group_applied, schemas[0])
            if plan is None:
                standard.extend(schemas)
            else:
                plan.schemas = schemas
                plans.append(plan)
        connection.set_schema_to_public()

        work = [(s, plan) for plan in plans for s in plan.schemas]
        work += [(schema, None) for schema in standard]
        self.tasks = [
            _Task(schema, plan, index, len(work))
            for index, (schema, plan) in enumerate(work)
        ]

        processes = self._processes()
        for plan in plans:
            self.say(
                f"Tenant schemas: applying {plan.names} to {len(plan.schemas)} "
                f"schema(s) with {processes} process(es)."
            )
        if standard:
            self.say(
                f"Tenant schemas: {len(standard)} schema(s) without a readable or "
                "consistent migration history go through the standard path."
            )
        outcomes = self._run_tasks(processes)
        failed = [o for o in outcomes if o.error]
        migrated = len(outcomes) - len(failed)
        self.say(
            f"Tenant schemas: {len(tenants)} checked, {up_to_date} up to date, "
            f"{migrated} migrated, {len(failed)} failed "
            f"in {time.perf_counter() - started:.1f} s."
        )
        if failed:
            listed = "; ".join(
                f"{o.schema}: {o.error}" for o in failed[:FAILURES_IN_ERROR]
            )
            more = len(failed) - FAILURES_IN_ERROR
            raise CommandError(
                f"Migrations failed in {len(failed)} tenant schema(s): {listed}"
                + (f"; and {more} more (see above)" if more > 0 else "")
            )

    def _plan(self, applied: frozenset, schema: str) -> _Plan | None:
        """The plan for schemas that have applied `applied`; None when their
        history is inconsistent (the standard path raises Django's error)."""
        # A fresh loader per group, as each schema gets on the standard path:
        # pre_migrate receivers may add operations to the planned migrations.
        executor = DjangoExecutor(None)
        graph = executor.loader.graph
        for key in applied:
            if any(parent not in applied for parent in graph.node_map[key].parents):
                return None
        executor.loader.applied_migrations = dict.fromkeys(applied)
        targets = graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if not plan or any(backwards for _migration, backwards in plan):
            return None
        # Migrate's own start: the state with what is applied, then pre_migrate
        # with the connection on a schema of the group, as for each schema.
        state = executor._create_project_state(with_applied_migrations=True)
        connection = connections[self.alias]
        connection.set_schema(schema)
        emit_pre_migrate_signal(
            max(0, self.verbosity - 1),
            self.interactive,
            self.alias,
            stdout=io.StringIO(),
            apps=state.apps,
            plan=plan,
        )
        state = state.clone()
        planned = {migration for migration, _backwards in plan}
        full_plan = executor.migration_plan(targets, clean_start=True)
        steps = []
        # In the order of the full plan, as MigrationExecutor._migrate_all_forwards.
        for migration, _backwards in full_plan:
            if migration in planned:
                step, state = _Step.prepare(migration, state)
                steps.append(step)
        # Like migrate, post_migrate gets the final state rendered whole (an
        # operation may have left related models for later), rendered here
        # once rather than in every schema.
        final_state = state.clone()
        final_state.clear_delayed_apps_cache()
        final_state.apps  # noqa: B018 -- render now, before the fork
        return _Plan(steps=steps, plan=plan, final_state=final_state)

    def _processes(self) -> int:
        wanted = self.options.get("processes") or getattr(
            settings, "TENANT_MIGRATION_PROCESSES", None
        )
        wanted = int(wanted or os.cpu_count() or 1)
        return max(1, min(wanted, len(self.tasks)))

    # --- running ---------------------------------------------------------------

    def _run_tasks(self, processes: int) -> list[_Outcome]:
        connection = connections[self.alias]
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        if processes <= 1 or not can_fork or connection.in_atomic_block:
            # Inside a transaction (a test, a caller's atomic block) the work
            # must see and join that transaction: no worker processes then.
            return [
                self._report(self.migrate(task, forked=False)) for task in self.tasks
            ]
        global _active_run
        # Children must not share the parent's socket to the database.
        connections.close_all()
        _active_run = self
        outcomes = []
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(processes, initializer=_worker_start) as pool:
                for outcome in pool.imap_unordered(
                    _work, range(len(self.tasks)), chunksize=1
                ):
                    outcomes.append(self._report(outcome))
                # Let the workers exit on their own, closing their connections
                # (leaving the block would kill them).
                pool.close()
                pool.join()
        finally:
            _active_run = None
        return outcomes

    def _report(self, outcome: _Outcome) -> _Outcome:
        self.done += 1
        total = len(self.tasks)
        # Long runs say how far they are, about every tenth of the way.
        if total >= PROGRESS_FROM and self.done % max(1, total // 10) == 0:
            self.say(f"  {self.done}/{total} schemas done")
        if outcome.output:
            self.stdout.write(outcome.output)
        if outcome.error:
            self.stderr.write(
                f"Tenant schema {outcome.schema} failed: {outcome.error}\n"
            )
        elif outcome.applied:
            self.say(
                f"  {outcome.schema}: applied {', '.join(outcome.applied)} "
                f"({outcome.seconds * 1000:.0f} ms)",
                level=2,
            )
        return outcome

    def migrate(self, task: _Task, *, forked: bool) -> _Outcome:
        """Migrate one schema; never raises for an error in that schema."""
        connection = connections[self.alias]
        started = time.perf_counter()
        applied: list[str] = []
        output = io.StringIO()
        # What was running when it failed, for the report.
        stage: list[str] = []
        try:
            if task.plan is None:
                run_migrations(
                    self.executor.args,
                    self.options,
                    self.executor.codename,
                    task.schema,
                    allow_atomic=not forked,
                    idx=task.index,
                    count=task.count,
                )
                applied.append("(standard path)")
            else:
                self._apply(task, connection, applied, output, stage)
        except Exception as exc:
            where = f"{stage[-1]}: " if stage else ""
            error = f"{where}{type(exc).__name__}: {str(exc).strip()}"
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            return _Outcome(
                task.schema,
                tuple(applied),
                error,
                time.perf_counter() - started,
                output.getvalue(),
            )
        finally:
            connection.set_schema_to_public()
        return _Outcome(
            task.schema,
            tuple(applied),
            None,
            time.perf_counter() - started,
            output.getvalue(),
        )

    def _apply(self, task: _Task, connection, applied, output, stage) -> None:
        plan = task.plan
        assert plan is not None
        schema_pre_migration.send(run_migrations, schema_name=task.schema)
        connection.set_schema(task.schema)
        recorder = MigrationRecorder(connection)
        for step in plan.steps:
            stage.append(str(step.migration))
            step.apply(connection, recorder)
            applied.append(str(step.migration))
        stage.append("post_migrate")
        emit_post_migrate_signal(
            max(0, self.verbosity - 1),
            self.interactive,
            self.alias,
            stdout=output,
            apps=plan.final_state.apps,
            plan=plan.plan,
        )
        connection.set_schema_to_public()
        schema_migrated.send(run_migrations, schema_name=task.schema)
