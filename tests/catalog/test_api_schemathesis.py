"""Schemathesis against the running API: what the OpenAPI document says is what
the server does (#14).

The schemathesis CLI (pinned in requirements-dev.txt) reads /api/v1/schema/
from pytest-django's live server and sends generated requests to every
operation: valid and invalid parameters, boundary values, methods the document
does not list, with every check on (server errors, status codes, content
types, response headers and bodies against the document, positive data
accepted, negative data refused, 405 with Allow). The run is bounded (a few
examples per operation, at most 60 s, a fixed seed); `make api-fuzz`
(tools/api_fuzz.py) runs the same deeper against a server of its own. Rate
limits are off in the test suite (pyproject's DISABLE_RATE_LIMITS), so the run
never meets a 429.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import urllib.request

import pytest

from tests.catalog.test_api import (
    make_adoption,
    make_agreement,
    make_app,
    make_release,
)
from tests.conftest import ensure_city
from tools.api_fuzz import OPTIONS, SCHEMA_PATH, SCHEMATHESIS, schemathesis_env


def seed_catalog() -> None:
    bandung, tangerang = ensure_city("bandung"), ensure_city("tangerang")
    sabilulungan = make_app(
        bandung,
        "Sabilulungan",
        categories=["grant-management", "workflow-management"],
        scope=["welfare"],
        languages=["id", "en"],
        delivery_mode="hosted",
        hosted_module="grants",
        license="AGPL-3.0-or-later",
        long_description_id="Setiap tahap hibah dapat dilihat publik.",
        features=["Proposal online"],
        contacts=[{"name": "Tim Sabilulungan", "email": "tim@bandung.go.id"}],
        publiccode={"intendedAudience": {"countries": ["id"]}},
    )
    release = make_release(sabilulungan, "2.1.0", dt.date(2019, 6, 1), "LPJ")
    make_adoption(
        sabilulungan,
        tangerang,
        agreement=make_agreement(bandung, tangerang),
        release=release,
        activated_at=dt.datetime(2017, 9, 1, tzinfo=dt.UTC),
    )
    make_app(tangerang, "E-office", categories=["document-management"])
    make_app(tangerang, "Laksa", license="GPL-3.0-only", languages=["id"])


def urlopen_json(base_url: str) -> dict:
    with urllib.request.urlopen(base_url + SCHEMA_PATH, timeout=10) as response:
        return json.load(response)


@pytest.mark.skipif(
    not SCHEMATHESIS.exists(), reason="pip install -r requirements-dev.txt"
)
def test_schemathesis_finds_no_failure(live_server, tmp_path):
    seed_catalog()
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            live_server.url + SCHEMA_PATH,
            *OPTIONS,
            "--workers",
            "1",
            "--max-examples",
            "10",
            # Fuzzing stops at the examples or when the budget is spent.
            "--max-time",
            "40",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=schemathesis_env(),
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-20000:]
    assert "No issues found" in output or "passed" in output, output[-5000:]
    # Every operation, the document's own included (Schemathesis leaves it out
    # unless a filter names it), and none of them unchecked for want of a
    # deserializer (the document's YAML: tools/schemathesis_hooks.py).
    operations = sum(
        len(item) for item in urlopen_json(live_server.url)["paths"].values()
    )
    assert f"Selected: {operations}/{operations}" in output, output[-5000:]
    assert "Schema validation skipped" not in output, output[-5000:]
