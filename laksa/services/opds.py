"""Laksa's settings: OPDs and categories."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.models import Tenant, User

from ..access import access_settings, laksa_actor
from ..models import Category, Opd
from .common import _text

# --- settings: OPDs and categories -------------------------------------------------


def opd_save(
    *,
    tenant: Tenant,
    actor_user: User,
    name: str,
    active: bool = True,
    opd: Opd | None = None,
) -> Opd:
    access_settings(laksa_actor(tenant, actor_user))
    name = _text(name, field="name", limit=200, required=_("Write the OPD's name."))
    with transaction.atomic():
        if (
            Opd.objects.filter(name__iexact=name)
            .exclude(pk=getattr(opd, "pk", None))
            .exists()
        ):
            raise ValidationError(
                {"name": [_("There is already an OPD with this name.")]}
            )
        opd = opd or Opd()
        opd.name, opd.active = name, bool(active)
        opd.save()
    return opd


def category_save(
    *,
    tenant: Tenant,
    actor_user: User,
    name: str,
    opd_id: int | None,
    sla_days: int,
    sla_hours: int = 0,
    active: bool = True,
    category: Category | None = None,
) -> Category:
    access_settings(laksa_actor(tenant, actor_user))
    name = _text(
        name, field="name", limit=200, required=_("Write the category's name.")
    )
    try:
        sla_days, sla_hours = int(sla_days or 0), int(sla_hours or 0)
    except (TypeError, ValueError):
        raise ValidationError(
            {"sla_days": [_("Write whole numbers of days and hours.")]}
        ) from None
    if not (0 <= sla_days <= 365 and 0 <= sla_hours <= 23) or not (
        sla_days or sla_hours
    ):
        raise ValidationError(
            {"sla_days": [_("The deadline is 1 hour to 365 days (hours 0 to 23).")]}
        )
    opd = None
    if opd_id:
        opd = Opd.objects.filter(pk=opd_id, active=True).first()
        if opd is None:
            raise ValidationError({"opd": [_("Choose an OPD from the list.")]})
    with transaction.atomic():
        if (
            Category.objects.filter(name__iexact=name)
            .exclude(pk=getattr(category, "pk", None))
            .exists()
        ):
            raise ValidationError(
                {"name": [_("There is already a category with this name.")]}
            )
        category = category or Category()
        category.name, category.opd = name, opd
        category.sla_days, category.sla_hours, category.active = (
            sla_days,
            sla_hours,
            bool(active),
        )
        category.save()
    return category
