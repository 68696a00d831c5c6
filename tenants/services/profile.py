"""The tenant's own profile and settings, and a user's language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..access import access_tenant_admin
from ..models import PlatformEvent, Tenant, User
from ..regions import GOVERNMENT_KINDS, identity_errors
from .provisioning import _identity, region_taken, region_taken_error

logger = logging.getLogger(__name__)


# --- the tenant's own profile ---------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "description",
    "address",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
)


# What the verification vouches for: changing any of them withdraws it.
IDENTITY_FIELDS = ("name", "kind", "region_code", "seat_region_code")


def profile_fields_for(tenant: Tenant) -> tuple[str, ...]:
    """What a tenant's own administrators may edit: a region's name is the register's."""
    if tenant.kind in GOVERNMENT_KINDS:
        return tuple(f for f in PROFILE_FIELDS if f != "name")
    return PROFILE_FIELDS


def tenant_profile_update(*, actor: User, tenant: Tenant, **fields) -> Tenant:
    access_tenant_admin(actor, tenant)
    unknown = set(fields) - set(profile_fields_for(tenant))
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(tenant, name, value.strip() if isinstance(value, str) else value)
    return tenant_save(
        actor=actor,
        tenant=tenant,
        fields=list(fields),
        reason=_("Changed by the organisation's administrator."),
    )


def tenant_save(
    *, actor: User, tenant: Tenant, fields: list[str], reason: str = ""
) -> Tenant:
    """Save changed fields of an existing tenant: the one way every path does it.

    The profile page, the operators' admin and any service go through here. A
    city's, regency's or province's name follows the register; when a
    verified tenant's name, kind or region changes, its verification is
    withdrawn (back to the operators' queue, badge gone) and the platform log
    records why.
    """
    fields = list(fields)
    if tenant.kind != Tenant.Kind.PLATFORM and set(fields) & set(IDENTITY_FIELDS):
        identity = _identity(
            name=tenant.name,
            kind=tenant.kind,
            region_code=tenant.region_code,
            seat_region_code=tenant.seat_region_code,
        )
        for name, value in identity.items():
            setattr(tenant, name, value)
        fields = list(dict.fromkeys([*fields, *identity]))
        errors = identity_errors(
            kind=tenant.kind,
            region_code=tenant.region_code,
            seat_region_code=tenant.seat_region_code,
        )
        if errors:
            raise ValidationError(errors)
    tenant.full_clean(exclude=["schema_name", "slug"])
    with transaction.atomic():
        before = Tenant.objects.select_for_update().get(pk=tenant.pk)
        changed = [
            f for f in IDENTITY_FIELDS if getattr(before, f) != getattr(tenant, f)
        ]
        if changed and before.is_verified:
            from ..transparency import platform_event_append

            tenant.verification_status = Tenant.Verification.UNVERIFIED
            tenant.verified_at = None
            tenant.verified_by = None
            fields += ["verification_status", "verified_at", "verified_by"]
            platform_event_append(
                kind=PlatformEvent.Kind.TENANT_UNVERIFIED,
                actor=actor,
                # An organisation's own administrator is not named in the public log.
                actor_label=None
                if getattr(actor, "is_staff", False)
                else _("the organisation's administrator"),
                tenant=tenant,
                reason=reason or _("The organisation's identity changed."),
                details={
                    "changed": changed,
                    "before": {f: getattr(before, f) for f in changed},
                    "after": {f: getattr(tenant, f) for f in changed},
                },
            )
        try:
            tenant.save(update_fields=list(dict.fromkeys(fields)))
        except IntegrityError as exc:
            if region_taken(region_code=tenant.region_code, exclude_pk=tenant.pk):
                raise ValidationError(
                    {"region_code": [region_taken_error(tenant.region_code)]}
                ) from exc
            raise
    return tenant


def tenant_set_mfa_required(*, actor: User, tenant: Tenant, required: bool) -> Tenant:
    """Whether the tenant's administrators and money roles sign in with a second factor."""
    access_tenant_admin(actor, tenant)
    tenant.mfa_required = bool(required)
    tenant.save(update_fields=["mfa_required"])
    logger.warning(
        "two-step sign-in %s for %s by %s",
        "required" if required else "no longer required",
        tenant.slug,
        actor.email,
    )
    return tenant


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language a person chose (pages on every host, their e-mails)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"not a language of the site: {language!r}")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
