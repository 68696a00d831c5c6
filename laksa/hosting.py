"""Laksa's side of the kernel's hosted-app contract (tenants/hosted.py):
dashboard tiles and to-do items, set-up steps, demo data, export."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.hosted import DemoContext, SetupStep, Tile


def tiles(request) -> list[Tile]:
    """What waits for this member's Laksa roles."""
    from .access import request_actor
    from .selectors import queue_counts

    actor = request_actor(request)
    if not actor.works_in_laksa:
        return []
    counts = queue_counts(actor, now=timezone.now())
    rows = []
    if actor.is_router:
        rows.append(
            Tile(
                label=_("Laksa items to route"),
                url="/laksa/staff/?queue=route",
                count=counts["route"],
                todo=bool(counts["route"]),
            )
        )
    if actor.opd_ids:
        rows.append(
            Tile(
                label=_("Laksa items for your OPD to answer"),
                url="/laksa/staff/?queue=mine",
                count=counts["mine"],
                todo=bool(counts["mine"]),
            )
        )
    if actor.is_supervisor:
        rows.append(
            Tile(
                label=_("Overdue Laksa items"),
                url="/laksa/staff/?queue=escalated",
                count=counts["escalated"],
                todo=bool(counts["escalated"]),
            )
        )
    return rows


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
