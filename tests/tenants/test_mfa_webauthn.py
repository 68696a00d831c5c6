"""Security keys and passkeys (WebAuthn) as the second factor (#12): the rule that
holds operators, admins and money roles to a second factor takes a key exactly
as it takes an authenticator app."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tenants.hosts import webauthn_rp_id
from tenants.mfa import demo_enrol, enrolled_at, mfa_reset
from tenants.models import PlatformEvent
from tests.conftest import BANDUNG_HOST, PLATFORM_HOST
from tests.factories import make_user
from tests.tenants.softkey import NotRegisteredHere, SoftKey
from tests.tenants.test_mfa import PASSWORD, current_code, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.MFA_ENFORCED = True


def origin(host: str) -> str:
    return f"http://{host}"


def password_only(host: str, user) -> tuple[Client, object]:
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    return client, response


def add_key(client: Client, host: str, key: SoftKey) -> object:
    """Through the real pages: the password once more (allauth asks it before
    any new factor), then the key's answer to the page's options."""
    asked = client.get("/accounts/2fa/webauthn/add/")
    if asked.status_code == 302 and asked["Location"].startswith(
        "/accounts/reauthenticate/"
    ):
        client.post(asked["Location"], {"password": PASSWORD})
        asked = client.get("/accounts/2fa/webauthn/add/")
    assert asked.status_code == 200
    options = asked.context["js_data"]["creation_options"]
    return client.post(
        "/accounts/2fa/webauthn/add/",
        {"name": "YubiKey kantor", "credential": key.create(options, origin(host))},
    )


def key_holder(host: str, email: str, key: SoftKey, **extra):
    """A person whose only second factor is `key`, registered on `host`."""
    user = person(email, **extra)
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    with override_enforced(False):
        assert add_key(client, host, key).status_code == 302
    return user


class override_enforced:
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        from django.conf import settings

        self.before, settings.MFA_ENFORCED = settings.MFA_ENFORCED, self.value

    def __exit__(self, *exc):
        from django.conf import settings

        settings.MFA_ENFORCED = self.before


def sign_in_with_key(host: str, user, key: SoftKey) -> Client:
    client, response = password_only(host, user)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    page = client.get("/accounts/2fa/authenticate/")
    assert 'data-webauthn="authenticate"' in page.content.decode()
    credential = key.get(page.context["js_data"]["request_options"], origin(host))
    done = client.post("/accounts/2fa/authenticate/", {"credential": credential})
    assert done.status_code == 302, done.content[:500]
    return client


def test_the_relying_party_is_the_base_domain_on_its_hosts_and_a_custom_domain_itself(
    settings,
):
    assert webauthn_rp_id("localhost") == "localhost"
    assert webauthn_rp_id("bandung.localhost") == "localhost"
    settings.BASE_DOMAIN = "bagipakai.id"
    assert webauthn_rp_id("bagipakai.id") == "bagipakai.id"
    assert webauthn_rp_id("bandung.bagipakai.id") == "bagipakai.id"
    assert webauthn_rp_id("bansos.bandung.go.id") == "bansos.bandung.go.id"
    assert webauthn_rp_id("notbagipakai.id") == "notbagipakai.id"


def test_enrolling_a_key_is_offered_and_counts_as_this_sessions_factor(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    client, _response = password_only(PLATFORM_HOST, operator)
    sent = client.get("/admin/")
    assert sent["Location"].startswith("/accounts/2fa/?next=%2Fadmin%2F")
    offered = client.get(sent["Location"]).content.decode()
    assert "/accounts/2fa/totp/activate/" in offered
    assert "/accounts/2fa/webauthn/add/" in offered
    done = add_key(client, PLATFORM_HOST, SoftKey())
    assert done.status_code == 302
    assert sorted(
        Authenticator.objects.filter(user=operator).values_list("type", flat=True)
    ) == ["recovery_codes", "webauthn"]
    assert enrolled_at(operator) is not None
    assert client.get("/admin/").status_code == 200


def test_an_operator_with_only_a_key_signs_in_with_it_and_works(platform):
    key = SoftKey()
    operator = key_holder(
        PLATFORM_HOST, "op@bagipakai.test", key, is_staff=True, is_superuser=True
    )
    client = sign_in_with_key(PLATFORM_HOST, operator, key)
    assert client.get("/admin/").status_code == 200


def test_the_password_alone_does_not_pass_and_another_key_is_refused(platform):
    key = SoftKey()
    operator = key_holder(
        PLATFORM_HOST, "op@bagipakai.test", key, is_staff=True, is_superuser=True
    )
    client, _response = password_only(PLATFORM_HOST, operator)
    assert client.get("/admin/").status_code == 302
    page = client.get("/accounts/2fa/authenticate/")
    stranger = SoftKey()
    stranger.rp_id = "localhost"
    stranger.credential_id = (
        key.credential_id
    )  # claims the key's id, signs with its own
    forged = stranger.get(
        page.context["js_data"]["request_options"], origin(PLATFORM_HOST)
    )
    refused = client.post("/accounts/2fa/authenticate/", {"credential": forged})
    assert refused.status_code == 200  # the page again
    assert client.get("/admin/").status_code == 302


def test_a_session_that_has_not_shown_the_key_is_sent_to_it(platform):
    """E.g. signed in on a tenant host by hand-off: the key, then the page."""
    key = SoftKey()
    operator = key_holder(
        PLATFORM_HOST, "op@bagipakai.test", key, is_staff=True, is_superuser=True
    )
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(operator)
    sent = client.get("/admin/")
    assert sent["Location"] == "/accounts/2fa/webauthn/reauthenticate/?next=%2Fadmin%2F"
    page = client.get(sent["Location"])
    assert page.status_code == 200
    credential = key.get(
        page.context["js_data"]["request_options"], origin(PLATFORM_HOST)
    )
    back = client.post(sent["Location"], {"credential": credential, "next": "/admin/"})
    assert back.status_code == 302 and back["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_key_registered_on_a_tenant_host_works_on_the_platform_and_back(bandung):
    """One relying party (BASE_DOMAIN) for the platform and its subdomains."""
    key = SoftKey()
    bandung.verification_status = "verified"
    bandung.save(update_fields=["verification_status"])
    admin = key_holder(
        BANDUNG_HOST, "admin@bandung.test", key, tenant=bandung, role="admin"
    )
    assert key.rp_id == "localhost"
    assert sign_in_with_key(PLATFORM_HOST, admin, key)
    city = sign_in_with_key(BANDUNG_HOST, admin, key)
    assert city.get("/dashboard/").status_code == 200


def test_a_key_of_another_relying_party_does_not_answer(platform):
    key = SoftKey()
    operator = key_holder(
        PLATFORM_HOST, "op@bagipakai.test", key, is_staff=True, is_superuser=True
    )
    key.rp_id = "bansos.bandung.go.id"  # as if registered on a custom domain
    client, _response = password_only(PLATFORM_HOST, operator)
    page = client.get("/accounts/2fa/authenticate/")
    with pytest.raises(NotRegisteredHere):
        key.get(page.context["js_data"]["request_options"], origin(PLATFORM_HOST))


def test_the_code_page_offers_no_key_to_someone_without_one(platform):
    operator = person("op@bagipakai.test", is_staff=True, is_superuser=True)
    secret = demo_enrol(operator)
    client, _response = password_only(PLATFORM_HOST, operator)
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert "data-webauthn" not in page and 'name="code"' in page
    done = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_a_key_and_an_app_either_one_signs_in(platform):
    key = SoftKey()
    operator = key_holder(
        PLATFORM_HOST, "op@bagipakai.test", key, is_staff=True, is_superuser=True
    )
    secret = demo_enrol(operator)
    assert (
        sign_in_with_key(PLATFORM_HOST, operator, key).get("/admin/").status_code == 200
    )
    client, _response = password_only(PLATFORM_HOST, operator)
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.get("/admin/").status_code == 200


def test_an_operator_reset_removes_a_lost_key_too(platform):
    operator = make_user("op2@bagipakai.test", is_staff=True, is_superuser=True)
    key = SoftKey()
    someone = key_holder(PLATFORM_HOST, "kadis@garutkab.go.id", key)
    assert Authenticator.objects.filter(user=someone).count() == 2  # key, codes
    removed = mfa_reset(
        actor=operator, user=someone, reason="Datang langsung membawa KTP dan SK"
    )
    assert removed == 2
    assert enrolled_at(someone) is None
    entry = PlatformEvent.objects.get(kind="mfa_reset")
    assert entry.details["authenticators_removed"] == 2


def test_the_key_pages_name_the_key_and_keep_scripts_in_files(platform):
    key = SoftKey()
    user = key_holder(PLATFORM_HOST, "kadis@garutkab.go.id", key)
    client = Client(HTTP_HOST=PLATFORM_HOST, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    listing = client.get("/accounts/2fa/webauthn/").content.decode()
    assert "YubiKey kantor" in listing and "Not used yet" in listing
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/webauthn/add/").content.decode()
    assert 'id="webauthn-options" type="application/json"' in page
    assert "data-allauth-onload" not in page
    options = json.loads(
        page.split('id="webauthn-options" type="application/json">')[1].split(
            "</script>"
        )[0]
    )
    assert options["creation_options"]["publicKey"]["rp"] == {
        "id": "localhost",
        "name": "BagiPakai",
    }
