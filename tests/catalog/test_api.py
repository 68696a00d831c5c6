"""The public catalog API: every response is checked against the OpenAPI document it serves."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from urllib.parse import quote, urlsplit

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from catalog.models import Adoption, Agreement, CatalogApp, Release
from catalog.publiccode import export_publiccode
from catalog.services import adopters_recount
from tenants.models import Tenant
from tests.catalog.factories import AdoptionFactory, AgreementFactory, CatalogAppFactory
from tests.conftest import (
    PLATFORM_HOST,
    assert_statements,
    host_client,
    is_search_path,
)
from tests.factories import make_tenant

SCHEMA_URL = "/api/v1/schema/?format=json"
DOCUMENT_URI = "urn:bagipakai:catalog-api"
# Statements for one page of the list, whatever its length: the catalog's
# generation from the shared cache (ETag and Last-Modified), the catalog's
# generation again for the facet index (kept in this process; built while this
# test's writes are uncommitted), the page, and the publishers' domains. The
# host's tenant comes from the route cache. Filters add nothing: the index
# counts them and finds the page.
LIST_QUERIES = 4
# With a search, one more: the statement that finds the apps matching the words
# (and ranks those the filters keep).
SEARCH_QUERIES = LIST_QUERIES + 1
# The generation; app, publisher's domains, releases, screenshots, active
# adoptions, their adopters' domains and their activation events.
DETAIL_QUERIES = 8
# Plus the one `SET search_path` django-tenants sends per request
# (TENANT_LIMIT_SET_CALLS), which django_assert_num_queries counts too.
SET_PER_REQUEST = 1

_numbers = itertools.count(1)


# --- factories -----------------------------------------------------------------------


def make_app(publisher: Tenant, name: str, **fields) -> CatalogApp:
    """A published entry named `name` (its slug from the name), in every language."""
    n = next(_numbers)
    values = {
        "slug": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        "name": name,
        "short_description_id": f"Aplikasi {name}",
        "short_description_en": f"The {name} app",
        "categories": ["other"],
        "scope": ["local-authorities"],
        "license": "MIT",
        "url": f"https://git.example.go.id/{publisher.slug}/app-{n}",
        "platforms": [],
        "languages": [],
        **fields,
    }
    return CatalogAppFactory(publisher=publisher, **values)


def make_release(app: CatalogApp, version: str, released_on: dt.date, notes: str = ""):
    return Release.objects.create(
        app=app, version=version, released_on=released_on, notes=notes
    )


def make_agreement(first: Tenant, second: Tenant, **fields) -> Agreement:
    """The Bandung–Tangerang MoU's terms, confirmed by both parties."""
    values = {
        "kind": "mou",
        "number": f"119/{next(_numbers)}/MoU/2017",
        "title": "Kerja sama pemanfaatan aplikasi",
        "signed_on": dt.date(2017, 8, 14),
        "signed_at_place": "Bandung",
        "valid_from": dt.date(2017, 8, 14),
        "first_signatory": "Wali Kota Bandung",
        "second_signatory": "Wali Kota Tangerang",
        **fields,
    }
    return AgreementFactory(first=first, second=second, **values)


def make_adoption(
    app: CatalogApp, adopter: Tenant, *, status: str = Adoption.Status.ACTIVE, **fields
) -> Adoption:
    """An adoption whose contact is a person (never public)."""
    if status == Adoption.Status.ACTIVE and "agreement" not in fields:
        fields["agreement"] = make_agreement(app.publisher, adopter)
    return AdoptionFactory(
        app=app,
        adopter=adopter,
        status=status,
        purpose="Penyaluran hibah dan bansos yang transparan",
        contact_name="Siti Rahmawati",
        contact_email="siti.rahmawati@private.example",
        **fields,
    )


# --- checking responses against the served OpenAPI document ---------------------------


