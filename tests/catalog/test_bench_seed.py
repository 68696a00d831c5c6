"""bench/catalog.py's seeded catalog is written to the project's own rules.

The benchmark writes its entries straight to the database (bulk_create), past
the services; they must still be entries the catalog could hold: valid by the
rules the services and the publishing form apply, and exporting a
publiccode.yml the standard's reference validator accepts.
"""

from __future__ import annotations

import random

import pytest

from bench.catalog_seed import Seed, seed_apps
from catalog.models import CatalogApp
from catalog.publiccode import export_publiccode
from catalog.vocabularies import contractors_problem
from tests.catalog.conftest import verify
from tests.catalog.test_publishing_form import page_data
from tests.conftest import host_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(bandung, tangerang):
    seed = Seed(
        rng=random.Random(14),
        tenants=[verify(bandung), verify(tangerang)],
        agreements={},
        slugs=set(),
    )
    seed_apps(seed, 60)
    return list(CatalogApp.objects.prefetch_related("contractors").order_by("pk"))


def test_seeded_entries_name_contractors_exactly_when_maintained_by_contract(seeded):
    kinds = {app.maintenance_type for app in seeded}
    assert "contract" in kinds and len(kinds) > 1
    problems = {
        app.slug: contractors_problem(
            app.maintenance_type, list(app.contractors.all()) or None
        )
        for app in seeded
    }
    assert {slug: p for slug, p in problems.items() if p} == {}


def test_seeded_entries_export_valid_publiccode(seeded, validator, tmp_path):
    invalid = {}
    for app in seeded:
        errors = validator(export_publiccode(app), tmp_path)
        if errors:
            invalid[app.slug] = sorted({error["key"] for error in errors})
    assert invalid == {}


def test_seeded_entries_can_be_saved_unchanged_through_the_form(
    seeded, bandung_admin, tangerang_admin
):
    clients = {
        "bandung": host_client("bandung.localhost", bandung_admin),
        "tangerang": host_client("tangerang.localhost", tangerang_admin),
    }
    refused = {}
    for app in seeded:
        client = clients[app.publisher.slug]
        edit = f"/apps/published/{app.slug}/edit/"
        response = client.post(edit, page_data(client.get(edit)))
        if response.status_code != 302:
            form = response.context["form"]
            refused[app.slug] = {
                **form.errors,
                **{f"contractor {i}": r.errors for i, r in enumerate(form.contractors)},
            }
    assert refused == {}
