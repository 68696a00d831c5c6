"""Every write to tenants, memberships and invitations goes through these functions."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import get_public_schema_name

from core.storage import delete_files, tenant_files_delete
from core.uploads import validate_pdf

from . import hooks, hosted, register
from . import schema as tenant_schema
from .access import (
    VERIFY_PERMISSION,
    access_operator,
    access_tenant_admin,
)
from .models import (
    Domain,
    Invitation,
    LoginHandoff,
    Membership,
    Notification,
    PlatformEvent,
    SetupStepSkip,
    Tenant,
    User,
    VerificationRequest,
)
from .notifications import notify
from .regions import GOVERNMENT_KINDS, identity_errors
from .subdomains import schema_name_for, subdomain_errors
from .transparency import operator_label, platform_event_append

logger = logging.getLogger(__name__)

HANDOFF_SALT = "tenants.handoff"
HANDOFF_MAX_AGE = 120  # seconds: the redirect happens at once
INVITATION_SALT = "tenants.invitation"
PLATFORM_SLUG = "platform"
DUPLICATE_SCHEMA = "42P06"
# Invitation e-mails a tenant may send per day: few until the operators verify it,
# so an unverified organisation cannot be used to spam strangers.
INVITATIONS_PER_DAY = {"unverified": 20, "verified": 300}


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


# --- operator actions ----------------------------------------------------------
# Each one checks the operator through tenants.access.access_operator, changes
# the tenant under a row lock and appends exactly one entry to the platform's
# transparency log in the same transaction: a refused or rolled-back action
# leaves no entry, and no entry exists without its change. `reason` is
# published with the entry; `note` stays private (only its salted digest is
# published, tenants/transparency.py).

REASON_MAX = 500
CHANGE_PERMISSION = "tenants.change_tenant"
DELETE_PERMISSION = "tenants.delete_tenant"


def _locked_tenant(tenant: Tenant) -> Tenant:
    """The tenant's row, locked, re-read (a tombstone or another tenant is refused)."""
    try:
        return Tenant.objects.select_for_update().get(pk=tenant.pk)
    except Tenant.DoesNotExist:
        raise ValidationError(_("This organisation no longer exists.")) from None


def _public_reason(reason: str, *, required: bool = False) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise ValidationError(
            {"reason": [_("Give the reason; the organisation and the public see it.")]}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": [
                    _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}
                ]
            }
        )
    return reason


def _private(note: str) -> dict:
    note = (note or "").strip()
    return {"note": note} if note else {}


def _admin_ids(tenant: Tenant) -> list[int]:
    return list(
        Membership.objects.filter(
            tenant=tenant, role=Membership.Role.ADMIN, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _notify_decision(tenant: Tenant, *, verified: bool, reason: str) -> None:
    """Tell the tenant's administrators what the operators decided."""
    if verified:
        subject = gettext_lazy("%(name)s is verified on BagiPakai")
        sentence = gettext_lazy(
            "The BagiPakai operators verified %(name)s: its public pages now show "
            "it as verified."
        )
    else:
        subject = gettext_lazy("Verification of %(name)s was refused")
        sentence = gettext_lazy(
            "The BagiPakai operators could not verify %(name)s yet; you may ask "
            "again with a new letter. Reason: %(reason)s"
        )
    notify(
        recipients=_admin_ids(tenant),
        tenant=tenant,
        kind="tenant_verified" if verified else "tenant_refused",
        subject=subject,
        sentence=sentence,
        path="/dashboard/verification/",
        params={"name": tenant.name, "reason": reason},
    )


def _close_pending_request(
    tenant: Tenant, *, actor: User, status: str, reason: str
) -> VerificationRequest | None:
    pending = (
        VerificationRequest.objects.select_for_update()
        .filter(tenant=tenant, status=VerificationRequest.Status.PENDING)
        .first()
    )
    if pending is None:
        return None
    pending.status = status
    pending.decided_at = timezone.now()
    pending.decided_by = actor
    pending.decided_by_label = operator_label(actor)
    pending.decision_reason = reason
    pending.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decided_by_label",
            "decision_reason",
        ]
    )
    return pending


