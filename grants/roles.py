"""Sabilulungan's roles. A member may hold several (tenants.Membership.grant_roles)."""

from __future__ import annotations

from django.db import models
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
