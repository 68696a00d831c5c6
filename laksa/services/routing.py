"""The staff's side: routing, returning, dismissing, answering, and escalating overdue items."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import deadlines, tracking
from tenants.models import Tenant, User
from tenants.notifications import notify

from .. import roles as laksa_roles
from ..access import LaksaActor, laksa_actor
from ..models import Item, Opd
from ..workflow import OPD, ROUTER, SUPERVISOR, SYSTEM, WORKFLOW
from .common import ANSWER_MAX, NOTE_MAX, _tenant, _text
from .transitions import _admins, _reporter, _staff, _step, _tell_opd, _tell_routers

# --- staff ----------------------------------------------------------------------------


def _staff_roles(
    tenant: Tenant, actor_user: User, item: Item
) -> tuple[LaksaActor, frozenset[str]]:
    actor = laksa_actor(tenant, actor_user)
    return actor, actor.workflow_roles(item)


def _locked(item: Item) -> Item:
    return (
        Item.objects.select_for_update(of=("self",))
        .select_related("opd", "category")
        .get(pk=item.pk)
    )


def _active_opd(opd_id) -> Opd:
    try:
        opd = Opd.objects.filter(pk=int(opd_id), active=True).first()
    except (TypeError, ValueError):
        opd = None
    if opd is None:
        raise ValidationError({"opd": [_("Choose an OPD from the list.")]})
    return opd


def item_route(
    *,
    tenant: Tenant,
    actor_user: User,
    item: Item,
    opd_id,
    note: str = "",
    action: str = "route",
) -> Item:
    """The router sends a received item to an OPD (or a supervisor, `reassign`,
    sends an escalated one with a new deadline)."""
    if action not in {"route", "reassign"}:
        raise ValueError(action)
    note = _text(note, field="note", limit=NOTE_MAX)
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        opd = _active_opd(opd_id)
        fields = {}
        if action == "reassign":
            now = timezone.now()
            fields["due_at"] = deadlines.due_at(
                now, days=item.category.sla_days, hours=item.category.sla_hours
            )
        _step(
            item,
            action,
            roles=roles,
            actor_role=ROUTER if action == "route" else SUPERVISOR,
            actor_id=actor.user_id,
            opd=opd,
            fields=fields,
            private={"note": note} if note else None,
        )
        _tell_opd(tenant, item)
    return item


def item_return(*, tenant: Tenant, actor_user: User, item: Item, note: str) -> Item:
    """The OPD says the item is not theirs: back to the router."""
    note = _text(
        note, field="note", limit=NOTE_MAX, required=_("Say why it is not your OPD's.")
    )
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        _step(
            item,
            "return",
            roles=roles,
            actor_role=OPD,
            actor_id=actor.user_id,
            opd=None,
            private={"note": note},
        )
        _tell_routers(tenant, item)
    return item


def item_dismiss(*, tenant: Tenant, actor_user: User, item: Item, note: str) -> Item:
    """The router closes spam or a duplicate, saying why in public."""
    note = _text(
        note,
        field="note",
        limit=NOTE_MAX,
        required=_("Say why it is closed; the citizen sees it."),
    )
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        _step(
            item,
            "dismiss",
            roles=roles,
            actor_role=ROUTER,
            actor_id=actor.user_id,
            fields={"closed_at": timezone.now(), "answer": note},
            note=note,
        )
    return item


def item_answer(*, tenant: Tenant, actor_user: User, item: Item, answer: str) -> Item:
    """The OPD answers (in public); the citizen is told."""
    answer = _text(
        answer,
        field="answer",
        limit=ANSWER_MAX,
        required=_("Write the answer; it is public."),
    )
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        now = timezone.now()
        _step(
            item,
            "answer",
            roles=roles,
            actor_role=OPD,
            actor_id=actor.user_id,
            fields={
                "answer": answer,
                "answered_at": now,
                "answered_by_id": actor.user_id,
                "response_hours": round(
                    (now - item.created_at).total_seconds() / 3600, 2
                ),
            },
        )
        if item.reporter_email:
            notify(
                recipients=_reporter(item),
                tenant=tenant,
                kind="laksa_answered",
                subject=gettext_lazy("Laksa: %(code)s was answered"),
                sentence=gettext_lazy(
                    "%(opd)s answered your message %(code)s. Read the answer, then rate it "
                    "or reopen it with the link we sent when you wrote."
                ),
                path=f"/laksa/track/{item.tracking_code}/",
                params={
                    "code": tracking.code_display(item.tracking_code),
                    "opd": item.opd.name,
                },
                digest=False,
            )
    return item


def items_escalate(*, now=None) -> int:
    """Escalate every open item of this schema past its deadline (the supervisors are told)."""
    tenant = _tenant()
    now = now or timezone.now()
    count = 0
    late = deadlines.overdue(
        Item.objects.filter(status__in=WORKFLOW.transition("escalate").sources), now=now
    )
    for pk in late.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            item = _locked(Item(pk=pk))
            if item.status not in WORKFLOW.transition("escalate").sources:
                continue
            _step(
                item,
                "escalate",
                roles={SYSTEM},
                actor_role=SYSTEM,
                fields={"escalated_at": now},
            )
            count += 1
    if count:
        supervisors = _staff(laksa_roles.holders(laksa_roles.SUPERVISOR)) or _admins(
            tenant
        )
        notify(
            recipients=supervisors,
            tenant=tenant,
            kind="laksa_escalated",
            subject=gettext_lazy("Laksa: %(n)s items passed their deadline"),
            sentence=gettext_lazy(
                "%(n)s items passed their deadline without an answer and were escalated to you."
            ),
            path="/laksa/staff/?queue=escalated",
            params={"n": count},
        )
    return count


def items_escalate_all() -> int:
    """The periodic job: escalate overdue items in every tenant where Laksa is on."""
    from django_tenants.utils import tenant_context

    from tenants import hosted

    total = 0
    for tenant in (
        Tenant.objects.exclude(schema_name="public").filter(is_active=True).iterator()
    ):
        if tenant.is_platform or "laksa" not in hosted.enabled_keys(tenant):
            continue
        with tenant_context(tenant):
            total += items_escalate()
    return total
