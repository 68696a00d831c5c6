"""Publishing an app maintained under contract, in Chromium on a phone-sized
screen: contractors added in place with JavaScript, the standard's rules shown
next to the fields, and no accessibility violation before or after (#14)."""

from __future__ import annotations

import re

import pytest

from catalog.models import CatalogApp
from tests.browser.test_accessibility import sign_in, violations
from tests.catalog.conftest import verify

pytestmark = pytest.mark.browser

LONG_ID = (
    "Sikda mencatat rekam medis pasien puskesmas, rujukan ke rumah sakit daerah "
    "dan laporan penyakit menular, sehingga dinas kesehatan melihat keadaan "
    "wilayahnya setiap hari."
)


def fill_entry(page) -> None:
    page.fill("input[name=name]", "Sikda")
    page.fill("input[name=short_description_id]", "Sistem informasi kesehatan daerah.")
    page.fill("textarea[name=long_description_id]", "Terlalu pendek.")
    page.fill("textarea[name=features]", "Rekam medis\nRujukan")
    page.select_option("select[name=development_status]", "stable")
    page.select_option("select[name=delivery_mode]", "source")
    page.fill("input[name=license]", "EUPL-1.2")
    page.fill("input[name=url]", "https://code.example.test/bandung/sikda")
    page.check("input[name=platforms][value=web]")
    page.select_option("select[name=maintenance_type]", "contract")


def test_a_contract_entry_is_published_with_its_contractors(
    page, live_server, bandung, bandung_admin
):
    verify(bandung)
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://bandung.localhost:{port}"
    sign_in(page, base, bandung_admin)
    page.goto(f"{base}/apps/published/new/")
    assert violations(page) == ""

    fill_entry(page)
    page.fill("input[name='contractors-0-name']", "PT Solusi Kota")
    page.fill("input[name='contractors-0-until']", "2030-12-31")
    url = page.url
    page.locator("button[name=add_contractor]").click()
    # Added in place: no request, the page did not change.
    assert page.url == url
    assert page.input_value("input[name='contractors-TOTAL_FORMS']") == "2"
    assert page.locator("fieldset.contractor legend").nth(1).inner_text().endswith(" 2")
    assert page.evaluate("document.activeElement.name") == "contractors-1-name"
    page.fill("input[name='contractors-1-name']", "CV Kode Daerah")
    page.fill("input[name='contractors-1-until']", "2027-06-30")
    page.fill("input[name='contractors-1-website']", "https://kodedaerah.example")

    # Enter in a field saves (the hidden default button), it adds no row.
    page.press("input[name=name]", "Enter")
    page.wait_for_load_state()
    # The description is too short: said next to it, in Indonesian, all kept.
    assert (
        "Paling sedikit 150 karakter" in page.locator(".field.has-error").inner_text()
    )
    assert page.input_value("input[name='contractors-1-name']") == "CV Kode Daerah"
    assert violations(page) == ""

    page.fill("textarea[name=long_description_id]", LONG_ID)
    page.locator("form.app-form > button[type=submit]:not(.visually-hidden)").click()
    page.wait_for_url(re.compile(r"/apps/published/sikda/$"))
    app = CatalogApp.objects.get(slug="sikda")
    assert app.maintenance_type == "contract"
    assert [c.name for c in app.contractors.all()] == [
        "PT Solusi Kota",
        "CV Kode Daerah",
    ]
