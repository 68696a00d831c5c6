"""Laksa's pages on the tenant host: the citizen's, the staff's, the public's,
open data, gating, privacy and isolation."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from laksa import services
from laksa.models import Item
from tests.conftest import host_client

from .conftest import a_place, submit

pytestmark = pytest.mark.django_db

HOST = "tangerang.localhost"
SECRET_NAME = "Siti Rahasia Aminah"
SECRET_EMAIL = "siti.rahasia@example.test"
SECRET_PHONE = "081299998888"


def laksa_paths():
    paths = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                path = "/" + prefix + str(entry.pattern)
                if path.startswith("/laksa/"):
                    paths.append(re.sub(r"<[^>]+>", "1", path))

    walk(get_resolver("config.urls_tenant").url_patterns)
    return paths


def test_every_laksa_route_404s_without_an_active_adoption(bandung, bandung_admin):
    paths = laksa_paths()
    assert len(paths) >= 12, paths
    for client in (
        host_client("bandung.localhost"),
        host_client("bandung.localhost", bandung_admin),
    ):
        for path in paths:
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                assert response.status_code == 404, (path, method, response.status_code)


def test_laksa_is_on_for_an_adopter_with_an_active_adoption(bandung, laksa_on):
    from tests.catalog.conftest import make_active_adoption

    connection.set_schema_to_public()
    from catalog.models import CatalogApp

    make_active_adoption(CatalogApp.objects.get(slug="laksa"), bandung)
    assert host_client("bandung.localhost").get("/laksa/").status_code == 200


def _post_item(client, laksa, **extra):
    connection.set_tenant(laksa["tenant"])
    data = {
        "kind": "complaint",
        "category": laksa["roads"].pk,
        "description": "Lampu jalan mati di gang kami.",
        "publish": "on",
        **a_place(),
        **extra,
    }
    connection.set_schema_to_public()
    return client.post("/laksa/send/", data)


def test_a_citizen_sends_tracks_and_rates_through_the_pages(laksa):
    client = host_client(HOST)
    assert client.get("/laksa/send/").status_code == 200
    response = _post_item(
        client,
        laksa,
        reporter_name=SECRET_NAME,
        reporter_email=SECRET_EMAIL,
        reporter_phone=SECRET_PHONE,
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    code = re.search(r'id="laksa-code">([A-Z0-9-]+)<', page).group(1)
    secret = re.search(r'id="laksa-key">([A-Z0-9]+)<', page).group(1)
    plain = code.replace("-", "")
    track = client.get(f"/laksa/track/{plain}/")
    assert track.status_code == 200 and "Being handled" in track.content.decode()
    assert SECRET_NAME not in track.content.decode()
    # Typed in lower case with the dash: redirected to the stored form.
    assert (
        client.get(f"/laksa/track/?code={code.lower()}")["Location"]
        == f"/laksa/track/{plain}/"
    )
    connection.set_tenant(laksa["tenant"])
    item = Item.objects.get(tracking_code=plain)
    services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Lampu sudah diganti.",
    )
    connection.set_schema_to_public()
    wrong = client.post(
        f"/laksa/track/{plain}/respond/",
        {"key": "ZZZZZZZZ", "rating": "5", "do": "rate"},
    )
    assert wrong.status_code == 403
    rated = client.post(
        f"/laksa/track/{plain}/respond/", {"key": secret, "rating": "4", "do": "rate"}
    )
    assert rated.status_code == 302
    connection.set_tenant(laksa["tenant"])
    item.refresh_from_db()
    assert (item.status, item.rating) == ("closed", 4)


@pytest.mark.parametrize(
    "language, other, received, answered",
    [
        ("en", "id", "We received your message", "answered your message"),
        ("id", "en", "sudah kami terima", "sudah menjawab laporan Anda"),
    ],
)
def test_the_citizen_hears_back_in_the_language_they_wrote_in(
    laksa, django_capture_on_commit_callbacks, language, other, received, answered
):
    citizen = host_client(HOST, language=language)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_item(citizen, laksa, reporter_email=SECRET_EMAIL)
    assert response.status_code == 200, response.content.decode()[:3000]
    connection.set_tenant(laksa["tenant"])
    item = Item.objects.get(reporter_email=SECRET_EMAIL)
    assert item.reporter_language == language
    connection.set_schema_to_public()
    (message,) = [m for m in mail.outbox if m.to == [SECRET_EMAIL]]
    assert received in message.subject + message.body
    assert message.extra_headers["Content-Language"] == language

    # The officer answers from a page in the other language: theirs does not count.
    officer = host_client(HOST, laksa["people"]["pupr"], language=other)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            f"/laksa/staff/items/{item.pk}/answer/",
            {"answer-answer": "Lampu sudah diganti."},
        )
    assert response.status_code == 302
    (message,) = [m for m in mail.outbox if m.to == [SECRET_EMAIL]]
    assert answered in message.body
    assert message.extra_headers["Content-Language"] == language


def test_a_wrong_tracking_code_gets_a_friendly_404(laksa):
    client = host_client(HOST)
    for code in ("AAAAAAAAAA", "nonsense", "%00"):
        response = client.get(f"/laksa/track/{code}/")
        assert response.status_code == 404
        assert "No message with this code" in response.content.decode()
    assert (
        client.post("/laksa/track/AAAAAAAAAA/respond/", {"key": "x"}).status_code == 404
    )


def test_bad_input_keeps_what_was_typed(laksa):
    response = _post_item(
        host_client(HOST), laksa, kecamatan_code="", description="Tetap di sini"
    )
    assert response.status_code == 400
    assert "Tetap di sini" in response.content.decode()


def test_no_personal_data_on_any_public_page_or_export(laksa):
    tenant = laksa["tenant"]
    connection.set_tenant(tenant)
    item, secret = submit(
        laksa["roads"],
        anonymous=False,
        reporter_name=SECRET_NAME,
        reporter_email=SECRET_EMAIL,
        reporter_phone=SECRET_PHONE,
        publish=False,
        description="Pesan pribadi yang tidak boleh tampil",
    )
    services.item_answer(
        tenant=tenant,
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Jawaban terbuka",
    )
    shown, _ = submit(
        laksa["roads"], publish=True, description="Pesan yang boleh tampil"
    )
    services.item_answer(
        tenant=tenant,
        actor_user=laksa["people"]["pupr"],
        item=shown,
        answer="Jawaban dua",
    )
    connection.set_schema_to_public()
    client = host_client(HOST)
    bodies = {}
    for path in (
        "/laksa/",
        "/laksa/open-data/items.json",
        "/laksa/open-data/items.csv",
        "/laksa/open-data/audit.jsonl",
        "/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        bodies[path] = (
            b"".join(response.streaming_content).decode()
            if response.streaming
            else response.content.decode()
        )
    for path, body in bodies.items():
        for secret_text in (
            SECRET_NAME,
            SECRET_EMAIL,
            SECRET_PHONE,
            "Pesan pribadi",
            item.tracking_code,
            secret,
            item.client_fingerprint,
            "/photo/",
            ".jpg",
        ):
            assert secret_text not in body, (path, secret_text)
    assert (
        "Jawaban terbuka" in bodies["/laksa/"]
        and "Pesan yang boleh tampil" in bodies["/laksa/"]
    )
    rows = json.loads(bodies["/laksa/open-data/items.json"])
    assert {row["id"] for row in rows} == {item.pk, shown.pk}
    assert set(rows[0]) == {
        "id",
        "kind",
        "category",
        "kecamatan",
        "kelurahan",
        "status",
        "status_label",
        "opd",
        "received_at",
        "due_at",
        "answered_at",
        "response_hours",
        "message",
        "answer",
        "rating",
        "reopened",
    }


def test_the_public_counters_and_medians_follow_the_items(laksa):
    client = host_client(HOST)

    def count(status):
        page = client.get("/laksa/").content.decode()
        return int(re.search(rf'data-status="{status}">(\d+)<', page).group(1))

    assert count("answered") == 0
    connection.set_tenant(laksa["tenant"])
    item, _ = submit(laksa["roads"])
    services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Selesai",
    )
    connection.set_schema_to_public()
    assert count("answered") == 1 and count("routed") == 0
    assert "Dinas PUPR" in client.get("/laksa/").content.decode()


def test_staff_queues_and_the_item_page_offer_the_declared_steps(
    laksa, django_assert_max_num_queries
):
    connection.set_tenant(laksa["tenant"])
    routed, _ = submit(laksa["roads"])
    waiting, _ = submit(laksa["other"])
    for _i in range(5):
        submit(laksa["roads"])
    connection.set_schema_to_public()
    people = laksa["people"]
    router = host_client(HOST, people["router"])
    page = router.get("/laksa/staff/?queue=route").content.decode()
    assert waiting.tracking_code in page and routed.tracking_code not in page
    detail = router.get(f"/laksa/staff/items/{waiting.pk}/").content.decode()
    assert "Send to an OPD" in detail and "Send the answer" not in detail
    response = router.post(
        f"/laksa/staff/items/{waiting.pk}/route/", {"route-opd": laksa["dlh"].pk}
    )
    assert response.status_code == 302
    officer = host_client(HOST, people["pupr"])
    officer.get("/laksa/staff/?queue=mine")  # the header's to-do counter, counted once
    # The queue, plus the header's cached counter and its unread notifications.
    with django_assert_max_num_queries(15):
        page = officer.get("/laksa/staff/?queue=mine").content.decode()
    assert routed.tracking_code in page and waiting.tracking_code not in page
    # Another OPD's item does not exist for this officer.
    assert officer.get(f"/laksa/staff/items/{waiting.pk}/").status_code == 404
    assert (
        officer.post(
            f"/laksa/staff/items/{waiting.pk}/answer/", {"answer-answer": "x"}
        ).status_code
        == 404
    )
    empty = officer.post(
        f"/laksa/staff/items/{routed.pk}/answer/", {"answer-answer": ""}
    )
    assert empty.status_code == 400
    done = officer.post(
        f"/laksa/staff/items/{routed.pk}/answer/", {"answer-answer": "Sudah ditambal."}
    )
    assert done.status_code == 302
    connection.set_tenant(laksa["tenant"])
    routed.refresh_from_db()
    assert routed.status == "answered"


def test_members_without_a_laksa_role_and_outsiders_are_refused(laksa, bandung_admin):
    from tests.factories import make_user

    plain = make_user("biasa@tangerang.test", tenant=laksa["tenant"], role="staff")
    connection.set_tenant(laksa["tenant"])
    item, _ = submit(laksa["roads"])
    connection.set_schema_to_public()
    assert host_client(HOST, plain).get("/laksa/staff/").status_code == 403
    assert (
        host_client(HOST, plain).get(f"/laksa/staff/items/{item.pk}/").status_code
        == 403
    )
    # Bandung's administrator is nobody in Tangerang.
    outsider = host_client(HOST, bandung_admin)
    assert outsider.get("/laksa/staff/").status_code == 403
    assert (
        outsider.post(
            f"/laksa/staff/items/{item.pk}/answer/", {"answer-answer": "x"}
        ).status_code
        == 403
    )
    assert host_client(HOST).get("/laksa/staff/").status_code == 302
    assert (
        host_client(HOST, laksa["people"]["router"])
        .get("/laksa/staff/settings/")
        .status_code
        == 403
    )


def test_the_administrator_adds_opds_and_categories(laksa):
    admin = host_client(HOST, laksa["people"]["admin"])
    assert admin.get("/laksa/staff/settings/").status_code == 200
    assert (
        admin.post(
            "/laksa/staff/settings/", {"add": "opd", "opd-name": "Dinas Perhubungan"}
        ).status_code
        == 302
    )
    duplicate = admin.post(
        "/laksa/staff/settings/", {"add": "opd", "opd-name": "dinas pupr"}
    )
    assert duplicate.status_code == 400
    response = admin.post(
        "/laksa/staff/settings/",
        {
            "add": "category",
            "category-name": "Lampu jalan",
            "category-opd_id": laksa["pupr"].pk,
            "category-sla_days": "2",
            "category-sla_hours": "0",
        },
    )
    assert response.status_code == 302


def test_the_audit_chain_is_verified_by_the_kernel_command(laksa):
    from django.core.management import call_command

    connection.set_tenant(laksa["tenant"])
    item, secret = submit(laksa["roads"])
    services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Ok",
    )
    connection.set_schema_to_public()
    from io import StringIO

    out = StringIO()
    call_command(
        "verify_audit_chain",
        "--tenant",
        "tangerang",
        "--app",
        "laksa",
        "--full",
        stdout=out,
    )
    assert "chain intact up to event 3" in out.getvalue()


def test_the_public_page_reads_in_a_fixed_number_of_queries(laksa):
    from django.test.utils import CaptureQueriesContext

    client = host_client(HOST)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/laksa/").status_code == 200
        return len(captured)

    def answered_items(n):
        connection.set_tenant(laksa["tenant"])
        for _i in range(n):
            item, _ = submit(laksa["roads"])
            services.item_answer(
                tenant=laksa["tenant"],
                actor_user=laksa["people"]["pupr"],
                item=item,
                answer="Selesai",
            )
        connection.set_schema_to_public()

    answered_items(1)
    queries()  # the first request also looks the host up
    few = queries()
    answered_items(4)
    assert queries() == few


def test_the_open_data_csv_opens_citizens_words_as_text_not_formulas(laksa):
    tenant = laksa["tenant"]
    connection.set_tenant(tenant)
    item, _secret = submit(
        laksa["roads"], publish=True, description='=HYPERLINK("http://x.test","klik")'
    )
    services.item_answer(
        tenant=tenant,
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="@SUM(1+1) sudah diperbaiki",
    )
    connection.set_schema_to_public()
    response = host_client(HOST).get("/laksa/open-data/items.csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(" in body and "'@SUM(1+1)" in body
    assert ",=HYPERLINK(" not in body and ",@SUM(" not in body


def test_an_officer_who_returns_an_item_is_taken_back_to_their_queue(laksa):
    """The item leaves the officer's OPD with the return: they land on their
    queue, not on a page they may no longer see."""
    connection.set_tenant(laksa["tenant"])
    item, _ = submit(laksa["roads"])  # the roads category goes to Dinas PUPR
    connection.set_schema_to_public()
    officer = host_client(HOST, laksa["people"]["pupr"])
    response = officer.post(
        f"/laksa/staff/items/{item.pk}/return/", {"return-note": "Bukan jalan kota."}
    )
    assert response.status_code == 302
    assert response["Location"] == "/laksa/staff/"
    assert officer.get(response["Location"]).status_code == 200
    assert officer.get(f"/laksa/staff/items/{item.pk}/").status_code == 404


def test_the_photo_reaches_the_items_staff_only_and_only_from_this_tenant(laksa):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    raw = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(raw, format="PNG")
    connection.set_tenant(laksa["tenant"])
    item, _ = submit(
        laksa["roads"],
        photo=SimpleUploadedFile("x.png", raw.getvalue(), content_type="image/png"),
    )
    connection.set_schema_to_public()
    path = f"/laksa/staff/items/{item.pk}/photo/"
    response = host_client(HOST, laksa["people"]["pupr"]).get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert host_client(HOST, laksa["people"]["dlh"]).get(path).status_code == 404
    # A row naming a file outside this tenant's prefix is never served.
    connection.set_tenant(laksa["tenant"])
    Item.objects.filter(pk=item.pk).update(photo="tenants/t_other/laksa/x.png")
    connection.set_schema_to_public()
    assert host_client(HOST, laksa["people"]["pupr"]).get(path).status_code == 404


def test_the_portal_is_kept_until_the_next_item_falls_due(laksa, settings):
    """The public portal is served from the page cache like the other public
    pages, but a kept copy never outlives the moment its overdue count changes
    by the clock alone (core.pagecache.keep_until)."""
    import datetime as dt
    import time

    from django.db import connections
    from django.utils import timezone

    from core import pagecache
    from tests.conftest import keep_pages

    keep_pages(settings, HOST)
    client = host_client(HOST)

    def overdue() -> tuple[int, str]:
        response = client.get("/laksa/")
        page = response.content.decode()
        count = int(re.search(r'data-status="overdue">(\d+)<', page).group(1))
        return count, response["X-Page-Cache"]

    connection.set_tenant(laksa["tenant"])
    item, _ = submit(laksa["roads"])  # open, due in three days
    connection.set_schema_to_public()
    pagecache.flush_pending(connections["default"])
    assert overdue() == (0, "miss")
    assert overdue() == (0, "hit")
    # Due in three seconds: kept for at most that long.
    connection.set_tenant(laksa["tenant"])
    Item.objects.filter(pk=item.pk).update(
        due_at=timezone.now() + dt.timedelta(seconds=3)
    )
    connection.set_schema_to_public()
    pagecache.flush_pending(connections["default"])
    assert overdue() == (0, "miss")
    assert overdue() == (0, "hit")
    time.sleep(3.2)
    # No write since: the clock alone made it overdue, and the page says so.
    assert overdue() == (1, "miss")


def test_a_page_due_now_is_not_kept(settings):
    from django.http import HttpResponse
    from django.utils import timezone

    from core.pagecache import _seconds_to_keep, keep_until

    settings.PAGE_CACHE_SECONDS = 600
    assert _seconds_to_keep(HttpResponse()) == 600
    assert _seconds_to_keep(keep_until(HttpResponse(), None)) == 600
    past = keep_until(HttpResponse(), timezone.now())
    assert _seconds_to_keep(past) == 0
    import datetime as dt

    soon = keep_until(HttpResponse(), timezone.now() + dt.timedelta(seconds=90))
    assert 88 <= _seconds_to_keep(soon) <= 90
