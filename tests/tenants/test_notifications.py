"""notify(): e-mails people can act on, the notification log per user, the digest."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_q.models import Task

from core.i18n import active_language, language_or_default
from core.jobs import jobs_run_pending, periodic_jobs
from tenants.models import Domain, Membership, Notification
from tenants.notifications import (
    Address,
    digest_send,
    notify,
    unread_count,
)
from tests.conftest import (
    BANDUNG_HOST,
    PLATFORM_HOST,
    TANGERANG_HOST,
    assert_statements,
    host_client,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Strings of the catalogue, so the recipient's language shows.
SUBJECT = _("Notifications")
SENTENCE = _("Every notification is marked as read.")


def links(message) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", message.body)


def follow(url: str, user=None, language: str = "en"):
    """GET an absolute link on its own host, signed in as `user` when given."""
    parts = urlsplit(url)
    client = host_client(parts.netloc, user, language=language)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def send(capture, **kwargs) -> int:
    defaults = {
        "kind": "test",
        "subject": SUBJECT,
        "sentence": SENTENCE,
        "path": "/dashboard/",
    }
    with capture(execute=True):
        return notify(**{**defaults, **kwargs})


def test_an_email_names_the_tenant_links_to_its_primary_domain_and_logs(
    bandung, django_capture_on_commit_callbacks
):
    user = make_user("staf@bandung.test", tenant=bandung, language="en")
    count = send(
        django_capture_on_commit_callbacks,
        recipients=[user],
        tenant=bandung,
        path="/dashboard/",
    )
    assert count == 1
    [message] = mail.outbox
    assert message.to == ["staf@bandung.test"]
    assert message.subject == "[Kota Bandung] Notifications"
    assert message.from_email == "Kota Bandung <noreply@bagipakai.id>"
    assert message.body.startswith("Kota Bandung\n")
    assert "Every notification is marked as read." in message.body
    assert f"http://{BANDUNG_HOST}/dashboard/" in links(message)
    html, mimetype = message.alternatives[0]
    assert (
        mimetype == "text/html" and f'href="http://{BANDUNG_HOST}/dashboard/"' in html
    )
    # The link works on its host.
    assert follow(f"http://{BANDUNG_HOST}/dashboard/", user).status_code == 200
    row = Notification.objects.get(user=user)
    assert row.tenant == bandung and row.url == f"http://{BANDUNG_HOST}/dashboard/"
    assert row.emailed_at is not None and not row.in_digest and row.read_at is None


def test_the_link_goes_to_the_primary_domain_not_the_slug(
    bandung, django_capture_on_commit_callbacks, settings
):
    settings.ALLOWED_HOSTS = ["*"]
    Domain.objects.filter(tenant=bandung).update(is_primary=False)
    custom = Domain.objects.create(
        domain="hibah.bandung.example", tenant=bandung, is_primary=True
    )
    try:
        user = make_user("staf@bandung.test", tenant=bandung)
        send(django_capture_on_commit_callbacks, recipients=[user.pk], tenant=bandung)
        assert links(mail.outbox[0])[0] == "http://hibah.bandung.example/dashboard/"
    finally:
        custom.delete()
        Domain.objects.filter(tenant=bandung, domain=BANDUNG_HOST).update(
            is_primary=True
        )


def test_scheme_and_port_come_from_the_settings(
    bandung, django_capture_on_commit_callbacks, settings
):
    settings.HTTPS = True
    settings.PUBLIC_PORT = "8443"
    user = make_user("staf@bandung.test", tenant=bandung)
    send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    assert f"https://{BANDUNG_HOST}:8443/dashboard/" in links(mail.outbox[0])


@pytest.mark.parametrize(
    "language,subject,sentence",
    [
        ("en", "Notifications", "Every notification is marked as read."),
        ("id", "Notifikasi", "Semua notifikasi ditandai sudah dibaca."),
    ],
)
def test_each_recipient_gets_their_own_language(
    bandung, django_capture_on_commit_callbacks, language, subject, sentence
):
    user = make_user("staf@bandung.test", tenant=bandung, language=language)
    send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    [message] = mail.outbox
    assert message.subject == f"[Kota Bandung] {subject}"
    assert sentence in message.body
    row = Notification.objects.get(user=user)
    assert row.subject == subject and row.sentence == sentence


def test_without_a_chosen_language_the_site_language_is_used(
    bandung, django_capture_on_commit_callbacks
):
    user = make_user("staf@bandung.test", tenant=bandung, language="")
    send(
        django_capture_on_commit_callbacks,
        recipients=[user, "warga@example.id"],
        tenant=bandung,
    )
    assert [m.subject for m in mail.outbox] == ["[Kota Bandung] Notifikasi"] * 2


def test_params_fill_placeholders_in_each_language(
    bandung, django_capture_on_commit_callbacks
):
    english = make_user("en@bandung.test", tenant=bandung, language="en")
    indonesian = make_user("id@bandung.test", tenant=bandung, language="id")
    send(
        django_capture_on_commit_callbacks,
        recipients=[english, indonesian],
        tenant=bandung,
        subject=_("Keep the reason under %(n)d characters."),
        sentence=_("%(who)s is the last administrator and cannot be removed."),
        params={"n": 300, "who": "Budi <b>"},
    )
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "under 300 characters" in by_to["en@bandung.test"].subject
    assert "Budi <b> is the last administrator" in by_to["en@bandung.test"].body
    assert "Budi <b>" in by_to["id@bandung.test"].body
    html = by_to["id@bandung.test"].alternatives[0][0]
    assert "Budi &lt;b&gt;" in html and "Budi <b>" not in html


def test_plain_addresses_get_the_email_but_no_log_row(
    bandung, django_capture_on_commit_callbacks
):
    user = make_user("staf@bandung.test", tenant=bandung)
    count = send(
        django_capture_on_commit_callbacks,
        recipients=[user, "Warga@Example.id", "warga@example.id", "STAF@bandung.test"],
        tenant=bandung,
        digest=False,
    )
    assert count == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "Warga@Example.id",
        "staf@bandung.test",
    ]
    assert Notification.objects.count() == 1
    citizen = next(m for m in mail.outbox if m.to == ["Warga@Example.id"])
    assert "/dashboard/notifications/" not in citizen.body


def test_an_address_is_written_to_in_its_language_a_bare_string_in_the_default(
    bandung, django_capture_on_commit_callbacks
):
    # The sender reads English (the tests' active language): that is not the
    # language of anyone who did not say so.
    assert translation.get_language() == "en"
    count = send(
        django_capture_on_commit_callbacks,
        recipients=[
            Address("english@example.id", "en"),
            Address("indonesia@example.id", "id"),
            "bare@example.id",
        ],
        tenant=bandung,
        digest=False,
    )
    assert count == 3
    by_to = {m.to[0]: m for m in mail.outbox}
    assert by_to["english@example.id"].subject == "[Kota Bandung] Notifications"
    assert by_to["indonesia@example.id"].subject == "[Kota Bandung] Notifikasi"
    assert by_to["bare@example.id"].subject == "[Kota Bandung] Notifikasi"
    assert {to: m.extra_headers["Content-Language"] for to, m in by_to.items()} == {
        "english@example.id": "en",
        "indonesia@example.id": "id",
        "bare@example.id": "id",
    }
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "language", ["", None, "xx", "de", "en\nBcc: x@evil.test", "x" * 600, 7]
)
def test_an_unknown_language_falls_back_to_the_default(
    bandung, django_capture_on_commit_callbacks, language
):
    send(
        django_capture_on_commit_callbacks,
        recipients=[Address("warga@example.id", language)],
        tenant=bandung,
        digest=False,
    )
    [message] = mail.outbox
    assert message.subject == "[Kota Bandung] Notifikasi"
    assert message.extra_headers["Content-Language"] == "id"


def test_an_account_holders_language_wins_over_an_address_naming_them(
    bandung, django_capture_on_commit_callbacks
):
    user = make_user("staf@bandung.test", tenant=bandung, language="id")
    send(
        django_capture_on_commit_callbacks,
        recipients=[Address("STAF@bandung.test", "en"), user],
        tenant=bandung,
        digest=False,
    )
    [message] = mail.outbox
    assert message.to == ["staf@bandung.test"]
    assert message.subject == "[Kota Bandung] Notifikasi"


def test_the_language_kept_beside_an_address_is_one_the_site_speaks():
    assert [
        language_or_default(code) for code in ("en", "EN", "en-US", "id-ID", "fr", "")
    ] == ["en", "en", "en", "id", "id", "id"]
    with translation.override("en-gb"):
        assert active_language() == "en"
    with translation.override("fr"):
        assert active_language() == "id"
    with translation.override(None):
        assert active_language() == "id"


def test_malformed_addresses_and_inactive_users_are_left_out(
    bandung, django_capture_on_commit_callbacks
):
    gone = make_user("gone@bandung.test", tenant=bandung, is_active=False)
    count = send(
        django_capture_on_commit_callbacks,
        recipients=[gone, "not an address", "a@b\nBcc: x@evil.test"],
        tenant=bandung,
    )
    assert count == 0 and mail.outbox == [] and not Notification.objects.exists()


def test_a_hostile_tenant_name_cannot_add_headers(
    bandung, django_capture_on_commit_callbacks
):
    user = make_user("staf@bandung.test", tenant=bandung)
    send(
        django_capture_on_commit_callbacks,
        recipients=[user],
        tenant=bandung,
        subject="Line one\r\nBcc: x@evil.test",
    )
    message = mail.outbox[0].message()
    assert message["Bcc"] is None
    assert "\n" not in mail.outbox[0].subject


def test_platform_notifications_come_from_bagipakai_and_link_to_the_platform(
    platform, django_capture_on_commit_callbacks
):
    user = make_user("operator@bagipakai.test", language="en")
    send(
        django_capture_on_commit_callbacks,
        recipients=[user],
        tenant=None,
        path="/orgs/",
    )
    [message] = mail.outbox
    assert message.subject == "[BagiPakai] Notifications"
    assert message.from_email == "BagiPakai <noreply@bagipakai.id>"
    assert links(message)[0] == f"http://{PLATFORM_HOST}/orgs/"
    assert follow(links(message)[0], user).status_code == 200
    assert Notification.objects.get(user=user).tenant is None
    # The platform tenant is the same as None.
    send(django_capture_on_commit_callbacks, recipients=[user], tenant=platform)
    assert Notification.objects.filter(user=user, tenant=None).count() == 2


def test_nothing_is_sent_or_logged_when_the_action_rolls_back(bandung):
    user = make_user("staf@bandung.test", tenant=bandung)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        notify(
            recipients=[user],
            tenant=bandung,
            kind="test",
            subject=SUBJECT,
            sentence=SENTENCE,
            path="/",
        )
        raise Boom
    assert mail.outbox == [] and not Notification.objects.exists()


class Refused(Exception):
    pass


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise Refused("connection refused")

    def open(self):
        pass

    def close(self):
        pass


def test_a_failing_mail_server_never_fails_the_action(
    bandung, settings, django_capture_on_commit_callbacks
):
    """Through the queue: the action commits, the worker's attempt fails and is
    retried later; the log row is there either way."""
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.FailingBackend"
    user = make_user("staf@bandung.test", tenant=bandung)
    assert send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    assert jobs_run_pending() == 1
    assert not Task.objects.get().success
    assert Notification.objects.filter(user=user).count() == 1


def test_even_a_backend_that_raises_at_once_does_not_fail_the_action(
    bandung, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    user = make_user("staf@bandung.test", tenant=bandung)
    assert send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    assert Notification.objects.filter(user=user).count() == 1


def test_queued_emails_are_delivered_by_the_worker(
    bandung, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user("staf@bandung.test", tenant=bandung)
    send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    assert mail.outbox == []
    assert jobs_run_pending() == 1
    [message] = mail.outbox
    assert message.alternatives[0][1] == "text/html"
    assert message.from_email == "Kota Bandung <noreply@bagipakai.id>"


# --- the daily digest ------------------------------------------------------------


def test_staff_who_chose_the_digest_get_one_email_a_day_per_tenant(
    bandung, tangerang, django_capture_on_commit_callbacks
):
    user = make_user("dua@kota.test", tenant=bandung, language="en")
    Membership.objects.create(
        user=user, tenant=tangerang, role="staff", email_delivery="digest"
    )
    Membership.objects.filter(user=user, tenant=bandung).update(email_delivery="digest")
    for tenant, path in [
        (bandung, "/dashboard/"),
        (bandung, "/dashboard/members/"),
        (tangerang, "/dashboard/"),
    ]:
        send(
            django_capture_on_commit_callbacks,
            recipients=[user],
            tenant=tenant,
            path=path,
        )
    assert mail.outbox == []
    assert Notification.objects.filter(in_digest=True, emailed_at=None).count() == 3
    # Things that must go at once ignore the choice.
    send(
        django_capture_on_commit_callbacks,
        recipients=[user],
        tenant=bandung,
        digest=False,
    )
    assert len(mail.outbox) == 1
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(now=timezone.now() + timedelta(hours=20)) == 2
    by_sender = {m.from_email: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    bandung_digest = by_sender["Kota Bandung <noreply@bagipakai.id>"]
    assert (
        bandung_digest.subject == "[Kota Bandung] Your daily summary: 2 notifications"
    )
    found = links(bandung_digest)
    assert f"http://{BANDUNG_HOST}/dashboard/" in found
    assert f"http://{BANDUNG_HOST}/dashboard/members/" in found
    tangerang_digest = by_sender["Kota Tangerang <noreply@bagipakai.id>"]
    assert f"http://{TANGERANG_HOST}/dashboard/" in links(tangerang_digest)
    for url in found:
        assert follow(url, user).status_code == 200, url
    assert not Notification.objects.filter(emailed_at=None).exists()
    # The next day's run has nothing left to send.
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(now=timezone.now() + timedelta(days=1)) == 0
    assert len(mail.outbox) == 2


def test_the_digest_leaves_what_came_after_its_time_for_the_next_one(
    bandung, django_capture_on_commit_callbacks
):
    user = make_user("staf@bandung.test", tenant=bandung)
    Membership.objects.filter(user=user).update(email_delivery="digest")
    send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(now=timezone.now() - timedelta(minutes=5)) == 0
    assert mail.outbox == []


def test_the_digest_is_a_periodic_job():
    [job] = [job for job in periodic_jobs() if job.name == "notifications_digest"]
    assert job.func == "tenants.notifications.digest_job"


def test_the_digest_in_indonesian(bandung, django_capture_on_commit_callbacks):
    user = make_user("staf@bandung.test", tenant=bandung, language="id")
    Membership.objects.filter(user=user).update(email_delivery="digest")
    send(django_capture_on_commit_callbacks, recipients=[user], tenant=bandung)
    with django_capture_on_commit_callbacks(execute=True):
        digest_send(now=timezone.now() + timedelta(minutes=1))
    [message] = mail.outbox
    assert message.subject == "[Kota Bandung] Ringkasan harian Anda: 1 notifikasi"
    assert "Notifikasi" in message.body


# --- the log page --------------------------------------------------------------------


def make_rows(user, tenant, n: int, **extra) -> list[Notification]:
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            user=user,
            tenant=tenant,
            kind="test",
            subject=f"Subject {i}",
            sentence=f"Sentence {i}",
            url=f"http://{BANDUNG_HOST}/dashboard/",
            created_at=now - timedelta(minutes=i),
            **extra,
        )
        for i in range(n)
    )


def test_the_log_shows_unread_first_and_only_this_tenants_and_users(
    bandung, tangerang, bandung_admin
):
    other = make_user("lain@bandung.test", tenant=bandung)
    read = make_rows(bandung_admin, bandung, 1, read_at=timezone.now())[0]
    read.subject = "Already read"
    read.created_at = timezone.now()
    read.save()
    make_rows(bandung_admin, bandung, 2)
    Notification.objects.create(
        user=bandung_admin,
        tenant=tangerang,
        kind="t",
        subject="From Tangerang",
        sentence="x",
        url="http://tangerang.localhost/",
    )
    Notification.objects.create(
        user=other,
        tenant=bandung,
        kind="t",
        subject="Someone else's",
        sentence="x",
        url="http://bandung.localhost/",
    )
    Notification.objects.create(
        user=bandung_admin,
        tenant=None,
        kind="t",
        subject="From the platform",
        sentence="x",
        url="http://localhost/",
    )
    html = (
        host_client(BANDUNG_HOST, bandung_admin)
        .get("/dashboard/notifications/")
        .content.decode()
    )
    assert (
        html.index("Subject 0") < html.index("Subject 1") < html.index("Already read")
    )
    for absent in ("From Tangerang", "Someone else", "From the platform"):
        assert absent not in html
    assert unread_count(bandung_admin, bandung) == 2
    assert unread_count(bandung_admin, tangerang) == 1
    assert unread_count(bandung_admin, None) == 1
    platform_html = (
        host_client(PLATFORM_HOST, bandung_admin)
        .get("/dashboard/notifications/")
        .content.decode()
    )
    assert "From the platform" in platform_html and "Subject 0" not in platform_html


def test_the_header_shows_the_unread_count(bandung, bandung_admin):
    client = host_client(BANDUNG_HOST, bandung_admin)
    assert 'class="badge badge-count"' not in client.get("/dashboard/").content.decode()
    make_rows(bandung_admin, bandung, 3)
    html = client.get("/dashboard/").content.decode()
    assert 'class="badge badge-count">3<' in html
    assert 'href="/dashboard/notifications/"' in html


def test_opening_marks_read_and_redirects_to_the_stored_link(bandung, bandung_admin):
    row = make_rows(bandung_admin, bandung, 1)[0]
    client = host_client(BANDUNG_HOST, bandung_admin)
    response = client.get(f"/dashboard/notifications/{row.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"http://{BANDUNG_HOST}/dashboard/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_opening_goes_to_the_tenants_host_as_it_is_now(bandung, bandung_admin):
    """A link stored for a host the tenant no longer answers on (restored
    elsewhere, or given another domain) still leads to the page on its host."""
    (row,) = make_rows(bandung_admin, bandung, 1)
    Notification.objects.filter(pk=row.pk).update(
        url="https://old-platform.example/grants/staff/?page=2"
    )
    client = host_client(BANDUNG_HOST, bandung_admin)
    response = client.get(f"/dashboard/notifications/{row.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"http://{BANDUNG_HOST}/grants/staff/?page=2"


def test_another_users_or_tenants_notification_is_404(
    bandung, tangerang, bandung_admin
):
    other = make_user("lain@bandung.test", tenant=bandung)
    theirs = make_rows(other, bandung, 1)[0]
    elsewhere = make_rows(bandung_admin, tangerang, 1)[0]
    client = host_client(BANDUNG_HOST, bandung_admin)
    for row in (theirs, elsewhere):
        assert client.get(f"/dashboard/notifications/{row.pk}/open/").status_code == 404
        assert (
            client.post(f"/dashboard/notifications/{row.pk}/read/").status_code == 404
        )
    assert (
        client.get("/dashboard/notifications/99999999999999999999/open/").status_code
        == 404
    )
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_mark_one_and_all_read_are_posts(bandung, bandung_admin):
    rows = make_rows(bandung_admin, bandung, 3)
    client = host_client(BANDUNG_HOST, bandung_admin)
    assert client.get(f"/dashboard/notifications/{rows[0].pk}/read/").status_code == 405
    assert (
        client.post(f"/dashboard/notifications/{rows[0].pk}/read/").status_code == 302
    )
    assert unread_count(bandung_admin, bandung) == 2
    assert client.get("/dashboard/notifications/read/").status_code == 405
    assert client.post("/dashboard/notifications/read/").status_code == 302
    assert unread_count(bandung_admin, bandung) == 0


def test_marking_read_needs_the_csrf_token(bandung, bandung_admin):
    rows = make_rows(bandung_admin, bandung, 1)
    client = Client(HTTP_HOST=BANDUNG_HOST, enforce_csrf_checks=True)
    client.force_login(bandung_admin)
    assert (
        client.post(f"/dashboard/notifications/{rows[0].pk}/read/").status_code == 403
    )
    assert client.post("/dashboard/notifications/read/").status_code == 403
    assert unread_count(bandung_admin, bandung) == 1


def test_anonymous_visitors_are_sent_to_sign_in(bandung, platform):
    for host in (BANDUNG_HOST, PLATFORM_HOST):
        response = Client(HTTP_HOST=host).get("/dashboard/notifications/")
        assert (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        )


def test_a_signed_in_non_member_sees_their_own_log_without_the_email_choice(bandung):
    applicant = make_user("pemohon@example.id")
    make_rows(applicant, bandung, 1)
    client = host_client(BANDUNG_HOST, applicant)
    html = client.get("/dashboard/notifications/").content.decode()
    assert "Subject 0" in html and "email_delivery" not in html
    response = client.post(
        "/dashboard/notifications/preferences/",
        {"email_delivery": "digest"},
        follow=True,
    )
    assert "Only members" in response.content.decode()


def test_members_choose_immediate_or_digest(bandung, bandung_admin):
    client = host_client(BANDUNG_HOST, bandung_admin)
    html = client.get("/dashboard/notifications/").content.decode()
    assert 'name="email_delivery"' in html and "Once a day" in html
    client.post("/dashboard/notifications/preferences/", {"email_delivery": "digest"})
    assert Membership.objects.get(user=bandung_admin).email_delivery == "digest"
    response = client.post(
        "/dashboard/notifications/preferences/",
        {"email_delivery": "<script>"},
        follow=True,
    )
    assert response.status_code == 200 and "Choose one of the options" in (
        response.content.decode()
    )
    assert Membership.objects.get(user=bandung_admin).email_delivery == "digest"


def test_the_log_has_pinned_queries(bandung, bandung_admin):
    client = host_client(BANDUNG_HOST, bandung_admin)
    client.get("/dashboard/notifications/")
    make_rows(bandung_admin, bandung, 5)
    # Session, user, membership, the hosted apps' menu, the page's unread count,
    # the paginator's count, one page of rows, the header's unread count and
    # its to-do counter.
    with assert_statements(9):
        assert client.get("/dashboard/notifications/").status_code == 200
    make_rows(bandung_admin, bandung, 40)
    with assert_statements(9):
        html = client.get("/dashboard/notifications/").content.decode()
    assert "Page 1 of 2" in html


def test_the_platform_log_has_pinned_queries(platform):
    user = make_user("warga@example.id")
    Notification.objects.bulk_create(
        Notification(
            user=user, tenant=None, kind="t", subject=f"S{i}", sentence="x", url="/"
        )
        for i in range(35)
    )
    client = host_client(PLATFORM_HOST, user)
    client.get("/dashboard/notifications/")
    # Session, user, the page's unread count, the paginator's count, one page
    # of rows, the header's unread count.
    with assert_statements(6):
        assert client.get("/dashboard/notifications/?page=2").status_code == 200


# --- converted e-mails: links that work, in the right language ----------------------


def test_an_invitation_links_to_the_primary_domain_in_the_invitees_language(
    bandung, bandung_admin, settings
):
    """Sent from a custom (not primary) domain, the link still names the primary
    one; a person who already has an account gets it in their language and log."""
    settings.ALLOWED_HOSTS = ["*"]
    Domain.objects.create(
        domain="hibah.bandung.example", tenant=bandung, is_primary=False
    )
    invitee = make_user("budi@example.id", language="en")
    client = host_client("hibah.bandung.example", bandung_admin)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/dashboard/members/invite/", {"email": "budi@example.id", "role": "staff"}
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert (
        message.subject == "[Kota Bandung] Invitation to join Kota Bandung on BagiPakai"
    )
    assert "invited you to join Kota Bandung on BagiPakai as Staff" in message.body
    (link,) = [u for u in links(message) if "/invitations/" in u]
    assert link.startswith(f"http://{BANDUNG_HOST}/invitations/")
    page = follow(link, invitee)
    assert page.status_code == 200
    assert Notification.objects.get(user=invitee).kind == "invitation"


def test_an_invitation_to_a_new_address_is_in_the_inviters_language(
    bandung, bandung_admin
):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        host_client(BANDUNG_HOST, bandung_admin, language="id").post(
            "/dashboard/members/invite/", {"email": "baru@example.id", "role": "staff"}
        )
    [message] = mail.outbox
    assert "mengundang Anda bergabung dengan Kota Bandung" in message.body
    (link,) = [u for u in links(message) if "/invitations/" in u]
    assert follow(link).status_code == 200
    assert not Notification.objects.exists()


def test_operators_get_verification_requests_in_their_own_language(
    bandung, bandung_admin, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    from tenants.models import VerificationRequest
    from tenants.services import _notify_operators

    english = make_user("en@bagipakai.test", is_staff=True, language="en")
    indonesian = make_user("id@bagipakai.test", is_staff=True, language="id")
    permission = Permission.objects.get(codename="verify_tenant")
    for user in (english, indonesian):
        user.user_permissions.add(permission)
    request = VerificationRequest.objects.create(
        tenant=bandung, requested_by=bandung_admin, requested_by_label="admin"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _notify_operators(request)
    by_to = {m.to[0]: m for m in mail.outbox}
    assert by_to["en@bagipakai.test"].subject == (
        "[BagiPakai] Verification requested: Kota Bandung"
    )
    assert "meminta verifikasi" in by_to["id@bagipakai.test"].body
    for message in mail.outbox:
        (link,) = [u for u in links(message) if "/operator/" in u]
        assert link == f"http://{PLATFORM_HOST}/operator/verification/{request.pk}/"
    assert follow(link, english).status_code == 200


def test_a_translation_with_a_wrong_placeholder_falls_back_to_the_source(
    bandung, django_capture_on_commit_callbacks
):
    from django.utils.functional import lazy
    from django.utils.translation import get_language

    def text():
        return "Halo %(nama)s" if get_language() == "id" else "Hello %(name)s"

    user = make_user("staf@bandung.test", tenant=bandung, language="id")
    count = send(
        django_capture_on_commit_callbacks,
        recipients=[user],
        tenant=bandung,
        subject=lazy(text, str)(),
        params={"name": "Budi"},
    )
    assert count == 1
    assert mail.outbox[0].subject == "[Kota Bandung] Hello Budi"
