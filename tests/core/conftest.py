"""Sabilulungan's fixtures, for the core tests that need a tenant with grants data."""

from tests.grants.conftest import in_bandung, officials  # noqa: F401
