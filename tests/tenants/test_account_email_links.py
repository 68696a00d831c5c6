"""Account e-mails link to the platform host, never the Host of the request (#12)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


@pytest.mark.parametrize("host", ["localhost:8102", "bandung.localhost:8102"])
def test_account_emails_greet_from_bagipakai_not_the_host(bandung, host):
    make_user("warga@example.id", password="s3cret-Passw0rd!")
    Client(HTTP_HOST=host).post(
        "/accounts/password/reset/", {"email": "warga@example.id"}
    )
    [message] = mail.outbox
    assert "Hello from" not in message.body and "localhost:8102!" not in message.body
    assert message.body.startswith("BagiPakai\n")
    assert message.subject.startswith("[BagiPakai] ")
    assert "http://localhost:8102/" in message.body  # the platform's home


def test_the_reset_link_works_on_the_platform_host(platform):
    make_user("warga@example.id", password="s3cret-Passw0rd!")
    Client(HTTP_HOST="bandung.localhost").post(
        "/accounts/password/reset/", {"email": "warga@example.id"}
    )
    (reset,) = [u for u in links(mail.outbox[0]) if "/password/reset/key/" in u]
    parts = urlsplit(reset)
    assert parts.netloc == "localhost"
    client = Client(HTTP_HOST=parts.netloc)
    response = client.get(parts.path, follow=True)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()


def test_the_signup_confirmation_links_to_the_platform_and_works(platform):
    response = Client(HTTP_HOST="localhost:8102").post(
        "/accounts/signup/",
        {
            "email": "baru@example.id",
            "full_name": "Warga Baru",
            "password1": "Gotong-royong-2026",
            "password2": "Gotong-royong-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [message] = mail.outbox
    assert "Hello from" not in message.body
    (confirm,) = [u for u in links(message) if "/accounts/confirm-email/" in u]
    parts = urlsplit(confirm)
    assert parts.netloc == "localhost:8102"
    assert Client(HTTP_HOST=parts.netloc).get(parts.path).status_code == 200
    assert "localhost:8102" in message.body.split("--")[-1]  # the platform's home
