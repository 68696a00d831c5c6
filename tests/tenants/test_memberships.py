"""Roles: change, remove, and the last administrator who can be neither."""

from __future__ import annotations

import pytest

from tenants.models import Membership
from tests.conftest import assert_statements, host_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(bandung, bandung_admin):
    return host_client("bandung.localhost", bandung_admin)


def membership(user, tenant):
    return Membership.objects.get(user=user, tenant=tenant)


def test_admin_changes_a_role(admin_client, bandung):
    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    response = admin_client.post(
        f"/dashboard/members/{membership(staff, bandung).pk}/role/", {"role": "auditor"}
    )
    assert response.status_code == 302
    assert membership(staff, bandung).role == "auditor"


def test_invalid_role_is_refused_with_a_message(admin_client, bandung):
    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    response = admin_client.post(
        f"/dashboard/members/{membership(staff, bandung).pk}/role/",
        {"role": "superuser"},
        follow=True,
    )
    assert "Choose a valid role." in response.content.decode()
    assert membership(staff, bandung).role == "staff"


def test_last_admin_cannot_be_demoted(admin_client, bandung, bandung_admin):
    # The session's founder is also an admin of Bandung: make this admin the only one.
    Membership.objects.filter(tenant=bandung, role="admin").exclude(
        user=bandung_admin
    ).update(role="staff")
    own = membership(bandung_admin, bandung)
    response = admin_client.post(
        f"/dashboard/members/{own.pk}/role/", {"role": "viewer"}, follow=True
    )
    assert "last administrator" in response.content.decode()
    assert membership(bandung_admin, bandung).role == "admin"


def test_last_admin_cannot_be_removed(admin_client, bandung, bandung_admin):
    Membership.objects.filter(tenant=bandung, role="admin").exclude(
        user=bandung_admin
    ).update(role="staff")
    own = membership(bandung_admin, bandung)
    response = admin_client.post(f"/dashboard/members/{own.pk}/remove/", follow=True)
    assert "last administrator" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_with_two_admins_one_may_step_down(admin_client, bandung, bandung_admin):
    Membership.objects.filter(tenant=bandung, role="admin").exclude(
        user=bandung_admin
    ).update(role="staff")
    second = make_user("admin2@bandung.test", tenant=bandung, role="admin")
    assert (
        admin_client.post(
            f"/dashboard/members/{membership(bandung_admin, bandung).pk}/role/",
            {"role": "staff"},
        ).status_code
        == 302
    )
    assert membership(bandung_admin, bandung).role == "staff"
    # Now the second admin is the last one and is protected.
    client2 = host_client("bandung.localhost", second)
    client2.post(f"/dashboard/members/{membership(second, bandung).pk}/remove/")
    assert membership(second, bandung).role == "admin"


def test_removed_member_loses_access(admin_client, bandung):
    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    staff_client = host_client("bandung.localhost", staff)
    assert staff_client.get("/dashboard/").status_code == 200
    page = admin_client.get(
        f"/dashboard/members/{membership(staff, bandung).pk}/remove/"
    )
    assert (
        page.status_code == 200
        and "staf@bandung.test" in page.content.decode()
        or "staf" in page.content.decode()
    )
    assert (
        admin_client.post(
            f"/dashboard/members/{membership(staff, bandung).pk}/remove/"
        ).status_code
        == 302
    )
    assert staff_client.get("/dashboard/").status_code == 403


def test_members_page_query_count_is_pinned(admin_client, bandung):
    for i in range(15):
        make_user(f"anggota{i}@bandung.test", tenant=bandung, role="staff")
    admin_client.get("/dashboard/members/")  # counts the header's to-do items once
    # ...which later pages read from the cache; one more for the unread notifications.
    with assert_statements(8):
        response = admin_client.get("/dashboard/members/")
    assert response.status_code == 200
    for i in range(15, 45):
        make_user(f"anggota{i}@bandung.test", tenant=bandung, role="staff")
    with assert_statements(8):
        admin_client.get("/dashboard/members/")


def test_profile_edit_by_admin_and_errors_keep_input(admin_client, bandung):
    response = admin_client.post(
        "/dashboard/profile/",
        {
            "name": "Kota Bandung",
            "website": "bukan url",
            "contact_email": "salah",
            "address": "Jl. Wastukencana 2",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid URL." in html and "Enter a valid email address." in html
    assert 'value="Jl. Wastukencana 2"' in html
    bandung.refresh_from_db()
    assert bandung.address == ""
    ok = admin_client.post(
        "/dashboard/profile/",
        {
            "name": "Kota Bandung",
            "website": "https://bandung.go.id",
            "address": "Jl. Wastukencana 2",
            "description": "Kota kembang",
            "contact_email": "diskominfo@bandung.go.id",
            "contact_phone": "022-4234793",
        },
    )
    assert ok.status_code == 302
    bandung.refresh_from_db()
    assert bandung.address == "Jl. Wastukencana 2"
    checklist = admin_client.get("/dashboard/").content.decode()
    assert '<span class="done">Complete the organisation' in checklist
