"""The back office's home (work queues, set-up) and programs with their stages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog.models import Adoption
from catalog.selectors import hosted_app_for_module
from tenants.forms import add_service_errors, exception_text
from tenants.selectors import clean_param

from .. import hosting, selectors, services, starter
from ..access import staff_required
from ..forms import ProgramForm, StageFormSet
from ..models import Program
from ..roles import GrantRole


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
