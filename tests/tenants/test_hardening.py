"""Fixes from the security review: each test names the attack it closes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from tenants import services
from tenants.models import Invitation, Membership, Tenant
from tests.conftest import host_client
from tests.factories import make_user
from tests.tenants.test_concurrency import run_together

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_staff_with_view_permission_only_cannot_suspend(bandung):
    from django.contrib.auth.models import Permission

    viewer = make_user("lihat@bagipakai.test", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_tenant"))
    client = host_client("localhost", viewer)
    client.post(
        "/admin/tenants/tenant/",
        {"action": "disable", "_selected_action": [bandung.pk]},
    )
    bandung.refresh_from_db()
    assert bandung.is_active
    with pytest.raises(PermissionDenied, match="Only platform operators"):
        services.tenant_disable(actor=viewer, tenant=bandung)


@pytest.mark.django_db
def test_admin_delete_view_with_a_non_numeric_id_is_404(platform):
    """No 500 and no redirect: an id that cannot name a tenant is simply not found."""
    operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
    client = host_client("localhost", operator)
    for object_id in ("abc", "99999999999999999999"):
        response = client.get(f"/admin/tenants/tenant/{object_id}/delete/")
        assert response.status_code == 404, object_id


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(platform):
    response = host_client("localhost").get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_demoted_admin_takes_pending_invitations_along(bandung, bandung_admin):
    leaving = make_user("pergi@bandung.test", tenant=bandung, role="admin")
    invitation = services.invitation_create(
        actor=leaving,
        tenant=bandung,
        email="alamat.kedua@example.test",
        role="admin",
    )
    services.membership_change_role(
        actor=bandung_admin,
        membership=Membership.objects.get(user=leaving, tenant=bandung),
        role="viewer",
    )
    invitation.refresh_from_db()
    assert invitation.status == "revoked" and invitation.revoked_by == bandung_admin


@pytest.mark.django_db
def test_removed_admin_takes_pending_invitations_along(bandung, bandung_admin):
    leaving = make_user("keluar@bandung.test", tenant=bandung, role="admin")
    invitation = services.invitation_create(
        actor=leaving,
        tenant=bandung,
        email="lain@example.test",
        role="admin",
    )
    services.membership_remove(
        actor=bandung_admin,
        membership=Membership.objects.get(user=leaving, tenant=bandung),
    )
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


@pytest.mark.django_db(transaction=True)
def test_double_submitted_invitation_is_a_form_error_not_a_500():
    from tests.factories import make_tenant

    admin = make_user("admin@majalengka.test")
    tenant = make_tenant(
        "majalengka", kind="kabupaten", region_code="32.10", admin=admin
    )
    outcomes = run_together(
        *[
            (
                lambda: services.invitation_create(
                    actor=admin,
                    tenant=tenant,
                    email="dobel@example.test",
                    role="staff",
                )
            )
        ]
        * 2
    )
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert Invitation.objects.filter(email="dobel@example.test").count() == 1


@pytest.mark.django_db(transaction=True)
def test_double_submitted_signup_creates_one_account():
    from tests.factories import make_tenant

    admin = make_user("admin@sumedang.test")
    tenant = make_tenant("sumedang", kind="kabupaten", region_code="32.11", admin=admin)
    invitation = services.invitation_create(
        actor=admin,
        tenant=tenant,
        email="baru@sumedang.test",
        role="staff",
    )
    outcomes = run_together(
        *[
            (
                lambda: services.invitation_signup(
                    invitation=invitation, full_name="Baru", password="Kuat-sekali-2026"
                )
            )
        ]
        * 2
    )
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert (
        Membership.objects.filter(
            tenant=tenant, user__email="baru@sumedang.test"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_names_with_line_breaks_are_refused_and_subjects_stay_one_line(
    bandung, bandung_admin
):
    from tests.factories import make_tenant

    dinas_admin = make_user("admin@dinas-garis.test")
    dinas = make_tenant("dinas-garis", "Dinas Garis", admin=dinas_admin)
    response = host_client("dinas-garis.localhost", dinas_admin).post(
        "/dashboard/profile/", {"name": "Dinas\r\nBogor"}
    )
    assert response.status_code == 200 and "single line" in response.content.decode()
    assert Tenant.objects.get(pk=dinas.pk).name == "Dinas Garis"
    client = host_client("bandung.localhost", bandung_admin)
    # Even a name that got in some other way cannot break the e-mail header.
    Tenant.objects.filter(pk=bandung.pk).update(name="Kota\nBaru")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/dashboard/members/invite/", {"email": "a@b.test", "role": "staff"}
        )
    assert response.status_code == 302
    from django.core import mail

    assert "\n" not in mail.outbox[-1].subject


@pytest.mark.django_db
def test_failing_mail_server_does_not_turn_an_invitation_into_a_500(
    bandung, bandung_admin, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    client = host_client("bandung.localhost", bandung_admin)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/dashboard/members/invite/", {"email": "a@b.test", "role": "staff"}
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="a@b.test", status="pending").exists()


@pytest.mark.django_db
def test_unverified_tenants_have_a_daily_invitation_quota(bandung, bandung_admin):
    Tenant.objects.filter(pk=bandung.pk).update(verification_status="unverified")
    bandung.refresh_from_db()
    for n in range(services.INVITATIONS_PER_DAY["unverified"]):
        services.invitation_create(
            actor=bandung_admin,
            tenant=bandung,
            email=f"u{n}@example.test",
            role="staff",
        )
    response = host_client("bandung.localhost", bandung_admin).post(
        "/dashboard/members/invite/",
        {"email": "satu.lagi@example.test", "role": "staff"},
    )
    assert (
        response.status_code == 200 and "the most allowed" in response.content.decode()
    )
    # A day later the quota is free again.
    Invitation.objects.update(last_sent_at=timezone.now() - timedelta(days=2))
    services.invitation_create(
        actor=bandung_admin,
        tenant=bandung,
        email="besok@example.test",
        role="staff",
    )


@pytest.mark.django_db
def test_orphan_schema_is_a_clear_form_error(platform):
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "t_yatim"')
    client = host_client("localhost", make_user("x@yatim.test"))
    response = client.post(
        "/orgs/new/",
        {
            "name": "Kota Yatim",
            "kind": "kota",
            "province": "32",
            "region_code": "32.71",
            "slug": "yatim",
        },
    )
    assert response.status_code == 200
    assert "cannot be used right now" in response.content.decode()
    assert not Tenant.objects.filter(slug="yatim").exists()


@pytest.mark.django_db
def test_links_use_the_visitors_port_not_the_servers(bandung):
    """Behind a TLS proxy gunicorn listens on 8000, but visitors use 443."""
    from django.test import RequestFactory

    from tenants.hosts import tenant_url

    request = RequestFactory().get(
        "/", HTTP_HOST="localhost", SERVER_PORT="8000", secure=True
    )
    assert tenant_url(bandung, "/x/", request) == "https://bandung.localhost/x/"
    request = RequestFactory().get("/", HTTP_HOST="localhost:8123", SERVER_PORT="8000")
    assert tenant_url(bandung, "/x/", request) == "http://bandung.localhost:8123/x/"


def _django(code: str, **env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start():
    result = _django(
        "print('started')", DATABASE_URL="postgres://x@127.0.0.1:1/x", DEBUG="0"
    )
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


def test_platform_urls_resolve_in_a_fresh_process():
    """The <id:> converter must not depend on which URLconf a worker loads first."""
    code = (
        "from django.urls import resolve; "
        "print(resolve('/catalog/x/screenshots/1/', urlconf='config.urls_public').url_name)"
    )
    result = _django(
        code, DATABASE_URL="postgres://x@127.0.0.1:1/x", SECRET_KEY="k" * 50
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "catalog_screenshot"


@pytest.mark.django_db
def test_a_session_copied_to_another_host_is_signed_out(
    bandung, tangerang, bandung_admin
):
    make_user(bandung_admin.email, tenant=tangerang, role="admin")
    client = host_client("bandung.localhost")
    assert (
        client.post(
            "/accounts/login/",
            {"login": bandung_admin.email, "password": "Sabilulungan-2017!"},
        ).status_code
        == 302
    )
    assert client.get("/dashboard/").status_code == 200
    stolen = client.cookies["sessionid"].value
    other = host_client("tangerang.localhost")
    other.cookies["sessionid"] = stolen
    response = other.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
