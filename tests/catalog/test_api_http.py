"""The catalog API as HTTP: problem details on every error, conditional GET,
caching headers, CORS, Link pagination, facets with language and country (#14)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils.http import http_date

from catalog.models import CatalogApp
from core.pagecache import flush_pending
from tests.catalog.test_api import make_app
from tests.conftest import PLATFORM_HOST, host_client

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


@pytest.fixture
def apps(bandung, tangerang):
    """Three apps with languages and countries from their publiccode.yml."""
    sabilulungan = make_app(
        bandung,
        "Sabilulungan",
        categories=["grant-management"],
        languages=["id", "en"],
        publiccode={"intendedAudience": {"countries": ["id"]}},
    )
    eoffice = make_app(
        tangerang,
        "E-office",
        categories=["document-management"],
        languages=["id"],
        publiccode={"intendedAudience": {"countries": ["ID", "my"]}},
    )
    italian = make_app(
        tangerang,
        "Protocollo",
        categories=["document-management"],
        languages=["it", "pt-BR"],
        publiccode={"it": {"countryExtensionVersion": "1.0"}},
    )
    return {"sabilulungan": sabilulungan, "eoffice": eoffice, "italian": italian}


def client(**headers):
    return host_client(PLATFORM_HOST, **headers)


def slugs(response) -> list[str]:
    return sorted(app["slug"] for app in response.json()["results"])


def assert_problem(response, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert response["Cache-Control"] == "no-store"
    return body


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v}


# --- problem details on every error status ---------------------------------------------


def test_400_lists_every_wrong_parameter(apps):
    response = client().get("/api/v1/apps/?sort=up&page=x&category=nope")
    body = assert_problem(response, 400)
    assert sorted(e["parameter"] for e in body["errors"]) == [
        "category",
        "page",
        "sort",
    ]


def test_404_of_an_app_of_a_page_and_of_any_unknown_path(apps):
    assert_problem(client().get("/api/v1/apps/no-such-app/"), 404)
    assert_problem(client().get("/api/v1/apps/?page=9"), 404)
    for path in ("/api/v1/", "/api/v1/nothing/here", "/api/v1/apps/x/y/z/"):
        assert_problem(client().get(path), 404)
    # Without the final slash: said, not redirected to an HTML page.
    body = assert_problem(client().get("/api/v1/apps"), 404)
    assert "/api/v1/apps/" in body["detail"]
    # Whatever the method, and without a CSRF page.
    assert_problem(client().post("/api/v1/nothing/"), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_405_with_allow_on_every_endpoint(apps, method):
    for path in (
        "/api/v1/apps/",
        "/api/v1/apps/sabilulungan/",
        "/api/v1/apps/sabilulungan/publiccode.yml",
    ):
        response = getattr(client(), method)(path)
        body = assert_problem(response, 405)
        assert "GET" in response["Allow"]
        assert method.upper() in body["detail"]
    assert CatalogApp.objects.filter(slug="sabilulungan").exists()


def test_406_when_the_client_accepts_no_json(apps):
    response = client().get("/api/v1/apps/", HTTP_ACCEPT="text/html")
    assert_problem(response, 406)
    assert client().get("/api/v1/apps/", HTTP_ACCEPT="*/*").status_code == 200
    # The publiccode.yml file is YAML whatever is asked.
    yml = client().get(
        "/api/v1/apps/sabilulungan/publiccode.yml", HTTP_ACCEPT="text/html"
    )
    assert yml.status_code == 200


def test_413_for_a_body_larger_than_allowed(apps, settings):
    settings.REQUEST_BODY_LIMIT = 10
    response = client().generic(
        "GET", "/api/v1/apps/", b"x" * 100, content_type="text/plain"
    )
    assert_problem(response, 413)


def test_429_with_retry_after(apps, settings):
    settings.API_THROTTLE_ENABLED = True
    settings.API_ANON_RATE = "2/min"
    cache.clear()
    try:
        c = client()
        c.get("/api/v1/apps/")
        c.get("/api/v1/apps/")
        response = c.get("/api/v1/apps/")
        assert_problem(response, 429)
        assert int(response["Retry-After"]) > 0
    finally:
        cache.clear()


def test_errors_speak_the_requests_language(apps):
    indonesian = client(language="id").get("/api/v1/apps/no-such-app/")
    assert assert_problem(indonesian, 404)["detail"] == (
        "Aplikasi itu tidak ada di katalog."
    )
    assert indonesian.json()["title"] == "Tidak ditemukan"
    english = client(language="en").get("/api/v1/apps/no-such-app/")
    assert english.json()["detail"] == "No such app in the catalog."
    bad = client(language="id").get("/api/v1/apps/?sort=up").json()
    assert bad["errors"][0]["detail"].startswith("Urutkan menurut")


def _boom(*args, **kwargs):
    raise RuntimeError("a bug in a selector")


@pytest.mark.parametrize(
    "path, selector",
    [
        ("/api/v1/apps/", "catalog_facets"),
        ("/api/v1/apps/sabilulungan/", "app_detail"),
        ("/api/v1/apps/sabilulungan/publiccode.yml", "export_publiccode"),
    ],
)
def test_500_is_problem_details_in_the_requests_language(
    apps, settings, monkeypatch, caplog, path, selector
):
    """A bug in a view is a 500 problem document, never Django's HTML page
    (the tests run with DEBUG off, as production does)."""
    assert settings.DEBUG is False
    monkeypatch.setattr(f"catalog.api.views.{selector}", _boom)
    english = client(language="en").get(path)
    body = assert_problem(english, 500)
    assert body["title"] == "Server error"
    assert body["detail"] == "Something went wrong on our side. Please try again later."
    assert body["instance"] == path
    assert "a bug in a selector" not in english.content.decode()
    assert "API request failed" in caplog.text
    indonesian = assert_problem(client(language="id").get(path), 500)
    assert indonesian["title"] == "Galat server"
    assert indonesian["detail"] == (
        "Terjadi kesalahan di pihak kami. Silakan coba lagi nanti."
    )


def test_a_500_outside_the_api_views_is_problem_details_too(apps, monkeypatch):
    """An error that escapes before any API view runs (here in a middleware)
    is answered by handler500: problem details under
    /api/v1/, the site's own 500 page elsewhere."""
    from django.test import Client

    def unguarded(language="en"):
        return Client(
            HTTP_HOST=PLATFORM_HOST,
            HTTP_ACCEPT_LANGUAGE=language,
            raise_request_exception=False,
        )

    monkeypatch.setattr("core.api.PublicAPICookiesMiddleware.__call__", _boom)
    for language, title in (("en", "Server error"), ("id", "Galat server")):
        response = unguarded(language).get("/api/v1/apps/")
        body = assert_problem(response, 500)
        assert body["title"] == title and body["instance"] == "/api/v1/apps/"
        assert response["Cache-Control"] == "no-store"
    page = unguarded().get("/catalog/")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


