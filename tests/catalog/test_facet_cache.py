"""The catalog's facets at scale (#14): the facet index (a bit set of apps per
facet value) kept until the next committed write, counts and pages read off it
whatever the filters, a search asking PostgreSQL once, and nothing stale after
a write."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Q
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from catalog import facetindex, selectors
from catalog.models import CatalogApp
from tests.catalog.conftest import make_active_adoption, make_app
from tests.conftest import host_client, is_search_path

pytestmark = pytest.mark.django_db

# The statement that builds the facet index (its orders come from window functions).
INDEX_STATEMENT = "ROW_NUMBER() OVER"


def committed():
    """What committing the set-up would have done (a test never commits)."""
    from core.pagecache import flush_pending

    flush_pending(connections["default"])


@pytest.fixture
def apps(bandung, tangerang):
    made = {
        "sabilulungan": make_app(
            bandung,
            slug="sabilulungan",
            name="Sabilulungan",
            short_description_id="Hibah dan bantuan sosial.",
            categories=["grant-management"],
            license="AGPL-3.0-or-later",
            delivery_mode="hosted",
            hosted_module="grants",
        ),
        "e-office": make_app(
            tangerang,
            slug="e-office",
            name="E-office",
            short_description_id="Naskah dinas elektronik.",
            categories=["document-management", "workflow-management"],
            license="MIT",
        ),
        "e-arsip": make_app(
            tangerang,
            slug="e-arsip",
            name="E-arsip",
            short_description_id="Arsip dinas elektronik.",
            categories=["document-management"],
            license="MIT",
            development_status="beta",
        ),
        "laksa": make_app(
            tangerang,
            slug="laksa",
            name="Laksa",
            short_description_id="Layanan aspirasi warga.",
            categories=["customer-service-and-support"],
            delivery_mode="external",
            languages=["id", "en-GB"],
        ),
    }
    committed()
    return made


def statements(path: str) -> list[str]:
    with CaptureQueriesContext(connections["default"]) as captured:
        response = host_client("localhost").get(path)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if not is_search_path(q)]


def facet_counts(path: str, facet: str) -> dict[str, int]:
    body = host_client("localhost").get(path.replace("/catalog/", "/api/v1/apps/"))
    return {item["value"]: item["count"] for item in body.json()["facets"][facet]}


def test_browsing_and_filtering_count_no_app_once_the_index_is_built(apps):
    first = statements("/catalog/")
    assert any(INDEX_STATEMENT in sql for sql in first)
    for path in (
        "/catalog/?sort=adopted",
        "/catalog/?category=document-management&license=MIT&status=beta",
        "/catalog/?language=en&sort=name",
    ):
        kept = statements(path)
        # The catalog's generation (the index is this process's) and the page.
        assert len(kept) == 2, path
        assert not any(INDEX_STATEMENT in sql for sql in kept), path
        assert not any("unnest" in sql.lower() for sql in kept), path
    # A search asks which apps match its words, and fetches its page by id.
    searched = statements("/catalog/?q=arsip&category=document-management")
    assert len(searched) == 3
    assert not any(INDEX_STATEMENT in sql for sql in searched)


def test_another_process_takes_the_shared_index_instead_of_building_it(apps):
    statements("/catalog/")  # built, and kept in the shared cache
    from core import pagecache

    pagecache._in_process.clear()  # what a fresh worker has
    fresh = statements("/catalog/?sort=name")
    # The generation and the shared copy in one read, then the page.
    assert len(fresh) == 2
    assert not any(INDEX_STATEMENT in sql for sql in fresh)


def test_a_new_app_shows_in_the_facets_at_once(
    apps, bandung, django_capture_on_commit_callbacks
):
    assert facet_counts("/catalog/", "license")["MIT"] == 2
    assert "EUPL-1.2" not in facet_counts("/catalog/", "license")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            make_app(
                bandung,
                slug="simpel",
                name="Simpel Arsip",
                short_description_id="Arsip sederhana.",
                categories=["document-management"],
                license="EUPL-1.2",
            )
    licences = facet_counts("/catalog/", "license")
    assert licences["EUPL-1.2"] == 1 and licences["MIT"] == 2
    body = host_client("localhost").get("/api/v1/apps/?q=arsip").json()
    assert body["count"] == 2
    html = host_client("localhost").get("/catalog/").content.decode()
    assert 'value="EUPL-1.2"' in html


def test_a_hidden_app_leaves_the_facets_at_once(
    apps, django_capture_on_commit_callbacks
):
    assert facet_counts("/catalog/", "status")["beta"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        CatalogApp.objects.filter(slug="e-arsip").update(is_hidden=True)
    # No visible app is in beta any more: the value goes with it.
    assert "beta" not in facet_counts("/catalog/", "status")
    assert facet_counts("/catalog/", "license")["MIT"] == 1


def test_a_new_adoption_shows_at_once(
    apps, bandung, django_capture_on_commit_callbacks
):
    host_client("localhost").get("/catalog/?sort=adopted")  # counts kept
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            make_active_adoption(apps["laksa"], bandung)
    html = host_client("localhost").get("/catalog/?sort=adopted").content.decode()
    assert html.index(">Laksa<") < html.index(">E-arsip<")
    assert "used by 1 organisation" in html
    body = host_client("localhost").get("/api/v1/apps/?q=laksa").json()
    assert body["results"][0]["adopters_count"] == 1


def test_a_transaction_counts_its_own_writes_and_keeps_nothing(apps, bandung):
    before = selectors.catalog_facets(selectors.CatalogQuery())
    assert len(cache.get(facetindex.INDEX_KEY)[1].ids) == before.total
    make_app(bandung, slug="baru", name="Baru", categories=["hr"])  # not committed
    during = selectors.catalog_facets(selectors.CatalogQuery())
    assert during.total == before.total + 1
    assert {v.value: v.count for v in during["category"]}["hr"] == 1
    # What others read stays as committed.
    assert len(cache.get(facetindex.INDEX_KEY)[1].ids) == before.total
    assert selectors.catalog_facets(selectors.CatalogQuery()).total == before.total + 1


@pytest.mark.parametrize(
    "params",
    [
        "q=arsip",
        "q=e-office",
        "q=sabilungan",
        "q=dinas&category=document-management",
        "q=dinas&category=document-management&license=MIT",
        "category=document-management",
        "category=document-management&license=MIT&status=beta",
        "license=MIT&sort=name",
        "q=dinas&sort=newest",
        "language=en&delivery=external",
        "publisher=tangerang&category=workflow-management",
    ],
)
def test_the_search_statement_agrees_with_counting_each_value(apps, params):
    """Facets and page from the one statement equal counting every value with
    its filter and paging catalog_search, whatever the search and filters."""
    query = selectors.CatalogQuery.from_params(QueryDict(params))
    facets = selectors.catalog_facets(query, page=(0, 2))
    matching = selectors.catalog_search(query)
    assert facets.total == matching.count()
    assert facets.page_ids == list(matching.values_list("pk", flat=True)[:2])
    for name in selectors.FACET_FIELDS:
        for item in facets[name]:
            filters = dict(query.filters, **{name: (item.value,)})
            alone = selectors.CatalogQuery(q=query.q, filters=filters)
            assert item.count == selectors.catalog_search(alone).count(), (name, item)
    # Every value some visible app has is listed, matched or not.
    listed = {item.value for item in facets["license"]}
    assert listed >= set(
        selectors.visible_apps()
        .filter(~Q(license=""))
        .values_list("license", flat=True)
    )


def test_pages_of_a_search_follow_the_ranking_and_odd_numbers_fall_back(
    apps, tangerang
):
    for n in range(21):
        make_app(
            tangerang,
            slug=f"arsip-{n}",
            name=f"Arsip {n % 3}",  # the same names: ties broken by id
            short_description_id="Arsip dinas.",
        )
    query = selectors.CatalogQuery(q="arsip")
    ranked = [app.name for app in selectors.catalog_search(query)]
    assert len(ranked) == 22

    def listed(page: str) -> list[str]:
        html = host_client("localhost").get(f"/catalog/?q=arsip&page={page}")
        assert html.status_code == 200
        return re.findall(
            r'<h2><a href="/catalog/[^"]+/">([^<]+)</a>', html.content.decode()
        )

    assert listed("1") == ranked[:20]
    assert listed("2") == ranked[20:]
    assert listed("abc") == ranked[:20]  # not a number: the first page
    for beyond in ("3", "-1", "9" * 30):  # out of range: the last page
        assert listed(beyond) == ranked[20:]