def _as_json_schema(node):
    """OpenAPI 3.0 schema objects → JSON Schema 2020-12, strict about undocumented keys."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()}
    if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
        # A key the serializer sends but the schema does not describe fails.
        node["additionalProperties"] = False
    if node.pop("nullable", False) is True:
        if "type" in node and not {"$ref", "allOf", "anyOf", "oneOf"} & node.keys():
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


class OpenAPIChecker:
    """GETs on the platform host whose answers must be what the API's own schema says."""

    def __init__(self, client, document: dict):
        self.client = client
        self.document = document
        registry = Registry().with_resource(
            DOCUMENT_URI,
            Resource.from_contents(
                _as_json_schema(document), default_specification=DRAFT202012
            ),
        )
        self.registry = registry

    def operation_path(self, path: str) -> str:
        for template in self.document["paths"]:
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, path):
                return template
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def validator(self, template: str, status: int, media_type: str):
        ref = (
            DOCUMENT_URI
            + "#"
            + quote(
                _pointer("paths", template, "get", "responses", str(status), "content")
                + _pointer(media_type, "schema")
            )
        )
        return Draft202012Validator(
            {"$ref": ref},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def check(self, response, path: str):
        template = self.operation_path(path)
        responses = self.document["paths"][template]["get"]["responses"]
        status = response.status_code
        assert str(status) in responses, f"{status} undocumented for GET {template}"
        media_type = response["Content-Type"].split(";")[0].strip()
        assert media_type in responses[str(status)]["content"], (
            f"{media_type} undocumented for GET {template} {status}"
        )
        if media_type == "application/json":
            body = response.json()
            errors = list(
                self.validator(template, status, media_type).iter_errors(body)
            )
            assert not errors, "\n".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
            )
        return response

    def get(self, url: str, status: int = 200, **extra):
        response = self.client.get(url, **extra)
        assert response.status_code == status, (response.status_code, response.content)
        return self.check(response, urlsplit(url).path)


@pytest.fixture
def api(platform):
    client = host_client(PLATFORM_HOST)
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return OpenAPIChecker(client, response.json())


@pytest.fixture
def catalog(bandung, tangerang):
    """Bandung's Sabilulungan, adopted by Tangerang; Tangerang's E-office and Laksa."""
    sabilulungan = make_app(
        bandung,
        "Sabilulungan",
        short_description_id="Hibah dan bansos yang akuntabel",
        short_description_en="Accountable grants and social aid",
        long_description_id="Setiap tahap hibah dapat dilihat publik.",
        long_description_en="Every step of every grant is public.",
        features=["Proposal online", "Laporan pertanggungjawaban"],
        categories=["grant-management", "workflow-management"],
        scope=["welfare"],
        delivery_mode="hosted",
        hosted_module="grants",
        license="AGPL-3.0-or-later",
        documentation_url="https://docs.example.go.id/sabilulungan",
        platforms=["web"],
        languages=["id"],
        contacts=[
            {
                "name": "Tim Sabilulungan",
                "email": "sabilulungan@bandung.go.id",
                "affiliation": "Diskominfo Kota Bandung",
            }
        ],
    )
    v1 = make_release(sabilulungan, "1.0.0", dt.date(2017, 3, 1), "First release")
    v2 = make_release(sabilulungan, "2.1.0", dt.date(2019, 6, 1), "LPJ uploads")
    agreement = make_agreement(bandung, tangerang, number="119/MoU-Diskominfo/2017")
    adoption = make_adoption(
        sabilulungan,
        tangerang,
        agreement=agreement,
        release=v2,
        activated_at=dt.datetime(2017, 9, 1, 20, 0, tzinfo=dt.UTC),
    )
    eoffice = make_app(
        tangerang,
        "E-office",
        categories=["document-management"],
        development_status="beta",
        delivery_mode="external",
        license="GPL-3.0-only",
        landing_url="https://eoffice.tangerangkota.go.id",
    )
    laksa = make_app(tangerang, "Laksa", categories=["workflow-management"])
    return {
        "sabilulungan": sabilulungan,
        "eoffice": eoffice,
        "laksa": laksa,
        "releases": [v1, v2],
        "agreement": agreement,
        "adoption": adoption,
    }


def slugs(response) -> list[str]:
    return [app["slug"] for app in response.json()["results"]]


# --- the schema itself -------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_valid_openapi_3_and_lists_the_endpoints_and_itself(api):
    validate_schema(api.document)
    assert api.document["openapi"].startswith("3.")
    assert set(api.document["paths"]) == {
        "/api/v1/apps/",
        "/api/v1/apps/{slug}/",
        "/api/v1/apps/{slug}/publiccode.yml",
        "/api/v1/schema/",
    }
    publiccode = api.document["paths"]["/api/v1/apps/{slug}/publiccode.yml"]["get"]
    assert set(publiccode["responses"]["200"]["content"]) == {"application/yaml"}
    assert (
        "facets" in api.document["components"]["schemas"]["CatalogAppPage"]["required"]
    )


