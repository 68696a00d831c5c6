"""Laksa's side of the kernel's hosted-app contract (tenants/hosted.py):
dashboard tiles and to-do items, set-up steps, demo data, export."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.todo import NORMAL, URGENT, TodoItem
from tenants.hosted import DemoContext, SetupStep, Tile


def _queues(request) -> list[tuple[str, object, str, int, int]]:
    """(queue, label, link, count, priority) of what waits for this member's
    Laksa roles, counted once per request (tiles and to-dos both show it)."""
    if hasattr(request, "_laksa_queues"):
        return request._laksa_queues
    from .access import request_actor
    from .selectors import queue_counts

    actor = request_actor(request)
    rows = []
    if actor.works_in_laksa:
        counts = queue_counts(actor, now=timezone.now())
        for queue, holds, label, priority in (
            ("route", actor.is_router, _("Laksa items to route"), NORMAL),
            (
                "mine",
                bool(actor.opd_ids),
                _("Laksa items for your OPD to answer"),
                NORMAL,
            ),
            ("escalated", actor.is_supervisor, _("Overdue Laksa items"), URGENT),
        ):
            if holds:
                rows.append(
                    (
                        queue,
                        label,
                        f"/laksa/staff/?queue={queue}",
                        counts[queue],
                        priority,
                    )
                )
    request._laksa_queues = rows
    return rows


def tiles(request) -> list[Tile]:
    """The dashboard's boxes: each queue this member's Laksa roles see."""
    return [
        Tile(label=label, url=url, count=count)
        for _queue, label, url, count, _priority in _queues(request)
    ]


def todos(request) -> list[TodoItem]:
    """The to-do list: the queues with something waiting; overdue items first."""
    return [
        TodoItem(
            kind=f"laksa.{queue}", label=label, url=url, count=count, priority=priority
        )
        for queue, label, url, count, priority in _queues(request)
        if count
    ]


def setup_steps(request) -> list[SetupStep]:
    from .models import Category, MemberRole, Opd

    return [
        SetupStep(
            key="laksa_opds",
            label=_("Add the OPDs that answer Laksa items"),
            url="/laksa/staff/settings/",
            done=Opd.objects.exists(),
        ),
        SetupStep(
            key="laksa_categories",
            label=_("Add Laksa categories with their OPD and deadline"),
            url="/laksa/staff/settings/",
            done=Category.objects.exists(),
        ),
        SetupStep(
            key="laksa_roles",
            label=_("Give your officials their Laksa roles"),
            url="/dashboard/members/",
            done=MemberRole.objects.exists(),
        ),
    ]


def seed_demo(context: DemoContext) -> str:
    from .demo import seed_all

    return seed_all(context)


def export(tenant) -> dict:
    from .models import MemberRole

    return {
        "member_roles": list(
            MemberRole.objects.order_by("user_id", "role").values("user_id", "role")
        )
    }
