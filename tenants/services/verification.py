"""Verifying a tenant: the tenant's requests and the operators' decisions."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.uploads import validate_pdf

from ..access import VERIFY_PERMISSION, access_operator, access_tenant_admin
from ..models import PlatformEvent, Tenant, User, VerificationRequest
from ..notifications import notify
from ..selectors import tenant_admins
from ..transparency import operator_label, platform_event_append
from .common import _locked_tenant, _private, _public_reason

logger = logging.getLogger(__name__)


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
        recipients=tenant_admins(tenant),
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
