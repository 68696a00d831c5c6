"""Laksa's reads: staff queues, the public figures and the open data."""

from __future__ import annotations

from django.db.models import Aggregate, Count, FloatField, Q

from core import deadlines

from .models import AuditEvent, Item
from .workflow import (
    ANSWERED,
    CLOSED,
    ESCALATED,
    OPEN_STATES,
    RECEIVED,
    ROUTED,
    WORKFLOW,
)

PAGE = 50


class Median(Aggregate):
    """The median, computed by PostgreSQL (no rows loaded into Python)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# Every field open data and the public page may show: never the reporter's
# name, e-mail, phone, photo, fingerprint or key, nor a message the citizen
# did not let us publish.
PUBLIC_ITEM_FIELDS = (
    "pk",
    "kind",
    "category__name",
    "kecamatan",
    "kelurahan",
    "status",
    "opd__name",
    "created_at",
    "due_at",
    "answered_at",
    "response_hours",
    "answer",
    "rating",
    "reopened",
    "publish",
    "description",
)


def queue_filter(actor, queue: str, *, now) -> Q | None:
    """The items of one staff queue (None: not a queue this actor has)."""
    if queue == "route" and actor.is_router:
        return Q(status=RECEIVED)
    if queue == "mine" and actor.opd_ids:
        return Q(status__in=(ROUTED, ESCALATED), opd_id__in=actor.opd_ids)
    if queue == "escalated" and actor.is_supervisor:
        return Q(status=ESCALATED)
    if queue == "all" and (actor.is_router or actor.is_supervisor):
        return Q()
    return None


def queues_of(actor) -> list[str]:
    found = []
    if actor.is_router:
        found.append("route")
    if actor.opd_ids:
        found.append("mine")
    if actor.is_supervisor:
        found.append("escalated")
    if actor.is_router or actor.is_supervisor:
        found.append("all")
    return found


def queue_counts(actor, *, now) -> dict[str, int]:
    aggregates = {}
    for queue in ("route", "mine", "escalated"):
        condition = queue_filter(actor, queue, now=now)
        aggregates[queue] = (
            Count("pk", filter=condition) if condition is not None else None
        )
    wanted = {k: v for k, v in aggregates.items() if v is not None}
    counts = Item.objects.aggregate(**wanted) if wanted else {}
    return {queue: counts.get(queue, 0) for queue in aggregates}


def queue_items(actor, queue: str, *, now):
    """A queue's items, overdue first (the earliest deadline on top), one page."""
    condition = queue_filter(actor, queue, now=now)
    if condition is None:
        return Item.objects.none()
    items = Item.objects.filter(condition).select_related("category", "opd")
    if queue == "all":
        return items.order_by("-created_at", "-pk")
    return items.order_by("due_at", "pk")


def item_history(item):
    return list(AuditEvent.objects.filter(item=item).order_by("seq"))


def public_item(code: str):
    """The item behind a tracking code (for the tracking page), or None."""
    if not code:
        return None
    return (
        Item.objects.select_related("category", "opd")
        .filter(tracking_code=code)
        .first()
    )


def public_figures(*, now) -> dict:
    """Counts per public status, median response time per OPD, overdue count."""
    counts = {
        row["status"]: row["n"]
        for row in Item.objects.values("status").annotate(n=Count("pk")).order_by()
    }
    statuses = [
        {"key": s.key, "label": s.public_label, "count": counts.get(s.key, 0)}
        for s in WORKFLOW.states
    ]
    per_opd = [
        {
            "opd": row["opd__name"] or "—",
            "answered": row["answered"],
            "median_hours": round(row["median_hours"], 1),
        }
        for row in Item.objects.filter(response_hours__isnull=False)
        .values("opd__name")
        .annotate(answered=Count("pk"), median_hours=Median("response_hours"))
        .order_by("opd__name")
    ]
    overdue = deadlines.overdue(
        Item.objects.filter(status__in=OPEN_STATES), now=now
    ).count()
    return {
        "statuses": statuses,
        "total": sum(counts.values()),
        "per_opd": per_opd,
        "overdue": overdue,
    }


def next_deadline(*, now):
    """When the next open item falls due (public_figures' overdue count grows
    then), or None when none is due ahead."""
    return (
        Item.objects.filter(status__in=OPEN_STATES, due_at__gte=now)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def public_answered(limit: int = 20) -> list[dict]:
    """The latest answered items, as the public may see them."""
    rows = (
        Item.objects.filter(status__in=(ANSWERED, CLOSED), answered_at__isnull=False)
        .order_by("-answered_at", "-pk")
        .values(*PUBLIC_ITEM_FIELDS)[:limit]
    )
    return [public_row(row) for row in rows]


def public_row(row: dict) -> dict:
    """One item for the public: the message only if the citizen allowed it."""
    state = WORKFLOW.state(row["status"])
    return {
        "id": row["pk"],
        "kind": row["kind"],
        "kind_label": str(Item.Kind(row["kind"]).label),
        "category": row["category__name"],
        "kecamatan": row["kecamatan"],
        "kelurahan": row["kelurahan"],
        "status": row["status"],
        "status_label": str(state.public_label),
        "opd": row["opd__name"] or "",
        "received_at": row["created_at"],
        "due_at": row["due_at"],
        "answered_at": row["answered_at"],
        "response_hours": row["response_hours"],
        "message": row["description"] if row["publish"] else "",
        "answer": row["answer"],
        "rating": row["rating"],
        "reopened": row["reopened"],
    }


def open_items(*, chunk: int = 2000):
    """Every item for open data, in id order, a chunk at a time."""
    last = 0
    while True:
        rows = list(
            Item.objects.filter(pk__gt=last)
            .order_by("pk")
            .values(*PUBLIC_ITEM_FIELDS)[:chunk]
        )
        if not rows:
            return
        for row in rows:
            yield public_row(row)
        last = rows[-1]["pk"]
