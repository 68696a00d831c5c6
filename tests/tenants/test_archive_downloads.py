"""Organisation archives on the web: asked for, built by the job, downloaded behind
a fresh second factor and a short-lived link, recorded in the platform log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from core.jobs import jobs_run_pending
from tenants.archive.downloads import archive_link_token
from tenants.mfa import demo_enrol
from tenants.models import PlatformEvent, TenantArchive
from tests.conftest import BANDUNG_HOST, PLATFORM_HOST, TANGERANG_HOST
from tests.factories import make_user
from tests.tenants.test_mfa import person, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin(bandung):
    user = person("kepala@bandung.test")
    make_user(user.email, tenant=bandung, role="admin")
    return user


@pytest.fixture
def ready_archive(bandung, admin):
    client = signed_in(BANDUNG_HOST, admin, secret=demo_enrol(admin))
    response = client.post("/dashboard/archive/")
    assert response.status_code == 302
    archive = TenantArchive.objects.get(tenant=bandung)
    assert archive.status == "pending"
    assert jobs_run_pending() >= 1
    archive.refresh_from_db()
    assert archive.status == "ready" and archive.bytes > 0, archive.error
    return client, archive


def test_an_administrator_downloads_after_a_fresh_second_factor(ready_archive, admin):
    client, archive = ready_archive
    page = client.get("/dashboard/archive/")
    assert page.status_code == 200
    assert f"/dashboard/archive/{archive.pk}/download/" in page.content.decode()
    link = client.get(f"/dashboard/archive/{archive.pk}/download/")
    assert link.status_code == 302 and "/file/?t=" in link["Location"]
    response = client.get(link["Location"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content)
    assert body[:2] == b"\x1f\x8b" and len(body) == archive.bytes
    entry = PlatformEvent.objects.get(kind="archive_downloaded")
    assert entry.tenant_slug == "bandung" and entry.actor_id == admin.pk
    assert PlatformEvent.objects.filter(kind="tenant_exported", tenant_slug="bandung").exists()


def test_without_a_fresh_second_factor_the_download_asks_for_it(ready_archive, admin):
    _client, archive = ready_archive
    client = Client(HTTP_HOST=BANDUNG_HOST)
    client.force_login(admin)  # signed in, but this session showed no code
    response = client.get(f"/dashboard/archive/{archive.pk}/download/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    # The signed link itself is bound to a person: another session's user
    # cannot use it, and a forged one is refused.
    token = archive_link_token(archive, admin)
    other = make_user("staf@bandung.test", tenant=archive.tenant, role="staff")
    stranger = Client(HTTP_HOST=BANDUNG_HOST)
    stranger.force_login(other)
    assert stranger.get(f"/dashboard/archive/{archive.pk}/file/?t={token}").status_code == 403
    # Another administrator of Bandung holds a link made for someone else: 404.
    second = make_user("kedua@bandung.test", tenant=archive.tenant, role="admin")
    other_admin = Client(HTTP_HOST=BANDUNG_HOST)
    other_admin.force_login(second)
    assert other_admin.get(f"/dashboard/archive/{archive.pk}/file/?t={token}").status_code == 404
    assert client.get(f"/dashboard/archive/{archive.pk}/file/?t=forged").status_code == 404
    assert not PlatformEvent.objects.filter(kind="archive_downloaded").exists()


def test_a_member_of_another_tenant_cannot_download(ready_archive, admin, tangerang):
    _client, archive = ready_archive
    outsider = person("kepala@tangerang.test")
    make_user(outsider.email, tenant=tangerang, role="admin")
    secret = demo_enrol(outsider)
    # On Bandung's host: not a member.
    client = signed_in(BANDUNG_HOST, outsider, secret=secret)
    assert client.get("/dashboard/archive/").status_code == 403
    assert client.post("/dashboard/archive/").status_code == 403
    assert client.get(f"/dashboard/archive/{archive.pk}/download/").status_code == 403
    token = archive_link_token(archive, outsider)
    assert client.get(f"/dashboard/archive/{archive.pk}/file/?t={token}").status_code == 403
    # On its own host, with Bandung's archive id: still not found.
    home = Client(HTTP_HOST=TANGERANG_HOST)
    home.force_login(outsider)
    assert home.get(f"/dashboard/archive/{archive.pk}/download/").status_code == 404
    assert home.get(f"/dashboard/archive/{archive.pk}/file/?t={token}").status_code == 404
    # A staff member of Bandung itself is not an administrator either.
    staff = make_user("staf2@bandung.test", tenant=archive.tenant, role="staff")
    inside = Client(HTTP_HOST=BANDUNG_HOST)
    inside.force_login(staff)
    assert inside.get("/dashboard/archive/").status_code == 403
    assert inside.get(f"/dashboard/archive/{archive.pk}/download/").status_code == 403
    assert not PlatformEvent.objects.filter(kind="archive_downloaded").exists()


def test_operators_with_the_permission_prepare_and_download(bandung, platform):
    operator = person("desk@bagipakai.test", is_staff=True)
    secret = demo_enrol(operator)
    client = signed_in(PLATFORM_HOST, operator, secret=secret)
    assert client.get("/operator/archives/").status_code == 403
    operator.user_permissions.add(Permission.objects.get(codename="export_tenant"))
    assert client.get("/operator/archives/").status_code == 200
    unknown = client.post("/operator/archives/", {"slug": "nowhere"})
    assert unknown.status_code == 400
    assert "There is no organisation" in unknown.content.decode()
    assert client.post("/operator/archives/", {"slug": "bandung"}).status_code == 302
    jobs_run_pending()
    archive = TenantArchive.objects.get(tenant=bandung)
    assert archive.status == "ready"
    link = client.get(f"/operator/archives/{archive.pk}/download/")
    assert link.status_code == 302
    assert client.get(link["Location"]).status_code == 200
    assert PlatformEvent.objects.filter(kind="archive_downloaded", actor_id=operator.pk).exists()
    # Anonymous visitors are sent to sign in.
    anonymous = Client(HTTP_HOST=PLATFORM_HOST)
    assert anonymous.get(f"/operator/archives/{archive.pk}/download/").status_code == 302


def test_expired_archives_lose_their_file(ready_archive):
    from datetime import timedelta

    from django.utils import timezone

    from tenants.archive.downloads import tenant_archives_expire

    _client, archive = ready_archive
    name = archive.file.name
    storage = archive.file.storage
    assert storage.exists(name)
    assert tenant_archives_expire(now=timezone.now() + timedelta(days=2)) == 1
    archive.refresh_from_db()
    assert archive.status == "expired" and not storage.exists(name)
