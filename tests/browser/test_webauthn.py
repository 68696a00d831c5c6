"""A security key as the second factor (#12), in Chromium with its virtual
authenticator (DevTools' WebAuthn domain): an operator sent to set up two-step
sign-in registers a key, signs out, and signs in again with the password and
the key; no page breaks the Content-Security-Policy (the `page` fixture) and
axe-core finds nothing on the key pages."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.browser.test_accessibility import violations
from tests.factories import make_user

pytestmark = pytest.mark.browser

PASSWORD = "Kunci-Keamanan-Operator-2026!"


def virtual_key(page) -> tuple[object, str]:
    """A CTAP2 key plugged into this page's browser, which verifies its user
    (PIN or fingerprint) and can keep passkeys."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def sign_in_with_password(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_an_operator_registers_a_key_and_signs_in_with_it(page, live_server, settings):
    settings.MFA_ENFORCED = True
    from tenants.services import platform_ensure

    platform_ensure()
    operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
    operator.set_password(PASSWORD)
    operator.save(update_fields=["password"])
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://localhost:{port}"
    cdp, authenticator_id = virtual_key(page)
    found = {}

    def check(name):
        report = violations(page)
        if report:
            found[name] = report

    # Signed in with the password only, the operator is sent to set it up: the
    # page offers an authenticator app and a security key.
    sign_in_with_password(page, base, operator.email)
    page.goto(f"{base}/admin/")
    assert re.search(r"/accounts/2fa/\?next=", page.url), page.url
    check("two-step sign-in page")
    page.locator("main a[href='/accounts/2fa/webauthn/add/']").click()
    # The password once more before a new factor (allauth's rule).
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    check("add a key")
    page.fill("input[name=name]", "YubiKey kantor")
    page.locator("#mfa_webauthn_add").click()
    # The first key comes with recovery codes.
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    key = Authenticator.objects.get(user=operator, type="webauthn")
    assert key.wrap().name == "YubiKey kantor"
    credentials = cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator_id}
    )
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["rpId"] == "localhost"
    # Enrolling in this session counts as its second factor.
    assert page.goto(f"{base}/admin/").status == 200
    page.goto(f"{base}/accounts/2fa/webauthn/")
    check("the list of keys")

    # Signed out, then in again: the password, then the key.
    page.goto(f"{base}/")
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()
    sign_in_with_password(page, base, operator.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    check("sign in with the key")
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(re.compile(r"/orgs/"))
    assert page.goto(f"{base}/admin/").status == 200
    assert "/accounts/" not in page.url
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert not found, "\n\n".join(f"{name}\n{report}" for name, report in found.items())
