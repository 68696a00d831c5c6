"""The planned executor: migrations planned once, applied to every schema behind.

A migration module for grants, with one extra AddField on top of the real
migrations, stands in for a release: it lives in a temporary package that
settings.MIGRATION_MODULES points at. Most tests run inside the test's
transaction (the executor then works in-process), so the column and its
records roll back with it; the one test of forked workers commits and cleans
up after itself.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext
from django_tenants.migration_executors import (
    MultiprocessingExecutor,
    StandardExecutor,
)
from django_tenants.signals import schema_migrated

from tenants import schema as tenant_schema
from tenants.migration import PlannedExecutor, get_executor
from tenants.models import Tenant
from tests.factories import make_tenant

GRANTS_MIGRATIONS = Path(__file__).resolve().parents[2] / "grants" / "migrations"
EXTRA = "9000_test_program_note"
COLUMN = "test_note"

EXTRA_MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("grants", {parent!r})]
    operations = [
        migrations.AddField(
            model_name="program",
            name={column!r},
            field=models.TextField(blank=True, null=True),
        ),
    ]
"""


@pytest.fixture(scope="session")
def release_package(tmp_path_factory):
    """grants' migrations plus EXTRA, as an importable package; its module name."""
    parent = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("grants")
    root = tmp_path_factory.mktemp("release")
    name = f"release_{uuid.uuid4().hex[:8]}"
    package = root / name
    package.mkdir()
    for source in GRANTS_MIGRATIONS.glob("*.py"):
        shutil.copy(source, package / source.name)
    (package / f"{EXTRA}.py").write_text(
        EXTRA_MIGRATION.format(parent=parent[0][1], column=COLUMN)
    )
    sys.path.insert(0, str(root))
    yield name
    sys.path.remove(str(root))
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


@pytest.fixture
def release(settings, release_package):
    """EXTRA becomes part of the project's migrations for this test."""
    tenant_schema.expected_migrations.cache_clear()
    settings.MIGRATION_MODULES = {"grants": release_package}
    yield
    del settings.MIGRATION_MODULES
    tenant_schema.expected_migrations.cache_clear()


def make_throwaway_tenants(count: int) -> list[str]:
    suffix = uuid.uuid4().hex[:6]
    return [
        make_tenant(f"mig-{suffix}-{i}", name=f"Kota Uji {i}").schema_name
        for i in range(count)
    ]


def tenant_schemas() -> list[str]:
    return list(
        Tenant.objects.exclude(schema_name="public").values_list(
            "schema_name", flat=True
        )
    )


def has_column(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'grants_program' AND column_name = %s",
            [schema, COLUMN],
        )
        return cursor.fetchone() is not None


def is_recorded(schema: str) -> bool:
    return ("grants", EXTRA) in tenant_schema.applied_migrations(schema)


def add_column_by_hand(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{schema}".grants_program ADD COLUMN {COLUMN} text'
        )


def migrate_tenants(**options):
    from io import StringIO

    out, err = StringIO(), StringIO()
    options = {"interactive": False, "verbosity": 1, "skip_template": True, **options}
    try:
        call_command("migrate_schemas", tenant=True, stdout=out, stderr=err, **options)
    finally:
        connection.set_schema_to_public()
        migrate_tenants.out, migrate_tenants.err = out.getvalue(), err.getvalue()
    return out.getvalue()


def test_planned_is_the_default_and_django_tenants_executors_stay_selectable(
    monkeypatch,
):
    monkeypatch.delenv("EXECUTOR", raising=False)
    assert get_executor() is PlannedExecutor
    assert get_executor("standard") is StandardExecutor
    assert get_executor("multiprocessing") is MultiprocessingExecutor
    monkeypatch.setenv("EXECUTOR", "standard")
    assert get_executor() is StandardExecutor


def test_a_new_migration_reaches_every_schema_behind_and_is_recorded(
    bandung, tangerang, release
):
    schemas = tenant_schemas()
    assert {bandung.schema_name, tangerang.schema_name} <= set(schemas)
    assert not any(has_column(s) for s in schemas)

    out = migrate_tenants()

    for schema in schemas:
        assert has_column(schema), schema
        assert tenant_schema.applied_migrations(schema) >= (
            tenant_schema.expected_migrations()
        ), schema
    assert f"{len(schemas)} checked, 0 up to date, {len(schemas)} migrated" in out


def test_schemas_already_current_are_skipped_without_ddl(bandung, tangerang, release):
    # Bandung got the column and its record some other way: it is current.
    add_column_by_hand(bandung.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{bandung.schema_name}".django_migrations (app, name, applied) '
            "VALUES ('grants', %s, now())",
            [EXTRA],
        )
    count = len(tenant_schemas())

    with CaptureQueriesContext(connection) as queries:
        out = migrate_tenants()

    touching_bandung = [
        q["sql"] for q in queries.captured_queries if bandung.schema_name in q["sql"]
    ]
    # Only the statements that read every schema's history name it: no
    # search_path switched to it, no DDL, no record written.
    assert touching_bandung
    assert all(sql.startswith("SELECT") for sql in touching_bandung), touching_bandung
    assert has_column(tangerang.schema_name) and is_recorded(tangerang.schema_name)
    assert f"{count} checked, 1 up to date, {count - 1} migrated, 0 failed" in out


