"""Anonymous public pages from the shared cache, invalidated by every committed write
(#12, core/pagecache.py)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from tests.conftest import (
    BANDUNG_HOST,
    PLATFORM_HOST,
    TANGERANG_HOST,
    host_client,
    keep_pages,
)
from tests.factories import make_user
from tests.grants.conftest import make_program
from tests.grants.test_portal import publish_sabilulungan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def caching(settings, platform):
    keep_pages(settings, BANDUNG_HOST, TANGERANG_HOST, PLATFORM_HOST)


@pytest.fixture
def portal_program(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    program = make_program(in_bandung, officials["admin"], name="Hibah Posyandu")
    connection.set_schema_to_public()
    committed()
    return program


def committed():
    """What the commit of the set-up would have done (a test never commits)."""
    from django.db import connections

    from core.pagecache import flush_pending

    flush_pending(connections["default"])


def get(host, path="/", **extra):
    return host_client(host).get(path, **extra)


def test_the_second_anonymous_visit_is_served_from_the_cache(
    portal_program, django_assert_max_num_queries
):
    first = get(BANDUNG_HOST, "/grants/")
    assert (
        first["X-Page-Cache"] == "miss" and "Hibah Posyandu" in first.content.decode()
    )
    with django_assert_max_num_queries(3):  # the route, the cache, nothing of the page
        second = get(BANDUNG_HOST, "/grants/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.parametrize("how", ["save", "update", "raw sql"])
def test_a_committed_write_in_the_tenant_schema_shows_at_once(
    portal_program, in_bandung, django_capture_on_commit_callbacks, how
):
    get(BANDUNG_HOST, "/grants/")
    assert get(BANDUNG_HOST, "/grants/")["X-Page-Cache"] == "hit"
    connection.set_tenant(in_bandung)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            if how == "save":
                portal_program.name = "Hibah Posyandu Terpadu"
                portal_program.save(update_fields=["name"])
            elif how == "update":
                type(portal_program).objects.filter(pk=portal_program.pk).update(
                    name="Hibah Posyandu Terpadu"
                )
            else:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE grants_program SET name = %s WHERE id = %s",
                        ["Hibah Posyandu Terpadu", portal_program.pk],
                    )
    connection.set_schema_to_public()
    page = get(BANDUNG_HOST, "/grants/")
    assert page["X-Page-Cache"] == "miss"
    assert "Hibah Posyandu Terpadu" in page.content.decode()


def test_a_rolled_back_write_never_shows(
    portal_program, in_bandung, django_capture_on_commit_callbacks
):
    get(BANDUNG_HOST, "/grants/")
    connection.set_tenant(in_bandung)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                portal_program.name = "Tidak jadi"
                portal_program.save(update_fields=["name"])
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    connection.set_schema_to_public()
    # (A rolled-back savepoint may cost one extra render, never a wrong page.)
    page = get(BANDUNG_HOST, "/grants/").content.decode()
    assert "Hibah Posyandu" in page and "Tidak jadi" not in page


def test_a_public_write_refreshes_tenant_and_platform_pages(
    bandung, django_capture_on_commit_callbacks
):
    committed()
    get(BANDUNG_HOST, "/")
    get(PLATFORM_HOST, "/organisations/")
    with django_capture_on_commit_callbacks(execute=True):
        bandung.description = "Kota kembang, ibu kota Jawa Barat."
        bandung.save(update_fields=["description"])
    home = get(BANDUNG_HOST, "/")
    assert home["X-Page-Cache"] == "miss"
    assert "Kota kembang" in home.content.decode()
    assert get(PLATFORM_HOST, "/organisations/")["X-Page-Cache"] == "miss"


def test_another_tenants_write_leaves_this_tenants_pages_cached(
    portal_program, tangerang, django_capture_on_commit_callbacks
):
    get(BANDUNG_HOST, "/grants/")
    assert get(BANDUNG_HOST, "/grants/")["X-Page-Cache"] == "hit"
    connection.set_tenant(tangerang)
    with django_capture_on_commit_callbacks(execute=True):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE grants_program SET name = name")
    connection.set_schema_to_public()
    assert get(BANDUNG_HOST, "/grants/")["X-Page-Cache"] == "hit"


def test_signed_in_visitors_never_get_or_leave_a_cached_page(bandung):
    member = make_user("staf@bandung.test", tenant=bandung, role="staff")
    get(BANDUNG_HOST, "/")  # an anonymous copy is cached
    client = host_client(BANDUNG_HOST, member)
    page = client.get("/")
    assert "X-Page-Cache" not in page
    assert "Dashboard" in page.content.decode()  # the member's own menu
    assert "Dashboard" not in get(BANDUNG_HOST, "/").content.decode()


def test_each_language_has_its_own_copy(bandung):
    english = get(BANDUNG_HOST, "/")
    indonesian = host_client(BANDUNG_HOST, language="id").get("/")
    assert indonesian["X-Page-Cache"] == "miss"
    assert english.content != indonesian.content
    assert host_client(BANDUNG_HOST, language="id").get("/")["X-Page-Cache"] == "hit"


def test_a_page_with_a_message_for_this_visitor_is_neither_served_nor_kept(bandung):
    get(BANDUNG_HOST, "/")
    client = host_client(BANDUNG_HOST)
    client.cookies["messages"] = "x"
    page = client.get("/")
    assert "X-Page-Cache" not in page


def test_sessions_and_cache_writes_invalidate_nothing(
    bandung, django_capture_on_commit_callbacks
):
    committed()
    get(BANDUNG_HOST, "/")
    with django_capture_on_commit_callbacks(execute=True):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) "
                "VALUES ('k', 'd', now())"
            )
    assert get(BANDUNG_HOST, "/")["X-Page-Cache"] == "hit"


def test_pages_answer_304_to_a_matching_etag(bandung):
    first = get(BANDUNG_HOST, "/")
    etag = first["ETag"]
    assert etag
    again = get(BANDUNG_HOST, "/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""


def test_pages_carry_no_csrf_token_so_they_can_be_shared(bandung):
    page = get(BANDUNG_HOST, "/")
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert not page.cookies
    # The language switch works without one.
    switched = host_client(TANGERANG_HOST).post(
        "/i18n/setlang/", {"language": "en", "next": "/"}
    )
    assert switched.status_code == 302


def test_a_kept_page_answers_with_every_header_a_rendered_one_has(portal_program):
    rendered = get(BANDUNG_HOST, "/grants/")
    kept = get(BANDUNG_HOST, "/grants/")
    assert kept["X-Page-Cache"] == "hit"
    for header in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Content-Language",
        "Vary",
        "ETag",
    ):
        assert kept[header] == rendered[header], header


def test_a_visitor_with_a_session_is_answered_by_the_view(portal_program):
    get(BANDUNG_HOST, "/grants/")
    client = host_client(BANDUNG_HOST)
    client.cookies["sessionid"] = "not-a-session"
    page = client.get("/grants/")
    assert page.status_code == 200 and "X-Page-Cache" not in page
    assert "Hibah Posyandu" in page.content.decode()


def test_a_host_new_to_the_process_is_rendered_first_then_kept(bandung):
    """The generations a kept page carries are read before it renders, for the
    schemas routing found for its host; until routing has answered once in this
    process, a page is rendered and not kept."""
    from core.pagecache import _HOST_SCHEMAS

    _HOST_SCHEMAS.clear()
    first = get(BANDUNG_HOST, "/")
    assert first.status_code == 200 and "X-Page-Cache" not in first
    assert _HOST_SCHEMAS[BANDUNG_HOST] == ("public", bandung.schema_name)
    assert get(BANDUNG_HOST, "/")["X-Page-Cache"] == "miss"
    assert get(BANDUNG_HOST, "/")["X-Page-Cache"] == "hit"


def test_a_kept_page_is_answered_without_routing(
    portal_program, django_assert_num_queries
):
    get(BANDUNG_HOST, "/grants/")
    with django_assert_num_queries(1):  # the cache's get_many, no routing
        assert get(BANDUNG_HOST, "/grants/")["X-Page-Cache"] == "hit"


def test_a_cross_origin_request_gets_its_own_copy_with_the_cors_headers(platform):
    """The page cache stands before CorsMiddleware: a copy kept for a request
    without an Origin must not answer one with it (and the other way round)."""
    plain = get(PLATFORM_HOST, "/api/v1/apps/")
    assert plain.status_code == 200 and "Access-Control-Allow-Origin" not in plain
    assert get(PLATFORM_HOST, "/api/v1/apps/")["X-Page-Cache"] == "hit"
    origin = {"HTTP_ORIGIN": "https://portal.example.go.id"}
    first = get(PLATFORM_HOST, "/api/v1/apps/", **origin)
    assert first["X-Page-Cache"] == "miss"
    assert first["Access-Control-Allow-Origin"] == "*"
    kept = get(PLATFORM_HOST, "/api/v1/apps/", **origin)
    assert kept["X-Page-Cache"] == "hit"
    assert kept["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in get(PLATFORM_HOST, "/api/v1/apps/")


def test_a_kept_api_answer_is_304_to_if_modified_since(platform):
    first = get(PLATFORM_HOST, "/api/v1/apps/")
    assert first["Last-Modified"]
    assert get(PLATFORM_HOST, "/api/v1/apps/")["X-Page-Cache"] == "hit"
    again = get(
        PLATFORM_HOST, "/api/v1/apps/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert again.status_code == 304 and again["X-Page-Cache"] == "hit"


def test_plain_http_is_redirected_to_https_not_served_a_kept_page(settings, bandung):
    """SecurityMiddleware, further in, redirects plain HTTP when HTTPS is on."""
    settings.SECURE_SSL_REDIRECT = True
    secure = host_client(BANDUNG_HOST)
    assert secure.get("/", secure=True).status_code == 200
    assert secure.get("/", secure=True)["X-Page-Cache"] == "hit"
    plain = secure.get("/")
    assert plain.status_code == 301
    assert plain["Location"] == f"https://{BANDUNG_HOST}/"


def test_static_files_are_left_to_whitenoise(settings):
    """No cache lookup for /static/: WhiteNoise, further in, serves them."""
    from django.test import RequestFactory

    from core.pagecache import _servable

    factory = RequestFactory(HTTP_HOST=BANDUNG_HOST)
    assert _servable(factory.get("/grants/"))
    assert not _servable(factory.get(settings.STATIC_URL + "css/site.css"))


def test_an_api_answer_is_kept_by_accept_language_whatever_the_cookies(platform):
    """The public API reads no cookie (core.api.PublicAPICookiesMiddleware, before
    the page cache): a language cookie does not choose the kept copy, and a
    session cookie does not keep a visitor from it."""
    english = get(PLATFORM_HOST, "/api/v1/apps/")
    assert english["Content-Language"] == "en"
    assert get(PLATFORM_HOST, "/api/v1/apps/")["X-Page-Cache"] == "hit"
    visitor = host_client(PLATFORM_HOST, language="id")
    visitor.cookies["django_language"] = "en"
    visitor.cookies["sessionid"] = "not-a-session"
    indonesian = visitor.get("/api/v1/apps/")
    assert indonesian["Content-Language"] == "id"
    assert indonesian["X-Page-Cache"] == "miss"
    again = visitor.get("/api/v1/apps/")
    assert again["X-Page-Cache"] == "hit" and again.content == indonesian.content
    assert again["ETag"] != english["ETag"]  # the Indonesian answer, not the English
    assert "Cookie" not in again["Vary"]
