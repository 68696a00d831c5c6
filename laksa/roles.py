"""Laksa's roles, kept in the tenant's own schema (laksa.MemberRole).

- `router`: routes new items to an OPD (and closes spam);
- `supervisor`: hears of overdue items and sends them on with a new deadline;
- `opd:<id>`: officer of that OPD, answers its items.

The members page shows and assigns them through the hosted-app contract
(`HostedRoles` in laksa/apps.py); these functions run with the connection on
the tenant's schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

ROUTER = "router"
SUPERVISOR = "supervisor"
OPD_PREFIX = "opd:"


def opd_role(opd_id: int) -> str:
    return f"{OPD_PREFIX}{opd_id}"


def opd_ids_of(roles: Iterable[str]) -> frozenset[int]:
    found = set()
    for role in roles:
        if role.startswith(OPD_PREFIX) and role[len(OPD_PREFIX) :].isdigit():
            found.add(int(role[len(OPD_PREFIX) :]))
    return frozenset(found)


def choices():
    """Router, supervisor, and an officer role per active OPD of this tenant."""
    from .models import Opd

    rows = [
        (ROUTER, _("Router (sends items to the OPD responsible)")),
        (SUPERVISOR, _("Supervisor (hears of overdue items)")),
    ]
    if connection.schema_name == "public":
        return rows
    for pk, name in Opd.objects.filter(active=True).values_list("pk", "name"):
        rows.append((opd_role(pk), _("Officer of %(opd)s") % {"opd": name}))
    return rows


def roles_held(user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    from .models import MemberRole

    held: dict[int, set[str]] = defaultdict(set)
    for user_id, role in MemberRole.objects.filter(
        user_id__in=list(user_ids)
    ).values_list("user_id", "role"):
        held[user_id].add(role)
    return {user_id: frozenset(roles) for user_id, roles in held.items()}


def roles_of(user_id: int) -> frozenset[str]:
    return roles_held([user_id]).get(user_id, frozenset())


def roles_store(user_id: int, roles: frozenset[str]) -> None:
    """Replace the user's Laksa roles in the current tenant schema."""
    from .models import MemberRole, Opd

    roles = frozenset(roles)
    fixed = {ROUTER, SUPERVISOR}
    opds = opd_ids_of(roles)
    unknown = {r for r in roles if r not in fixed and not r.startswith(OPD_PREFIX)}
    if opds - set(Opd.objects.filter(pk__in=opds).values_list("pk", flat=True)):
        unknown |= {opd_role(pk) for pk in opds}
    if unknown or len(opds) != len([r for r in roles if r.startswith(OPD_PREFIX)]):
        raise ValueError(f"not Laksa roles: {sorted(unknown or roles)}")
    with transaction.atomic():
        MemberRole.objects.filter(user_id=user_id).exclude(role__in=roles).delete()
        have = set(
            MemberRole.objects.filter(user_id=user_id).values_list("role", flat=True)
        )
        MemberRole.objects.bulk_create(
            [MemberRole(user_id=user_id, role=r) for r in sorted(roles - have)],
            ignore_conflicts=True,
        )


def holders(*roles: str) -> list[int]:
    from .models import MemberRole

    return sorted(
        set(MemberRole.objects.filter(role__in=roles).values_list("user_id", flat=True))
    )
