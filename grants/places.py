"""Kecamatan and kelurahan of grants: the kernel's places of the tenant's region
(tenants/places.py, shared with Laksa)."""

from tenants.places import (  # noqa: F401  (Sabilulungan's forms and services use these names)
    districts,
    home_region,
    kecamatan_choices,
    kelurahan_choices,
    place_check,
    place_fields,
)
