"""Applicants: their profile, their proposals, uploads, submission and the LPJ."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.limits import body_limit
from core.storage import belongs_to, private_download
from tenants.forms import add_service_errors, exception_text

from . import selectors, services
from .access import (
    access_document,
    access_own_proposal,
    applicant_required,
    own_applicant,
)
from .forms import (
    ApplicantForm,
    BudgetLineFormSet,
    DocumentForm,
    ProposalForm,
    ReportForm,
)
from .models import Program, Proposal, ProposalDocument


def _open_programs():
    return Program.objects.filter(status=Program.Status.OPEN).order_by("closes_on")


@applicant_required
def my_home(request):
    applicant = own_applicant(request)
    proposals = (
        Proposal.objects.filter(applicant=applicant).select_related("program", "stage")
        if applicant
        else Proposal.objects.none()
    )
    return render(
        request,
        "grants/applicant/home.html",
        {"applicant": applicant, "proposals": proposals, "programs": _open_programs()},
    )


@applicant_required
def profile(request):
    applicant = own_applicant(request)
    form = ApplicantForm(request.POST or None, instance=applicant)
    if request.method == "POST" and form.is_valid():
        try:
            services.applicant_save(
                user=request.user,
                **{name: form.cleaned_data[name] for name in ApplicantForm.Meta.fields},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your applicant profile was saved. After an award, changes to your "
                    "name, registration number, NIK or bank account are recorded, and a "
                    "new bank account is confirmed by a second official before the next "
                    "payment."
                ),
            )
            return redirect("grants_my")
    return render(request, "grants/applicant/profile.html", {"form": form})


def _lines_initial(proposal):
    return [
        {"item": line.item, "quantity": line.quantity, "unit_cost": line.unit_cost}
        for line in proposal.lines.all()
    ]


def _proposal_form(request, *, program, proposal=None):
    if own_applicant(request) is None:
        messages.info(request, _("Complete your applicant profile first."))
        return redirect("grants_my_profile")
    initial = (
        {
            name: getattr(proposal, name)
            for name in (
                "title",
                "background",
                "purpose",
                "kecamatan_code",
                "kelurahan_code",
            )
        }
        if proposal
        else {}
    )
    form = ProposalForm(request.POST or None, initial=initial)
    lines = BudgetLineFormSet(
        request.POST or None,
        prefix="lines",
        initial=_lines_initial(proposal) if proposal else None,
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [row for row in lines.cleaned_data if row]
        try:
            proposal = services.proposal_save_draft(
                user=request.user,
                program=program,
                proposal=proposal,
                lines=rows,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("The proposal was saved. Upload the documents, then submit it."),
            )
            return redirect("grants_my_proposal", proposal.pk)
    return render(
        request,
        "grants/applicant/proposal_form.html",
        {"form": form, "lines": lines, "program": program, "proposal": proposal},
    )


@applicant_required
def proposal_new(request, program_id):
    program = _open_programs().filter(pk=program_id).first()
    if program is None:
        raise Http404(_("This program is not open for proposals."))
    return _proposal_form(request, program=program)


@applicant_required
def proposal_edit(request, proposal_id):
    proposal = access_own_proposal(request, proposal_id)
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.REVISION):
        messages.error(request, _("Only drafts and returned proposals can be edited."))
        return redirect("grants_my_proposal", proposal.pk)
    return _proposal_form(request, program=proposal.program, proposal=proposal)


@applicant_required
def proposal_detail(request, proposal_id):
    proposal = access_own_proposal(request, proposal_id)
    documents = list(proposal.documents.all())
    uploaded = {
        d.requirement for d in documents if d.kind == ProposalDocument.Kind.REQUIRED
    }
    actor = services.actor_in(request.tenant, request.user)
    actions = services.allowed_actions(actor=actor, proposal=proposal)
    return render(
        request,
        "grants/applicant/proposal.html",
        {
            "proposal": proposal,
            # The LPJ's deadline (the program's days after the last disbursement).
            "report_due": selectors.report_due_for(proposal.pk)
            if "report" in actions
            else None,
            "today": timezone.localdate(),
            "lines": proposal.lines.all(),
            "documents": documents,
            "requirements": [
                (doc, doc in uploaded) for doc in proposal.program.required_documents
            ],
            "actions": actions,
            "document_form": DocumentForm(),
            "report_form": ReportForm(),
            "lpj_kinds": ["lpj_report", "lpj_receipt", "lpj_photo"],
            "events": proposal.events.order_by("seq"),
        },
    )


@body_limit("UPLOAD_BODY_LIMIT")
@applicant_required
def proposal_upload(request, proposal_id):
    proposal = access_own_proposal(request, proposal_id)
    if request.method != "POST":
        return redirect("grants_my_proposal", proposal.pk)
    form = DocumentForm(request.POST, request.FILES)
    kind = request.POST.get("kind", "")
    if form.is_valid():
        try:
            services.document_upload(
                tenant=request.tenant,
                actor_user=request.user,
                proposal=proposal,
                kind=kind,
                requirement=request.POST.get("requirement", "")[:200],
                upload=form.cleaned_data["file"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, exception_text(exc))
        else:
            messages.success(request, _("The document was uploaded."))
    else:
        messages.error(
            request, " ".join(e for errors in form.errors.values() for e in errors)
        )
    return redirect("grants_my_proposal", proposal.pk)


@applicant_required
def proposal_action(request, proposal_id, action):
    """submit, withdraw or report: the applicant's own steps."""
    proposal = access_own_proposal(request, proposal_id)
    if request.method != "POST" or action not in ("submit", "withdraw", "report"):
        raise Http404
    kwargs = {}
    if action == "report":
        form = ReportForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, " ".join(e for errors in form.errors.values() for e in errors)
            )
            return redirect("grants_my_proposal", proposal.pk)
        # The applicant's summary of the LPJ is public (the form says so).
        kwargs = {**form.cleaned_data, "note_public": True}
    try:
        with transaction.atomic():
            services.proposal_transition(
                tenant=request.tenant,
                actor_user=request.user,
                proposal=proposal,
                action=action,
                **kwargs,
            )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exception_text(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("grants_my_proposal", proposal.pk)


def document_download(request, document_id):
    """Private documents: the applicant and the back office only."""
    if not request.user.is_authenticated:
        raise Http404
    document = access_document(request, document_id)
    # A row of this tenant names only this tenant's files; anything else (a
    # damaged or hostile restore) is never served here.
    if not belongs_to(document.file.name, request.tenant.schema_name):
        raise Http404
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
        document.content_type
    ]
    return private_download(
        document.file.name,
        storage=document.file.storage,
        content_type=document.content_type,
        filename=f"dokumen-{document.pk}.{extension}",
    )
