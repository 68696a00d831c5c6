"""Getting-started steps an administrator chose to skip."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant
from .users import User


class SetupStepSkip(models.Model):
    """A getting-started step an administrator chose to skip in their tenant.

    Steps themselves are not stored: whether one is done is derived from the
    tenant's data each time (tenants/hosted.py `SetupStep.done`); only the
    administrator's "not now" is. `scope` is the hosted app's key, or "" for
    the organisation's own steps (and the platform services').
    """

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="skipped_setup_steps"
    )
    scope = models.CharField(max_length=50, blank=True)
    step = models.CharField(max_length=50)
    skipped_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skipped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("skipped set-up step")
        verbose_name_plural = _("skipped set-up steps")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "scope", "step"], name="tenants_setup_skip_unique"
            )
        ]

    def __str__(self):
        return f"{self.tenant_id} {self.scope or '-'}:{self.step}"
