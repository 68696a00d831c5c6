"""Indonesia's provinces and the shape of Kemendagri region codes (kode wilayah).

Codes follow the Minister of Home Affairs' register: two digits for a province
(`32`), then two for a regency or city (`32.73`), two for a district
(`32.73.01`) and four for a village (`32.73.01.1001`). Within a province,
regencies (kabupaten) are numbered 01-69 and cities (kota) 71-99.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The 38 provinces, by Kemendagri code.
PROVINCES: list[tuple[str, str]] = [
    ("11", "Aceh"),
    ("12", "Sumatera Utara"),
    ("13", "Sumatera Barat"),
    ("14", "Riau"),
    ("15", "Jambi"),
    ("16", "Sumatera Selatan"),
    ("17", "Bengkulu"),
    ("18", "Lampung"),
    ("19", "Kepulauan Bangka Belitung"),
    ("21", "Kepulauan Riau"),
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"),
    ("35", "Jawa Timur"),
    ("36", "Banten"),
    ("51", "Bali"),
    ("52", "Nusa Tenggara Barat"),
    ("53", "Nusa Tenggara Timur"),
    ("61", "Kalimantan Barat"),
    ("62", "Kalimantan Tengah"),
    ("63", "Kalimantan Selatan"),
    ("64", "Kalimantan Timur"),
    ("65", "Kalimantan Utara"),
    ("71", "Sulawesi Utara"),
    ("72", "Sulawesi Tengah"),
    ("73", "Sulawesi Selatan"),
    ("74", "Sulawesi Tenggara"),
    ("75", "Gorontalo"),
    ("76", "Sulawesi Barat"),
    ("81", "Maluku"),
    ("82", "Maluku Utara"),
    ("91", "Papua"),
    ("92", "Papua Barat"),
    ("93", "Papua Selatan"),
    ("94", "Papua Tengah"),
    ("95", "Papua Pegunungan"),
    ("96", "Papua Barat Daya"),
]
PROVINCE_NAMES = dict(PROVINCES)

REGION_CODE_RE = re.compile(r"\A\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?\Z")


def validate_region_code_format(value: str) -> None:
    if not REGION_CODE_RE.match(value or ""):
        raise ValidationError(
            _(
                "Enter a Kemendagri region code such as 32 (province), 32.73 "
                "(regency or city), 32.73.01 (district) or 32.73.01.1001 (village)."
            ),
            code="region_code_format",
        )


GOVERNMENT_KINDS = ("kota", "kabupaten", "provinsi")
# Where an institution (lembaga) may say it sits.
SEAT_LEVELS = frozenset(GOVERNMENT_KINDS)

LEVEL_LABELS = {
    "provinsi": _("a province"),
    "kabupaten": _("a regency (kabupaten)"),
    "kota": _("a city (kota)"),
    "kecamatan": _("a district (kecamatan)"),
    "kelurahan": _("an urban village (kelurahan)"),
    "desa": _("a village (desa)"),
}


def _unknown(code: str) -> str:
    from . import register

    return _(
        "The register of regions (%(year)s) has no region with the code %(code)s."
    ) % {"year": register.DATA_YEAR, "code": code}


def identity_errors(
    *, kind: str, region_code: str, seat_region_code: str = ""
) -> dict[str, list[str]]:
    """Why a tenant's kind and region codes do not fit the register ({} if they do).

    A city, regency or province is a region of the register, of that level.
    An institution names the city, regency or province it sits in.
    Malformed codes are left to the format validator.
    """
    from . import register

    errors: dict[str, list[str]] = {}
    if kind in GOVERNMENT_KINDS:
        place = register.region(region_code)
        if not region_code:
            errors["region_code"] = [_("Choose the region from the register.")]
        elif not REGION_CODE_RE.match(region_code):
            pass
        elif place is None:
            errors["region_code"] = [_unknown(region_code)]
        elif place.level != kind:
            errors["region_code"] = [
                _("%(name)s is %(level)s, not %(kind)s.")
                % {
                    "name": register.official_name(place),
                    "level": LEVEL_LABELS[place.level],
                    "kind": LEVEL_LABELS[kind],
                }
            ]
    elif kind == "lembaga":
        place = register.region(seat_region_code)
        if not seat_region_code:
            errors["seat_region_code"] = [
                _("Name the city, regency or province the institution sits in.")
            ]
        elif not REGION_CODE_RE.match(seat_region_code):
            pass
        elif place is None:
            errors["seat_region_code"] = [_unknown(seat_region_code)]
        elif place.level not in SEAT_LEVELS:
            errors["seat_region_code"] = [
                _("Choose a city, regency or province, not %(level)s.")
                % {"level": LEVEL_LABELS[place.level]}
            ]
    return errors
