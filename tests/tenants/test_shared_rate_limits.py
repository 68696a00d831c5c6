"""Rate limits count in one place for every server process (#12).

Two real gunicorn processes serve the same database; failed sign-ins for one
address are spread over both, and the lockout comes after the limit in total,
not after the limit per process."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tenants.services import platform_ensure
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5  # allauth's default: five failed sign-ins per address in five minutes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """One gunicorn process with one worker, on its own port."""

    def __init__(self):
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DISABLE_RATE_LIMITS": "0",
            "REDIS_URL": "",
            "DEBUG": "0",
            "HTTPS": "0",
            "STATIC_MANIFEST": "0",
            "TEMPLATE_SYNC_ON_STARTUP": "0",
            "WEB_CONCURRENCY": "1",
            "PORT": str(self.port),
            "BASE_DOMAIN": settings.BASE_DOMAIN,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.open("/healthz")
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def open(self, path: str, data: dict | None = None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=urllib.parse.urlencode(data).encode() if data else None,
            headers={
                "Host": settings.BASE_DOMAIN,
                "Accept-Language": "en",
                "Referer": f"http://{settings.BASE_DOMAIN}/accounts/login/",
            },
        )
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def failed_login(self, email: str) -> tuple[int, str]:
        _status, page = self.open("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.open(
            "/accounts/login/",
            {"login": email, "password": "wrong-password", "csrfmiddlewaretoken": token},
        )

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_failed_sign_ins_count_once_across_two_server_processes():
    platform_ensure()
    make_user("target@example.id")
    first, second = Server(), Server()
    try:
        answers = []
        for attempt in range(LIMIT):
            server = (first, second)[attempt % 2]
            status, page = server.failed_login("target@example.id")
            answers.append(status)
            assert "Too many failed login attempts" not in page, attempt
        assert answers == [200] * LIMIT
        # Each process has seen fewer than five failures, together five: locked.
        status, page = second.failed_login("target@example.id")
        assert "Too many failed login attempts" in page, status
        status, page = first.failed_login("target@example.id")
        assert "Too many failed login attempts" in page, status
    finally:
        first.stop()
        second.stop()
