"""A new city admin signs up, creates the organisation and lands on the tenant dashboard,
in a real Chromium driven by Playwright. A screenshot is saved when it fails."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation

pytestmark = pytest.mark.browser


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
    # Signed in as the new tenant's admin: the to-do list (and the getting-started
    # checklist) offers to invite staff.
    assert (
        page.locator(
            "li[data-todo='setup.org.invite'] a[href='/dashboard/members/invite/']"
        ).count()
        == 1
    )


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
