"""Limits before work: oversized bodies are refused before a byte is read (core/limits.py)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import BANDUNG_HOST, PLATFORM_HOST
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class ExplodingInput:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def declared(client: Client, path: str, *, length: int, content_type: str, **extra):
    """POST that declares `length` bytes but whose body may not be read."""
    return client.generic(
        "POST",
        path,
        data=b"",
        content_type=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": ExplodingInput(), **extra},
    )


@pytest.mark.parametrize(
    "host, path",
    [
        (PLATFORM_HOST, "/accounts/login/"),
        (PLATFORM_HOST, "/accounts/signup/"),
        (BANDUNG_HOST, "/accounts/login/"),
    ],
)
def test_a_200_mb_post_to_an_anonymous_form_is_refused_unread(bandung, host, path):
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
    response = declared(
        client,
        path,
        length=200 * MB,
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large" in page and "256 kB" in page and "200 MB" in page


def test_the_refusal_speaks_indonesian_to_indonesian_visitors(platform):
    client = Client(HTTP_HOST=PLATFORM_HOST, HTTP_ACCEPT_LANGUAGE="id")
    response = declared(
        client, "/accounts/login/", length=5 * MB, content_type="text/plain"
    )
    assert response.status_code == 413
    assert "terlalu besar" in response.content.decode()


def test_oversized_webhook_gets_a_problem_document_not_a_500(platform):
    client = Client(HTTP_HOST=PLATFORM_HOST)
    response = declared(
        client,
        "/billing/stripe/webhook/",
        length=13 * MB,
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 413 and body["limit"] == 256 * 1024


def test_a_page_that_takes_uploads_accepts_a_larger_body(bandung, bandung_admin):
    client = Client(HTTP_HOST=BANDUNG_HOST)
    client.force_login(bandung_admin)
    # Within the upload limit the body is read: an empty multipart form is
    # handled by the page (a form error or a redirect), not refused by size.
    ok = client.post("/apps/published/import/", {}, follow=False)
    assert ok.status_code != 413
    refused = declared(
        client,
        "/apps/published/import/",
        length=13 * MB,
        content_type="multipart/form-data; boundary=x",
    )
    assert refused.status_code == 413
    assert "12 MB" in refused.content.decode()


@pytest.mark.parametrize("length", ["-5", "12abc", "1e9"])
def test_an_invalid_content_length_is_a_400(platform, length):
    client = Client(HTTP_HOST=PLATFORM_HOST)
    response = client.generic(
        "POST",
        "/accounts/login/",
        data=b"",
        content_type="text/plain",
        CONTENT_LENGTH=length,
        **{"wsgi.input": ExplodingInput()},
    )
    assert response.status_code == 400


def test_too_many_fields_is_a_clear_400(platform, settings):
    client = Client(HTTP_HOST=PLATFORM_HOST)
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/accounts/login/", fields)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "host, path",
    [
        (PLATFORM_HOST, "/catalog/?q=%00"),
        (PLATFORM_HOST, "/organisations/?q=a%00b"),
        (PLATFORM_HOST, "/api/v1/apps/?q=%01"),
        (PLATFORM_HOST, "/admin/tenants/tenant/?kind__exact=%00"),
        (PLATFORM_HOST, "/admin/tenants/tenant/?%00=kota"),
        (BANDUNG_HOST, "/?next=%1b[31m"),
        (BANDUNG_HOST, "/auth/handoff/?token=%7f"),
    ],
)
def test_control_characters_in_the_query_are_a_400_everywhere(bandung, host, path):
    client = Client(HTTP_HOST=host)
    if path.startswith("/admin/"):
        operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
        client.force_login(operator)
    response = client.get(path)
    assert response.status_code == 400, path
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/problem+json"


def test_ordinary_query_strings_pass(bandung):
    client = Client(HTTP_HOST=PLATFORM_HOST)
    assert client.get("/catalog/?q=sabilulungan%20bandung&page=1").status_code == 200
