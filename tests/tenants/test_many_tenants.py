"""Reads that run per provisioning or per page must not scan every tenant.

With a handful of rows PostgreSQL prefers a sequential scan anyway, so these
tests switch sequential scans (and sorts) off for the transaction and check
that the plan can then use an index: that the index exists and matches the
query Django actually sends.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tenants.models import Tenant
from tenants.selectors import tenant_directory

pytestmark = pytest.mark.django_db


def plan_of(queryset, **off: bool) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_new_schema_name_check_uses_an_index(bandung):
    # What django-tenants' TenantMixin._check_schema_name_is_unique asks before
    # every new tenant row.
    check = Tenant.objects.filter(schema_name__iexact="t_depok")[:1]
    assert "tenants_tenant_schema_upper" in plan_of(check, enable_seqscan=False)


def test_directory_page_walks_the_name_index(bandung, tangerang):
    first_page = tenant_directory()[:30]
    plan = plan_of(first_page, enable_seqscan=False, enable_sort=False)
    assert "tenants_tenant_name" in plan