# --- the format parameter -------------------------------------------------------------


def test_format_json_is_the_json_answer(apps):
    for path in ("/api/v1/apps/", "/api/v1/apps/sabilulungan/"):
        response = client().get(path + "?format=json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == client().get(path).json()


@pytest.mark.parametrize("value", ["xml", "yaml", "api", ""])
def test_another_format_is_a_406_naming_the_formats(apps, value):
    """DRF answers an unknown ?format= with a 404, which says the address does
    not exist; it does, in JSON only."""
    for path in ("/api/v1/apps/", "/api/v1/apps/sabilulungan/"):
        body = assert_problem(client().get(f"{path}?format={value}"), 406)
        assert body["detail"] == (
            "This address answers only in application/json (format: json). Ask "
            "for one of them in the Accept header or the format parameter, or "
            "leave both out."
        )
    indonesian = client(language="id").get("/api/v1/apps/?format=xml")
    assert assert_problem(indonesian, 406)["title"] == "Tidak dapat diterima"


def test_the_publiccode_file_is_yaml_whatever_the_format_asked(apps):
    response = client().get("/api/v1/apps/sabilulungan/publiccode.yml?format=xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")


# --- the API reads no cookie ------------------------------------------------------------


def test_the_language_comes_from_accept_language_not_from_cookies(apps, bandung):
    from tenants.models import User

    c = client(language="en")
    c.cookies["django_language"] = "id"
    english = c.get("/api/v1/apps/?country=it")
    assert english["Content-Language"] == "en"
    labels = {f["value"]: f["label"] for f in english.json()["facets"]["language"]}
    assert labels["it"] == "Italian"
    # Nor a signed-in person's own choice: the API knows no one.
    person = User.objects.create_user(email="ani@bandung.test", password="x")
    User.objects.filter(pk=person.pk).update(language="id")
    signed_in = host_client(PLATFORM_HOST, user=person, language="en")
    answer = signed_in.get("/api/v1/apps/?country=it")
    assert answer.json() == english.json()
    assert answer["Cache-Control"].startswith("public")
    missing = c.get("/api/v1/apps/no-such-app/")
    assert assert_problem(missing, 404)["detail"] == "No such app in the catalog."


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/apps/",
        "/api/v1/apps/sabilulungan/",
        "/api/v1/apps/sabilulungan/publiccode.yml",
        "/api/v1/apps/no-such-app/",
        "/api/v1/nothing/",
        "/api/v1/schema/",
    ],
)
def test_vary_names_accept_language_and_origin_never_cookie(apps, path):
    c = client()
    c.cookies["django_language"] = "id"
    c.cookies["sessionid"] = "not-a-session"
    response = c.get(path, HTTP_ORIGIN="https://portal.example.go.id")
    assert {"accept", "accept-language", "origin"} <= vary(response), response["Vary"]
    assert "cookie" not in vary(response)
    assert not response.cookies


