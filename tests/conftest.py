"""Shared fixtures: a real PostgreSQL, two tenants made once per session, host-aware clients."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import make_tenant, make_user

BANDUNG_HOST = "bandung.localhost"
TANGERANG_HOST = "tangerang.localhost"
PLATFORM_HOST = "localhost"


CITIES = {
    "bandung": {
        "name": "Kota Bandung",
        "region_code": "32.73",
        "province": "32",
    },
    "tangerang": {
        "name": "Kota Tangerang",
        "region_code": "36.71",
        "province": "36",
    },
}


def ensure_city(slug: str):
    """The session's city tenant; made again if a transactional test flushed it."""
    from tenants.services import platform_ensure

    platform_ensure()
    return make_tenant(slug, **CITIES[slug])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create the two cities once: cloning schemas per test would be slow."""
    with django_db_blocker.unblock():
        for slug in CITIES:
            ensure_city(slug)
    yield


@pytest.fixture(autouse=True)
def _public_schema_and_mail(settings):
    """Every test starts on the public schema, with e-mail kept in memory."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    connection.set_schema_to_public()
    mail.outbox = []
    # Service-level messages in English so assertions read plainly (pages too,
    # through host_client's Accept-Language).
    with translation.override("en"):
        yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _tenant_routes(request, settings):
    """Each test starts with the tenant-route cache a running site would have:
    warm for the session's hosts, and holding nothing an earlier test's
    rollback has undone (tenants/routing.py)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches[getattr(settings, "TENANT_ROUTING_CACHE", "default")]
    # clear() on a shared Redis would empty it for everyone (pyproject's env
    # unsets REDIS_URL).
    assert isinstance(cache, LocMemCache), "tests need the in-memory cache"
    cache.clear()
    # Not the short default of a per-process cache: no expiry within a test.
    settings.TENANT_ROUTING_CACHE_TIMEOUT = 300
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db")
    )
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    from tenants.models import Domain
    from tenants.routing import tenant_for_host

    with request.getfixturevalue("django_db_blocker").unblock():
        connection.set_schema_to_public()
        for host in (PLATFORM_HOST, BANDUNG_HOST, TANGERANG_HOST):
            try:
                tenant_for_host(host)
            except Domain.DoesNotExist:
                pass  # a transactional test flushed it; made again when needed


def drop_orphan_tenant_schemas() -> list[str]:
    """Drop the tenant schemas no tenant row names, and say which.

    A transactional test commits for real, and the flush after it empties
    every table but leaves the schemas of the tenants it made (and of the
    session's cities, whose rows it emptied too). A test that then makes one
    of those tenants again through the services (seed_demo) finds its schema
    taken, which provisioning rightly refuses; such a test calls this first.
    The city fixtures do the same for their own schema (tests/tenants/factories.py)."""
    from tenants.schema import schema_drop

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%' "
            "AND nspname NOT IN (SELECT schema_name FROM tenants_tenant)"
        )
        orphans = [row[0] for row in cursor.fetchall()]
    for schema in orphans:
        schema_drop(schema)
    return orphans


@pytest.fixture
def platform(db):
    from tenants.services import platform_ensure

    return platform_ensure()


@pytest.fixture
def bandung(platform):
    return ensure_city("bandung")


@pytest.fixture
def tangerang(platform):
    return ensure_city("tangerang")


@pytest.fixture
def bandung_admin(bandung):
    return make_user("admin@bandung.test", tenant=bandung, role="admin")


@pytest.fixture
def tangerang_admin(tangerang):
    return make_user("admin@tangerang.test", tenant=tangerang, role="admin")


def host_client(host: str, user=None, language: str = "en") -> Client:
    """A client on one host. English by default so assertions read plainly;
    tests of the Indonesian UI pass language="id"."""
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def platform_client(platform):
    return host_client(PLATFORM_HOST)


@pytest.fixture
def bandung_client(bandung):
    return host_client(BANDUNG_HOST)


@pytest.fixture
def tangerang_client(tangerang):
    return host_client(TANGERANG_HOST)


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report to fixtures (the browser test's screenshot on failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def is_search_path(query: dict) -> bool:
    return query["sql"].startswith("SET search_path")


@contextmanager
def assert_statements(expected: int):
    """The statements run inside the block, `SET search_path` left out: that one
    is sent only when the connection is not on the request's schema already
    (tenants/postgresql_backend), so it depends on what ran before."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    statements = [q["sql"] for q in captured if not is_search_path(q)]
    assert len(statements) == expected, "\n".join(statements)


# --- Citus (make citus-check runs the suite against a Citus coordinator) -------------


_CITUS: list[bool] = []


def on_citus() -> bool:
    """Whether the test database is a Citus cluster (asked once per session)."""
    if not _CITUS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
            )
            _CITUS.append(bool(cursor.fetchone()[0]))
    return _CITUS[0]


@pytest.fixture(autouse=True)
def _citus_markers(request):
    """`@pytest.mark.citus_only`: runs only on a Citus coordinator (skipped with
    that reason on plain PostgreSQL, where `make test` runs). `@pytest.mark.
    not_on_citus(reason=...)`: what cannot hold on Citus, skipped there only,
    with the reason; it still runs on plain PostgreSQL."""
    only = request.node.get_closest_marker("citus_only")
    never = request.node.get_closest_marker("not_on_citus")
    if only is None and never is None:
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        citus = on_citus()
    if only is not None and not citus:
        pytest.skip("needs a Citus cluster (make citus-up; make citus-check)")
    if never is not None and citus:
        pytest.skip(f"not on Citus: {never.kwargs.get('reason') or never.args[0]}")


def keep_pages(settings, *hosts: str) -> None:
    """Switch the page cache on (core/pagecache.py) and let routing answer once
    for each host: a process keeps no page for a host before that."""
    from core.pagecache import _HOST_SCHEMAS

    settings.PAGE_CACHE_SECONDS = 600
    _HOST_SCHEMAS.clear()
    for host in hosts:
        host_client(host).get("/no-such-page/")
