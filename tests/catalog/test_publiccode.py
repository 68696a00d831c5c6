"""publiccode.yml: importing files as the standard reads them, refusing hostile ones, exporting.

tests/catalog/data holds the two examples of the publiccode.yml standard
(../shared/standards/publiccode, CC0). Both describe the same repository,
https://example.com/italia/medusa.git. The full example's video
(https://youtube.com/xxxxxxxx) is a placeholder the reference validator
refuses; FULL_VALID is the example with a real video page instead. The
corpus test (test_publiccode_corpus.py) compares the importer with the
reference validator file by file; these tests pin the behaviour in detail.
"""

from __future__ import annotations

import time
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from catalog import services
from catalog.models import CatalogApp, Release
from catalog.publiccode import (
    MAX_ALIASES,
    Issue,
    PubliccodeError,
    export_document,
    export_publiccode,
    import_publiccode,
    is_spdx_expression,
    load,
    validate,
)
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
FULL = (DATA / "publiccode.yml").read_bytes()
MINIMAL = (DATA / "publiccode.minimal.yml").read_bytes()
FULL_VALID = FULL.replace(
    b"https://youtube.com/xxxxxxxx", b"https://www.youtube.com/watch?v=dQw4w9WgXcQ"
)
MEDUSA_URL = "https://example.com/italia/medusa.git"


@pytest.fixture(autouse=True)
def _english():
    """Messages are translatable; these tests read them in English."""
    with translation.override("en"):
        yield


def verify(tenant: Tenant) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(verification_status="verified")
    tenant.refresh_from_db()
    return tenant


@pytest.fixture
def publisher(bandung):
    return verify(bandung)


@pytest.fixture
def other_publisher(tangerang):
    return verify(tangerang)


def counts() -> tuple[int, int]:
    return CatalogApp.objects.count(), Release.objects.count()


def minimal_doc() -> dict:
    return yaml.safe_load(MINIMAL)


def dump(doc: dict) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()


def refused(publisher, data: bytes) -> list[Issue]:
    """Import `data`, expect a refusal that changed nothing, return the issues."""
    before = counts()
    with pytest.raises(PubliccodeError) as info:
        import_publiccode(actor=None, publisher=publisher, data=data)
    assert counts() == before
    assert info.value.issues
    return info.value.issues


def paths(issues: list[Issue]) -> list[str]:
    return [issue.path for issue in issues]


def problems(doc: dict) -> list[str]:
    """The field paths of every problem the standard finds in `doc`."""
    return sorted(paths(validate(dump(doc))))


# --- the standard's own examples ---------------------------------------------------------


def test_the_full_spec_example_is_refused_for_its_placeholder_video(publisher):
    issues = refused(publisher, FULL)
    assert paths(issues) == ["description.en.videos[0]"]


def test_full_spec_example_creates_an_entry_with_its_release(publisher):
    result = import_publiccode(actor=None, publisher=publisher, data=FULL_VALID)

    assert result.created
    app = CatalogApp.objects.get(url=MEDUSA_URL)
    assert app == result.app
    assert app.publisher == publisher
    assert app.slug == "medusa"
    assert app.name == "Medusa"
    assert app.short_description_en.startswith(
        "This description can have a maximum 150"
    )
    # No Indonesian text in the file: the main fields hold the English text, and
    # remember it is English.
    assert app.short_description_id == app.short_description_en
    assert app.description_language == "en"
    assert app.long_description_en.startswith("Very long description of this software")
    assert app.features == [
        "Very important feature",
        "Will run without a problem",
        "Has zero bugs",
        "Solves all the problems of the world",
    ]
    assert app.categories == ["content-management", "office"]
    assert app.scope == ["science-and-technology"]
    assert app.development_status == "development"
    assert app.software_type == "standalone/desktop"
    assert app.license == "AGPL-3.0-or-later"
    assert app.documentation_url == "https://read.the.documentation/medusa/v1.0"
    assert app.landing_url == "https://example.com/italia/medusa"
    assert app.platforms == ["android", "ios"]
    assert app.languages == ["en", "it", "fr", "de"]
    assert app.localisation_ready is True
    assert app.publiccode_version == "0"
    assert app.logo_url == "img/logo.svg"
    assert app.maintenance_type == "contract"
    assert [(c.name, c.until, c.website) for c in app.contractors.all()] == [
        ("Fornitore Privato SPA", date(2019, 1, 1), "https://privatecompany.com")
    ]
    assert app.contacts == [
        {
            "name": "Francesco Rossi",
            "email": "francesco.rossi@comune.reggioemilia.it",
            "phone": "+3923113215112",
            "affiliation": "Comune di Reggio Emilia",
        }
    ]
    assert app.delivery_mode == CatalogApp.Delivery.SOURCE
    assert [(r.version, r.released_on) for r in app.releases.all()] == [
        ("1.0", date(2017, 4, 15))
    ]
    # Everything else of the file is kept as written.
    assert app.publiccode["dependsOn"]["open"][0]["name"] == "MySQL"


def test_minimal_spec_example_imports_and_the_full_one_updates_it(publisher):
    first = import_publiccode(actor=None, publisher=publisher, data=MINIMAL)
    assert first.created
    assert first.app.platforms == ["web"]
    assert first.app.categories == []  # optional since 0.4
    assert first.app.contacts == [
        {"name": "Francesco Rossi", "email": "", "phone": "", "affiliation": ""}
    ]
    assert not first.app.releases.exists()

    second = import_publiccode(actor=None, publisher=publisher, data=FULL_VALID)

    assert not second.created
    assert second.app.pk == first.app.pk
    assert second.app.slug == first.app.slug
    assert CatalogApp.objects.filter(url=MEDUSA_URL).count() == 1
    app = CatalogApp.objects.get(pk=first.app.pk)
    assert app.platforms == ["android", "ios"]
    assert app.maintenance_type == "contract"
    assert app.releases.count() == 1
    assert app.contractors.count() == 1


def test_importing_the_same_file_again_changes_nothing(publisher):
    import_publiccode(actor=None, publisher=publisher, data=FULL_VALID)
    before = counts()
    result = import_publiccode(actor=None, publisher=publisher, data=FULL_VALID)
    assert not result.created
    assert counts() == before


def test_a_new_entry_gets_a_free_identifier(publisher):
    services.app_create(
        actor=None,
        publisher=publisher,
        slug="medusa",
        name="Medusa lama",
        short_description_id="Aplikasi lain dengan nama yang sama.",
        development_status="stable",
        delivery_mode="source",
        license="MIT",
        url="https://example.com/other/medusa.git",
    )
    result = import_publiccode(actor=None, publisher=publisher, data=MINIMAL)
    assert result.app.slug == "medusa-2"


