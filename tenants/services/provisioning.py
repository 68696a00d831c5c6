"""Creating tenants (and the platform's own), disabling, enabling and deleting them."""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from core.storage import delete_files, tenant_files_delete

from .. import hooks, hosted, register
from .. import schema as tenant_schema
from ..access import access_operator
from ..models import (
    Domain,
    Invitation,
    LoginHandoff,
    Membership,
    Notification,
    PlatformEvent,
    Tenant,
    User,
    VerificationRequest,
)
from ..regions import GOVERNMENT_KINDS, identity_errors
from ..subdomains import schema_name_for, subdomain_errors
from ..transparency import platform_event_append
from .common import (
    CHANGE_PERMISSION,
    DELETE_PERMISSION,
    _locked_tenant,
    _private,
    _public_reason,
    _status_changed,
)
from .verification import _tenant_details

logger = logging.getLogger(__name__)


PLATFORM_SLUG = "platform"


DUPLICATE_SCHEMA = "42P06"


# --- the platform itself ---------------------------------------------------


def platform_ensure() -> Tenant:
    """The public tenant (the platform site) with a domain for BASE_DOMAIN. Idempotent."""
    connection.set_schema_to_public()
    with transaction.atomic():
        platform, _created = Tenant.objects.get_or_create(
            schema_name=get_public_schema_name(),
            defaults={
                "name": "BagiPakai",
                "slug": PLATFORM_SLUG,
                "kind": Tenant.Kind.PLATFORM,
                "verification_status": Tenant.Verification.VERIFIED,
            },
        )
        domain = Domain.objects.filter(domain=settings.BASE_DOMAIN).first()
        if domain is None:
            Domain.objects.create(
                domain=settings.BASE_DOMAIN, tenant=platform, is_primary=True
            )
        elif domain.tenant_id != platform.pk:
            raise RuntimeError(
                f"{settings.BASE_DOMAIN} belongs to tenant {domain.tenant_id}"
            )
    return platform


# --- provisioning ------------------------------------------------------------


def _identity(*, name, kind, region_code, seat_region_code) -> dict:
    """A tenant's identity fields as the register has them.

    Cities, regencies and provinces take their name from the register; an
    institution keeps its own name and only names its seat region. The
    province always follows the region's code.
    """
    region_code = (region_code or "").strip()
    seat_region_code = (seat_region_code or "").strip()
    if kind in GOVERNMENT_KINDS:
        seat_region_code = ""
        place = register.region(region_code)
        if place is not None and place.level == kind:
            name = register.official_name(place)
        home = region_code
    else:
        region_code = ""
        home = seat_region_code
    return {
        "name": (name or "").strip(),
        "kind": kind,
        "region_code": region_code,
        "seat_region_code": seat_region_code,
        "province": home[:2] if register.region(home[:2]) else "",
    }


def region_taken_error(region_code: str) -> str:
    return _(
        "%(name)s is already registered on BagiPakai. If you work there, ask "
        "its administrator to invite you."
    ) % {"name": register.official_name(register.region(region_code))}


def region_taken(*, region_code: str, exclude_pk=None) -> bool:
    queryset = Tenant.objects.filter(kind__in=GOVERNMENT_KINDS, region_code=region_code)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return bool(region_code) and queryset.exists()


def _validate_new_tenant(*, identity, slug) -> None:
    errors: dict[str, list[str]] = {}
    kind = identity["kind"]
    if kind not in Tenant.Kind.values or kind == Tenant.Kind.PLATFORM:
        errors["kind"] = [_("Choose what kind of organisation this is.")]
    elif not identity["name"] and kind not in GOVERNMENT_KINDS:
        # A city's, regency's or province's name comes from the register.
        errors["name"] = [_("Enter the organisation's name.")]
    slug_errors = subdomain_errors(slug)
    # Tombstones count: a deleted tenant's slug is never given to anyone else.
    if not slug_errors and Tenant.all_objects.filter(slug=slug).exists():
        slug_errors.append(_("“%(slug)s” is already taken.") % {"slug": slug})
    if slug_errors:
        errors["slug"] = slug_errors
    errors.update(
        identity_errors(
            kind=kind,
            region_code=identity["region_code"],
            seat_region_code=identity["seat_region_code"],
        )
    )
    if (
        "region_code" not in errors
        and kind in GOVERNMENT_KINDS
        and region_taken(region_code=identity["region_code"])
    ):
        errors["region_code"] = [region_taken_error(identity["region_code"])]
    if errors:
        raise ValidationError(errors)


