"""A deleted tenant leaves a tombstone: unroutable, absent from every list and
count, its slug never reusable, other parties' records that name it intact."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from catalog.models import Agreement
from tenants import selectors, services
from tenants.models import (
    Domain,
    Membership,
    Notification,
    PlatformEvent,
    Tenant,
    VerificationRequest,
)
from tests.catalog.conftest import make_agreement, make_app
from tests.conftest import host_client
from tests.factories import make_tenant, make_user
from tests.tenants.test_desk import letter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def operator(platform):
    return make_user(
        "operator@bagipakai.test", is_staff=True, is_superuser=True, full_name="Budi"
    )


@pytest.fixture
def garut_admin(platform):
    return make_user("admin@garutkab.go.id")


@pytest.fixture
def garut(garut_admin):
    return make_tenant(
        "garut",
        "Pemerintah Kabupaten Garut",
        kind="kabupaten",
        province="32",
        region_code="32.05",
        admin=garut_admin,
    )


def delete(tenant, operator):
    return services.tenant_delete(
        actor=operator, tenant=tenant, confirmation=tenant.slug, reason="Uji."
    )


def schema_exists(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def test_deleted_tenant_is_unroutable_even_after_its_host_was_cached(garut, operator):
    public = host_client("garut.localhost")
    assert public.get("/").status_code == 200  # now cached
    delete(garut, operator)
    assert public.get("/").status_code == 404
    assert public.get("/dashboard/").status_code == 404
    assert not Domain.objects.filter(tenant_id=garut.pk).exists()
    assert not schema_exists("t_garut")


def test_deleted_tenant_is_absent_from_directory_counts_and_sign_in(
    garut, garut_admin, bandung, operator
):
    before = selectors.platform_stats()
    for tenant in (garut, None):
        Notification.objects.create(
            user=garut_admin,
            tenant=tenant,
            kind="test",
            subject="S",
            sentence="Proposal of Ibu Siti",
            url="http://garut.localhost/",
        )
    delete(garut, operator)
    # Its notifications go with it; the platform's stay in the person's log.
    assert list(
        Notification.objects.filter(user=garut_admin).values_list("tenant", flat=True)
    ) == [None]
    after = selectors.platform_stats()
    assert after["tenants"] == before["tenants"] - 1
    assert after["cities"] == before["cities"] - 1
    platform = host_client("localhost")
    directory = platform.get("/organisations/").content.decode()
    assert "Kota Bandung" in directory and "Garut" not in directory
    assert "Garut" not in platform.get("/organisations/?q=garut").content.decode()
    assert "Garut" not in platform.get("/").content.decode()
    # Its former administrator has no way in.
    admin = host_client("localhost", garut_admin)
    assert "Garut" not in admin.get("/orgs/").content.decode()
    assert admin.post("/orgs/garut/go/").status_code == 404
    assert not Membership.objects.filter(user=garut_admin).exists()
    # Lists and counts that use Tenant.objects do not see it.
    assert not Tenant.objects.filter(slug="garut").exists()
    assert Tenant.all_objects.filter(slug="garut").exists()


def test_deleted_tenants_apps_leave_the_catalog(garut, operator, tangerang):
    app = make_app(garut, name="Aplikasi Garut Unik")
    platform = host_client("localhost")
    assert "Aplikasi Garut Unik" in platform.get("/catalog/").content.decode()
    delete(garut, operator)
    assert "Aplikasi Garut Unik" not in platform.get("/catalog/").content.decode()
    assert platform.get(f"/api/v1/apps/{app.slug}/").status_code == 404


def test_slug_of_a_deleted_tenant_cannot_be_registered_again(garut, operator):
    delete(garut, operator)
    impostor = make_user("impostor@example.test")
    with pytest.raises(ValidationError, match="already taken"):
        services.tenant_provision(
            actor=impostor,
            name="Pemerintah Kabupaten Garut",
            kind="kabupaten",
            region_code="32.05",
            slug="garut",
        )
    response = host_client("localhost", impostor).post(
        "/orgs/new/",
        {
            "name": "Pemerintah Kabupaten Garut",
            "kind": "kabupaten",
            "province": "32",
            "region_code": "32.05",
            "slug": "garut",
        },
    )
    assert response.status_code == 200
    assert "already taken" in response.content.decode()
    assert Tenant.all_objects.filter(slug="garut").count() == 1


def test_tombstone_keeps_the_record_and_other_parties_records_stay(
    garut, tangerang, operator
):
    services.tenant_verify(actor=operator, tenant=garut)
    agreement = make_agreement(tangerang, garut, number="PKS/7/2026")
    delete(garut, operator)
    tombstone = Tenant.all_objects.get(pk=garut.pk)
    assert (tombstone.name, tombstone.slug, tombstone.kind, tombstone.region_code) == (
        "Kabupaten Garut",
        "garut",
        "kabupaten",
        "32.05",
    )
    assert tombstone.deleted_by == operator and not tombstone.is_active
    # Tangerang's agreement that names Garut is intact and still names it.
    kept = Agreement.objects.get(pk=agreement.pk)
    assert kept.second_party.name == "Kabupaten Garut"
    # The platform log keeps the whole story.
    kinds = list(
        PlatformEvent.objects.filter(tenant_id=garut.pk).values_list("kind", flat=True)
    )
    assert kinds == ["tenant_verified", "tenant_deleted"]
    deleted = PlatformEvent.objects.get(kind="tenant_deleted")
    assert (deleted.tenant_slug, deleted.tenant_name, deleted.reason) == (
        "garut",
        "Kabupaten Garut",
        "Uji.",
    )


def test_deleting_removes_the_tenants_own_files_only(
    garut, garut_admin, tangerang, operator, media, django_capture_on_commit_callbacks
):
    request = services.verification_request_create(
        actor=garut_admin, tenant=garut, letter=letter()
    )
    own = default_storage.save("tenants/t_garut/grants/a.pdf", ContentFile(b"%PDF-1"))
    other = default_storage.save(
        "tenants/t_tangerang/grants/b.pdf", ContentFile(b"%PDF-1")
    )
    with django_capture_on_commit_callbacks(execute=True):
        delete(garut, operator)
    assert not default_storage.exists(own)
    assert not default_storage.exists(request.letter.name)
    assert default_storage.exists(other)
    # The request stays in the record, without its file.
    request.refresh_from_db()
    assert request.letter.name == ""
    assert VerificationRequest.objects.filter(tenant_id=garut.pk).count() == 1


def test_a_deleted_tenant_cannot_be_deleted_or_acted_on_again(garut, operator):
    delete(garut, operator)
    stale = Tenant.all_objects.get(pk=garut.pk)
    with pytest.raises(ValidationError, match="no longer exists"):
        delete(stale, operator)
    with pytest.raises(ValidationError, match="no longer exists"):
        services.tenant_enable(actor=operator, tenant=stale)
    assert PlatformEvent.objects.filter(kind="tenant_deleted").count() == 1


def test_the_desk_drops_a_deleted_tenants_pending_request(garut, garut_admin, operator):
    request = services.verification_request_create(
        actor=garut_admin, tenant=garut, letter=letter()
    )
    delete(garut, operator)
    client = host_client("localhost", operator)
    assert "Garut" not in client.get("/operator/verification/").content.decode()
    assert client.get(f"/operator/verification/{request.pk}/").status_code == 404
    assert selectors.pending_verification_count() == 0


def test_operators_admin_lists_leave_out_a_deleted_tenant(garut, operator):
    make_app(garut, name="Aplikasi Garut Unik")
    delete(garut, operator)
    client = host_client("localhost", operator)
    for url in (
        "/admin/tenants/tenant/",
        "/admin/catalog/catalogapp/",
        "/admin/billing/subscription/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Garut" not in page.content.decode(), url


def test_a_deleted_governments_region_can_be_registered_again(garut, operator):
    delete(garut, operator)
    founder = make_user("bupati@garutkab.go.id")
    again = services.tenant_provision(
        actor=founder,
        name="Pemerintah Kabupaten Garut",
        kind="kabupaten",
        region_code="32.05",
        slug="garutkab",
    )
    assert again.region_code == "32.05" and again.pk != garut.pk
    assert Tenant.all_objects.filter(region_code="32.05").count() == 2