# --- files as written in the wild ---------------------------------------------------------

LAKSA_ID = (
    "Laksa mengelola surat masuk dan keluar perangkat daerah, disposisi pimpinan "
    "secara berjenjang, penomoran surat otomatis dan arsip digital yang dapat "
    "dicari, sehingga surat dinas tidak lagi tercecer di meja."
)
LAKSA_EN = (
    "Laksa handles the incoming and outgoing letters of a local government, "
    "tiered instructions from the head of office, automatic letter numbers and a "
    "searchable digital archive, so official letters no longer get lost."
)
WILD_0_2 = f"""\
# Written for version 0.2: a date without quotes, an Italian section,
# Indonesian and English texts, deprecated keys.
publiccodeYmlVersion: "0.2"
name: Laksa
url: https://git.example.go.id/tangerang/laksa
landingURL: https://laksa.example.go.id
softwareVersion: 2.10
releaseDate: 2019-05-01
logo: img/laksa.svg
platforms:
  - web
categories:
  - document-management
  - workflow-management
usedBy:
  - Kota Tangerang
  - Kabupaten Serang
developmentStatus: stable
softwareType: standalone/web
intendedAudience:
  countries:
    - id
  scope:
    - government
    - local-authorities
description:
  id:
    genericName: Surat elektronik
    shortDescription: Layanan persuratan dinas secara elektronik.
    longDescription: |
      {LAKSA_ID}
    documentation: https://docs.example.go.id/laksa
    features:
      - Surat masuk dan keluar
      - Disposisi berjenjang
    screenshots:
      - https://laksa.example.go.id/img/kotak-masuk.png
  en:
    shortDescription: Electronic official correspondence.
    longDescription: {LAKSA_EN}
    features:
      - Letters
legal:
  license: GPL-3.0-only
  repoOwner: Kota Tangerang
maintenance:
  type: internal
  contacts:
    - name: Budi Santoso
      email: budi@tangerangkota.go.id
      phone: "+62215550123"
      affiliation: ""
localisation:
  localisationReady: false
  availableLanguages:
    - id
dependsOn:
  open:
    - name: PostgreSQL
      versionMin: 12
      version: ""
it:
  conforme:
    gdpr: true
  riuso:
    codiceIPA: c_l219
"""


def test_a_0_2_file_with_an_italian_section_and_indonesian_text_imports(publisher):
    result = import_publiccode(actor=None, publisher=publisher, data=WILD_0_2.encode())

    app = result.app
    assert app.name == "Laksa"
    assert app.description_language == "id"
    assert app.short_description_id == "Layanan persuratan dinas secara elektronik."
    assert app.short_description_en == "Electronic official correspondence."
    assert app.long_description_id == LAKSA_ID
    assert app.long_description_en == LAKSA_EN
    # The Indonesian features are the entry's; the English list stays English.
    assert app.features == ["Surat masuk dan keluar", "Disposisi berjenjang"]
    assert app.documentation_url == "https://docs.example.go.id/laksa"
    assert app.scope == ["government", "local-authorities"]
    assert app.languages == ["id"]
    assert app.localisation_ready is False
    assert app.publiccode_version == "0.2"
    assert app.contacts[0]["phone"] == "+62215550123"
    assert [(r.version, r.released_on) for r in app.releases.all()] == [
        ("2.10", date(2019, 5, 1))
    ]

    doc = export_document(app)
    assert doc["publiccodeYmlVersion"] == "0.2"
    assert doc["softwareVersion"] == "2.10"
    assert doc["localisation"]["localisationReady"] is False
    assert doc["description"]["en"]["features"] == ["Letters"]
    assert doc["description"]["id"]["features"] == app.features
    assert doc["description"]["id"]["screenshots"] == [
        "https://laksa.example.go.id/img/kotak-masuk.png"
    ]
    assert doc["it"] == {"conforme": {"gdpr": True}, "riuso": {"codiceIPA": "c_l219"}}
    assert doc["usedBy"] == ["Kota Tangerang", "Kabupaten Serang"]
    assert doc["logo"] == "img/laksa.svg"
    assert doc["dependsOn"] == {
        "open": [{"name": "PostgreSQL", "versionMin": "12", "version": ""}]
    }
    assert doc["intendedAudience"]["countries"] == ["id"]
    assert doc["legal"]["repoOwner"] == "Kota Tangerang"


def _described(languages: dict) -> dict:
    doc = minimal_doc()
    long = "Una descrizione lunga. " * 8
    doc["description"] = {
        code: {
            "shortDescription": f"{label} short",
            "longDescription": f"{label}: {long}",
            "features": [f"{label} feature"],
        }
        for code, label in languages.items()
    }
    return doc


def test_an_italian_description_is_exported_as_italian(publisher):
    doc = _described({"it": "Italiano"})
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app
    assert app.description_language == "it"
    exported = export_document(app)
    assert list(exported["description"]) == ["it"]
    assert exported["description"]["it"]["features"] == ["Italiano feature"]


def test_the_english_features_stay_english_beside_french_and_dutch(publisher):
    doc = _described({"fr": "Français", "en": "English", "nl": "Nederlands"})
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app
    assert app.features == ["English feature"]
    exported = export_document(app)["description"]
    assert {code: block["features"] for code, block in exported.items()} == {
        "en": ["English feature"],
        "fr": ["Français feature"],
        "nl": ["Nederlands feature"],
    }


@pytest.mark.parametrize(
    "languages",
    [
        {"id": "Indonesia", "en-GB": "British"},
        {"en-GB": "British", "id": "Indonesia"},
        {"id": "Indonesia", "en-US": "American", "en-GB": "British"},
        {"en-US": "American", "en-GB": "British", "it": "Italiano"},
        {"it": "Italiano", "en-US": "American"},
        {"en-US": "American"},
        {"pt-BR": "Português"},
        {"id": "Indonesia", "en": "English", "en-GB": "British"},
    ],
    ids=lambda languages: "+".join(languages),
)
def test_the_export_has_exactly_the_files_languages_each_with_its_own_text(
    publisher, languages
):
    doc = _described(languages)
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app

    exported = export_document(app)["description"]

    assert set(exported) == set(languages)
    for code, label in languages.items():
        assert exported[code]["shortDescription"] == f"{label} short"
        assert exported[code]["features"] == [f"{label} feature"]


