"""Sabilulungan's roles, kept in the tenant's own schema (grants.MemberRole).

A member may hold several. The kernel's members page shows and assigns them
through the hosted-app contract (`HostedRoles` in grants/apps.py); these
functions run with the connection on the tenant's schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class GrantRole(models.TextChoices):
    TATA_USAHA = "tata_usaha", _("Tata Usaha (administrative check, NPHD)")
    KEPALA_DAERAH = "kepala_daerah", _("Head of region's office (review, approval)")
    TIM_PERTIMBANGAN = "tim_pertimbangan", _("Tim Pertimbangan (review team)")
    OPD = "opd", _("OPD evaluator")
    TAPD = "tapd", _("TAPD (regional budget team)")
    TREASURER = "treasurer", _("Treasurer (bendahara)")
    PROGRAM_MANAGER = "program_manager", _("Program manager")


# The roles that approve or disburse money: they sign in with a second factor
# (tenants/mfa.py).
MONEY_ROLES = frozenset({GrantRole.KEPALA_DAERAH, GrantRole.TREASURER})


def choices():
    return GrantRole.choices


def roles_held(user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """{user id: Sabilulungan roles} in the current tenant schema."""
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
    """Replace the user's roles in the current tenant schema."""
    from .models import MemberRole

    unknown = set(roles) - set(GrantRole.values)
    if unknown:
        raise ValueError(f"not Sabilulungan roles: {sorted(unknown)}")
    with transaction.atomic():
        MemberRole.objects.filter(user_id=user_id).exclude(role__in=roles).delete()
        have = set(
            MemberRole.objects.filter(user_id=user_id).values_list("role", flat=True)
        )
        MemberRole.objects.bulk_create(
            [MemberRole(user_id=user_id, role=r) for r in sorted(set(roles) - have)],
            ignore_conflicts=True,
        )


def holders(*roles: str) -> list[int]:
    """Ids of the users holding any of `roles` in the current tenant schema."""
    from .models import MemberRole

    return sorted(
        set(
            MemberRole.objects.filter(role__in=roles).values_list("user_id", flat=True)
        )
    )
