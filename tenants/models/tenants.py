"""Tenants (tombstones kept) and the host names that route to them."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from ..regions import (
    GOVERNMENT_KINDS,
    PROVINCES,
    validate_region_code_format,
)
from ..subdomains import validate_subdomain
from ..validators import validate_single_line
from .users import User


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
            "or a security key as well as their password."
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
        from .. import register

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