def test_the_english_block_is_the_same_whatever_the_files_order(publisher):
    # The stored document does not keep the file's order (PostgreSQL jsonb):
    # the import and the export must take the same English block regardless.
    first = _described({"id": "Indonesia", "en-US": "American", "en-GB": "British"})
    app = import_publiccode(actor=None, publisher=publisher, data=dump(first)).app
    assert app.short_description_en == "British short"
    second = _described({"id": "Indonesia", "en-GB": "British", "en-US": "American"})
    second["url"] = "https://example.com/other.git"
    other = import_publiccode(actor=None, publisher=publisher, data=dump(second)).app
    assert other.short_description_en == "British short"


def test_english_edits_go_back_to_the_block_they_came_from(publisher):
    doc = _described({"id": "Indonesia", "en-GB": "British", "it": "Italiano"})
    doc["description"]["en-GB"]["documentation"] = "https://docs.example.org/en"
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app

    services.app_update(
        actor=None,
        app=app,
        short_description_en="Edited in the catalog",
        features_en=["A new feature"],
    )
    exported = export_document(CatalogApp.objects.get(pk=app.pk))["description"]

    assert list(exported) == ["id", "en-GB", "it"]
    assert exported["en-GB"] == {
        "shortDescription": "Edited in the catalog",
        "longDescription": doc["description"]["en-GB"]["longDescription"].strip(),
        "documentation": "https://docs.example.org/en",
        "features": ["A new feature"],
    }

    # The English text removed in the catalog leaves the file; Italian stays.
    services.app_update(
        actor=None,
        app=app,
        short_description_en="",
        long_description_en="",
        features_en=[],
    )
    exported = export_document(CatalogApp.objects.get(pk=app.pk))["description"]
    assert list(exported) == ["id", "it"]


def test_descriptions_are_shown_in_the_visitors_language_with_fallback(publisher):
    doc = _described({"id": "Indonesia", "en": "English", "it": "Italiano"})
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app
    with translation.override("it"):
        assert app.short_description == "Italiano short"
    with translation.override("en"):
        assert app.short_description == "English short"
    with translation.override("id"):
        assert app.short_description == "Indonesia short"
    with translation.override("de"):
        assert app.short_description == "Indonesia short"


@pytest.mark.parametrize(
    "version",
    ["0.2", "0.2.2", "0.3.0", "0.4.0", "0.4", "0", "0.5.0", "0.7"],
)
def test_every_supported_version_is_accepted(version):
    doc = minimal_doc()
    doc["publiccodeYmlVersion"] = version
    assert problems(doc) == []


@pytest.mark.parametrize("version", ["0.1", "1.0", "latest", "", "0.2.x", "0.6"])
def test_unsupported_versions_are_refused(version):
    doc = minimal_doc()
    doc["publiccodeYmlVersion"] = version
    assert problems(doc) == ["publiccodeYmlVersion"]


def test_a_version_written_as_a_number_is_refused():
    data = MINIMAL.replace(b'publiccodeYmlVersion: "0"', b"publiccodeYmlVersion: 0.2")
    assert paths(validate(data)) == ["publiccodeYmlVersion"]


def test_empty_optional_strings_are_accepted():
    doc = minimal_doc()
    doc["maintenance"]["contacts"][0].update(phone="", affiliation="")
    doc.update(logo="", applicationSuite="", releaseDate=None, landingURL=None)
    doc["dependsOn"] = {"open": [{"name": "PostgreSQL", "version": ""}]}
    assert problems(doc) == []


def test_empty_values_the_standard_checks_are_refused():
    doc = minimal_doc()
    doc["maintenance"]["contacts"][0]["email"] = ""
    doc.update(landingURL="", releaseDate="")
    assert problems(doc) == [
        "landingURL",
        "maintenance.contacts[0].email",
        "releaseDate",
    ]


def test_the_0_2_deprecated_keys_are_still_read():
    doc = minimal_doc()
    doc["publiccodeYmlVersion"] = "0.2"
    doc["legal"].update(repoOwner="Pemkot Bandung", authorsFile="AUTHORS")
    doc["description"]["en"]["genericName"] = "Grant tracker"
    doc.update(monochromeLogo="logo-mono.svg", inputTypes=["text/csv"])
    assert problems(doc) == []


# --- hostile and malformed files ------------------------------------------------------------

BILLION_LAUGHS = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_quickly(publisher):
    started = time.monotonic()
    issues = refused(publisher, BILLION_LAUGHS)
    assert time.monotonic() - started < 1
    assert issues[0].path == ""
    assert "aliases are expanded" in issues[0].message


def test_many_small_aliases_are_refused(publisher):
    lines = ["x: &x 1"] + [f"k{n}: *x" for n in range(MAX_ALIASES + 1)]
    issues = refused(publisher, "\n".join(lines).encode())
    assert f"more than {MAX_ALIASES} YAML aliases" in issues[0].message


def test_an_alias_inside_itself_is_refused(publisher):
    issues = refused(publisher, b"name: &a [x, *a]\n")
    assert "refers to the structure that contains it" in issues[0].message


def test_deep_nesting_is_refused_without_a_crash(publisher):
    issues = refused(publisher, b"name: " + b"[" * 5000 + b"]" * 5000)
    assert "nested more than" in issues[0].message


def test_a_file_over_256_kb_is_refused_before_parsing(publisher):
    huge = MINIMAL + b"# " + b"x" * (256 * 1024) + b"\n"
    issues = refused(publisher, huge)
    assert issues == [Issue("", "The file is larger than 256 KB.")]


