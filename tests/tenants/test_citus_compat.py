"""Tenant schemas stay movable to Citus schema-based sharding (docs/scaling.md).

Citus is not installed here; these tests check our own schemas and models
against the rules Citus enforces when it distributes a schema, and prove with
throwaway schemas that the checker really catches each kind of violation.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.test.utils import isolate_apps

from tenants.citus import (
    REFERENCE_TABLE_CANDIDATES,
    compatibility_problems,
    foreign_keys,
    model_problems,
    schema_problems,
    tenant_schemas,
)
from tenants.models import User
from tests.conftest import on_citus

pytestmark = pytest.mark.django_db


def _kinds(problems) -> set[str]:
    return {problem.kind for problem in problems}


@pytest.fixture
def scratch():
    """Run DDL inside a savepoint that is always rolled back."""

    def run(*statements: str) -> None:
        with connection.cursor() as cursor:
            if on_citus():
                # Regular schemas: Citus itself refuses these probes in a
                # distributed schema (test_citus_refuses_what_the_checker_reports).
                cursor.execute("SET LOCAL citus.enable_schema_based_sharding = off")
            for statement in statements:
                cursor.execute(statement)

    with transaction.atomic():
        yield run
        transaction.set_rollback(True)


def test_reference_table_candidates_are_tables_of_shared_apps():
    shared = set(settings.SHARED_APPS)
    public_tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if apps.get_app_config(model._meta.app_label).name in shared
    }
    assert REFERENCE_TABLE_CANDIDATES <= public_tables


def test_tenant_models_relate_only_to_tenant_models_or_reference_candidates():
    assert model_problems() == []


def test_template_and_tenant_schemas_have_no_keys_citus_would_refuse(
    bandung, tangerang
):
    schemas = tenant_schemas()
    assert {
        settings.TENANT_TEMPLATE_SCHEMA,
        bandung.schema_name,
        tangerang.schema_name,
    } <= set(schemas)
    assert "public" not in schemas

    problems = schema_problems(schemas)
    assert problems == [], "\n".join(map(str, problems))
    # The one call an operator runs before distributing (docs/scaling.md).
    assert compatibility_problems() == []


def test_every_tenant_foreign_key_stays_inside_its_own_schema(bandung):
    """The inventory the checker judges: grants' keys, each within one schema."""
    template = settings.TENANT_TEMPLATE_SCHEMA
    keys = foreign_keys([template, bandung.schema_name])
    in_template = {
        (fk.table, fk.name, fk.referenced_table) for fk in keys if fk.schema == template
    }
    in_bandung = {
        (fk.table, fk.name, fk.referenced_table)
        for fk in keys
        if fk.schema == bandung.schema_name
    }
    # Not vacuous: the grants tables do reference each other.
    assert {
        ("grants_proposal", "grants_program"),
        ("grants_disbursement", "grants_proposal"),
    } <= {(table, referenced) for table, _name, referenced in in_template}
    # A clone carries the same keys as the template it was copied from.
    assert in_bandung == in_template
    assert all(fk.referenced_schema == fk.schema for fk in keys)


def test_checker_reports_a_key_to_a_public_table_that_is_not_a_candidate(scratch):
    scratch(
        "CREATE SCHEMA citus_probe",
        "CREATE TABLE citus_probe.note (id bigint PRIMARY KEY, "
        "author_id bigint REFERENCES public.tenants_user (id))",
    )

    problems = schema_problems(["citus_probe"], reference_candidates=())

    assert _kinds(problems) == {"foreign key out"}
    assert "citus_probe.note -> public.tenants_user" in problems[0].detail
    # Listing the table as a reference-table candidate is what makes it allowed.
    assert schema_problems(["citus_probe"], reference_candidates={"tenants_user"}) == []