def tenant_verify(
    *, actor: User, tenant: Tenant, reason: str = "", note: str = ""
) -> Tenant:
    """The operators confirm the tenant is the organisation it names."""
    access_operator(actor, VERIFY_PERMISSION)
    if tenant.is_platform:
        raise ValidationError(_("The platform itself needs no verification."))
    reason = _public_reason(reason) or _(
        "Checked against the official register and the letter of the organisation."
    )
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        if tenant.is_verified:
            raise ValidationError(
                _("%(name)s is already verified.") % {"name": tenant.name}
            )
        tenant.verification_status = Tenant.Verification.VERIFIED
        tenant.verified_at = timezone.now()
        tenant.verified_by = actor
        tenant.save(update_fields=["verification_status", "verified_at", "verified_by"])
        request = _close_pending_request(
            tenant,
            actor=actor,
            status=VerificationRequest.Status.VERIFIED,
            reason=reason,
        )
        _record_decision(
            tenant, request, actor=actor, verified=True, reason=reason, note=note
        )
    return tenant


def _record_decision(tenant, request, *, actor, verified: bool, reason, note) -> None:
    """One verification decision: its platform-log entry, and the e-mail to the
    tenant's admins once it commits."""
    platform_event_append(
        kind=PlatformEvent.Kind.TENANT_VERIFIED
        if verified
        else PlatformEvent.Kind.TENANT_REFUSED,
        actor=actor,
        tenant=tenant,
        reason=reason,
        details=_tenant_details(tenant, request),
        private=_private(note),
    )
    _notify_decision(tenant, verified=verified, reason=reason)


def tenant_refuse_verification(
    *, actor: User, tenant: Tenant, reason: str, note: str = ""
) -> VerificationRequest:
    """The operators refuse a pending request, saying why; the tenant may ask again."""
    access_operator(actor, VERIFY_PERMISSION)
    reason = _public_reason(reason, required=True)
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        request = _close_pending_request(
            tenant,
            actor=actor,
            status=VerificationRequest.Status.REFUSED,
            reason=reason,
        )
        if request is None:
            raise ValidationError(
                _("%(name)s has no pending verification request.")
                % {"name": tenant.name}
            )
        _record_decision(
            tenant, request, actor=actor, verified=False, reason=reason, note=note
        )
    return request


def _tenant_details(tenant: Tenant, request: VerificationRequest | None = None) -> dict:
    """What the public log records of the tenant at the time of the action."""
    details = {"kind": tenant.kind, "region_code": tenant.region_code}
    if request is not None:
        details["request_id"] = request.pk
    return details


def tenant_unverify(
    *, actor: User, tenant: Tenant, reason: str = "", note: str = ""
) -> Tenant:
    access_operator(actor, VERIFY_PERMISSION)
    if tenant.is_platform:
        raise ValidationError(_("The platform itself needs no verification."))
    reason = _public_reason(reason) or _("Verification withdrawn by the operators.")
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        if not tenant.is_verified:
            raise ValidationError(
                _("%(name)s is not verified.") % {"name": tenant.name}
            )
        tenant.verification_status = Tenant.Verification.UNVERIFIED
        tenant.verified_at = None
        tenant.verified_by = None
        tenant.save(update_fields=["verification_status", "verified_at", "verified_by"])
        platform_event_append(
            kind=PlatformEvent.Kind.TENANT_UNVERIFIED,
            actor=actor,
            tenant=tenant,
            reason=reason,
            details=_tenant_details(tenant),
            private=_private(note),
        )
    return tenant


def tenant_disable(
    *, actor: User, tenant: Tenant, reason: str = "", note: str = ""
) -> Tenant:
    access_operator(actor, CHANGE_PERMISSION)
    if tenant.is_platform:
        raise ValidationError(_("The platform itself cannot be disabled."))
    reason = _public_reason(reason) or _("Suspended by the operators.")
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        if not tenant.is_active:
            raise ValidationError(
                _("%(name)s is already suspended.") % {"name": tenant.name}
            )
        tenant.is_active = False
        tenant.disabled_at = timezone.now()
        tenant.disabled_by = actor
        tenant.disabled_reason = reason[:300]
        tenant.save(
            update_fields=["is_active", "disabled_at", "disabled_by", "disabled_reason"]
        )
        _status_changed(tenant)
        platform_event_append(
            kind=PlatformEvent.Kind.TENANT_SUSPENDED,
            actor=actor,
            tenant=tenant,
            reason=reason,
            details=_tenant_details(tenant),
            private=_private(note),
        )
    return tenant