def test_a_file_under_the_limit_with_too_many_values_is_refused(publisher):
    many = MINIMAL + b"usedBy:\n" + b"- a\n" * 60_000
    assert len(many) < 256 * 1024
    started = time.monotonic()
    issues = refused(publisher, many)
    assert time.monotonic() - started < 5
    assert "more than" in issues[0].message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"name: [Medusa\nurl: x\n", "Not valid YAML at line"),
        (b"name: Medusa\n\tname: x\n", "Not valid YAML at line 2"),
        (b"name: Medusa\nname: Other\n", "duplicate key 'name'"),
        (b"name: a\n---\nname: b\n", "single document"),
        (b"!!python/object/apply:os.system ['echo hacked']\n", "constructor"),
        (b"name: !!python/name:os.system\n", "constructor"),
        (b"- just\n- a list\n", "must be a YAML mapping"),
        (b"Medusa\n", "must be a YAML mapping"),
        (b"", "The file is empty."),
        (b"# only a comment\n", "The file is empty."),
        (b"name: \xc0\xaf\n", "not UTF-8"),
        ("name: Medusa".encode("utf-16"), "not UTF-8"),
        (b"name: a\x00b\n", "character YAML does not allow"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_reason(publisher, data, expected):
    issues = refused(publisher, data)
    assert expected in issues[0].message


def test_plain_scalars_are_read_as_the_reference_parser_reads_them():
    # Numbers keep the text written; YAML 1.1 dates and `no` stay text.
    doc = load(b"a: 0.2\nb: 2017-04-15\nc: 1.10\nd: +62215550123\nno: x\ne: true\nf:\n")
    assert doc == {
        "a": "0.2",
        "b": "2017-04-15",
        "c": "1.10",
        "d": "+62215550123",
        "no": "x",
        "e": True,
        "f": None,
    }


def test_a_utf8_byte_order_mark_is_fine():
    assert load(b"\xef\xbb\xbf" + MINIMAL)["name"] == "Medusa"


def _set(doc: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    target = doc
    for key in parents:
        if key.endswith("]"):
            key, index = key[:-1].split("[")
            target = target[key][int(index)]
        else:
            target = target.setdefault(key, {})
    target[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        # Block lists are named by their first item, as the reference parser does.
        ("name", [1, 2], ["name", "name[0]"]),
        ("name", "", ["name"]),
        ("platforms", {"web": True}, ["platforms", "platforms.web"]),
        ("platforms", "web", ["platforms", "platforms"]),
        ("platforms", [], ["platforms"]),
        ("url", "not a url", ["url"]),
        ("releaseDate", "15/04/2017", ["releaseDate"]),
        ("releaseDate", "2017-02-30", ["releaseDate"]),
        ("softwareVersion", ["1.0"], ["softwareVersion[0]"]),
        ("description", "A tool", ["description", "description"]),
        (
            "description.en.shortDescription",
            "x" * 151,
            ["description.en.shortDescription"],
        ),
        (
            "description.en.longDescription",
            "Too short.",
            ["description.en.longDescription"],
        ),
        ("description.en.features", [], ["description.en.features"]),
        ("description.en.documentation", "docs", ["description.en.documentation"]),
        ("legal.license", "GPL v3", ["legal.license"]),
        (
            "localisation.localisationReady",
            "yes",
            [
                "localisation.availableLanguages",
                "localisation.localisationReady",
                "localisation.localisationReady",
            ],
        ),
        (
            "maintenance.contacts[0].email",
            "rossi at example",
            ["maintenance.contacts[0].email"],
        ),
    ],
)
def test_problems_name_the_field_as_the_reference_parser_does(path, value, expected):
    assert problems(_set(minimal_doc(), path, value)) == sorted(expected)


def test_a_wrong_type_is_reported_once_and_its_section_counts_as_missing():
    doc = minimal_doc()
    doc["localisation"]["localisationReady"] = "yes"
    issues = validate(dump(doc))
    assert [issue.path for issue in issues] == [
        "localisation.localisationReady",
        "localisation.localisationReady",
        "localisation.availableLanguages",
    ]
    assert "true or false" in issues[0].message


def test_a_bad_list_item_is_named_by_its_position(publisher):
    doc = _set(minimal_doc(), "localisation.availableLanguages", ["en", "English"])
    issues = refused(publisher, dump(doc))
    assert issues == [
        Issue(
            "localisation.availableLanguages[1]",
            "English is not a language tag such as id, en or pt-BR.",
        )
    ]


@pytest.mark.parametrize(
    ("languages", "valid"),
    [
        (["id", "en", "jv", "su"], True),
        (["pt-BR", "zh-Hant-TW", "sl-IT-nedis", "EN"], True),
        (["xx"], False),
        (["eng"], False),
        (["en-XX"], False),
    ],
)
def test_languages_are_iso_639_1_tags(languages, valid):
    doc = _set(minimal_doc(), "localisation.availableLanguages", languages)
    assert (problems(doc) == []) is valid


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("developmentStatus", "finished", "use one of: concept, development, beta"),
        ("softwareType", "app", "use one of: standalone/mobile"),
        (
            "maintenance.type",
            "sometimes",
            "use one of: internal, contract, community, none",
        ),
    ],
)
def test_values_outside_the_vocabularies_are_refused(publisher, path, value, expected):
    issues = refused(publisher, dump(_set(minimal_doc(), path, value)))
    assert paths(issues) == [path]
    assert expected in issues[0].message


def test_categories_and_scopes_outside_the_lists_are_named_by_position():
    doc = minimal_doc()
    doc["categories"] = ["office", "social-media"]
    doc["intendedAudience"] = {"scope": ["space-travel"]}
    assert problems(doc) == ["categories[1]", "intendedAudience.scope[0]"]


def test_unknown_keys_are_refused_but_the_italian_country_section_is_read():
    doc = minimal_doc()
    doc["it"] = {"riuso": {"codiceIPA": "c_h501"}, "conforme": {"gdpr": True}}
    assert problems(doc) == []
    doc["colour"] = "blue"
    assert problems(doc) == ["colour"]
    del doc["colour"]
    doc["DE"] = {"foerderung": True}
    assert problems(doc) == ["DE"]
    del doc["DE"]
    doc["IT"] = {"piattaforme": {"spid": True}}
    assert problems(doc) == ["it"]  # one Italian section, not two


def test_a_regional_description_is_named_as_the_reference_parser_names_it():
    # description.it-IT.features in the reference parser's field rules is
    # description[it-IT].features; a key of letters only keeps its dot.
    doc = minimal_doc()
    doc["description"]["it-IT"] = {"shortDescription": "Breve", "videos": ["no"]}
    doc["description"]["it"] = {"shortDescription": "Breve"}
    assert problems(doc) == [
        "description.it-IT.videos[0]",  # the video check, made later, uses dots
        "description.it.features",
        "description.it.longDescription",
        "description[it-IT].features",
        "description[it-IT].longDescription",
        "description[it-IT].videos[0]",
    ]


def test_blocks_under_a_key_that_is_no_language_are_not_checked():
    doc = minimal_doc()
    doc["description"]["en_GB"] = {"shortDescription": "Short", "documentation": "x"}
    assert problems(doc) == ["description"]


def test_the_catalogs_own_refusals_name_a_regional_block_the_same_way(publisher):
    doc = minimal_doc()
    block = doc["description"].pop("en")
    block["features"] = ["x" * 201]  # more than a catalog feature holds
    doc["description"]["pt-BR"] = block
    doc["localisation"]["availableLanguages"] = ["pt-BR"]
    assert problems(doc) == []
    assert paths(refused(publisher, dump(doc))) == ["description[pt-BR].features"]


