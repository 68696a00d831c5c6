"""Sabilulungan's side of the kernel's hosted-app contract (tenants/hosted.py).

grants/apps.py declares the app with these functions; the kernel calls them
without knowing Sabilulungan: dashboard tiles and to-do items, set-up steps,
to-do items, set-up steps, demo data, and the app's part of a tenant export.
"""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.todo import NORMAL, URGENT, TodoItem
from tenants.access import request_membership
from tenants.hosted import DemoContext, SetupStep, Tile


def _actor(request):
    """The member's Sabilulungan actor, from the request's membership (read once)."""
    from .services import actor_for

    return actor_for(request.user, request_membership(request))


def tiles(request) -> list[Tile]:
    """For the tenant's staff: the open programs (what waits for them is on the
    to-do list, `todos` below)."""
    from .access import STAFF_ROLES
    from .models import Program

    membership = request_membership(request)
    if membership is None or membership.role not in STAFF_ROLES:
        return []
    return [
        Tile(
            label=_("Open programs"),
            url="/grants/staff/",
            count=Program.objects.filter(status=Program.Status.OPEN).count(),
        )
    ]


def todos(request) -> list[TodoItem]:
    """What waits for this member in Sabilulungan, each only for the members who
    may act on it (grants/access.py): proposals at their step, accountability
    reports past their deadline, bank-account changes to confirm, citizen
    reports to answer."""
    from django.db.models import Count, Min

    from .access import (
        STAFF_ROLES,
        may_answer_reports,
        may_confirm_bank_changes,
        may_follow_up_reports,
    )
    from .models import CitizenReport, RecipientAmendment
    from .selectors import queue_for, reports_overdue

    membership = request_membership(request)
    if membership is None or membership.role not in STAFF_ROLES:
        return []
    actor = _actor(request)
    today = timezone.localdate()
    items = []
    if actor.roles:
        queued = queue_for(actor).count()
        items.append(
            TodoItem(
                kind="grants.queue",
                label=ngettext(
                    "A proposal waits for your step",
                    "Proposals wait for your step",
                    queued,
                ),
                url="/grants/staff/#queue",
                count=queued,
            )
        )
    if may_follow_up_reports(actor):
        late = reports_overdue(today).aggregate(n=Count("pk"), first=Min("report_due"))
        items.append(
            TodoItem(
                kind="grants.lpj_overdue",
                label=ngettext(
                    "An accountability report (LPJ) is overdue: remind the recipient",
                    "Accountability reports (LPJ) are overdue: remind the recipients",
                    late["n"],
                ),
                url="/grants/staff/proposals/?lpj=overdue",
                count=late["n"],
                due=late["first"],
                priority=URGENT,
            )
        )
    if may_confirm_bank_changes(actor):
        changes = list(
            RecipientAmendment.objects.filter(
                kind=RecipientAmendment.Kind.BANK,
                status=RecipientAmendment.Status.PENDING,
            )
            .exclude(requested_by_id=actor.user.pk)
            .annotate(proposal_id=_latest_award())
            .order_by("requested_at", "pk")
            .values_list("proposal_id", flat=True)[:100]
        )
        if changes:
            items.append(
                TodoItem(
                    kind="grants.bank_changes",
                    label=ngettext(
                        "A recipient's new bank account waits for a second member's confirmation",
                        "Recipients' new bank accounts wait for a second member's confirmation",
                        len(changes),
                    ),
                    url=f"/grants/staff/proposals/{changes[0]}/#recipient-amendments"
                    if changes[0]
                    else "/grants/staff/proposals/",
                    count=len(changes),
                )
            )
    if may_answer_reports(actor):
        waiting = CitizenReport.objects.filter(
            status=CitizenReport.Status.RECEIVED
        ).aggregate(n=Count("pk"), first=Min("due_on"))
        items.append(
            TodoItem(
                kind="grants.citizen_reports",
                label=ngettext(
                    "A citizen report waits for an answer",
                    "Citizen reports wait for an answer",
                    waiting["n"],
                ),
                url="/grants/staff/reports/",
                count=waiting["n"],
                due=waiting["first"],
                priority=URGENT
                if waiting["first"] and waiting["first"] < today
                else NORMAL,
            )
        )
    return items


def _latest_award():
    """The recipient's latest awarded proposal (where the change is decided)."""
    from django.db.models import OuterRef, Subquery

    from .services.recipients import awards

    return Subquery(awards(OuterRef("applicant_id")).values("pk")[:1])


def setup_steps(request) -> list[SetupStep]:
    """Getting Sabilulungan ready after it is switched on: roles, the first
    program from Bandung's template, the first announcement and regulation."""
    from .models import Announcement, MemberRole, Program, Regulation

    programs = Program.objects.aggregate(
        opened=Count("pk", filter=~Q(status=Program.Status.DRAFT)),
        draft=Min("pk", filter=Q(status=Program.Status.DRAFT)),
    )
    flags = {
        "roles": MemberRole.objects.exists(),
        "announcement": Announcement.objects.filter(is_published=True).exists(),
        "regulation": Regulation.objects.exists(),
    }
    if programs["opened"]:
        program_url = "/grants/staff/"
    elif programs["draft"]:
        program_url = f"/grants/staff/programs/{programs['draft']}/"
    else:
        program_url = "/grants/staff/programs/new/?template=sabilulungan"
    return [
        SetupStep(
            key="grants_roles",
            label=_("Give your officials their Sabilulungan roles"),
            url="/dashboard/members/",
            done=flags["roles"],
            help=_(
                "Each step of a proposal belongs to a role: Tata Usaha checks the "
                "documents, the Tim Pertimbangan and the OPD evaluate, TAPD sets the "
                "amount, the Kepala Daerah approves and the treasurer pays. Invite "
                "your officials as staff, then tick their roles on the Members page."
            ),
            action=_("Give roles"),
            shortcuts=(
                (_("Invite an official"), "/dashboard/members/invite/?role=staff"),
            ),
        ),
        SetupStep(
            key="grants_program",
            label=_("Open the first program"),
            url=program_url,
            done=bool(programs["opened"]),
            help=_(
                "Start from the Sabilulungan template: Bandung's six review stages "
                "are filled in, and you can change them before you open the "
                "program for proposals."
            ),
            action=_("Continue the draft program")
            if programs["draft"] and not programs["opened"]
            else _("Create from the template"),
        ),
        SetupStep(
            key="grants_announcement",
            label=_("Publish the first announcement"),
            url="/grants/staff/announcements/new/",
            done=flags["announcement"],
            help=_(
                "Tell the public that proposals can be sent: what the program "
                "funds, who may apply and until when."
            ),
            action=_("Write the announcement"),
        ),
        SetupStep(
            key="grants_regulation",
            label=_("Publish the regulation the grants follow"),
            url="/grants/staff/regulations/new/?template=permendagri",
            done=flags["regulation"],
            help=_(
                "The public portal lists the rules every grant follows, e.g. "
                "Permendagri 32/2011 and your region's own regulation."
            ),
            action=_("Add the regulation"),
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