def test_a_failing_schema_is_rolled_back_reported_and_the_rest_migrated(
    bandung, tangerang, release
):
    add_column_by_hand(bandung.schema_name)  # ALTER TABLE ... ADD COLUMN will clash
    count = len(tenant_schemas())

    with pytest.raises(CommandError) as failure:
        migrate_tenants()

    assert bandung.schema_name in str(failure.value)
    assert "already exists" in str(failure.value)
    assert f"Tenant schema {bandung.schema_name} failed" in migrate_tenants.err
    assert f"{count - 1} migrated, 1 failed" in migrate_tenants.out
    assert not is_recorded(bandung.schema_name)
    assert has_column(tangerang.schema_name) and is_recorded(tangerang.schema_name)

    # Once the clash is fixed, a second run migrates just that schema ...
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{bandung.schema_name}".grants_program DROP COLUMN {COLUMN}'
        )
    out = migrate_tenants()
    assert f"{count} checked, {count - 1} up to date, 1 migrated, 0 failed" in out
    assert has_column(bandung.schema_name) and is_recorded(bandung.schema_name)
    # ... and a third has nothing to do.
    out = migrate_tenants()
    assert f"{count} checked, {count} up to date, 0 migrated, 0 failed" in out


def test_migrated_schemas_get_post_migrate_and_schema_migrated(
    bandung, tangerang, release
):
    from django.apps import apps

    post_migrate_schemas, migrated = [], []

    def on_post_migrate(**kwargs):
        post_migrate_schemas.append(connection.schema_name)
        assert kwargs["apps"].get_model("grants", "Program")._meta.get_field(COLUMN)

    def on_schema_migrated(schema_name, **kwargs):
        migrated.append(schema_name)

    grants_config = apps.get_app_config("grants")
    post_migrate.connect(on_post_migrate, sender=grants_config)
    schema_migrated.connect(on_schema_migrated)
    try:
        migrate_tenants()
        migrate_tenants()  # nothing to do: no more signals
    finally:
        post_migrate.disconnect(on_post_migrate, sender=grants_config)
        schema_migrated.disconnect(on_schema_migrated)
    assert sorted(post_migrate_schemas) == sorted(tenant_schemas())
    assert sorted(migrated) == sorted(tenant_schemas())


def test_the_standard_executor_is_still_selectable(bandung, release):
    out = migrate_tenants(executor="standard")
    assert "Tenant schemas:" not in out  # the planned executor's summary
    assert has_column(bandung.schema_name) and is_recorded(bandung.schema_name)


def test_options_that_change_migrate_take_the_standard_path(bandung, release):
    migrate_tenants(fake=True)
    assert is_recorded(bandung.schema_name)
    assert not has_column(bandung.schema_name)  # faked, as django-tenants does


def test_a_schema_without_migration_records_is_migrated_the_standard_way(
    platform, bandung
):
    Tenant.objects.create(
        schema_name="t_mig_empty",
        name="Lembaga Kosong",
        slug="mig-empty",
        kind="lembaga",
        province="32",
        seat_region_code="32.73",
    )
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "t_mig_empty"')

    out = migrate_tenants()

    assert "1 schema(s) without a readable or consistent migration history" in out
    assert tenant_schema.applied_migrations("t_mig_empty") >= (
        tenant_schema.expected_migrations()
    )


def test_a_full_migrate_keeps_the_template_current(platform, bandung, release):
    call_command("migrate_schemas", interactive=False, verbosity=0)
    connection.set_schema_to_public()
    assert tenant_schema.template_is_current()
    assert has_column(tenant_schema.template_schema())
    assert has_column(bandung.schema_name)


@pytest.mark.django_db(transaction=True)
def test_forked_workers_migrate_in_parallel_and_report_failures(
    settings, release_package
):
    from tests.conftest import ensure_city

    ensure_city("bandung")
    throwaway = make_throwaway_tenants(3)
    add_column_by_hand(throwaway[0])
    tenant_schema.expected_migrations.cache_clear()
    settings.MIGRATION_MODULES = {"grants": release_package}
    try:
        with pytest.raises(CommandError, match=throwaway[0]):
            migrate_tenants(processes=2)
        assert "with 2 process(es)" in migrate_tenants.out
        assert not is_recorded(throwaway[0])
        for schema in tenant_schemas():
            if schema != throwaway[0]:
                assert has_column(schema) and is_recorded(schema), schema
    finally:
        del settings.MIGRATION_MODULES
        tenant_schema.expected_migrations.cache_clear()
        connection.set_schema_to_public()
        for schema in throwaway:
            tenant_schema.schema_drop(schema)
        with connection.cursor() as cursor:
            for schema in tenant_schemas():
                if schema in throwaway:
                    continue
                cursor.execute(
                    f'ALTER TABLE "{schema}".grants_program DROP COLUMN IF EXISTS {COLUMN}'
                )
                cursor.execute(
                    f'DELETE FROM "{schema}".django_migrations '
                    "WHERE app = 'grants' AND name = %s",
                    [EXTRA],
                )
