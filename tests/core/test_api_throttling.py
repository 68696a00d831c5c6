"""The public API's rate limit (#12): 429 with Retry-After, in the shared cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.conftest import PLATFORM_HOST, host_client, keep_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def throttled(settings, platform):
    settings.API_THROTTLE_ENABLED = True
    settings.API_ANON_RATE = "3/min"
    cache.clear()
    yield
    cache.clear()


def test_anonymous_clients_get_429_with_retry_after_past_the_rate(throttled):
    client = host_client(PLATFORM_HOST)
    for _ in range(3):
        assert client.get("/api/v1/apps/").status_code == 200
    refused = client.get("/api/v1/apps/sabilulungan/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()


def test_the_count_is_per_client_address(throttled):
    first = host_client(PLATFORM_HOST)
    for _ in range(3):
        first.get("/api/v1/apps/", REMOTE_ADDR="198.51.100.1")
    assert first.get("/api/v1/apps/", REMOTE_ADDR="198.51.100.1").status_code == 429
    other = host_client(PLATFORM_HOST)
    assert other.get("/api/v1/apps/", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_the_count_lives_in_the_shared_cache_not_process_memory(throttled):
    from django.conf import settings

    assert settings.CACHES["default"]["BACKEND"].endswith(
        ("DatabaseCache", "RedisCache")
    )
    host_client(PLATFORM_HOST).get("/api/v1/apps/", REMOTE_ADDR="198.51.100.9")
    assert any(key.startswith("throttle_anon_") for key in _cache_keys())


def _cache_keys() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM core_cache")
        return [row[0].split(":", 2)[-1] for row in cursor.fetchall()]


def test_every_operation_documents_the_429(platform):
    schema = host_client(PLATFORM_HOST).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/json"
    )
    import yaml

    document = yaml.safe_load(schema.content)
    operations = [
        op
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
    ]
    assert operations
    for operation in operations:
        assert "Retry-After" in operation["responses"]["429"]["headers"]


@pytest.fixture
def kept(settings):
    keep_pages(settings, PLATFORM_HOST)


def test_a_kept_answer_still_counts_and_refuses_past_the_rate(throttled, kept):
    """The page cache answers repeated API requests before the view, but behind
    the same rate limit (core.api.anonymous_api_gate)."""
    client = host_client(PLATFORM_HOST)
    first = client.get("/api/v1/apps/")
    assert first["X-Page-Cache"] == "miss"
    for _ in range(2):
        again = client.get("/api/v1/apps/")
        assert again.status_code == 200 and again["X-Page-Cache"] == "hit"
        assert again.content == first.content and again["ETag"] == first["ETag"]
    refused = client.get("/api/v1/apps/")
    assert refused.status_code == 429 and "X-Page-Cache" not in refused
    assert refused["Content-Type"].startswith("application/problem+json")
    assert 0 < int(refused["Retry-After"]) <= 60


def test_a_kept_answer_is_not_sent_to_a_client_that_does_not_take_json(platform, kept):
    client = host_client(PLATFORM_HOST)
    client.get("/api/v1/apps/")
    assert client.get("/api/v1/apps/")["X-Page-Cache"] == "hit"
    refused = client.get("/api/v1/apps/", HTTP_ACCEPT="text/html")
    assert refused.status_code == 406 and "X-Page-Cache" not in refused
    assert (
        client.get("/api/v1/apps/", HTTP_ACCEPT="application/json")["X-Page-Cache"]
        == "hit"
    )


def test_a_kept_answer_revalidates_with_its_etag(platform, kept):
    client = host_client(PLATFORM_HOST)
    etag = client.get("/api/v1/apps/")["ETag"]
    again = client.get("/api/v1/apps/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
