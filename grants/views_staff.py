"""The back office: work queues, programs and their stages, proposals and their steps,
citizens' reports, announcements and regulations."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Adoption
from catalog.selectors import hosted_app_for_module
from core.limits import body_limit
from core.storage import belongs_to, private_download
from tenants.forms import add_service_errors, exception_text
from tenants.models import User
from tenants.selectors import clean_param

from . import hosting, selectors, services, starter
from .access import (
    access_amendment,
    access_place_record,
    access_staff_proposal,
    staff_required,
)
from .filters import proposals_filtered
from .forms import (
    AmendmentDecisionForm,
    AnnouncementForm,
    LineCorrectionForm,
    PlaceFixForm,
    ProgramForm,
    RegulationForm,
    ReportAnswerForm,
    StageFormSet,
    StepForm,
)
from .models import (
    Announcement,
    CitizenReport,
    Program,
    Proposal,
    Regulation,
)
from .open_data import spreadsheet_safe
from .roles import GrantRole
from .workflow import WORKFLOW


def _actor(request):
    return services.actor_in(request.tenant, request.user)


@staff_required
def home(request):
    actor = _actor(request)
    app = hosted_app_for_module("grants")
    adoption = (
        Adoption.objects.filter(
            adopter=request.tenant, app=app, status=Adoption.Status.ACTIVE
        )
        .select_related("agreement", "release")
        .first()
        if app is not None
        else None
    )
    queue = (
        selectors.queue_for(actor)
        .select_related("program", "stage", "applicant")
        .order_by("submitted_at", "pk")[:50]
    )
    return render(
        request,
        "grants/staff/home.html",
        {
            "app": app,
            "adoption": adoption,
            "is_publisher": app is not None and app.publisher_id == request.tenant.pk,
            "queue": queue,
            "roles": [GrantRole(r).label for r in sorted(actor.roles)],
            "is_admin": actor.is_admin,
            # Who gives roles, for a member who holds none yet.
            "admins": selectors.tenant_admins(request.tenant)
            if not actor.roles and not actor.is_admin
            else (),
            "setup_open": _setup_open(request) if actor.is_admin else 0,
            "programs": Program.objects.exclude(
                status=Program.Status.ARCHIVED
            ).order_by("-fiscal_year", "name")[:20],
            "can_manage": actor.is_admin or GrantRole.PROGRAM_MANAGER in actor.roles,
            "report_summary": selectors.report_summary(),
            "places_to_fix": selectors.places_to_fix_count(),
        },
    )


def _setup_open(request) -> int:
    return sum(1 for step in hosting.setup_steps(request) if not step.done)


@staff_required
def places(request):
    """Applicants and proposals whose kecamatan/kelurahan no register name matched."""
    return render(
        request,
        "grants/staff/places.html",
        {**selectors.places_to_fix(), "limit": selectors.MAX_PLACES_TO_FIX},
    )


@staff_required
def place_fix(request, kind, record_id):
    record = access_place_record(request, kind, record_id)
    form = PlaceFixForm(
        request.POST or None,
        initial={
            "kecamatan_code": record.kecamatan_code,
            "kelurahan_code": record.kelurahan_code,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.place_fix(
                tenant=request.tenant,
                actor_user=request.user,
                record=record,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, exception_text(exc))
        else:
            messages.success(request, _("The kecamatan and kelurahan were saved."))
            return redirect("grants_staff_places")
    return render(
        request,
        "grants/staff/place_fix.html",
        {
            "form": form,
            "record": record,
            "kind": kind,
            "can_fix": services.can_fix_places(_actor(request)),
        },
    )


@staff_required
def program_form(request, program_id=None):
    program = Program.objects.filter(pk=program_id).first() if program_id else None
    if program_id and program is None:
        raise Http404
    # The set-up page's "create from the template" prefills a first program.
    initial = (
        starter.program_initial(clean_param(request.GET.get("template", ""), 20))
        if program is None
        else None
    )
    form = ProgramForm(request.POST or None, instance=program, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data}
        try:
            if program is None:
                program = services.program_create(
                    tenant=request.tenant, actor_user=request.user, **fields
                )
            else:
                program = services.program_update(
                    tenant=request.tenant,
                    actor_user=request.user,
                    program=program,
                    **fields,
                )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The program was saved."))
            return redirect("grants_staff_program", program.pk)
    return render(
        request, "grants/staff/program_form.html", {"form": form, "program": program}
    )


@staff_required
def program_detail(request, program_id):
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        raise Http404
    stages = list(program.stages.order_by("position"))
    initial = [
        {
            "name": s.name,
            "role": s.role,
            "checklist": "\n".join(s.checklist),
            "sets_amount": s.sets_amount,
            "assigns_unit": s.assigns_unit,
        }
        for s in stages
    ]
    formset = StageFormSet(request.POST or None, prefix="stages", initial=initial)
    if request.method == "POST":
        if formset.is_valid():
            new_stages = [
                form.as_stage()
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            try:
                services.program_set_stages(
                    tenant=request.tenant,
                    actor_user=request.user,
                    program=program,
                    stages=new_stages,
                )
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, exception_text(exc))
            else:
                messages.success(request, _("The review stages were saved."))
                return redirect("grants_staff_program", program.pk)
    return render(
        request,
        "grants/staff/program.html",
        {
            "program": program,
            "stages": stages,
            "formset": formset,
            "committed": services.committed_amount(program),
            "next_statuses": sorted(services.PROGRAM_FLOW[program.status]),
            "status_labels": dict(Program.Status.choices),
        },
    )


@staff_required
def program_status(request, program_id):
    program = Program.objects.filter(pk=program_id).first()
    if program is None or request.method != "POST":
        raise Http404
    try:
        services.program_set_status(
            tenant=request.tenant,
            actor_user=request.user,
            program=program,
            status=clean_param(request.POST.get("status", ""), 20),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exception_text(exc))
    return redirect("grants_staff_program", program.pk)


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


# --- announcements and regulations -------------------------------------------------


def _can_manage(request) -> bool:
    actor = _actor(request)
    return actor.is_admin or GrantRole.PROGRAM_MANAGER in actor.roles


@staff_required
def announcements(request):
    page = Paginator(Announcement.objects.order_by("-published_on", "-pk"), 25)
    return render(
        request,
        "grants/staff/announcements.html",
        {
            "page": page.get_page(clean_param(request.GET.get("page", ""), 20) or None),
            "can_manage": _can_manage(request),
            "today": timezone.localdate(),
        },
    )


def _content_form(
    request,
    *,
    model,
    object_id,
    form_class,
    save,
    name,
    template,
    done,
    saved,
    initial=None,
):
    """Create or edit an announcement or a regulation (program managers only)."""
    instance = None
    if object_id is not None:
        instance = model.objects.filter(pk=object_id).first()
        if instance is None:
            raise Http404
    services.program_manager_check(tenant=request.tenant, actor_user=request.user)
    form = form_class(
        request.POST or None,
        instance=instance,
        initial=initial if instance is None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            save(
                tenant=request.tenant,
                actor_user=request.user,
                **{name: instance},
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, saved)
            return redirect(done)
    return render(
        request,
        template,
        {"form": form, name: instance},
        status=400 if form.errors else 200,
    )


@staff_required
def announcement_form(request, announcement_id=None):
    return _content_form(
        request,
        model=Announcement,
        object_id=announcement_id,
        form_class=AnnouncementForm,
        save=services.announcement_save,
        name="announcement",
        template="grants/staff/announcement_form.html",
        done="grants_staff_announcements",
        saved=_("The announcement was saved."),
    )


@staff_required
def regulations(request):
    return render(
        request,
        "grants/staff/regulations.html",
        {
            "regulations": Regulation.objects.order_by("-year", "number", "pk"),
            "can_manage": _can_manage(request),
        },
    )


@staff_required
def regulation_form(request, regulation_id=None):
    return _content_form(
        request,
        model=Regulation,
        object_id=regulation_id,
        form_class=RegulationForm,
        save=services.regulation_save,
        name="regulation",
        template="grants/staff/regulation_form.html",
        done="grants_staff_regulations",
        saved=_("The regulation was saved."),
        initial=starter.regulation_initial(
            clean_param(request.GET.get("template", ""), 20)
        ),
    )
