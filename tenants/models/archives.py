"""Archives of an organisation, built by a background job for download."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant
from .users import User


def tenant_archive_path(instance, filename: str) -> str:
    """Under the platform's own prefix (never the tenant's, so an archive never
    holds an earlier archive), by tenant id, with a random name."""
    return f"platform/archives/{instance.tenant_id}/{uuid.uuid4().hex}.tar.gz"


class TenantArchive(models.Model):
    """An archive of one organisation (tenants/archive/), built by a background
    job and downloaded behind a fresh second-factor check and a short-lived link.

    It holds applicants' NIKs, bank accounts and identity documents: only
    operators with `tenants.export_tenant` and the organisation's own
    administrators may ask for it or download it, and every download is
    written to the platform log. The file is removed once it expires.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="archives"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(upload_to=tenant_archive_path, max_length=200, blank=True)
    bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("organisation archive")
        verbose_name_plural = _("organisation archives")
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "export_tenant",
                _("Can export organisations' archives (with their personal data)"),
            )
        ]

    def __str__(self):
        return f"{self.tenant} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"
