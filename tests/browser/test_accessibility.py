"""axe-core (through axe-playwright-python) finds no accessibility violation on the
main pages, in Chromium on a phone-sized screen, anonymous and signed in (#13)."""

from __future__ import annotations

import pytest
from django.db import connection

from laksa import services as laksa_services
from tests.grants.conftest import make_applicant, make_program, make_proposal
from tests.grants.test_portal import publish_sabilulungan
from tests.laksa.conftest import laksa, laksa_on, submit  # noqa: F401

pytestmark = pytest.mark.browser

PASSWORD = "Aksesibel-Untuk-Semua-2026!"


def violations(page) -> str:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    if results.violations_count == 0:
        return ""
    return results.generate_report()


def sign_in(page, base: str, user) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def portal(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    program = make_program(in_bandung, officials["admin"], name="Hibah Posyandu")
    proposal = make_proposal(program, make_applicant())
    connection.set_schema_to_public()
    return program, proposal


def test_public_pages_have_no_accessibility_violations(page, live_server, portal):
    program, proposal = portal
    port = live_server.url.rsplit(":", 1)[1]
    platform = f"http://localhost:{port}"
    city = f"http://bandung.localhost:{port}"
    found = {}
    for url in (
        f"{platform}/",
        f"{platform}/catalog/",
        f"{platform}/catalog/sabilulungan/",
        f"{platform}/organisations/",
        f"{platform}/transparency/",
        f"{platform}/accounts/login/",
        f"{platform}/accounts/signup/",
        f"{city}/",
        f"{city}/grants/",
        f"{city}/grants/proposals/",
        f"{city}/grants/proposals/{proposal.pk}/",
        f"{city}/grants/proposals/{proposal.pk}/report/",
        f"{city}/grants/statistics/",
        f"{city}/grants/reports/",
        f"{city}/grants/programs/{program.pk}/",
        f"{city}/grants/programs/{program.pk}/report/",
        f"{city}/grants/reports/ABCDEFGHJK/",
        f"{city}/this-page-does-not-exist/",
        f"{platform}/this-page-does-not-exist/",
        f"http://tidak-ada.localhost:{port}/",
    ):
        page.goto(url)
        report = violations(page)
        if report:
            found[url] = report
    assert not found, "\n\n".join(f"{url}\n{report}" for url, report in found.items())


def test_staff_pages_have_no_accessibility_violations(
    page, live_server, portal, officials, in_bandung
):
    program, proposal = portal
    port = live_server.url.rsplit(":", 1)[1]
    city = f"http://bandung.localhost:{port}"
    from tests.browser.test_header import unread

    unread(officials["admin"], in_bandung, 2)
    sign_in(page, city, officials["admin"])
    found = {}
    for path in (
        "/dashboard/",
        "/dashboard/members/",
        "/dashboard/notifications/",
        "/grants/staff/",
        f"/grants/staff/proposals/{proposal.pk}/",
        f"/grants/staff/programs/{program.pk}/",
        "/grants/staff/programs/new/",
        "/grants/staff/reports/",
        "/dashboard/setup/",
        "/dashboard/setup/grants/?activated=1",
        "/grants/staff/programs/new/?template=sabilulungan",
    ):
        response = page.goto(f"{city}{path}")
        assert response.status == 200, path
        report = violations(page)
        if report:
            found[path] = report
    assert not found, "\n\n".join(f"{path}\n{report}" for path, report in found.items())


def test_applicant_pages_have_no_accessibility_violations(page, live_server, portal):
    """The applicant's own pages (#13): profile with the kind first, the
    proposal form with its budget lines, the proposal and the page after
    submission with the reference number."""
    from tenants.models import User

    program, proposal = portal
    port = live_server.url.rsplit(":", 1)[1]
    city = f"http://bandung.localhost:{port}"
    sign_in(page, city, User.objects.get(pk=proposal.applicant.user_id))
    found = {}
    for path in (
        "/grants/my/",
        "/grants/my/profile/",
        f"/grants/my/programs/{program.pk}/apply/",
        f"/grants/my/proposals/{proposal.pk}/",
        f"/grants/my/proposals/{proposal.pk}/submitted/",
    ):
        response = page.goto(f"{city}{path}")
        assert response.status == 200, path
        report = violations(page)
        if report:
            found[path] = report
    assert not found, "\n\n".join(f"{path}\n{report}" for path, report in found.items())


def test_the_check_finds_a_violation_where_there_is_one(page, live_server):
    """The check is not vacuous: a page with an unlabelled field and an image
    without text fails it (served by the site, under its CSP)."""
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://localhost:{port}/accounts/login/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<img src="/static/none.png"><input type="text" name="x">\')'
    )
    report = violations(page)
    assert "image-alt" in report and "label" in report


def test_laksa_pages_have_no_accessibility_violations(
    page,
    live_server,
    laksa,  # noqa: F811
):
    """Laksa's public and staff pages (#15)."""
    connection.set_tenant(laksa["tenant"])
    item, _secret = submit(laksa["roads"], publish=True)
    laksa_services.item_answer(
        tenant=laksa["tenant"],
        actor_user=laksa["people"]["pupr"],
        item=item,
        answer="Sudah ditambal.",
    )
    waiting, _secret = submit(laksa["other"])
    connection.set_schema_to_public()
    port = live_server.url.rsplit(":", 1)[1]
    city = f"http://tangerang.localhost:{port}"
    found = {}

    def check(path, status=200):
        response = page.goto(f"{city}{path}")
        assert response.status == status, path
        report = violations(page)
        if report:
            found[path] = report

    for path in (
        "/laksa/",
        "/laksa/send/",
        "/laksa/track/",
        f"/laksa/track/{item.tracking_code}/",
    ):
        check(path)
    check("/laksa/track/AAAAAAAAAA/", status=404)
    sign_in(page, city, laksa["people"]["admin"])
    for path in (
        "/laksa/staff/",
        f"/laksa/staff/items/{waiting.pk}/",
        f"/laksa/staff/items/{item.pk}/",
        "/laksa/staff/settings/",
    ):
        check(path)
    assert not found, "\n\n".join(f"{path}\n{report}" for path, report in found.items())
