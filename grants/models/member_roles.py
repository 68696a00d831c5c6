"""Sabilulungan roles held by members of a tenant."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ..roles import GrantRole


class MemberRole(models.Model):
    """A Sabilulungan role held by a member of this tenant (one row per role).

    Lives in the tenant's own schema, the user named by id (no key out of the
    schema); the members page assigns it through the kernel's hosted-app
    contract (grants/roles.py). Only the tenant's administrators and staff act
    with it (grants/services/actors.py).
    """

    user_id = models.BigIntegerField()
    role = models.CharField(max_length=30, choices=GrantRole.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "role"], name="grants_member_role_once"
            )
        ]
        indexes = [models.Index(fields=["role"], name="grants_member_role_role")]

    def __str__(self):
        return f"{self.user_id}: {self.role}"
