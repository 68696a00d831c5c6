"""Proposals with their totals, budget lines, disbursements, documents and stage reviews."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .applicants import Applicant
from .common import upload_path
from .programs import Program, ReviewStage

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
            # The same order with what a text search reads (issue 16): the
            # newest matches of a common word come from this index alone, no
            # table row read (grants.selectors.proposal_list._search_ids).
            models.Index(
                fields=["-updated_at", "-id"],
                include=["title", "applicant"],
                name="grants_proposal_public_search",
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
