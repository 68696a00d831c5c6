"""Announcements and regulations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.forms import add_service_errors
from tenants.selectors import clean_param

from .. import services, starter
from ..access import staff_required
from ..forms import AnnouncementForm, RegulationForm
from ..models import Announcement, Regulation
from ..roles import GrantRole
from .programs import _actor

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
