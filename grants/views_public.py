"""The public transparency portal (no login): programs, proposals, timelines,
announcements, regulations, statistics and citizens' reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import tracking
from core.limits import body_limit
from core.pagecache import public_page
from tenants.forms import add_service_errors

from . import selectors, services
from .forms import CitizenReportForm, TrackingCodeForm


@public_page
def portal(request):
    return render(
        request,
        "grants/public/portal.html",
        selectors.portal_overview(page=request.GET.get("page")),
    )


@public_page
def program_public(request, program_id):
    detail = selectors.program_detail(program_id)
    if detail is None:
        raise Http404
    return render(request, "grants/public/program.html", {"detail": detail})


@public_page
def proposals_public(request):
    filters = selectors.ProposalFilters.from_params(request.GET)
    return render(
        request,
        "grants/public/proposals.html",
        {
            "filters": filters,
            "options": selectors.proposal_filter_options(),
            "page": selectors.proposal_page(filters, page=request.GET.get("page")),
            "querystring": filters.querystring,
        },
    )


@public_page
def proposal_public(request, proposal_id):
    detail = selectors.proposal_detail(proposal_id)
    if detail is None:
        raise Http404
    return render(request, "grants/public/proposal.html", {"detail": detail})


# --- announcements, regulations, statistics ---------------------------------------------


@public_page
def announcements(request):
    return render(
        request,
        "grants/public/announcements.html",
        {"page": selectors.announcement_page(page=request.GET.get("page"))},
    )


@public_page
def regulations(request):
    return render(
        request,
        "grants/public/regulations.html",
        {"regulations": selectors.public_regulations()},
    )


@public_page
def statistics(request):
    return render(
        request,
        "grants/public/statistics.html",
        {"stats": selectors.portal_statistics()},
    )


# --- citizens' reports --------------------------------------------------------------


@body_limit("UPLOAD_BODY_LIMIT")
def report_new(request, proposal_id):
    """A citizen reports about a public proposal; drafts and unknown numbers are 404."""
    proposal = (
        selectors.public_proposals()
        .select_related("program")
        .only("id", "title", "program__id", "program__name", "program__fiscal_year")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404
    return _report_page(request, proposal=proposal, program=proposal.program)


@body_limit("UPLOAD_BODY_LIMIT")
def report_program_new(request, program_id):
    """A citizen reports about a program in general (its call, its rules, its
    handling), not about one proposal."""
    program = (
        selectors.public_programs()
        .only("id", "name", "fiscal_year", "kind")
        .filter(pk=program_id)
        .first()
    )
    if program is None:
        raise Http404
    return _report_page(request, proposal=None, program=program)


def _report_page(request, *, proposal, program):
    form = CitizenReportForm(
        request.POST or None, request.FILES or None, with_place=proposal is None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.citizen_report_submit(
                    proposal=proposal,
                    program=None if proposal else program,
                    client_ip=tracking.client_ip(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                limited = getattr(exc, "code", None) == services.RATE_LIMITED
                status = 429 if limited else 400
            else:
                messages.success(
                    request,
                    _(
                        "Your report was received. Keep its tracking code, %(code)s: "
                        "it is the only way to follow the answer."
                    )
                    % {"code": report.display_code},
                )
                return redirect("grants_report_track", report.tracking_code)
        else:
            status = 400
    return render(
        request,
        "grants/public/report_form.html",
        {
            "proposal": proposal,
            "program": program,
            "form": form,
            "answer_days": services.REPORT_ANSWER_DAYS,
        },
        status=status,
    )


def report_lookup(request):
    """Type a tracking code to follow a report."""
    form = TrackingCodeForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("grants_report_track", form.cleaned_data["code"])
    return render(
        request,
        "grants/public/report_lookup.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def report_track(request, code):
    """Where a report stands: status, due date and the public answer; never who sent it."""
    report = selectors.report_public(services.normalise_tracking_code(code))
    if report is None:
        # The lookup form again, saying the code is not known (not a bare 404 page).
        response = render(
            request,
            "grants/public/report_lookup.html",
            {
                "form": TrackingCodeForm(),
                "not_found": "".join(c for c in code[:40] if c.isprintable()),
            },
            status=404,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
    if report.tracking_code != code:
        return redirect("grants_report_track", report.tracking_code)
    response = render(request, "grants/public/report_track.html", {"report": report})
    # The code works like a password to this page: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