def _status_changed(tenant: Tenant) -> None:
    """Suspended or enabled again: the `tenant_status_changed` hooks run (the
    catalog recounts who uses its apps: a suspended organisation does not)."""
    hooks.run("tenant_status_changed", tenant)


def tenant_enable(
    *, actor: User, tenant: Tenant, reason: str = "", note: str = ""
) -> Tenant:
    access_operator(actor, CHANGE_PERMISSION)
    reason = _public_reason(reason) or _("Enabled again by the operators.")
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        if tenant.is_active:
            raise ValidationError(
                _("%(name)s is not suspended.") % {"name": tenant.name}
            )
        tenant.is_active = True
        tenant.disabled_at = None
        tenant.disabled_by = None
        tenant.disabled_reason = ""
        tenant.save(
            update_fields=["is_active", "disabled_at", "disabled_by", "disabled_reason"]
        )
        _status_changed(tenant)
        platform_event_append(
            kind=PlatformEvent.Kind.TENANT_ENABLED,
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


# --- verification requests (the tenant side) ----------------------------------------

NOTE_MAX = 1000


def verification_request_create(
    *, actor: User, tenant: Tenant, letter, note: str = ""
) -> VerificationRequest:
    """A tenant's administrator asks the operators to verify it, with an official letter."""
    if tenant.is_platform:
        raise ValidationError(_("The platform itself needs no verification."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": [_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}]}
        )
    # Who asks is checked before the file is read.
    access_tenant_admin(actor, tenant)
    if letter is None:
        raise ValidationError(
            {"letter": [_("Attach the official letter (PDF) of your organisation.")]}
        )
    try:
        validate_pdf(letter, parse=True)
    except ValidationError as exc:
        raise ValidationError({"letter": exc.messages}) from None
    with transaction.atomic():
        tenant = _locked_tenant(tenant)
        if tenant.is_verified:
            raise ValidationError(_("Your organisation is already verified."))
        if VerificationRequest.objects.filter(
            tenant=tenant, status=VerificationRequest.Status.PENDING
        ).exists():
            raise ValidationError(
                _("Your request is already with the operators; wait for their answer.")
            )
        request = VerificationRequest(
            tenant=tenant,
            requested_by=actor,
            requested_by_label=actor.email,
            note=note,
        )
        request.letter.save(letter.name, letter, save=False)
        try:
            request.save()
        except BaseException as exc:
            # Nothing half-done: the file goes with the row that failed.
            default_storage.delete(request.letter.name)
            if isinstance(exc, IntegrityError):
                raise ValidationError(
                    _(
                        "Your request is already with the operators; wait for their answer."
                    )
                ) from None
            raise
        _notify_operators(request)
    return request


def verification_operators() -> list[User]:
    """The active operators who may verify organisations."""
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(
        content_type__app_label="tenants", codename="verify_tenant"
    ).first()
    operators = User.objects.filter(is_active=True, is_staff=True)
    holds = Q(is_superuser=True)
    if permission is not None:
        holds |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return list(operators.filter(holds).distinct().order_by("pk"))


def _notify_operators(request: VerificationRequest) -> None:
    """Tell the operators, on the platform host, that a request waits on the desk."""
    recipients = verification_operators()
    if not recipients:
        logger.warning("no operator may verify %s", request.tenant.slug)
        return
    tenant = request.tenant
    notify(
        recipients=recipients,
        tenant=None,
        kind="verification_requested",
        subject=gettext_lazy("Verification requested: %(name)s"),
        sentence=gettext_lazy(
            "%(name)s (%(slug)s, region code %(code)s) asks to be verified; asked "
            "by %(who)s. Check the evidence and decide on the verification desk."
        ),
        path=f"/operator/verification/{request.pk}/",
        params={
            "name": tenant.name,
            "slug": tenant.slug,
            "code": tenant.region_code or "—",
            "who": request.requested_by_label,
        },
    )


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
            from .transparency import platform_event_append

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


# --- memberships ----------------------------------------------------------------


def _lock_admins(tenant: Tenant) -> list[Membership]:
    """Lock this tenant's admin memberships so two demotions cannot both pass the check."""
    return list(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, role=Membership.Role.ADMIN)
        .order_by("pk")
    )


def membership_change_role(
    *, actor: User, membership: Membership, role: str
) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    with transaction.atomic():
        admins = _lock_admins(membership.tenant)
        # Checked after the lock: a concurrent demotion of the actor counts.
        access_tenant_admin(actor, membership.tenant)
        membership.refresh_from_db()
        if (
            membership.role == Membership.Role.ADMIN
            and role != Membership.Role.ADMIN
            and len(admins) <= 1
        ):
            raise ValidationError(
                _(
                    "%(who)s is the last administrator; make someone else an administrator first."
                )
                % {"who": membership.user}
            )
        if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
            _revoke_invitations_sent_by(membership, revoked_by=actor)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _revoke_invitations_sent_by(membership: Membership, *, revoked_by: User) -> None:
    """An administrator who loses the role takes their pending invitations with them."""
    Invitation.objects.filter(
        tenant=membership.tenant,
        invited_by=membership.user,
        status=Invitation.Status.PENDING,
    ).update(
        status=Invitation.Status.REVOKED,
        revoked_at=timezone.now(),
        revoked_by=revoked_by,
    )


def membership_set_app_roles(
    *, actor: User, membership: Membership, app_key: str, roles: list[str]
) -> frozenset[str]:
    """Which roles of a hosted app a member holds (stored in the app's own table
    in the tenant's schema, tenants/hosted.py)."""
    app = hosted.get(app_key)
    if app is None or app.roles is None:
        raise ValidationError(_("This app defines no roles."))
    unknown = set(roles) - {value for value, _label in app.roles.choices()}
    if unknown:
        raise ValidationError({"roles": [_("Choose valid roles.")]})
    with transaction.atomic():
        access_tenant_admin(actor, membership.tenant)
        membership.refresh_from_db()
        if membership.role == Membership.Role.VIEWER and roles:
            raise ValidationError(
                _("Viewers cannot hold %(app)s roles; make them staff first.")
                % {"app": app.label}
            )
        held = frozenset(roles)
        with hosted.in_schema(membership.tenant):
            app.roles.store(membership.user_id, held)
    return held


def membership_remove(*, actor: User, membership: Membership) -> None:
    with transaction.atomic():
        admins = _lock_admins(membership.tenant)
        if actor.pk != membership.user_id:
            access_tenant_admin(actor, membership.tenant)
        membership = Membership.objects.filter(pk=membership.pk).first()
        if membership is None:
            return
        if membership.role == Membership.Role.ADMIN and len(admins) <= 1:
            raise ValidationError(
                _("%(who)s is the last administrator and cannot be removed.")
                % {"who": membership.user}
            )
        _revoke_invitations_sent_by(membership, revoked_by=actor)
        Membership.objects.filter(pk=membership.pk).delete()
        # Roles in hosted apps go with the membership (they would come back
        # with a later invitation otherwise).
        hosted.roles_clear(membership.tenant, membership.user_id)


# --- invitations -------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.token), salt=INVITATION_SALT, compress=False)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link names, or None for a forged or mangled link."""
    try:
        raw = signing.loads(
            token,
            salt=INVITATION_SALT,
            max_age=timedelta(days=settings.INVITATION_MAX_AGE_DAYS + 1),
        )
        return Invitation.objects.select_related("tenant", "invited_by").get(token=raw)
    except (signing.BadSignature, Invitation.DoesNotExist, ValueError, ValidationError):
        return None


def _notify_invitation(invitation: Invitation) -> None:
    """E-mail the invitation link, on the tenant's primary domain. Someone who
    already has an account gets it in their language and their log."""
    user = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    expires = invitation.expires_at
    notify(
        recipients=[user or invitation.email],
        tenant=invitation.tenant,
        kind="invitation",
        subject=gettext_lazy("Invitation to join %(tenant)s on BagiPakai"),
        sentence=gettext_lazy(
            "%(who)s invited you to join %(tenant)s on BagiPakai as %(role)s. Open "
            "the link to accept; it works once and expires on %(date)s."
        ),
        path=reverse(
            "invitation_accept",
            args=[invitation_token(invitation)],
            urlconf="config.urls_tenant",
        ),
        params={
            "who": invitation.invited_by or invitation.tenant.name,
            "tenant": invitation.tenant.name,
            "role": invitation.get_role_display(),
            "date": lazy(
                lambda: date_format(timezone.localtime(expires), "j F Y H:i"), str
            )(),
        },
        digest=False,
    )


def invitation_create(
    *, actor: User, tenant: Tenant, email: str, role: str
) -> Invitation:
    """Invite `email` to `tenant`; the e-mail links to the tenant's primary domain."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    with transaction.atomic():
        access_tenant_admin(actor, tenant)
        if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
            raise ValidationError(
                {"email": [_("%(email)s is already a member.") % {"email": email}]}
            )
        already = ValidationError(
            {
                "email": [
                    _(
                        "%(email)s already has a pending invitation; resend it from the list below."
                    )
                    % {"email": email}
                ]
            }
        )
        if Invitation.objects.filter(
            tenant=tenant, email__iexact=email, status=Invitation.Status.PENDING
        ).exists():
            raise already
        _check_invitation_quota(tenant)
        now = timezone.now()
        try:
            # A double-click races the check above; the constraint decides.
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    tenant=tenant,
                    email=email,
                    role=role,
                    invited_by=actor,
                    created_at=now,
                    last_sent_at=now,
                    expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
                )
        except IntegrityError as exc:
            raise already from exc
        _notify_invitation(invitation)
    return invitation


def _check_invitation_quota(tenant: Tenant) -> None:
    limit = INVITATIONS_PER_DAY["verified" if tenant.is_verified else "unverified"]
    sent = Invitation.objects.filter(
        tenant=tenant, last_sent_at__gte=timezone.now() - timedelta(days=1)
    ).count()
    if sent >= limit:
        raise ValidationError(
            _(
                "Your organisation has sent %(n)d invitations in the last 24 hours, the most allowed. "
                "Please try again tomorrow."
            )
            % {"n": sent}
        )


def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Send a pending invitation again with a fresh validity period."""
    with transaction.atomic():
        access_tenant_admin(actor, invitation.tenant)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise ValidationError(_("Only pending invitations can be sent again."))
        _check_invitation_quota(invitation.tenant)
        now = timezone.now()
        invitation.expires_at = now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
        invitation.last_sent_at = now
        invitation.save(update_fields=["expires_at", "last_sent_at"])
        _notify_invitation(invitation)
    return invitation


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        access_tenant_admin(actor, invitation.tenant)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise ValidationError(_("This invitation is no longer pending."))
        invitation.status = Invitation.Status.REVOKED
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = actor
        invitation.save(update_fields=["status", "revoked_at", "revoked_by"])
    return invitation


def invitation_problem(invitation: Invitation | None, *, tenant: Tenant) -> str | None:
    """Why this invitation cannot be accepted on this tenant's host, or None."""
    if invitation is None or invitation.tenant_id != tenant.pk:
        return _(
            "This invitation link is not valid. Ask your administrator for a new one."
        )
    if invitation.status == Invitation.Status.ACCEPTED:
        return _("This invitation has already been used. Sign in to continue.")
    if invitation.status == Invitation.Status.REVOKED:
        return _("This invitation was withdrawn by the administrator.")
    if invitation.is_expired:
        return _(
            "This invitation has expired. Ask your administrator to send it again."
        )
    return None


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Turn a pending invitation into a membership for `user` (whose e-mail it names)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("tenant")
            .get(pk=invitation.pk)
        )
        problem = invitation_problem(invitation, tenant=invitation.tenant)
        if problem:
            raise ValidationError(problem)
        if user.email.lower() != invitation.email.lower():
            raise PermissionDenied(
                _(
                    "This invitation was sent to %(email)s, but you are signed in as %(you)s."
                )
                % {"email": invitation.email, "you": user.email}
            )
        # The plan's seat limit (billing's hook).
        hooks.run("seat_check", invitation.tenant, user=user)
        membership, created = Membership.objects.get_or_create(
            user=user, tenant=invitation.tenant, defaults={"role": invitation.role}
        )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
        _mark_email_verified(user, invitation.email)
    return membership


