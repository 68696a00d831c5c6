"""Sabilulungan: grants (hibah) and social aid (bansos), in each adopting tenant's schema.

Money is integer rupiah everywhere (DESIGN invariant 4). Every state change of
a proposal goes through grants.services.proposal_transition, which appends a
hash-chained AuditEvent (invariant 3).
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import tenant_file_name

from .roles import GrantRole

NIK_VALIDATOR = RegexValidator(
    r"^\d{16}$", _("A NIK has exactly 16 digits."), code="nik_format"
)


class Program(models.Model):
    """A call for grant or social-aid proposals with a budget ceiling (pagu)."""

    class Kind(models.TextChoices):
        HIBAH = "hibah", _("Grant (hibah)")
        BANSOS = "bansos", _("Social aid (bansos)")

    class Applicants(models.TextChoices):
        """Who may apply: bansos usually goes to individuals, hibah to organisations."""

        INDIVIDUALS = "individuals", _("Individuals only")
        ORGANISATIONS = "organisations", _("Organisations only")
        BOTH = "both", _("Individuals and organisations")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for proposals")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    budget = models.BigIntegerField(
        _("budget ceiling (pagu, rupiah)"),
        help_text=_("Pagu: the most this program may approve in total."),
    )
    responsible_unit = models.CharField(
        _("responsible unit (OPD)"),
        max_length=200,
        help_text=_("Organisasi Perangkat Daerah — the regional office in charge."),
    )
    opens_on = models.DateField(_("proposals from"))
    closes_on = models.DateField(_("proposals until"))
    eligibility = models.TextField(_("who may apply"), blank=True)
    applicants = models.CharField(
        _("applicants"),
        max_length=15,
        choices=Applicants.choices,
        default=Applicants.BOTH,
        db_default=Applicants.BOTH,
        help_text=_(
            "Social aid (bansos) usually goes to individuals, grants (hibah) to "
            "organisations."
        ),
    )
    required_documents = models.JSONField(
        _("required documents"), default=list, blank=True
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    separation_of_duties = models.BooleanField(
        _("separation of duties"),
        default=True,
        help_text=_(
            "Whoever recommends or corrects an amount may not approve the proposal, "
            "and whoever approves it may not record its disbursement."
        ),
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("accountability report (LPJ) due, days after the last disbursement"),
        default=30,
        db_default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "Staff see a recipient's accountability report as overdue once this "
            "many days have passed since the last disbursement."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fiscal_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0), name="grants_program_budget_positive"
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="grants_program_window",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.fiscal_year})"

    def accepts(self, applicant_kind: str) -> bool:
        """May an applicant of this kind (Applicant.Kind) apply to the program?"""
        return self.applicants == self.Applicants.BOTH or self.applicants == {
            Applicant.Kind.INDIVIDUAL: self.Applicants.INDIVIDUALS,
            Applicant.Kind.ORGANISATION: self.Applicants.ORGANISATIONS,
        }.get(applicant_kind)

    def refusal_for(self, applicant_kind: str) -> str:
        """Why an applicant of this kind cannot apply, or '' when they can."""
        if self.accepts(applicant_kind):
            return ""
        if self.applicants == self.Applicants.INDIVIDUALS:
            return _(
                "Only individuals may apply to this program; your applicant profile "
                "is an organisation."
            )
        return _(
            "Only organisations may apply to this program; your applicant profile "
            "is an individual."
        )


class ReviewStage(models.Model):
    """One configurable step of a program's review, acted on by one role."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="stages"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("acting role"), max_length=30, choices=GrantRole.choices)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    sets_amount = models.BooleanField(_("recommends an amount"), default=False)
    assigns_unit = models.BooleanField(_("assigns the evaluating OPD"), default=False)

    class Meta:
        ordering = ["program", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "position"], name="grants_stage_position_unique"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"


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