@pytest.mark.parametrize("value", [True, False, "TRUE", "false"])
def test_true_or_false_is_no_ipa_code(value):
    doc = minimal_doc()
    doc["it"] = {"riuso": {"codiceIPA": value}}
    assert problems(doc) == ["it.riuso.codiceIPA"]
    doc["it"]["riuso"]["codiceIPA"] = "C_H501"  # looked up case-insensitively
    assert problems(doc) == []


# Addresses on both sides of the reference parser's e-mail rule (its pattern
# and Go's RFC 5322 parser): labels, dots, quoted and international parts.
EMAILS = [
    "rossi@comune.example",
    "a@b.co",
    "a@b..c",
    "a@b..c.d",
    "a@b.c.",
    "a@b.c1",
    "a@1.b",
    "a@-b.cd",
    "a@b-.cd",
    "a@b~c.de",
    "a@b.c-d",
    "a@b",
    "a..b@c.de",
    ".a@b.cd",
    "a.@b.cd",
    "a+tag@b.cd",
    "a b@c.de",
    '"a b"@c.de',
    '""@c.de',
    '"a\\"b"@c.de',
    '"a"b"@c.de',
    "jürgen@münchen.example",
    "a@b_c.de",
    "a@[127.0.0.1]",
    " a@b.cd",
    "a@b.cd ",
    "😀@b.cd",
]


def test_email_addresses_are_judged_as_the_reference_validator_judges_them(
    validator, tmp_path
):
    doc = minimal_doc()
    doc["maintenance"]["contacts"] = [
        {"name": f"Contact {index}", "email": address}
        for index, address in enumerate(EMAILS)
    ]
    refused_by_validator = {
        error["key"] for error in validator(dump(doc).decode(), tmp_path)
    }
    theirs = {
        address: f"maintenance.contacts[{index}].email" not in refused_by_validator
        for index, address in enumerate(EMAILS)
    }
    ours = {
        address: f"maintenance.contacts[{index}].email" not in problems(doc)
        for index, address in enumerate(EMAILS)
    }
    assert ours == theirs
    # Both verdicts are represented.
    assert theirs["a@b.co"] and theirs['"a b"@c.de'] and not theirs["a@b..c"]


# iPA codes BagiPakai judges as the validator does (its register has `c`, `C_H501`,
# `r_lazio`, `agid`; not `123`, `x`, `_`), and the ones it cannot without the register.
IPA_CODES = ["c", "C", "c_h501", "C_H501", "r_lazio", "agid", "123", "_", " c", "c:x"]
IPA_CODES_NOT_IN_THE_REGISTER = ["zz99", "x", "c_h50"]  # accepted by BagiPakai
IPA_CODES_OF_DIGITS_ONLY = ["102"]  # in the register, refused by BagiPakai


def test_ipa_codes_are_judged_as_the_reference_validator_judges_them(
    validator, tmp_path
):
    def judged(codes, section):
        docs = []
        for code in codes:
            doc = minimal_doc()
            if section == "it":
                doc["it"] = {"riuso": {"codiceIPA": code}}
            else:
                doc["organisation"] = {"uri": f"urn:x-italian-pa:{code}"}
            docs.append(doc)
        theirs = {
            code: not validator(dump(doc).decode(), tmp_path)
            for code, doc in zip(codes, docs, strict=True)
        }
        ours = {code: not problems(doc) for code, doc in zip(codes, docs, strict=True)}
        return ours, theirs

    for section in ("it", "organisation"):
        ours, theirs = judged(IPA_CODES, section)
        assert ours == theirs, section
        assert theirs["c"] and not theirs["123"]
        # Where BagiPakai and the validator differ (docs/publiccode.md).
        ours, theirs = judged(IPA_CODES_NOT_IN_THE_REGISTER, section)
        assert all(ours.values()) and not any(theirs.values()), section
        ours, theirs = judged(IPA_CODES_OF_DIGITS_ONLY, section)
        assert not any(ours.values()) and all(theirs.values()), section


def test_an_organisation_named_by_an_ipa_code_is_checked_like_codice_ipa():
    doc = minimal_doc()
    doc["organisation"] = {"uri": "URN:X-Italian-PA:123"}
    doc["fundedBy"] = [{"name": "Regione", "uri": "urn:x-italian-pa:r_lazio"}]
    assert problems(doc) == ["organisation.uri"]
    doc["organisation"]["uri"] = "urn:x-italian-pa:c_h501"
    doc["fundedBy"][0]["uri"] = "urn:x-italian-pa:"
    assert problems(doc) == ["fundedBy[0].uri"]
    doc["fundedBy"][0]["uri"] = "urn:x-other-register:123"
    assert problems(doc) == []


def test_an_unknown_key_in_a_description_names_its_path():
    doc = minimal_doc()
    doc["description"]["en"]["summary"] = "Short"
    # Decoding stops there, so the description counts as missing as well.
    assert problems(doc) == ["description", "description.en.summary"]


def test_missing_required_fields_are_each_reported():
    doc = minimal_doc()
    del doc["name"]
    del doc["legal"]["license"]
    del doc["maintenance"]["contacts"]
    del doc["description"]["en"]["longDescription"]
    del doc["description"]["en"]["features"]
    doc["localisation"] = {}

    assert problems(doc) == [
        "description.en.features",
        "description.en.longDescription",
        "legal.license",
        "localisation.availableLanguages",
        "localisation.localisationReady",
        "maintenance.contacts",
        "name",
    ]


def test_contractors_are_required_for_contract_maintenance_and_only_then():
    doc = minimal_doc()
    doc["maintenance"]["type"] = "contract"
    assert problems(doc) == ["maintenance.contractors"]
    doc["maintenance"]["contractors"] = [{"name": "PT Contoh", "until": "2030-01-01"}]
    assert problems(doc) == []
    doc["maintenance"]["contractors"][0]["until"] = "soon"
    assert problems(doc) == ["maintenance.contractors[0].until"]
    doc["maintenance"]["contractors"][0]["until"] = "2030-01-01"
    doc["maintenance"]["type"] = "internal"
    assert problems(doc) == ["maintenance.contractors"]


