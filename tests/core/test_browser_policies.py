"""Strict browser policies (#12): a Content-Security-Policy with no inline script or
style on every page, and a Permissions-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import BANDUNG_HOST, PLATFORM_HOST, host_client

ROOT = Path(__file__).resolve().parents[2]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def project_templates():
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" not in path.parts and "node_modules" not in path.parts:
            yield path


def test_no_template_has_inline_script_or_style():
    found = []
    templates = list(project_templates())
    assert len(templates) > 50
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host, path",
    [
        (PLATFORM_HOST, "/"),
        (PLATFORM_HOST, "/catalog/"),
        (PLATFORM_HOST, "/accounts/login/"),
        (PLATFORM_HOST, "/no-such-page/"),
        (BANDUNG_HOST, "/"),
        (BANDUNG_HOST, "/accounts/login/"),
    ],
)
def test_every_page_carries_the_policies(bandung, host, path):
    response = host_client(host).get(path)
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "geolocation=()", "microphone=()", "payment=()"):
        assert feature in policy
    # The headers the project already sent stay.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_built_header_is_reused_and_per_view_policies_still_apply(settings):
    """config.middleware.CSPMiddleware builds the header once; a view that asks
    django-csp for its own policy still gets it."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.middleware import CSPMiddleware

    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()
    first = middleware(factory.get("/"))
    second = middleware(factory.get("/other/"))
    header = "Content-Security-Policy"
    assert first[header] == second[header] and "script-src 'self'" in first[header]

    def own_policy(request):
        response = HttpResponse("ok")
        response._csp_update = {"img-src": ["https://tiles.example.id"]}
        return response

    updated = CSPMiddleware(own_policy)(factory.get("/map/"))
    assert "https://tiles.example.id" in updated[header]
    assert "https://tiles.example.id" not in middleware(factory.get("/"))[header]
