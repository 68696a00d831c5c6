"""The OpenAPI document at /api/v1/schema/ as a resource of the API it
describes: problem details in JSON on every error, caching headers and
conditional GET, its own operation in the document, and the version the
changelog names (#14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache

from tests.catalog.test_api_http import assert_problem, vary
from tests.conftest import PLATFORM_HOST, host_client

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/schema/"
CHANGELOG = Path(__file__).resolve().parents[2] / "docs" / "api-changelog.md"
MEDIA_TYPES = [
    "application/vnd.oai.openapi",
    "application/yaml",
    "application/vnd.oai.openapi+json",
    "application/json",
]


def client(language: str = "en"):
    return host_client(PLATFORM_HOST, language=language)


def document(**extra) -> dict:
    response = client().get(SCHEMA + "?format=json", **extra)
    assert response.status_code == 200
    return response.json()


# --- every error is a problem document in JSON ------------------------------------------


def _broken_generator(*args, **kwargs):
    raise RuntimeError("a bug in the document")


def _get(query="", **extra):
    return lambda c: c.get(SCHEMA + query, **extra)


# case -> (status, request); the 400 of a control character and the 413 come
# from core.limits, before any view, the others from the view.
ERRORS = {
    "post": (405, lambda c: c.post(SCHEMA)),
    "put": (405, lambda c: c.put(SCHEMA)),
    "patch": (405, lambda c: c.patch(SCHEMA)),
    "delete": (405, lambda c: c.delete(SCHEMA)),
    "accept-html": (406, _get(HTTP_ACCEPT="text/html")),
    "format-xml": (406, _get("?format=xml")),
    "format-empty": (406, _get("?format=")),
    "lang-unknown": (400, _get("?lang=fr")),
    "lang-twice": (400, _get("?lang=en&lang=id")),
    "control-character": (400, _get("?q=%00")),
    "if-match": (412, _get(HTTP_IF_MATCH='"an-old-etag"')),
    "body-too-large": (
        413,
        lambda c: c.generic("GET", SCHEMA, b"x" * 100, content_type="text/plain"),
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_every_error_of_the_schema_is_a_problem_in_json(platform, settings, case):
    if case == "body-too-large":
        settings.REQUEST_BODY_LIMIT = 10
    status, request = ERRORS[case]
    response = request(client())
    body = assert_problem(response, status)
    assert body["instance"] == SCHEMA
    assert response.content.startswith(b"{")  # JSON, not the document's YAML
    # In the request's language, as every other error under /api/v1/.
    indonesian = assert_problem(request(client(language="id")), status)
    assert indonesian["title"] != body["title"]
    assert "cookie" not in vary(response)
    if case not in ("control-character", "body-too-large"):
        assert {"accept", "accept-language", "origin"} <= vary(response)


def test_a_server_error_of_the_schema_is_a_problem_in_json(
    platform, monkeypatch, caplog
):
    monkeypatch.setattr(
        "drf_spectacular.generators.SchemaGenerator.get_schema", _broken_generator
    )
    for language, title in (("en", "Server error"), ("id", "Galat server")):
        response = client(language=language).get(SCHEMA)
        body = assert_problem(response, 500)
        assert body["title"] == title
        assert "a bug in the document" not in response.content.decode()
    assert "API request failed" in caplog.text


def test_the_schema_throttles_with_a_problem(platform, settings):
    settings.API_THROTTLE_ENABLED = True
    settings.API_ANON_RATE = "1/min"
    cache.clear()
    try:
        c = client()
        assert c.get(SCHEMA).status_code == 200
        response = c.get(SCHEMA)
        assert_problem(response, 429)
        assert int(response["Retry-After"]) > 0
    finally:
        cache.clear()


def test_the_406_names_the_formats_the_schema_has(platform):
    body = assert_problem(client().get(SCHEMA, HTTP_ACCEPT="text/html"), 406)
    assert body["detail"] == (
        "This address answers only in " + ", ".join(MEDIA_TYPES) + " (format: "
        "yaml, json). Ask for one of them in the Accept header or the format "
        "parameter, or leave both out."
    )


def test_lang_chooses_the_language_of_the_document_and_of_its_errors(platform):
    english = client(language="id").get(SCHEMA + "?format=json&lang=en")
    assert english["Content-Language"] == "en"
    delivery = english.json()["components"]["schemas"]["DeliveryModeEnum"]
    assert "Hosted on BagiPakai" in delivery["description"]
    indonesian = client(language="id").get(SCHEMA + "?format=json")
    assert (
        "Dijalankan di BagiPakai"
        in (
            indonesian.json()["components"]["schemas"]["DeliveryModeEnum"][
                "description"
            ]
        )
    )
    error = client(language="en").get(SCHEMA + "?lang=id&format=xml")
    assert assert_problem(error, 406)["title"] == "Tidak dapat diterima"


# --- caching headers and conditional GET ------------------------------------------------


def test_the_schema_is_public_with_an_etag_and_answers_304(platform, settings):
    settings.API_CACHE_SECONDS = 120
    first = client().get(SCHEMA)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=120"
    assert {"accept", "accept-language", "origin"} <= vary(first)
    assert "cookie" not in vary(first)
    assert first["ETag"].startswith('"')
    assert "Last-Modified" not in first
    again = client().get(SCHEMA, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=120"
    head = client().head(SCHEMA, HTTP_IF_NONE_MATCH='"another"')
    assert head.status_code == 200 and head["ETag"] == first["ETag"]
    # Each format and language is an answer of its own.
    assert client().get(SCHEMA + "?format=json")["ETag"] != first["ETag"]
    assert client(language="id").get(SCHEMA)["ETag"] != first["ETag"]
    # No Last-Modified: If-Modified-Since alone asks for the document again.
    since = client().get(SCHEMA, HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT")
    assert since.status_code == 200


# --- the document describes itself and the format parameter ----------------------------


def test_the_document_describes_the_schema_endpoint(platform):
    operation = document()["paths"][SCHEMA]["get"]
    assert operation["operationId"] == "schema_retrieve"
    responses = operation["responses"]
    assert list(responses["200"]["content"]) == MEDIA_TYPES
    assert set(responses["200"]["headers"]) >= {"ETag", "Cache-Control", "Vary"}
    assert "Last-Modified" not in responses["200"]["headers"]
    assert {"304", "400", "406", "413", "429"} <= set(responses)
    for status in ("400", "406", "413", "429"):
        assert list(responses[status]["content"]) == ["application/problem+json"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["format"]["schema"]["enum"] == ["yaml", "json"]
    assert parameters["lang"]["schema"]["enum"] == ["id", "en"]
    assert "If-None-Match" in parameters and "If-Modified-Since" not in parameters


def test_the_document_describes_format_where_it_is_read(platform):
    paths = document()["paths"]
    for path in ("/api/v1/apps/", "/api/v1/apps/{slug}/"):
        operation = paths[path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["format"]["schema"]["enum"] == ["json"]
        assert "406" in operation["responses"]
    publiccode = paths["/api/v1/apps/{slug}/publiccode.yml"]["get"]
    assert "format" not in {p["name"] for p in publiccode["parameters"]}
    assert "406" not in publiccode["responses"]


def test_the_yaml_and_the_json_document_are_the_same(platform):
    as_yaml = yaml.safe_load(client().get(SCHEMA).content)
    assert as_yaml == document()


# --- the version ------------------------------------------------------------------------


def test_the_changelogs_latest_version_is_the_apis(platform, settings):
    headings = re.findall(r"^## (\d+\.\d+\.\d+)\b", CHANGELOG.read_text(), re.M)
    assert headings, "docs/api-changelog.md lists no version"
    latest = headings[0]
    assert headings == sorted(
        headings, key=lambda v: tuple(map(int, v.split("."))), reverse=True
    )
    assert settings.SPECTACULAR_SETTINGS["VERSION"] == latest
    assert document()["info"]["version"] == latest


def test_a_new_version_changes_every_etag(platform, settings):
    before = client().get("/api/v1/apps/")["ETag"]
    settings.SPECTACULAR_SETTINGS = {
        **settings.SPECTACULAR_SETTINGS,
        "VERSION": "99.0.0",
    }
    assert client().get("/api/v1/apps/")["ETag"] != before