@pytest.mark.django_db
def test_schema_is_served_as_yaml_by_default(platform):
    response = host_client(PLATFORM_HOST).get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/apps/{slug}/:" in response.content


@pytest.mark.django_db
def test_schema_generation_emits_no_warnings(platform):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    assert host_client(PLATFORM_HOST).get(SCHEMA_URL).status_code == 200
    assert not GENERATOR_STATS, "drf-spectacular guessed part of the schema"


@pytest.mark.django_db
def test_a_key_missing_from_the_schema_fails_validation(api, catalog):
    """The checker is strict: an undocumented field would fail every test above."""
    body = api.get("/api/v1/apps/sabilulungan/").json()
    validator = api.validator("/api/v1/apps/{slug}/", 200, "application/json")
    assert validator.is_valid(body)
    assert not validator.is_valid({**body, "secret": "x"})
    adopter = {**body["adopters"][0], "contact_email": "siti@private.example"}
    assert not validator.is_valid({**body, "adopters": [adopter]})
    assert not validator.is_valid({**body, "links": {**body["links"], "edit": "x"}})


# --- list, search, filters, sorting, pages -------------------------------------------------


@pytest.mark.django_db
def test_list_shows_visible_apps_with_publisher_links_and_counts(api, catalog):
    body = api.get("/api/v1/apps/").json()
    assert body["count"] == 3
    assert body["next"] is None and body["previous"] is None
    # Most adopted first, then by name.
    assert [app["slug"] for app in body["results"]] == [
        "sabilulungan",
        "e-office",
        "laksa",
    ]
    first = body["results"][0]
    assert first["name"] == "Sabilulungan"
    assert first["short_description"] == {
        "id": "Hibah dan bansos yang akuntabel",
        "en": "Accountable grants and social aid",
    }
    assert first["publisher"] == {
        "slug": "bandung",
        "name": "Kota Bandung",
        "url": "http://bandung.localhost/",
    }
    assert first["categories"] == ["grant-management", "workflow-management"]
    assert first["delivery_mode"] == "hosted"
    assert first["adopters_count"] == 1
    assert first["documentation_url"] == "https://docs.example.go.id/sabilulungan"
    assert first["landing_url"] is None
    assert first["links"] == {
        "self": "http://localhost/api/v1/apps/sabilulungan/",
        "html": "http://localhost/catalog/sabilulungan/",
        "publiccode": "http://localhost/api/v1/apps/sabilulungan/publiccode.yml",
    }
    assert "long_description" not in first and "adopters" not in first
    publishers = {f["value"]: f["count"] for f in body["facets"]["publisher"]}
    assert publishers == {"bandung": 1, "tangerang": 2}


@pytest.mark.django_db
def test_links_lead_to_the_api_the_page_and_the_file(api, catalog):
    links = api.get("/api/v1/apps/").json()["results"][0]["links"]
    assert api.get(urlsplit(links["self"]).path).json()["slug"] == "sabilulungan"
    page = host_client(PLATFORM_HOST).get(urlsplit(links["html"]).path)
    assert page.status_code == 200


@pytest.mark.django_db
def test_search_tolerates_a_typo_in_the_name(api, catalog):
    response = api.get("/api/v1/apps/?q=sabilungan")
    assert slugs(response) == ["sabilulungan"]


