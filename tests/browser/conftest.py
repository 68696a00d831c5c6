"""Chromium for the browser tests: one browser per module, a phone-sized page per
test that fails the test on any Content-Security-Policy violation."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Sabilulungan's fixtures, for the journeys through a tenant with grants data.
from tests.grants.conftest import in_bandung, officials  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so `page` knows the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


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
        lambda message: (
            violations.append(
                f"{message.location.get('url')}:{message.location.get('lineNumber')} "
                f"{message.text[:120]}"
            )
            if "Content Security Policy" in message.text
            else None
        ),
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
