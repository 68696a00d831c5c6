"""The header fits on one line of a 1280 px screen with the longest menu a member
sees, and every page names its icon (#13)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.grants.test_portal import publish_sabilulungan

pytestmark = pytest.mark.browser

PASSWORD = "Kepala-Dinas-Bandung-2026!"


def unread(user, tenant, n: int) -> None:
    from tenants.models import Notification

    Notification.objects.bulk_create(
        Notification(
            user=user,
            tenant=tenant,
            kind="test",
            subject=f"Proposal {i} waits for your review",
            sentence="A proposal waits for your review.",
            url="http://bandung.localhost/dashboard/",
        )
        for i in range(n)
    )


def test_the_admins_header_fits_a_1280_pixel_screen(
    browser, live_server, in_bandung, officials, settings
):
    publish_sabilulungan(in_bandung)
    connection.set_schema_to_public()
    admin = officials["admin"]
    # The unread badge beside the bell, at its widest (two digits).
    unread(admin, in_bandung, 12)
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    port = live_server.url.rsplit(":", 1)[1]
    city = f"http://bandung.localhost:{port}"
    context = browser.new_context(
        locale="id-ID", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    try:
        page.goto(f"{city}/accounts/login/")
        page.fill("input[name=login]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{city}/dashboard/")
        sizes = page.evaluate(
            """() => {
                const nav = document.querySelector('header nav');
                const items = [...nav.querySelectorAll(':scope > ul > li')];
                // One row: every item's vertical centre at the same height.
                const rows = new Set(items.map(li => {
                    const box = li.getBoundingClientRect();
                    return Math.round((box.top + box.height / 2) / 8);
                }));
                return {
                    page: document.documentElement.scrollWidth,
                    right: Math.max(...items.map(li => li.getBoundingClientRect().right)),
                    rows: rows.size,
                    icon: document.querySelector('link[rel=icon]')?.href || '',
                };
            }"""
        )
        assert page.locator("header .badge-count").inner_text().startswith("12")
        assert sizes["page"] <= 1280 and sizes["right"] <= 1280, sizes
        assert sizes["rows"] == 1, sizes
        assert sizes["icon"].endswith(".svg")
        assert page.goto(sizes["icon"]).status == 200
    finally:
        context.close()
