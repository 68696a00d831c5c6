"""Existing tenants matched to the register of regions (used by migration 0009).

Kept out of the migration file so it can be tested. Never raises for bad data:
every tenant that does not fit is reported in the returned lines.
"""

from __future__ import annotations

from . import register
from .regions import GOVERNMENT_KINDS, SEAT_LEVELS


def _seat_for(code: str) -> str:
    """The nearest city, regency or province of the register containing `code`."""
    parts = (code or "").split(".")
    for depth in (2, 1):
        candidate = ".".join(parts[:depth])
        place = register.region(candidate)
        if place is not None and place.level in SEAT_LEVELS:
            return candidate
    return ""


def tenants_match_register(Tenant) -> list[str]:
    """Give every city, regency and province its register name; make the others fit.

    - A city/regency/province whose code is a region of that level in the
      register takes the register's name (and province).
    - One whose code is unknown, of another level, or already held by an older
      tenant becomes an institution seated in the nearest region of the
      register (reported: the operators decide what it really is).
    - An institution without a seat region gets the one its code points to.
    Returns the report, one line per tenant changed or left to fix.
    """
    report: list[str] = []
    claimed: set[str] = set()
    for tenant in Tenant.objects.exclude(kind="platform").order_by("created_at", "pk"):
        label = f"{tenant.slug} ({tenant.name!r}, {tenant.kind} {tenant.region_code!r})"
        changed: list[str] = []
        if tenant.kind in GOVERNMENT_KINDS:
            place = register.region(tenant.region_code)
            if (
                place is not None
                and place.level == tenant.kind
                and place.code not in claimed
            ):
                claimed.add(place.code)
                official = register.official_name(place)
                if tenant.name != official:
                    report.append(f"{label}: renamed to the register's {official!r}")
                    tenant.name = official
                    changed.append("name")
                if tenant.province != place.code[:2]:
                    tenant.province = place.code[:2]
                    changed.append("province")
            else:
                why = (
                    "code already held by an older tenant"
                    if place is not None and place.code in claimed
                    else "code not in the register"
                    if place is None
                    else f"the register says {place.level}"
                )
                tenant.seat_region_code = _seat_for(tenant.region_code)
                tenant.kind = "lembaga"
                tenant.region_code = ""
                changed += ["kind", "region_code", "seat_region_code"]
                report.append(
                    f"{label}: {why}; now an institution seated in "
                    f"{tenant.seat_region_code or 'nothing (TO FIX by an operator)'}"
                )
        elif not tenant.seat_region_code:
            seat = _seat_for(tenant.region_code)
            if seat:
                tenant.seat_region_code = seat
                changed.append("seat_region_code")
            else:
                report.append(
                    f"{label}: no seat region in the register (TO FIX by an operator)"
                )
        if changed:
            tenant.save(update_fields=changed)
    return report
