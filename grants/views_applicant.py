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
    StepForm,
)
from .models import Program, Proposal, ProposalDocument
from .workflow import APPLICANT, EDITABLE, WORKFLOW

# The accountability report: its form and the documents it needs, as declared.
REPORT = WORKFLOW.transition("report")
DOC_LABELS = dict(ProposalDocument.Kind.choices)


def _report_form():
    return StepForm(step=REPORT)


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
    programs = list(_open_programs())
    for program in programs:
        # Why this applicant cannot apply to it ('' when they can).
        program.refusal = program.refusal_for(applicant.kind) if applicant else ""
    return render(
        request,
        "grants/applicant/home.html",
        {"applicant": applicant, "proposals": proposals, "programs": programs},
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
    refusal = program.refusal_for(own_applicant(request).kind)
    if refusal:
        messages.error(request, refusal)
        return redirect("grants_my")
    form = ProposalForm(request.POST or None, initial=initial)
    lines = BudgetLineFormSet(
        request.POST or None,
        prefix="lines",
        initial=_lines_initial(proposal) if proposal else None,
    )
    if request.method == "POST" and "add_line" in request.POST:
        # "Add a line" without JavaScript: the page again, everything typed
        # kept, with one more empty line; nothing is saved or checked yet.
        form = ProposalForm(request.POST, initial=initial)
        form.errors.clear()  # shown again as typed, not judged
        lines = lines.with_another_row()
        if lines.full:
            messages.info(
                request,
                _("A proposal has at most %(n)d budget lines.") % {"n": lines.max_num},
            )
        return _proposal_page(request, form, lines, program, proposal)
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
    return _proposal_page(request, form, lines, program, proposal)


def _proposal_page(request, form, lines, program, proposal):
    return render(
        request,
        "grants/applicant/proposal_form.html",
        {
            "form": form,
            "lines": lines,
            "program": program,
            "proposal": proposal,
            "running_total": lines.running_total(),
        },
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
    if proposal.status not in EDITABLE:
        messages.error(request, _("Only drafts and returned proposals can be edited."))
        return redirect("grants_my_proposal", proposal.pk)
    return _proposal_form(request, program=proposal.program, proposal=proposal)


@applicant_required
def proposal_detail(request, proposal_id):
    proposal = access_own_proposal(request, proposal_id)
    return _detail_page(request, proposal)


def _detail_page(request, proposal, *, report_form=None, status=200):
    """The applicant's proposal; `report_form` is an LPJ form sent back with
    what was typed and its errors."""
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
            "editable": proposal.status in EDITABLE,
            "document_form": DocumentForm(),
            "report_form": report_form or _report_form(),
            "lpj_kinds": [(kind, DOC_LABELS[kind]) for kind in REPORT.uploads],
            "lpj_uploaded": {d.kind for d in documents},
            "events": proposal.events.order_by("seq"),
        },
        status=status,
    )


@applicant_required
def proposal_submitted(request, proposal_id):
    """Where the applicant lands after submitting: the reference number and
    what happens next."""
    proposal = access_own_proposal(request, proposal_id)
    if proposal.submitted_at is None:
        return redirect("grants_my_proposal", proposal.pk)
    return render(
        request,
        "grants/applicant/submitted.html",
        {
            "proposal": proposal,
            # The steps still ahead, from the declared frame with the
            # program's review stages (grants/workflow.py).
            "steps": [
                step
                for step in selectors.proposal_progress(
                    proposal, list(proposal.program.stages.order_by("position"))
                )
                if step.state != "done"
            ],
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
    failed = True
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
            failed = False
            messages.success(request, _("The document was uploaded."))
    else:
        messages.error(
            request, " ".join(e for errors in form.errors.values() for e in errors)
        )
    if failed:
        # A browser never keeps a chosen file: say it must be chosen again.
        messages.info(request, _("Choose the file again, then upload it."))
    return redirect("grants_my_proposal", proposal.pk)


@applicant_required
def proposal_action(request, proposal_id, action):
    """submit, withdraw or report: the applicant's own steps."""
    proposal = access_own_proposal(request, proposal_id)
    if (
        request.method != "POST"
        or not WORKFLOW.has_transition(action)
        or WORKFLOW.transition(action).actor != APPLICANT
    ):
        raise Http404
    kwargs = {}
    form = None
    if WORKFLOW.transition(action).inputs:
        form = StepForm(request.POST, step=WORKFLOW.transition(action))
        if not form.is_valid():
            # Back to the page with what was typed and the errors by the fields.
            return _detail_page(request, proposal, report_form=form, status=400)
        # The applicant's summary of the LPJ is public (the form says so).
        kwargs = {**form.service_kwargs(), "note_public": True}
    try:
        with transaction.atomic():
            services.proposal_transition(
                tenant=request.tenant,
                actor_user=request.user,
                proposal=proposal,
                action=action,
                **kwargs,
            )
    except ValidationError as exc:
        if form is None:
            messages.error(request, exception_text(exc))
        else:
            add_service_errors(form, exc)
            return _detail_page(request, proposal, report_form=form, status=400)
    except PermissionDenied as exc:
        messages.error(request, exception_text(exc))
    else:
        if action == "submit":
            return redirect("grants_my_proposal_submitted", proposal.pk)
        messages.success(
            request,
            _("Done: %(step)s.") % {"step": WORKFLOW.transition(action).own_label},
        )
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