def tenant_provision(
    *,
    actor: User,
    kind: str,
    slug: str,
    region_code: str = "",
    seat_region_code: str = "",
    name: str = "",
    contact_email: str = "",
) -> Tenant:
    """Create a tenant completely — schema, domain, first admin — or not at all.

    A city, regency or province is named by the register (`name` is ignored
    for them); an institution gives its name and its seat region.
    """
    if connection.schema_name != get_public_schema_name():
        raise RuntimeError("tenants are provisioned from the public schema only")
    identity = _identity(
        name=name, kind=kind, region_code=region_code, seat_region_code=seat_region_code
    )
    _validate_new_tenant(identity=identity, slug=slug)
    tenant_schema.template_ensure_current()
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(
                schema_name=schema_name_for(slug),
                slug=slug,
                **identity,
                # Public on the tenant's home page: only what the admin chose to publish.
                contact_email=contact_email,
            )
            tenant_schema.schema_create(tenant.schema_name)
            _provision_domain(tenant)
            Membership.objects.create(
                user=actor, tenant=tenant, role=Membership.Role.ADMIN
            )
            # Billing's row for the tenant, and anything else that must exist with it.
            hooks.run("tenant_provisioned", tenant)
            if tenant_schema.schema_pool_size():
                # Refill the warm pool in the background (tenants/schema.py).
                from core.jobs import job_enqueue

                job_enqueue("tenants.tasks.schema_pool_fill_job")
    except IntegrityError as exc:
        # Two people racing for the same subdomain or region: the loser gets a form error.
        if Tenant.all_objects.filter(slug=slug).exists():
            raise ValidationError(
                {"slug": [_("“%(slug)s” is already taken.") % {"slug": slug}]}
            ) from exc
        if kind in GOVERNMENT_KINDS and region_taken(
            region_code=identity["region_code"]
        ):
            raise ValidationError(
                {"region_code": [region_taken_error(identity["region_code"])]}
            ) from exc
        raise
    except ProgrammingError as exc:
        if getattr(exc.__cause__, "pgcode", None) != DUPLICATE_SCHEMA:
            raise
        # A schema without a tenant row: left by hand or by a broken restore.
        logger.error(
            "orphan schema %s blocks provisioning %s", schema_name_for(slug), slug
        )
        raise ValidationError(
            {
                "slug": [
                    _(
                        "“%(slug)s” cannot be used right now; please contact the platform team."
                    )
                    % {"slug": slug}
                ]
            }
        ) from exc
    logger.info(
        "provisioned tenant %s (%s) for %s",
        tenant.slug,
        tenant.schema_name,
        actor.email,
    )
    return tenant


def _provision_domain(tenant: Tenant) -> Domain:
    return Domain.objects.create(
        domain=f"{tenant.slug}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True
    )


def tenant_disable(
    *, actor: User, tenant: Tenant, reason: str = "", note: str = ""
) -> Tenant:
    access_operator(actor, CHANGE_PERMISSION)
    if tenant.is_platform:
        raise ValidationError(_("The platform itself cannot be disabled."))
    return _set_suspended(
        actor=actor,
        tenant=tenant,
        suspended=True,
        reason=_public_reason(reason) or _("Suspended by the operators."),
        note=note,
    )


def tenant_enable(
    *, actor: User, tenant: Tenant, reason: str = "", note: str = ""
) -> Tenant:
    access_operator(actor, CHANGE_PERMISSION)
    return _set_suspended(
        actor=actor,
        tenant=tenant,
        suspended=False,
        reason=_public_reason(reason) or _("Enabled again by the operators."),
        note=note,
    )


