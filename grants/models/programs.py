"""Programs (calls for proposals) and their configurable review stages."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..roles import GrantRole
from .applicants import Applicant


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