def invitation_signup(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create the invited person's account; the link proved they own the address."""
    exists = ValidationError(
        _("An account for %(email)s already exists; sign in instead.")
        % {"email": invitation.email}
    )
    with transaction.atomic():
        # Lock first: a double-click waits here, then finds the invitation used.
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("tenant")
            .get(pk=invitation.pk)
        )
        problem = invitation_problem(invitation, tenant=invitation.tenant)
        if problem:
            raise ValidationError(problem)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise exists
        # Before the account exists: a refusal leaves nothing behind.
        hooks.run("seat_check", invitation.tenant, user=None)
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=password,
                    full_name=full_name.strip(),
                )
        except IntegrityError as exc:
            raise exists from exc
        invitation_accept(invitation=invitation, user=user)
    return user


def _mark_email_verified(user: User, email: str) -> None:
    from allauth.account.models import EmailAddress

    address, _created = EmailAddress.objects.get_or_create(
        user=user, email=email.lower(), defaults={"verified": True, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


# --- signing in on a tenant's host -----------------------------------------------------


def handoff_create(
    *, user: User, tenant: Tenant, next_path: str = "/dashboard/"
) -> str:
    """A signed one-time token that signs `user` in on `tenant`'s own host."""
    if (
        not next_path.startswith("/")
        or next_path.startswith("//")
        or "\\" in next_path
        or len(next_path) > 200
        or any(ord(c) < 32 or ord(c) == 127 for c in next_path)
    ):
        next_path = "/dashboard/"
    if not Membership.objects.filter(user=user, tenant=tenant).exists():
        raise PermissionDenied(_("You are not a member of this organisation."))
    handoff = LoginHandoff.objects.create(user=user, tenant=tenant, next_path=next_path)
    # Old tickets are useless after HANDOFF_MAX_AGE; keep the table small.
    LoginHandoff.objects.filter(
        created_at__lt=timezone.now() - timedelta(seconds=HANDOFF_MAX_AGE * 10)
    ).delete()
    return signing.dumps(str(handoff.pk), salt=HANDOFF_SALT, compress=False)


def _handoff_id(token: str) -> str | None:
    try:
        return signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE)
    except signing.BadSignature:
        return None


def handoff_peek(*, token: str, tenant: Tenant) -> LoginHandoff | None:
    """The unused ticket `token` names for this tenant, without using it up."""
    raw = _handoff_id(token)
    if raw is None:
        return None
    try:
        return LoginHandoff.objects.select_related("user", "tenant").get(
            pk=raw, tenant=tenant, used_at__isnull=True, user__is_active=True
        )
    except (LoginHandoff.DoesNotExist, ValueError, ValidationError):
        return None


def handoff_redeem(*, token: str, tenant: Tenant) -> LoginHandoff | None:
    """The unused ticket for this tenant that `token` names (marked used), or None."""
    raw = _handoff_id(token)
    if raw is None:
        return None
    with transaction.atomic():
        try:
            handoff = (
                LoginHandoff.objects.select_for_update()
                .select_related("user")
                .get(pk=raw, tenant=tenant, used_at__isnull=True)
            )
        except (LoginHandoff.DoesNotExist, ValueError, ValidationError):
            return None
        handoff.used_at = timezone.now()
        handoff.save(update_fields=["used_at"])
    if not handoff.user.is_active:
        return None
    return handoff


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language a person chose (pages on every host, their e-mails)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"not a language of the site: {language!r}")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- getting started -------------------------------------------------------------------


def setup_step_skip(*, actor: User, tenant: Tenant, scope: str, step: str) -> None:
    """An administrator skips a getting-started step ("not now"): it leaves the
    to-do list; the set-up page still shows it, with a way back."""
    access_tenant_admin(actor, tenant)
    SetupStepSkip.objects.get_or_create(
        tenant=tenant, scope=scope, step=step, defaults={"skipped_by": actor}
    )


def setup_step_resume(*, actor: User, tenant: Tenant, scope: str, step: str) -> None:
    """Undo a skip: the step is back on the to-do list until it is done."""
    access_tenant_admin(actor, tenant)
    SetupStepSkip.objects.filter(tenant=tenant, scope=scope, step=step).delete()
