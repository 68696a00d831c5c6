"""Factories of the kernel's records (factory_boy): users with their verified
address and a membership, and tenants made like a real sign-up.

    UserFactory(email="kasi@bandung.test", tenant=bandung, tenant__role="admin")
    TenantFactory(slug="garut", region_code="32.05")

`make_user` and `make_tenant` are the shortcuts most tests call.
"""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.db import connection

# Hashing passwords is slow by design; tests share one pre-computed hash.
PASSWORD = "Sabilulungan-2017!"
_password_hash = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        from django.contrib.auth.hashers import make_password

        _password_hash = make_password(PASSWORD)
    return _password_hash


class UserFactory(factory.django.DjangoModelFactory):
    """The same e-mail gives the same user (get or create)."""

    class Meta:
        model = "tenants.User"
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = factory.LazyFunction(_hash)
    full_name = factory.LazyAttribute(lambda user: user.email.split("@")[0])

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """The primary address, verified unless `verified=False`."""
        if create:
            EmailAddress.objects.get_or_create(
                user=user,
                email=user.email,
                defaults={
                    "verified": True if extracted is None else extracted,
                    "primary": True,
                },
            )

    @factory.post_generation
    def tenant(user, create, extracted, role="staff", **kwargs):
        """A membership in `tenant=`, as `tenant__role=` (staff by default)."""
        if create and extracted is not None:
            from tenants.models import Membership

            Membership.objects.update_or_create(
                user=user, tenant=extracted, defaults={"role": role}
            )


class TenantFactory(factory.Factory):
    """A tenant provisioned through tenant_provision, as a sign-up makes it.

    With a region_code: that city, regency or province of the register (its
    kind from the register unless given; one tenant per code). Without: an
    institution seated in Kota Bandung, so tests can make as many as they like.
    The same slug gives the same tenant.
    """

    class Meta:
        model = "tenants.Tenant"

    slug = factory.Sequence(lambda n: f"lembaga-{n}")
    name = factory.LazyAttribute(lambda t: f"Lembaga {t.slug.title()}")
    kind = None
    region_code = ""
    seat_region_code = "32.73"
    admin = factory.LazyAttribute(lambda t: UserFactory(email=f"founder@{t.slug}.test"))

    @classmethod
    def _create(
        cls, model_class, *, slug, name, kind, region_code, seat_region_code, admin
    ):
        from tenants import register
        from tenants.models import Tenant
        from tenants.schema import schema_drop
        from tenants.services import tenant_provision
        from tenants.subdomains import schema_name_for

        existing = Tenant.objects.filter(slug=slug).first()
        if existing is not None:
            return existing
        connection.set_schema_to_public()
        # A transactional test may have flushed the row but left the schema behind.
        schema_drop(schema_name_for(slug))
        if region_code and kind is None:
            kind = register.region(region_code).level
        kind = kind or "lembaga"
        return tenant_provision(
            actor=admin,
            name=name,
            kind=kind,
            region_code=region_code,
            seat_region_code=seat_region_code if kind == "lembaga" else "",
            slug=slug,
        )


def make_user(
    email: str | None = None,
    *,
    tenant=None,
    role: str = "staff",
    verified: bool = True,
    **extra,
):
    if email:
        extra["email"] = email
    return UserFactory(verified=verified, tenant=tenant, tenant__role=role, **extra)


def make_tenant(
    slug: str,
    name: str | None = None,
    *,
    kind: str | None = None,
    province: str = "",
    region_code: str = "",
    seat_region_code: str = "32.73",
    admin=None,
):
    """`province` is accepted for old call sites; it follows the code."""
    fields = {"name": name} if name else {}
    if admin is not None:
        fields["admin"] = admin
    return TenantFactory(
        slug=slug,
        kind=kind,
        region_code=region_code,
        seat_region_code=seat_region_code,
        **fields,
    )


def prefer_english(*users) -> None:
    """E-mails follow each user's saved language (Indonesian when none): tests
    that read an e-mail's English words save English for its recipients."""
    from tenants.models import User

    User.objects.filter(pk__in=[user.pk for user in users]).update(language="en")
    for user in users:
        user.language = "en"
