"""A new city admin signs up, creates the organisation and lands on the tenant dashboard,
in a real Chromium driven by Playwright. A screenshot is saved when it fails."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.utils import translation

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's guard
    # against sync database calls from async code would trip on the test's own
    # (synchronous) database work.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # This machine's network is closed: keep Chromium from calling home.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        locale="id-ID", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    # Every page runs under the Content-Security-Policy (no inline script or
    # style): Chromium reports each violation on the console.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(
            f"{message.location.get('url')}:{message.location.get('lineNumber')} "
            f"{message.text[:120]}"
        )
        if "Content Security Policy" in message.text
        else None,
    )
    page.csp_violations = violations
    yield page
    assert not violations, violations
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot saved to {path}")
    context.close()


def test_new_city_admin_signs_up_and_lands_on_the_tenant_dashboard(
    page, live_server, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from tenants.services import platform_ensure

    # An earlier transactional test may have flushed the platform's own row.
    platform_ensure()
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://localhost:{port}"

    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.locator("main a[href='/accounts/signup/']").first.click()
    page.fill("input[name=email]", "kadis.kominfo@garutkab.go.id")
    page.fill("input[name=full_name]", "Dadang Supriatna")
    page.fill("input[name=password1]", "Garut-Intan-2026!")
    page.fill("input[name=password2]", "Garut-Intan-2026!")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    link = next(
        found
        for message in mail.outbox
        for found in re.findall(r"https?://\S+", message.body)
        if "/confirm-email/" in found
    )
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/orgs/$"))

    page.goto(f"{base}/orgs/new/")
    page.select_option("select[name=kind]", "kabupaten")
    page.select_option("select[name=region_code]", "32.05")
    page.fill("input[name=slug]", "garut")
    page.locator("main form button[type=submit]").click()

    # On the new site: confirm signing in there.
    page.wait_for_url(re.compile(rf"^http://garut\.localhost:{port}/auth/handoff/"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"^http://garut\.localhost:{port}/dashboard/"))
    with translation.override("id"):
        assert page.locator("h1").inner_text() == translation.gettext("Dashboard")
    assert "Kabupaten Garut" in page.content()
    # Signed in as the new tenant's admin: the checklist offers to invite staff.
    assert page.locator("main a[href='/dashboard/members/invite/']").count() == 1


def test_operator_pages_run_under_the_content_security_policy(page, live_server):
    """The Django admin and the platform's pages load with no CSP violation."""
    from tenants.services import platform_ensure
    from tests.factories import make_user

    platform_ensure()
    operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
    operator.set_password("Operator-Pass-2026!")
    operator.save(update_fields=["password"])
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://localhost:{port}"
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "op@bagipakai.test")
    page.fill("input[name=password]", "Operator-Pass-2026!")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/orgs/$"))
    for path in (
        "/",
        "/catalog/",
        "/organisations/",
        "/admin/",
        "/admin/tenants/tenant/",
        "/admin/tenants/tenant/?q=bandung",
        "/admin/tenants/tenant/1/change/",
        "/admin/tenants/user/",
    ):
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.csp_violations == []
