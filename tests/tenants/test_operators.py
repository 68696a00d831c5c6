"""Platform operators verify, suspend and delete tenants in the Django admin."""

from __future__ import annotations

import pytest
from django.apps import apps
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
        "/admin/tenants/tenant/", {"action": "disable", "_selected_action": [garut.pk]}
    )
    garut.refresh_from_db()
    assert not garut.is_active
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


def test_delete_drops_schema_and_every_public_row(garut, tangerang, operator_client):
    # Catalog rows on both sides: Garut publishes an app Tangerang uses, and uses
    # one of Tangerang's, each under an agreement.
    from catalog.models import Adoption, Agreement, CatalogApp
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
    assert not Tenant.objects.filter(pk=pk).exists()
    # Every model with a foreign key to Tenant, found by introspection.
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "related_model", None) is Tenant and field.many_to_one:
                assert not model.objects.filter(**{field.name: pk}).exists(), model
    assert host_client("garut.localhost").get("/").status_code == 404
    # Tangerang's own entry survives, with its adoption by Garut gone.
    assert CatalogApp.objects.filter(pk=tangerang_app.pk).exists()
    assert not Adoption.objects.filter(app=tangerang_app).exists()
    assert not Agreement.objects.filter(second_party_id=pk).exists()
    tangerang_app.refresh_from_db()
    assert tangerang_app.active_adopters == 0


def test_bulk_delete_action_is_not_offered(operator_client):
    html = operator_client.get("/admin/tenants/tenant/").content.decode()
    assert "delete_selected" not in html


def test_platform_itself_cannot_be_deleted(operator, platform):
    with pytest.raises(Exception, match="cannot be deleted"):
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
