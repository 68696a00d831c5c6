"""Platform operators verify, suspend and delete tenants in the Django admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tenants import services
from tenants.models import Invitation, Membership, Tenant
from tests.conftest import host_client
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(platform):
    return make_user("operator@bagipakai.test", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(operator):
    return host_client("localhost", operator)


@pytest.fixture
def garut(platform):
    admin = make_user("admin@garut.test")
    tenant = make_tenant(
        "garut",
        "Kabupaten Garut",
        kind="kabupaten",
        province="32",
        region_code="32.05",
        admin=admin,
    )
    Invitation.objects.create(
        tenant=tenant,
        email="calon@garut.test",
        role="staff",
        expires_at="2099-01-01T00:00:00Z",
    )
    return tenant


def schema_exists(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def test_new_tenant_is_marked_unverified_until_an_operator_verifies(
    garut, operator_client
):
    public = host_client("garut.localhost")
    assert "Unverified" in public.get("/").content.decode()
    response = operator_client.post(
        "/admin/tenants/tenant/", {"action": "verify", "_selected_action": [garut.pk]}
    )
    assert response.status_code == 302
    garut.refresh_from_db()
    assert garut.is_verified and garut.verified_by.email == "operator@bagipakai.test"
    html = public.get("/").content.decode()
    assert "Verified by BagiPakai" in html and "Unverified" not in html


def test_unverified_tenant_works_for_its_members(garut):
    admin = Membership.objects.get(tenant=garut, role="admin").user
    assert host_client("garut.localhost", admin).get("/dashboard/").status_code == 200


def test_disabled_tenant_shows_suspended_page_and_keeps_data(garut, operator_client):
    admin = Membership.objects.get(tenant=garut, role="admin").user
    operator_client.post(
        "/admin/tenants/tenant/",
        {
            "action": "disable",
            "_selected_action": [garut.pk],
            "apply": "1",
            "reason": "Laporan penyalahgunaan sedang diperiksa.",
        },
    )
    garut.refresh_from_db()
    assert not garut.is_active
    assert garut.disabled_reason == "Laporan penyalahgunaan sedang diperiksa."
    for path in ("/", "/dashboard/", "/accounts/login/"):
        response = host_client("garut.localhost", admin).get(path)
        assert response.status_code == 503
        assert "This site is suspended" in response.content.decode()
    assert host_client("garut.localhost").get("/healthz").status_code == 200
    assert schema_exists("t_garut") and Membership.objects.filter(tenant=garut).exists()

    operator_client.post(
        "/admin/tenants/tenant/", {"action": "enable", "_selected_action": [garut.pk]}
    )
    assert host_client("garut.localhost", admin).get("/dashboard/").status_code == 200


def test_delete_requires_typing_the_subdomain(garut, operator_client):
    url = f"/admin/tenants/tenant/{garut.pk}/delete/"
    page = operator_client.get(url)
    assert page.status_code == 200 and "t_garut" in page.content.decode()
    wrong = operator_client.post(url, {"confirmation": "Garut"})
    assert wrong.status_code == 200
    assert "Nothing was deleted" in wrong.content.decode()
    assert Tenant.objects.filter(pk=garut.pk).exists() and schema_exists("t_garut")


def test_delete_drops_schema_and_leaves_a_tombstone(garut, tangerang, operator_client):
    # Catalog rows on both sides: Garut publishes an app Tangerang uses, and uses
    # one of Tangerang's, each under an agreement.
    from catalog.models import Adoption, CatalogApp
    from tenants.models import Domain, LoginHandoff
    from tests.catalog.conftest import make_active_adoption, make_app

    make_active_adoption(make_app(garut, slug="garut-app"), tangerang)
    tangerang_app = make_app(tangerang, slug="tangerang-app")
    make_active_adoption(tangerang_app, garut)
    pk = garut.pk
    response = operator_client.post(
        f"/admin/tenants/tenant/{pk}/delete/", {"confirmation": "garut"}
    )
    assert response.status_code == 302
    assert not schema_exists("t_garut")
    # The row stays as a tombstone that no list sees.
    assert not Tenant.objects.filter(pk=pk).exists()
    tombstone = Tenant.all_objects.get(pk=pk)
    assert tombstone.deleted_at is not None and not tombstone.is_active
    assert tombstone.deleted_by.email == "operator@bagipakai.test"
    assert (tombstone.name, tombstone.slug, tombstone.region_code) == (
        "Kabupaten Garut",
        "garut",
        "32.05",
    )
    for model in (Domain, Membership, Invitation, LoginHandoff):
        assert not model.objects.filter(tenant_id=pk).exists(), model
    assert host_client("garut.localhost").get("/").status_code == 404
    # Tangerang's own entry survives. Its adoption by Garut is Tangerang's record
    # too (issue 11): it stays, ended with the reason, its history untouched;
    # Garut's own app leaves the catalog.
    assert CatalogApp.objects.filter(pk=tangerang_app.pk).exists()
    (by_garut,) = Adoption.objects.filter(app=tangerang_app)
    assert by_garut.status == "ended" and "was deleted" in by_garut.decision_reason
    assert by_garut.events.filter(action="end").exists()
    assert CatalogApp.objects.get(slug="garut-app").is_hidden
    tangerang_app.refresh_from_db()
    assert tangerang_app.active_adopters == 0


def test_bulk_delete_action_is_not_offered(operator_client):
    html = operator_client.get("/admin/tenants/tenant/").content.decode()
    assert "delete_selected" not in html


def test_platform_itself_cannot_be_deleted(operator, platform):
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.tenant_delete(actor=operator, tenant=platform, confirmation="platform")
    assert schema_exists("public")


def test_non_operators_cannot_use_operator_services(garut):
    member = Membership.objects.get(tenant=garut, role="admin").user
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.tenant_delete(actor=member, tenant=garut, confirmation="garut")
    with pytest.raises(PermissionDenied):
        services.tenant_disable(actor=member, tenant=garut)
    assert host_client("localhost", member).get("/admin/").status_code == 302
