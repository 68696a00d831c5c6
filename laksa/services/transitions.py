"""The one path of every transition, and whom it tells."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from core import tracking
from core.workflow import Transition
from tenants.models import Tenant, User
from tenants.notifications import Address, notify
from tenants.selectors import tenant_admins

from .. import audit
from .. import roles as laksa_roles
from ..models import Item
from ..workflow import CLOSED, WORKFLOW

# --- the one path of every transition ----------------------------------------------------


def _step(
    item: Item,
    key: str,
    *,
    roles,
    actor_role: str,
    actor_id: int | None = None,
    opd=False,
    fields: dict | None = None,
    note: str = "",
    private: dict | None = None,
) -> Transition:
    """Check the declaration, change the item, append the audit event."""
    step = WORKFLOW.require(key, state=item.status, roles=roles)
    before = item.status
    item.status = step.target
    update = ["status"]
    if opd is not False:
        item.opd = opd
        update.append("opd")
        if opd is not None:
            item.routed_at = timezone.now()
            update.append("routed_at")
    for name, value in (fields or {}).items():
        setattr(item, name, value)
        update.append(name)
    if item.status in (CLOSED,) and "closed_at" not in update:
        item.closed_at = timezone.now()
        update.append("closed_at")
    item.save(update_fields=update)
    audit.append(
        item=item,
        action=key,
        from_status=before,
        to_status=item.status,
        actor_role=actor_role,
        actor_id=actor_id,
        note=note or (item.answer if key == "answer" else ""),
        private=private,
    )
    return step


def _staff(user_ids) -> list[User]:
    """The active users among `user_ids`, passed to notify() as users (not their
    addresses): each is written to in their own language and finds it in their log."""
    return list(
        User.objects.filter(pk__in=list(user_ids), is_active=True).exclude(email="")
    )


def _admins(tenant: Tenant) -> list[User]:
    return list(tenant_admins(tenant))


def _reporter(item: Item) -> list[Address]:
    """The citizen, when they left an address, in the language they wrote in."""
    if not item.reporter_email:
        return []
    return [Address(item.reporter_email, item.reporter_language)]


def _tell_opd(tenant: Tenant, item: Item, *, reopened: bool = False) -> None:
    if item.opd_id is None:
        return
    recipients = _staff(laksa_roles.holders(laksa_roles.opd_role(item.opd_id)))
    if reopened:
        sentence = gettext_lazy(
            "The citizen reopened %(code)s: the answer did not solve it. Answer by %(due)s."
        )
    else:
        sentence = gettext_lazy(
            "%(code)s (%(category)s) was sent to %(opd)s. Answer by %(due)s."
        )
    notify(
        recipients=recipients,
        tenant=tenant,
        kind="laksa_routed",
        subject=gettext_lazy("Laksa: %(code)s for %(opd)s"),
        sentence=sentence,
        path=f"/laksa/staff/items/{item.pk}/",
        params={
            "code": tracking.code_display(item.tracking_code),
            "category": item.category.name,
            "opd": item.opd.name,
            "due": timezone.localtime(item.due_at).strftime("%d-%m-%Y %H:%M"),
        },
    )


def _tell_routers(tenant: Tenant, item: Item) -> None:
    recipients = _staff(laksa_roles.holders(laksa_roles.ROUTER)) or _admins(tenant)
    notify(
        recipients=recipients,
        tenant=tenant,
        kind="laksa_to_route",
        subject=gettext_lazy("Laksa: %(code)s waits to be routed"),
        sentence=gettext_lazy("%(code)s (%(category)s) waits to be sent to an OPD."),
        path=f"/laksa/staff/items/{item.pk}/",
        params={
            "code": tracking.code_display(item.tracking_code),
            "category": item.category.name,
        },
    )
