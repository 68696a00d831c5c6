"""The kernel's factories, where most tests import them from; they live in
tests/tenants/factories.py beside each app's own (tests/<app>/factories.py)."""

from tests.tenants.factories import (  # noqa: F401
    PASSWORD,
    TenantFactory,
    UserFactory,
    make_tenant,
    make_user,
    prefer_english,
)
