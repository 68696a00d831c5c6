"""A city admin signs up, verifies the e-mail, creates the organisation and lands on it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection

from tenants.models import Domain, Membership, Tenant
from tests.conftest import host_client, links_in

pytestmark = pytest.mark.django_db

ORG = {
    "name": "Kota Cimahi",
    "kind": "kota",
    "province": "32",
    "region_code": "32.77",
    "slug": "cimahi",
}


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def follow_to_tenant(url: str):
    """Follow an absolute redirect onto another host and press "Continue", as a person would."""
    from urllib.parse import parse_qs

    parts = urlsplit(url)
    client = host_client(parts.hostname)
    page = client.get(f"{parts.path}?{parts.query}")
    if page.status_code != 200:
        return client, page
    assert "Continue" in page.content.decode()
    token = parse_qs(parts.query)["token"][0]
    return client, client.post(parts.path, {"token": token})


def test_signup_verify_create_organisation_and_land_on_tenant_as_admin(platform_client):
    response = platform_client.post(
        "/accounts/signup/",
        {
            "email": "Kepala.Diskominfo@Cimahikota.go.id",
            "full_name": "Rina Kartika",
            "password1": "Gotong-royong-2026",
            "password2": "Gotong-royong-2026",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    # Until the address is verified the person is not signed in.
    gated = platform_client.get("/orgs/new/")
    assert gated.status_code == 302 and "/accounts/login/" in gated["Location"]

    assert len(mail.outbox) == 1
    confirm_url = next(
        link for link in links_in(mail.outbox[0]) if "/confirm-email/" in link
    )
    confirm_path = urlsplit(confirm_url).path
    assert platform_client.get(confirm_path).status_code == 200
    response = platform_client.post(confirm_path)
    assert response.status_code == 302
    assert response["Location"] == "/orgs/"

    page = platform_client.get("/orgs/new/")
    assert page.status_code == 200
    assert b'name="region_code"' in page.content

    response = platform_client.post("/orgs/new/", ORG)
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    assert location.startswith("http://cimahi.localhost/auth/handoff/?token=")

    tenant = Tenant.objects.get(slug="cimahi")
    assert tenant.schema_name == "t_cimahi"
    assert tenant.verification_status == Tenant.Verification.UNVERIFIED
    assert schema_exists("t_cimahi")
    assert Domain.objects.get(tenant=tenant).domain == "cimahi.localhost"
    membership = Membership.objects.get(tenant=tenant)
    assert membership.role == Membership.Role.ADMIN
    assert membership.user.email == "kepala.diskominfo@cimahikota.go.id"

    tenant_client, response = follow_to_tenant(location)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/?welcome=1"
    dashboard = tenant_client.get(response["Location"])
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert "Kota Cimahi" in html
    assert "Invite your staff" in html and "Complete the organisation" in html
    assert "Administrator" in html
    # The hand-off ticket works once only.
    _client, replay = follow_to_tenant(location)
    assert replay.status_code == 302 and "/accounts/login/" in replay["Location"]


def test_create_organisation_requires_sign_in(platform_client):
    response = platform_client.get("/orgs/new/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unverified_email_cannot_create_organisation(platform):
    from tests.factories import make_user

    user = make_user("belum@verifikasi.test", verified=False)
    client = host_client("localhost", user)
    response = client.post("/orgs/new/", {**ORG, "slug": "belum-verif"})
    assert not Tenant.objects.filter(slug="belum-verif").exists()
    assert response.status_code == 200
    assert "account/verified_email_required.html" in [
        t.name for t in response.templates
    ]
    # A fresh confirmation link is sent.
    assert mail.outbox and mail.outbox[0].to == ["belum@verifikasi.test"]


def test_my_organisations_lists_every_membership_and_hands_off(bandung, tangerang):
    from tests.factories import make_user

    user = make_user("dua.kota@example.test", tenant=bandung, role="staff")
    make_user("dua.kota@example.test", tenant=tangerang, role="auditor")
    client = host_client("localhost", user)
    page = client.get("/orgs/").content.decode()
    assert "Kota Bandung" in page and "Kota Tangerang" in page
    assert "Auditor" in page and "Staff" in page

    response = client.post("/orgs/tangerang/go/")
    assert response.status_code == 302
    tenant_client, landed = follow_to_tenant(response["Location"])
    assert landed["Location"] == "/dashboard/"
    assert tenant_client.get("/dashboard/").status_code == 200
    # Not a member of a third tenant: no hand-off.
    assert client.post("/orgs/kab-bogor/go/").status_code == 404
    assert client.get("/orgs/tangerang/go/").status_code == 405


def test_forged_handoff_token_is_refused(bandung):
    client = host_client("bandung.localhost")
    response = client.get("/auth/handoff/?token=not-a-token")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get("/dashboard/").status_code == 302


def test_handoff_for_one_tenant_does_not_sign_in_on_another(bandung, tangerang):
    from tenants.services import handoff_create
    from tests.factories import make_user

    user = make_user("dua@example.test", tenant=bandung, role="admin")
    make_user("dua@example.test", tenant=tangerang, role="admin")
    token = handoff_create(user=user, tenant=bandung)
    client = host_client("tangerang.localhost")
    response = client.get(f"/auth/handoff/?token={token}")
    assert "/accounts/login/" in response["Location"]
    assert client.get("/dashboard/").status_code == 302


def test_handoff_link_alone_signs_nobody_in(bandung):
    """Opening a hand-off link (a scanner, or a victim sent it) only shows whose it is."""
    from tenants.services import handoff_create
    from tests.factories import make_user

    user = make_user("pemilik@bandung.test", tenant=bandung, role="staff")
    token = handoff_create(user=user, tenant=bandung)
    client = host_client("bandung.localhost")
    page = client.get(f"/auth/handoff/?token={token}")
    assert page.status_code == 200 and "pemilik@bandung.test" in page.content.decode()
    assert client.get("/dashboard/").status_code == 302
    # The ticket still works for the person who presses Continue.
    assert client.post("/auth/handoff/", {"token": token})["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_hostile_next_paths_fall_back_to_the_dashboard(bandung):
    from tenants.models import LoginHandoff
    from tenants.services import handoff_create
    from tests.factories import make_user

    user = make_user("x@bandung.test", tenant=bandung, role="staff")
    for hostile in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil",
        "/a\x00b",
        "/a\nb",
        "x" * 300,
    ):
        handoff_create(user=user, tenant=bandung, next_path=hostile)
        assert LoginHandoff.objects.latest("created_at").next_path == "/dashboard/", (
            hostile
        )
