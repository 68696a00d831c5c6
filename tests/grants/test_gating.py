"""A tenant that has not adopted Sabilulungan has none of its pages (hosted-module gating)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import host_client

pytestmark = pytest.mark.django_db


def module_paths():
    """Every route under the module's prefixes, parameters filled with 1."""
    paths = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                path = "/" + prefix + str(entry.pattern)
                if path.startswith(("/grants/", "/open-data/")):
                    paths.append(re.sub(r"<[^>]+>", "1", path))

    walk(get_resolver("config.urls_tenant").url_patterns)
    return paths


def test_every_module_page_is_gated_for_a_tenant_without_it(tangerang, tangerang_admin):
    paths = module_paths()
    assert len(paths) > 20, paths
    for client in (
        host_client("tangerang.localhost"),
        host_client("tangerang.localhost", tangerang_admin),
    ):
        for path in paths:
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                assert response.status_code == 404, (path, method, response.status_code)
                assert "does not use this app" in response.content.decode(), path
