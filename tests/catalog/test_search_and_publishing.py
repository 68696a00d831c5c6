"""Catalog search with typos and facets, publishing rights, hosted module gating."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import CatalogApp, Release
from tests.catalog.conftest import make_active_adoption, make_app, verify
from tests.conftest import host_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(bandung, tangerang, sabilulungan):
    eoffice = make_app(
        tangerang,
        slug="e-office",
        name="E-office",
        short_description_id="Naskah dinas elektronik dan disposisi.",
        categories=["document-management", "workflow-management"],
        license="LicenseRef-Hibah",
    )
    laksa = make_app(
        tangerang,
        slug="laksa",
        name="Laksa",
        short_description_id="Layanan aspirasi dan pengaduan warga.",
        categories=["customer-service-and-support"],
        delivery_mode="external",
        development_status="beta",
    )
    return {"sabilulungan": sabilulungan, "e-office": eoffice, "laksa": laksa}


def names(html: str) -> list[str]:
    import re

    return re.findall(r'<h2><a href="/catalog/[^"]+/">([^<]+)</a>', html)


def get(path: str) -> str:
    response = host_client("localhost").get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["sabilungan", "Sabilulungan", "sabilulunga", "SABILULUNGAN", "sabil", "hibah"],
)
def test_search_finds_sabilulungan_despite_typos(catalog, query):
    assert names(get(f"/catalog/?q={query}"))[0] == "Sabilulungan"


def test_search_matches_descriptions_and_not_unrelated(catalog):
    assert names(get("/catalog/?q=disposisi")) == ["E-office"]
    assert names(get("/catalog/?q=pengaduan")) == ["Laksa"]
    assert names(get("/catalog/?q=zzzqqq")) == []


def test_facets_count_and_filter(catalog):
    html = get("/catalog/")
    assert "Document management" in html and "(1)" in html
    assert names(get("/catalog/?category=document-management")) == ["E-office"]
    assert names(get("/catalog/?publisher=tangerang&sort=name")) == [
        "E-office",
        "Laksa",
    ]
    assert names(get("/catalog/?delivery=hosted")) == ["Sabilulungan"]
    assert names(get("/catalog/?status=beta")) == ["Laksa"]
    assert names(get("/catalog/?license=LicenseRef-Hibah")) == ["E-office"]
    # A facet still shows the other values of itself when one is chosen.
    chosen = get("/catalog/?delivery=hosted")
    assert 'name="delivery" value="external"' in chosen
    assert 'name="delivery" value="hosted" checked' in chosen


def test_facets_take_several_values_and_keep_zero_counts(catalog):
    both = get("/catalog/?delivery=hosted&delivery=external&sort=name")
    assert names(both) == ["Laksa", "Sabilulungan"]
    assert 'name="delivery" value="hosted" checked' in both
    assert 'name="delivery" value="external" checked' in both
    # Searching narrows the counts, never the choices.
    html = get("/catalog/?q=disposisi")
    assert names(html) == ["E-office"]
    assert 'value="grant-management"' in html
    assert "Grant management <small>(0)</small>" in html


def test_labels_are_translated_never_codes(catalog):
    html = host_client("localhost", language="id").get("/catalog/").content.decode()
    assert "Manajemen dokumen" in html
    assert "document-management" not in html.replace('value="document-management"', "")


def test_the_scope_facet_is_titled_as_the_detail_page_names_it(catalog):
    """The scope of use, not a table's "Field" (Indonesian "Isian")."""
    make_app(
        catalog["laksa"].publisher,
        slug="sipd",
        name="SIPD",
        scope=["local-authorities"],
    )
    english = get("/catalog/")
    assert 'name="scope"' in english
    assert "<summary>Scope</summary>" in english
    assert "<summary>Field</summary>" not in english
    html = host_client("localhost", language="id").get("/catalog/").content.decode()
    assert "<summary>Cakupan</summary>" in html
    assert "Isian" not in html
    detail = host_client("localhost", language="id").get("/catalog/sipd/")
    assert "<dt>Cakupan</dt>" in detail.content.decode()


def test_odd_filters_are_left_out_and_said(catalog):
    html = get("/catalog/?category=nonsense&sort=sideways")
    assert "not understood" in html
    assert len(names(html)) == 3


