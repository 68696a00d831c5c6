"""POST /billing/stripe/webhook/: signed, applied exactly once, in any order."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.entitlements import plan_for
from billing.models import StripeEvent, Subscription
from tests.conftest import PLATFORM_HOST, host_client

from .conftest import (
    WEBHOOK_PATH,
    checkout_session,
    event,
    invoice,
    post_event,
    serve_subscription,
    sign,
    stripe_subscription,
    subscription_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(bandung, stripe_fake):
    """Bandung after checkout started: its Stripe customer is known, no plan yet."""
    Subscription.objects.filter(tenant=bandung).update(stripe_customer_id="cus_1")
    return bandung


def test_checkout_completed_puts_the_tenant_on_the_paid_plan(customer, stripe_fake):
    period_end = int(time.time()) + 30 * 86400
    serve_subscription(
        stripe_fake, stripe_subscription(customer, period_end=period_end)
    )
    response = post_event(
        event("checkout.session.completed", checkout_session(customer), id="evt_cs")
    )
    assert response.status_code == 200
    row = subscription_of(customer)
    assert (row.plan, row.interval, row.status) == ("unlimited", "month", "active")
    assert (row.stripe_customer_id, row.stripe_subscription_id) == ("cus_1", "sub_1")
    assert int(row.current_period_end.timestamp()) == period_end
    assert plan_for(customer).key == "unlimited"
    # The plan came from Stripe's own copy of the subscription, not the session.
    assert len(stripe_fake.calls("GET", "/v1/subscriptions/sub_1")) == 1
    logged = StripeEvent.objects.get(event_id="evt_cs")
    assert logged.type == "checkout.session.completed"
    assert logged.subscription == row and logged.object_id == "cs_test_1"
    assert "active" in logged.summary


def test_checkout_completed_finds_the_tenant_by_its_reference(bandung, stripe_fake):
    """The session may be the first event about a customer: client_reference_id says whose."""
    serve_subscription(stripe_fake, stripe_subscription(bandung, customer="cus_new"))
    post_event(
        event(
            "checkout.session.completed", checkout_session(bandung, customer="cus_new")
        )
    )
    row = subscription_of(bandung)
    assert (row.stripe_customer_id, row.status) == ("cus_new", "active")


@pytest.mark.parametrize(
    "type", ["customer.subscription.created", "customer.subscription.updated"]
)
def test_subscription_created_and_updated_mirror_stripe(customer, stripe_fake, type):
    current = stripe_subscription(customer, price="price_unlimited_year")
    serve_subscription(stripe_fake, current)
    assert post_event(event(type, current)).status_code == 200
    row = subscription_of(customer)
    assert (row.plan, row.interval, row.status) == ("unlimited", "year", "active")
    assert StripeEvent.objects.filter(type=type, subscription=row).count() == 1


def test_cancellation_at_period_end_is_shown_and_the_plan_lasts(customer, stripe_fake):
    current = stripe_subscription(customer, cancel_at_period_end=True)
    serve_subscription(stripe_fake, current)
    post_event(event("customer.subscription.updated", current))
    row = subscription_of(customer)
    assert row.cancel_at_period_end and row.status == "active"
    assert plan_for(customer).key == "unlimited"
    html = (
        host_client("bandung.localhost", _admin(customer))
        .get("/billing/")
        .content.decode()
    )
    assert "Ends on" in html


def _admin(tenant):
    from tests.factories import make_user

    return make_user(f"admin@{tenant.slug}.test", tenant=tenant, role="admin")


def test_subscription_deleted_returns_to_free_limits_and_deletes_nothing(
    customer, stripe_fake
):
    serve_subscription(stripe_fake, stripe_subscription(customer))
    post_event(event("customer.subscription.created", stripe_subscription(customer)))
    members_before = customer.memberships.count()
    ended = stripe_subscription(customer, status="canceled")
    response = post_event(event("customer.subscription.deleted", ended))
    assert response.status_code == 200
    row = subscription_of(customer)
    assert row.status == "canceled"
    assert plan_for(customer).key == "free"
    assert customer.memberships.count() == members_before
    # A deleted subscription is final; no need to ask Stripe again.
    assert len(stripe_fake.calls("GET", "/v1/subscriptions/sub_1")) == 1


def test_invoice_paid_keeps_the_plan_and_ends_a_grace_period(customer, stripe_fake):
    Subscription.objects.filter(tenant=customer).update(
        plan="unlimited",
        status="past_due",
        stripe_subscription_id="sub_1",
        grace_until=timezone.now() + timedelta(days=3),
    )
    serve_subscription(stripe_fake, stripe_subscription(customer, status="active"))
    assert post_event(event("invoice.paid", invoice(customer))).status_code == 200
    row = subscription_of(customer)
    assert (row.status, row.grace_until) == ("active", None)
    assert plan_for(customer).key == "unlimited"


def test_payment_failure_starts_a_grace_period_then_free_limits(
    customer, stripe_fake, settings
):
    settings.BILLING_GRACE_DAYS = 7
    serve_subscription(stripe_fake, stripe_subscription(customer))
    post_event(event("customer.subscription.created", stripe_subscription(customer)))
    serve_subscription(stripe_fake, stripe_subscription(customer, status="past_due"))
    failed_at = int(time.time())
    response = post_event(
        event(
            "invoice.payment_failed",
            invoice(customer, status="open"),
            created=failed_at,
        )
    )
    assert response.status_code == 200
    row = subscription_of(customer)
    assert row.status == "past_due"
    assert int(row.grace_until.timestamp()) == failed_at + 7 * 86400
    # During the grace period the paid plan's limits still apply...
    assert plan_for(customer).key == "unlimited"
    # ...a second failure (Stripe retries the charge) does not extend it...
    post_event(
        event(
            "invoice.payment_failed",
            invoice(customer, status="open"),
            created=failed_at + 3 * 86400,
        )
    )
    assert subscription_of(customer).grace_until == row.grace_until
    # ...and once it is over the free plan's limits apply; nothing is deleted.
    Subscription.objects.filter(tenant=customer).update(
        grace_until=timezone.now() - timedelta(minutes=1)
    )
    assert plan_for(customer).key == "free"
    assert Subscription.objects.filter(tenant=customer).exists()


def test_wrong_signature_is_refused_and_changes_nothing(customer, stripe_fake):
    serve_subscription(stripe_fake, stripe_subscription(customer))
    evt = event("customer.subscription.created", stripe_subscription(customer))
    response = post_event(evt, secret="whsec_someone_else")
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert subscription_of(customer).status == ""
    assert stripe_fake.requests == []


def test_missing_signature_is_refused(customer, stripe_fake):
    evt = event("customer.subscription.created", stripe_subscription(customer))
    assert post_event(evt, signature="").status_code == 400
    assert post_event(evt, signature="garbage").status_code == 400
    assert not StripeEvent.objects.exists()


def test_stale_timestamp_is_refused(customer, stripe_fake):
    """A correctly signed but old delivery (a replay by someone who captured it)."""
    evt = event("customer.subscription.created", stripe_subscription(customer))
    response = post_event(evt, timestamp=int(time.time()) - 3600)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_tampered_payload_is_refused(customer, stripe_fake):
    payload = json.dumps(
        event("customer.subscription.created", stripe_subscription(customer))
    )
    signature = sign(payload)
    tampered = payload.replace('"status": "active"', '"status": "trialing"')
    response = host_client(PLATFORM_HOST).post(
        WEBHOOK_PATH,
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_replayed_delivery_answers_200_and_changes_nothing(customer, stripe_fake):
    serve_subscription(stripe_fake, stripe_subscription(customer))
    evt = event("customer.subscription.updated", stripe_subscription(customer))
    assert post_event(evt).status_code == 200
    before = subscription_of(customer)
    # Stripe's state moved on; a replay of the old event must not apply anything.
    serve_subscription(stripe_fake, stripe_subscription(customer, status="canceled"))
    calls = len(stripe_fake.requests)
    response = post_event(evt)
    assert response.status_code == 200
    assert response.content == b"duplicate"
    after = subscription_of(customer)
    assert (after.status, after.updated_at) == ("active", before.updated_at)
    assert StripeEvent.objects.filter(event_id=evt["id"]).count() == 1
    assert len(stripe_fake.requests) == calls


def test_updated_before_created_ends_in_stripes_current_state(customer, stripe_fake):
    """Out of order: the later "updated" arrives first; the older "created" (whose
    copy still says incomplete) must not take the tenant back."""
    incomplete = stripe_subscription(customer, status="incomplete")
    active = stripe_subscription(customer, status="active")
    serve_subscription(stripe_fake, active)
    now = int(time.time())
    assert (
        post_event(
            event("customer.subscription.updated", active, created=now)
        ).status_code
        == 200
    )
    assert (
        post_event(
            event("customer.subscription.created", incomplete, created=now - 5)
        ).status_code
        == 200
    )
    row = subscription_of(customer)
    assert row.status == "active"
    assert plan_for(customer).key == "unlimited"
    assert StripeEvent.objects.filter(subscription=row).count() == 2


def test_late_event_about_an_old_subscription_leaves_the_current_one(
    customer, stripe_fake
):
    serve_subscription(stripe_fake, stripe_subscription(customer, id="sub_new"))
    post_event(
        event(
            "customer.subscription.created",
            stripe_subscription(customer, id="sub_new"),
        )
    )
    old = stripe_subscription(customer, id="sub_old", status="canceled")
    assert post_event(event("customer.subscription.deleted", old)).status_code == 200
    row = subscription_of(customer)
    assert (row.stripe_subscription_id, row.status) == ("sub_new", "active")
    assert "ignored" in StripeEvent.objects.get(object_id="sub_old").summary


def test_failing_handler_rolls_back_its_record_and_the_retry_is_processed(
    customer, stripe_fake
):
    stripe_fake.routes[("GET", "/v1/subscriptions/sub_1")] = (
        400,
        {"error": {"type": "invalid_request_error", "message": "try later"}},
    )
    evt = event("customer.subscription.created", stripe_subscription(customer))
    assert post_event(evt).status_code == 500
    assert not StripeEvent.objects.filter(event_id=evt["id"]).exists()
    assert subscription_of(customer).status == ""
    # Stripe retries the same event later; now it goes through.
    serve_subscription(stripe_fake, stripe_subscription(customer))
    assert post_event(evt).status_code == 200
    assert subscription_of(customer).status == "active"
    assert StripeEvent.objects.filter(event_id=evt["id"]).count() == 1


def test_unknown_event_types_are_ignored_with_200(customer, stripe_fake):
    response = post_event(
        event("customer.created", {"id": "cus_1", "object": "customer"})
    )
    assert response.status_code == 200
    assert response.content == b"ignored"
    assert not StripeEvent.objects.exists()
    assert stripe_fake.requests == []


def test_event_for_nobody_is_recorded_and_changes_nothing(bandung, stripe_fake):
    stranger = {
        **stripe_subscription(bandung, customer="cus_unknown"),
        "metadata": {},
    }
    response = post_event(event("customer.subscription.updated", stranger))
    assert response.status_code == 200
    assert StripeEvent.objects.get().subscription is None
    assert subscription_of(bandung).status == ""


def test_non_json_body_with_valid_signature_is_a_400(customer, stripe_fake):
    response = host_client(PLATFORM_HOST).post(
        WEBHOOK_PATH,
        data="not json",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign("not json"),
    )
    assert response.status_code == 400


def test_webhook_only_accepts_post_on_the_platform_host(customer, stripe_fake):
    assert host_client(PLATFORM_HOST).get(WEBHOOK_PATH).status_code == 405
    evt = event("customer.subscription.created", stripe_subscription(customer))
    payload = json.dumps(evt)
    response = host_client("bandung.localhost").post(
        WEBHOOK_PATH,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
    assert response.status_code == 404
    assert not StripeEvent.objects.exists()


def test_webhook_with_billing_off_is_refused_without_reaching_stripe(
    bandung, no_stripe
):
    evt = event("customer.subscription.created", stripe_subscription(bandung))
    assert post_event(evt).status_code == 400
    assert not StripeEvent.objects.exists()


def test_future_timestamp_beyond_the_tolerance_is_refused(customer, stripe_fake):
    """Stripe's library refuses only old timestamps; one from the future would
    stay replayable for as long as it is ahead."""
    evt = event("customer.subscription.created", stripe_subscription(customer))
    response = post_event(evt, timestamp=int(time.time()) + 3600)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert stripe_fake.requests == []
    # A clock a little ahead (within five minutes) is still fine.
    serve_subscription(stripe_fake, stripe_subscription(customer))
    assert post_event(evt, timestamp=int(time.time()) + 60).status_code == 200


def _malformed(customer):
    sub = stripe_subscription(customer)
    yield "no data", {k: v for k, v in event("invoice.paid", {}).items() if k != "data"}
    yield "object is a list", event("customer.subscription.updated", [sub])
    yield "id is a number", {**event("invoice.paid", {}), "id": 42}
    yield "subscription without id", event(
        "customer.subscription.created", {k: v for k, v in sub.items() if k != "id"}
    )
    yield "wrong object kind", event(
        "customer.subscription.created", {**sub, "object": "invoice"}
    )
    yield "customer is a number", event(
        "customer.subscription.updated", {**sub, "customer": 12345}
    )
    yield "items are a string", event(
        "customer.subscription.updated", {**sub, "items": "all of them"}
    )
    yield "metadata values are objects", event(
        "customer.subscription.updated", {**sub, "metadata": {"tenant_id": {"x": 1}}}
    )
    yield "session reference is a list", event(
        "checkout.session.completed",
        {**checkout_session(customer), "client_reference_id": [1, 2]},
    )
    yield "invoice parent is a string", event(
        "invoice.paid", {**invoice(customer), "parent": "sub_1"}
    )
    yield "negative created", {**event("invoice.paid", invoice(customer)), "created": -5}


def test_signed_but_malformed_events_are_a_400_and_change_nothing(
    customer, stripe_fake
):
    serve_subscription(stripe_fake, stripe_subscription(customer))
    before = subscription_of(customer).status
    for label, evt in _malformed(customer):
        response = post_event(evt)
        assert response.status_code == 400, label
    assert not StripeEvent.objects.exists()
    assert subscription_of(customer).status == before
    assert stripe_fake.requests == []