@pytest.mark.django_db
def test_search_finds_words_of_the_description(api, catalog):
    assert slugs(api.get("/api/v1/apps/?q=bansos")) == ["sabilulungan"]
    assert slugs(api.get("/api/v1/apps/?q=tidakadaapapun")) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("category=workflow-management", ["laksa", "sabilulungan"]),
        ("category=document-management", ["e-office"]),
        ("publisher=tangerang", ["e-office", "laksa"]),
        ("publisher=bandung", ["sabilulungan"]),
        ("delivery=hosted", ["sabilulungan"]),
        ("delivery=external", ["e-office"]),
        ("status=beta", ["e-office"]),
        ("license=GPL-3.0-only", ["e-office"]),
        ("license=MIT", ["laksa"]),
        ("publisher=tangerang&status=stable", ["laksa"]),
        ("publisher=nobody", []),
        ("license=EUPL-1.2", []),
        # Several values of one facet: apps with any of them.
        (
            "category=document-management&category=grant-management",
            ["e-office", "sabilulungan"],
        ),
        ("delivery=hosted&delivery=external", ["e-office", "sabilulungan"]),
        ("publisher=bandung&publisher=tangerang&status=beta", ["e-office"]),
    ],
)
def test_each_filter_narrows_the_list(api, catalog, params, expected):
    response = api.get(f"/api/v1/apps/?{params}&sort=name")
    assert slugs(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.django_db
def test_facets_count_each_filter_without_itself(api, catalog):
    facets = api.get("/api/v1/apps/?publisher=bandung").json()["facets"]
    assert {f["value"]: f["count"] for f in facets["publisher"]} == {
        "bandung": 1,
        "tangerang": 2,
    }
    # Values no app matching the filters has stay listed, with 0.
    assert {f["value"]: f["count"] for f in facets["delivery"]} == {
        "hosted": 1,
        "source": 0,
        "external": 0,
    }
    category = {f["value"]: f for f in facets["category"]}
    assert category["grant-management"] == {
        "value": "grant-management",
        "label": "Grant management",
        "count": 1,
        "selected": False,
    }
    assert category["document-management"]["count"] == 0
    chosen = {f["value"]: f["selected"] for f in facets["publisher"]}
    assert chosen == {"bandung": True, "tangerang": False}


@pytest.mark.django_db
def test_sorting_by_name_newest_and_adoptions(api, catalog):
    CatalogApp.objects.filter(pk=catalog["laksa"].pk).update(
        created_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )
    assert slugs(api.get("/api/v1/apps/?sort=name")) == [
        "e-office",
        "laksa",
        "sabilulungan",
    ]
    assert slugs(api.get("/api/v1/apps/?sort=newest"))[0] == "laksa"
    assert slugs(api.get("/api/v1/apps/?sort=adopted"))[0] == "sabilulungan"


@pytest.mark.django_db
def test_pages_link_to_each_other(api, catalog, bandung):
    for name in ("Alpha", "Bravo"):
        make_app(bandung, name)
    first = api.get("/api/v1/apps/?sort=name&page_size=2").json()
    assert first["count"] == 5
    assert [a["slug"] for a in first["results"]] == ["alpha", "bravo"]
    assert first["previous"] is None
    second_url = first["next"]
    assert "page=2" in second_url and "sort=name" in second_url
    second = api.get(second_url.removeprefix("http://localhost")).json()
    assert [a["slug"] for a in second["results"]] == ["e-office", "laksa"]
    third = api.get("/api/v1/apps/?sort=name&page_size=2&page=3").json()
    assert [a["slug"] for a in third["results"]] == ["sabilulungan"]
    assert third["next"] is None and third["previous"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "q=%27%3B%20DROP%20TABLE%20catalog_catalogapp%3B--",
        "q=(((%20!!%20%3A*%20%26%20%7C",
        "q=%C2%BD%20%E6%97%A5%E6%9C%AC%20%F0%9F%98%80",
        "search=" + "x" * 200,
        "search=surat&q=other",
        "sort=relevance",
        "page_size=100",
        "unknown=1",
    ],
)
def test_odd_but_valid_parameters_give_a_list(api, catalog, query):
    body = api.get(f"/api/v1/apps/?{query}").json()
    assert isinstance(body["results"], list)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("sort=sideways", "sort"),
        ("sort=", "sort"),
        ("sort=name&sort=newest", "sort"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page_size=abc", "page_size"),
        ("page_size=-3", "page_size"),
        ("page_size=101", "page_size"),
        ("search=" + "x" * 201, "search"),
        ("q=a&q=b", "q"),
        ("category=nonsense", "category"),
        ("category=hr&category=nonsense", "category"),
        ("delivery=nonsense", "delivery"),
        ("status=STABLE", "status"),
        ("language=xx", "language"),
        ("language=EN", "language"),
        ("country=zz", "country"),
        ("publisher=Not%20A%20Slug", "publisher"),
        ("license=%20MIT", "license"),
    ],
)
def test_invalid_values_are_refused_with_400_problem_details(
    api, catalog, query, parameter
):
    response = api.get(f"/api/v1/apps/?{query}", status=400)
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == 400 and body["type"] == "about:blank"
    assert [e["parameter"] for e in body["errors"]] == [parameter]


@pytest.mark.django_db
def test_search_is_the_parameter_and_q_its_alias(api, catalog):
    assert slugs(api.get("/api/v1/apps/?search=bansos")) == ["sabilulungan"]
    assert slugs(api.get("/api/v1/apps/?q=bansos")) == ["sabilulungan"]
    # Both: `search` wins.
    assert slugs(api.get("/api/v1/apps/?search=bansos&q=disposisi")) == ["sabilulungan"]


