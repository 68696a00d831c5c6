"""Choosing a plan (Stripe Checkout) and managing it (Customer Portal), admins only."""

from __future__ import annotations

import pytest

from billing.models import StripeEvent, Subscription
from tests.conftest import BANDUNG_HOST, host_client
from tests.factories import make_user

from .conftest import (
    PRICE_MONTHLY,
    PRICE_YEARLY,
    SECRET_KEY,
    checkout_session,
    event,
    post_event,
    serve_subscription,
    stripe_subscription,
    subscription_of,
)

pytestmark = pytest.mark.django_db

BILLING_PAGES = [
    "/billing/",
    "/billing/checkout/",
    "/billing/portal/",
    "/billing/success/",
]


@pytest.fixture
def stripe_answers(stripe_fake):
    stripe_fake.routes[("POST", "/v1/customers")] = (
        200,
        {"id": "cus_1", "object": "customer"},
    )
    stripe_fake.routes[("POST", "/v1/checkout/sessions")] = (
        200,
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_test_1",
        },
    )
    stripe_fake.routes[("POST", "/v1/billing_portal/sessions")] = (
        200,
        {
            "id": "bps_1",
            "object": "billing_portal.session",
            "url": "https://billing.stripe.com/p/session/bps_1",
        },
    )
    return stripe_fake


@pytest.fixture
def admin_client(bandung_admin):
    return host_client(BANDUNG_HOST, bandung_admin)


def test_admin_picks_a_plan_and_is_sent_to_checkout(
    bandung, bandung_admin, admin_client, stripe_answers
):
    response = admin_client.post(
        "/billing/checkout/", {"plan": "unlimited", "interval": "month"}
    )
    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"

    [customer] = stripe_answers.calls("POST", "/v1/customers")
    assert customer["params"] == {
        "name": "Kota Bandung",
        "email": "admin@bandung.test",
        "metadata": {"tenant_id": str(bandung.pk), "tenant_slug": "bandung"},
    }
    assert customer["headers"]["Authorization"] == f"Bearer {SECRET_KEY}"
    [session] = stripe_answers.calls("POST", "/v1/checkout/sessions")
    reference = {"tenant_id": str(bandung.pk), "plan": "unlimited"}
    assert session["params"] == {
        "mode": "subscription",
        "customer": "cus_1",
        "client_reference_id": str(bandung.pk),
        "line_items": [{"price": PRICE_MONTHLY, "quantity": "1"}],
        "success_url": "http://bandung.localhost/billing/success/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://bandung.localhost/billing/",
        "metadata": reference,
        "subscription_data": {"metadata": reference},
    }
    # Every POST carries an idempotency key, so the library's retries are safe.
    assert session["headers"]["Idempotency-Key"]
    # The plan changes only when the webhook says so.
    row = subscription_of(bandung)
    assert (row.stripe_customer_id, row.status, row.plan) == ("cus_1", "", "free")


def test_a_second_checkout_reuses_the_customer(bandung, admin_client, stripe_answers):
    Subscription.objects.filter(tenant=bandung).update(stripe_customer_id="cus_old")
    response = admin_client.post(
        "/billing/checkout/", {"plan": "unlimited", "interval": "year"}
    )
    assert response.status_code == 303
    assert stripe_answers.calls("POST", "/v1/customers") == []
    [session] = stripe_answers.calls("POST", "/v1/checkout/sessions")
    assert session["params"]["customer"] == "cus_old"
    assert session["params"]["line_items"] == [{"price": PRICE_YEARLY, "quantity": "1"}]


def test_a_tenant_with_a_subscription_is_sent_to_manage_billing_instead(
    bandung, admin_client, stripe_answers
):
    Subscription.objects.filter(tenant=bandung).update(
        stripe_customer_id="cus_1",
        stripe_subscription_id="sub_1",
        status="active",
        plan="unlimited",
    )
    response = admin_client.post(
        "/billing/checkout/", {"plan": "unlimited", "interval": "month"}, follow=True
    )
    assert "already has a subscription" in response.content.decode()
    assert stripe_answers.requests == []


@pytest.mark.parametrize(
    "data",
    [
        {"plan": "free", "interval": "month"},
        {"plan": "unlimited", "interval": "week"},
        {"plan": "gold"},
        {},
    ],
)
def test_invalid_plan_choice_gets_a_message_and_no_stripe_call(
    bandung, admin_client, stripe_answers, data
):
    response = admin_client.post("/billing/checkout/", data, follow=True)
    assert response.status_code == 200
    assert "Choose one of the plans offered." in response.content.decode()
    assert stripe_answers.requests == []


def test_unconfigured_price_is_a_clear_message(
    bandung, admin_client, stripe_answers, settings
):
    settings.STRIPE_PRICE_UNLIMITED_YEARLY = ""
    response = admin_client.post(
        "/billing/checkout/", {"plan": "unlimited", "interval": "year"}, follow=True
    )
    assert "cannot be bought yet" in response.content.decode()
    assert stripe_answers.requests == []


