"""Publishing through the catalog's own form: what it accepts exports valid.

Apps are created and edited through the publisher's pages (Django's test
client on the tenant host), and every resulting export is judged by the
standard's reference validator (tests/catalog/publiccode_validator.py: skipped
without it, a failure where it is required). The form applies the standard's
rules itself, next to each field, keeping what was typed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalog.models import CatalogApp
from catalog.publiccode import (
    export_document,
    export_publiccode,
    import_publiccode,
    load,
)
from tests.catalog.conftest import verify
from tests.catalog.test_publiccode_corpus import EXCEPTIONS
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "publiccode_corpus"
EXPECTATIONS = json.loads((CORPUS / "expectations.json").read_text())
NEW = "/apps/published/new/"

LONG_ID = (
    "Simpel Surat mencatat surat masuk dan surat keluar organisasi perangkat "
    "daerah, meneruskan disposisi pimpinan kepada staf, dan menyimpan arsipnya "
    "agar mudah dicari kembali kapan saja."
)
LONG_EN = (
    "Simpel Surat records the letters a regional office receives and sends, "
    "passes the head's instructions on to the staff, and keeps the archive "
    "searchable, so any letter can be found again at any time."
)


def contractor_rows(*rows: dict, initial: int = 0, extra: int = 1) -> dict:
    """The contractors part of the page: management form and rows as typed."""
    data = {
        "contractors-TOTAL_FORMS": str(len(rows) + extra),
        "contractors-INITIAL_FORMS": str(initial),
        "contractors-MIN_NUM_FORMS": "0",
        "contractors-MAX_NUM_FORMS": "10",
    }
    for index, row in enumerate(rows):
        data.update({f"contractors-{index}-{key}": v for key, v in row.items()})
    return data


def app_form(**changes) -> dict:
    data = {
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
        "languages": "id",
        "maintenance_type": "internal",
        "contacts": "",
        **contractor_rows(),
    }
    data.update(changes)
    return data


def page_data(response) -> dict:
    """What the browser sends back for the page as it is shown (nothing changed)."""
    form = response.context["form"]
    data = {}
    for bound in [*form, *form.contractors.management_form]:
        _put(data, bound)
    for row in form.contractors:
        for bound in row:
            _put(data, bound)
    return data


def _put(data: dict, bound) -> None:
    value = bound.value()
    if bound.name == "logo" or value is None or value is False:
        return
    data[bound.html_name] = "on" if value is True else value


@pytest.fixture
def publisher(tangerang, tangerang_admin):
    verify(tangerang)
    return tangerang


@pytest.fixture
def client(publisher, tangerang_admin):
    return host_client("tangerang.localhost", tangerang_admin)


@pytest.fixture
def valid_export(validator, tmp_path):
    """Assert that the entry's publiccode.yml is valid by the reference validator."""

    def check(app: CatalogApp) -> str:
        exported = export_publiccode(CatalogApp.objects.get(pk=app.pk))
        assert validator(exported, tmp_path) == [], exported
        return exported

    return check


def saved(response) -> CatalogApp:
    assert response.status_code == 302, _errors(response)
    return CatalogApp.objects.get(slug=response["Location"].rstrip("/").split("/")[-1])


def _errors(response) -> str:
    form = response.context["form"] if response.context else None
    if form is None:
        return response.content.decode()[:2000]
    return repr(
        {
            "form": form.errors,
            "contractors": [row.errors for row in form.contractors],
            "rows": form.contractors.non_form_errors(),
        }
    )


# --- what the form makes exports valid -----------------------------------------------


