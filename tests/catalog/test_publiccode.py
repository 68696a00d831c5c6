"""publiccode.yml: importing files as written in the wild, refusing hostile ones, exporting.

tests/catalog/data holds the two examples of the publiccode.yml standard
(../shared/standards/publiccode, CC0). Both describe the same repository,
https://example.com/italia/medusa.git.
"""

from __future__ import annotations

import time
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from catalog import services
from catalog.models import CatalogApp, Release
from catalog.publiccode import (
    MAX_ALIASES,
    Issue,
    PubliccodeError,
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


# --- the standard's own examples ---------------------------------------------------------


def test_full_spec_example_creates_an_entry_with_its_release(publisher):
    result = import_publiccode(actor=None, publisher=publisher, data=FULL)

    assert result.created
    app = CatalogApp.objects.get(url=MEDUSA_URL)
    assert app == result.app
    assert app.publisher == publisher
    assert app.slug == "medusa"
    assert app.name == "Medusa"
    assert app.short_description_en.startswith(
        "This description can have a maximum 150"
    )
    assert app.short_description_en.endswith('"Lorem Ipsum". End')
    # No Indonesian text in the file: the required Indonesian field takes the English.
    assert app.short_description_id == app.short_description_en
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
    assert app.maintenance_type == "contract"
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


def test_minimal_spec_example_imports_and_the_full_one_updates_it(publisher):
    first = import_publiccode(actor=None, publisher=publisher, data=MINIMAL)
    assert first.created
    assert first.app.platforms == ["web"]
    assert first.app.categories == []  # optional since 0.4
    assert first.app.contacts == [
        {"name": "Francesco Rossi", "email": "", "phone": "", "affiliation": ""}
    ]
    assert not first.app.releases.exists()

    second = import_publiccode(actor=None, publisher=publisher, data=FULL)

    assert not second.created
    assert second.app.pk == first.app.pk
    assert second.app.slug == first.app.slug
    assert CatalogApp.objects.filter(url=MEDUSA_URL).count() == 1
    app = CatalogApp.objects.get(pk=first.app.pk)
    assert app.platforms == ["android", "ios"]
    assert app.maintenance_type == "contract"
    assert app.releases.count() == 1


def test_importing_the_same_file_again_changes_nothing(publisher):
    import_publiccode(actor=None, publisher=publisher, data=FULL)
    before = counts()
    result = import_publiccode(actor=None, publisher=publisher, data=FULL)
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

WILD_0_2 = """\
# Written for version 0.2: unquoted version and date, YAML 1.1 "yes",
# an Italian section, Indonesian and English texts, deprecated keys.
publiccodeYmlVersion: 0.2
name: Laksa
url: https://git.example.go.id/tangerang/laksa
landingURL: https://laksa.example.go.id
softwareVersion: 2.1
releaseDate: 2019-05-01
platforms: web
categories:
  - document-management
  - workflow-management
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
      Laksa mengelola surat masuk dan keluar perangkat daerah,
      disposisi pimpinan dan arsip digital.
    documentation: https://docs.example.go.id/laksa
    features:
      - Surat masuk dan keluar
      - Disposisi berjenjang
    freeTags:
      - persuratan
  en:
    shortDescription: Electronic official correspondence.
    longDescription: Laksa handles incoming and outgoing letters.
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
      phone: +62215550123
localisation:
  localisationReady: yes
  availableLanguages:
    - id
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
    assert app.short_description_id == "Layanan persuratan dinas secara elektronik."
    assert app.short_description_en == "Electronic official correspondence."
    assert app.long_description_id == (
        "Laksa mengelola surat masuk dan keluar perangkat daerah,\n"
        "disposisi pimpinan dan arsip digital."
    )
    assert app.long_description_en == "Laksa handles incoming and outgoing letters."
    assert app.features == ["Surat masuk dan keluar", "Disposisi berjenjang"]
    assert app.documentation_url == "https://docs.example.go.id/laksa"
    assert app.platforms == ["web"]  # a single platform may be written as text
    assert app.scope == ["government", "local-authorities"]
    assert app.languages == ["id"]
    assert app.contacts[0]["phone"] == "+62215550123"
    assert [(r.version, r.released_on) for r in app.releases.all()] == [
        ("2.1", date(2019, 5, 1))
    ]


@pytest.mark.parametrize(
    "version", ["0.2", "0.2.2", "0.3.0", "0.4.0", "0.4", "0", "0.5.0"]
)
def test_every_supported_version_is_accepted(version):
    doc = minimal_doc()
    doc["publiccodeYmlVersion"] = version
    doc["categories"] = ["grant-management"]
    assert validate(doc) == []


@pytest.mark.parametrize("version", ["0.1", "1.0", "latest", "", "0.2.x"])
def test_unsupported_versions_are_refused(version):
    doc = minimal_doc()
    doc["publiccodeYmlVersion"] = version
    assert "publiccodeYmlVersion" in paths(validate(doc))


def test_files_for_0_2_and_0_3_need_categories_but_current_ones_do_not():
    doc = minimal_doc()
    assert validate(doc) == []
    doc["publiccodeYmlVersion"] = "0.3.0"
    assert paths(validate(doc)) == ["categories"]
    doc["categories"] = []
    assert "categories" in paths(validate(doc))


def test_optional_fields_may_be_empty():
    doc = minimal_doc()
    doc.update(landingURL=None, logo=None, usedBy=[], releaseDate=None)
    assert validate(doc) == []


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


def test_plain_scalars_are_read_as_text_not_as_yaml_1_1_numbers_and_dates():
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
        ("name", [1, 2], "Must be text, not a list."),
        ("name", "   ", "Must not be empty."),
        ("platforms", {"web": True}, "Must be a list, not a mapping."),
        ("platforms", [], "The list must not be empty."),
        ("url", "not a url", "is not a valid web address"),
        ("url", "javascript:alert(1)", "is not a valid web address"),
        ("releaseDate", "15/04/2017", "not a date in the form YYYY-MM-DD"),
        ("releaseDate", "2017-02-30", "not a date in the form YYYY-MM-DD"),
        ("softwareVersion", ["1.0"], "Must be text, not a list."),
        ("description", "A tool", "Must be a mapping of languages"),
        ("description.en.shortDescription", "x" * 151, "At most 150 characters"),
        ("description.en.features", "one feature", "Must be a list, not text."),
        ("description.en.documentation", "docs", "is not a valid web address"),
        ("legal", "AGPL-3.0-or-later", "Must be a mapping"),
        ("legal.license", "GPL v3", "not an SPDX licence expression"),
        ("localisation.localisationReady", "maybe", "Must be true or false."),
        ("localisation.availableLanguages", "en", "Must be a list, not text."),
        ("maintenance.contacts", {"name": "Rossi"}, "Must be a list, not a mapping."),
        (
            "maintenance.contacts[0].email",
            "rossi at example",
            "not a valid e-mail address",
        ),
        ("maintenance.contacts[0].name", {"first": "Francesco"}, "not a mapping."),
    ],
)
def test_wrong_types_name_the_field_and_the_reason(publisher, path, value, expected):
    issues = refused(publisher, dump(_set(minimal_doc(), path, value)))
    assert [issue.path for issue in issues] == [path]
    assert expected in issues[0].message


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
    ("path", "value", "expected"),
    [
        ("developmentStatus", "finished", "use one of: concept, development, beta"),
        ("softwareType", "app", "use one of: standalone/mobile"),
        (
            "maintenance.type",
            "sometimes",
            "use one of: internal, contract, community, none",
        ),
        ("categories", ["office", "social-media"], None),
        ("intendedAudience.scope", ["space-travel"], None),
    ],
)
def test_values_outside_the_vocabularies_are_refused(publisher, path, value, expected):
    issues = refused(publisher, dump(_set(minimal_doc(), path, value)))
    if expected:
        assert paths(issues) == [path]
        assert expected in issues[0].message
    elif path == "categories":
        assert issues == [
            Issue("categories[1]", "social-media is not a publiccode.yml category.")
        ]
    else:
        assert issues == [
            Issue(
                "intendedAudience.scope[0]",
                "space-travel is not a publiccode.yml scope.",
            )
        ]


def test_unknown_keys_are_refused_by_name_but_country_sections_are_ignored(publisher):
    doc = minimal_doc()
    doc["colour"] = "blue"
    doc["description"]["en"]["summary"] = "Short"
    doc["maintenance"]["contacts"][0]["twitter"] = "@rossi"
    doc["IT"] = {"piattaforme": {"spid": True}}
    doc["it"] = {"riuso": {"codiceIPA": "c_h501"}}
    doc["DE"] = "anything at all"

    issues = refused(publisher, dump(doc))

    assert sorted(paths(issues)) == [
        "colour",
        "description.en.summary",
        "maintenance.contacts[0].twitter",
    ]
    assert all("Unknown key" in issue.message for issue in issues)


def test_missing_required_fields_are_each_reported():
    doc = minimal_doc()
    del doc["name"]
    del doc["legal"]["license"]
    del doc["maintenance"]["contacts"]
    del doc["description"]["en"]["longDescription"]
    doc["localisation"] = {}

    issues = validate(doc)

    assert sorted(paths(issues)) == [
        "description",
        "legal.license",
        "localisation.availableLanguages",
        "localisation.localisationReady",
        "maintenance.contacts",
        "name",
    ]
    assert Issue("name", "Missing; this field is required.") in issues
    assert (
        Issue("description", "At least one language needs a longDescription.") in issues
    )


def test_contractors_are_only_for_contract_maintenance():
    doc = minimal_doc()
    doc["maintenance"]["contractors"] = [{"name": "PT Contoh", "until": "2030-01-01"}]
    assert paths(validate(doc)) == ["maintenance.contractors"]
    doc["maintenance"]["type"] = "contract"
    assert validate(doc) == []
    doc["maintenance"]["contractors"][0]["until"] = "soon"
    assert paths(validate(doc)) == ["maintenance.contractors[0].until"]


def test_keys_that_are_not_text_are_refused(publisher):
    issues = refused(publisher, MINIMAL + b"true: 1\n")
    assert issues == [Issue("<True>", "Keys must be text.")]


def test_a_flood_of_problems_is_summarised():
    doc = minimal_doc()
    doc.update({f"unknown{n}": n for n in range(500)})
    issues = validate(doc)
    assert len(issues) == 101
    assert issues[-1].message == "… and 400 more problems."


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("AGPL-3.0-or-later", True),
        ("EUPL-1.2 OR AGPL-3.0-or-later", True),
        ("(MIT AND BSD-3-Clause) OR Apache-2.0", True),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", True),
        ("LicenseRef-Pemkot-Bandung", True),
        ("GPL-2.0+", True),
        ("GPL v3", False),
        ("MIT OR", False),
        ("(MIT", False),
        ("MIT)", False),
        ("AND", False),
        ("", False),
        ("(" * 50 + "MIT" + ")" * 50, False),
    ],
)
def test_licences_must_look_like_spdx_expressions(text, valid):
    assert is_spdx_expression(text) is valid


# --- all or nothing ------------------------------------------------------------------------


def test_an_entry_of_another_publisher_cannot_be_overwritten(
    publisher, other_publisher
):
    theirs = import_publiccode(actor=None, publisher=other_publisher, data=MINIMAL).app

    issues = refused(publisher, FULL)

    assert paths(issues) == ["url"]
    assert "Another organisation already lists this repository" in issues[0].message
    theirs.refresh_from_db()
    assert theirs.publisher == other_publisher
    assert theirs.platforms == ["web"]
    assert not theirs.releases.exists()


def test_a_release_the_catalog_cannot_store_leaves_no_new_entry(publisher):
    doc = yaml.safe_load(FULL)
    doc["softwareVersion"] = (
        "1." + "0" * 60
    )  # valid publiccode.yml, too long for a Release

    issues = refused(publisher, dump(doc))

    assert paths(issues) == ["softwareVersion"]
    assert not CatalogApp.objects.filter(url=MEDUSA_URL).exists()


def test_a_failed_update_leaves_the_entry_as_it_was(publisher):
    app = import_publiccode(actor=None, publisher=publisher, data=MINIMAL).app
    doc = yaml.safe_load(FULL)
    doc["name"] = "Medusa Baru"
    doc["softwareVersion"] = "x" * 41

    refused(publisher, dump(doc))

    app.refresh_from_db()
    assert app.name == "Medusa"
    assert app.platforms == ["web"]
    assert not app.releases.exists()


def test_values_the_catalog_cannot_store_are_reported_by_field(publisher):
    doc = minimal_doc()
    doc["localisation"]["availableLanguages"] = [
        "en",
        "sl-IT-nedis",
    ]  # spec's own example
    issues = refused(publisher, dump(doc))
    assert paths(issues) == ["localisation.availableLanguages"]


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
    doc["platforms"] = {"web": True}
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
    assert "  name: Must be text, not a list." in err
    assert "  platforms: Must be a list, not a mapping." in err
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
    full.write_bytes(FULL)

    out, err, error = run_command(str(minimal), str(full), "--publisher", "bandung")

    assert error is None, err
    assert f"{minimal}: created medusa (Medusa)" in out
    assert f"{full}: updated medusa (Medusa)" in out
    assert CatalogApp.objects.filter(url=MEDUSA_URL).count() == 1


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


def test_export_is_valid_and_stable_through_import(publisher):
    app = import_publiccode(actor=None, publisher=publisher, data=FULL).app
    exported = export_publiccode(app)

    assert validate(load(exported.encode())) == []
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
        long_description_id="Baris pertama.\r\nBaris kedua dengan *penekanan*.\r\n\r\n- butir\r\n",
        long_description_en="",
        features=["Rekam medis", "Rujukan"],
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

    assert validate(doc) == []
    assert doc["publiccodeYmlVersion"] == "0"
    assert doc["name"] == "SIKDA Kesehatan"
    assert doc["softwareVersion"] == "1.1"
    assert doc["releaseDate"] == "2024-06-30"
    assert doc["description"]["id"] == {
        "shortDescription": "Sistem informasi kesehatan daerah.",
        "longDescription": "Baris pertama.\nBaris kedua dengan *penekanan*.\n\n- butir",
        "documentation": "https://docs.example.go.id/sikda",
        "features": ["Rekam medis", "Rujukan"],
    }
    assert doc["description"]["en"] == {
        "shortDescription": "Regional health information system."
    }
    assert doc["legal"] == {"license": "EUPL-1.2 OR MIT"}
    assert doc["intendedAudience"] == {"scope": ["healthcare"]}
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
    app = services.app_create(
        actor=None,
        publisher=publisher,
        slug="awkward",
        name=text,
        short_description_id=text,
        short_description_en="English",
        long_description_id=f"{text}\nline with trailing spaces   \n\tindented line\n{text}",
        features=[text],
        development_status="stable",
        delivery_mode="source",
        license="MIT",
        url="https://code.example.test/awkward",
        contacts=[{"name": text, "affiliation": text}],
    )
    exported = export_publiccode(app)
    assert validate(load(exported.encode())) == []

    import_publiccode(actor=None, publisher=publisher, data=exported.encode())

    app.refresh_from_db()
    assert app.name == text
    assert app.short_description_id == text
    assert app.features == [text]
    assert app.long_description_id.endswith(f"\tindented line\n{text}")
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
        development_status="stable",
        delivery_mode="hosted",
        hosted_module="grants",
        license="AGPL-3.0-or-later",
        url="https://code.example.test/bandung/sabilulungan",
        contacts=[{"name": "Asep", "email": "asep@bandung.go.id"}],
    )
    exported = export_publiccode(app)
    import_publiccode(actor=None, publisher=publisher, data=exported.encode())
    app.refresh_from_db()
    assert (app.delivery_mode, app.hosted_module) == ("hosted", "grants")
    assert export_publiccode(app) == exported
