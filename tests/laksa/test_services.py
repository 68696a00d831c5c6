"""Laksa's services: routing by rule and by hand, answers, deadlines and
escalation on a frozen clock, rating, reopening once, rate limits, the audit chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core import tracking
from core.workflow import NotYourStep, StepNotPossible
from laksa import audit, services
from laksa.models import AuditEvent, Item
from tenants.models import Notification, User
from tests.dbadmin import triggers_disabled

from .conftest import submit

pytestmark = pytest.mark.django_db(transaction=False)


class Clock:
    def __init__(self, monkeypatch, start):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **kwargs):
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, timezone.now().replace(microsecond=0))


def test_a_category_with_a_rule_goes_straight_to_its_opd(
    laksa, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item, secret = submit(
            laksa["roads"], anonymous=False, reporter_email="warga@example.test"
        )
    assert item.status == "routed" and item.opd == laksa["pupr"]
    assert item.due_at == clock.now + timedelta(days=3)
    # Kept beside the address: the language active when it was given.
    assert item.reporter_language == "en"
    assert tracking.code_normalise(item.tracking_code) == item.tracking_code
    assert [e.action for e in AuditEvent.objects.filter(item=item)] == [
        "submit",
        "route_rule",
    ]
    recipients = {tuple(m.to) for m in mail.outbox}
    assert ("warga@example.test",) in recipients
    assert (laksa["people"]["pupr"].email,) in recipients
    citizen_mail = next(m for m in mail.outbox if m.to == ["warga@example.test"])
    assert f"/laksa/track/{item.tracking_code}/?key={secret}" in citizen_mail.body
    assert "http://tangerang.localhost" in citizen_mail.body


@pytest.mark.parametrize("stored", ["", "xx", "id-ID", "EN"])
def test_an_item_without_a_known_language_is_answered_in_the_default_one(
    laksa, django_capture_on_commit_callbacks, stored
):
    """Items from before the language was kept ("") and values the site does not
    speak as they are ("xx") fall back to settings.LANGUAGE_CODE; a variant of a
    language it speaks counts as that language."""
    item, _secret = submit(
        laksa["roads"], anonymous=False, reporter_email="warga@example.test"
    )
    Item.objects.filter(pk=item.pk).update(reporter_language=stored)
    item.refresh_from_db()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        services.item_answer(
            tenant=laksa["tenant"],
            actor_user=laksa["people"]["pupr"],
            item=item,
            answer="Sudah diperbaiki.",
        )
    (message,) = [m for m in mail.outbox if m.to == ["warga@example.test"]]
    expected = "en" if stored == "EN" else "id"
    assert message.extra_headers["Content-Language"] == expected
    assert ("answered your message" in message.body) == (expected == "en")


def test_the_language_is_kept_only_beside_an_address(laksa):
    anonymous, _ = submit(laksa["roads"])
    by_phone, _ = submit(laksa["roads"], anonymous=False, reporter_phone="081234567890")
    assert (anonymous.reporter_language, by_phone.reporter_language) == ("", "")


@pytest.mark.parametrize("language", ["en", "id"])
def test_officers_are_told_in_their_own_language_and_find_it_in_their_log(
    laksa, django_capture_on_commit_callbacks, language
):
    officer = laksa["people"]["pupr"]
    User.objects.filter(pk=officer.pk).update(language=language)
    with django_capture_on_commit_callbacks(execute=True):
        item, _secret = submit(laksa["roads"])
    (message,) = [m for m in mail.outbox if m.to == [officer.email]]
    assert message.extra_headers["Content-Language"] == language
    logged = Notification.objects.get(user=officer, kind="laksa_routed")
    assert logged.subject == message.subject.removeprefix("[Kota Tangerang] ")


def test_without_a_rule_the_router_routes_then_the_opd_answers(laksa, clock):
    people = laksa["people"]
    item, _secret = submit(laksa["other"])
    assert item.status == "received" and item.opd is None
    assert item.due_at == clock.now + timedelta(hours=12)
    with pytest.raises(NotYourStep):
        services.item_route(
            tenant=laksa["tenant"],
            actor_user=people["pupr"],
            item=item,
            opd_id=laksa["dlh"].pk,
        )
    item = services.item_route(
        tenant=laksa["tenant"],
        actor_user=people["router"],
        item=item,
        opd_id=laksa["dlh"].pk,
    )
    assert (item.status, item.opd) == ("routed", laksa["dlh"])
    # Only the OPD it was sent to answers it.
    with pytest.raises(NotYourStep):
        services.item_answer(
            tenant=laksa["tenant"], actor_user=people["pupr"], item=item, answer="x"
        )
    clock.advance(hours=5)
    item = services.item_answer(
        tenant=laksa["tenant"],
        actor_user=people["dlh"],
        item=item,
        answer="Sampah sudah diangkut.",
    )
    assert item.status == "answered" and item.response_hours == 5.0
    with pytest.raises(StepNotPossible):
        services.item_answer(
            tenant=laksa["tenant"], actor_user=people["dlh"], item=item, answer="lagi"
        )


def test_an_opd_returns_an_item_that_is_not_its_own(laksa):
    item, _ = submit(laksa["roads"])
    with pytest.raises(ValidationError):
        services.item_return(
            tenant=laksa["tenant"],
            actor_user=laksa["people"]["pupr"],
            item=item,
            note="",
        )
    item = services.item_return(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        note="Bukan jalan kota.",
    )
    assert (item.status, item.opd) == ("received", None)


def test_overdue_items_escalate_to_supervisors_on_a_frozen_clock(
    laksa, clock, django_capture_on_commit_callbacks
):
    people = laksa["people"]
    late, _ = submit(laksa["roads"])  # 3 days
    fresh, _ = submit(laksa["other"])  # 12 hours
    clock.advance(hours=13)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.items_escalate() == 1
    assert Item.objects.get(pk=fresh.pk).status == "escalated"
    assert Item.objects.get(pk=late.pk).status == "routed"
    assert [m.to for m in mail.outbox if "/laksa/staff/?queue=escalated" in m.body] == [
        [people["supervisor"].email]
    ]
    assert "/laksa/staff/?queue=escalated" in mail.outbox[-1].body
    # Nothing new is late: a second run escalates nothing.
    assert services.items_escalate() == 0
    clock.advance(days=3)
    assert services.items_escalate() == 1
    # The supervisor sends it to an OPD with a new deadline; the OPD answers it.
    escalated = Item.objects.get(pk=fresh.pk)
    with pytest.raises(NotYourStep):
        services.item_route(
            tenant=laksa["tenant"],
            actor_user=people["router"],
            item=escalated,
            opd_id=laksa["dlh"].pk,
            action="reassign",
        )
    item = services.item_route(
        tenant=laksa["tenant"],
        actor_user=people["supervisor"],
        item=escalated,
        opd_id=laksa["dlh"].pk,
        action="reassign",
    )
    assert item.status == "routed" and item.due_at == clock.now + timedelta(hours=12)


def test_the_escalation_job_is_registered_and_runs_in_every_tenant_with_laksa(
    laksa, clock
):
    from core.jobs import periodic_jobs

    job = {j.name: j for j in periodic_jobs()}["laksa_escalate"]
    assert job.func == "laksa.services.items_escalate_all"
    submit(laksa["other"])
    clock.advance(days=1)
    assert services.items_escalate_all() == 1


def _answered(laksa, **fields):
    item, secret = submit(laksa["roads"], **fields)
    item = services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Sudah ditambal.",
    )
    return item, secret


def test_the_citizen_rates_with_the_key_and_the_item_closes(laksa):
    item, secret = _answered(laksa)
    with pytest.raises(PermissionDenied):
        services.item_rate(item=item, secret="WRONGKEY", rating=5)
    with pytest.raises(ValidationError):
        services.item_rate(item=item, secret=secret, rating=9)
    item = services.item_rate(
        item=item, secret=secret.lower(), rating=4, comment="Cepat"
    )
    assert (item.status, item.rating, item.closed_at is not None) == ("closed", 4, True)
    with pytest.raises(StepNotPossible):
        services.item_reopen(item=item, secret=secret, reason="lagi")


def test_the_citizen_reopens_once_and_only_once(laksa, clock):
    item, secret = _answered(laksa)
    clock.advance(days=1)
    item = services.item_reopen(
        item=item, secret=secret, reason="Lubangnya muncul lagi."
    )
    assert (item.status, item.reopened, item.opd) == ("routed", True, laksa["pupr"])
    assert item.due_at == clock.now + timedelta(days=3)
    item = services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Diperbaiki permanen.",
    )
    with pytest.raises(ValidationError, match="already reopened"):
        services.item_reopen(item=item, secret=secret, reason="Masih rusak.")
    assert services.item_rate(item=item, secret=secret, rating=3).status == "closed"


def test_the_router_dismisses_spam_with_a_public_reason(laksa):
    item, _ = submit(laksa["other"])
    item = services.item_dismiss(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["router"],
        item=item,
        note="Pesan ganda.",
    )
    assert item.status == "closed"
    assert AuditEvent.objects.filter(item=item).last().note == "Pesan ganda."


def test_a_sender_is_limited_per_hour(laksa):
    for _i in range(services.ITEMS_PER_HOUR):
        submit(laksa["roads"], client_ip="198.51.100.7")
    with pytest.raises(ValidationError) as refused:
        submit(laksa["roads"], client_ip="198.51.100.7")
    assert refused.value.code == tracking.RATE_LIMITED
    submit(laksa["roads"], client_ip="198.51.100.8")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"description": "   "}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"category_id": "x"}, "category"),
        ({"kind": "other"}, "kind"),
        ({"kecamatan_code": "99.99.99"}, "kecamatan_code"),
        ({"anonymous": False}, "reporter_name"),
        ({"anonymous": False, "reporter_email": "not-mail"}, "reporter_email"),
        ({"anonymous": False, "reporter_phone": "12ab"}, "reporter_phone"),
    ],
)
def test_bad_input_gets_a_message_per_field(laksa, fields, field):
    with pytest.raises(ValidationError) as refused:
        submit(laksa["roads"], **fields)
    assert field in refused.value.message_dict
    assert not Item.objects.exists()


def test_anonymous_items_keep_no_contact(laksa):
    item, _ = submit(
        laksa["roads"],
        anonymous=True,
        reporter_name="Budi",
        reporter_email="b@example.test",
    )
    assert (item.reporter_name, item.reporter_email) == ("", "")


def test_the_photo_is_stored_without_its_location(laksa):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 10.0, 0.0)}  # GPSInfo: a latitude
    exif[0x010F] = "KameraMerek"
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    assert b"KameraMerek" in raw.getvalue()
    upload = SimpleUploadedFile(
        "rumah saya.jpg", raw.getvalue(), content_type="image/jpeg"
    )
    item, _ = submit(laksa["roads"], photo=upload)
    stored = item.photo.read()
    assert b"KameraMerek" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    not_a_photo = SimpleUploadedFile(
        "x.jpg", b"%PDF-1.4 nope", content_type="image/jpeg"
    )
    with pytest.raises(ValidationError) as refused:
        submit(laksa["roads"], photo=not_a_photo)
    assert "photo" in refused.value.message_dict


def test_the_audit_chain_verifies_and_detects_tampering(laksa):
    from django.db import DatabaseError, connection, transaction

    item, secret = _answered(laksa)
    services.item_rate(item=item, secret=secret, rating=5)
    report = audit.verify_stored()
    assert report.ok and report.events == 4
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(note="diubah")
    # Someone with the table owner's rights drops the trigger and rewrites history.
    with triggers_disabled("laksa_auditevent"), connection.cursor() as cursor:
        cursor.execute("UPDATE laksa_auditevent SET note = 'diubah' WHERE seq = 3")
    report = audit.verify_stored()
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_guessing_the_key_stops_after_ten_tries(laksa):
    item, secret = _answered(laksa)
    for _i in range(tracking.KEY_TRIES):
        with pytest.raises(PermissionDenied):
            services.item_rate(item=item, secret="GUESS234", rating=5)
    with pytest.raises(ValidationError) as refused:
        services.item_rate(item=item, secret=secret, rating=5)
    assert refused.value.code == tracking.RATE_LIMITED
