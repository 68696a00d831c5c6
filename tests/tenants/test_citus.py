"""BagiPakai on a Citus coordinator (issue 16), and what stays as it was on one
PostgreSQL: the clone's DDL, the schema editor's named checks, tenant_move.

Tests marked `citus_only` run under `make citus-check`; on plain PostgreSQL
they are skipped with that reason. The others run on both.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext, isolate_apps

from tenants import citus
from tenants import schema as tenant_schema
from tenants.postgresql_backend.schema import pg_object_name
from tests.conftest import on_citus

pytestmark = pytest.mark.django_db


def _plan():
    with connection.cursor() as cursor:
        version = tenant_schema._template_version(
            cursor, tenant_schema.template_schema()
        )
        with transaction.atomic():
            return tenant_schema._build_plan(
                cursor, tenant_schema.template_schema(), version
            )


def test_clone_is_one_round_trip_on_postgresql_and_one_statement_per_execute_on_citus(
    platform,
):
    tenant_schema.template_ensure_current()
    plan = _plan()
    assert plan.one_per_execute is on_citus()
    tenant_schema._clone_plan_cache.put(plan)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        tenant_schema.schema_clone("t_citus_probe_clone")
        transaction.set_rollback(True)
    ddl = [q["sql"] for q in captured if "t_citus_probe_clone" in q["sql"]]
    if on_citus():
        assert len(ddl) == len(plan.statements)
        assert all(";\n" not in statement for statement in ddl)
    else:
        assert len(ddl) == 1 and ddl[0].count(";\n") == len(plan.statements) - 1


def test_clone_sets_each_sequence_to_a_constant_from_the_template(platform):
    """A subquery over the new table would run on the tenant's Citus worker,
    whose share of the sequence differs from the coordinator's."""
    tenant_schema.template_ensure_current()
    setvals = [s for s in _plan().statements if "setval" in s]
    assert setvals, "the template's django_migrations rows are copied"
    for statement in setvals:
        assert "SELECT coalesce" not in statement and "max(" not in statement
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(id) + 1 FROM {tenant_schema.template_schema()}.django_migrations"
        )
        expected = cursor.fetchone()[0]
    assert any(f"'id'), {expected}, false)" in s for s in setvals)


def test_a_clone_hands_out_ids_after_the_copied_rows(bandung):
    from django.db.migrations.recorder import MigrationRecorder

    connection.set_tenant(bandung)
    try:
        recorder = MigrationRecorder(connection)
        top = recorder.migration_qs.order_by("-id").values_list("id", flat=True)[0]
        with transaction.atomic():
            made = recorder.Migration.objects.create(app="probe", name="probe")
            transaction.set_rollback(True)
        assert made.id > top
    finally:
        connection.set_schema_to_public()


@isolate_apps("grants")
def test_a_column_with_a_check_is_added_then_checked_by_name_on_citus():
    """Citus refuses ADD COLUMN with an inline, unnamed CHECK; on Citus the
    schema editor adds the column, then the check under the name PostgreSQL
    gives an inline one, so tenants migrated on Citus and on one server agree."""

    class Probe(models.Model):
        count = models.PositiveIntegerField(default=0)

        class Meta:
            app_label = "grants"
            db_table = "citus_probe_check"

        def __str__(self):
            return f"probe {self.pk}"

    field = Probe._meta.get_field("count")
    field.set_attributes_from_name("count")
    saved = connection._is_citus
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL citus.enable_schema_based_sharding = off"
                if on_citus()
                else "SELECT 1"
            )
            cursor.execute(
                "CREATE TABLE public.citus_probe_check (id bigint PRIMARY KEY)"
            )
            cursor.execute(
                "CREATE TABLE public.citus_probe_inline (id bigint PRIMARY KEY)"
            )
            cursor.execute(
                "ALTER TABLE public.citus_probe_inline ADD COLUMN count integer "
                "NOT NULL DEFAULT 0 CHECK (count >= 0)"
            )
        try:
            connection._is_citus = True
            with CaptureQueriesContext(connection) as captured:
                with connection.schema_editor(atomic=False) as editor:
                    editor.add_field(Probe, field)
        finally:
            connection._is_citus = saved
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, con.conname FROM pg_constraint con "
                "JOIN pg_class c ON c.oid = con.conrelid WHERE con.contype = 'c' "
                "AND c.relname IN ('citus_probe_check', 'citus_probe_inline') ORDER BY 1"
            )
            names = dict(cursor.fetchall())
            cursor.execute(
                "INSERT INTO public.citus_probe_check (id, count) VALUES (1, 0)"
            )
            with pytest.raises(IntegrityError, match="citus_probe_check_count_check"):
                with transaction.atomic():
                    cursor.execute("UPDATE public.citus_probe_check SET count = -1")
        transaction.set_rollback(True)
    adds = [q["sql"] for q in captured if "citus_probe_check" in q["sql"]]
    assert "CHECK" not in adds[0] and "ADD CONSTRAINT" in adds[-1]
    assert names == {
        "citus_probe_check": "citus_probe_check_count_check",
        # PostgreSQL's own name for the inline check: the same rule.
        "citus_probe_inline": pg_object_name("citus_probe_inline", "count", "check"),
    }
    assert names["citus_probe_inline"] == "citus_probe_inline_count_check"


def test_postgresql_names_are_truncated_as_postgresql_does():
    name = pg_object_name("t" * 50, "c" * 30, "check")
    assert len(name) == 63 and name.endswith("_check")
    assert name == "t" * 28 + "_" + "c" * 28 + "_check"


@pytest.mark.not_on_citus(reason="on Citus the command moves the tenant")
def test_tenant_move_says_clearly_that_it_needs_citus(bandung):
    with pytest.raises(CommandError, match="plain PostgreSQL, not a Citus cluster"):
        call_command("tenant_move", "bandung", "--node", "10.0.0.2:5432")


@pytest.mark.parametrize("node", ["nope", "host:", ":5432", "host:99999", "host:port"])
def test_tenant_move_refuses_a_malformed_node(bandung, node):
    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("tenant_move", "bandung", "--node", node)


@pytest.mark.citus_only
def test_template_stays_on_the_coordinator_and_tenants_are_distributed(
    bandung, tangerang
):
    tenant_schema.template_sync()
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name::text FROM citus_schemas")
        distributed = {row[0] for row in cursor.fetchall()}
    assert tenant_schema.template_schema() not in distributed
    assert {bandung.schema_name, tangerang.schema_name} <= distributed
    assert citus.schema_node(bandung.schema_name) in citus.worker_nodes()
    assert citus.schema_node(tenant_schema.template_schema()) is None


@pytest.mark.citus_only
def test_template_that_became_distributed_is_made_local_again(platform):
    tenant_schema.template_ensure_current()
    template = tenant_schema.template_schema()
    with connection.cursor() as cursor:
        cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [template])
    assert citus.schema_node(template) is not None
    assert tenant_schema.template_sync() is True
    assert citus.schema_node(template) is None


@pytest.mark.citus_only
def test_tenant_move_refuses_an_unknown_node_and_the_current_one(bandung):
    here = citus.schema_node(bandung.schema_name)
    with pytest.raises(CommandError, match="not a node that holds schemas"):
        call_command("tenant_move", "bandung", "--node", "10.255.255.1:5432")
    with pytest.raises(CommandError, match="already on"):
        call_command("tenant_move", "bandung", "--node", f"{here[0]}:{here[1]}")