# What the public sees of proposals: those submitted at least once and not back
# to draft (grants.selectors.public_proposals; the partial indexes below; the
# totals triggers in grants/totals.py say the same in SQL).
PUBLIC_PROPOSALS = ~Q(status="draft") & Q(submitted_at__isnull=False)


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        REVISION = "revision", _("Returned for revision")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        AGREEMENT_SIGNED = "agreement_signed", _("Agreement (NPHD) signed")
        DISBURSED = "disbursed", _("Disbursed")
        REPORTED = "reported", _("Accountability report submitted")
        REPORT_RETURNED = (
            "report_returned",
            _("Accountability report returned for revision"),
        )
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="proposals"
    )
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=300)
    background = models.TextField(_("background"))
    purpose = models.TextField(_("purpose"))
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
    requested_amount = models.BigIntegerField(_("requested amount (rupiah)"), default=0)
    recommended_amount = models.BigIntegerField(null=True, blank=True)
    approved_amount = models.BigIntegerField(null=True, blank=True)
    disbursed_amount = models.BigIntegerField(default=0)
    spent_amount = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    stage = models.ForeignKey(
        ReviewStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_unit = models.CharField(_("evaluating OPD"), max_length=200, blank=True)
    public_reason = models.TextField(
        _("reason (public)"),
        blank=True,
        help_text=_("Shown with rejections and returns."),
    )
    nphd_number = models.CharField(
        _("NPHD number"),
        max_length=120,
        blank=True,
        help_text=_("Naskah Perjanjian Hibah Daerah — the signed grant agreement."),
    )
    nphd_date = models.DateField(_("NPHD date"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["program", "status"], name="grants_proposal_prog_status"
            ),
            models.Index(fields=["status", "stage"], name="grants_proposal_queue"),
            models.Index(fields=["kecamatan"], name="grants_proposal_kecamatan"),
            # The public list's order ("latest first"), for public proposals only.
            models.Index(
                F("updated_at").desc(),
                F("id").desc(),
                name="grants_proposal_public_recent",
                condition=PUBLIC_PROPOSALS,
            ),
            # The same order within one status or one program (issue 16: a
            # status or a past year's programs would otherwise walk the whole
            # list from the newest until their proposals turn up).
            models.Index(
                "status",
                F("updated_at").desc(),
                F("id").desc(),
                name="grants_proposal_public_st_rec",
                condition=PUBLIC_PROPOSALS,
            ),
            models.Index(
                "program",
                F("updated_at").desc(),
                F("id").desc(),
                name="grants_proposal_public_pr_rec",
                condition=PUBLIC_PROPOSALS,
            ),
            models.Index(
                "kecamatan",
                F("updated_at").desc(),
                F("id").desc(),
                name="grants_proposal_public_kc_rec",
                condition=PUBLIC_PROPOSALS,
            ),
            # Substring search on titles (icontains is UPPER(title) LIKE …).
            GinIndex(
                OpClass(Upper("title"), name="gin_trgm_ops"),
                name="grants_proposal_title_trgm",
            ),
            # Portal, program and statistics totals read only this index.
            models.Index(
                fields=["program", "status", "kecamatan"],
                include=[
                    "requested_amount",
                    "approved_amount",
                    "disbursed_amount",
                    "spent_amount",
                ],
                name="grants_proposal_public_totals",
                condition=PUBLIC_PROPOSALS,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="grants_requested_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="grants_approved_positive",
            ),
            models.CheckConstraint(
                condition=Q(disbursed_amount__gte=0)
                & (
                    Q(disbursed_amount=0)
                    | Q(disbursed_amount__lte=F("approved_amount"))
                ),
                name="grants_disbursed_within_approved",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def reference(self) -> str:
        """The number the applicant quotes, e.g. 'HIBAH-2026-00042': the
        program's kind and fiscal year with the proposal's number, so it never
        changes and reads out well over the phone."""
        program = self.program
        return f"{program.kind.upper()}-{program.fiscal_year}-{self.pk:05d}"


class ProposalTotal(models.Model):
    """Public proposals counted and summed per program, status and kecamatan.

    Kept by statement-level triggers on grants_proposal (migration 0009,
    grants/totals.py): every INSERT, UPDATE, DELETE or COPY of proposals adds
    its rows' difference here in the same transaction. The portal, program and
    statistics pages read these few rows instead of grouping every proposal.
    A group whose proposals all moved on stays with n = 0.
    """

    program_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    kecamatan_code = models.CharField(max_length=13)
    kecamatan = models.CharField(max_length=100)
    n = models.BigIntegerField()
    requested = models.BigIntegerField()
    approved = models.BigIntegerField()
    disbursed = models.BigIntegerField()
    spent = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program_id", "status", "kecamatan_code", "kecamatan"],
                name="grants_proposaltotal_group",
            )
        ]

    def __str__(self):
        return f"{self.program_id} {self.status} {self.kecamatan}: {self.n}"


class BudgetLine(models.Model):
    """One line of a proposal's budget; reviewers may correct quantity and unit cost."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(default=0)
    item = models.CharField(_("item"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.BigIntegerField(_("unit cost (rupiah)"))
    corrected_quantity = models.PositiveIntegerField(null=True, blank=True)
    corrected_unit_cost = models.BigIntegerField(null=True, blank=True)
    # The review stage whose reviewer made the last correction (public).
    corrected_stage = models.CharField(max_length=200, blank=True, db_default="")

    class Meta:
        ordering = ["proposal", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="grants_line_cost_positive"
            ),
        ]

    def __str__(self):
        return self.item

    @property
    def total(self) -> int:
        return self.quantity * self.unit_cost

    @property
    def is_corrected(self) -> bool:
        return (
            self.corrected_quantity is not None or self.corrected_unit_cost is not None
        )

    @property
    def corrected_total(self) -> int:
        quantity = (
            self.corrected_quantity
            if self.corrected_quantity is not None
            else self.quantity
        )
        cost = (
            self.corrected_unit_cost
            if self.corrected_unit_cost is not None
            else self.unit_cost
        )
        return quantity * cost


class Disbursement(models.Model):
    """One tranche paid to the recipient."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="disbursements"
    )
    tranche = models.PositiveSmallIntegerField()
    amount = models.BigIntegerField(_("amount (rupiah)"))
    paid_on = models.DateField(_("paid on"))
    transfer_reference = models.CharField(_("transfer reference"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "tranche"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="grants_tranche_positive"
            ),
            models.UniqueConstraint(
                fields=["proposal", "tranche"], name="grants_tranche_unique"
            ),
        ]

    def __str__(self):
        return f"{self.proposal_id} #{self.tranche}"


