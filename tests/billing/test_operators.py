"""Operators see billing state in the Django admin and grant complimentary plans."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from billing import entitlements, services
from billing.models import StripeEvent, Subscription
from tests.conftest import host_client
from tests.factories import make_user

from .conftest import event, post_event, serve_subscription, stripe_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(platform):
    return make_user("operator@bagipakai.test", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(operator):
    return host_client("localhost", operator)


def test_every_provisioned_tenant_has_a_free_plan_row(platform):
    from tests.factories import make_tenant

    garut = make_tenant("garut", kind="kabupaten", region_code="32.05")
    row = Subscription.objects.get(tenant=garut)
    assert (row.plan, row.status, row.complimentary_plan) == ("free", "", "")
    assert not Subscription.objects.filter(tenant=platform).exists()


def test_admin_lists_plan_stripe_ids_status_and_event_log(
    bandung, operator_client, stripe_fake
):
    Subscription.objects.filter(tenant=bandung).update(stripe_customer_id="cus_1")
    serve_subscription(stripe_fake, stripe_subscription(bandung))
    post_event(
        event("customer.subscription.created", stripe_subscription(bandung), id="evt_a")
    )
    listing = operator_client.get("/admin/billing/subscription/").content.decode()
    assert "Kota Bandung" in listing
    assert "cus_1" in listing and "sub_1" in listing and "Active" in listing
    row = Subscription.objects.get(tenant=bandung)
    page = operator_client.get(f"/admin/billing/subscription/{row.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "evt_a" in html and "customer.subscription.created" in html
    assert "Unlimited (paid)" in html
    events = operator_client.get("/admin/billing/stripeevent/").content.decode()
    assert "evt_a" in events


def test_operator_grants_and_withdraws_a_complimentary_plan(
    bandung, operator, operator_client, stripe_fake
):
    row = Subscription.objects.get(tenant=bandung)
    url = f"/admin/billing/subscription/{row.pk}/change/"
    response = operator_client.post(
        url,
        {
            "complimentary_plan": "unlimited",
            "complimentary_note": "Pilot kerja sama 2026",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert row.complimentary_plan == "unlimited"
    assert row.complimentary_granted_by == operator
    assert entitlements.plan_for(bandung).key == "unlimited"
    # Stripe's fields were not editable through the form.
    assert (row.plan, row.status) == ("free", "")

    operator_client.post(
        url,
        {
            "complimentary_plan": "",
            "complimentary_note": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    row.refresh_from_db()
    assert (row.complimentary_plan, row.complimentary_granted_by) == ("", None)
    assert entitlements.plan_for(bandung).key == "free"
    assert stripe_fake.requests == []


def test_only_operators_grant_complimentary_plans(bandung, bandung_admin):
    with pytest.raises(PermissionDenied):
        services.complimentary_grant(
            actor=bandung_admin, tenant=bandung, plan="unlimited"
        )
    assert Subscription.objects.get(tenant=bandung).complimentary_plan == ""


def test_operators_cannot_add_delete_or_edit_events(operator_client, bandung):
    row = Subscription.objects.get(tenant=bandung)
    assert operator_client.get("/admin/billing/subscription/add/").status_code == 403
    assert (
        operator_client.get(f"/admin/billing/subscription/{row.pk}/delete/").status_code
        == 403
    )
    event_row = StripeEvent.objects.create(event_id="evt_x", type="invoice.paid")
    assert (
        operator_client.post(
            f"/admin/billing/stripeevent/{event_row.pk}/change/", {"type": "x"}
        ).status_code
        == 403
    )


def test_deploy_check_warns_when_billing_is_half_configured(settings):
    from billing.checks import stripe_configuration

    assert stripe_configuration(None) == []  # billing off: nothing to say
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_PRICE_UNLIMITED_MONTHLY = "price_m"
    settings.STRIPE_PRICE_UNLIMITED_YEARLY = ""
    ids = [w.id for w in stripe_configuration(None)]
    assert ids == ["billing.W001", "billing.W002"]
