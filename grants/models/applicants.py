"""Applicants (organisations and individuals), their masking and post-award amendments."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NIK_VALIDATOR = RegexValidator(
    r"^\d{16}$", _("A NIK has exactly 16 digits."), code="nik_format"
)


class Applicant(models.Model):
    """Who applies: an organisation, or (for bansos) an individual. Personal data stays private."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", pgettext_lazy("applicant kind", "Organisation")
        INDIVIDUAL = "individual", pgettext_lazy("applicant kind", "Individual")

    # Users live in the public schema. Tenant tables name them by id without a
    # cross-schema foreign key, so a tenant's schema dumps, restores and shards
    # (Citus) on its own.
    user_id = models.BigIntegerField(unique=True)
    kind = models.CharField(_("applicant is"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=100, blank=True)
    registration_number = models.CharField(
        _("registration number"), max_length=100, blank=True
    )
    npwp = models.CharField(
        _("NPWP"),
        max_length=20,
        blank=True,
        help_text=_("Nomor Pokok Wajib Pajak — tax number."),
    )
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        blank=True,
        validators=[NIK_VALIDATOR],
        help_text=_("Nomor Induk Kependudukan — the 16-digit national ID number."),
    )
    address = models.CharField(_("address"), max_length=300)
    kecamatan = models.CharField(_("kecamatan (district)"), max_length=100)
    kelurahan = models.CharField(_("kelurahan (village)"), max_length=100)
    # Kemendagri register codes of the two (tenants/register.py); the names
    # above are the register's. Empty only for old free text no register name
    # matched, until staff fix it (grants/staff/places/).
    kecamatan_code = models.CharField(
        _("kecamatan code"), max_length=13, blank=True, default=""
    )
    kelurahan_code = models.CharField(
        _("kelurahan code"), max_length=13, blank=True, default=""
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account number"), max_length=40, blank=True)
    bank_account_name = models.CharField(
        _("account holder"), max_length=200, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation") | ~Q(nik=""),
                name="grants_individual_has_nik",
            ),
        ]
        indexes = [
            GinIndex(
                OpClass(Upper("name"), name="gin_trgm_ops"),
                name="grants_applicant_name_trgm",
            ),
            # Staff are warned of another applicant with the same NIK.
            models.Index(
                fields=["nik"], name="grants_applicant_nik", condition=~Q(nik="")
            ),
        ]

    def __str__(self):
        return self.public_name

    @property
    def user(self):
        from django.contrib.auth import get_user_model

        if not hasattr(self, "_user"):
            self._user = get_user_model().objects.filter(pk=self.user_id).first()
        return self._user

    @property
    def public_name(self) -> str:
        """Organisations are named in public; individuals never are (invariant 5)."""
        if self.kind == self.Kind.ORGANISATION:
            return self.name
        return mask_name(self.name)


def mask_name(name: str) -> str:
    """'Siti Rahmawati' → 'S*** R***'."""
    return " ".join(f"{part[0]}***" for part in name.split() if part) or "***"


def mask_nik(nik: str) -> str:
    """'3273010101900001' → '3273 **** **** 0001': enough to tell two apart."""
    if len(nik or "") < 8:
        return "****"
    return f"{nik[:4]} **** **** {nik[-4:]}"


class RecipientAmendment(models.Model):
    """A change to a recipient's identity or bank account after an award.

    Kept with the values before and after, for the back office only (never
    public, never in open data). A bank-account change is applied at once but
    blocks further disbursements until a second member confirms it; declining
    it restores the previous account.
    """

    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Identity (name, registration number, NIK)")
        BANK = "bank", _("Bank account")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        PENDING = "pending", _("Awaiting confirmation by a second member")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined; the previous account was restored")

    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, related_name="amendments"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices)
    # Users of the public schema, by id (see Applicant.user_id).
    requested_by_id = models.BigIntegerField()
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["applicant", "status"], name="grants_amendment_pending"
            )
        ]

    def __str__(self):
        return f"{self.applicant_id} {self.kind} {self.status}"

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) for each field that changed."""
        labels = {
            "name": _("name"),
            "registration_number": _("registration number"),
            "nik": _("NIK"),
            "bank_name": _("bank"),
            "bank_account": _("bank account number"),
            "bank_account_name": _("account holder"),
        }
        return [
            (str(labels.get(key, key)), self.before.get(key, ""), value)
            for key, value in self.after.items()
        ]