def test_apps_created_and_edited_through_the_form_export_valid(client, valid_export):
    # Indonesian only, maintained internally, no contact given: the export
    # names the publisher's contact person.
    plain = saved(client.post(NEW, app_form()))
    valid_export(plain)

    # By contract, with two contractors, in Indonesian and English.
    response = client.post(
        NEW,
        app_form(
            name="Sikda",
            url="https://code.example.test/sikda",
            short_description_en="Simple letters.",
            long_description_en=LONG_EN,
            features_en="Incoming and outgoing letters\nInstructions",
            scope=["local-authorities", "government"],
            languages="id, en, pt-BR",
            documentation_url="https://docs.example.test/sikda",
            landing_url="https://sikda.example.test",
            maintenance_type="contract",
            **contractor_rows(
                {
                    "name": "PT Solusi Kota",
                    "until": "2030-12-31",
                    "email": "budi@solusikota.example",
                    "website": "https://solusikota.example",
                },
                {"name": "CV Kode Daerah", "until": "2027-06-30"},
            ),
        ),
    )
    contract = saved(response)
    assert [(c.name, str(c.until)) for c in contract.contractors.all()] == [
        ("PT Solusi Kota", "2030-12-31"),
        ("CV Kode Daerah", "2027-06-30"),
    ]
    assert contract.languages == ["id", "en", "pt-BR"]
    exported = valid_export(contract)
    assert "features:\n      - Incoming and outgoing letters" in exported

    # Edited unchanged, then with one contractor removed.
    edit = f"/apps/published/{contract.slug}/edit/"
    data = page_data(client.get(edit))
    assert data["contractors-INITIAL_FORMS"] == 2
    saved(client.post(edit, data))
    valid_export(contract)
    saved(client.post(edit, {**data, "contractors-1-DELETE": "on"}))
    assert [c.name for c in contract.contractors.all()] == ["PT Solusi Kota"]
    valid_export(contract)

    # Away from the contract: its contractors go with it.
    data = page_data(client.get(edit))
    data.update(
        {
            "maintenance_type": "community",
            "contacts": "Budi; budi@tangerang.example; 021 555; Diskominfo",
            "contractors-0-DELETE": "on",
        }
    )
    saved(client.post(edit, data))
    contract.refresh_from_db()
    assert contract.maintenance_type == "community"
    assert not contract.contractors.exists()
    valid_export(contract)


@pytest.mark.parametrize(
    "name",
    [
        name
        for name, verdict in sorted(EXPECTATIONS.items())
        if verdict["valid"] and name not in EXCEPTIONS
    ],
)
def test_an_imported_entry_edited_through_the_form_still_exports_valid(
    publisher, client, valid_export, name
):
    data = (CORPUS / name).read_bytes()
    app = import_publiccode(actor=None, publisher=publisher, data=data).app
    edit = f"/apps/published/{app.slug}/edit/"

    saved(client.post(edit, page_data(client.get(edit))))

    valid_export(app)
    # Exactly the file's languages: none lost, none added.
    exported = export_document(CatalogApp.objects.get(pk=app.pk))
    assert set(exported["description"]) == set(load(data)["description"])


