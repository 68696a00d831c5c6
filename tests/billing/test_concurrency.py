"""Plan limits hold under truly concurrent transactions."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billing import entitlements
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.models import Adoption
from tenants import hosted, services
from tenants.models import Invitation, Membership
from tests.catalog.conftest import make_app
from tests.factories import make_tenant, make_user
from tests.tenants.test_concurrency import run_together


@pytest.fixture
def slow_counts(monkeypatch):
    """Widen the window between counting and taking a place, so that without a
    lock both transactions would see one free."""
    for module, name in (
        (entitlements, "seats_used"),
        # The catalog counts hosted places for billing's check (tenants/hooks.py).
        (catalog_selectors, "hosted_adoptions_used"),
    ):
        count = getattr(module, name)

        def slow(*args, _count=count, **kwargs):
            used = _count(*args, **kwargs)
            time.sleep(0.3)
            return used

        monkeypatch.setattr(module, name, slow)


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_race_for_the_last_seat(stripe_fake, slow_counts):
    admin = make_user("admin@ciamis.test")
    tenant = make_tenant("ciamis", kind="kabupaten", region_code="32.07", admin=admin)
    for n in range(3):
        make_user(f"pegawai{n}@ciamis.test", tenant=tenant)
    pairs = []
    for name in ("satu", "dua"):
        user = make_user(f"{name}@ciamis.test")
        invitation = Invitation.objects.create(
            tenant=tenant,
            email=user.email,
            role="staff",
            invited_by=admin,
            expires_at=timezone.now() + timedelta(days=1),
        )
        pairs.append((invitation, user))
    outcomes = run_together(
        *[
            (lambda i=i, u=u: services.invitation_accept(invitation=i, user=u))
            for i, u in pairs
        ]
    )
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert Membership.objects.filter(tenant=tenant).count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_requests_race_for_the_last_hosted_app(
    stripe_fake, slow_counts, monkeypatch
):
    module = hosted.HostedApp(
        key="modul-uji",
        label="Modul uji",
        urls=(("modul-uji/", "tests.hostedapp_fixture.urls"),),
        menu_path="/",
    )
    monkeypatch.setitem(hosted._REGISTRY, module.key, module)
    publisher = make_tenant("kuningan", kind="kabupaten", region_code="32.08")
    first = make_app(
        publisher, slug="hibah", delivery_mode="hosted", hosted_module="grants"
    )
    second = make_app(
        publisher, slug="uji", delivery_mode="hosted", hosted_module="modul-uji"
    )
    admin = make_user("admin@ciamis.test")
    adopter = make_tenant("ciamis", kind="kabupaten", region_code="32.07", admin=admin)

    def request(app):
        return lambda: catalog_services.adoption_request(
            actor=admin,
            adopter=adopter,
            app=app,
            purpose="Dipakai",
            contact_name="Kontak",
            contact_email="kontak@ciamis.test",
        )

    outcomes = run_together(request(first), request(second))
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert Adoption.objects.filter(adopter=adopter).count() == 1
