"""Settings come from the environment only (django-environ), parsed and checked."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "db = s.DATABASES['default']; print(json.dumps({'name': db['NAME'], "
    "'host': db['HOST'], 'age': db['CONN_MAX_AGE'], 'hosts': s.ALLOWED_HOSTS, "
    "'https': s.HTTPS, 'hsts': s.SECURE_HSTS_SECONDS, 'pool': s.TENANT_SCHEMA_POOL, "
    "'timeout': s.FETCH_TIMEOUT}))"
)


def _settings(**env):
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_values_are_parsed_from_the_environment():
    done = _settings(
        DATABASE_URL="postgres://u:p@db.internal:5433/bagipakai_prod",
        SECRET_KEY="x" * 50,
        CONN_MAX_AGE="0",
        ALLOWED_HOSTS="bagipakai.go.id, .bagipakai.go.id",
        HTTPS="off",
        TENANT_SCHEMA_POOL="4",
        FETCH_TIMEOUT="2.5",
    )
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert values["name"] == "bagipakai_prod" and values["host"] == "db.internal"
    assert values["age"] == 0
    assert values["hosts"] == ["bagipakai.go.id", ".bagipakai.go.id"]
    assert values["https"] is False and values["hsts"] == 0
    assert values["pool"] == 4 and values["timeout"] == 2.5


def test_a_database_other_than_postgresql_is_refused():
    done = _settings(DATABASE_URL="sqlite:///db.sqlite3", SECRET_KEY="x" * 50)
    assert done.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in done.stderr


def test_a_real_deployment_without_a_secret_key_is_refused():
    done = _settings(DATABASE_URL="postgres://u@db/bagipakai")
    assert done.returncode != 0
    assert "Set SECRET_KEY" in done.stderr


def test_a_malformed_number_is_refused_with_the_variables_name():
    done = _settings(
        DATABASE_URL="postgres://u@db/bagipakai",
        SECRET_KEY="x" * 50,
        TENANT_SCHEMA_POOL="many",
    )
    assert done.returncode != 0
    assert "many" in done.stderr
