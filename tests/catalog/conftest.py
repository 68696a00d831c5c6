"""Catalog fixtures: verified publishers and small catalog entries."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from catalog import services
from catalog.models import Adoption, Agreement, CatalogApp
from tenants.models import Tenant
from tenants.routing import tenant_routes_forget
from tests.factories import make_user

_n = itertools.count(1)


def verify(tenant: Tenant) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(
        verification_status=Tenant.Verification.VERIFIED
    )
    # update() sends no signal: drop the tenant's cached route by hand.
    tenant_routes_forget([tenant.pk])
    tenant.refresh_from_db()
    return tenant


def make_app(publisher: Tenant, **fields) -> CatalogApp:
    verify(publisher)
    n = next(_n)
    defaults = {
        "slug": f"app-{n}",
        "name": f"Aplikasi {n}",
        "short_description_id": "Aplikasi untuk pemerintah daerah.",
        "categories": ["document-management"],
        "development_status": "stable",
        "delivery_mode": "source",
        "license": "GPL-3.0-or-later",
        "url": f"https://code.example.test/app-{n}",
        "platforms": ["web"],
        "languages": ["id"],
    }
    defaults.update(fields)
    return services.app_create(actor=None, publisher=publisher, **defaults)


def make_agreement(
    first: Tenant, second: Tenant, *, confirmed: bool = True, **fields
) -> Agreement:
    """An agreement `first` records through the service (first is verified for it)
    and, unless `confirmed=False`, `second` confirms (second is verified too)."""
    n = next(_n)
    terms = {
        "kind": "pks",
        "number": f"PKS/{n}/2026",
        "title": "Perjanjian kerja sama",
        "signed_on": date(2026, 1, 5),
        "signed_at_place": "Balai Kota",
        "valid_from": date(2026, 1, 5),
        "valid_until": None,
        "first_signatory": "Wali Kota",
        "second_signatory": "Bupati",
    }
    terms.update(fields)
    agreement = services.agreement_create(
        actor=None, tenant=verify(first), counterparty=second, **terms
    )
    if confirmed:
        agreement = services.agreement_confirm(
            actor=None, tenant=verify(second), agreement=agreement
        )
    return agreement


def make_active_adoption(app: CatalogApp, adopter: Tenant, **fields) -> Adoption:
    agreement = make_agreement(app.publisher, adopter)
    defaults = {
        "purpose": "Dipakai",
        "contact_name": "Kontak",
        "contact_email": "kontak@example.test",
        "status": Adoption.Status.ACTIVE,
        "agreement": agreement,
        "usage": "production",
    }
    defaults.update(fields)
    adoption = Adoption.objects.create(app=app, adopter=adopter, **defaults)
    services.adopters_recount(app_ids=[app.pk])
    return adoption


@pytest.fixture
def third(platform):
    """A third city that is neither publisher nor adopter."""
    from tests.factories import make_tenant

    return make_tenant(
        "garut", "Kabupaten Garut", kind="kabupaten", region_code="32.05"
    )


@pytest.fixture
def sabilulungan(bandung):
    return make_app(
        bandung,
        slug="sabilulungan",
        name="Sabilulungan",
        short_description_id="Hibah dan bantuan sosial yang akuntabel.",
        short_description_en="Accountable grants and social aid.",
        delivery_mode="hosted",
        hosted_module="grants",
        categories=["grant-management"],
        license="AGPL-3.0-or-later",
        url="https://code.example.test/bandung/sabilulungan",
    )


@pytest.fixture
def tangerang_staff(tangerang):
    return make_user("staf@tangerang.test", tenant=tangerang, role="staff")
