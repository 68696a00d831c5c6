"""Proposals: the list and its CSV, a proposal's page, its steps and amendments."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.limits import body_limit
from core.text import spreadsheet_safe
from tenants.forms import add_service_errors, exception_text
from tenants.selectors import clean_param

from .. import selectors, services
from ..access import access_amendment, access_staff_proposal, staff_required
from ..filters import proposals_filtered
from ..forms import AmendmentDecisionForm, LineCorrectionForm, StepForm
from ..models import Program, Proposal
from ..workflow import WORKFLOW
from .programs import _actor


def _filtered(request):
    return proposals_filtered(request.GET).qs


@staff_required
def proposals(request):
    page = Paginator(_filtered(request), 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "grants/staff/proposals.html",
        {
            "page": page,
            "programs": Program.objects.order_by("-fiscal_year", "name"),
            "statuses": WORKFLOW.state_choices(),
            "querystring": params.urlencode(),
            "current": {
                k: request.GET.get(k, "") for k in ("status", "program", "q", "lpj")
            },
        },
    )


class _Echo:
    def write(self, value):
        return value


@staff_required
def proposals_csv(request):
    """Internal export of the filtered list, streamed in chunks."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            [
                "id",
                "program",
                "title",
                "applicant",
                "kecamatan",
                "kelurahan",
                "status",
                "stage",
                "requested",
                "recommended",
                "approved",
                "disbursed",
                "submitted_at",
            ]
        )
        for p in _filtered(request).iterator(chunk_size=1000):
            # Applicants write these texts: neutralise spreadsheet formulas.
            yield writer.writerow(
                [
                    spreadsheet_safe(v)
                    for v in (
                        p.pk,
                        p.program.name,
                        p.title,
                        p.applicant.name,
                        p.kecamatan,
                        p.kelurahan,
                        p.status,
                        p.stage.name if p.stage else "",
                        p.requested_amount,
                        p.recommended_amount or "",
                        p.approved_amount or "",
                        p.disbursed_amount,
                        p.submitted_at.isoformat() if p.submitted_at else "",
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="proposals.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _step_form(proposal, action, data=None, files=None):
    """The form of a declared transition offered in the back office (None: not
    one: the applicant's own steps, or an unknown name)."""
    if not WORKFLOW.has_transition(action):
        return None
    step = WORKFLOW.transition(action)
    if not step.staff_button:
        return None
    if "stage_review" in step.inputs and proposal.stage is None:
        return None
    return StepForm(data, files, step=step, stage=proposal.stage)


def _forms_for(proposal, actions):
    forms = []
    for action in actions:
        form = _step_form(proposal, action)
        if form is not None:
            forms.append((action, form, form.step))
    return forms


@staff_required
def proposal_detail(
    request, proposal_id, *, failed=None, failed_form=None, failed_amendment=None
):
    proposal = access_staff_proposal(request, proposal_id)
    actor = _actor(request)
    actions = [
        a
        for a in services.allowed_actions(actor=actor, proposal=proposal)
        if WORKFLOW.transition(a).staff_button
    ]
    # Steps separation of duties forbids this member are explained, not offered.
    conflicts = services.duty_conflicts(actor=actor, proposal=proposal, actions=actions)
    forms = _forms_for(proposal, [a for a in actions if a not in conflicts])
    if failed and failed_form is not None:
        forms = [
            (action, failed_form if action == failed else form, step)
            for action, form, step in forms
        ]
    can_correct = "pass" in actions
    lines = list(proposal.lines.all())
    return render(
        request,
        "grants/staff/proposal.html",
        {
            "proposal": proposal,
            "applicant": proposal.applicant,
            "lines": lines,
            "correction_form": LineCorrectionForm(lines=lines) if can_correct else None,
            "documents": proposal.documents.all(),
            "reviews": proposal.reviews.select_related("stage"),
            "events": proposal.events.order_by("seq"),
            "disbursements": proposal.disbursements.all(),
            "forms": forms,
            "duty_conflicts": conflicts,
            "amendments": _amendments(actor, proposal, failed_amendment),
            "stages": proposal.program.stages.order_by("position"),
            "nik_warning": selectors.nik_warning(proposal),
        },
        status=400 if failed or failed_amendment else 200,
    )


def _amendments(actor, proposal, failed=None):
    """The recipient's amendments after the award, with who may decide the pending ones."""
    items = []
    for amendment in proposal.applicant.amendments.order_by("-requested_at", "-pk"):
        form = None
        if failed is not None and failed[0] == amendment.pk:
            form = failed[1]
        items.append(
            {
                "amendment": amendment,
                "refusal": services.amendment_decision_refusal(
                    actor=actor, amendment=amendment
                ),
                "form": form or AmendmentDecisionForm(),
            }
        )
    return items


@staff_required
def amendment_decide(request, proposal_id, amendment_id):
    """A second member confirms or declines a change of the recipient's bank account."""
    proposal = access_staff_proposal(request, proposal_id)
    amendment = access_amendment(proposal, amendment_id)
    if request.method != "POST":
        return redirect("grants_staff_proposal", proposal.pk)
    form = AmendmentDecisionForm(request.POST)
    decision = clean_param(request.POST.get("decision", ""), 10)
    if decision not in ("confirm", "decline") or not form.is_valid():
        form.is_valid()
        form.add_error(None, _("Choose to confirm or to decline the change."))
        return proposal_detail(
            request, proposal.pk, failed_amendment=(amendment.pk, form)
        )
    try:
        services.recipient_amendment_decide(
            tenant=request.tenant,
            actor_user=request.user,
            amendment=amendment,
            confirm=decision == "confirm",
            reason=form.cleaned_data["reason"],
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("grants_staff_proposal", proposal.pk)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return proposal_detail(
            request, proposal.pk, failed_amendment=(amendment.pk, form)
        )
    messages.success(
        request,
        _("The new bank account was confirmed.")
        if decision == "confirm"
        else _("The change was declined; the previous account is in force again."),
    )
    return redirect("grants_staff_proposal", proposal.pk)


@body_limit("UPLOAD_BODY_LIMIT")
@staff_required
def proposal_action(request, proposal_id, action):
    proposal = access_staff_proposal(request, proposal_id)
    if request.method != "POST":
        return redirect("grants_staff_proposal", proposal.pk)
    if action == "correct":
        return _correct_lines(request, proposal)
    form = _step_form(proposal, action, request.POST, request.FILES)
    if form is None:
        raise Http404
    if not form.is_valid():
        return proposal_detail(request, proposal.pk, failed=action, failed_form=form)
    data = form.service_kwargs()
    upload = data.pop("file", None)
    try:
        with transaction.atomic():
            # The document the step needs, uploaded with it (the NPHD).
            for kind in form.step.uploads if upload is not None else ():
                services.document_upload(
                    tenant=request.tenant,
                    actor_user=request.user,
                    proposal=proposal,
                    kind=kind,
                    upload=upload,
                )
            services.proposal_transition(
                tenant=request.tenant,
                actor_user=request.user,
                proposal=proposal,
                action=action,
                **data,
            )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("grants_staff_proposal", proposal.pk)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return proposal_detail(request, proposal.pk, failed=action, failed_form=form)
    messages.success(
        request,
        _("Done: %(step)s. The proposal is now: %(status)s.")
        % {
            "step": form.step.done,
            "status": WORKFLOW.state(
                Proposal.objects.values_list("status", flat=True).get(pk=proposal.pk)
            ).label,
        },
    )
    return redirect("grants_staff_proposal", proposal.pk)


def _correct_lines(request, proposal):
    form = LineCorrectionForm(request.POST, lines=proposal.lines.all())
    if form.is_valid():
        try:
            services.budget_lines_correct(
                tenant=request.tenant,
                actor_user=request.user,
                proposal=proposal,
                corrections=form.corrections(),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, exception_text(exc))
        else:
            messages.success(request, _("The corrections were saved."))
    else:
        messages.error(
            request, _("Quantities and costs must be whole, non-negative numbers.")
        )
    return redirect("grants_staff_proposal", proposal.pk)
