"""A hosted app used by thousands of organisations: pages that must not grow with them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors, services, views_platform
from catalog.models import Adoption
from tenants.models import Domain, Tenant
from tests.catalog.conftest import make_active_adoption
from tests.conftest import host_client

pytestmark = pytest.mark.django_db


def make_adopters(app, count: int, *, start: int = 1) -> list[Tenant]:
    """Organisations using `app` (rows and domains only: these pages read no
    tenant schema, and cloning hundreds of schemas would only slow the test)."""
    adopters = []
    for i in range(start, start + count):
        tenant = Tenant.objects.create(
            schema_name=f"t_pemakai_{i}",
            slug=f"pemakai-{i}",
            # Institutions: only ~514 cities and regencies exist, one tenant each.
            name=f"Lembaga Pemakai {i:03d}",
            kind="lembaga",
            province="32",
            seat_region_code="32.01",
        )
        Domain.objects.create(
            domain=f"pemakai-{i}.localhost", tenant=tenant, is_primary=True
        )
        make_active_adoption(app, tenant)
        adopters.append(tenant)
    return adopters


def test_detail_lists_adopters_a_page_at_a_time(sabilulungan, monkeypatch):
    monkeypatch.setattr(views_platform, "ADOPTERS_PER_PAGE", 2)
    make_adopters(sabilulungan, 5)
    client = host_client("localhost")

    first = client.get("/catalog/sabilulungan/").content.decode()
    assert first.count("Used by 5 organisations") == 2  # header and section
    assert "Pemakai 001" in first and "Pemakai 002" in first
    assert "Pemakai 003" not in first
    assert "Page 1 of 3" in first and "?page=2" in first

    last = client.get("/catalog/sabilulungan/?page=3").content.decode()
    assert "Pemakai 005" in last and "Pemakai 004" not in last
    assert "Used by 5 organisations" in last


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", "%00", "2" * 400])
def test_hostile_adopter_page_numbers_show_a_page_not_an_error(
    sabilulungan, monkeypatch, page
):
    monkeypatch.setattr(views_platform, "ADOPTERS_PER_PAGE", 2)
    make_adopters(sabilulungan, 3)
    response = host_client("localhost").get("/catalog/sabilulungan/", {"page": page})
    assert response.status_code == 200
    assert "Used by 3 organisations" in response.content.decode()


def test_detail_queries_do_not_grow_with_adopters(sabilulungan, monkeypatch):
    monkeypatch.setattr(views_platform, "ADOPTERS_PER_PAGE", 3)
    client = host_client("localhost")
    make_adopters(sabilulungan, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/catalog/sabilulungan/").status_code == 200
    make_adopters(sabilulungan, 8, start=3)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/catalog/sabilulungan/").content.decode()
    assert "Used by 10 organisations" in html
    assert html.count('href="http://pemakai-') == 3
    assert len(many) == len(few)


def test_suspended_adopters_are_not_counted_or_listed(sabilulungan):
    kept, suspended = make_adopters(sabilulungan, 2)
    Tenant.objects.filter(pk=suspended.pk).update(is_active=False)
    services.adopters_recount(app_ids=[sabilulungan.pk])
    html = host_client("localhost").get("/catalog/sabilulungan/").content.decode()
    assert "Used by 1 organisation" in html
    assert kept.name in html and suspended.name not in html


def test_enabled_modules_cost_one_query_however_many_adopt(
    sabilulungan, bandung, tangerang
):
    adopters = make_adopters(sabilulungan, 6)
    ended = adopters[0]
    Adoption.objects.filter(adopter=ended).update(status=Adoption.Status.ENDED)
    make_active_adoption(sabilulungan, tangerang)

    for tenant, expected in (
        (bandung, {"grants"}),  # the publisher
        (tangerang, {"grants"}),  # an adopter
        (adopters[1], {"grants"}),
        (ended, set()),  # its adoption ended
    ):
        with CaptureQueriesContext(connection) as captured:
            keys = selectors.enabled_module_keys(tenant)
        assert keys == expected, tenant
        assert len(captured) == 1
