"""The catalog's facet index (catalog/facetindex.py) and the search's typo
vocabulary (catalog.models.NameWord): bit sets read right at any offset, each
app counted once per value, kept per process until the catalog changes, and
typos found through the names' words."""

from __future__ import annotations

import random

import pytest
from django.db import connections
from django.http import QueryDict

from catalog import facetindex, selectors, services
from catalog.models import CatalogApp, NameWord
from core import pagecache
from tests.catalog.factories import make_app


def committed():
    """What committing the set-up would have done (a test never commits)."""
    pagecache.flush_pending(connections["default"])


def test_members_reads_every_offset_of_a_bit_set():
    generator = random.Random(14)
    for size in (0, 1, 7, 8, 9, 64, 1000, 4099):
        for density in (0.0, 0.01, 0.5, 1.0):
            positions = [n for n in range(size) if generator.random() < density]
            found = facetindex.bits(positions, size)
            assert found.bit_count() == len(positions)
            assert list(facetindex.members(found)) == positions
            for skip in {0, 1, 2, len(positions) // 2, len(positions) - 1}:
                if skip >= 0:
                    assert list(facetindex.members(found, skip)) == positions[skip:]
            # Past the end: nothing, not the last ones again.
            assert list(facetindex.members(found, len(positions) + 3)) == []


def test_ordered_members_follow_the_order_given():
    order = (5, 0, 3, 9, 1)
    found = facetindex.bits([0, 1, 9], 10)
    assert list(facetindex.ordered_members(found, order)) == [0, 9, 1]


@pytest.fixture
def catalog(db, bandung, tangerang):
    made = [
        make_app(
            bandung,
            slug="sabilulungan",
            name="Sabilulungan",
            languages=["id", "en", "en-GB"],
            categories=["grant-management"],
            license="AGPL-3.0-or-later",
        ),
        make_app(
            tangerang,
            slug="e-office",
            name="E-office Kepegawaian",
            languages=["id"],
            categories=["document-management", "hr"],
            license="MIT",
        ),
        make_app(
            tangerang,
            slug="hidden",
            name="Sabilulungan Lama",
            languages=["en"],
            categories=["grant-management"],
            license="MIT",
        ),
    ]
    CatalogApp.objects.filter(slug="hidden").update(is_hidden=True)
    committed()
    return made


def _count(facets, facet: str, value: str) -> int:
    return {item.value: item.count for item in facets[facet]}.get(value, 0)


def test_an_app_is_counted_once_per_language_and_hidden_apps_not_at_all(catalog):
    facets = selectors.catalog_facets(selectors.CatalogQuery(), page=(0, 20))
    # "en" and "en-GB" are one language: one app, counted once.
    assert _count(facets, "language", "en") == 1
    assert _count(facets, "license", "MIT") == 1
    assert facets.total == 2
    assert "hidden" not in set(
        CatalogApp.objects.filter(pk__in=facets.page_ids).values_list("slug", flat=True)
    )
    chosen = selectors.CatalogQuery.from_params(QueryDict("language=en"))
    assert selectors.catalog_facets(chosen).total == 1


def test_the_index_is_kept_in_the_process_until_the_catalog_changes(
    catalog, bandung, django_capture_on_commit_callbacks
):
    first = facetindex.facet_index()
    assert facetindex.facet_index() is first  # this process's copy
    with django_capture_on_commit_callbacks(execute=True):
        make_app(bandung, slug="baru", name="Aplikasi Baru", license="EUPL-1.2")
    after = facetindex.facet_index()
    assert after is not first
    assert "EUPL-1.2" in after.values["license"]
    assert len(after.ids) == len(first.ids) + 1


def test_deep_pages_in_every_order_equal_the_orm(catalog, bandung, tangerang):
    for n in range(30):
        make_app(
            bandung if n % 2 else tangerang,
            slug=f"app-{n}",
            name=f"Aplikasi {n % 7}",  # ties broken by id
            categories=["hr"] if n % 3 else ["document-management"],
        )
    committed()
    for params in ("sort=name", "sort=newest", "sort=adopted", "category=hr"):
        query = selectors.CatalogQuery.from_params(QueryDict(params))
        everything = list(selectors.catalog_search(query).values_list("pk", flat=True))
        for offset in (0, 5, 17, len(everything) - 1, len(everything) + 4):
            facets = selectors.catalog_facets(query, page=(offset, 5))
            assert facets.page_ids == everything[offset : offset + 5], (params, offset)


@pytest.mark.parametrize(
    "typed",
    ["sabilungan", "SABILULUNGAN", "sabilulunga", "kepegawain", "kepegawain e-ofice"],
)
def test_typos_are_found_through_the_words_of_the_names(catalog, typed):
    query = selectors.CatalogQuery(q=typed)
    found = {app.slug for app in selectors.catalog_search(query)}
    expected = "e-office" if "kepeg" in typed else "sabilulungan"
    assert expected in found
    facets = selectors.catalog_facets(query, page=(0, 20))
    assert facets.total == len(found)
    assert "hidden" not in found


def test_every_word_of_a_search_must_be_near_a_word_of_the_name(catalog):
    # "kepegawain" is near E-office's name, "sabilungan" near the other's: no
    # name has both.
    assert not selectors.catalog_search(
        selectors.CatalogQuery(q="kepegawain sabilungan")
    ).exists()


def test_a_renamed_app_is_found_by_a_typo_of_its_new_name(catalog):
    app = CatalogApp.objects.get(slug="e-office")
    assert not NameWord.objects.filter(word="persuratan").exists()
    services.app_update(actor=None, app=app, name="Persuratan Elektronik")
    assert NameWord.objects.filter(word="persuratan").exists()
    found = selectors.catalog_search(selectors.CatalogQuery(q="persuratn"))
    assert [a.slug for a in found] == ["e-office"]


def test_words_with_quotes_and_backslashes_do_not_break_the_search(catalog, bandung):
    make_app(bandung, slug="quoted", name="Jum'at Berkah \\ Data's")
    for typed in ("jumat", "berkh", "data's", "it's \\", "'", "\\", "o'connor"):
        response = selectors.catalog_search(selectors.CatalogQuery(q=typed))
        list(response)  # evaluated without a database error
        selectors.catalog_facets(selectors.CatalogQuery(q=typed), page=(0, 20))
    found = selectors.catalog_search(selectors.CatalogQuery(q="berkh"))
    assert [a.slug for a in found] == ["quoted"]
