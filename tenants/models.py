"""Platform-wide (public schema) models: users, tenants, their domains and memberships."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from core.storage import tenant_file_name

from .regions import (
    GOVERNMENT_KINDS,
    PROVINCES,
    validate_region_code_format,
)
from .subdomains import validate_subdomain
from .validators import validate_single_line


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person. Lives in the public schema; what they may do in a tenant is a Membership."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, validators=[validate_single_line]
    )
    # The language chosen with the switcher while signed in: pages on every host
    # (the platform and each tenant) and the e-mails sent to them use it.
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="tenants_user_email_ci_unique"
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class LiveTenantManager(models.Manager):
    """Tenants that exist: a deleted tenant's row stays as a tombstone (deleted_at
    set) that routing, lists, counts and sign-in never see. `Tenant.all_objects`
    includes tombstones (for the record, and to keep their slugs taken)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Tenant(TenantMixin):
    """A city, regency, province or institution with its own schema and subdomain."""

    class Kind(models.TextChoices):
        KOTA = "kota", _("City (kota)")
        KABUPATEN = "kabupaten", _("Regency (kabupaten)")
        PROVINSI = "provinsi", _("Province (provinsi)")
        LEMBAGA = "lembaga", _("Institution (lembaga)")
        PLATFORM = "platform", _("Platform")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VERIFIED = "verified", _("Verified")

    name = models.CharField(
        _("name"), max_length=200, validators=[validate_single_line]
    )
    slug = models.CharField(
        _("subdomain"), max_length=30, unique=True, validators=[validate_subdomain]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = models.CharField(
        _("province"), max_length=2, choices=PROVINCES, blank=True
    )
    region_code = models.CharField(
        _("region code (Kemendagri)"),
        max_length=13,
        blank=True,
        validators=[validate_region_code_format],
        help_text=_("Kode wilayah Kemendagri, e.g. 32.73 for Kota Bandung."),
    )
    # An institution (lembaga) is not a region: it names the kota, kabupaten or
    # province of the register it sits in (tenants/register.py).
    seat_region_code = models.CharField(
        _("seat region (Kemendagri code)"),
        max_length=13,
        blank=True,
        validators=[validate_region_code_format],
        help_text=_("For an institution: the city, regency or province it sits in."),
    )
    description = models.TextField(_("about"), blank=True)
    address = models.CharField(_("office address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    verification_status = models.CharField(
        _("verification"),
        max_length=20,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "A disabled tenant's sites show a 'suspended' page; its data is kept."
        ),
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disabled_reason = models.CharField(
        _("reason for suspension"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # A deleted tenant keeps this row (name, slug, region) as its tombstone:
    # its schema, domains, members and files are gone, its slug is never reused.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = LiveTenantManager()
    all_objects = models.Manager()
    mfa_required = models.BooleanField(
        _("two-step sign-in for administrators and money roles"),
        default=True,
        help_text=_(
            "Once the organisation is verified, its administrators and the members "
            "who approve or disburse money must sign in with an authenticator app "
            "as well as their password."
        ),
    )

    # Schemas are created by tenants.services.tenant_provision inside its
    # transaction, by cloning the template schema; never implicitly on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]
        # Related objects (an old adoption's adopter) still reach a tombstone.
        base_manager_name = "all_objects"
        permissions = [
            ("verify_tenant", _("Can verify organisations (verification desk)")),
        ]
        indexes = [
            # django-tenants compares a new tenant's schema name with every
            # other ignoring case (schema_name__iexact, i.e. UPPER(...) = UPPER(...));
            # without this index each provisioning scans all tenants.
            models.Index(Upper("schema_name"), name="tenants_tenant_schema_upper"),
            # Tenants are listed by name (the directory, a page at a time):
            # without it, every page sorts all of them.
            models.Index(fields=["name"], name="tenants_tenant_name"),
        ]
        constraints = [
            # One tenant per region of the register for cities, regencies and
            # provinces (institutions are many per region).
            models.UniqueConstraint(
                fields=["region_code"],
                # A deleted government's tombstone leaves its region free.
                condition=models.Q(kind__in=GOVERNMENT_KINDS, deleted_at__isnull=True),
                name="tenants_tenant_one_per_region",
                violation_error_message=_(
                    "Another organisation is already registered for this region."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_government(self) -> bool:
        return self.kind in GOVERNMENT_KINDS

    @property
    def seat_region(self):
        """The register's region this tenant governs or (an institution) sits in."""
        from . import register

        return register.region(
            self.seat_region_code
            if self.kind == self.Kind.LEMBAGA
            else self.region_code
        )

    @property
    def is_platform(self) -> bool:
        return self.kind == self.Kind.PLATFORM

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED

    @property
    def province_name(self) -> str:
        return self.get_province_display() if self.province else ""

    @property
    def profile_missing(self) -> list[str]:
        """Profile fields still empty, for the dashboard checklist."""
        fields = ["description", "address", "website", "contact_email", "contact_phone"]
        return [f for f in fields if not getattr(self, f)]


class Domain(DomainMixin):
    """A host name that routes to a tenant (SLUG.<BASE_DOMAIN>, or a custom domain)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


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
