"""Citizens' reports (lapor) about a program or a proposal, answered in public."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .common import upload_path
from .programs import Program
from .proposals import Proposal


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
    # The language the citizen was reading when they left the contact: what is
    # sent to it is written in it ("": the site's default; tenants.notifications).
    reporter_language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES
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
