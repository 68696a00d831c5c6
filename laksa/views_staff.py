"""Laksa's back office: queues per role, the item page with the steps the
declaration allows this member, and the settings (OPDs and categories)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core import storage, tracking
from tenants.forms import add_service_errors

from . import selectors, services
from .access import (
    access_item,
    access_settings,
    access_staff,
    may_see_item,
    request_actor,
)
from .forms import AnswerForm, CategoryForm, NoteForm, OpdChoiceForm, OpdForm
from .models import PHOTO_TYPES, Category, Opd
from .workflow import WORKFLOW

QUEUE_LABELS = {
    "route": _("To route"),
    "mine": _("My OPD's items"),
    "escalated": _("Overdue, escalated"),
    "all": _("All items"),
}
ACTION_FORMS = {
    "route": OpdChoiceForm,
    "reassign": OpdChoiceForm,
    "answer": AnswerForm,
    "return": NoteForm,
    "dismiss": NoteForm,
}


@login_required
def queue(request):
    actor = access_staff(request_actor(request))
    now = timezone.now()
    queues = selectors.queues_of(actor)
    current = request.GET.get("queue") or queues[0]
    if current not in queues:
        current = queues[0]
    items = selectors.queue_items(actor, current, now=now)
    page = Paginator(items, selectors.PAGE).get_page(request.GET.get("page"))
    counts = selectors.queue_counts(actor, now=now)
    return render(
        request,
        "laksa/staff/queue.html",
        {
            "tabs": [
                {"key": q, "label": _(QUEUE_LABELS[q]), "count": counts.get(q)}
                for q in queues
            ],
            "current": current,
            "page": page,
            "now": now,
        },
    )


def _detail(request, item, actor, forms=None, status=200):
    roles = actor.workflow_roles(item)
    actions = []
    for step in WORKFLOW.available(item.status, roles):
        if not step.staff_button:
            continue
        form_class = ACTION_FORMS.get(step.key)
        form = (forms or {}).get(step.key) or (
            form_class(prefix=step.key) if form_class else None
        )
        actions.append({"step": step, "form": form})
    history = [
        {
            "at": e.at,
            "label": e.done_label,
            "role": WORKFLOW.actor_label(e.actor_role),
            "opd": e.opd,
            "note": e.note or e.private.get("note") or e.private.get("reason", ""),
        }
        for e in selectors.item_history(item)
    ]
    return render(
        request,
        "laksa/staff/item.html",
        {
            "item": item,
            "code": tracking.code_display(item.tracking_code),
            "state": WORKFLOW.state(item.status),
            "actions": actions,
            "history": history,
            "overdue": item.is_open and item.due_at < timezone.now(),
        },
        status=status,
    )


@login_required
def item_detail(request, item_id):
    actor = request_actor(request)
    item = access_item(actor, item_id)
    return _detail(request, item, actor)


@login_required
def item_photo(request, item_id):
    """The photo, for staff only (it may show people; never public)."""
    item = access_item(request_actor(request), item_id)
    # A second line, as for Sabilulungan's files: a name outside this tenant's
    # own prefix (a row restored from elsewhere) is never served.
    if not item.photo or not storage.belongs_to(
        item.photo.name, request.tenant.schema_name
    ):
        raise Http404
    extension = item.photo.name.rsplit(".", 1)[-1].lower()
    if extension not in PHOTO_TYPES:
        extension = "jpg"
    return storage.private_download(
        item.photo.name,
        content_type=PHOTO_TYPES[extension],
        filename=f"laksa-{item.tracking_code}.{extension}",
    )


@login_required
def item_act(request, item_id, action):
    actor = request_actor(request)
    item = access_item(actor, item_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action not in ACTION_FORMS:
        raise Http404
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action in {"route", "reassign"}:
                services.item_route(
                    tenant=request.tenant,
                    actor_user=request.user,
                    item=item,
                    opd_id=data["opd"],
                    note=data["note"],
                    action=action,
                )
            elif action == "answer":
                services.item_answer(
                    tenant=request.tenant,
                    actor_user=request.user,
                    item=item,
                    answer=data["answer"],
                )
            elif action == "return":
                services.item_return(
                    tenant=request.tenant,
                    actor_user=request.user,
                    item=item,
                    note=data["note"],
                )
            else:
                services.item_dismiss(
                    tenant=request.tenant,
                    actor_user=request.user,
                    item=item,
                    note=data["note"],
                )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return _detail(request, item, actor, {action: form}, status=403)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return _detail(request, item, actor, {action: form}, status=400)
        messages.success(request, str(WORKFLOW.transition(action).done))
        # Back to the item while it is still theirs to see (a returned or
        # rerouted item leaves an officer's OPD): else to their queue.
        item.refresh_from_db(fields=["opd"])
        if may_see_item(actor, item):
            return redirect("laksa_item", item.pk)
        return redirect("laksa_staff")
    return _detail(request, item, actor, {action: form}, status=400)


@login_required
def settings_page(request):
    """The tenant's OPDs and categories (each category's OPD and deadline)."""
    actor = access_settings(request_actor(request))
    opd_form = OpdForm(
        request.POST if request.POST.get("add") == "opd" else None, prefix="opd"
    )
    category_form = CategoryForm(
        request.POST if request.POST.get("add") == "category" else None,
        prefix="category",
    )
    status = 200
    if request.method == "POST":
        bound = opd_form if request.POST.get("add") == "opd" else category_form
        if bound.is_bound and bound.is_valid():
            try:
                if bound is opd_form:
                    services.opd_save(
                        tenant=request.tenant,
                        actor_user=request.user,
                        **bound.cleaned_data,
                    )
                else:
                    services.category_save(
                        tenant=request.tenant,
                        actor_user=request.user,
                        **bound.cleaned_data,
                    )
            except ValidationError as exc:
                add_service_errors(bound, exc)
                status = 400
            else:
                messages.success(request, _("Saved."))
                return redirect("laksa_settings")
        else:
            status = 400
    return render(
        request,
        "laksa/staff/settings.html",
        {
            "actor": actor,
            "opds": Opd.objects.all(),
            "categories": Category.objects.select_related("opd"),
            "opd_form": opd_form,
            "category_form": category_form,
        },
        status=status,
    )
