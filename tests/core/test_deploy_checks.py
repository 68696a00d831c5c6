"""`manage.py check --deploy` refuses the fetcher's test-only switches (#14).

FETCH_ALLOW_HTTP and FETCH_ALLOW_FILE_URLS exist so the tests can fetch from
local servers and local git repositories; switched on in a deployment they
would let a publisher's address read the server's own disk or travel in clear.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from core.checks import fetch_test_switches

ROOT = Path(__file__).resolve().parents[2]


def test_the_switches_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.FETCH_ALLOW_HTTP = False
    settings.FETCH_ALLOW_FILE_URLS = False
    assert fetch_test_switches(None) == []
    settings.FETCH_ALLOW_HTTP = True
    assert [error.id for error in fetch_test_switches(None)] == ["core.E001"]
    settings.FETCH_ALLOW_FILE_URLS = True
    errors = fetch_test_switches(None)
    assert [error.id for error in errors] == ["core.E001", "core.E002"]
    assert all(error.is_serious() for error in errors)
    assert "FETCH_ALLOW_FILE_URLS is on" in errors[1].msg
    assert "unset FETCH_ALLOW_FILE_URLS" in errors[1].hint


def test_a_development_server_may_use_them(settings):
    settings.DEBUG = True
    settings.FETCH_ALLOW_HTTP = True
    settings.FETCH_ALLOW_FILE_URLS = True
    assert fetch_test_switches(None) == []


def _check_deploy(**env):
    """`make check-deploy`: production settings, a random key, the deploy checks."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "BASE_DOMAIN": "bagipakai.example.id",
        "DATABASE_URL": "postgres://u@db.invalid/bagipakai",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_in_production_mode():
    done = _check_deploy()
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(
    ("switch", "check_id"),
    [("FETCH_ALLOW_HTTP", "core.E001"), ("FETCH_ALLOW_FILE_URLS", "core.E002")],
)
def test_check_deploy_fails_with_a_switch_on(switch, check_id):
    done = _check_deploy(**{switch: "1"})
    assert done.returncode != 0
    assert f"({check_id}) {switch} is on" in done.stderr