def test_an_imported_contract_entry_moved_to_internal_loses_its_contractors(
    publisher, client, valid_export
):
    data = (CORPUS / "handmade/contract-with-contractors.yml").read_bytes()
    app = import_publiccode(actor=None, publisher=publisher, data=data).app
    edit = f"/apps/published/{app.slug}/edit/"
    page = page_data(client.get(edit))
    assert page["contractors-0-name"] == "PT Solusi Kota"

    # Kept by mistake: refused, next to the maintenance type, nothing lost.
    response = client.post(edit, {**page, "maintenance_type": "internal"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["maintenance_type"] == [
        "Contractors are listed only when maintenance is by contract."
    ]
    assert 'value="PT Solusi Kota"' in response.content.decode()
    app.refresh_from_db()
    assert app.maintenance_type == "contract" and app.contractors.count() == 1

    # Removed: saved, and the export is valid.
    saved(
        client.post(
            edit, {**page, "maintenance_type": "internal", "contractors-0-DELETE": "on"}
        )
    )
    app.refresh_from_db()
    assert app.maintenance_type == "internal" and not app.contractors.exists()
    valid_export(app)


def test_english_edits_land_in_the_block_they_came_from(
    publisher, client, valid_export
):
    data = (CORPUS / "handmade/description-id-and-en-gb.yml").read_bytes()
    app = import_publiccode(actor=None, publisher=publisher, data=data).app
    edit = f"/apps/published/{app.slug}/edit/"
    page = page_data(client.get(edit))
    assert page["short_description_en"].startswith("Citizens' complaints")

    saved(client.post(edit, {**page, "short_description_en": "Complaints, answered"}))

    doc = load(valid_export(app).encode())["description"]
    assert list(doc) == ["id", "en-GB"]
    assert doc["en-GB"]["shortDescription"] == "Complaints, answered"
    # What the form does not show stays in the block too.
    assert doc["en-GB"]["documentation"] == "https://docs.example.org/lapor-warga/en"

    # Errors in the English text name the English fields, not a new block.
    response = client.post(edit, {**page, "features_en": ""})
    assert _field_errors(response) == {"features_en": ["List at least one feature."]}


def test_an_english_entry_is_edited_in_its_own_english_block(
    publisher, client, valid_export
):
    data = (CORPUS / "handmade/description-en-us-and-en-gb.yml").read_bytes()
    app = import_publiccode(actor=None, publisher=publisher, data=data).app
    edit = f"/apps/published/{app.slug}/edit/"
    page = page_data(client.get(edit))
    # en-GB is the main language (en-GB before en-US); no second English form.
    assert "short_description_en" not in page
    assert page["short_description_id"] == "A colour picker for public forms"

    saved(client.post(edit, {**page, "short_description_id": "Pick a colour"}))

    doc = load(valid_export(app).encode())["description"]
    assert list(doc) == ["en-GB", "en-US", "it"]
    assert doc["en-GB"]["shortDescription"] == "Pick a colour"
    assert doc["en-US"]["shortDescription"] == "A color picker for public forms"


@pytest.mark.parametrize(
    ("name", "language"),
    [
        (None, "Indonesian"),
        ("real/it-agid-pat.yml", "Italian"),
        ("handmade/description-pt-br-only.yml", "Portuguese"),
        ("handmade/description-id-and-en-gb.yml", "Indonesian"),
    ],
)
def test_the_main_description_is_labelled_with_its_language(
    publisher, client, name, language
):
    if name is None:
        page = NEW
    else:
        data = (CORPUS / name).read_bytes()
        app = import_publiccode(actor=None, publisher=publisher, data=data).app
        page = f"/apps/published/{app.slug}/edit/"

    form = client.get(page).context["form"]

    assert form["short_description_id"].label == f"Short description ({language})"
    assert form["long_description_id"].label == f"Description ({language})"


# --- what the form refuses, next to the field, keeping what was typed --------------


def _field_errors(response) -> dict:
    assert response.status_code == 200
    return {
        name: [str(message) for message in messages]
        for name, messages in response.context["form"].errors.items()
    }


def test_a_description_must_be_a_whole_publiccode_description(client):
    short = "Terlalu pendek untuk standar."
    response = client.post(NEW, app_form(long_description_id=short, features=""))
    errors = _field_errors(response)
    assert errors == {
        "long_description_id": ["At least 150 characters are needed; this has 29."],
        "features": ["This field is required."],
    }
    html = response.content.decode()
    assert short in html and 'value="Simpel Surat"' in html
    assert not CatalogApp.objects.filter(name="Simpel Surat").exists()


def test_the_length_counted_is_the_length_exported(client):
    # A browser sends line ends as CR LF, the file has LF: 74 + 2 + 74 characters
    # as typed are 149 in the file, too few.
    text = "a" * 74 + "\r\n" + "b" * 74
    assert _field_errors(client.post(NEW, app_form(long_description_id=text))) == {
        "long_description_id": ["At least 150 characters are needed; this has 149."]
    }
    app = saved(client.post(NEW, app_form(long_description_id=text + "\r\nc")))
    assert app.long_description_id == "a" * 74 + "\n" + "b" * 74 + "\nc"


def test_an_english_description_is_whole_or_absent(client):
    response = client.post(NEW, app_form(short_description_en="Simple letters."))
    assert _field_errors(response) == {
        "long_description_en": ["Required; this field must not be missing or empty."],
        "features_en": ["List at least one feature."],
    }
    response = client.post(
        NEW,
        app_form(features_en="Letters", long_description_en="Too short in English."),
    )
    assert _field_errors(response) == {
        "short_description_en": ["Required; this field must not be missing or empty."],
        "long_description_en": ["At least 150 characters are needed; this has 21."],
    }
    assert not CatalogApp.objects.exists()


def test_a_contract_names_its_contractors_and_only_a_contract_does(client):
    response = client.post(NEW, app_form(maintenance_type="contract"))
    assert _field_errors(response) == {
        "maintenance_type": ["Name the contractors when maintenance is by contract."]
    }
    row = {"name": "PT Solusi Kota", "until": "2030-12-31"}
    response = client.post(NEW, app_form(**contractor_rows(row)))
    assert _field_errors(response) == {
        "maintenance_type": [
            "Contractors are listed only when maintenance is by contract."
        ]
    }
    assert 'value="PT Solusi Kota"' in response.content.decode()
    assert not CatalogApp.objects.exists()


def test_a_contractor_row_is_checked_as_the_standard_checks_it(client):
    response = client.post(
        NEW,
        app_form(
            maintenance_type="contract",
            **contractor_rows(
                {
                    "name": "PT Solusi Kota",
                    "until": "akhir tahun",
                    "email": "budi@localhost",
                    "website": "ftp://solusikota.example",
                }
            ),
        ),
    )
    assert response.status_code == 200
    row = response.context["form"].contractors.forms[0]
    assert row.errors == {
        "until": ["Enter a valid date."],
        "email": ["budi@localhost is not an e-mail address."],
        "website": ["ftp://solusikota.example is not a web address (http or https)."],
    }
    assert not CatalogApp.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"languages": "id, indonesia"},
            "languages",
            "indonesia is not a language tag",
        ),
        ({"languages": ", ,"}, "languages", "This field is required."),
        (
            {"landing_url": "ftp://simpel.example"},
            "landing_url",
            "is not a web address (http or https)",
        ),
        (
            {"contacts": "Budi; budi@localhost"},
            "contacts",
            "Line 1: “budi@localhost” is not an e-mail address.",
        ),
        (
            {"features": "\n".join(f"Fitur {n}" for n in range(31))},
            "features",
            "List at most 30 features; this lists 31.",
        ),
        ({"features": "x" * 201}, "features", "at most 200 characters"),
    ],
)
def test_values_the_standard_refuses_are_refused_by_the_form(
    client, changes, field, message
):
    response = client.post(NEW, app_form(**changes))
    errors = _field_errors(response)
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not CatalogApp.objects.exists()


