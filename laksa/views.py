"""Laksa's public pages: the portal, sending, tracking, rating or reopening, open data.

Nothing here shows who sent an item: no name, e-mail, phone or photo, and the
message only when its sender allowed it (laksa/selectors.py PUBLIC_ITEM_FIELDS).
"""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import tracking
from core.limits import body_limit
from core.opendata import jsonl_response, streamed
from core.pagecache import keep_until, public_page
from core.text import spreadsheet_safe
from tenants.forms import add_service_errors

from . import selectors, services
from .audit import stored_records
from .forms import RespondForm, SubmitForm, TrackForm
from .workflow import WORKFLOW


@public_page
def portal(request):
    """Counts per status, median answer time per OPD, the latest answers. Kept
    like other public pages, and at most until the next open item falls due
    (its overdue count changes then without any write)."""
    now = timezone.now()
    response = render(
        request,
        "laksa/portal.html",
        {
            "figures": selectors.public_figures(now=now),
            "answered": selectors.public_answered(),
        },
    )
    return keep_until(response, selectors.next_deadline(now=now))


@body_limit("UPLOAD_BODY_LIMIT")
@never_cache
def submit(request):
    form = SubmitForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["category_id"] = data.pop("category")
            try:
                item, secret = services.item_submit(
                    client_ip=tracking.client_ip(request), **data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                limited = getattr(exc, "code", None) == tracking.RATE_LIMITED
                status = 429 if limited else 400
            else:
                response = render(
                    request,
                    "laksa/submitted.html",
                    {
                        "item": item,
                        "code": tracking.code_display(item.tracking_code),
                        "secret": secret,
                        "state": WORKFLOW.state(item.status),
                    },
                )
                response["Cache-Control"] = "private, no-store"
                return response
        else:
            status = 400
    return render(request, "laksa/submit.html", {"form": form}, status=status)


def track_find(request):
    form = TrackForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        code = tracking.code_normalise(form.cleaned_data["code"])
        if code:
            return redirect("laksa_track", code)
        form.add_error(
            "code", _("A tracking code has 10 letters and digits, like ABCDE-FGH23.")
        )
    return render(
        request,
        "laksa/track_find.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _tracked(request, code):
    item = selectors.public_item(tracking.code_normalise(code))
    if item is None:
        response = render(
            request, "laksa/track_missing.html", {"form": TrackForm()}, status=404
        )
        return None, response
    return item, None


def _track_page(request, item, form, status=200):
    state = WORKFLOW.state(item.status)
    history = [
        {
            "at": event.at,
            "label": WORKFLOW.transition(event.action).own_label
            if WORKFLOW.has_transition(event.action)
            else WORKFLOW.done_label(event.action),
            "opd": event.opd,
        }
        for event in selectors.item_history(item)
    ]
    response = render(
        request,
        "laksa/track.html",
        {
            "item": item,
            "code": tracking.code_display(item.tracking_code),
            "state": state,
            "progress": WORKFLOW.progress(item.status),
            "history": history,
            "form": form,
            "can_respond": bool(WORKFLOW.available(item.status, {"citizen"})),
            "can_reopen": not item.reopened,
            "overdue": item.is_open and item.due_at < timezone.now(),
        },
        status=status,
    )
    # The code works like a password to this page: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def track(request, code):
    item, missing = _tracked(request, code)
    if missing:
        return missing
    if item.tracking_code != code:
        return redirect("laksa_track", item.tracking_code)
    form = RespondForm(initial={"key": request.GET.get("key", "")[:40]})
    return _track_page(request, item, form)


def respond(request, code):
    """The citizen rates the answer (closing it) or reopens it, with their key."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item, missing = _tracked(request, code)
    if missing:
        return missing
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _track_page(request, item, form, status=400)
    data = form.cleaned_data
    try:
        if request.POST.get("do") == "reopen":
            services.item_reopen(item=item, secret=data["key"], reason=data["reason"])
            messages.success(
                request, _("Reopened: it went back to the office responsible.")
            )
        else:
            if not data.get("rating"):
                raise ValidationError({"rating": [_("Choose from 1 to 5 stars.")]})
            services.item_rate(
                item=item,
                secret=data["key"],
                rating=data["rating"],
                comment=data["comment"],
            )
            messages.success(request, _("Thank you for rating the answer."))
    except PermissionDenied as exc:
        form.add_error("key", str(exc))
        return _track_page(request, item, form, status=403)
    except ValidationError as exc:
        add_service_errors(form, exc)
        limited = getattr(exc, "code", None) == tracking.RATE_LIMITED
        return _track_page(request, item, form, status=429 if limited else 400)
    return redirect("laksa_track", item.tracking_code)


def _jsonable(row: dict) -> dict:
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in row.items()
        if key != "kind_label"
    }


def open_items_json(request):
    """Every item as the public may see it (JSON array, streamed)."""

    def chunks():
        yield "["
        first = True
        for row in selectors.open_items():
            yield ("" if first else ",") + json.dumps(
                _jsonable(row), ensure_ascii=False
            )
            first = False
        yield "]\n"

    return streamed(
        chunks(),
        content_type="application/json; charset=utf-8",
        filename="laksa-items.json",
    )


CSV_COLUMNS = (
    "id",
    "kind",
    "category",
    "kecamatan",
    "kelurahan",
    "status",
    "opd",
    "received_at",
    "due_at",
    "answered_at",
    "response_hours",
    "rating",
    "reopened",
    "message",
    "answer",
)


def open_items_csv(request):
    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for row in selectors.open_items():
            row = _jsonable(row)
            # Citizens' and officers' own words: opened as text, never as formulas.
            writer.writerow([spreadsheet_safe(row[c]) for c in CSV_COLUMNS])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return streamed(
        chunks(),
        content_type="text/csv; charset=utf-8",
        filename="laksa-items.csv",
        inline=False,
    )


def open_audit(request):
    """The public audit chain of Laksa, one JSON record per line."""
    return jsonl_response(stored_records(), filename="laksa-audit.jsonl")
