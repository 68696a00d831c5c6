"""Nothing of one tenant is readable or writable from another tenant's host (invariant 1)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from config.urls_tenant import PUBLIC_TENANT_ROUTES
from grants.urls import APPLICANT_ROUTES
from tenants.models import Invitation, Membership, Tenant, TenantArchive
from tests.conftest import host_client
from tests.factories import make_user
from tests.grants.conftest import give_roles

pytestmark = pytest.mark.django_db


def tenant_routes():
    """(name, pattern) of every member-only route in the tenant URLconf, found by walking it."""
    found = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if (
                    entry.namespace in {None}
                    and "accounts" not in str(entry.pattern)
                    and "i18n" not in str(entry.pattern)
                ):
                    walk(entry.url_patterns, prefix + str(entry.pattern))
            elif (
                isinstance(entry, URLPattern)
                and entry.name not in PUBLIC_TENANT_ROUTES
                and entry.name not in APPLICANT_ROUTES
                # The language switch (config/i18n.py), like Django's i18n URLs,
                # and the signed-in person's own account pages, like allauth's.
                and not str(entry.pattern).startswith(("i18n/", "accounts/"))
            ):
                found.append((entry.name, prefix + str(entry.pattern)))

    walk(get_resolver("config.urls_tenant").url_patterns)
    return found


def fill(pattern: str, ids: dict) -> str:
    path = "/" + pattern
    for key, value in ids.items():
        path = path.replace(f"<id:{key}>", str(value)).replace(
            f"<slug:{key}>", str(value)
        )
    assert "<" not in path, f"no value for a parameter in {pattern}"
    return path


@pytest.fixture
def tangerang_objects(tangerang, tangerang_admin):
    staff = make_user("staf@tangerang.test", tenant=tangerang, role="staff")
    invitation = Invitation.objects.create(
        tenant=tangerang,
        email="calon@tangerang.test",
        role="staff",
        invited_by=tangerang_admin,
        expires_at="2099-01-01T00:00:00Z",
    )
    # Tangerang publishes every registered hosted app (so all their pages exist,
    # the test-only one of tests/hostedapp_fixture too) and another app that a
    # third city adopted under an agreement.
    from tenants import hosted
    from tests.catalog.conftest import make_active_adoption, make_app
    from tests.factories import make_tenant

    for app in hosted.apps():
        make_app(
            tangerang,
            slug=f"modul-{app.key}",
            delivery_mode="hosted",
            hosted_module=app.key,
        )
    eoffice = make_app(tangerang, slug="e-office", name="E-office")
    garut = make_tenant("garut", kind="kabupaten", region_code="32.05")
    adoption = make_active_adoption(eoffice, garut)
    # And runs Sabilulungan: a program with a proposal and a private document.
    grants = _tangerang_grants(tangerang, tangerang_admin)
    return {
        **grants,
        "membership_id": Membership.objects.get(user=staff, tenant=tangerang).pk,
        "app_key": "grants",
        "invitation_id": invitation.pk,
        "item_id": _tangerang_laksa_item(tangerang, tangerang_admin),
        "archive_id": TenantArchive.objects.create(tenant=tangerang).pk,
        "adoption_id": adoption.pk,
        "agreement_id": adoption.agreement_id,
        "slug": "e-office",
        "action": "end",
        "staff": staff,
    }


def _tangerang_laksa_item(tangerang, admin) -> int:
    from django.db import connection

    from laksa import services as laksa_services
    from tests.laksa.conftest import submit

    connection.set_tenant(tangerang)
    try:
        category = laksa_services.category_save(
            tenant=tangerang, actor_user=admin, name="Jalan", opd_id=None, sla_days=3
        )
        item, _secret = submit(category)
        return item.pk
    finally:
        connection.set_schema_to_public()


def _tangerang_grants(tangerang, admin):
    from django.db import connection

    from tests.grants.conftest import make_applicant, make_program, make_proposal

    connection.set_tenant(tangerang)
    try:
        give_roles(admin, tangerang, "program_manager")
        program = make_program(tangerang, admin)
        applicant = make_applicant("Warga Tangerang", kind="individual")
        proposal = make_proposal(program, applicant, tenant=tangerang)
        document = proposal.documents.first()
        from grants import services

        report = services.citizen_report_submit(
            proposal=proposal,
            message="Laporan warga Tangerang",
            reporter_name="Pelapor Rahasia",
            reporter_contact="pelapor@tangerang.test",
            client_ip="192.0.2.10",
        )
        announcement = services.announcement_save(
            tenant=tangerang, actor_user=admin, title="Pengumuman", body="Isi"
        )
        regulation = services.regulation_save(
            tenant=tangerang,
            actor_user=admin,
            title="Tata cara hibah",
            number="Peraturan Wali Kota Tangerang Nomor 1 Tahun 2024",
            year=2024,
        )
        from grants.models import RecipientAmendment

        # A pending bank-account change of the recipient (as if after an award).
        amendment = RecipientAmendment.objects.create(
            applicant=proposal.applicant,
            kind="bank",
            before={"bank_account": "0012345678901"},
            after={"bank_account": "9998887776"},
            status="pending",
            requested_by_id=applicant.pk,
        )
        return {
            "program_id": program.pk,
            "proposal_id": proposal.pk,
            "amendment_id": amendment.pk,
            "document_id": document.pk,
            "report_id": report.pk,
            "announcement_id": announcement.pk,
            "regulation_id": regulation.pk,
            # The kecamatan/kelurahan fix page of Tangerang's proposal.
            "kind": "proposal",
            "record_id": proposal.pk,
            "applicant": applicant,
        }
    finally:
        connection.set_schema_to_public()


def test_route_list_covers_the_member_pages():
    names = {name for name, _ in tenant_routes()}
    assert {
        "tenant_dashboard",
        "tenant_members",
        "tenant_member_invite",
        "tenant_member_role",
        "tenant_member_app_roles",
        "catalog_apps",
        "catalog_adoption_action",
        "catalog_agreement_document",
        "catalog_app_edit",
        "grants_home",
        "grants_staff_proposal",
        "grants_staff_proposal_action",
        "grants_staff_places",
        "grants_staff_place_fix",
        "grants_staff_proposals_csv",
        "grants_staff_program",
        "grants_staff_reports",
        "grants_staff_report",
        "grants_staff_announcements",
        "grants_staff_announcement_edit",
        "grants_staff_regulations",
        "grants_staff_regulation_edit",
        "laksa_staff",
        "laksa_item",
        "laksa_item_act",
        "laksa_settings",
    } <= names


def applicant_routes():
    found = []
    for name, pattern in _all_routes():
        if name in APPLICANT_ROUTES:
            found.append((name, pattern))
    return found


def _all_routes():
    found = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if "accounts" not in str(entry.pattern) and "i18n" not in str(
                    entry.pattern
                ):
                    walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append((entry.name, prefix + str(entry.pattern)))

    walk(get_resolver("config.urls_tenant").url_patterns)
    return found


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_signed_in_people_cannot_reach_an_applicants_proposal(
    tangerang_objects, bandung_admin, method
):
    """Applicant pages need no membership, so they are checked object by object."""
    client = host_client("tangerang.localhost", bandung_admin)
    for name, pattern in applicant_routes():
        if "<" not in pattern or name == "grants_my_apply":
            # Lists show only one's own proposals; any signed-in person may
            # apply to an open program.
            continue
        path = fill(pattern, {**tangerang_objects, "action": "withdraw"})
        assert getattr(client, method)(path).status_code == 404, (name, method)
    own = client.get("/grants/my/").content.decode()
    assert "Renovasi balai warga" not in own
    from django_tenants.utils import tenant_context

    from grants.models import Proposal

    with tenant_context(
        Membership.objects.get(pk=tangerang_objects["membership_id"]).tenant
    ):
        assert (
            Proposal.objects.get(pk=tangerang_objects["proposal_id"]).status
            == "in_review"
        )
        from grants.models import RecipientAmendment

        assert (
            RecipientAmendment.objects.get(pk=tangerang_objects["amendment_id"]).status
            == "pending"
        )


def test_anonymous_people_are_sent_to_sign_in_on_applicant_pages(tangerang_objects):
    client = host_client("tangerang.localhost")
    for name, pattern in applicant_routes():
        response = client.get(
            fill(pattern, {**tangerang_objects, "action": "withdraw"})
        )
        assert response.status_code in (302, 404), name
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.parametrize("method", ["get", "post"])
def test_bandung_member_gets_403_on_every_tangerang_member_page(
    bandung, tangerang_objects, bandung_admin, method
):
    client = host_client("tangerang.localhost", bandung_admin)
    for name, pattern in tenant_routes():
        response = getattr(client, method)(
            fill(pattern, tangerang_objects), {"role": "admin", "email": "x@y.test"}
        )
        assert response.status_code == 403, (name, method, response.status_code)
    # And nothing changed.
    from catalog.models import Adoption, CatalogApp

    assert Adoption.objects.get(pk=tangerang_objects["adoption_id"]).status == "active"
    from tenants import hosted

    # One entry per hosted app, and E-office.
    assert CatalogApp.objects.filter(publisher__slug="tangerang").count() == (
        len(hosted.apps()) + 1
    )
    assert Membership.objects.get(pk=tangerang_objects["membership_id"]).role == "staff"
    assert (
        Invitation.objects.get(pk=tangerang_objects["invitation_id"]).status
        == "pending"
    )
    assert not Membership.objects.filter(
        user=bandung_admin, tenant__slug="tangerang"
    ).exists()
    from django_tenants.utils import tenant_context

    from grants.models import Announcement, CitizenReport

    with tenant_context(Tenant.objects.get(slug="tangerang")):
        report = CitizenReport.objects.get(pk=tangerang_objects["report_id"])
        assert (report.status, report.response) == ("received", "")
        assert Announcement.objects.get().title == "Pengumuman"


def test_anonymous_users_are_sent_to_sign_in(tangerang_objects):
    client = host_client("tangerang.localhost")
    for name, pattern in tenant_routes():
        response = client.get(fill(pattern, tangerang_objects))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/?next="), name


def test_admin_cannot_reach_another_tenants_rows_through_own_host(
    bandung, tangerang_objects, bandung_admin
):
    """Bandung's admin on Bandung's host, naming Tangerang's membership/invitation ids: 404."""
    client = host_client("bandung.localhost", bandung_admin)
    ids = tangerang_objects
    assert (
        client.post(
            f"/dashboard/members/{ids['membership_id']}/role/", {"role": "viewer"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/dashboard/members/{ids['membership_id']}/remove/").status_code
        == 404
    )
    assert (
        client.post(
            f"/dashboard/invitations/{ids['invitation_id']}/revoke/"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/dashboard/invitations/{ids['invitation_id']}/resend/"
        ).status_code
        == 404
    )
    assert Membership.objects.get(pk=ids["membership_id"]).role == "staff"
    assert Invitation.objects.get(pk=ids["invitation_id"]).status == "pending"


def test_nothing_of_tangerang_appears_on_bandung_pages(
    bandung, tangerang_objects, bandung_admin
):
    client = host_client("bandung.localhost", bandung_admin)
    pages = [
        client.get(path).content.decode()
        for path in ("/", "/dashboard/", "/dashboard/members/", "/dashboard/profile/")
    ]
    for html in pages:
        assert "Tangerang" not in html
        assert "staf@tangerang.test" not in html
        assert "calon@tangerang.test" not in html


def test_viewer_and_auditor_cannot_manage(bandung, tangerang_objects):
    for role in ("viewer", "auditor", "staff"):
        user = make_user(f"{role}@bandung.test", tenant=bandung, role=role)
        client = host_client("bandung.localhost", user)
        assert client.get("/dashboard/").status_code == 200
        assert client.get("/dashboard/members/invite/").status_code == 403
        assert (
            client.post(
                "/dashboard/members/invite/", {"email": "a@b.test", "role": "admin"}
            ).status_code
            == 403
        )
        assert client.post("/dashboard/profile/", {"name": "Diubah"}).status_code == 403
    assert Tenant.objects.get(slug="bandung").name == "Kota Bandung"
    assert not Invitation.objects.filter(email="a@b.test").exists()


def test_auditor_reads_members_and_invitations_without_actions(bandung, bandung_admin):
    auditor = make_user("auditor@bandung.test", tenant=bandung, role="auditor")
    Invitation.objects.create(
        tenant=bandung,
        email="baru@bandung.test",
        role="staff",
        expires_at="2099-01-01T00:00:00Z",
    )
    html = (
        host_client("bandung.localhost", auditor)
        .get("/dashboard/members/")
        .content.decode()
    )
    assert "admin@bandung.test" in html and "baru@bandung.test" in html
    assert "Change role" not in html and "Withdraw" not in html


def test_platform_pages_are_not_served_on_tenant_hosts(bandung, bandung_admin):
    client = host_client("bandung.localhost", bandung_admin)
    assert client.get("/admin/").status_code == 404
    assert client.get("/orgs/new/").status_code == 404


def test_unknown_host_gets_a_clear_404(platform):
    response = host_client("tidak-ada.localhost").get("/")
    assert response.status_code == 404
    assert "tidak-ada.localhost" in response.content.decode()


def test_oversized_ids_are_404_not_500(bandung, bandung_admin):
    client = host_client("bandung.localhost", bandung_admin)
    for path in (
        "/dashboard/members/99999999999999999999999/role/",
        "/dashboard/members/9223372036854775807/remove/",
        "/dashboard/invitations/-1/revoke/",
    ):
        assert client.post(path, {"role": "staff"}).status_code == 404, path
