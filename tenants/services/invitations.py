"""Invitations to join a tenant: sending, resending, revoking, accepting, signing up."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.i18n import active_language

from .. import hooks
from ..access import access_tenant_admin
from ..models import Invitation, Membership, Tenant, User
from ..notifications import Address, notify

INVITATION_SALT = "tenants.invitation"


# Invitation e-mails a tenant may send per day: few until the operators verify it,
# so an unverified organisation cannot be used to spam strangers.
INVITATIONS_PER_DAY = {"unverified": 20, "verified": 300}


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
    already has an account gets it in their language and their log; an address
    without one, in the inviter's language when they invited (Invitation.language)."""
    user = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    expires = invitation.expires_at
    notify(
        recipients=[user or Address(invitation.email, invitation.language)],
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
                    language=active_language(),
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