def test_a_contract_entry_cannot_lose_its_contractors(publisher):
    doc = minimal_doc()
    doc["maintenance"]["type"] = "contract"
    doc["maintenance"]["contractors"] = [{"name": "PT Contoh", "until": "2030-01-01"}]
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app
    with pytest.raises(ValidationError) as info:
        services.app_update(actor=None, app=app, contractors=[])
    assert info.value.message_dict == {
        "contractors": ["Name the contractors when maintenance is by contract."]
    }
    assert app.contractors.count() == 1


def test_an_entry_leaving_a_contract_must_let_its_contractors_go(publisher):
    doc = minimal_doc()
    doc["maintenance"]["type"] = "contract"
    doc["maintenance"]["contractors"] = [{"name": "PT Contoh", "until": "2030-01-01"}]
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app
    # Kept contractors under another maintenance type would export a file the
    # standard refuses: the service refuses instead, and changes nothing.
    with pytest.raises(ValidationError) as info:
        services.app_update(actor=None, app=app, maintenance_type="internal")
    assert info.value.message_dict == {
        "contractors": ["Contractors are listed only when maintenance is by contract."]
    }
    app = CatalogApp.objects.get(pk=app.pk)
    assert app.maintenance_type == "contract" and app.contractors.count() == 1

    services.app_update(
        actor=None, app=app, maintenance_type="internal", contractors=[]
    )
    app = CatalogApp.objects.get(pk=app.pk)
    assert app.maintenance_type == "internal" and not app.contractors.exists()
    assert validate(export_publiccode(app)) == []


def test_a_new_contract_entry_names_its_contractors(publisher):
    fields = {
        "name": "Sikda",
        "slug": "sikda",
        "short_description_id": "Sistem informasi kesehatan daerah.",
        "development_status": "stable",
        "delivery_mode": "source",
        "license": "MIT",
        "url": "https://code.example.test/sikda",
        "maintenance_type": "contract",
    }
    with pytest.raises(ValidationError) as info:
        services.app_create(actor=None, publisher=publisher, **fields)
    assert list(info.value.message_dict) == ["contractors"]
    assert not CatalogApp.objects.filter(slug="sikda").exists()

    app = services.app_create(
        actor=None,
        publisher=publisher,
        contractors=[{"name": "PT Contoh", "until": date(2030, 1, 1)}],
        **fields,
    )
    assert [c.name for c in app.contractors.all()] == ["PT Contoh"]


def test_a_contractor_the_catalog_cannot_store_is_reported_not_a_crash(publisher):
    doc = minimal_doc()
    doc["maintenance"]["type"] = "contract"
    doc["maintenance"]["contractors"] = [
        {"name": "PT " + "x" * 300, "until": "2030-01-01"}
    ]
    assert problems(doc) == []
    issues = refused(publisher, dump(doc))
    assert paths(issues) == ["maintenance.contractors"]


def test_keys_that_are_not_text_are_refused(publisher):
    issues = refused(publisher, MINIMAL + b"true: 1\n")
    assert paths(issues) == ["true"]


def test_a_flood_of_problems_is_summarised():
    doc = minimal_doc()
    doc["categories"] = [f"unknown{n}" for n in range(500)]
    issues = validate(dump(doc))
    assert len(issues) == 101
    assert issues[-1].message == "… and 400 more problems."


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("AGPL-3.0-or-later", True),
        ("agpl-3.0-or-later", True),
        ("EUPL-1.2 OR AGPL-3.0-or-later", True),
        ("(MIT AND BSD-3-Clause) OR Apache-2.0", True),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", True),
        ("LicenseRef-Pemkot-Bandung", True),
        ("GPL-2.0+", True),
        ("MIT or Apache-2.0", False),
        ("GPL v3", False),
        ("Proprietary", False),
        ("MIT OR", False),
        ("(MIT", False),
        ("MIT)", False),
        ("AND", False),
        ("", False),
        ("(" * 50 + "MIT" + ")" * 50, False),
    ],
)
def test_licences_must_be_spdx_expressions(text, valid):
    assert is_spdx_expression(text) is valid


# --- all or nothing ------------------------------------------------------------------------


def test_an_entry_of_another_publisher_cannot_be_overwritten(
    publisher, other_publisher
):
    theirs = import_publiccode(actor=None, publisher=other_publisher, data=MINIMAL).app

    issues = refused(publisher, FULL_VALID)

    assert paths(issues) == ["url"]
    assert "Another organisation already lists this repository" in issues[0].message
    theirs.refresh_from_db()
    assert theirs.publisher == other_publisher
    assert theirs.platforms == ["web"]
    assert not theirs.releases.exists()


def test_the_publishing_organisation_changes_only_when_confirmed(publisher):
    doc = minimal_doc()
    doc["organisation"] = {"uri": "https://bandung.go.id", "name": "Kota Bandung"}
    app = import_publiccode(actor=None, publisher=publisher, data=dump(doc)).app
    doc["organisation"] = {"uri": "https://diskominfo.example.id", "name": "Diskominfo"}

    issues = refused(publisher, dump(doc))

    assert paths(issues) == ["organisation"]
    assert "Kota Bandung" in issues[0].message and "Diskominfo" in issues[0].message
    app.refresh_from_db()
    assert app.publiccode["organisation"]["name"] == "Kota Bandung"

    import_publiccode(
        actor=None, publisher=publisher, data=dump(doc), confirm_publisher_change=True
    )
    app.refresh_from_db()
    assert app.publiccode["organisation"]["name"] == "Diskominfo"


def test_a_release_the_catalog_cannot_store_leaves_no_new_entry(publisher):
    doc = yaml.safe_load(FULL_VALID)
    doc["softwareVersion"] = (
        "1." + "0" * 60
    )  # valid publiccode.yml, too long for a Release

    issues = refused(publisher, dump(doc))

    assert paths(issues) == ["softwareVersion"]
    assert not CatalogApp.objects.filter(url=MEDUSA_URL).exists()


def test_a_failed_update_leaves_the_entry_as_it_was(publisher):
    app = import_publiccode(actor=None, publisher=publisher, data=MINIMAL).app
    doc = yaml.safe_load(FULL_VALID)
    doc["name"] = "Medusa Baru"
    doc["softwareVersion"] = "x" * 41

    refused(publisher, dump(doc))

    app.refresh_from_db()
    assert app.name == "Medusa"
    assert app.platforms == ["web"]
    assert not app.releases.exists()
    assert not app.contractors.exists()


def test_values_the_catalog_cannot_store_are_reported_by_field(publisher):
    # The standard accepts any URL scheme; the catalog links only web addresses.
    doc = _set(minimal_doc(), "url", "javascript:alert(1)")
    assert problems(doc) == []
    issues = refused(publisher, dump(doc))
    assert paths(issues) == ["url"]