@pytest.mark.django_db
def test_a_page_past_the_last_is_a_404_problem(api, catalog):
    response = api.get("/api/v1/apps/?page=99999", status=404)
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["detail"] == "There is no page 99999: the last page is 1."


@pytest.mark.django_db
def test_the_api_only_reads(api, catalog):
    client = host_client(PLATFORM_HOST)
    assert client.post("/api/v1/apps/", {"name": "x"}).status_code == 405
    assert client.delete("/api/v1/apps/sabilulungan/").status_code == 405
    assert CatalogApp.objects.filter(slug="sabilulungan").exists()


@pytest.mark.django_db
def test_the_api_is_not_served_on_tenant_hosts(catalog):
    response = host_client("bandung.localhost").get("/api/v1/apps/")
    assert response.status_code == 404


# --- detail ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_has_releases_and_active_adopters_without_personal_data(
    api, catalog, bandung, tangerang
):
    laksa = catalog["laksa"]
    # Only the active adoption counts; an ended one is history.
    make_adoption(catalog["sabilulungan"], bandung, status=Adoption.Status.ENDED)
    body = api.get("/api/v1/apps/sabilulungan/").json()
    assert body["long_description"] == {
        "id": "Setiap tahap hibah dapat dilihat publik.",
        "en": "Every step of every grant is public.",
    }
    assert body["features"] == ["Proposal online", "Laporan pertanggungjawaban"]
    assert body["platforms"] == ["web"] and body["languages"] == ["id"]
    assert body["maintenance_type"] == "internal"
    assert body["contacts"] == [
        {
            "name": "Tim Sabilulungan",
            "email": "sabilulungan@bandung.go.id",
            "phone": None,
            "affiliation": "Diskominfo Kota Bandung",
        }
    ]
    assert body["releases"] == [
        {"version": "2.1.0", "released_on": "2019-06-01", "notes": "LPJ uploads"},
        {"version": "1.0.0", "released_on": "2017-03-01", "notes": "First release"},
    ]
    assert body["adopters_count"] == 1
    assert body["adopters"] == [
        {
            "slug": "tangerang",
            "name": "Kota Tangerang",
            "kind": "kota",
            "region_code": "36.71",
            "usage": "production",
            "release": "2.1.0",
            # 20:00 UTC is the next morning in Jakarta.
            "since": "2017-09-02",
            "agreement": {
                "kind": "mou",
                "number": "119/MoU-Diskominfo/2017",
                "signed_on": "2017-08-14",
                "ended_on": None,
                "end_reason": "",
            },
            "ends_on": None,
        }
    ]
    assert b"siti" not in api.client.get("/api/v1/apps/sabilulungan/").content.lower()
    assert api.get(f"/api/v1/apps/{laksa.slug}/").json()["adopters"] == []


@pytest.mark.django_db
def test_adopter_without_activation_event_or_release_shows_nulls(api, catalog, bandung):
    adoption = make_adoption(catalog["laksa"], bandung, usage="")
    Adoption.objects.filter(pk=adoption.pk).update(
        updated_at=dt.datetime(2024, 2, 3, 4, 5, tzinfo=dt.UTC)
    )
    (adopter,) = api.get("/api/v1/apps/laksa/").json()["adopters"]
    assert adopter["since"] == "2024-02-03"
    assert adopter["usage"] is None
    assert adopter["release"] is None
    assert adopter["agreement"]["number"] == adoption.agreement.number
    assert adopter["agreement"]["ended_on"] is None and adopter["ends_on"] is None


@pytest.mark.django_db
def test_adoption_without_a_confirmed_agreement_is_not_public(api, catalog, bandung):
    adoption = make_adoption(catalog["laksa"], bandung)
    # An adoption left from before agreements were confirmed by both parties.
    Adoption.objects.filter(pk=adoption.pk).update(agreement=None)
    adopters_recount(app_ids=[catalog["laksa"].pk])
    body = api.get("/api/v1/apps/laksa/").json()
    assert body["adopters"] == [] and body["adopters_count"] == 0


@pytest.mark.django_db
def test_hidden_app_is_a_404_everywhere(api, catalog):
    CatalogApp.objects.filter(slug="laksa").update(is_hidden=True)
    assert api.get("/api/v1/apps/laksa/", status=404).json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "No such app in the catalog.",
        "instance": "/api/v1/apps/laksa/",
    }
    api.get("/api/v1/apps/laksa/publiccode.yml", status=404)
    assert "laksa" not in slugs(api.get("/api/v1/apps/"))
    assert "laksa" not in slugs(api.get("/api/v1/apps/?q=laksa"))


