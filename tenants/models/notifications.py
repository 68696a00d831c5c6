"""Notifications: what a user was told, and the record of the e-mail that went with it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant
from .users import User


class Notification(models.Model):
    """One thing a user was told about (tenants/notifications.py): the user's
    notification log, and the record of the e-mail that went with it.

    Subject and sentence are stored as rendered in the user's language when it
    was sent: the log shows what the e-mail said.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications"
    )
    # None: a platform notification (the verification desk, the account).
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=300)
    sentence = models.TextField(_("what happened"))
    # Absolute, on the tenant's primary domain (or the platform host).
    url = models.CharField(_("link"), max_length=600)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # True: waits for (or went in) the member's daily digest.
    in_digest = models.BooleanField(default=False)
    # When the e-mail was queued (at once, or with the digest).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The log page: one user's rows in one tenant (or the platform).
            models.Index(
                fields=["user", "tenant", "-created_at"], name="tenants_notif_log"
            ),
            # The header's unread count, on every page a signed-in user opens.
            models.Index(
                fields=["user", "tenant"],
                condition=models.Q(read_at__isnull=True),
                name="tenants_notif_unread",
            ),
            # The daily digest finds what still waits without scanning the log.
            models.Index(
                fields=["created_at"],
                condition=models.Q(in_digest=True, emailed_at__isnull=True),
                name="tenants_notif_digest_due",
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
