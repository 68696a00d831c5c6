"""A tenant's requests to be verified by the platform operators, with their letters."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import tenant_file_name

from .tenants import Tenant
from .users import User


def verification_letter_path(instance, filename: str) -> str:
    """Under the tenant's prefix, with a random name: private evidence for the
    operators, gone with the tenant."""
    return tenant_file_name(instance.tenant.schema_name, "verification", "pdf")


class VerificationRequest(models.Model):
    """A tenant's administrator asks the platform operators to verify it.

    The official letter (PDF) is evidence for the operators only: it is served
    through the verification desk behind the operator check, never publicly.
    One request at a time may be pending; a refused tenant may ask again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the operators")
        VERIFIED = "verified", _("Verified")
        REFUSED = "refused", _("Refused")

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="verification_requests"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who asked, as they were named then (the account may be deleted later).
    requested_by_label = models.CharField(max_length=254, blank=True)
    letter = models.FileField(
        _("official letter (PDF)"),
        upload_to=verification_letter_path,
        max_length=200,
        blank=True,
    )
    note = models.TextField(_("note for the operators"), blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_label = models.CharField(max_length=254, blank=True)
    # Told to the tenant and published in the platform log.
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "tenant",
                condition=models.Q(status="pending"),
                name="tenants_verification_one_pending",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status="pending"),
                name="tenants_verif_queue",
            ),
        ]

    def __str__(self):
        return f"{self.tenant} ({self.status}, {self.created_at:%Y-%m-%d})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
