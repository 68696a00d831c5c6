"""Laksa's demo data: items in every state, seeded once."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from laksa import audit, demo
from laksa.models import Item
from laksa.workflow import WORKFLOW
from tenants import hosted

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_every_state_once_through_the_contract(
    laksa_on, tangerang_admin
):
    tenant = laksa_on
    assert demo.seed_tenant(
        tenant, password_hash=make_password(None), items=len(demo.ITEMS)
    ) == len(demo.ITEMS)
    assert set(Item.objects.values_list("status", flat=True)) == {
        s.key for s in WORKFLOW.states
    }
    assert Item.objects.filter(reopened=True).exists()
    assert Item.objects.filter(rating__isnull=False).exists()
    assert audit.verify_stored().ok
    context = hosted.DemoContext(operator=None, password_hash=make_password(None))
    assert hosted.get("laksa").seed_demo(context) == "0 new Laksa items"
    assert Item.objects.count() == len(demo.ITEMS)
