"""Sabilulungan's side of the kernel's hosted-app contract (tenants/hosted.py).

grants/apps.py declares the app with these functions; the kernel calls them
without knowing Sabilulungan: dashboard tiles and to-do items, set-up steps,
demo data, and the app's part of a tenant export.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from tenants.access import request_membership
from tenants.hosted import DemoContext, SetupStep, Tile


def tiles(request) -> list[Tile]:
    """For the tenant's staff: what waits for their roles, and the open programs."""
    from .access import STAFF_ROLES
    from .models import CitizenReport, Program, Proposal
    from .selectors import waiting_for
    from .services import actor_in

    membership = request_membership(request)
    if membership is None or membership.role not in STAFF_ROLES:
        return []
    actor = actor_in(request.tenant, request.user)
    counts = Program.objects.aggregate(
        open=Count("pk", filter=Q(status=Program.Status.OPEN)),
    )
    rows = [
        Tile(
            label=_("Open programs"),
            url="/grants/staff/",
            count=counts["open"],
        )
    ]
    if actor.roles:
        rows.append(
            Tile(
                label=_("Proposals waiting for your step"),
                url="/grants/staff/",
                count=Proposal.objects.filter(waiting_for(actor)).count(),
                todo=True,
            )
        )
    open_reports = CitizenReport.objects.filter(
        status=CitizenReport.Status.RECEIVED
    ).count()
    if open_reports:
        rows.append(
            Tile(
                label=_("Citizen reports to answer"),
                url="/grants/staff/reports/",
                count=open_reports,
                todo=True,
            )
        )
    return rows


def setup_steps(request) -> list[SetupStep]:
    from .models import MemberRole, Program

    return [
        SetupStep(
            key="grants_roles",
            label=_("Give your officials their Sabilulungan roles"),
            url="/dashboard/members/",
            done=MemberRole.objects.exists(),
        ),
        SetupStep(
            key="grants_program",
            label=_("Open a Sabilulungan program"),
            url="/grants/staff/programs/new/",
            done=Program.objects.exists(),
        ),
    ]


def seed_demo(context: DemoContext) -> str:
    """Programs, proposals in every state and one official per role, in Bandung
    (the publisher) and Tangerang (the adopter)."""
    from tenants import demo
    from tenants.models import Tenant, User

    from .demo import seed_grants

    proposals = 0
    for spec in (demo.BANDUNG, demo.TANGERANG):
        tenant = Tenant.objects.filter(slug=spec.slug).first()
        if tenant is None:
            continue
        proposals += seed_grants(
            tenant=tenant,
            admin=User.objects.get(email=spec.admin_email),
            staff=User.objects.get(email=spec.staff_email),
            password_hash=context.password_hash,
        )
    return f"{proposals} new Sabilulungan proposals"


def export(tenant) -> dict:
    """The members' Sabilulungan roles (the rest of the schema is exported whole)."""
    from .models import MemberRole

    return {
        "member_roles": list(
            MemberRole.objects.order_by("user_id", "role").values("user_id", "role")
        )
    }
