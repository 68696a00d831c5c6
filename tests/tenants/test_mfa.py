"""Two-step sign-in (#12): required for operators, and for the administrators and
money roles of a verified tenant that keeps the setting on."""

from __future__ import annotations

import time

import pytest
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tenants.mfa import demo_enrol, mfa_required, mfa_reset
from tenants.models import PlatformEvent
from tests.conftest import BANDUNG_HOST, PLATFORM_HOST
from tests.factories import make_user
from tests.grants.conftest import give_roles

pytestmark = pytest.mark.django_db
PASSWORD = "Kata-Sandi-Kuat-2026!"


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.MFA_ENFORCED = True


def current_code(secret: str) -> str:
    return format_hotp_value(
        hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD)
    )


def person(email, **extra):
    user = make_user(email, **extra)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def signed_in(host, user, *, secret=None) -> Client:
    """Sign in through the real pages: password, then the code when enrolled."""
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    if secret is not None:
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        response = client.post(
            "/accounts/2fa/authenticate/", {"code": current_code(secret)}
        )
        assert response.status_code == 302
    return client


@pytest.fixture
def verified_bandung(bandung):
    bandung.verification_status = "verified"
    bandung.save(update_fields=["verification_status"])
    return bandung


def test_an_operator_without_an_authenticator_is_sent_to_enrol_before_any_operator_page(
    platform,
):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    client = signed_in(PLATFORM_HOST, operator)
    for path in ("/admin/", "/admin/tenants/tenant/", "/orgs/"):
        response = client.get(path)
        assert response.status_code == 302, path
        # The page that offers an authenticator app and a security key.
        assert response["Location"].startswith("/accounts/2fa/?"), path
        assert f"next={path.replace('/', '%2F')}" in response["Location"]


def test_enrolling_counts_as_the_second_factor_for_this_session(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    client = signed_in(PLATFORM_HOST, operator)
    sent = client.get("/admin/")
    assert sent["Location"].startswith("/accounts/2fa/?")
    assert (
        "/accounts/2fa/totp/activate/" in client.get(sent["Location"]).content.decode()
    )
    # Adding an authenticator asks for the password once more (allauth's rule).
    asked = client.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    done = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=operator, type="totp").exists()
    assert client.get("/admin/").status_code == 200


