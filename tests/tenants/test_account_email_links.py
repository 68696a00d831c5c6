"""Account e-mails link to the platform host, never the Host of the request (#12)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from tenants.models import Domain
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def links(message) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", message.body)


@pytest.mark.parametrize(
    "host", ["localhost", "bandung.localhost", "pemkot-palsu.example"]
)
def test_password_reset_link_points_at_the_platform_whatever_the_host(
    bandung, settings, host
):
    settings.ALLOWED_HOSTS = ["*"]
    Domain.objects.get_or_create(
        domain="pemkot-palsu.example", tenant=bandung, defaults={"is_primary": False}
    )
    make_user("warga@example.id", password="s3cret-Passw0rd!")
    response = Client(HTTP_HOST=host).post(
        "/accounts/password/reset/", {"email": "warga@example.id"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    found = links(mail.outbox[0])
    reset = [url for url in found if "/accounts/password/reset/key/" in url]
    assert reset, found
    assert all(url.startswith("http://localhost/") for url in reset), reset
    assert not any("palsu" in url or "bandung." in url for url in found), found


def test_the_reset_link_keeps_the_port_of_the_platform_in_development(platform):
    make_user("warga@example.id", password="s3cret-Passw0rd!")
    Client(HTTP_HOST="localhost:8000").post(
        "/accounts/password/reset/", {"email": "warga@example.id"}
    )
    (reset,) = [u for u in links(mail.outbox[0]) if "/password/reset/key/" in u]
    assert reset.startswith("http://localhost:8000/accounts/password/reset/key/")
