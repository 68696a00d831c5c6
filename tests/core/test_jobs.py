"""Background jobs: queued e-mail is deferred in the caller's transaction,
delivered by the worker, and retried on failure without failing the caller."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django_q.models import OrmQ, Schedule, Task

from core.jobs import jobs_run_pending, periodic_jobs, periodic_sync
from core.mail import message_restore, message_serialise

QUEUED = "core.mail.QueuedEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class Refused(Exception):
    pass


class FailingBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise Refused("connection refused")

    def open(self):
        pass

    def close(self):
        pass


@pytest.fixture
def queued(settings):
    settings.EMAIL_BACKEND = QUEUED
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    return settings


@pytest.mark.django_db
def test_queued_mail_is_a_job_in_the_same_transaction(queued):
    with transaction.atomic():
        assert send_mail("Halo", "Isi pesan", None, ["a@example.test"]) == 1
        assert OrmQ.objects.count() == 1
    assert mail.outbox == []  # nothing sent by the action itself


@pytest.mark.django_db
def test_nothing_is_queued_when_the_transaction_rolls_back(queued):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        send_mail("Halo", "Isi pesan", None, ["a@example.test"])
        raise Boom
    assert OrmQ.objects.count() == 0


@pytest.mark.django_db
def test_running_the_worker_delivers_the_message(queued):
    message = EmailMultiAlternatives(
        "Persetujuan",
        "Teks",
        "noreply@example.test",
        ["a@example.test"],
        cc=["b@example.test"],
        headers={"X-Ref": "42"},
    )
    message.attach_alternative("<p>HTML</p>", "text/html")
    message.attach("head.json", '{"seq": 1}', "application/json")
    with transaction.atomic():
        message.send()
    assert jobs_run_pending() == 1
    assert OrmQ.objects.count() == 0
    [delivered] = mail.outbox
    assert delivered.subject == "Persetujuan" and delivered.to == ["a@example.test"]
    assert (
        delivered.cc == ["b@example.test"] and delivered.extra_headers["X-Ref"] == "42"
    )
    assert delivered.alternatives[0][1] == "text/html"
    assert delivered.attachments[0][0] == "head.json"
    assert Task.objects.get().success


@pytest.mark.django_db
def test_failed_delivery_is_retried_and_never_reaches_the_caller(queued, settings):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.FailingBackend"
    send_mail("Halo", "Isi", None, ["a@example.test"])  # does not raise
    assert jobs_run_pending() == 1
    task = Task.objects.get()
    assert not task.success and "connection refused" in task.result
    retry = Schedule.objects.get(func="core.tasks.email_deliver")
    assert retry.schedule_type == Schedule.ONCE and "'attempt': 2" in retry.kwargs
    assert mail.outbox == []


@pytest.mark.django_db
def test_last_attempt_gives_up_without_another_retry(queued, settings):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.FailingBackend"
    from core.tasks import email_deliver

    with pytest.raises(Refused):
        email_deliver(
            message=message_serialise(
                EmailMultiAlternatives("S", "B", "x@example.test", ["a@example.test"])
            ),
            attempt=settings.EMAIL_DELIVERY_ATTEMPTS,
        )
    assert not Schedule.objects.filter(func="core.tasks.email_deliver").exists()


def test_serialised_message_round_trips():
    original = EmailMultiAlternatives(
        "Subjek é",
        "Isi",
        "a@example.test",
        ["b@example.test"],
        bcc=["c@example.test"],
        reply_to=["d@example.test"],
    )
    restored = message_restore(message_serialise(original))
    assert restored.subject == "Subjek é" and restored.bcc == ["c@example.test"]
    assert restored.reply_to == ["d@example.test"]


@pytest.mark.django_db
def test_periodic_jobs_are_written_as_schedules():
    names = {job.name for job in periodic_jobs()}
    assert {"chains_anchor", "chain_heads_mail"} <= names
    periodic_sync()
    periodic_sync()  # idempotent
    anchor = Schedule.objects.get(name="chains_anchor")
    assert anchor.func == "tenants.tasks.chains_anchor_job"
    assert anchor.schedule_type == Schedule.CRON and anchor.cron == "5 * * * *"
    assert Schedule.objects.filter(name="chains_anchor").count() == 1


@pytest.mark.django_db
def test_queueing_and_running_jobs_leave_public_page_caches_alone():
    from core.pagecache import written_schema

    for table in ("django_q_ormq", "django_q_task", "django_q_schedule"):
        assert written_schema(f'INSERT INTO "{table}" VALUES (1)', "public") is None
        assert written_schema(f'UPDATE "{table}" SET lock = now()', "public") is None
