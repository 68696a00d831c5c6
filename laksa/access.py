"""Every permission question of Laksa, answered in one place.

`laksa_actor(tenant, user)` says who someone is in this tenant's Laksa; the
`access_*` functions answer what they may do, for views, services and
templates alike. A tenant administrator acts as router and supervisor, so a
tenant that has just switched Laksa on can work before assigning roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from tenants.access import membership_for, request_membership

from . import roles as laksa_roles
from .workflow import OPD, ROUTER, SUPERVISOR


@dataclass(frozen=True)
class LaksaActor:
    user_id: int | None
    is_admin: bool
    is_staff: bool
    roles: frozenset[str]
    opd_ids: frozenset[int]

    @property
    def is_router(self) -> bool:
        return self.is_admin or laksa_roles.ROUTER in self.roles

    @property
    def is_supervisor(self) -> bool:
        return self.is_admin or laksa_roles.SUPERVISOR in self.roles

    @property
    def works_in_laksa(self) -> bool:
        return self.is_router or self.is_supervisor or bool(self.opd_ids)

    def workflow_roles(self, item) -> frozenset[str]:
        """The workflow actors this person is for `item`."""
        found = set()
        if self.is_router:
            found.add(ROUTER)
        if self.is_supervisor:
            found.add(SUPERVISOR)
        if item.opd_id is not None and item.opd_id in self.opd_ids:
            found.add(OPD)
        return frozenset(found)


NOBODY = LaksaActor(None, False, False, frozenset(), frozenset())


def laksa_actor(tenant, user, *, membership=None) -> LaksaActor:
    """Who `user` is in this tenant's Laksa (connection on the tenant's schema)."""
    membership = membership or membership_for(user, tenant)
    role = membership.role if membership is not None else None
    if role not in {"admin", "staff"}:
        return NOBODY
    held = laksa_roles.roles_of(user.pk)
    return LaksaActor(
        user.pk,
        role == "admin",
        True,
        held,
        laksa_roles.opd_ids_of(held),
    )


def request_actor(request) -> LaksaActor:
    """laksa_actor() for the request's user, looked up once per request."""
    if not hasattr(request, "_laksa_actor"):
        request._laksa_actor = laksa_actor(
            request.tenant, request.user, membership=request_membership(request)
        )
    return request._laksa_actor


def access_staff(actor: LaksaActor) -> LaksaActor:
    """Laksa's back office: an administrator or a member holding a Laksa role."""
    if not actor.works_in_laksa:
        raise PermissionDenied(_("Only members with a Laksa role work on items."))
    return actor


def may_see_item(actor: LaksaActor, item) -> bool:
    """Routers and supervisors see every item, an OPD officer the items now
    with their OPD."""
    return actor.is_router or actor.is_supervisor or item.opd_id in actor.opd_ids


def access_item(actor: LaksaActor, item_id: int):
    """The item, if this member may see it (`may_see_item`); else 404."""
    from .models import Item

    access_staff(actor)
    item = Item.objects.select_related("category", "opd").filter(pk=item_id).first()
    if item is None or not may_see_item(actor, item):
        raise Http404
    return item


def access_settings(actor: LaksaActor) -> LaksaActor:
    """OPDs and categories are set by the tenant's administrators."""
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators change Laksa's settings."))
    return actor
