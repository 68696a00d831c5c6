"""Citizens' reports (lapor / pengaduan) about public proposals, and their answers."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import deadlines, tracking
from core.i18n import active_language
from core.images import Photo
from tenants.models import Membership, Tenant, User
from tenants.notifications import Address, notify

from ..access import may_answer_reports
from ..models import CitizenReport, Program, Proposal
from ..places import home_region, place_fields
from ..roles import GrantRole, holders
from .actors import _refuse_nul, _stripped, actor_in

# Tracking codes and per-sender limits are the shared ones (core/tracking.py).
REPORT_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 4000
# Staff answer within this many days of receipt (the public sees the due date).
REPORT_ANSWER_DAYS = 14
# Limits per sender (client fingerprint), counted in the database so they hold
# across gunicorn workers and hosts.
REPORTS_PER_HOUR = 5
REPORTS_PER_PROPOSAL_PER_DAY = 3
# First key of pg_advisory_xact_lock(int, int) serialising one sender's
# submissions (audit.AUDIT_LOCK is 0x5AB1); the second key is the sender.
REPORT_LOCK = 0x5AB2
# The code of the ValidationError a sender over their limit gets (views answer 429).
RATE_LIMITED = tracking.RATE_LIMITED
normalise_tracking_code = tracking.code_normalise


def client_fingerprint(client_ip: str) -> str:
    """A keyed hash of the sender's network, for rate limits (core/tracking.py)."""
    return tracking.client_fingerprint(client_ip, purpose="grants.citizen_report")


def _lock_sender(fingerprint: str) -> None:
    tracking.sender_lock(REPORT_LOCK, fingerprint)


def citizen_report_submit(
    *,
    proposal: Proposal | None = None,
    program: Program | None = None,
    message: str,
    reporter_name: str = "",
    reporter_contact: str = "",
    photo: Photo | None = None,
    kecamatan_code: str = "",
    kelurahan_code: str = "",
    client_ip: str,
) -> CitizenReport:
    """Receive a citizen's report about a public proposal, or about a public
    program in general; returns it with its tracking code.

    Anyone may report, so the sender is rate limited by a fingerprint of their
    address. Not an audit event: a report changes nothing of the grant. A
    photo comes already checked and stripped of its metadata (core/images.py).
    """
    from ..selectors import public_programs, public_proposals

    if (proposal is None) == (program is None):
        raise ValueError("a report is about one proposal or one program")
    if photo is not None and not isinstance(photo, Photo):
        raise TypeError("photo: a core.images.Photo, checked and re-encoded")

    tenant = connection.tenant
    if not isinstance(tenant, Tenant) or tenant.schema_name == "public":
        raise RuntimeError("citizen reports are received on a tenant's schema")
    fields = _stripped(
        {
            "message": message or "",
            "reporter_name": reporter_name or "",
            "reporter_contact": reporter_contact or "",
        }
    )
    _refuse_nul(**fields)
    if fields["reporter_contact"]:
        # What is sent to the contact later reads in the words they wrote in.
        fields["reporter_language"] = active_language()
    if not fields["message"]:
        raise ValidationError({"message": [_("Write what you want to report.")]})
    if len(fields["message"]) > REPORT_MAX_LENGTH:
        raise ValidationError(
            {
                "message": [
                    _("Keep the report under %(n)d characters.")
                    % {"n": REPORT_MAX_LENGTH}
                ]
            }
        )
    where = {}
    if proposal is None and (kecamatan_code or kelurahan_code):
        # Checked against the register: a pair inside this tenant's region.
        where = place_fields(home_region(), kecamatan_code, kelurahan_code)
    fingerprint = client_fingerprint(client_ip)
    now = timezone.now()
    with transaction.atomic():
        if proposal is not None:
            proposal = (
                public_proposals()
                .select_related("stage", "program")
                .filter(pk=proposal.pk)
                .first()
            )
            if proposal is None:
                raise ValidationError(
                    _("Reports can only be made about proposals shown in public.")
                )
            program = proposal.program
        else:
            program = public_programs().filter(pk=program.pk).first()
            if program is None:
                raise ValidationError(
                    _("Reports can only be made about programs shown in public.")
                )
        # One sender's submissions wait for each other, so two at once cannot
        # both pass the count below.
        _lock_sender(fingerprint)
        recent = CitizenReport.objects.filter(client_fingerprint=fingerprint)
        if (
            recent.filter(created_at__gte=now - timedelta(hours=1)).count()
            >= REPORTS_PER_HOUR
        ):
            raise ValidationError(
                _(
                    "You have sent %(n)d reports in the last hour, the most we accept. "
                    "Please try again in an hour; what you wrote is still in the form."
                )
                % {"n": REPORTS_PER_HOUR},
                code=RATE_LIMITED,
            )
        about = (
            Q(proposal=proposal)
            if proposal is not None
            else Q(program=program, proposal__isnull=True)
        )
        if (
            recent.filter(about, created_at__gte=now - timedelta(days=1)).count()
            >= REPORTS_PER_PROPOSAL_PER_DAY
        ):
            raise ValidationError(
                _(
                    "You have sent %(n)d reports about this proposal today, the most "
                    "we accept. Please wait for the answer, or try again tomorrow."
                )
                % {"n": REPORTS_PER_PROPOSAL_PER_DAY}
                if proposal is not None
                else _(
                    "You have sent %(n)d reports about this program today, the most "
                    "we accept. Please wait for the answer, or try again tomorrow."
                )
                % {"n": REPORTS_PER_PROPOSAL_PER_DAY},
                code=RATE_LIMITED,
            )
        report = CitizenReport(
            program=program,
            proposal=proposal,
            # The promise to answer, by the deadline rule Laksa shares.
            due_on=timezone.localdate(
                deadlines.due_at(timezone.now(), days=REPORT_ANSWER_DAYS)
            ),
            created_at=now,
            client_fingerprint=fingerprint,
            **fields,
            **where,
        )
        report.tracking_code = tracking.code_new()
        # The proposal was just loaded; the code is checked by the insert itself.
        report.full_clean(exclude=["program", "proposal", "tracking_code", "photo"])
        if photo is not None:
            report.photo_content_type = photo.content_type
            # Stored before the row: a refused insert leaves a file that
            # core.files removes once the request is over.
            stored = photo.as_file()
            report.photo.save(stored.name, stored, save=False)
        tracking.save_with_new_code(report)
        _notify_report(tenant, report, proposal, program)
    return report


