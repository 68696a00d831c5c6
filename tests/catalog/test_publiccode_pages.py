"""publiccode.yml on the pages: the upload form's confirmation step and the catalog page."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import CatalogApp
from tests.catalog.conftest import verify
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

LONG = {
    "id": "Aplikasi pengaduan warga yang meneruskan setiap laporan ke perangkat daerah "
    "yang berwenang, memantau tenggat jawaban dan menerbitkan statistik layanan "
    "setiap bulan untuk publik.",
    "en": "A citizens' complaints service that routes every report to the responsible "
    "office, watches the deadline for an answer and publishes service statistics "
    "to the public every month.",
    "it": "Un servizio per le segnalazioni dei cittadini che inoltra ogni segnalazione "
    "all'ufficio competente, controlla le scadenze di risposta e pubblica ogni mese "
    "le statistiche.",
}


def document(**extra) -> bytes:
    doc = {
        "publiccodeYmlVersion": "0",
        "name": "Lapor Warga",
        "url": "https://git.example.go.id/tangerang/lapor-warga",
        "logo": "https://cdn.example.go.id/lapor-warga/logo.svg",
        "platforms": ["web"],
        "developmentStatus": "stable",
        "softwareType": "standalone/web",
        "description": {
            code: {
                "shortDescription": f"Pengaduan warga ({code})",
                "longDescription": text,
                "features": [f"Fitur {code}"],
                "screenshots": ["https://cdn.example.go.id/lapor-warga/beranda.png"]
                if code == "id"
                else [],
            }
            for code, text in LONG.items()
        },
        "legal": {"license": "EUPL-1.2"},
        "maintenance": {"type": "internal", "contacts": [{"name": "Budi"}]},
        "localisation": {"localisationReady": True, "availableLanguages": ["id", "en"]},
        "organisation": {
            "uri": "https://tangerangkota.go.id",
            "name": "Kota Tangerang",
        },
    }
    doc.update(extra)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()


def upload(client, data: bytes, **fields):
    return client.post(
        "/apps/published/import/",
        {"file": SimpleUploadedFile("publiccode.yml", data), **fields},
    )


def test_the_upload_form_asks_before_the_publishing_organisation_changes(
    tangerang, tangerang_admin
):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin, language="id")
    assert upload(client, document()).status_code == 302
    other = document(
        organisation={"uri": "https://diskominfo.example.id", "name": "Diskominfo"}
    )

    response = upload(client, other)

    assert response.status_code == 200
    page = response.content.decode()
    assert "organisation" in page and "Diskominfo" in page
    app = CatalogApp.objects.get(name="Lapor Warga")
    assert app.publiccode["organisation"]["name"] == "Kota Tangerang"

    response = upload(client, other, confirm_publisher_change="on")
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.publiccode["organisation"]["name"] == "Diskominfo"


def test_the_catalog_page_shows_the_visitors_language_and_links_logo_and_screenshots(
    tangerang, tangerang_admin
):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    assert upload(client, document()).status_code == 302
    app = CatalogApp.objects.get(name="Lapor Warga")

    # The site speaks Indonesian and English; other visitors get Indonesian.
    for language, expected in (("id", "id"), ("en", "en"), ("it", "id"), ("de", "id")):
        page = host_client("localhost", language=language).get(f"/catalog/{app.slug}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert f"Pengaduan warga ({expected})" in html, language
        assert f"Fitur {expected}" in html, language
    html = host_client("localhost").get(f"/catalog/{app.slug}/").content.decode()
    assert 'href="https://cdn.example.go.id/lapor-warga/logo.svg"' in html
    assert 'href="https://cdn.example.go.id/lapor-warga/beranda.png"' in html
