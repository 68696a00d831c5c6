"""Small factories for tests and benchmarks (no fixture files)."""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress
from django.db import connection

_counter = itertools.count(1)
# Hashing passwords is slow by design; tests share one pre-computed hash.
PASSWORD = "Sabilulungan-2017!"
_password_hash = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        from django.contrib.auth.hashers import make_password

        _password_hash = make_password(PASSWORD)
    return _password_hash


def make_user(
    email: str | None = None,
    *,
    tenant=None,
    role: str = "staff",
    verified: bool = True,
    **extra,
):
    from tenants.models import Membership, User

    email = email or f"user{next(_counter)}@example.test"
    user, _ = User.objects.get_or_create(
        email=email,
        defaults={
            "password": _hash(),
            "full_name": extra.pop("full_name", email.split("@")[0]),
            **extra,
        },
    )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": verified, "primary": True}
    )
    if tenant is not None:
        Membership.objects.update_or_create(
            user=user, tenant=tenant, defaults={"role": role}
        )
    return user


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
    """A tenant made like a real sign-up.

    With a region_code: that city, regency or province of the register (its
    kind from the register unless given; one tenant per code). Without: an
    institution seated in Kota Bandung, so tests can make as many as they like.
    `province` is accepted for old call sites; it follows the code.
    """
    from tenants import register
    from tenants.models import Tenant
    from tenants.services import tenant_provision

    existing = Tenant.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    connection.set_schema_to_public()
    from tenants.schema import schema_drop
    from tenants.subdomains import schema_name_for

    # A transactional test may have flushed the row but left the schema behind.
    schema_drop(schema_name_for(slug))
    admin = admin or make_user(f"founder@{slug}.test")
    if region_code and kind is None:
        kind = register.region(region_code).level
    kind = kind or "lembaga"
    return tenant_provision(
        actor=admin,
        name=name or f"Lembaga {slug.title()}",
        kind=kind,
        region_code=region_code,
        seat_region_code=seat_region_code if kind == "lembaga" else "",
        slug=slug,
    )


def prefer_english(*users) -> None:
    """E-mails follow each user's saved language (Indonesian when none): tests
    that read an e-mail's English words save English for its recipients."""
    from tenants.models import User

    User.objects.filter(pk__in=[user.pk for user in users]).update(language="en")
    for user in users:
        user.language = "en"