def _report_recipients(tenant: Tenant, proposal: Proposal | None) -> list[int]:
    """Who acts on the proposal now (its stage's role, else Tata Usaha), or who
    manages the programs for a report about a program; admins if nobody."""
    if proposal is None:
        role = GrantRole.PROGRAM_MANAGER
    else:
        role = proposal.stage.role if proposal.stage_id else GrantRole.TATA_USAHA
    members = Membership.objects.filter(tenant=tenant)
    ids = list(
        members.filter(user_id__in=holders(role)).values_list("user_id", flat=True)
    )
    if not ids:
        ids = list(
            members.filter(role=Membership.Role.ADMIN).values_list("user_id", flat=True)
        )
    return sorted(set(ids))


def _notify_report(
    tenant: Tenant,
    report: CitizenReport,
    proposal: Proposal | None,
    program: Program,
) -> None:
    """Tell the staff who act on the proposal; the reporter's name and contact stay out."""
    if proposal is not None:
        sentence = gettext_lazy(
            "A citizen sent a report about the proposal “%(title)s”; answer it by "
            "%(due)s (the answer is public): %(message)s"
        )
    else:
        sentence = gettext_lazy(
            "A citizen sent a report about the program “%(title)s”; answer it by "
            "%(due)s (the answer is public): %(message)s"
        )
    title = proposal.title if proposal is not None else program.name
    notify(
        recipients=_report_recipients(tenant, proposal),
        tenant=tenant,
        kind="citizen_report",
        subject=gettext_lazy("Citizen report %(code)s on “%(title)s”"),
        sentence=sentence,
        path=reverse(
            "grants_staff_report", args=[report.pk], urlconf="config.urls_tenant"
        ),
        params={
            "code": report.tracking_code,
            "title": title[:80],
            "due": report.due_on.isoformat(),
            "message": report.message,
        },
    )


def citizen_report_answer(
    *,
    tenant: Tenant,
    actor_user: User,
    report: CitizenReport,
    response: str,
    close: bool = False,
) -> CitizenReport:
    """Answer a report in public (any Sabilulungan role, or an administrator).

    A report may be answered again to add to the answer; `close` ends it, after
    which it stays as it is.
    """
    actor = actor_in(tenant, actor_user)
    if not may_answer_reports(actor):
        raise PermissionDenied(
            _("Only staff with a Sabilulungan role or administrators answer reports.")
        )
    response = (response or "").strip()
    _refuse_nul(response=response)
    if not response:
        raise ValidationError({"response": [_("Write the answer; it is public.")]})
    if len(response) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {
                "response": [
                    _("Keep the answer under %(n)d characters.")
                    % {"n": ANSWER_MAX_LENGTH}
                ]
            }
        )
    with transaction.atomic():
        report = CitizenReport.objects.select_for_update().get(pk=report.pk)
        if report.status == CitizenReport.Status.CLOSED:
            raise ValidationError(_("This report is closed."))
        report.response = response
        report.status = (
            CitizenReport.Status.CLOSED if close else CitizenReport.Status.ANSWERED
        )
        report.answered_at = report.answered_at or timezone.now()
        report.answered_by_id = actor_user.pk
        report.save(
            update_fields=["response", "status", "answered_at", "answered_by_id"]
        )
        _notify_reporter(tenant, report)
    return report


def _notify_reporter(tenant: Tenant, report: CitizenReport) -> None:
    """When the reporter left an e-mail address, send them the answer at once."""
    contact = report.reporter_contact
    try:
        validate_email(contact)
    except ValidationError:
        return
    notify(
        recipients=[Address(contact, report.reporter_language)],
        tenant=tenant,
        kind="citizen_report_answered",
        subject=gettext_lazy("Your report %(code)s was answered"),
        sentence=gettext_lazy("%(tenant)s answered your report %(code)s: %(response)s"),
        path=reverse(
            "grants_report_track",
            args=[report.tracking_code],
            urlconf="config.urls_tenant",
        ),
        params={
            "tenant": tenant.name,
            "code": report.tracking_code,
            "response": report.response,
        },
        digest=False,
    )
