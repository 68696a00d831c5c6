"""The warm pool of tenant schemas (tenants/schema.py, TENANT_SCHEMA_POOL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django_q.models import OrmQ

from tenants import schema as tenant_schema
from tenants import services
from tenants.services import provisioning
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def pool() -> list[str]:
    with connection.cursor() as cursor:
        return tenant_schema._pool_names(cursor)


def tables(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema]
        )
        return [row[0] for row in cursor.fetchall()]


def provision(slug: str):
    return services.tenant_provision(
        actor=make_user(f"admin@{slug}.test"),
        name=f"Lembaga {slug}",
        kind="lembaga",
        seat_region_code="32.73",
        slug=slug,
    )


def test_fill_makes_current_clones_of_the_template(platform, settings):
    settings.TENANT_SCHEMA_POOL = 2
    assert tenant_schema.schema_pool_fill() == {"made": 2, "dropped": 0, "ready": 2}
    names = pool()
    assert len(names) == 2
    for name in names:
        assert name.startswith("pool_")
        assert tables(name) == tables(tenant_schema.template_schema())
    # Full: nothing more to do.
    assert tenant_schema.schema_pool_fill() == {"made": 0, "dropped": 0, "ready": 2}


def test_provisioning_renames_a_pool_schema_and_queues_a_refill(platform, settings):
    settings.TENANT_SCHEMA_POOL = 2
    tenant_schema.schema_pool_fill()
    before = pool()
    jobs = OrmQ.objects.count()

    tenant = provision("pool-one")

    after = pool()
    assert len(after) == 1 and set(after) < set(before)
    assert tables(tenant.schema_name) == tables(tenant_schema.template_schema())
    assert OrmQ.objects.count() == jobs + 1
    # The tenant's schema is usable: its migration records are the template's.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {tenant.schema_name}.django_migrations")
        assert cursor.fetchone()[0] == len(
            tenant_schema.expected_migrations()
            & tenant_schema.applied_migrations(tenant_schema.template_schema())
        )


def test_a_stale_pool_schema_is_never_handed_out_and_is_replaced(platform, settings):
    settings.TENANT_SCHEMA_POOL = 1
    tenant_schema.schema_pool_fill()
    (stale,) = pool()
    with connection.cursor() as cursor:
        # As if made before the template's last migration.
        cursor.execute(
            f"DELETE FROM {stale}.django_migrations WHERE id = "
            f"(SELECT max(id) FROM {stale}.django_migrations)"
        )

    tenant = provision("pool-stale")

    assert pool() == [stale], "the stale schema was left alone"
    assert tables(tenant.schema_name) == tables(tenant_schema.template_schema())
    assert tenant_schema.schema_pool_fill() == {"made": 1, "dropped": 1, "ready": 1}
    assert pool() != [stale]


def test_a_failed_provisioning_puts_the_pool_schema_back(
    platform, settings, monkeypatch
):
    settings.TENANT_SCHEMA_POOL = 1
    tenant_schema.schema_pool_fill()
    before = pool()

    def boom(tenant):
        raise RuntimeError("injected failure after the schema was taken")

    monkeypatch.setattr(provisioning, "_provision_domain", boom)
    with pytest.raises(RuntimeError, match="injected"):
        provision("pool-fail")
    assert pool() == before
    assert "t_pool_fail" not in tables("t_pool_fail") and not tables("t_pool_fail")


def test_with_the_pool_off_provisioning_clones_and_queues_nothing(platform, settings):
    settings.TENANT_SCHEMA_POOL = 1
    tenant_schema.schema_pool_fill()
    before = pool()
    settings.TENANT_SCHEMA_POOL = 0
    jobs = OrmQ.objects.count()

    tenant = provision("pool-off")

    assert pool() == before
    assert OrmQ.objects.count() == jobs
    assert tables(tenant.schema_name) == tables(tenant_schema.template_schema())