@pytest.mark.django_db
def test_apps_of_a_suspended_publisher_are_a_404(api, catalog, tangerang):
    Tenant.objects.filter(pk=tangerang.pk).update(is_active=False)
    api.get("/api/v1/apps/e-office/", status=404)
    assert slugs(api.get("/api/v1/apps/")) == ["sabilulungan"]
    facets = api.get("/api/v1/apps/").json()["facets"]
    assert [f["value"] for f in facets["publisher"]] == ["bandung"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug", ["no-such-app", "%C3%A4pfel", "%00", "a" * 300, "..", "sabilulungan%20"]
)
def test_unknown_or_malformed_slug_is_a_json_404(api, catalog, slug):
    api.get(f"/api/v1/apps/{slug}/", status=404)
    api.get(f"/api/v1/apps/{slug}/publiccode.yml", status=404)


@pytest.mark.django_db
def test_publiccode_file_is_yaml_of_the_app(api, catalog):
    response = api.get(
        "/api/v1/apps/sabilulungan/publiccode.yml", HTTP_ACCEPT="application/yaml"
    )
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response.content.decode() == export_publiccode(catalog["sabilulungan"])
    document = yaml.safe_load(response.content.decode())
    assert document["name"] == "Sabilulungan"
    assert document["url"] == catalog["sabilulungan"].url


# --- queries -----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    """Statements a GET runs, leaving out django-tenants' `SET search_path`."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(not is_search_path(q) for q in captured.captured_queries)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_more_apps(
    api, catalog, bandung, tangerang, django_assert_num_queries
):
    api.client.get("/api/v1/apps/")  # the catalog's generation is in the cache now
    few = _queries(api.client, "/api/v1/apps/")
    assert few == LIST_QUERIES
    assert _queries(api.client, "/api/v1/apps/?q=sabilulungan") == SEARCH_QUERIES
    for n in range(12):
        app = make_app(bandung if n % 2 else tangerang, f"Aplikasi {n}")
        release = make_release(app, "1.0", dt.date(2024, 1, 1))
        make_adoption(
            app,
            tangerang if n % 2 else bandung,
            agreement=make_agreement(bandung, tangerang),
            release=release,
        )
    assert _queries(api.client, "/api/v1/apps/") == few
    assert _queries(api.client, "/api/v1/apps/?q=sabilulungan") == SEARCH_QUERIES
    searched = _queries(api.client, "/api/v1/apps/?q=aplikasi&page=2&page_size=5")
    assert searched == SEARCH_QUERIES
    assert _queries(api.client, "/api/v1/apps/?publisher=bandung") == LIST_QUERIES
    filtered = "/api/v1/apps/?publisher=bandung&publisher=tangerang&sort=name"
    assert _queries(api.client, filtered) == LIST_QUERIES
    with assert_statements(LIST_QUERIES):
        body = api.client.get("/api/v1/apps/").json()
    assert len(body["results"]) == 15


@pytest.mark.django_db
def test_detail_queries_do_not_grow_with_more_adopters_and_releases(
    api, catalog, bandung, django_assert_num_queries
):
    laksa = catalog["laksa"]
    make_adoption(laksa, bandung, agreement=make_agreement(bandung, laksa.publisher))
    api.client.get("/api/v1/apps/laksa/")  # the catalog's generation is cached now
    few = _queries(api.client, "/api/v1/apps/laksa/")
    assert few == DETAIL_QUERIES
    garut = make_tenant(
        "garut", "Kabupaten Garut", kind="kabupaten", region_code="32.05"
    )
    for n in range(5):
        make_release(laksa, f"1.{n}", dt.date(2024, 1, 1 + n))
    make_adoption(laksa, garut, activated_at=timezone.now())
    assert _queries(api.client, "/api/v1/apps/laksa/") == few
    with assert_statements(DETAIL_QUERIES):
        body = api.client.get("/api/v1/apps/laksa/").json()
    assert len(body["releases"]) == 5 and len(body["adopters"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["q=%00sabilulungan", "category=%00", "q=%1b", "page=%00"]
)
def test_control_characters_are_refused_with_a_problem_document(api, catalog, query):
    """NUL and other control characters are a 400 everywhere (issue #12)."""
    response = api.client.get(f"/api/v1/apps/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400