def test_checker_reports_keys_across_tenant_schemas_in_both_schemas(scratch):
    scratch(
        "CREATE SCHEMA citus_probe_a",
        "CREATE SCHEMA citus_probe_b",
        "CREATE TABLE citus_probe_b.program (id bigint PRIMARY KEY)",
        "CREATE TABLE citus_probe_a.proposal (id bigint PRIMARY KEY, "
        "program_id bigint REFERENCES citus_probe_b.program (id))",
    )

    problems = schema_problems(["citus_probe_a", "citus_probe_b"])

    assert {(p.scope, p.kind) for p in problems} == {
        ("citus_probe_a", "foreign key out"),
        ("citus_probe_b", "foreign key in"),
    }
    # Even a candidate name does not excuse a key into another tenant.
    assert schema_problems(["citus_probe_a"], reference_candidates={"program"})


def test_checker_reports_a_public_table_pointing_into_a_tenant_schema(scratch):
    scratch(
        "CREATE SCHEMA citus_probe",
        "CREATE TABLE citus_probe.program (id bigint PRIMARY KEY)",
        "CREATE TABLE public.citus_probe_link (id bigint PRIMARY KEY, "
        "program_id bigint REFERENCES citus_probe.program (id))",
    )

    problems = schema_problems(["citus_probe"])

    assert _kinds(problems) == {"foreign key in"}
    assert "public.citus_probe_link -> citus_probe.program" in problems[0].detail


def test_checker_reports_inheritance_and_outside_sequences(scratch):
    scratch(
        "CREATE SCHEMA citus_probe",
        "CREATE SEQUENCE public.citus_probe_seq",
        "CREATE TABLE citus_probe.base (id bigint PRIMARY KEY)",
        "CREATE TABLE citus_probe.child (extra text) INHERITS (citus_probe.base)",
        "CREATE TABLE citus_probe.counter (id bigint PRIMARY KEY "
        "DEFAULT nextval('public.citus_probe_seq'))",
    )

    problems = schema_problems(["citus_probe"])

    assert _kinds(problems) == {"inheritance", "depends on another schema"}
    assert any("public.citus_probe_seq" in p.detail for p in problems)


def test_checker_accepts_a_self_contained_schema_using_an_extension(scratch):
    """Keys inside the schema, identity columns and pg_trgm indexes are fine."""
    scratch(
        "CREATE SCHEMA citus_probe",
        "CREATE TABLE citus_probe.program (id bigint GENERATED BY DEFAULT AS "
        "IDENTITY PRIMARY KEY, name text)",
        "CREATE TABLE citus_probe.proposal (id bigint PRIMARY KEY, "
        "program_id bigint REFERENCES citus_probe.program (id))",
        "CREATE INDEX ON citus_probe.program USING gin (upper(name) gin_trgm_ops)",
    )

    assert schema_problems(["citus_probe"]) == []


@isolate_apps("grants")
def test_model_checker_reports_a_tenant_model_pointing_at_a_public_model():
    class Note(models.Model):
        author = models.ForeignKey(User, on_delete=models.CASCADE)
        editor = models.ForeignKey(
            User, on_delete=models.CASCADE, db_constraint=False, related_name="+"
        )

        class Meta:
            app_label = "grants"

        def __str__(self):
            return f"note {self.pk}"

    problems = model_problems([Note], reference_candidates=())

    assert [(p.kind, p.detail.split(" ->")[0]) for p in problems] == [
        ("model relation out", "grants.Note.author"),
        ("model relation out", "grants.Note.editor"),
    ]
    assert model_problems([Note], reference_candidates={User._meta.db_table}) == []


@pytest.mark.citus_only
def test_citus_refuses_what_the_checker_reports():
    """On a real cluster (schema-based sharding on): a key out of a distributed
    schema to a public table, which schema_problems reports as "foreign key
    out", is refused by Citus at creation."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA citus_probe_refused")
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM citus_schemas "
            "WHERE schema_name::text = 'citus_probe_refused')"
        )
        assert cursor.fetchone()[0], "schema-based sharding is off in the test database"
        with pytest.raises(DatabaseError, match="(?i)foreign key"):
            with transaction.atomic():
                cursor.execute(
                    "CREATE TABLE citus_probe_refused.note (id bigint PRIMARY KEY, "
                    "author_id bigint REFERENCES public.tenants_user (id))"
                )
        transaction.set_rollback(True)
