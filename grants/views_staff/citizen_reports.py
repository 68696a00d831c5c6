"""Citizens' reports: the queue, answering one, its photo."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.storage import belongs_to, private_download
from tenants.forms import add_service_errors
from tenants.models import User
from tenants.selectors import clean_param

from .. import selectors, services
from ..access import staff_required
from ..forms import ReportAnswerForm
from ..models import CitizenReport
from .programs import _actor

# --- citizens' reports -------------------------------------------------------------


@staff_required
def reports(request):
    """Reports waiting for an answer first, the most urgent at the top; overdue marked."""
    status = clean_param(request.GET.get("status", ""), 20)
    if status not in CitizenReport.Status.values:
        status = ""
    page = Paginator(selectors.report_queue(status=status), 25).get_page(
        clean_param(request.GET.get("page", ""), 20) or None
    )
    return render(
        request,
        "grants/staff/reports.html",
        {
            "page": page,
            "status": status,
            "statuses": CitizenReport.Status.choices,
            "querystring": urlencode({"status": status}) if status else "",
            "summary": selectors.report_summary(),
            "answer_days": services.REPORT_ANSWER_DAYS,
        },
    )


@staff_required
def report_detail(request, report_id):
    report = (
        CitizenReport.objects.select_related("program", "proposal", "proposal__stage")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    actor = _actor(request)
    form = ReportAnswerForm(request.POST or None, initial={"response": report.response})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.citizen_report_answer(
                    tenant=request.tenant,
                    actor_user=request.user,
                    report=report,
                    response=form.cleaned_data["response"],
                    close=form.cleaned_data["close"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("The answer to %(code)s is published.")
                    % {"code": report.display_code},
                )
                return redirect("grants_staff_reports")
        else:
            status = 400
    answered_by = (
        User.objects.filter(pk=report.answered_by_id).first()
        if report.answered_by_id
        else None
    )
    return render(
        request,
        "grants/staff/report.html",
        {
            "report": report,
            "form": form,
            "answered_by": answered_by,
            "can_answer": bool(actor.roles or actor.is_admin)
            and report.status != CitizenReport.Status.CLOSED,
        },
        status=status,
    )


@staff_required
def report_photo(request, report_id):
    """A report's photo (already stripped of its metadata), for the back office only."""
    report = (
        CitizenReport.objects.filter(pk=report_id)
        .only("id", "photo", "photo_content_type")
        .first()
    )
    if (
        report is None
        or not report.photo
        or not belongs_to(report.photo.name, request.tenant.schema_name)
    ):
        raise Http404
    response = private_download(
        report.photo.name,
        storage=report.photo.storage,
        content_type=report.photo_content_type,
        filename=f"laporan-{report.pk}.{report.photo.name.rsplit('.', 1)[-1]}",
    )
    return response
