"""Sabilulungan's fixtures, for the core tests that need a tenant with grants data."""

from tests.grants.conftest import in_bandung, module_on, officials  # noqa: F401
