"""Laksa plugs in through the kernel's contract: its chain is anchored and
verified by the kernel, its to-do items and set-up steps reach the dashboard,
its roles are assigned on the members page."""

from __future__ import annotations

import pytest
from django.db import connection

from laksa import services
from laksa.models import AuditEvent, MemberRole
from tenants.anchoring import chain_verify, chains_anchor
from tenants.chains import chain_get
from tenants.models import ChainAnchor, Membership
from tests.conftest import host_client
from tests.dbadmin import triggers_disabled
from tests.factories import make_user

from .conftest import submit

pytestmark = pytest.mark.django_db

HOST = "tangerang.localhost"


def test_the_kernel_anchors_and_verifies_laksas_chain(laksa):
    connection.set_tenant(laksa["tenant"])
    item, _ = submit(laksa["roads"])
    services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Ok",
    )
    chains_anchor()
    anchor = ChainAnchor.objects.filter(
        tenant_id=laksa["tenant"].pk, chain="laksa"
    ).latest("seq")
    assert anchor.seq == 3
    result = chain_verify(laksa["tenant"], chain_get("laksa"), full=True)
    assert result.ok and result.head_seq == 3
    # A rewrite of the whole chain after the anchor differs from the anchored head.
    connection.set_tenant(laksa["tenant"])
    with triggers_disabled("laksa_auditevent"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE laksa_auditevent SET hash = repeat('a', 64) WHERE seq = 3"
        )
    assert AuditEvent.objects.get(seq=3).hash == "a" * 64
    connection.set_schema_to_public()
    result = chain_verify(laksa["tenant"], chain_get("laksa"), full=True)
    assert not result.ok and result.first_broken_seq == 3


def test_the_dashboard_shows_each_role_its_laksa_todo(laksa):
    connection.set_tenant(laksa["tenant"])
    submit(laksa["roads"])
    submit(laksa["other"])
    connection.set_schema_to_public()
    officer = (
        host_client(HOST, laksa["people"]["pupr"]).get("/dashboard/").content.decode()
    )
    assert "Laksa items for your OPD to answer" in officer
    router = (
        host_client(HOST, laksa["people"]["router"]).get("/dashboard/").content.decode()
    )
    assert "Laksa items to route" in router
    admin = (
        host_client(HOST, laksa["people"]["admin"]).get("/dashboard/").content.decode()
    )
    assert "Add the OPDs that answer Laksa items" in admin


def test_roles_are_assigned_on_the_members_page_in_laksas_own_table(laksa):
    member = make_user("baru@tangerang.test", tenant=laksa["tenant"], role="staff")
    membership = Membership.objects.get(user=member, tenant=laksa["tenant"])
    admin = host_client(HOST, laksa["people"]["admin"])
    page = admin.get("/dashboard/members/").content.decode()
    assert "Officer of Dinas PUPR" in page
    response = admin.post(
        f"/dashboard/members/{membership.pk}/roles/laksa/",
        {"roles": ["router", f"opd:{laksa['pupr'].pk}"]},
    )
    assert response.status_code == 302
    connection.set_tenant(laksa["tenant"])
    assert set(
        MemberRole.objects.filter(user_id=member.pk).values_list("role", flat=True)
    ) == {
        "router",
        f"opd:{laksa['pupr'].pk}",
    }
