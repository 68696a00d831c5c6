"""Helpers every Laksa write shares: limits, cleaned text, the current tenant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from tenants.models import Tenant

DESCRIPTION_MAX = 3000


ANSWER_MAX = 4000


NOTE_MAX = 1000


def _text(value, *, field: str, limit: int, required: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if "\x00" in value:
        raise ValidationError({field: [_("Remove the invisible control characters.")]})
    if required and not value:
        raise ValidationError({field: [required]})
    if len(value) > limit:
        raise ValidationError(
            {field: [_("Keep it under %(n)d characters.") % {"n": limit}]}
        )
    return value


def _tenant() -> Tenant:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.schema_name == "public":
        raise RuntimeError("Laksa works on a tenant's schema")
    return tenant
