"""Laksa fixtures: Kota Tangerang publishes Laksa, with OPDs, categories and officials."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from laksa import services
from tenants import hosted, places, register
from tests.factories import make_user

_n = itertools.count(1)


def give_laksa_roles(user, tenant, *roles: str) -> None:
    with hosted.in_schema(tenant):
        hosted.get("laksa").roles.store(user.pk, frozenset(roles))


def a_place() -> dict:
    district = places.districts(places.home_region())[0]
    village = register.children(district.code)[0]
    return {"kecamatan_code": district.code, "kelurahan_code": village.code}


@pytest.fixture
def laksa_on(tangerang):
    connection.set_schema_to_public()
    from tests.catalog.conftest import make_app

    make_app(tangerang, slug="laksa", delivery_mode="hosted", hosted_module="laksa")
    connection.set_tenant(tangerang)
    yield tangerang
    connection.set_schema_to_public()


@pytest.fixture
def laksa(laksa_on, tangerang_admin):
    """OPDs, categories (one routed by rule, one by hand) and one official per role."""
    tenant = laksa_on
    pupr = services.opd_save(
        tenant=tenant, actor_user=tangerang_admin, name="Dinas PUPR"
    )
    dlh = services.opd_save(
        tenant=tenant, actor_user=tangerang_admin, name="Dinas Lingkungan Hidup"
    )
    roads = services.category_save(
        tenant=tenant,
        actor_user=tangerang_admin,
        name="Jalan rusak",
        opd_id=pupr.pk,
        sla_days=3,
    )
    other = services.category_save(
        tenant=tenant,
        actor_user=tangerang_admin,
        name="Lainnya",
        opd_id=None,
        sla_days=0,
        sla_hours=12,
    )
    people = {}
    for key, roles in (
        ("router", ("router",)),
        ("supervisor", ("supervisor",)),
        ("pupr", (f"opd:{pupr.pk}",)),
        ("dlh", (f"opd:{dlh.pk}",)),
    ):
        user = make_user(f"{key}{next(_n)}@tangerang.test", tenant=tenant, role="staff")
        give_laksa_roles(user, tenant, *roles)
        people[key] = user
    people["admin"] = tangerang_admin
    return {
        "tenant": tenant,
        "pupr": pupr,
        "dlh": dlh,
        "roads": roads,
        "other": other,
        "people": people,
    }


def submit(category, **fields):
    data = {
        "kind": "complaint",
        "category_id": category.pk,
        "description": "Jalan berlubang di depan sekolah, sudah dua minggu.",
        "client_ip": f"192.0.2.{next(_n) % 250}",
        **a_place(),
    }
    data.update(fields)
    return services.item_submit(**data)
