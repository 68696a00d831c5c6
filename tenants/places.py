"""Kecamatan and kelurahan of a tenant's region, from the Kemendagri register.

What a hosted app locates in the tenant's own region (an institution: its
seat region) — Sabilulungan's applicants and proposals, Laksa's complaints —
takes its choices and its check from here, for the forms and the services
alike.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from . import register


def home_region() -> register.Region | None:
    """The register region of the current schema's tenant, or None."""
    tenant = getattr(connection, "tenant", None)
    seat = getattr(tenant, "seat_region", None)
    return seat


def districts(home: register.Region | None) -> list[register.Region]:
    """The kecamatan of a kota/kabupaten, or of every regency of a province."""
    if home is None:
        return []
    if home.level in register.REGENCY_LEVELS:
        return register.children(home.code)
    if home.level == register.PROVINSI:
        return [
            district
            for regency in register.children(home.code)
            for district in register.children(regency.code)
        ]
    return []


def kecamatan_choices(home: register.Region | None) -> list[tuple[str, str]]:
    return [(district.code, district.name) for district in districts(home)]


def kelurahan_choices(home: register.Region | None) -> list[tuple[str, list]]:
    """The kelurahan/desa grouped by kecamatan, for <optgroup>s."""
    return [
        (
            district.name,
            [
                (village.code, village.name)
                for village in register.children(district.code)
            ],
        )
        for district in districts(home)
    ]


def place_check(
    home: register.Region | None, kecamatan_code: str, kelurahan_code: str
) -> tuple[register.Region, register.Region]:
    """The kecamatan and kelurahan of these codes, both inside `home`.

    Raises ValidationError with a message per field: a kecamatan outside the
    tenant's region, or a kelurahan of another kecamatan or city.
    """
    district = register.region(kecamatan_code or "")
    village = register.region(kelurahan_code or "")
    errors: dict[str, list[str]] = {}
    if home is None or not districts(home):
        raise ValidationError(
            _("This organisation has no region in the register to choose places from.")
        )
    if district is None or district.level != register.KECAMATAN:
        errors["kecamatan_code"] = [_("Choose a kecamatan from the list.")]
    elif not register.within(district.code, home.code):
        errors["kecamatan_code"] = [
            _("%(place)s is not in %(home)s.")
            % {"place": register.path(district), "home": home.name}
        ]
    if village is None or village.level not in register.VILLAGE_LEVELS:
        errors["kelurahan_code"] = [_("Choose a kelurahan or desa from the list.")]
    elif not register.within(village.code, home.code):
        errors["kelurahan_code"] = [
            _("%(place)s is not in %(home)s.")
            % {"place": register.path(village), "home": home.name}
        ]
    elif district is not None and village.parent_code != district.code:
        errors["kelurahan_code"] = [
            _("%(village)s is in kecamatan %(actual)s, not in %(chosen)s.")
            % {
                "village": village.name,
                "actual": register.region(village.parent_code).name,
                "chosen": district.name,
            }
        ]
    if errors:
        raise ValidationError(errors)
    return district, village


def place_fields(
    home: register.Region | None, kecamatan_code: str, kelurahan_code: str
) -> dict[str, str]:
    """The four stored fields (codes and register names), checked by place_check."""
    district, village = place_check(home, kecamatan_code, kelurahan_code)
    return {
        "kecamatan_code": district.code,
        "kecamatan": district.name,
        "kelurahan_code": village.code,
        "kelurahan": village.name,
    }
