"""After Sabilulungan is switched on, its administrator is taken through set-up:
from the to-do item "switch it on now" to the first program open for proposals,
in Chromium (#13)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from catalog import services as catalog_services
from tests.catalog.conftest import make_agreement, make_app

pytestmark = pytest.mark.browser

PASSWORD = "Siap-Dipakai-Tangerang-2026!"


@pytest.fixture
def approved(bandung, tangerang, bandung_admin, tangerang_admin):
    """Tangerang's adoption of Sabilulungan, approved under a confirmed MoU."""
    app = make_app(
        bandung,
        slug="sabilulungan",
        name="Sabilulungan",
        delivery_mode="hosted",
        hosted_module="grants",
    )
    agreement = make_agreement(bandung, tangerang)
    adoption = catalog_services.adoption_request(
        actor=tangerang_admin,
        adopter=tangerang,
        app=app,
        purpose="Hibah dan bansos yang terbuka",
        contact_name="Dinas Kominfo",
        contact_email="kominfo@tangerangkota.go.id",
    )
    catalog_services.adoption_approve(
        actor=bandung_admin, adoption=adoption, agreement=agreement
    )
    tangerang_admin.set_password(PASSWORD)
    tangerang_admin.save(update_fields=["password"])
    connection.set_schema_to_public()
    return adoption


def test_from_activation_to_the_first_open_program(
    page, live_server, approved, tangerang, tangerang_admin
):
    port = live_server.url.rsplit(":", 1)[1]
    city = f"http://tangerang.localhost:{port}"
    page.goto(f"{city}/accounts/login/")
    page.fill("input[name=login]", tangerang_admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # The to-do list offers to switch the approved app on.
    page.goto(f"{city}/dashboard/")
    assert page.locator("header a.todo-link .badge").count() == 1
    page.locator(f'li[data-todo="catalog.activate.{approved.pk}"] a').click()
    page.wait_for_url(re.compile(rf"/apps/adoptions/{approved.pk}/"))
    page.locator("#activate button[type=submit]").click()

    # Switched on: straight to Sabilulungan's set-up page.
    page.wait_for_url(re.compile(r"/dashboard/setup/grants/\?activated=1$"))
    assert page.locator("li.setup-step").count() == 4
    page.locator("#step-grants_program a[role=button]").click()

    # The program form comes filled from the Sabilulungan template.
    page.wait_for_url(re.compile(r"/grants/staff/programs/new/\?template=sabilulungan"))
    assert page.input_value("input[name=name]").startswith(
        "Hibah Kegiatan Kemasyarakatan"
    )
    page.fill("input[name=budget]", "750000000")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/grants/staff/programs/\d+/$"))
    # Its six review stages are there to edit; open it for proposals.
    page.locator("form:has(input[name=status][value=open]) button").click()
    page.wait_for_load_state()

    connection.set_tenant(tangerang)
    from grants.models import Program

    program = Program.objects.get()
    assert program.status == Program.Status.OPEN and program.budget == 750_000_000
    assert program.stages.count() == 6
    connection.set_schema_to_public()

    # The step is done on the set-up page and gone from the to-do list.
    page.goto(f"{city}/dashboard/setup/grants/")
    assert page.locator("#step-grants_program.is-done").count() == 1
    page.goto(f"{city}/dashboard/")
    assert page.locator('li[data-todo="setup.grants.grants_program"]').count() == 0
    assert page.locator('li[data-todo="setup.grants.grants_roles"]').count() == 1