def test_after_enrolling_the_person_continues_where_they_were_going(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    client = signed_in(PLATFORM_HOST, operator)
    sent = client.get("/orgs/?q=bandung")
    assert sent["Location"].startswith("/accounts/2fa/?")
    # Not enrolled yet: nothing to continue to.
    assert (
        "/accounts/2fa/continue/" not in client.get(sent["Location"]).content.decode()
    )
    asked = client.get("/accounts/2fa/totp/activate/")
    client.post(asked["Location"], {"password": PASSWORD})
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    done = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    # allauth shows the new recovery codes first, with the way back beside them.
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get(done["Location"]).content.decode()
    assert 'href="/accounts/2fa/continue/"' in codes
    assert "Keep your recovery codes somewhere safe" in codes
    back = client.get("/accounts/2fa/continue/")
    assert back.status_code == 302 and back["Location"] == "/orgs/?q=bandung"
    assert client.get(back["Location"]).status_code == 200
    # Used once: the two-step pages no longer offer it.
    assert (
        "/accounts/2fa/continue/" not in client.get("/accounts/2fa/").content.decode()
    )
    assert client.get("/accounts/2fa/continue/")["Location"] == "/"


def test_the_way_back_is_a_page_of_this_host_only(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    demo_enrol(operator)
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(operator)
    session = client.session
    session["mfa_enrolment_next"] = "https://evil.example/phish"
    session.save()
    assert client.get("/accounts/2fa/continue/")["Location"] == "/"
    anonymous = Client(HTTP_HOST=PLATFORM_HOST).get("/accounts/2fa/continue/")
    assert anonymous["Location"].startswith("/accounts/login/")


def test_an_enrolled_operator_signs_in_with_the_code_and_works(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    secret = demo_enrol(operator)
    client = signed_in(PLATFORM_HOST, operator, secret=secret)
    assert client.get("/admin/").status_code == 200


def test_a_session_without_the_second_factor_is_asked_for_it(platform):
    """E.g. signed in on a tenant host by hand-off, or before enrolling."""
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    demo_enrol(operator)
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_a_wrong_code_does_not_sign_in(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    demo_enrol(operator)
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.post("/accounts/login/", {"login": operator.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_admins_of_a_verified_tenant_need_it_and_unverified_ones_do_not(bandung):
    admin = person("admin@bandung.test", tenant=bandung, role="admin")
    client = signed_in(BANDUNG_HOST, admin)
    assert client.get("/dashboard/").status_code == 200  # unverified: not yet
    bandung.verification_status = "verified"
    bandung.save(update_fields=["verification_status"])  # drops the cached route
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/?")


def test_the_tenant_setting_switches_it_off(verified_bandung):
    admin = person("admin@bandung.test", tenant=verified_bandung, role="admin")
    assert mfa_required(admin, verified_bandung)
    verified_bandung.mfa_required = False
    verified_bandung.save(update_fields=["mfa_required"])
    assert not mfa_required(admin, verified_bandung)


def test_money_roles_need_it_and_other_staff_do_not(verified_bandung):
    treasurer = make_user("bendahara@bandung.test", tenant=verified_bandung)
    give_roles(treasurer, verified_bandung, "treasurer")
    head = make_user("kepala@bandung.test", tenant=verified_bandung)
    give_roles(head, verified_bandung, "kepala_daerah", "opd")
    clerk = make_user("tu@bandung.test", tenant=verified_bandung)
    give_roles(clerk, verified_bandung, "tata_usaha", "opd")
    outsider = make_user("warga@example.test")
    assert mfa_required(treasurer, verified_bandung)
    assert mfa_required(head, verified_bandung)
    assert not mfa_required(clerk, verified_bandung)
    assert not mfa_required(outsider, verified_bandung)


def test_the_security_page_is_for_the_tenants_own_admins(verified_bandung, tangerang):
    verified_bandung.mfa_required = False
    verified_bandung.save(update_fields=["mfa_required"])
    admin = person("admin@bandung.test", tenant=verified_bandung, role="admin")
    staff = person("staf@bandung.test", tenant=verified_bandung, role="staff")
    other = person("admin@tangerang.test", tenant=tangerang, role="admin")
    client = signed_in(BANDUNG_HOST, admin)
    assert client.get("/dashboard/security/").status_code == 200
    response = client.post("/dashboard/security/", {"mfa_required": "on"})
    assert response.status_code == 302
    verified_bandung.refresh_from_db()
    assert verified_bandung.mfa_required
    for intruder in (staff, other):
        outsider = Client(HTTP_HOST=BANDUNG_HOST)
        outsider.force_login(intruder)
        assert outsider.post("/dashboard/security/", {}).status_code == 403
    verified_bandung.refresh_from_db()
    assert verified_bandung.mfa_required


def test_an_operator_resets_a_lost_device_with_a_reason_in_the_log(platform):
    operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
    someone = make_user("kadis@garutkab.go.id")
    demo_enrol(someone)
    with pytest.raises(ValidationError):
        mfa_reset(actor=operator, user=someone, reason="")
    with pytest.raises(ValidationError):
        mfa_reset(actor=operator, user=operator, reason="Saya sendiri kehilangan HP")
    with pytest.raises(PermissionDenied):
        mfa_reset(actor=someone, user=operator, reason="Menelepon kantor, sudah cek")
    assert Authenticator.objects.filter(user=someone).count() == 2
    assert not PlatformEvent.objects.filter(kind="mfa_reset").exists()

    removed = mfa_reset(
        actor=operator, user=someone, reason="Ditelepon balik ke nomor kantor resmi"
    )
    assert removed == 2
    assert not Authenticator.objects.filter(user=someone).exists()
    entry = PlatformEvent.objects.get(kind="mfa_reset")
    assert entry.details == {"user_id": someone.pk, "authenticators_removed": 2}
    assert entry.private["reason"] == "Ditelepon balik ke nomor kantor resmi"
    from tenants.transparency import public_record

    assert "kadis@" not in str(public_record(entry))


def test_the_admin_reset_page_asks_for_the_reason_and_keeps_what_was_typed(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    secret = demo_enrol(operator)
    someone = make_user("kadis@garutkab.go.id")
    demo_enrol(someone)
    client = signed_in(PLATFORM_HOST, operator, secret=secret)
    url = f"/admin/tenants/user/{someone.pk}/mfa-reset/"
    assert client.get(url).status_code == 200
    short = client.post(url, {"reason": "cek"})
    assert short.status_code == 200 and "cek" in short.content.decode()
    assert Authenticator.objects.filter(user=someone).exists()
    done = client.post(url, {"reason": "Datang langsung membawa KTP dan SK jabatan"})
    assert done.status_code == 302
    assert not Authenticator.objects.filter(user=someone).exists()


def test_demo_accounts_get_a_fixed_secret_whose_code_signs_in(platform):
    user = person("admin@bandung.bagipakai.test")
    first = demo_enrol(user)
    assert demo_enrol(user) == first  # idempotent
    totp = Authenticator.objects.get(user=user, type="totp")
    assert TOTP(totp).validate_code(current_code(first))


def test_enrolling_in_one_session_does_not_excuse_another(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    other_session = signed_in(PLATFORM_HOST, operator)
    enrolling = signed_in(PLATFORM_HOST, operator)
    enrolling.get("/admin/")  # sent to enrol
    asked = enrolling.get("/accounts/2fa/totp/activate/")
    enrolling.post(asked["Location"], {"password": PASSWORD})
    secret = enrolling.get("/accounts/2fa/totp/activate/").context["form"].secret
    enrolling.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert enrolling.get("/admin/").status_code == 200
    refused = other_session.get("/admin/")
    assert refused["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_a_code_from_the_previous_period_is_still_accepted_once(platform):
    """A phone whose clock runs 30 s late (or a code typed just as it changed)
    still signs in; a code a minute and a half old does not."""
    from allauth.mfa.totp.internal.auth import validate_totp_code

    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    secret = demo_enrol(operator)
    previous = format_hotp_value(
        hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD - 1)
    )
    assert validate_totp_code(secret, previous)
    too_old = format_hotp_value(
        hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD - 3)
    )
    assert not validate_totp_code(secret, too_old)
