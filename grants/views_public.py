"""The public transparency portal (no login): programs, proposals, timelines."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from . import selectors


def portal(request):
    return render(
        request,
        "grants/public/portal.html",
        selectors.portal_overview(page=request.GET.get("page")),
    )


def program_public(request, program_id):
    detail = selectors.program_detail(program_id)
    if detail is None:
        raise Http404
    return render(request, "grants/public/program.html", {"detail": detail})


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


def proposal_public(request, proposal_id):
    detail = selectors.proposal_detail(proposal_id)
    if detail is None:
        raise Http404
    return render(request, "grants/public/proposal.html", {"detail": detail})