def test_sorting(catalog, third, bandung, tangerang):
    make_active_adoption(catalog["laksa"], third)
    make_active_adoption(catalog["laksa"], bandung)
    make_active_adoption(catalog["sabilulungan"], tangerang)
    assert names(get("/catalog/?sort=adopted"))[:2] == ["Laksa", "Sabilulungan"]
    assert names(get("/catalog/?sort=name")) == ["E-office", "Laksa", "Sabilulungan"]
    assert names(get("/catalog/?sort=newest"))[0] == "Laksa"


def test_bad_catalog_params_never_500(catalog):
    for query in (
        "sort=drop",
        "page=abc",
        "page=99999",
        "q=" + "x" * 5000,
        "q=%27%3B--",
        "q=&&&|!",
    ):
        assert host_client("localhost").get(f"/catalog/?{query}").status_code == 200, (
            query
        )
    assert host_client("localhost").get("/catalog/tidak-ada/").status_code == 404
    # Control characters are refused outright (#12), never passed to a query.
    assert host_client("localhost").get("/catalog/?category=%00").status_code == 400


def test_hidden_entry_disappears_but_adoptions_stay(catalog, tangerang):
    from catalog import services

    operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
    make_active_adoption(catalog["sabilulungan"], tangerang)
    services.app_set_hidden(
        actor=operator,
        app=catalog["sabilulungan"],
        hidden=True,
        reason="Sengketa lisensi",
    )
    assert "Sabilulungan" not in names(get("/catalog/?q=sabilulungan"))
    assert host_client("localhost").get("/catalog/sabilulungan/").status_code == 404
    assert catalog["sabilulungan"].adoptions.count() == 1


def test_catalog_list_query_count_is_constant(
    catalog, tangerang, django_assert_max_num_queries
):
    client = host_client("localhost")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_app(tangerang, short_description_id="Aplikasi pertama")
    with CaptureQueriesContext(connection) as few:
        client.get("/catalog/?q=aplikasi")
    for _ in range(15):
        make_app(tangerang, short_description_id="Aplikasi lain")
    with CaptureQueriesContext(connection) as many:
        client.get("/catalog/?q=aplikasi")
    assert len(many) == len(few)
    with django_assert_max_num_queries(6):
        client.get("/catalog/sabilulungan/")


# --- publishing -----------------------------------------------------------------

LONG_ID = (
    "Simpel Surat mencatat surat masuk dan surat keluar organisasi perangkat "
    "daerah, meneruskan disposisi pimpinan kepada staf, dan menyimpan arsipnya "
    "agar mudah dicari kembali kapan saja."
)
# The management form of the entry's contractors (none): the page always sends it.
NO_CONTRACTORS = {
    "contractors-TOTAL_FORMS": "1",
    "contractors-INITIAL_FORMS": "0",
    "contractors-MIN_NUM_FORMS": "0",
    "contractors-MAX_NUM_FORMS": "10",
}
APP_FORM = {
    **NO_CONTRACTORS,
    "name": "Simpel Surat",
    "short_description_id": "Surat menyurat sederhana.",
    "long_description_id": LONG_ID,
    "features": "Surat masuk dan keluar\nDisposisi pimpinan",
    "categories": ["document-management"],
    "development_status": "beta",
    "software_type": "standalone/web",
    "delivery_mode": "source",
    "license": "MIT",
    "url": "https://code.example.test/simpel-surat",
    "platforms": ["web"],
    "languages": "id, en",
    "maintenance_type": "internal",
    "contacts": "Budi; budi@tangerang.test; 0211234; Diskominfo",
}


