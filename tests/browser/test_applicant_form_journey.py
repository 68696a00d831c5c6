"""The applicant's form journey in Chromium, without JavaScript and with it (#13):
the kind first, budget lines added (in place with JavaScript, by the server
without), the running total, and the reference number after submission."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from grants.models import Applicant, Proposal
from tests.factories import make_user
from tests.grants.conftest import PDF, make_program
from tests.grants.test_portal import publish_sabilulungan

pytestmark = pytest.mark.browser

PASSWORD = "Formulir-Membantu-2026!"


@pytest.fixture
def open_program(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    program = make_program(in_bandung, officials["admin"], name="Hibah Pemuda")
    connection.set_schema_to_public()
    return program


def sign_in(page, base, email):
    user = make_user(email)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return user


def fill_profile(page, base):
    page.goto(f"{base}/grants/my/profile/")
    page.check("input[name=kind][value=organisation]")
    page.fill("input[name=name]", "Karang Taruna Braga")
    page.fill("input[name=legal_form]", "Perkumpulan")
    page.fill("input[name=address]", "Jl. Braga 10")
    page.select_option("select[name=kecamatan_code]", "32.73.19")
    page.select_option("select[name=kelurahan_code]", "32.73.19.1001")
    page.fill("input[name=bank_name]", "Bank BJB")
    page.fill("input[name=bank_account]", "0099887766")
    page.fill("input[name=bank_account_name]", "Karang Taruna Braga")
    page.locator("form.applicant-profile > button[type=submit]").click()
    page.wait_for_url(re.compile(r"/grants/my/$"))


def start_proposal(page, base, program):
    page.goto(f"{base}/grants/my/programs/{program.pk}/apply/")
    page.fill("input[name=title]", "Festival Braga")
    page.fill("textarea[name=background]", "Kegiatan pemuda")
    page.fill("textarea[name=purpose]", "Ekonomi kreatif")
    page.select_option("select[name=kecamatan_code]", "32.73.19")
    page.select_option("select[name=kelurahan_code]", "32.73.19.1001")
    page.fill("input[name='lines-0-item']", "Tenda")
    page.fill("input[name='lines-0-quantity']", "2")
    page.fill("input[name='lines-0-unit_cost']", "1500000")


def save_upload_and_submit(page, base):
    page.locator("form.proposal-form > button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/grants/my/proposals/\d+/$"))
    page.set_input_files(
        "form.upload-form input[type=file]",
        files=[{"name": "proposal.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.locator("form.upload-form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.locator("form[action$='/submit/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/grants/my/proposals/\d+/submitted/$"))
    return page.locator(".reference-number .reference").inner_text()


def check_submitted(reference, bandung):
    connection.set_tenant(bandung)
    try:
        proposal = Proposal.objects.get(title="Festival Braga")
        assert proposal.status == "in_review"
        assert reference == proposal.reference
        return proposal
    finally:
        connection.set_schema_to_public()


def test_applicant_journey_without_javascript(
    browser, live_server, open_program, in_bandung
):
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://bandung.localhost:{port}"
    context = browser.new_context(
        java_script_enabled=False,
        locale="id-ID",
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    try:
        sign_in(page, base, "tanpa.js@example.test")
        page.goto(f"{base}/grants/my/profile/")
        # No script: both kinds' fieldsets show; no "---------" choice.
        assert page.locator("fieldset#fields-individual").is_visible()
        assert page.locator("fieldset#fields-organisation").is_visible()
        assert "---------" not in page.content()
        fill_profile(page, base)

        start_proposal(page, base, open_program)
        page.locator("button[name=add_line]").click()
        page.wait_for_load_state()
        # The server sent the page again: one more line, everything kept.
        assert page.input_value("input[name='lines-TOTAL_FORMS']") == "2"
        assert page.input_value("input[name='lines-0-item']") == "Tenda"
        assert page.input_value("input[name=title]") == "Festival Braga"
        assert page.locator(".budget-total-value").inner_text() == "Rp 3.000.000"
        page.fill("input[name='lines-1-item']", "Kursi")
        page.fill("input[name='lines-1-quantity']", "10")
        page.fill("input[name='lines-1-unit_cost']", "25000")
        reference = save_upload_and_submit(page, base)
        proposal = check_submitted(reference, in_bandung)
        assert proposal.requested_amount == 3_250_000
    finally:
        context.close()


def test_applicant_journey_with_javascript(page, live_server, open_program, in_bandung):
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://bandung.localhost:{port}"
    sign_in(page, base, "dengan.js@example.test")
    page.goto(f"{base}/grants/my/profile/")
    # Nothing chosen yet: neither kind's own fields show.
    assert not page.locator("fieldset#fields-individual").is_visible()
    page.check("input[name=kind][value=individual]")
    assert page.locator("fieldset#fields-individual").is_visible()
    assert not page.locator("fieldset#fields-organisation").is_visible()
    page.check("input[name=kind][value=organisation]")
    assert page.locator("fieldset#fields-organisation").is_visible()
    assert not page.locator("fieldset#fields-individual").is_visible()
    fill_profile(page, base)

    start_proposal(page, base, open_program)
    assert page.locator(".budget-total-value").inner_text() == "Rp 3.000.000"
    url = page.url
    page.locator("button[name=add_line]").click()
    # Added in place: no request, the page did not change.
    assert page.url == url
    assert page.input_value("input[name='lines-TOTAL_FORMS']") == "2"
    assert page.locator("input[name='lines-1-item']").is_visible()
    page.fill("input[name='lines-1-item']", "Kursi")
    page.fill("input[name='lines-1-quantity']", "10")
    page.fill("input[name='lines-1-unit_cost']", "25000")
    # The running total follows the typing.
    assert page.locator(".budget-total-value").inner_text() == "Rp 3.250.000"
    page.fill("input[name='lines-1-quantity']", "20")
    assert page.locator(".budget-total-value").inner_text() == "Rp 3.500.000"
    reference = save_upload_and_submit(page, base)
    proposal = check_submitted(reference, in_bandung)
    assert proposal.requested_amount == 3_500_000
    connection.set_tenant(in_bandung)
    try:
        assert Applicant.objects.get(user_id=proposal.applicant.user_id).kind == (
            "organisation"
        )
    finally:
        connection.set_schema_to_public()
