"""The platform's transparency log and the tenant chain heads it anchors."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformEvent(models.Model):
    """One entry of the platform's transparency log, append-only and hash-chained.

    Operators' actions (verify, refuse, suspend, enable, delete, hide an app,
    grant a plan …) and the tenants' audit-chain heads anchored by the
    background job. Who and which tenant are kept as snapshots (ids without
    foreign keys, names as they were), so deleting a user or a tenant never
    touches the log: a deleted tenant's entries stay as its tombstone.

    `hash = SHA-256(prev_hash + canonical(public part))`; the public part
    includes `private_digest`, a salted digest of whatever the entry keeps
    private (tenants/transparency.py), so the published log verifies without it.
    """

    class Kind(models.TextChoices):
        TENANT_VERIFIED = "tenant_verified", _("Organisation verified")
        TENANT_REFUSED = "tenant_refused", _("Verification refused")
        TENANT_UNVERIFIED = "tenant_unverified", _("Verification withdrawn")
        TENANT_SUSPENDED = "tenant_suspended", _("Organisation suspended")
        TENANT_ENABLED = "tenant_enabled", _("Organisation enabled again")
        TENANT_DELETED = "tenant_deleted", _("Organisation deleted")
        APP_HIDDEN = "app_hidden", _("Catalog entry hidden")
        APP_SHOWN = "app_shown", _("Catalog entry shown again")
        PLAN_GRANTED = "plan_granted", _("Plan granted")
        CHAIN_ANCHORED = "chain_anchored", _("Audit chain head anchored")
        MFA_RESET = "mfa_reset", _("Two-step sign-in reset after a lost device")
        TENANT_MOVED = (
            "tenant_moved",
            _("Organisation's data moved to another database node"),
        )
        TENANT_EXPORTED = "tenant_exported", _("Organisation's archive made")
        TENANT_IMPORTED = "tenant_imported", _("Organisation imported from an archive")
        ARCHIVE_DOWNLOADED = (
            "archive_downloaded",
            _("Organisation's archive downloaded"),
        )

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # Snapshots, not foreign keys (see the docstring).
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    tenant_id = models.BigIntegerField(null=True, blank=True)
    tenant_slug = models.CharField(max_length=63, blank=True)
    tenant_name = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    # Published with the entry and covered by its hash.
    details = models.JSONField(default=dict, blank=True)
    # Never published: covered through private_digest = SHA-256(salt + canonical(private)).
    private = models.JSONField(default=dict, blank=True)
    salt = models.CharField(max_length=32, blank=True)
    private_digest = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("platform log entry")
        verbose_name_plural = _("platform log")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "tenant_verified",
                        "tenant_refused",
                        "tenant_unverified",
                        "tenant_suspended",
                        "tenant_enabled",
                        "tenant_deleted",
                        "app_hidden",
                        "app_shown",
                        "plan_granted",
                        "chain_anchored",
                        "mfa_reset",
                        "tenant_moved",
                        "tenant_exported",
                        "tenant_imported",
                        "archive_downloaded",
                    ]
                ),
                name="tenants_platformevent_kind_known",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant_id", "seq"], name="tenants_pevent_tenant"),
            models.Index(fields=["kind", "seq"], name="tenants_pevent_kind"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.kind} {self.tenant_slug}"


class ChainAnchor(models.Model):
    """One tenant chain's head as the platform saw it (append-only).

    Written by the anchoring job (tenants/anchoring.py) for every chain whose
    head changed since its last anchor, all rows of a run under one
    PlatformEvent(kind=CHAIN_ANCHORED) whose published details carry the
    digest of the run's anchors: the anchors are covered by the platform log's
    chain. Tenant snapshots, not foreign keys, like the log itself.
    """

    tenant_id = models.BigIntegerField()
    tenant_slug = models.CharField(max_length=63)
    chain = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    # The seq of the PlatformEvent that published this anchor's batch.
    batch_seq = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("anchored chain head")
        verbose_name_plural = _("anchored chain heads")
        permissions = [("anchor_chains", _("Can anchor the audit chains on demand"))]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "chain", "seq"], name="tenants_anchor_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["batch_seq"], name="tenants_anchor_batch"),
        ]

    def __str__(self):
        return f"{self.tenant_slug} {self.chain} #{self.seq}"
