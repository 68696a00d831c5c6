"""Plan limits bite on new members and new hosted apps — and nowhere else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing import entitlements
from billing.models import Subscription
from catalog.models import Adoption
from tenants import hosted
from tenants.models import Invitation, Membership, User
from tenants.services import invitation_token
from tests.catalog.conftest import make_active_adoption, make_agreement, make_app
from tests.conftest import host_client
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

TANGERANG = "tangerang.localhost"
BANDUNG = "bandung.localhost"


def fill_seats(tenant, up_to: int) -> None:
    n = 0
    while Membership.objects.filter(tenant=tenant).count() < up_to:
        n += 1
        make_user(f"pegawai{n}@{tenant.slug}.test", tenant=tenant, role="staff")


def invitation_for(tenant, email: str, inviter) -> Invitation:
    return Invitation.objects.create(
        tenant=tenant,
        email=email,
        role="staff",
        invited_by=inviter,
        expires_at=timezone.now() + timedelta(days=7),
    )


def set_plan(tenant, **fields) -> None:
    Subscription.objects.filter(tenant=tenant).update(**fields)


PAID = {"plan": "unlimited", "status": "active", "stripe_subscription_id": "sub_1"}


@pytest.fixture
def second_hosted_module(monkeypatch):
    """A second hosted module, so a second hosted app can exist in the catalog."""
    module = hosted.HostedApp(
        key="modul-uji",
        label="Modul uji",
        urls=(("modul-uji/", "tests.hostedapp_fixture.urls"),),
        menu_path="/modul-uji/",
    )
    monkeypatch.setitem(hosted._REGISTRY, module.key, module)
    return module


@pytest.fixture
def hosted_apps(bandung, second_hosted_module):
    sabilulungan = make_app(
        bandung,
        slug="sabilulungan",
        name="Sabilulungan",
        delivery_mode="hosted",
        hosted_module="grants",
    )
    second = make_app(
        bandung,
        slug="modul-uji",
        name="Modul Uji",
        delivery_mode="hosted",
        hosted_module="modul-uji",
    )
    return sabilulungan, second


def adopt(client, slug):
    return client.post(
        f"/apps/adopt/{slug}/",
        {
            "purpose": "Dipakai dinas",
            "contact_name": "Kominfo",
            "contact_email": "kominfo@tangerang.test",
        },
    )


# --- seats ---------------------------------------------------------------------------


def test_accepting_past_the_seat_limit_is_refused_with_a_link_to_upgrade(
    bandung, bandung_admin, stripe_fake
):
    fill_seats(bandung, 5)
    newcomer = make_user("baru@bandung.test")
    invitation = invitation_for(bandung, "baru@bandung.test", bandung_admin)
    client = host_client(BANDUNG, newcomer)
    response = client.post(f"/invitations/{invitation_token(invitation)}/")
    html = response.content.decode()
    assert "has used all 5 member seats of its Free plan" in html
    assert "/billing/" in html
    # Nothing half-done.
    assert not Membership.objects.filter(user=newcomer, tenant=bandung).exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert Membership.objects.filter(tenant=bandung).count() == 5


def test_signup_past_the_seat_limit_creates_no_account(
    bandung, bandung_admin, stripe_fake
):
    fill_seats(bandung, 5)
    invitation = invitation_for(bandung, "calon@bandung.test", bandung_admin)
    response = host_client(BANDUNG).post(
        f"/invitations/{invitation_token(invitation)}/",
        {"full_name": "Calon", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 400
    assert "member seats" in response.content.decode()
    # The form keeps what the person typed.
    assert 'value="Calon"' in response.content.decode()
    assert not User.objects.filter(email="calon@bandung.test").exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_last_free_seat_can_be_taken(bandung, bandung_admin, stripe_fake):
    fill_seats(bandung, 4)
    newcomer = make_user("baru@bandung.test")
    invitation = invitation_for(bandung, "baru@bandung.test", bandung_admin)
    response = host_client(BANDUNG, newcomer).post(
        f"/invitations/{invitation_token(invitation)}/"
    )
    assert response.status_code == 302
    assert Membership.objects.filter(tenant=bandung).count() == 5


def test_paid_plan_has_no_seat_limit(bandung, bandung_admin, stripe_fake):
    set_plan(bandung, **PAID)
    fill_seats(bandung, 8)
    newcomer = make_user("baru@bandung.test")
    invitation = invitation_for(bandung, "baru@bandung.test", bandung_admin)
    response = host_client(BANDUNG, newcomer).post(
        f"/invitations/{invitation_token(invitation)}/"
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, tenant=bandung).exists()


def test_grace_period_keeps_the_paid_limits_and_lapse_brings_free_limits(
    bandung, bandung_admin, stripe_fake
):
    set_plan(
        bandung,
        **{**PAID, "status": "past_due"},
        grace_until=timezone.now() + timedelta(days=2),
    )
    fill_seats(bandung, 6)
    assert entitlements.plan_for(bandung).key == "unlimited"
    entitlements.check_seat_available(bandung)  # no error

    set_plan(bandung, grace_until=timezone.now() - timedelta(seconds=1))
    assert entitlements.standing_for(bandung).state == "lapsed"
    newcomer = make_user("baru@bandung.test")
    invitation = invitation_for(bandung, "baru@bandung.test", bandung_admin)
    response = host_client(BANDUNG, newcomer).post(
        f"/invitations/{invitation_token(invitation)}/"
    )
    assert "member seats" in response.content.decode()
    # Past the limit, yet everyone who was a member stays one and keeps working.
    assert Membership.objects.filter(tenant=bandung).count() == 6
    staff = Membership.objects.filter(tenant=bandung, role="staff").first().user
    assert host_client(BANDUNG, staff).get("/dashboard/").status_code == 200
    assert host_client(BANDUNG).get("/").status_code == 200


def test_complimentary_plan_lifts_the_limits_without_stripe(
    bandung, bandung_admin, stripe_fake
):
    set_plan(bandung, complimentary_plan="unlimited")
    fill_seats(bandung, 5)
    entitlements.check_seat_available(bandung)
    assert entitlements.standing_for(bandung).state == "complimentary"
    assert stripe_fake.requests == []


# --- hosted apps ------------------------------------------------------------------------


def test_adopting_a_second_hosted_app_on_the_free_plan_is_refused(
    tangerang, tangerang_admin, hosted_apps, stripe_fake
):
    sabilulungan, second = hosted_apps
    make_active_adoption(sabilulungan, tangerang)
    client = host_client(TANGERANG, tangerang_admin)
    response = adopt(client, "modul-uji")
    assert response.status_code == 200
    html = response.content.decode()
    assert "includes 1 hosted app, and it is taken" in html
    assert '<a href="/billing/" role="button"' in html  # a real link to upgrade
    # The form keeps what was typed, and no request was made.
    assert "Dipakai dinas" in html
    assert not Adoption.objects.filter(app=second).exists()


def test_apps_that_are_not_hosted_are_never_limited(
    tangerang, tangerang_admin, hosted_apps, bandung, stripe_fake
):
    sabilulungan, _second = hosted_apps
    make_active_adoption(sabilulungan, tangerang)
    make_app(bandung, slug="e-office", name="E-office")
    response = adopt(host_client(TANGERANG, tangerang_admin), "e-office")
    assert response.status_code == 302
    assert Adoption.objects.filter(app__slug="e-office", adopter=tangerang).exists()


def test_first_hosted_app_fits_the_free_plan(
    tangerang, tangerang_admin, hosted_apps, stripe_fake
):
    response = adopt(host_client(TANGERANG, tangerang_admin), "sabilulungan")
    assert response.status_code == 302


def test_paid_plan_adopts_any_number_of_hosted_apps(
    tangerang, tangerang_admin, hosted_apps, stripe_fake
):
    sabilulungan, second = hosted_apps
    set_plan(tangerang, **PAID)
    make_active_adoption(sabilulungan, tangerang)
    assert (
        adopt(host_client(TANGERANG, tangerang_admin), "modul-uji").status_code == 302
    )


def test_activation_past_the_limit_is_refused_after_the_plan_lapsed(
    tangerang, tangerang_admin, bandung, hosted_apps, stripe_fake
):
    """Approved while the plan was paid; switching it on after the plan ended is refused,
    and the app already in use keeps working."""
    sabilulungan, second = hosted_apps
    in_use = make_active_adoption(sabilulungan, tangerang)
    approved = Adoption.objects.create(
        app=second,
        adopter=tangerang,
        purpose="Dipakai",
        contact_name="Kontak",
        contact_email="kontak@tangerang.test",
        status=Adoption.Status.APPROVED,
        agreement=make_agreement(bandung, tangerang),
    )
    set_plan(tangerang, **{**PAID, "status": "canceled"})
    client = host_client(TANGERANG, tangerang_admin)
    response = client.post(
        f"/apps/adoptions/{approved.pk}/activate/", {"usage": "pilot"}
    )
    assert response.status_code == 400
    assert "/billing/" in response.content.decode()
    approved.refresh_from_db()
    in_use.refresh_from_db()
    assert (approved.status, in_use.status) == ("approved", "active")
    assert not approved.events.filter(action="activate").exists()

    set_plan(tangerang, **PAID)
    response = client.post(
        f"/apps/adoptions/{approved.pk}/activate/", {"usage": "pilot"}
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == "active"


def test_lapsed_plan_never_hides_public_pages_or_open_data(
    tangerang, tangerang_admin, hosted_apps, stripe_fake
):
    sabilulungan, second = hosted_apps
    make_active_adoption(sabilulungan, tangerang)
    make_active_adoption(second, tangerang)  # bought while paid
    set_plan(tangerang, **{**PAID, "status": "unpaid"}, grace_until=timezone.now())
    assert entitlements.plan_for(tangerang).key == "free"
    visitor = host_client(TANGERANG)
    assert visitor.get("/").status_code == 200
    assert visitor.get("/grants/").status_code == 200
    assert visitor.get("/open-data/grants.json").status_code == 200
    assert (
        host_client(TANGERANG, tangerang_admin).get("/grants/staff/").status_code == 200
    )


# --- billing off ----------------------------------------------------------------------------


def test_billing_off_everyone_is_unlimited_without_a_query(
    bandung, django_assert_num_queries, no_stripe
):
    with django_assert_num_queries(0):
        assert entitlements.plan_for(bandung).key == "unlimited"
        entitlements.check_seat_available(bandung)
        assert entitlements.standing_for(bandung).state == "off"


def test_billing_off_nothing_is_limited(
    bandung, bandung_admin, tangerang, tangerang_admin, hosted_apps, no_stripe
):
    fill_seats(bandung, 7)
    newcomer = make_user("baru@bandung.test")
    invitation = invitation_for(bandung, "baru@bandung.test", bandung_admin)
    assert (
        host_client(BANDUNG, newcomer)
        .post(f"/invitations/{invitation_token(invitation)}/")
        .status_code
        == 302
    )
    sabilulungan, _second = hosted_apps
    make_active_adoption(sabilulungan, tangerang)
    assert (
        adopt(host_client(TANGERANG, tangerang_admin), "modul-uji").status_code == 302
    )


def test_billing_off_pages_say_so_and_never_reach_stripe(
    bandung, bandung_admin, no_stripe
):
    client = host_client(BANDUNG, bandung_admin)
    html = client.get("/billing/").content.decode()
    assert "Billing is not enabled" in html
    assert "Unlimited" in html
    assert "Choose Unlimited" not in html and "Manage billing" not in html
    for path in ("/billing/checkout/", "/billing/portal/"):
        response = client.post(
            path, {"plan": "unlimited", "interval": "month"}, follow=True
        )
        assert response.status_code == 200
        assert "Billing is not enabled on this platform." in response.content.decode()
    assert client.get("/billing/success/").status_code == 200
    assert Subscription.objects.get(tenant=bandung).stripe_customer_id == ""
