"""seed_demo, /healthz, the language switch and the public pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tenants import demo
from tenants.models import Membership, Tenant, User
from tests.conftest import drop_orphan_tenant_schemas, host_client


@pytest.mark.django_db
def test_seed_demo_twice_creates_everything_once(capsys, bandung, tangerang):
    # The session's two cities, as seed_demo finds them on a site in use, and
    # no schema left behind by an earlier transactional test on this worker
    # (a demo tenant it made, e.g. Kota Cirebon) in the way of seed_demo.
    drop_orphan_tenant_schemas()
    call_command("seed_demo", force=True)
    call_command("seed_demo", force=True)
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    slugs = {t.slug for t in demo.ALL_TENANTS}
    assert len(slugs) == 33
    tenants = Tenant.objects.filter(slug__in=slugs)
    assert tenants.count() == 33
    assert all(t.is_verified for t in tenants)
    assert tenants.get(slug="tangerang").region_code == "36.71"
    assert tenants.get(slug="bandung").region_code == "32.73"
    for spec in demo.ALL_TENANTS:
        assert (
            Membership.objects.filter(
                tenant__slug=spec.slug, user__email=spec.admin_email, role="admin"
            ).count()
            == 1
        )
        assert (
            Membership.objects.filter(
                tenant__slug=spec.slug, user__email=spec.staff_email, role="staff"
            ).count()
            == 1
        )
    assert User.objects.filter(email=demo.OPERATOR_EMAIL, is_staff=True).count() == 1
    # The demo admin signs in with the printed password, then the code of the
    # printed authenticator secret (two-step sign-in, tenants/mfa.py).
    client = host_client("tangerang.localhost")
    response = client.post(
        "/accounts/login/",
        {"login": demo.TANGERANG.admin_email, "password": demo.DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tenants.mfa import demo_secret

    code = format_hotp_value(
        hotp_value(
            demo_secret(demo.TANGERANG.admin_email),
            int(time.time()) // app_settings.TOTP_PERIOD,
        )
    )
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["localhost", "bandung.localhost", "unknown.localhost"]
)
def test_healthz_is_200_with_the_database(host, bandung):
    response = host_client(host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_without_the_database(django_db_blocker):
    with django_db_blocker.unblock():
        saved = dict(connection.settings_dict)
        connection.close()
        # Nothing listens on port 1: the server is unreachable.
        connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
        try:
            response = host_client("bandung.localhost").get("/healthz")
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
        assert response.status_code == 503
        assert response.json()["database"] == "unreachable"
        # And the connection works again afterwards.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")


@pytest.mark.django_db
def test_indonesian_is_default_and_the_switch_changes_language(bandung):
    client = host_client("bandung.localhost", language="id")
    html = client.get("/").content.decode()
    assert '<html lang="id">' in html
    assert "Belum diverifikasi" in html and "Masuk" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Unverified" in html and "Sign in" in html
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert '<html lang="id">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_every_page_has_the_language_switcher(bandung, bandung_admin):
    for host, user, path in [
        ("localhost", None, "/"),
        ("localhost", None, "/accounts/login/"),
        ("localhost", None, "/organisations/"),
        ("bandung.localhost", None, "/"),
        ("bandung.localhost", bandung_admin, "/dashboard/"),
        ("bandung.localhost", bandung_admin, "/dashboard/members/"),
    ]:
        html = host_client(host, user).get(path).content.decode()
        assert 'action="/i18n/setlang/"' in html, (host, path)


@pytest.mark.django_db
def test_directory_lists_tenants_with_pinned_queries(
    bandung, tangerang, django_assert_max_num_queries
):
    client = host_client("localhost")
    with django_assert_max_num_queries(4):
        html = client.get("/organisations/").content.decode()
    assert "Kota Bandung" in html and "http://bandung.localhost/" in html
    assert "Kota Tangerang" in client.get("/organisations/?q=36.71").content.decode()
    assert client.get("/organisations/?page=999&q=" + "x" * 500).status_code == 200
    assert client.get("/organisations/?q=%00bandung").status_code == 400


def test_indonesian_catalog_is_complete_and_compiled():
    """Every message in the .po is translated, none fuzzy, and the committed .mo matches."""
    import gettext
    import re
    from pathlib import Path

    locale_dir = Path(__file__).resolve().parents[2] / "locale" / "id" / "LC_MESSAGES"
    po = (locale_dir / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    compiled = gettext.GNUTranslations((locale_dir / "django.mo").open("rb"))
    entries = re.findall(
        r'\n(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', po
    )
    assert len(entries) > 200

    def unquote(block):
        return "".join(
            bytes(line[1:-1], "utf-8")
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8")
            for line in block.strip().split("\n")
        )

    for raw_context, raw_id, raw_str in entries:
        msgid, msgstr = unquote(raw_id), unquote(raw_str)
        if not msgid:
            continue  # the header
        assert msgstr, f"untranslated: {msgid!r}"
        compiled_text = (
            compiled.pgettext(unquote(raw_context), msgid)
            if raw_context
            else compiled.gettext(msgid)
        )
        assert compiled_text == msgstr, f".mo is stale for {msgid!r}"


@pytest.mark.parametrize(
    ("base_domain", "cookie_domain"),
    [("bagipakai.example.id", "bagipakai.example.id"), ("localhost", "None")],
)
def test_the_language_cookie_follows_the_visitor_to_every_tenant_host(
    base_domain, cookie_domain
):
    """Set on the parent domain, so a choice made on the platform holds on
    SLUG.BASE_DOMAIN too (browsers refuse a cookie for bare localhost)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "BASE_DOMAIN": base_domain,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.LANGUAGE_COOKIE_DOMAIN)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == cookie_domain


@pytest.mark.django_db
def test_the_switch_sets_the_cookie_for_the_parent_domain(bandung, settings):
    settings.LANGUAGE_COOKIE_DOMAIN = "localhost.test"
    response = host_client("bandung.localhost").post(
        "/i18n/setlang/", {"language": "en", "next": "/"}
    )
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and cookie["domain"] == "localhost.test"
    assert cookie["max-age"] == 365 * 24 * 3600


@pytest.mark.django_db
def test_a_signed_in_persons_language_holds_on_every_host(bandung, bandung_admin):
    """Chosen once on the platform, kept on the account: the tenant's host (its
    own session and cookie) and the account pages follow it."""
    platform = host_client("localhost", bandung_admin, language="id")
    platform.post("/i18n/setlang/", {"language": "en", "next": "/"})
    bandung_admin.refresh_from_db()
    assert bandung_admin.language == "en"
    city = host_client("bandung.localhost", bandung_admin, language="id")
    page = city.get("/dashboard/")
    assert '<html lang="en">' in page.content.decode()
    assert page["Content-Language"] == "en"
    city.post("/i18n/setlang/", {"language": "id", "next": "/"})
    bandung_admin.refresh_from_db()
    assert bandung_admin.language == "id"
    assert '<html lang="id">' in platform.get("/").content.decode()


@pytest.mark.django_db
def test_an_anonymous_switch_saves_nothing_and_a_bad_language_is_ignored(
    bandung, bandung_admin
):
    host_client("localhost").post("/i18n/setlang/", {"language": "en", "next": "/"})
    signed_in = host_client("localhost", bandung_admin)
    response = signed_in.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    bandung_admin.refresh_from_db()
    assert bandung_admin.language == ""