def _audit_actions():
    from .workflow import AuditAction

    return AuditAction.choices


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every step (see grants/audit.py).

    Scheme v1 (events written before private parts existed): hash = SHA-256(
    prev_hash + canonical JSON of the public fields). Scheme v2: the public
    fields plus `v` and `private_digest`, a salted digest of the private part
    (back-office notes, recipient data, who acted), whose salt and content are
    stored here and never published. Anyone who downloads
    /open-data/audit.jsonl can recompute the chain either way.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # One of grants.workflow.AuditAction (the declared steps and events); the
    # database refuses any other name (migration 0013).
    action = models.CharField(max_length=30, choices=_audit_actions)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=30, blank=True)
    actor_label = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "Public: an official's name, or 'applicant'; never a private person."
        ),
    )
    amounts = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The hashing scheme. Rows written before v2 existed stay v1 and are never
    # rehashed; grants.audit.append writes v2.
    v = models.PositiveSmallIntegerField(default=1, db_default=1)
    # Private part (v2): never published; covered through private_digest.
    private = models.JSONField(default=dict, blank=True, db_default={})
    salt = models.CharField(max_length=64, blank=True, db_default="")
    private_digest = models.CharField(max_length=64, blank=True, db_default="")
    # The user (public schema, by id) who acted; also in the private part.
    actor_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["proposal", "seq"], name="grants_event_proposal")
        ]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    @property
    def staff_note(self) -> str:
        """The note as the back office sees it: the public one, else the private one."""
        private = self.private if isinstance(self.private, dict) else {}
        return self.note or private.get("note", "")

    @property
    def note_is_public(self) -> bool:
        return bool(self.note)


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


def upload_path(instance, filename: str) -> str:
    """Under the tenant's prefix (its schema name), with a random name; the
    original name is not used."""
    from django.db import connection

    content_type = getattr(instance, "content_type", "") or getattr(
        instance, "photo_content_type", ""
    )
    extension = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
    }.get(content_type, "bin")
    return tenant_file_name(connection.schema_name, "grants", extension)