def test_an_unverified_organisation_cannot_publish_by_import(tangerang):
    Tenant.objects.filter(pk=tangerang.pk).update(verification_status="unverified")
    tangerang.refresh_from_db()
    before = counts()
    with pytest.raises(PermissionDenied):
        import_publiccode(actor=None, publisher=tangerang, data=MINIMAL)
    assert counts() == before


# --- the management command ------------------------------------------------------------------


def run_command(*args) -> tuple[str, str, CommandError | None]:
    stdout, stderr = StringIO(), StringIO()
    error = None
    try:
        call_command("import_publiccode", *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        error = exc
    return stdout.getvalue(), stderr.getvalue(), error


def test_command_imports_good_files_and_reports_bad_ones(publisher, tmp_path):
    good = tmp_path / "laksa.yml"
    good.write_text(WILD_0_2)
    bad = tmp_path / "bad.yml"
    doc = minimal_doc()
    doc["name"] = [1, 2]
    bad.write_bytes(dump(doc))
    bomb = tmp_path / "bomb.yml"
    bomb.write_bytes(BILLION_LAUGHS)

    out, err, error = run_command(
        str(good),
        str(bad),
        str(bomb),
        str(tmp_path / "missing.yml"),
        "--publisher",
        "bandung",
    )

    assert f"{good}: created laksa (Laksa)" in out
    assert f"{bad}: not imported:" in err
    assert "  name[0]: Wrong type for this field: text expected." in err
    assert f"{bomb}: not imported:" in err
    assert f"{tmp_path / 'missing.yml'}: not imported:" in err
    assert error is not None and error.returncode == 1
    assert "3 of 4 files were not imported" in str(error)
    assert CatalogApp.objects.filter(name="Laksa", publisher=publisher).exists()
    assert not CatalogApp.objects.filter(url=MEDUSA_URL).exists()


def test_command_creates_then_updates(publisher, tmp_path):
    minimal = tmp_path / "publiccode.minimal.yml"
    minimal.write_bytes(MINIMAL)
    full = tmp_path / "publiccode.yml"
    full.write_bytes(FULL_VALID)

    out, err, error = run_command(str(minimal), str(full), "--publisher", "bandung")

    assert error is None, err
    assert f"{minimal}: created medusa (Medusa)" in out
    assert f"{full}: updated medusa (Medusa)" in out
    assert CatalogApp.objects.filter(url=MEDUSA_URL).count() == 1


def test_command_changes_the_publishing_organisation_only_with_the_flag(
    publisher, tmp_path
):
    doc = minimal_doc()
    doc["organisation"] = {"uri": "https://bandung.go.id", "name": "Kota Bandung"}
    (tmp_path / "a.yml").write_bytes(dump(doc))
    doc["organisation"] = {"uri": "https://diskominfo.example.id", "name": "Diskominfo"}
    (tmp_path / "b.yml").write_bytes(dump(doc))
    run_command(str(tmp_path / "a.yml"), "--publisher", "bandung")

    _, err, error = run_command(str(tmp_path / "b.yml"), "--publisher", "bandung")
    assert error is not None
    assert "--confirm-publisher-change" in err

    out, err, error = run_command(
        str(tmp_path / "b.yml"), "--publisher", "bandung", "--confirm-publisher-change"
    )
    assert error is None, err
    app = CatalogApp.objects.get(url=MEDUSA_URL)
    assert app.publiccode["organisation"]["name"] == "Diskominfo"


def test_command_refuses_a_huge_file_without_reading_it_all(publisher, tmp_path):
    huge = tmp_path / "huge.yml"
    huge.write_bytes(MINIMAL + b"#" * (2 * 1024 * 1024))
    _, err, error = run_command(str(huge), "--publisher", "bandung")
    assert "The file is larger than 256 KB." in err
    assert error is not None


def test_command_needs_an_existing_publisher(tmp_path):
    _, _, error = run_command(str(DATA / "publiccode.yml"), "--publisher", "atlantis")
    assert error is not None
    assert "atlantis" in str(error)


# --- export -----------------------------------------------------------------------------------

SIKDA_ID = (
    "Baris pertama tentang sistem informasi kesehatan daerah yang mencatat rekam "
    "medis, rujukan antarfasilitas dan laporan puskesmas.\r\nBaris kedua dengan "
    "*penekanan*.\r\n\r\n- butir\r\n"
)


SIKDA_EN = (
    "The regional health information system records medical histories, referrals "
    "between health facilities and the monthly reports of community health centres."
)


def test_an_english_text_begun_in_the_catalog_is_exported_once_complete(publisher):
    app = services.app_create(
        actor=None,
        publisher=publisher,
        slug="sikda",
        name="SIKDA",
        short_description_id="Sistem informasi kesehatan daerah.",
        short_description_en="Regional health information system.",
        long_description_id=SIKDA_ID,
        features=["Rekam medis"],
        development_status="beta",
        delivery_mode="source",
        license="MIT",
        url="https://git.example.go.id/bandung/sikda",
    )
    assert list(export_document(app)["description"]) == ["id"]
    assert validate(export_publiccode(app)) == []
    services.app_update(
        actor=None, app=app, long_description_en=SIKDA_EN, features_en=["Records"]
    )
    assert list(export_document(app)["description"]) == ["id", "en"]
    assert validate(export_publiccode(app)) == []


def test_export_is_valid_and_stable_through_import(publisher):
    app = import_publiccode(actor=None, publisher=publisher, data=FULL_VALID).app
    exported = export_publiccode(app)

    assert validate(exported) == []
    before = counts()
    result = import_publiccode(actor=None, publisher=publisher, data=exported.encode())
    assert not result.created
    assert result.app.pk == app.pk
    assert counts() == before
    assert export_publiccode(CatalogApp.objects.get(pk=app.pk)) == exported


def test_export_of_an_entry_made_in_the_catalog_round_trips(publisher):
    app = services.app_create(
        actor=None,
        publisher=publisher,
        slug="sikda",
        name="  SIKDA   Kesehatan ",
        short_description_id="Sistem informasi kesehatan daerah.  ",
        short_description_en="Regional health information system.",
        long_description_id=SIKDA_ID,
        long_description_en=SIKDA_EN,
        features=["Rekam medis", "Rujukan"],
        features_en=["Medical records", "Referrals"],
        categories=["data-collection"],
        scope=["healthcare"],
        development_status="beta",
        software_type="standalone/web",
        delivery_mode="external",
        license="EUPL-1.2 OR MIT",
        url="https://git.example.go.id/bandung/sikda",
        documentation_url="https://docs.example.go.id/sikda",
        landing_url="",
        platforms=[],
        languages=[],
        maintenance_type="internal",
        contacts=[],
    )
    services.release_add(
        actor=None, app=app, version="1.0", released_on=date(2023, 1, 2)
    )
    services.release_add(
        actor=None, app=app, version="1.1", released_on=date(2024, 6, 30)
    )

    exported = export_publiccode(app)
    doc = load(exported.encode())

    assert validate(exported) == []
    assert doc["publiccodeYmlVersion"] == "0"
    assert doc["name"] == "SIKDA Kesehatan"
    assert doc["softwareVersion"] == "1.1"
    assert doc["releaseDate"] == "2024-06-30"
    assert doc["description"]["id"] == {
        "shortDescription": "Sistem informasi kesehatan daerah.",
        "longDescription": SIKDA_ID.replace("\r\n", "\n").strip(),
        "documentation": "https://docs.example.go.id/sikda",
        "features": ["Rekam medis", "Rujukan"],
    }
    assert doc["description"]["en"] == {
        "shortDescription": "Regional health information system.",
        "longDescription": SIKDA_EN,
        "features": ["Medical records", "Referrals"],
    }
    assert doc["legal"] == {"license": "EUPL-1.2 OR MIT"}
    assert doc["intendedAudience"] == {"scope": ["healthcare"]}
    assert doc["organisation"]["name"] == publisher.name
    # The spec wants platforms, languages and a contact; the entry had none.
    assert doc["platforms"] == ["web"]
    assert doc["localisation"] == {
        "localisationReady": False,
        "availableLanguages": ["id"],
    }
    assert doc["maintenance"]["type"] == "internal"
    assert doc["maintenance"]["contacts"][0]["affiliation"] == publisher.name

    result = import_publiccode(actor=None, publisher=publisher, data=exported.encode())
    app = CatalogApp.objects.get(pk=app.pk)
    assert result.app.pk == app.pk
    assert app.delivery_mode == "external"  # not described by publiccode.yml: kept
    assert app.releases.count() == 2
    assert export_publiccode(app) == exported


def test_export_then_import_into_an_empty_catalog_gives_the_same_file(publisher):
    app = import_publiccode(actor=None, publisher=publisher, data=WILD_0_2.encode()).app
    exported = export_publiccode(app)
    app.delete()

    result = import_publiccode(actor=None, publisher=publisher, data=exported.encode())

    assert result.created
    assert export_publiccode(result.app) == exported


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "null",
        "0.2",
        "2017-04-15",
        "# not a comment",
        "- not a list",
        "key: value",
        "'quoted' and \"double\"",
        "Kabupaten Bandung Barat — layanan publik ✓ 🙂",
        "@mention & *alias !tag %directive",
    ],
)
def test_awkward_text_survives_export_and_import(publisher, text):
    long = (
        f"{text}\nline with trailing spaces   \n\tindented line\n" + "isi " * 40 + text
    )
    app = services.app_create(
        actor=None,
        publisher=publisher,
        slug="awkward",
        name=text,
        short_description_id=text,
        short_description_en="English",
        long_description_id=long,
        features=[text],
        development_status="stable",
        delivery_mode="source",
        license="MIT",
        url="https://code.example.test/awkward",
        contacts=[{"name": text, "affiliation": text}],
    )
    exported = export_publiccode(app)
    assert validate(exported) == []

    import_publiccode(actor=None, publisher=publisher, data=exported.encode())

    app.refresh_from_db()
    assert app.name == text
    assert app.short_description_id == text
    assert app.features == [text]
    assert app.long_description_id.endswith("isi " * 39 + "isi " + text)
    assert app.contacts[0]["name"] == text
    assert export_publiccode(app) == exported


