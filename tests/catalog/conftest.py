"""Catalog fixtures: verified publishers and small catalog entries."""

from __future__ import annotations

import itertools

import pytest

from tests.catalog.factories import (  # noqa: F401 -- where tests import them from
    make_active_adoption,
    make_agreement,
    make_app,
    verify,
)
from tests.catalog.publiccode_validator import validator  # noqa: F401 -- a fixture
from tests.factories import make_user

_n = itertools.count(1)


@pytest.fixture
def third(platform):
    """A third city that is neither publisher nor adopter."""
    from tests.factories import make_tenant

    return make_tenant(
        "garut", "Kabupaten Garut", kind="kabupaten", region_code="32.05"
    )


@pytest.fixture
def sabilulungan(bandung):
    return make_app(
        bandung,
        slug="sabilulungan",
        name="Sabilulungan",
        short_description_id="Hibah dan bantuan sosial yang akuntabel.",
        short_description_en="Accountable grants and social aid.",
        delivery_mode="hosted",
        hosted_module="grants",
        categories=["grant-management"],
        license="AGPL-3.0-or-later",
        url="https://code.example.test/bandung/sabilulungan",
    )


@pytest.fixture
def tangerang_staff(tangerang):
    return make_user("staf@tangerang.test", tenant=tangerang, role="staff")