def png_bytes(size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_verified_admin_publishes_and_edits(tangerang, tangerang_admin):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    data = {
        **APP_FORM,
        "logo": SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png"),
    }
    response = client.post("/apps/published/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    app = CatalogApp.objects.get(name="Simpel Surat")
    assert app.publisher == tangerang and app.languages == ["id", "en"]
    assert app.contacts == [
        {
            "name": "Budi",
            "email": "budi@tangerang.test",
            "phone": "0211234",
            "affiliation": "Diskominfo",
        }
    ]
    assert app.logo.name.endswith(".png")
    assert (
        host_client("localhost").get(f"/catalog/{app.slug}/logo/")["Content-Type"]
        == "image/png"
    )
    assert "Simpel Surat" in names(get("/catalog/?q=surat"))

    response = client.post(
        f"/apps/published/{app.slug}/edit/", {**APP_FORM, "name": "Simpel Surat 2"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.name == "Simpel Surat 2"
    assert "Simpel Surat 2" in names(get("/catalog/?q=simpel"))

    response = client.post(
        f"/apps/published/{app.slug}/",
        {
            "form": "release",
            "release-version": "1.0",
            "release-released_on": "2026-01-02",
            "release-notes": "Rilis pertama",
        },
    )
    assert response.status_code == 302
    assert Release.objects.filter(app=app, version="1.0").exists()
    dup = client.post(
        f"/apps/published/{app.slug}/",
        {
            "form": "release",
            "release-version": "1.0",
            "release-released_on": "2026-01-03",
        },
    )
    assert dup.status_code == 200 and "already exists" in dup.content.decode()


def test_unverified_tenant_cannot_publish(tangerang, tangerang_admin):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=tangerang.pk).update(verification_status="unverified")
    client = host_client("tangerang.localhost", tangerang_admin)
    response = client.post("/apps/published/new/", APP_FORM)
    assert response.status_code == 200
    assert "Only verified organisations can publish apps" in response.content.decode()
    assert not CatalogApp.objects.filter(name="Simpel Surat").exists()


def test_nobody_edits_another_tenants_entry(catalog, bandung_admin, tangerang):
    client = host_client("bandung.localhost", bandung_admin)
    assert client.get("/apps/published/e-office/edit/").status_code == 404
    assert (
        client.post(
            "/apps/published/e-office/edit/", {**APP_FORM, "name": "Dibajak"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/apps/published/e-office/",
            {
                "form": "release",
                "release-version": "9",
                "release-released_on": "2026-01-01",
            },
        ).status_code
        == 404
    )
    # Nor through another host where they are no member.
    assert (
        host_client("tangerang.localhost", bandung_admin)
        .get("/apps/published/e-office/edit/")
        .status_code
        == 403
    )
    assert CatalogApp.objects.get(slug="e-office").name == "E-office"


def test_staff_cannot_publish(tangerang, tangerang_staff):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_staff)
    assert client.post("/apps/published/new/", APP_FORM).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b"%PDF-1.4 not an image", "Upload a valid image"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "Upload a valid image",
        ),
        (
            "../../logo.png",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            "Upload a valid image",
        ),
    ],
)
def test_hostile_logos_are_refused(tangerang, tangerang_admin, name, content, message):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    response = client.post(
        "/apps/published/new/", {**APP_FORM, "logo": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="Simpel Surat"' in response.content.decode()
    assert not CatalogApp.objects.filter(name="Simpel Surat").exists()


def test_gif_and_oversized_images_are_refused(tangerang, tangerang_admin, settings):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    response = client.post(
        "/apps/published/new/",
        {**APP_FORM, "logo": SimpleUploadedFile("a.gif", buffer.getvalue())},
    )
    assert "not a PNG, JPEG or WebP" in response.content.decode()
    settings.MAX_IMAGE_UPLOAD_BYTES = 100
    response = client.post(
        "/apps/published/new/",
        {**APP_FORM, "logo": SimpleUploadedFile("a.png", png_bytes((64, 64)))},
    )
    assert "larger than" in response.content.decode()
    assert not CatalogApp.objects.filter(name="Simpel Surat").exists()


def test_invalid_entry_keeps_input(tangerang, tangerang_admin):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    bad = {
        **APP_FORM,
        "url": "not a url",
        "categories": ["no-such-category"],
        "languages": "indonesia",
        "contacts": "; tanpa nama",
    }
    response = client.post("/apps/published/new/", bad)
    html = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Enter a valid URL",
        "Select a valid choice",
        "is not a language tag",
        "the name is missing",
    ):
        assert message in html
    assert 'value="Simpel Surat"' in html


# --- hosted modules ------------------------------------------------------------------


def test_module_gating_enabled_not_enabled_and_ended(
    sabilulungan, bandung, bandung_admin, tangerang, tangerang_admin
):
    tangerang_client = host_client("tangerang.localhost", tangerang_admin)
    anonymous = host_client("tangerang.localhost")
    # Not adopted: an explanation, never a 500 and never Bandung's data.
    for client in (tangerang_client, anonymous):
        for path in ("/grants/", "/grants/anything/", "/open-data/grants.json"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "does not use this app" in response.content.decode()
    # The publisher always has its own module.
    assert (
        host_client("bandung.localhost", bandung_admin).get("/grants/").status_code
        == 200
    )
    # Adopted and active: the module exists.
    adoption = make_active_adoption(sabilulungan, tangerang)
    assert tangerang_client.get("/grants/").status_code == 200
    # Ended: gone again.
    adoption.status = "ended"
    adoption.save()
    assert "does not use this app" in tangerang_client.get("/grants/").content.decode()
    # Approved but not yet active: still off.
    adoption.status = "approved"
    adoption.save()
    assert tangerang_client.get("/grants/").status_code == 404


def test_publiccode_upload_form(tangerang, tangerang_admin):
    from pathlib import Path

    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    example = (
        (Path(__file__).parent / "data" / "publiccode.yml")
        .read_bytes()
        .replace(b"https://youtube.com/xxxxxxxx", b"https://youtu.be/dQw4w9WgXcQ")
    )
    response = client.post(
        "/apps/published/import/",
        {"file": SimpleUploadedFile("publiccode.yml", example)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    app = CatalogApp.objects.get(url="https://example.com/italia/medusa.git")
    assert (
        app.publisher == tangerang
        and response["Location"] == f"/apps/published/{app.slug}/"
    )

    bomb = b'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
        for i in range(8)
    )
    before = CatalogApp.objects.count()
    for name, content in [
        ("bomb.yml", bomb),
        ("bad.yml", b"name: [1, 2]\n"),
        ("../../etc/passwd", b"\x00\xff"),
    ]:
        response = client.post(
            "/apps/published/import/", {"file": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 200, name
        assert (
            "was not imported" in response.content.decode()
            or "errorlist" in response.content.decode()
        )
    assert CatalogApp.objects.count() == before


def test_operator_hides_an_entry_in_the_admin(catalog):
    operator = make_user("op@bagipakai.test", is_staff=True, is_superuser=True)
    client = host_client("localhost", operator)
    app = catalog["laksa"]
    response = client.post(
        "/admin/catalog/catalogapp/", {"action": "hide", "_selected_action": [app.pk]}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.is_hidden
    assert host_client("localhost").get("/catalog/laksa/").status_code == 404
    # A staff member without the catalog permission cannot.
    weak = make_user("lemah@bagipakai.test", is_staff=True)
    from catalog import services

    with pytest.raises(PermissionDenied, match="Only platform operators"):
        services.app_set_hidden(actor=weak, app=app, hidden=False)


def test_nul_in_publiccode_and_cleared_uploads_are_form_errors_not_500s(
    tangerang, tangerang_admin
):
    verify(tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    nul = b'publiccodeYmlVersion: "0"\nname: "A\\0B"\n'
    response = client.post(
        "/apps/published/import/", {"file": SimpleUploadedFile("p.yml", nul)}
    )
    assert response.status_code == 200 and "NUL" in response.content.decode()
    # "Clear" ticked on the optional logo of a new entry.
    response = client.post("/apps/published/new/", {**APP_FORM, "logo-clear": "on"})
    assert response.status_code == 302
    app = CatalogApp.objects.get(name="Simpel Surat")
    response = client.post(
        f"/apps/published/{app.slug}/edit/", {**APP_FORM, "logo-clear": "on"}
    )
    assert response.status_code == 302
    response = client.post(
        "/apps/agreements/new/",
        {
            "counterparty": "bandung",
            "kind": "mou",
            "number": "1",
            "title": "t",
            "signed_on": "2026-01-01",
            "signed_at_place": "x",
            "valid_from": "2026-01-01",
            "first_signatory": "a",
            "second_signatory": "b",
            "document-clear": "on",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/apps/published/new/",
        {**APP_FORM, "name": "Dua\nBaris", "url": "https://x.test/2"},
    )
    assert response.status_code == 200 and "single line" in response.content.decode()
