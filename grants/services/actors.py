"""Who is acting: a member's Sabilulungan roles in a tenant, and shared checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from tenants.models import Membership, Tenant, User

from ..access import access_program_management
from ..roles import roles_of


@dataclass(frozen=True)
class Actor:
    """A user acting in a tenant, with the Sabilulungan roles they hold there."""

    user: User
    roles: frozenset[str]
    is_admin: bool

    @property
    def label(self) -> str:
        """How the official appears in the public chain: their name, never their e-mail."""
        return self.user.full_name.strip() or _("an official")


def actor_in(tenant: Tenant, user: User) -> Actor:
    if connection.schema_name != tenant.schema_name:
        raise RuntimeError("grants services run on the tenant's own schema")
    membership = Membership.objects.filter(user=user, tenant=tenant).first()
    return actor_for(user, membership)


def actor_for(user: User, membership: Membership | None) -> Actor:
    """The actor of a membership already read (e.g. the request's)."""
    if membership is None:
        return Actor(user=user, roles=frozenset(), is_admin=False)
    # Auditors and viewers read; only administrators and staff take steps.
    acting = membership.role in (Membership.Role.ADMIN, Membership.Role.STAFF)
    return Actor(
        user=user,
        roles=roles_of(user.pk) if acting else frozenset(),
        is_admin=membership.role == Membership.Role.ADMIN,
    )


def _stripped(fields: dict) -> dict:
    return {
        name: value.strip() if isinstance(value, str) else value
        for name, value in fields.items()
    }


def _refuse_nul(**values: str) -> None:
    """PostgreSQL text cannot hold NUL; say so next to the field instead of failing."""
    bad = [name for name, value in values.items() if "\x00" in (value or "")]
    if bad:
        raise ValidationError(
            {name: [_("Remove the invisible control characters.")] for name in bad}
        )


def program_manager_check(*, tenant: Tenant, actor_user: User) -> Actor:
    """The actor, when they may manage Sabilulungan's programs and public pages."""
    return access_program_management(actor_in(tenant, actor_user))
