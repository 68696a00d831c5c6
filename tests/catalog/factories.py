"""Factories of the catalog's records (factory_boy). Apps and agreements are
made through the catalog's services, as a publisher and both parties would;
adoptions are written directly in the state a test needs, then the app's
adopter count is recounted.

    app = CatalogAppFactory(publisher=bandung, name="Sabilulungan")
    agreement = AgreementFactory(first=bandung, second=tangerang)
    AdoptionFactory(app=app, adopter=tangerang)     # active, backed by an agreement
"""

from __future__ import annotations

from datetime import date

import factory

from catalog import services
from catalog.models import Adoption, AdoptionEvent
from tenants.models import Tenant
from tenants.routing import tenant_routes_forget


def verify(tenant: Tenant) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(
        verification_status=Tenant.Verification.VERIFIED
    )
    # update() sends no signal: drop the tenant's cached route by hand.
    tenant_routes_forget([tenant.pk])
    tenant.refresh_from_db()
    return tenant


class CatalogAppFactory(factory.Factory):
    """A catalog entry published through app_create (so it is searchable); the
    publisher is verified for it."""

    class Meta:
        model = "catalog.CatalogApp"

    publisher = None
    slug = factory.Sequence(lambda n: f"app-{n}")
    name = factory.Sequence(lambda n: f"Aplikasi {n}")
    short_description_id = "Aplikasi untuk pemerintah daerah."
    categories = factory.LazyFunction(lambda: ["document-management"])
    development_status = "stable"
    delivery_mode = "source"
    license = "GPL-3.0-or-later"
    url = factory.LazyAttribute(lambda app: f"https://code.example.test/{app.slug}")
    platforms = factory.LazyFunction(lambda: ["web"])
    languages = factory.LazyFunction(lambda: ["id"])

    @classmethod
    def _create(cls, model_class, *, publisher, **fields):
        return services.app_create(actor=None, publisher=verify(publisher), **fields)


class AgreementFactory(factory.Factory):
    """An agreement `first` records and, unless `confirmed=False`, `second`
    confirms (both verified for it): only a confirmed agreement is public."""

    class Meta:
        model = "catalog.Agreement"

    first = None
    second = None
    confirmed = True
    kind = "pks"
    number = factory.Sequence(lambda n: f"PKS/{n}/2026")
    title = "Perjanjian kerja sama"
    signed_on = date(2026, 1, 5)
    signed_at_place = "Balai Kota"
    valid_from = date(2026, 1, 5)
    valid_until = None
    first_signatory = "Wali Kota"
    second_signatory = "Bupati"

    @classmethod
    def _create(cls, model_class, *, first, second, confirmed, **terms):
        agreement = services.agreement_create(
            actor=None, tenant=verify(first), counterparty=second, **terms
        )
        if confirmed:
            agreement = services.agreement_confirm(
                actor=None, tenant=verify(second), agreement=agreement
            )
        return agreement


class AdoptionFactory(factory.django.DjangoModelFactory):
    """An adoption in the given status (active by default). An active one is
    backed by an agreement both parties confirmed; `activated_at=` also
    records when it was switched on."""

    class Meta:
        model = Adoption
        skip_postgeneration_save = True

    app = None
    adopter = None
    status = Adoption.Status.ACTIVE
    purpose = "Dipakai"
    contact_name = "Kontak"
    contact_email = "kontak@example.test"
    usage = "production"
    agreement = factory.LazyAttribute(
        lambda a: (
            AgreementFactory(first=a.app.publisher, second=a.adopter)
            if a.status == Adoption.Status.ACTIVE
            else None
        )
    )

    @factory.post_generation
    def recount(adoption, create, extracted, **kwargs):
        if create:
            services.adopters_recount(app_ids=[adoption.app_id])

    @factory.post_generation
    def activated_at(adoption, create, extracted, **kwargs):
        if create and extracted is not None:
            AdoptionEvent.objects.create(
                adoption=adoption,
                action="activate",
                from_status="approved",
                to_status="active",
                actor_tenant_id=adoption.adopter_id,
                actor_tenant_name=adoption.adopter.name,
                at=extracted,
            )


def make_app(publisher: Tenant, **fields):
    return CatalogAppFactory(publisher=publisher, **fields)


def make_agreement(first: Tenant, second: Tenant, *, confirmed: bool = True, **fields):
    return AgreementFactory(first=first, second=second, confirmed=confirmed, **fields)


def make_active_adoption(app, adopter: Tenant, **fields):
    return AdoptionFactory(app=app, adopter=adopter, **fields)
