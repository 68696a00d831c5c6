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

REGION_CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def validate_region_code_format(value: str) -> None:
    if not REGION_CODE_RE.match(value or ""):
        raise ValidationError(
            _(
                "Enter a Kemendagri region code such as 32 (province), 32.73 "
                "(regency or city), 32.73.01 (district) or 32.73.01.1001 (village)."
            ),
            code="region_code_format",
        )


def region_code_errors(*, code: str, kind: str, province: str) -> list[str]:
    """Why `code` does not fit a tenant of this kind in this province ([] if it fits)."""
    errors: list[str] = []
    if not REGION_CODE_RE.match(code or ""):
        return []  # the format validator already reports it
    parts = code.split(".")
    if parts[0] not in PROVINCE_NAMES:
        errors.append(_("%(code)s is not a province code.") % {"code": parts[0]})
    elif province and parts[0] != province:
        errors.append(
            _("The code must start with %(province)s, the code of %(name)s.")
            % {"province": province, "name": PROVINCE_NAMES.get(province, province)}
        )
    if kind == "provinsi" and len(parts) != 1:
        errors.append(_("A province's code has two digits only, e.g. 32."))
    elif kind in {"kota", "kabupaten"}:
        if len(parts) != 2:
            errors.append(_("A city's or regency's code has the form 32.73."))
        else:
            number = int(parts[1])
            if kind == "kota" and not 71 <= number <= 99:
                errors.append(
                    _("City (kota) codes are numbered 71 to 99 within a province.")
                )
            if kind == "kabupaten" and not 1 <= number <= 69:
                errors.append(
                    _(
                        "Regency (kabupaten) codes are numbered 01 to 69 within a province."
                    )
                )
    return errors
