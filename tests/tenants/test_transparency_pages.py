"""The published transparency log (/transparency/, log.json), the operators'
anchor button, the tenant's public verify page and the daily head e-mail."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from core import chain as chainlib
from grants import audit
from tenants import transparency
from tenants.anchoring import chains_anchor
from tenants.heads import chain_heads_mail
from tenants.models import PlatformEvent
from tenants.transparency import platform_event_append
from tests.conftest import assert_statements, host_client
from tests.factories import make_user
from tests.tenants.test_anchoring import append_events, rewrite_consistently


def operator_suspends(tenant, operator):
    with transaction.atomic():
        platform_event_append(
            kind=PlatformEvent.Kind.TENANT_SUSPENDED,
            actor=operator,
            tenant=tenant,
            reason="Dokumen verifikasi palsu",
            private={"note": "RAHASIA-telepon-walikota"},
        )


@pytest.fixture
def operator(db):
    return make_user("operator@platform.test", is_staff=True, full_name="Ibu Operator")


@pytest.mark.django_db
def test_transparency_page_shows_actions_and_anchors_never_private(bandung, operator):
    operator_suspends(bandung, operator)
    append_events(bandung, 2)
    chains_anchor()
    client = host_client("localhost")
    # Count, the page of entries, the anchors of its anchoring entries.
    with assert_statements(3):
        page = client.get("/transparency/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Organisation suspended" in html and "Dokumen verifikasi palsu" in html
    assert "Ibu Operator" in html and "Kota Bandung" in html
    assert "up to event 2" in html and "the platform (automatic)" in html
    assert "RAHASIA" not in html
    # Anonymous visitors get no anchor button.
    assert "Record the latest seals now" not in html
    indonesian = host_client("localhost", language="id").get("/transparency/")
    assert "Log transparansi" in indonesian.content.decode()


@pytest.mark.django_db
def test_page_statement_count_does_not_grow_with_entries(bandung, operator):
    for _ in range(60):
        operator_suspends(bandung, operator)
    # Count and the page of entries (no anchoring entry among them).
    with assert_statements(2):
        host_client("localhost").get("/transparency/?page=2")
    with assert_statements(2):
        host_client("localhost").get("/transparency/")
    assert host_client("localhost").get("/transparency/?page=x").status_code == 200


@pytest.mark.django_db
def test_log_json_is_the_verifiable_public_log_with_anchors(bandung, operator):
    operator_suspends(bandung, operator)
    append_events(bandung, 3)
    run = chains_anchor()
    data = host_client("localhost").get("/transparency/log.json").json()
    assert data["format"] == 1 and data["next"] is None
    assert data["head"]["seq"] == run.event.seq
    assert chainlib.verify(data["records"], body=transparency.body).ok
    [anchor] = data["anchors"][str(run.event.seq)]
    assert anchor["tenant"]["slug"] == "bandung" and anchor["seq"] == 3
    text = json.dumps(data)
    assert "RAHASIA" not in text and '"salt"' not in text and '"private"' not in text


@pytest.mark.django_db
def test_log_json_pages_and_hostile_parameters(bandung, operator):
    for _ in range(5):
        operator_suspends(bandung, operator)
    client = host_client("localhost")
    first = client.get("/transparency/log.json?limit=2").json()
    assert [r["seq"] for r in first["records"]] == [1, 2]
    assert first["next"].endswith("/transparency/log.json?after=2&limit=2")
    second = client.get(first["next"]).json()
    assert [r["seq"] for r in second["records"]] == [3, 4]
    for query in ("limit=abc", "after=-5", "limit=99999999999999999999", "after=1e9"):
        response = client.get(f"/transparency/log.json?{query}")
        assert response.status_code == 200, query
        assert isinstance(response.json()["records"], list)


@pytest.mark.django_db
def test_anchor_button_needs_the_permission(bandung, operator):
    append_events(bandung, 1)
    assert host_client("localhost").post("/transparency/anchor/").status_code == 403
    staff_without = make_user("helpdesk@platform.test", is_staff=True)
    assert (
        host_client("localhost", staff_without)
        .post("/transparency/anchor/")
        .status_code
        == 403
    )
    bandung_admin = make_user("admin@bandung.test", tenant=bandung, role="admin")
    assert (
        host_client("localhost", bandung_admin)
        .post("/transparency/anchor/")
        .status_code
        == 403
    )
    assert not PlatformEvent.objects.filter(kind="chain_anchored").exists()
    operator.user_permissions.add(Permission.objects.get(codename="anchor_chains"))
    client = host_client("localhost", operator)
    assert (
        "Record the latest seals now" in client.get("/transparency/").content.decode()
    )
    response = client.post("/transparency/anchor/", follow=True)
    assert "1 audit histories anchored" in response.content.decode()
    event = PlatformEvent.objects.get(kind="chain_anchored")
    assert event.actor_label == "Ibu Operator" and event.actor_id == operator.pk
    again = client.post("/transparency/anchor/", follow=True)
    assert "No audit history changed" in again.content.decode()
    assert client.get("/transparency/anchor/").status_code == 405


@pytest.mark.django_db
def test_verify_page_checks_against_anchors_and_a_saved_head(bandung):
    append_events(bandung, 4)
    chains_anchor()
    client = host_client("bandung.localhost")
    html = client.get("/verify/").content.decode()
    assert "The history is intact." in html and "up to event 4" in html
    with tenant_context(bandung):
        seq, hash_ = audit.stored_head()
    connection.set_schema_to_public()
    html = client.get(f"/verify/?seq={seq}&hash={hash_}").content.decode()
    assert "The history is intact." in html and "Your seal was included" in html
    html = client.get(f"/verify/?seq=2&hash={'b' * 64}").content.decode()
    assert "event 2 differs" in html
    rewrite_consistently(bandung, seq=1, note="diubah")
    html = client.get("/verify/").content.decode()
    assert "event 4 differs" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "seq=abc&hash=zz",
        f"seq=-1&hash={'a' * 64}",
        "seq=3&hash=" + "g" * 64,
        "seq=3&hash=" + "a" * 500,
    ],
)
def test_verify_page_explains_bad_input_and_keeps_it(bandung, query):
    response = host_client("bandung.localhost").get(f"/verify/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    assert "Your seal was included" not in html


@pytest.mark.django_db
def test_verify_page_shows_only_the_hosts_own_chain(bandung, tangerang):
    append_events(tangerang, 7)
    chains_anchor()
    html = host_client("bandung.localhost").get("/verify/").content.decode()
    assert "up to event 7" not in html and "not recorded yet" in html


@pytest.mark.django_db
def test_head_download_is_a_head_file(bandung):
    append_events(bandung, 2)
    run = chains_anchor()
    response = host_client("bandung.localhost").get("/verify/grants/head.json")
    assert response["Content-Disposition"].startswith("attachment;")
    document = response.json()
    assert document["seq"] == 2 and document["tenant"] == "bandung"
    assert document["anchored_in_platform_log_seq"] == run.event.seq
    assert (
        host_client("bandung.localhost").get("/verify/nothing/head.json").status_code
        == 404
    )


@pytest.mark.django_db
def test_daily_head_mail_goes_to_admins_only_when_the_head_changed(bandung, tangerang):
    make_user("admin@bandung.test", tenant=bandung, role="admin")
    make_user("staf@bandung.test", tenant=bandung, role="staff")
    append_events(bandung, 3)
    assert chain_heads_mail() == 1
    [message] = mail.outbox
    assert sorted(message.to) == ["admin@bandung.test", "founder@bandung.test"]
    assert "3" in message.body and "/verify/" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename == "head-bandung-grants-3.json" and mimetype == "application/json"
    with tenant_context(bandung):
        assert json.loads(content)["hash"] == audit.stored_head()[1]
    connection.set_schema_to_public()
    mail.outbox.clear()
    tomorrow = timezone.now() + timezone.timedelta(days=1, hours=1)
    assert chain_heads_mail(now=tomorrow) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_each_admin_reads_the_daily_head_mail_in_their_language(bandung, tangerang):
    make_user("admin@bandung.test", tenant=bandung, role="admin", language="en")
    append_events(bandung, 2)
    assert chain_heads_mail() == 2
    by_recipients = {tuple(m.to): m for m in mail.outbox}
    english = by_recipients[("admin@bandung.test",)]
    indonesian = by_recipients[("founder@bandung.test",)]
    assert english.subject.startswith("Today's audit history seal")
    assert not indonesian.subject.startswith("Today's")
    assert len(english.attachments) == len(indonesian.attachments) == 1