def test_cookies_still_count_outside_the_api(apps):
    c = client(language="en")
    c.cookies["django_language"] = "id"
    page = c.get("/catalog/")
    assert page["Content-Language"] == "id"
    assert "cookie" in vary(page)


# --- conditional GET and caching headers ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/apps/",
        "/api/v1/apps/?category=grant-management",
        "/api/v1/apps/sabilulungan/",
        "/api/v1/apps/sabilulungan/publiccode.yml",
    ],
)
def test_conditional_get_with_etag_gives_304(apps, path, settings):
    settings.API_CACHE_SECONDS = 120
    first = client().get(path)
    assert first.status_code == 200
    assert first["ETag"].startswith('"') and first["Last-Modified"]
    assert first["Cache-Control"] == "public, max-age=120"
    vary = {v.strip() for v in first["Vary"].split(",")}
    assert {"Accept", "Accept-Language", "Origin"} <= vary
    again = client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=120"
    other = client().get(path, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_conditional_get_with_if_modified_since_gives_304(apps):
    first = client().get("/api/v1/apps/sabilulungan/")
    assert (
        client()
        .get(
            "/api/v1/apps/sabilulungan/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )
        .status_code
        == 304
    )
    assert (
        client()
        .get("/api/v1/apps/sabilulungan/", HTTP_IF_MODIFIED_SINCE=http_date(0))
        .status_code
        == 200
    )


def test_a_change_to_the_catalog_changes_the_etag(apps):
    first = client().get("/api/v1/apps/sabilulungan/")
    CatalogApp.objects.filter(slug="sabilulungan").update(name="Sabilulungan 2")
    # The test's transaction never commits: do what the commit does.
    flush_pending(connections["default"])
    after = client().get("/api/v1/apps/sabilulungan/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after.json()["name"] == "Sabilulungan 2"
    assert after["ETag"] != first["ETag"]


def test_the_etag_differs_by_language_and_by_query(apps):
    english = client(language="en").get("/api/v1/apps/")
    indonesian = client(language="id").get("/api/v1/apps/")
    assert english["ETag"] != indonesian["ETag"]
    assert (
        english["ETag"] != client(language="en").get("/api/v1/apps/?sort=name")["ETag"]
    )
    # An Indonesian copy is not current for an English request.
    response = client(language="en").get(
        "/api/v1/apps/", HTTP_IF_NONE_MATCH=indonesian["ETag"]
    )
    assert response.status_code == 200


def test_a_304_runs_no_catalog_query(apps, django_assert_max_num_queries):
    first = client().get("/api/v1/apps/")
    # The generation from the shared cache (database cache here), nothing else.
    with django_assert_max_num_queries(2):
        response = client().get("/api/v1/apps/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304


def test_a_304_to_the_etag_of_an_app_runs_no_catalog_query(
    apps, django_assert_max_num_queries
):
    for path in (
        "/api/v1/apps/sabilulungan/",
        "/api/v1/apps/sabilulungan/publiccode.yml",
    ):
        first = client().get(path)
        # The client holds this very answer: the app existed under the
        # catalog's current generation, so it still does.
        with django_assert_max_num_queries(2):
            response = client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/apps/no-such-app/",
        "/api/v1/apps/no-such-app/publiccode.yml",
        "/api/v1/apps/%C2%A9/",
        "/api/v1/apps/?page=9",
        "/api/v1/apps/?page=2&page_size=3",
        "/api/v1/apps/?category=hr&page=2",
    ],
)
def test_what_does_not_exist_is_a_404_whatever_the_preconditions(apps, path):
    """RFC 9110 section 13.2.1: preconditions count only where the answer would
    be a success; a 304 would tell a cache its copy of nothing is current."""
    latest = client().get("/api/v1/apps/")["Last-Modified"]
    for headers in (
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_MODIFIED_SINCE": latest},
        {"HTTP_IF_MODIFIED_SINCE": http_date(4_000_000_000)},
        {"HTTP_IF_MATCH": '"an-old-etag"'},
        {"HTTP_IF_UNMODIFIED_SINCE": http_date(0)},
        # The ETag of another address is no proof that this one exists.
        {"HTTP_IF_NONE_MATCH": client().get("/api/v1/apps/")["ETag"]},
    ):
        assert_problem(client().get(path, **headers), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/apps/sabilulungan/",
        "/api/v1/apps/sabilulungan/publiccode.yml",
        "/api/v1/apps/?page=2&page_size=2",
    ],
)
def test_preconditions_hold_for_what_exists(apps, path):
    first = client().get(path)
    assert first.status_code == 200
    for headers in (
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
    ):
        response = client().get(path, **headers)
        assert response.status_code == 304 and response.content == b""
        assert response["ETag"] == first["ETag"]
    body = assert_problem(client().get(path, HTTP_IF_MATCH='"an-old-etag"'), 412)
    assert "If-Match" in body["detail"]
    assert client().get(path, HTTP_IF_MATCH=first["ETag"]).status_code == 200


def test_if_modified_since_asks_whether_the_app_exists_in_one_query(
    apps, django_assert_max_num_queries
):
    path = "/api/v1/apps/sabilulungan/"
    first = client().get(path)
    # The generation, and whether the app is visible; not the app's detail.
    with django_assert_max_num_queries(3):
        response = client().get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 304


# --- CORS ----------------------------------------------------------------------------


def test_cors_preflight_allows_anonymous_get_from_any_origin(apps):
    response = client().options(
        "/api/v1/apps/",
        HTTP_ORIGIN="https://portal.example.go.id",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, accept-language",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "POST" not in response["Access-Control-Allow-Methods"]
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "if-none-match" in allowed and "accept-language" in allowed
    assert "Access-Control-Allow-Credentials" not in response
    assert int(response["Access-Control-Max-Age"]) > 0


def test_cors_headers_on_answers_and_errors(apps):
    origin = {"HTTP_ORIGIN": "https://portal.example.go.id"}
    ok = client().get("/api/v1/apps/", **origin)
    assert ok["Access-Control-Allow-Origin"] == "*"
    exposed = ok["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Link" in exposed and "Retry-After" in exposed
    missing = client().get("/api/v1/apps/nope/", **origin)
    assert missing["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in ok


def test_no_cors_outside_the_api(apps):
    page = client().get("/catalog/", HTTP_ORIGIN="https://portal.example.go.id")
    assert "Access-Control-Allow-Origin" not in page


# --- pagination --------------------------------------------------------------------


def links_url(response, rel: str) -> str:
    for part in response["Link"].split(","):
        url, name = part.split(";")
        if name.strip() == f'rel="{rel}"':
            return url.strip(" <>")
    raise AssertionError(rel)


def test_link_header_links_first_prev_next_last(apps, bandung):
    for n in range(3):
        make_app(bandung, f"Tambahan {n}")
    response = client().get("/api/v1/apps/?sort=name&page_size=2&page=2")
    links = {}
    for part in response["Link"].split(","):
        url, rel = part.split(";")
        split = urlsplit(url.strip(" <>"))
        links[rel.strip()] = (split.path, dict(parse_qsl(split.query)))
    path = "/api/v1/apps/"
    assert links == {
        'rel="first"': (path, {"sort": "name", "page_size": "2"}),
        'rel="prev"': (path, {"sort": "name", "page_size": "2"}),
        'rel="next"': (path, {"sort": "name", "page_size": "2", "page": "3"}),
        'rel="last"': (path, {"sort": "name", "page_size": "2", "page": "3"}),
    }
    body = response.json()
    assert body["next"] == links_url(response, "next") and body["count"] == 6


# --- facets: language and country, several values, labels -----------------------------


def test_language_filter_matches_regional_variants(apps):
    assert slugs(client().get("/api/v1/apps/?language=pt")) == ["protocollo"]
    assert slugs(client().get("/api/v1/apps/?language=en")) == ["sabilulungan"]
    assert slugs(client().get("/api/v1/apps/?language=en&language=it")) == [
        "protocollo",
        "sabilulungan",
    ]


def test_country_filter_reads_intended_audience_and_country_sections(apps):
    assert slugs(client().get("/api/v1/apps/?country=id")) == [
        "e-office",
        "sabilulungan",
    ]
    assert slugs(client().get("/api/v1/apps/?country=it")) == ["protocollo"]
    assert slugs(client().get("/api/v1/apps/?country=my&country=it")) == [
        "e-office",
        "protocollo",
    ]
    assert slugs(client().get("/api/v1/apps/?country=fr")) == []


def test_facets_have_translated_labels_and_keep_zero_counts(apps):
    body = client(language="id").get("/api/v1/apps/?country=it").json()
    facets = body["facets"]
    language = {f["value"]: (f["label"], f["count"]) for f in facets["language"]}
    assert language == {
        "id": ("Bahasa Indonesia", 0),
        "en": ("Inggris", 0),
        "it": ("Italia", 1),
        "pt": ("Portugis", 1),
    }
    country = {
        f["value"]: (f["label"], f["count"], f["selected"]) for f in facets["country"]
    }
    assert country["it"] == ("Italia", 1, True)
    # Counted without its own filter: Indonesia still shows its two apps.
    assert country["id"] == ("Indonesia", 2, False)
    category = {f["value"]: (f["label"], f["count"]) for f in facets["category"]}
    assert category["grant-management"] == ("Manajemen hibah", 0)
    licence = {f["value"]: f["label"] for f in facets["license"]}
    assert licence == {"MIT": "Lisensi MIT"}
    # A chosen value no app has is listed, with 0.
    chosen = client().get("/api/v1/apps/?license=EUPL-1.2").json()["facets"]["license"]
    assert {f["value"]: f["count"] for f in chosen} == {"MIT": 3, "EUPL-1.2": 0}


def test_html_catalog_filters_by_language_and_country_with_labels(apps):
    html = host_client(PLATFORM_HOST, language="id").get("/catalog/?country=it")
    text = html.content.decode()
    assert html.status_code == 200
    assert "Protocollo" in text and "Sabilulungan</a>" not in text
    assert 'name="country" value="it" checked' in text
    assert "Italia <small>(1)</small>" in text
    assert "Portugis" in text