def test_a_hosted_entry_stays_hosted_when_its_export_is_imported(publisher):
    app = services.app_create(
        actor=None,
        publisher=publisher,
        slug="sabilulungan",
        name="Sabilulungan",
        short_description_id="Hibah dan bantuan sosial yang akuntabel.",
        short_description_en="Accountable grants and social aid.",
        long_description_id="Sabilulungan mencatat hibah dan bansos. " * 5,
        features=["Proposal daring"],
        development_status="stable",
        delivery_mode="hosted",
        hosted_module="grants",
        license="AGPL-3.0-or-later",
        url="https://code.example.test/bandung/sabilulungan",
        contacts=[{"name": "Asep", "email": "asep@bandung.go.id"}],
    )
    exported = export_publiccode(app)
    assert validate(exported) == []
    import_publiccode(actor=None, publisher=publisher, data=exported.encode())
    app.refresh_from_db()
    assert (app.delivery_mode, app.hosted_module) == ("hosted", "grants")
    assert export_publiccode(app) == exported


def test_an_issue_reads_in_the_language_it_is_read_in_not_the_one_it_was_found_in():
    doc = minimal_doc()
    doc["legal"]["license"] = "Not-A-Licence"
    with translation.override("id"):
        (found_in_indonesian,) = validate(dump(doc))
    with translation.override("en"):
        (found_in_english,) = validate(dump(doc))
    for issue in (found_in_indonesian, found_in_english):
        with translation.override("en"):
            assert str(issue) == (
                "legal.license: Not-A-Licence is not an SPDX licence expression "
                "such as AGPL-3.0-or-later or EUPL-1.2 OR MIT."
            )
        with translation.override("id"):
            assert str(issue).startswith("legal.license: Not-A-Licence ")
            assert "SPDX" in str(issue) and "is not an SPDX" not in str(issue)
    assert found_in_indonesian == found_in_english


def test_a_translated_word_inside_an_issue_reads_in_the_readers_language(publisher):
    """`none` (no new organisation) is a parameter of the sentence, translated
    when the sentence is read, not when the problem was found."""
    doc = minimal_doc()
    doc["organisation"] = {"uri": "https://bandung.go.id", "name": "Kota Bandung"}
    import_publiccode(actor=None, publisher=publisher, data=dump(doc))
    del doc["organisation"]
    with translation.override("id"):
        (issue,) = refused(publisher, dump(doc))
    assert issue.message.stored()["params"]["new"] == {"msgid": "none", "params": {}}
    with translation.override("en"):
        assert "from Kota Bandung to none." in str(issue)
    with translation.override("id"):
        assert "dari Kota Bandung menjadi tidak ada." in str(issue)
