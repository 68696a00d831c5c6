"""The platform's public transparency log on the platform host (/transparency/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import access_anchor_chains, may_anchor_chains
from .anchoring import chains_anchor
from .models import PlatformEvent
from .transparency import anchors_public


def clean_int(value, *, default: int, low: int, high: int = 2**62) -> int:
    """A whole number from the query string, clamped; the default when it is not one."""
    try:
        number = int(str(value).strip()) if value is not None else default
    except ValueError:
        return default
    return max(low, min(number, high))


def transparency(request):
    events = PlatformEvent.objects.order_by("-seq").only(
        "seq",
        "at",
        "kind",
        "actor_label",
        "tenant_slug",
        "tenant_name",
        "reason",
        "details",
        "hash",
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    anchored = [e.seq for e in page if e.kind == PlatformEvent.Kind.CHAIN_ANCHORED]
    anchors = anchors_public(anchored) if anchored else {}
    rows = [
        {"event": event, "anchors": anchors.get(event.seq, [])[:20]} for event in page
    ]
    return render(
        request,
        "platform/transparency.html",
        {
            "page": page,
            "rows": rows,
            "may_anchor": may_anchor_chains(request.user),
        },
    )


def log_json(request):
    from .transparency import log_json_page

    after = clean_int(request.GET.get("after"), default=0, low=0)
    limit = clean_int(request.GET.get("limit"), default=500, low=1, high=1000)
    data = log_json_page(after=after, limit=limit)
    if data["next_after"] is not None:
        data["next"] = request.build_absolute_uri(
            f"{request.path}?after={data['next_after']}&limit={limit}"
        )
    else:
        data["next"] = None
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_POST
def anchor_now(request):
    actor = access_anchor_chains(request)
    run = chains_anchor(actor=actor)
    if run.event is None:
        messages.info(request, _("No audit history changed since the last anchoring."))
    else:
        messages.success(
            request,
            _("%(count)s audit histories anchored in log entry %(seq)s.")
            % {"count": len(run.anchors), "seq": run.event.seq},
        )
    return redirect("transparency")