class ProposalDocument(models.Model):
    """An uploaded file: required documents, the NPHD, LPJ photos and receipts. Never public."""

    class Kind(models.TextChoices):
        REQUIRED = "required", _("Required document")
        NPHD = "nphd", _("Signed NPHD")
        LPJ_PHOTO = "lpj_photo", _("Accountability report photo")
        LPJ_RECEIPT = "lpj_receipt", _("Accountability report receipt")
        LPJ_REPORT = "lpj_report", _("Accountability report")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    requirement = models.CharField(_("document"), max_length=200, blank=True)
    file = models.FileField(upload_to=upload_path, max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by_id = models.BigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "kind", "uploaded_at"]

    def __str__(self):
        return self.requirement or self.get_kind_display()


class StageReview(models.Model):
    """What a reviewer recorded at a stage: checklist ticks and a recommended amount."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="reviews"
    )
    stage = models.ForeignKey(ReviewStage, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20)
    checklist = models.JSONField(default=dict, blank=True)
    recommended_amount = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    reviewer_id = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "at"]

    def __str__(self):
        return f"{self.proposal_id} @ {self.stage_id}: {self.decision}"


class Announcement(models.Model):
    """A pengumuman on the public portal: calls, deadlines, results."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    published_on = models.DateField(_("published on"), default=timezone.localdate)
    is_published = models.BooleanField(
        _("shown in public"),
        default=True,
        help_text=_("Untick to keep a draft or take an announcement down."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-pk"]
        indexes = [
            models.Index(
                fields=["is_published", "published_on"],
                name="grants_announcement_public",
            )
        ]

    def __str__(self):
        return self.title


class Regulation(models.Model):
    """A peraturan that governs the grants, e.g. a Peraturan Wali Kota."""

    title = models.CharField(_("title"), max_length=300)
    number = models.CharField(
        _("number"),
        max_length=200,
        help_text=_("e.g. Peraturan Wali Kota Bandung Nomor 123 Tahun 2023"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(_("summary"), max_length=5000, blank=True)
    url = models.URLField(_("link to the text"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "number", "pk"]

    def __str__(self):
        return self.number


class CitizenReport(models.Model):
    """A citizen's lapor (pengaduan) about a program or one of its proposals,
    answered in public by staff.

    The reporter's name and contact are private: only the back office sees
    them. Reports are not grant state changes, so they stay out of the audit
    chain.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, awaiting an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    # A report is about a program in general, or about one of its proposals.
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="citizen_reports"
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.PROTECT,
        related_name="citizen_reports",
        null=True,
        blank=True,
    )
    # An optional photo, re-encoded without metadata (core/images.py); only
    # staff see it, like the text.
    photo = models.FileField(upload_to=upload_path, max_length=200, blank=True)
    photo_content_type = models.CharField(max_length=20, blank=True, default="")
    # Where it happened, for a report about a program in general (register
    # codes and names, grants/places.py); a proposal has its own place.
    kecamatan_code = models.CharField(max_length=13, blank=True, default="")
    kecamatan = models.CharField(_("kecamatan"), max_length=100, blank=True, default="")
    kelurahan_code = models.CharField(max_length=13, blank=True, default="")
    kelurahan = models.CharField(_("kelurahan"), max_length=100, blank=True, default="")
    tracking_code = models.CharField(max_length=16, unique=True)
    message = models.TextField(_("report"), max_length=2000)
    reporter_name = models.CharField(_("your name"), max_length=200, blank=True)
    reporter_contact = models.CharField(
        _("phone or e-mail"), max_length=200, blank=True
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    response = models.TextField(_("answer (public)"), max_length=4000, blank=True)
    due_on = models.DateField(_("answer due by"))
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    # A user of the public schema, by id (see Applicant.user_id).
    answered_by_id = models.BigIntegerField(null=True, blank=True)
    # A keyed hash of the sender's address, for rate limits; never the address.
    client_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["client_fingerprint", "created_at"],
                name="grants_report_ratelimit",
            ),
            models.Index(fields=["status", "due_on"], name="grants_report_queue"),
            models.Index(fields=["proposal", "status"], name="grants_report_proposal"),
        ]

    def __str__(self):
        return self.tracking_code

    @property
    def display_code(self) -> str:
        """'K7QXM2PA9T' → 'K7QX-M2PA-9T', easier to read out and copy."""
        code = self.tracking_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.RECEIVED and self.due_on < timezone.localdate()
        )


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