def test_messages_are_in_indonesian_for_an_indonesian_publisher(
    publisher, tangerang_admin
):
    client = host_client("tangerang.localhost", tangerang_admin, language="id")
    response = client.post(
        NEW, app_form(long_description_id="Pendek.", maintenance_type="contract")
    )
    html = response.content.decode()
    assert "Paling sedikit 150 karakter; isian ini 7 karakter." in html
    assert "Sebutkan kontraktornya jika pemeliharaan dilakukan lewat kontrak." in html


# --- adding contractors without JavaScript --------------------------------------------


def test_add_a_contractor_without_javascript_keeps_everything_typed(client):
    row = {"name": "PT Solusi Kota", "until": "2030-12-31"}
    response = client.post(
        NEW,
        {
            **app_form(maintenance_type="contract", **contractor_rows(row, extra=0)),
            "long_description_id": "Belum selesai.",
            "add_contractor": "1",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.contractors.total_form_count() == 2
    html = response.content.decode()
    # Nothing judged yet, nothing saved, nothing lost.
    assert 'class="errorlist' not in html
    assert "Belum selesai." in html and 'value="PT Solusi Kota"' in html
    assert 'name="contractors-1-name"' in html
    assert 'name="contractors-TOTAL_FORMS" value="2"' in html
    assert not CatalogApp.objects.exists()


def test_the_page_offers_contractor_rows_accessibly_and_without_inline_script(client):
    html = client.get(NEW).content.decode()
    assert re.search(r"<legend>Contractor 1</legend>", html)
    assert 'for="id_contractors-0-name"' in html
    assert 'name="add_contractor"' in html
    assert '<script src="/static/js/formset_rows.js" defer></script>' in html
    # No inline script: the Content-Security-Policy forbids them.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
