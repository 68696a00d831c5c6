"""Who may do what in a tenant: memberships, invitations and sign-in hand-offs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant
from .users import User


class Membership(models.Model):
    """What a user may do in one tenant."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        STAFF = "staff", _("Staff")
        AUDITOR = "auditor", _("Auditor (read-only)")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # A hosted app's own roles live in that app's tables in the tenant schema
    # (tenants/hosted.py, HostedRoles), not here.
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately, one e-mail each")
        DIGEST = "digest", _("Once a day, in one summary e-mail")

    # How the member's notifications from this tenant reach them by e-mail
    # (tenants/notifications.py); the notification log shows them either way.
    email_delivery = models.CharField(
        _("e-mail notifications"),
        max_length=12,
        choices=Delivery.choices,
        default=Delivery.IMMEDIATE,
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant"], name="tenants_membership_unique"
            ),
        ]
        ordering = ["tenant__name", "user__email"]

    def __str__(self):
        return f"{self.user} @ {self.tenant} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Invitation(models.Model):
    """An e-mailed, signed and expiring offer to join a tenant with a role."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    # The language the e-mail goes out in to an address without an account: the
    # inviter's when they invited (we know nothing of the invited person's yet);
    # someone who has an account gets theirs (services/invitations.py).
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the e-mail last went out (creation or "send again"), for the daily quota.
    last_sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="tenants_invitation_one_pending_per_email",
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.tenant} ({self.role})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class LoginHandoff(models.Model):
    """A one-time, short-lived ticket that signs a user in on a tenant's own host.

    Session cookies are per host, so after onboarding (or from "my
    organisations") the platform hands the user over to SLUG.<domain> or a
    custom domain with a signed token that names this row; redeeming it marks
    it used, so a copied link cannot be replayed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    next_path = models.CharField(max_length=200, default="/dashboard/")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="tenants_handoff_created")]

    def __str__(self):
        return f"hand-off of {self.user_id} to {self.tenant_id} at {self.created_at:%Y-%m-%d %H:%M}"