def test_stripe_error_is_a_message_not_a_500(bandung, admin_client, stripe_answers):
    stripe_answers.routes[("POST", "/v1/checkout/sessions")] = (
        400,
        {"error": {"type": "invalid_request_error", "message": "No such price"}},
    )
    response = admin_client.post(
        "/billing/checkout/", {"plan": "unlimited", "interval": "month"}, follow=True
    )
    assert response.status_code == 200
    assert "Stripe could not be reached" in response.content.decode()
    assert subscription_of(bandung).plan == "free"


def test_manage_billing_opens_the_customer_portal(
    bandung, admin_client, stripe_answers
):
    Subscription.objects.filter(tenant=bandung).update(stripe_customer_id="cus_1")
    response = admin_client.post("/billing/portal/")
    assert response.status_code == 303
    assert response["Location"] == "https://billing.stripe.com/p/session/bps_1"
    [portal] = stripe_answers.calls("POST", "/v1/billing_portal/sessions")
    assert portal["params"] == {
        "customer": "cus_1",
        "return_url": "http://bandung.localhost/billing/",
    }


def test_manage_billing_without_a_customer_says_choose_a_plan(
    bandung, admin_client, stripe_answers
):
    response = admin_client.post("/billing/portal/", follow=True)
    assert "Choose a plan first" in response.content.decode()
    assert stripe_answers.requests == []


def test_success_page_says_processing_until_the_webhook_arrives(
    bandung, admin_client, stripe_answers
):
    Subscription.objects.filter(tenant=bandung).update(stripe_customer_id="cus_1")
    page = admin_client.get("/billing/success/?session_id=cs_test_1")
    assert page.status_code == 200
    assert "processing" in page.content.decode()
    # Arriving on the page changed nothing and asked Stripe nothing.
    assert subscription_of(bandung).plan == "free"
    assert stripe_answers.requests == []

    serve_subscription(stripe_answers, stripe_subscription(bandung))
    post_event(event("checkout.session.completed", checkout_session(bandung)))
    html = admin_client.get("/billing/success/?session_id=cs_test_1").content.decode()
    assert "Your Unlimited plan is active." in html
    assert StripeEvent.objects.count() == 1


def test_plan_page_shows_plan_usage_and_choices(bandung, admin_client, stripe_answers):
    html = admin_client.get("/billing/").content.decode()
    assert "Free" in html and "5 member seats, 1 hosted app adopted" in html
    assert "Choose Unlimited, monthly" in html and "Choose Unlimited, yearly" in html
    assert "Manage billing" not in html
    members = bandung.memberships.count()
    assert f"{members} of 5" in html


def test_grace_period_is_shown_to_admins_only(bandung, bandung_admin, stripe_answers):
    from datetime import timedelta

    from django.utils import timezone

    Subscription.objects.filter(tenant=bandung).update(
        stripe_customer_id="cus_1",
        stripe_subscription_id="sub_1",
        plan="unlimited",
        status="past_due",
        grace_until=timezone.now() + timedelta(days=5),
    )
    admin_page = host_client(BANDUNG_HOST, bandung_admin).get("/dashboard/")
    assert "A payment failed" in admin_page.content.decode()
    billing_page = host_client(BANDUNG_HOST, bandung_admin).get("/billing/")
    assert billing_page.content.decode().count("A payment failed") == 1
    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    staff_page = host_client(BANDUNG_HOST, staff).get("/dashboard/")
    assert "A payment failed" not in staff_page.content.decode()
    assert "/billing/" not in staff_page.content.decode()


@pytest.mark.parametrize("role", ["staff", "auditor", "viewer"])
def test_members_who_are_not_admins_get_403(bandung, stripe_answers, role):
    user = make_user(f"{role}@bandung.test", tenant=bandung, role=role)
    client = host_client(BANDUNG_HOST, user)
    for path in BILLING_PAGES:
        assert client.get(path).status_code == 403, path
        assert (
            client.post(path, {"plan": "unlimited", "interval": "month"}).status_code
            == 403
        ), path
    assert stripe_answers.requests == []


def test_another_tenants_admin_gets_403(bandung, tangerang_admin, stripe_answers):
    client = host_client(BANDUNG_HOST, tangerang_admin)
    for path in BILLING_PAGES:
        assert client.get(path).status_code == 403, path
        assert (
            client.post(path, {"plan": "unlimited", "interval": "month"}).status_code
            == 403
        ), path
    assert stripe_answers.requests == []
    assert subscription_of(bandung).stripe_customer_id == ""


def test_anonymous_visitors_are_sent_to_sign_in(bandung, stripe_answers):
    for path in BILLING_PAGES:
        response = host_client(BANDUNG_HOST).get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_checkout_service_refuses_non_admins(bandung, stripe_answers):
    from django.core.exceptions import PermissionDenied

    from billing import services

    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    with pytest.raises(PermissionDenied):
        services.checkout_start(
            actor=staff,
            tenant=bandung,
            plan="unlimited",
            interval="month",
            success_url="http://x/",
            cancel_url="http://x/",
        )
    assert stripe_answers.requests == []
