"""Tenant routing: host → tenant from the cache, one SET search_path per request,
and every change to a tenant or its domains routed afresh on the next request."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import DataError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from grants.models import Program
from tenants import routing
from tenants.models import Domain, Tenant
from tenants.services import tenant_delete, tenant_disable, tenant_enable, tenant_verify
from tests.conftest import BANDUNG_HOST, PLATFORM_HOST, TANGERANG_HOST, host_client
from tests.factories import make_tenant, make_user
from tests.grants.test_portal import publish_sabilulungan

# Warm cache, anonymous visitor, not counting the SET search_path. Home: the
# catalog gate's enabled-modules query, then the platform
# log entry that says when it was verified. Portal: the gate's query, then its
# budget sum, proposal totals and programs with totals.
PAGE_STATEMENTS = {"/": 2, "/grants/": 4}
BANDUNG_PATH = 'SET search_path = "t_bandung","public"'


def _cache():
    from django.conf import settings

    return caches[settings.TENANT_ROUTING_CACHE]


def routing_queries(captured) -> list[str]:
    """The Domain ⋈ Tenant lookups among the captured statements."""
    return [q["sql"] for q in captured if '"tenants_domain"."domain" =' in q["sql"]]


def set_calls(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].startswith("SET search_path")]


def get(host: str, path: str = "/"):
    return host_client(host).get(path)


@pytest.fixture
def operator(db):
    return make_user("operator@bagipakai.test", is_staff=True, is_superuser=True)


@pytest.fixture
def sabilulungan(bandung):
    """Bandung with the grants portal switched on and one program in it."""
    publish_sabilulungan(bandung)
    _make_program("Hibah Kegiatan Kemasyarakatan")
    connection.set_schema_to_public()
    return bandung


# --- the cost of a request --------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/grants/"])
def test_warm_request_routes_without_a_query_and_sets_the_path_once(
    sabilulungan, tangerang, path
):
    assert get(BANDUNG_HOST, path).status_code == 200
    assert get(TANGERANG_HOST).status_code == 200  # the connection is elsewhere
    with CaptureQueriesContext(connection) as captured:
        response = get(BANDUNG_HOST, path)
    assert response.status_code == 200
    assert response.wsgi_request.tenant.pk == sabilulungan.pk
    assert routing_queries(captured) == []
    assert not any("tenants_tenant" in q["sql"] for q in captured)
    assert set_calls(captured) == [BANDUNG_PATH]
    assert captured[0]["sql"] == BANDUNG_PATH
    assert len(captured) == PAGE_STATEMENTS[path] + 1


@pytest.mark.parametrize("path", ["/", "/grants/"])
def test_next_request_for_the_same_tenant_sends_no_set(sabilulungan, path):
    """The connection kept from the last request already has the path."""
    assert get(BANDUNG_HOST, path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = get(BANDUNG_HOST, path)
    assert response.wsgi_request.tenant.pk == sabilulungan.pk
    assert set_calls(captured) == []
    assert routing_queries(captured) == []
    assert len(captured) == PAGE_STATEMENTS[path]


def test_cold_cache_routes_with_one_query_then_none(bandung):
    assert get(PLATFORM_HOST).status_code == 200  # the connection is on public
    _cache().clear()
    with CaptureQueriesContext(connection) as cold:
        assert get(BANDUNG_HOST).status_code == 200
    assert len(routing_queries(cold)) == 1
    # The lookup runs on public, where the connection is; then the tenant's path.
    assert set_calls(cold) == [BANDUNG_PATH]
    assert len(cold) == PAGE_STATEMENTS["/"] + 2
    with CaptureQueriesContext(connection) as warm:
        assert get(BANDUNG_HOST).status_code == 200
    assert routing_queries(warm) == []
    assert len(warm) == PAGE_STATEMENTS["/"]


def test_path_is_sent_again_after_a_rollback_and_only_when_it_changes(bandung, tangerang):
    """The wrapper trusts only a SET it saw succeed and nothing undid since."""
    connection.set_tenant(bandung)
    assert not Program.objects.exists()
    assert connection.server_search_path == ["t_bandung", "public"]
    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(RuntimeError), transaction.atomic():
            Program.objects.exists()
            raise RuntimeError
        assert not Program.objects.exists()
    statements = [q["sql"] for q in captured]
    rollback = next(
        i for i, sql in enumerate(statements) if sql.startswith("ROLLBACK TO SAVEPOINT")
    )
    # Before the rollback the path was known; after it, sent again once.
    assert BANDUNG_PATH not in statements[:rollback]
    assert statements[rollback:].count(BANDUNG_PATH) == 1
    assert connection.server_search_path == ["t_bandung", "public"]
    connection.set_tenant(tangerang)
    with CaptureQueriesContext(connection) as captured:
        Program.objects.exists()
        connection.set_tenant(tangerang)  # same tenant again: nothing to send
        Program.objects.exists()
    assert set_calls(captured) == ['SET search_path = "t_tangerang","public"']
    connection.set_schema_to_public()


def test_every_request_gets_its_own_tenant_instance(bandung):
    first = get(BANDUNG_HOST).wsgi_request.tenant
    second = get(BANDUNG_HOST).wsgi_request.tenant
    assert first.pk == second.pk == bandung.pk
    assert first is not second
    first.name = "Changed by a view"
    assert get(BANDUNG_HOST).wsgi_request.tenant.name == bandung.name


# --- changes take effect on the next request --------------------------------------


def test_renamed_domain_routes_under_its_new_name_only(bandung):
    assert b"Kota Bandung" in get(BANDUNG_HOST).content
    domain = Domain.objects.get(domain=BANDUNG_HOST)
    domain.domain = "kota-bandung.localhost"
    domain.save()
    assert get(BANDUNG_HOST).status_code == 404
    response = get("kota-bandung.localhost")
    assert response.status_code == 200
    assert response.wsgi_request.tenant.pk == bandung.pk


def test_deleted_domain_stops_routing(bandung):
    assert get(BANDUNG_HOST).status_code == 200
    Domain.objects.filter(domain=BANDUNG_HOST).delete()
    assert get(BANDUNG_HOST).status_code == 404


def test_suspension_and_reinstatement_apply_on_the_next_request(bandung, operator):
    assert get(BANDUNG_HOST).status_code == 200
    tenant_disable(actor=operator, tenant=bandung, reason="Tunggakan")
    assert get(BANDUNG_HOST).status_code == 503
    tenant_enable(actor=operator, tenant=bandung)
    assert get(BANDUNG_HOST).status_code == 200


def test_verification_shows_on_the_next_request(bandung, operator):
    assert b"Verified by BagiPakai" not in get(BANDUNG_HOST).content
    tenant_verify(actor=operator, tenant=bandung)
    assert b"Verified by BagiPakai" in get(BANDUNG_HOST).content


def test_deleted_tenant_stops_routing(platform, operator):
    bogor = make_tenant("bogor", province="32", region_code="32.71")
    assert get("bogor.localhost").status_code == 200
    tenant_delete(actor=operator, tenant=bogor, confirmation="bogor")
    assert get("bogor.localhost").status_code == 404
    assert _cache().get(routing.route_key("bogor.localhost")) is None


def test_route_cached_before_the_commit_is_dropped_at_the_commit(
    bandung, operator, django_capture_on_commit_callbacks
):
    """A request that read the row before the change committed may cache it
    after the immediate invalidation; the new generation at commit voids it."""
    generation = routing._generation()  # the concurrent request's first read
    stale = {
        "generation": generation,
        "tenant": routing._payload(Tenant.objects.get(pk=bandung.pk)),
    }
    key = routing.route_key(BANDUNG_HOST)
    with django_capture_on_commit_callbacks(execute=True):
        tenant_disable(actor=operator, tenant=bandung)
        assert _cache().get(key) is None
        _cache().set(key, stale)  # the concurrent request, before the commit
    assert _cache().get(key) is None
    assert get(BANDUNG_HOST).status_code == 503


def test_route_cached_after_the_commit_from_an_older_read_is_not_used(
    bandung, operator, django_capture_on_commit_callbacks
):
    """The request read the generation and the row before the change, and
    writes its entry only after the commit: the entry is there but not used."""
    generation = routing._generation()
    stale = {
        "generation": generation,
        "tenant": routing._payload(Tenant.objects.get(pk=bandung.pk)),
    }
    key = routing.route_key(BANDUNG_HOST)
    with django_capture_on_commit_callbacks(execute=True):
        tenant_disable(actor=operator, tenant=bandung)
    _cache().set(key, stale)
    assert routing._generation() != generation
    with CaptureQueriesContext(connection) as captured:
        assert get(BANDUNG_HOST).status_code == 503
    assert len(routing_queries(captured)) == 1
    assert _cache().get(key)["tenant"]["is_active"] is False


# --- the search_path stays right ----------------------------------------------------


def _make_program(name: str) -> Program:
    return Program.objects.create(
        name=name,
        status="open",
        kind="hibah",
        fiscal_year=2026,
        budget=1_000_000,
        responsible_unit="Bagian Kesra",
        opens_on=date(2026, 1, 5),
        closes_on=date(2026, 6, 30),
    )


def test_rolled_back_savepoint_does_not_leave_a_stale_search_path(bandung, tangerang):
    connection.set_tenant(bandung)
    _make_program("Hanya di Bandung")
    connection.set_tenant(tangerang)
    assert not Program.objects.filter(name="Hanya di Bandung").exists()  # SET tangerang

    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint
            connection.set_tenant(bandung)
            assert Program.objects.filter(name="Hanya di Bandung").exists()
            raise RuntimeError
        # ROLLBACK TO SAVEPOINT took the server back to tangerang's path while
        # the connection still says bandung: the next query must read bandung.
        assert connection.schema_name == bandung.schema_name
        assert Program.objects.filter(name="Hanya di Bandung").exists()
    statements = [q["sql"] for q in captured]
    rollback = next(
        i for i, sql in enumerate(statements) if sql.startswith("ROLLBACK TO SAVEPOINT")
    )
    assert 'SET search_path = "t_bandung","public"' in statements[rollback:]

    with pytest.raises(RuntimeError), transaction.atomic():
        connection.set_tenant(tangerang)
        assert not Program.objects.filter(name="Hanya di Bandung").exists()
        raise RuntimeError
    # And the other way round: the server went back to bandung's path.
    assert connection.schema_name == tangerang.schema_name
    assert not Program.objects.filter(name="Hanya di Bandung").exists()
    connection.set_schema_to_public()


def test_request_after_a_rolled_back_schema_switch_reads_its_own_schema(
    bandung, tangerang
):
    connection.set_tenant(bandung)
    _make_program("Program Bandung")
    connection.set_schema_to_public()
    publish_sabilulungan(bandung)
    connection.set_schema_to_public()
    assert b"Program Bandung" in get(BANDUNG_HOST, "/grants/").content
    # The connection is left on bandung's path by that request; a savepoint
    # switching to tangerang and failing must not confuse the next request.
    with pytest.raises(RuntimeError), transaction.atomic():
        connection.set_tenant(tangerang)
        Program.objects.count()
        raise RuntimeError
    assert b"Program Bandung" in get(BANDUNG_HOST, "/grants/").content
    assert get(TANGERANG_HOST, "/grants/").status_code == 404  # not enabled there


# --- what is cached, and for whom -------------------------------------------------------


def test_unknown_hosts_are_not_cached(db):
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert get("tidak-ada.localhost").status_code == 404
        assert len(routing_queries(captured)) == 1
    assert _cache().get(routing.route_key("tidak-ada.localhost")) is None


def test_a_host_never_gets_another_hosts_tenant(bandung, tangerang):
    publish_sabilulungan(bandung)
    connection.set_tenant(bandung)
    _make_program("Program Bandung")
    connection.set_schema_to_public()
    for _ in range(2):  # cold, then warm
        at_bandung = get(BANDUNG_HOST)
        at_tangerang = get(TANGERANG_HOST)
        assert at_bandung.wsgi_request.tenant.pk == bandung.pk
        assert at_tangerang.wsgi_request.tenant.pk == tangerang.pk
        assert b"Kota Bandung" in at_bandung.content
        assert b"Kota Tangerang" in at_tangerang.content
        assert b"Kota Bandung" not in at_tangerang.content
    assert b"Program Bandung" in get(BANDUNG_HOST, "/grants/").content
    assert routing.route_key(BANDUNG_HOST) != routing.route_key(TANGERANG_HOST)
    # The port and a "www." are not part of the host that is looked up.
    assert get("bandung.localhost:8000").wsgi_request.tenant.pk == bandung.pk


def test_route_written_by_another_model_version_is_ignored(bandung):
    _cache().set(
        routing.route_key(BANDUNG_HOST),
        {"generation": routing._generation(), "tenant": {"schema_name": "t_tangerang"}},
    )
    response = get(BANDUNG_HOST)
    assert response.wsgi_request.tenant.pk == bandung.pk


class BrokenCache(BaseCache):
    """A cache server that is down."""

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        raise ConnectionError("cache down")

    def set(self, key, value, timeout=None, version=None):
        raise ConnectionError("cache down")

    def delete_many(self, keys, version=None):
        raise ConnectionError("cache down")


def test_a_failing_cache_falls_back_to_the_database(bandung, operator, settings):
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": "tests.tenants.test_routing.BrokenCache"},
    }
    settings.TENANT_ROUTING_CACHE = "broken"
    with CaptureQueriesContext(connection) as captured:
        assert get(BANDUNG_HOST).status_code == 200
    assert len(routing_queries(captured)) == 1
    tenant_disable(actor=operator, tenant=bandung)
    assert get(BANDUNG_HOST).status_code == 503


# --- the benchmarks' single-schema baseline ---------------------------------------------


def test_single_tenant_connections_open_on_the_schema_without_a_set(bandung, settings):
    settings.SINGLE_TENANT_SCHEMA = bandung.schema_name
    middleware = routing.SingleTenantMiddleware(lambda request: None)
    settings_dict = copy.deepcopy(connection.settings_dict)
    settings_dict["OPTIONS"] = {
        **settings_dict.get("OPTIONS", {}),
        "options": f"-c search_path={bandung.schema_name},public",
    }
    # A second connection to the same database, as a worker would open.
    other = type(connections["default"])(settings_dict, alias="default")
    try:
        other.set_tenant(bandung)
        other.force_debug_cursor = True
        with other.cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            assert cursor.fetchone()[0] == ["t_bandung", "public"]
        assert set_calls(other.queries) == []
        # Switching schemas still sends the SET, and switching back again.
        other.set_schema_to_public()
        with other.cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            assert cursor.fetchone()[0] == ["public"]
        other.set_tenant(bandung)
        with other.cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            assert cursor.fetchone()[0] == ["t_bandung", "public"]
        assert len(set_calls(other.queries)) == 2
    finally:
        other.close()
    del middleware


def test_commit_of_an_aborted_transaction_forgets_the_path(bandung, tangerang):
    """PostgreSQL turns that COMMIT into a ROLLBACK without an error, undoing a
    SET made inside the transaction: the next query must send it again."""
    other = type(connections["default"])(
        copy.deepcopy(connection.settings_dict), alias="default"
    )
    try:
        other.set_tenant(bandung)
        with other.cursor() as cursor:  # autocommit: the SET sticks
            cursor.execute("SELECT 1")
        other.set_autocommit(False)
        other.set_tenant(tangerang)
        with other.cursor() as cursor:  # SET t_tangerang, inside the transaction
            cursor.execute("SELECT 1")
            assert other.server_search_path == ["t_tangerang", "public"]
            with pytest.raises(DataError):
                cursor.execute("SELECT 1 / 0")  # caught, no savepoint
        other.commit()  # the server rolls back: it is on t_bandung again
        assert other.server_search_path is None
        other.set_autocommit(True)
        with other.cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            assert cursor.fetchone()[0] == ["t_tangerang", "public"]
    finally:
        other.close()


def test_single_tenant_middleware_serves_its_tenant_without_routing(
    bandung, tangerang, settings
):
    settings.SINGLE_TENANT_SCHEMA = bandung.schema_name
    settings.MIDDLEWARE = [
        "tenants.routing.SingleTenantMiddleware" if "Routing" in m else m
        for m in settings.MIDDLEWARE
    ]
    client = host_client(TANGERANG_HOST)  # any host: there is no routing
    assert b"Kota Bandung" in client.get("/").content
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.wsgi_request.tenant.pk == bandung.pk
    assert routing_queries(captured) == []
    assert set_calls(captured) == []
    assert len(captured) == PAGE_STATEMENTS["/"]
