"""Staff fix the kecamatan/kelurahan of old records no register name matched."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.models import Tenant, User

from .. import audit
from ..models import Applicant, Proposal
from ..places import home_region, place_fields
from ..roles import GrantRole
from .actors import actor_in

# Who may correct a record's place: the administration and program managers.
PLACE_FIXING_ROLES = frozenset({GrantRole.TATA_USAHA, GrantRole.PROGRAM_MANAGER})


def can_fix_places(actor) -> bool:
    return actor.is_admin or bool(actor.roles & PLACE_FIXING_ROLES)


def place_fix(
    *,
    tenant: Tenant,
    actor_user: User,
    record: Applicant | Proposal,
    kecamatan_code: str,
    kelurahan_code: str,
) -> Applicant | Proposal:
    """Set an applicant's or proposal's kecamatan/kelurahan to register places.

    The old text and the new places are kept in the audit chain's private part
    (an individual's village is not public); the proposal, if any, is named.
    """
    actor = actor_in(tenant, actor_user)
    if not can_fix_places(actor):
        raise PermissionDenied(
            _(
                "Only administrators, the administration and program managers may do this."
            )
        )
    fields = place_fields(home_region(), kecamatan_code, kelurahan_code)
    with transaction.atomic():
        record = type(record).objects.select_for_update().get(pk=record.pk)
        before = {name: getattr(record, name) for name in fields}
        for name, value in fields.items():
            setattr(record, name, value)
        record.save(update_fields=list(fields))
        proposal = record if isinstance(record, Proposal) else None
        audit.append(
            action="place_fixed",
            proposal=proposal,
            from_status=proposal.status if proposal else "",
            to_status=proposal.status if proposal else "",
            actor_role=next(iter(sorted(actor.roles & PLACE_FIXING_ROLES)), "")
            or "admin",
            actor_label=actor.label,
            actor_id=actor_user.pk,
            private={
                "record": type(record).__name__.lower(),
                "id": record.pk,
                "before": before,
                "after": fields,
            },
        )
    return record
