"""Laksa's journey in Chromium: a citizen sends a complaint from a phone, the
OPD answers it, the citizen rates the answer, and the public counters change."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from tests.browser.test_accessibility import sign_in
from tests.laksa.conftest import a_place, laksa, laksa_on  # noqa: F401

pytestmark = pytest.mark.browser


def _count(page, base, status) -> int:
    page.goto(f"{base}/laksa/")
    return int(page.locator(f'td[data-status="{status}"]').inner_text())


def test_citizen_sends_opd_answers_citizen_rates_counters_change(
    browser,
    page,
    live_server,
    laksa,  # noqa: F811
):
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://tangerang.localhost:{port}"
    connection.set_tenant(laksa["tenant"])
    place = a_place()
    connection.set_schema_to_public()
    assert _count(page, base, "closed") == 0

    # The citizen, on a phone, without an account.
    page.goto(f"{base}/laksa/send/")
    page.check("input[name=kind][value=complaint]")
    page.select_option("select[name=category]", str(laksa["roads"].pk))
    page.select_option("select[name=kecamatan_code]", place["kecamatan_code"])
    page.select_option("select[name=kelurahan_code]", place["kelurahan_code"])
    page.fill("textarea[name=description]", "Jalan berlubang di depan Puskesmas.")
    page.fill("input[name=reporter_name]", "Dewi")
    page.fill("input[name=reporter_email]", "dewi@example.test")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    code = page.locator("#laksa-code").inner_text().strip()
    key = page.locator("#laksa-key").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)

    # The OPD officer answers it from their queue.
    officer = browser.new_context(
        locale="id-ID", viewport={"width": 1280, "height": 900}
    )
    staff = officer.new_page()
    sign_in(staff, base, laksa["people"]["pupr"])
    staff.goto(f"{base}/laksa/staff/?queue=mine")
    staff.locator(f"text={code.replace('-', '')}").click()
    staff.fill("textarea[name=answer-answer]", "Lubang sudah ditambal hari ini.")
    staff.locator("form[action$='/answer/'] button[type=submit]").click()
    staff.wait_for_load_state()
    assert staff.locator("#laksa-item-status").inner_text().strip()
    officer.close()

    # The citizen reads the answer and rates it with their key.
    page.goto(f"{base}/laksa/track/{code.replace('-', '')}/?key={key}")
    assert "Lubang sudah ditambal" in page.locator("#laksa-answer").inner_text()
    page.check("input[name=rating][value='5']")
    page.locator("button[name=do][value=rate]").click()
    page.wait_for_load_state()
    assert "5" in page.locator("main").inner_text()
    assert _count(page, base, "closed") == 1
    assert "Dinas PUPR" in page.locator("#laksa-opd-times").inner_text()
