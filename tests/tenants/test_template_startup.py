"""The template schema is brought up to date when a web process starts."""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from tenants import schema as tenant_schema


def _forget_newest_template_migration() -> None:
    """What a release whose `migrate` skipped the template leaves behind."""
    template = tenant_schema.template_schema()
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{template}".django_migrations '
            f'WHERE id = (SELECT max(id) FROM "{template}".django_migrations)'
        )


def _statements(captured) -> list[str]:
    """What the code ran, without django-tenants' SET search_path or the
    savepoints the test's own transaction makes necessary."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(
            ("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT")
        )
    ]


@pytest.mark.django_db
def test_startup_migrates_a_stale_template(platform, caplog):
    _forget_newest_template_migration()
    assert not tenant_schema.template_is_current()

    with caplog.at_level(logging.INFO, logger="tenants.schema"):
        assert tenant_schema.template_sync_on_startup() is True

    assert tenant_schema.template_is_current()
    assert "behind the code; migrating it" in caplog.text


@pytest.mark.django_db
def test_startup_recreates_a_missing_template(platform):
    template = tenant_schema.template_schema()
    # Rolled back with the test's transaction, like everything else here.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{template}" CASCADE')
    assert tenant_schema.applied_migrations(template) == set()

    assert tenant_schema.template_sync_on_startup() is True
    assert (
        tenant_schema.applied_migrations(template)
        == tenant_schema.expected_migrations()
    )


@pytest.mark.django_db
def test_startup_costs_one_query_when_the_template_is_current(platform, caplog):
    tenant_schema.expected_migrations()  # read once per process, like the files
    with (
        caplog.at_level(logging.INFO, logger="tenants.schema"),
        CaptureQueriesContext(connection) as captured,
    ):
        assert tenant_schema.template_sync_on_startup() is False
    assert len(_statements(captured)) == 1, _statements(captured)
    assert "is current" in caplog.text


@pytest.mark.django_db
def test_startup_check_can_be_switched_off(platform, settings):
    settings.TEMPLATE_SYNC_ON_STARTUP = False
    _forget_newest_template_migration()
    with CaptureQueriesContext(connection) as captured:
        assert tenant_schema.template_sync_on_startup() is None
    assert captured.captured_queries == []
    assert not tenant_schema.template_is_current()


def test_database_error_at_startup_is_logged_not_raised(monkeypatch, caplog):
    def unreachable(schema):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(tenant_schema, "applied_migrations", unreachable)
    with caplog.at_level(logging.WARNING, logger="tenants.schema"):
        assert tenant_schema.template_sync_on_startup() is None
    assert "could not check template schema" in caplog.text
    assert "Connection refused" in caplog.text


def test_failing_migration_at_startup_is_logged_not_raised(monkeypatch, caplog):
    monkeypatch.setattr(tenant_schema, "template_is_current", lambda: False)

    def broken_sync(**kwargs):
        raise RuntimeError("a broken migration")

    monkeypatch.setattr(tenant_schema, "template_sync", broken_sync)
    with caplog.at_level(logging.WARNING, logger="tenants.schema"):
        assert tenant_schema.template_sync_on_startup() is None
    assert "could not migrate template schema" in caplog.text
    assert "a broken migration" in caplog.text


def test_wsgi_module_runs_the_startup_check(monkeypatch):
    calls = []
    monkeypatch.setattr(
        tenant_schema, "template_sync_on_startup", lambda: calls.append(1)
    )
    monkeypatch.delitem(sys.modules, "config.wsgi", raising=False)
    module = importlib.import_module("config.wsgi")
    assert calls == [1]
    assert callable(module.application)


def test_web_process_starts_with_the_database_down():
    """A real start: the WSGI module imports and serves while nothing listens
    where DATABASE_URL points (the health check answers 503)."""
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
    }
    script = (
        "from django.test import Client\n"
        "import config.wsgi\n"
        "print(Client().get('/healthz').status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "503"
    assert "could not check template schema" in result.stderr