def _set_suspended(
    *, actor: User, tenant: Tenant, suspended: bool, reason: str, note: str
) -> Tenant:
    """Suspend or enable again: the tenant's columns, the status hooks and the
    platform log entry, in one transaction."""
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        if tenant.is_active != suspended:
            raise ValidationError(
                (
                    _("%(name)s is already suspended.")
                    if suspended
                    else _("%(name)s is not suspended.")
                )
                % {"name": tenant.name}
            )
        tenant.is_active = not suspended
        tenant.disabled_at = timezone.now() if suspended else None
        tenant.disabled_by = actor if suspended else None
        tenant.disabled_reason = reason[:300] if suspended else ""
        tenant.save(
            update_fields=["is_active", "disabled_at", "disabled_by", "disabled_reason"]
        )
        _status_changed(tenant)
        platform_event_append(
            kind=PlatformEvent.Kind.TENANT_SUSPENDED
            if suspended
            else PlatformEvent.Kind.TENANT_ENABLED,
            actor=actor,
            tenant=tenant,
            reason=reason,
            details=_tenant_details(tenant),
            private=_private(note),
        )
    return tenant


def tenant_delete(
    *, actor: User, tenant: Tenant, confirmation: str, reason: str = "", note: str = ""
) -> Tenant:
    """Delete a tenant, leaving its row as a tombstone.

    Its schema is dropped; its domains, memberships, invitations, sign-in
    hand-offs and its own uploaded files go; its row keeps name, slug, kind
    and region with deleted_at/deleted_by, so records of other parties that
    name it stay intact and its slug can never be registered again (nobody can
    take over its address and impersonate it).
    """
    access_operator(actor, DELETE_PERMISSION)
    if tenant.is_platform or tenant.schema_name == get_public_schema_name():
        raise ValidationError(_("The platform itself cannot be deleted."))
    if confirmation.strip() != tenant.slug:
        raise ValidationError(
            {
                "confirmation": [
                    _("Type the subdomain “%(slug)s” exactly to confirm.")
                    % {"slug": tenant.slug}
                ]
            }
        )
    reason = _public_reason(reason) or _("Deleted by the operators.")
    connection.set_schema_to_public()
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        schema = tenant.schema_name
        # The catalog purges the tenant's entries; hosted apps what they keep
        # outside the schema that is about to go.
        hooks.run("tenant_deleting", tenant)
        for app in hosted.apps():
            if app.on_tenant_delete is not None:
                app.on_tenant_delete(tenant)
        letters = [
            name
            for name in VerificationRequest.objects.filter(tenant=tenant)
            .exclude(letter="")
            .values_list("letter", flat=True)
        ]
        VerificationRequest.objects.filter(tenant=tenant).update(letter="")
        LoginHandoff.objects.filter(tenant=tenant).delete()
        Invitation.objects.filter(tenant=tenant).delete()
        Membership.objects.filter(tenant=tenant).delete()
        # Their text may name people and proposals of the tenant that is gone.
        Notification.objects.filter(tenant=tenant).delete()
        # One by one, so routing forgets each host (tenants/routing.py signals).
        for domain in Domain.objects.filter(tenant=tenant):
            domain.delete()
        tenant.is_active = False
        tenant.deleted_at = timezone.now()
        tenant.deleted_by = actor
        tenant.save(update_fields=["is_active", "deleted_at", "deleted_by"])
        tenant_schema.schema_drop(schema)
        platform_event_append(
            kind=PlatformEvent.Kind.TENANT_DELETED,
            actor=actor,
            tenant=tenant,
            reason=reason,
            details=_tenant_details(tenant),
            private=_private(note),
        )
        # Files cannot roll back: they go once the deletion has committed.
        transaction.on_commit(
            partial(_delete_files, schema=schema, names=letters), robust=True
        )
    logger.warning("tenant %s (%s) deleted by %s", tenant.slug, schema, actor.email)
    return tenant


def _delete_files(*, schema: str, names: list[str]) -> None:
    """The tenant's own uploads: its letters, and everything under its prefix but
    the shared area (catalog files and agreements other parties' records name)."""
    delete_files(names)
    tenant_files_delete(schema)
