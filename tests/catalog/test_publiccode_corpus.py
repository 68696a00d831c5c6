"""The importer against the standard's reference validator, on real and hand-made files.

tests/catalog/publiccode_corpus/ holds 40+ publiccode.yml files from public
repositories of several countries (sources.json: repository, path, commit,
licence) and hand-made files for the known traps. expectations.json records
the reference validator's verdict on each (refresh.py regenerates it). The
importer must accept exactly the files the validator accepts and refuse the
others with the same set of field paths, except for the few documented
EXCEPTIONS below; every export must be valid by the validator itself.

The validator is found and run as tests/catalog/publiccode_validator.py says
(the `validator` fixture): skipped without it, a failure where it is required.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from django.utils import translation

from catalog import services
from catalog.demo import APPS
from catalog.models import CatalogApp
from catalog.publiccode import (
    PubliccodeError,
    export_document,
    export_publiccode,
    import_publiccode,
)
from tenants.models import Tenant
from tests.catalog.publiccode_validator import parser_binary

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "publiccode_corpus"
EXPECTATIONS = json.loads((CORPUS / "expectations.json").read_text())
SOURCES = json.loads((CORPUS / "sources.json").read_text())

# Where BagiPakai and the validator differ on purpose, by file: the verdict
# BagiPakai gives and the field paths it reports, and why.
EXCEPTIONS = {
    # Safety: more than 50 YAML aliases are refused before reading further
    # (billion laughs); no real publiccode.yml uses aliases.
    "handmade/yaml-many-aliases.yml": {"valid": False, "errors": [""]},
    # The validator checks Italian iPA codes against the register of Italian
    # public administrations, which BagiPakai does not carry; the file is
    # refused anyway for its other problems.
    "real/it-5tsrl-emma-backend.yml": {"valid": False, "errors": ["", "description"]},
    # The validator only asks that `contractors` be present for a contract (an
    # empty list passes); the standard makes contractors mandatory then, and a
    # catalog entry maintained "by contract" with nobody named says nothing.
    # The one rule (catalog.vocabularies.contractors_problem) refuses it in a
    # file, in the publishing form and in the services alike.
    "handmade/contract-with-empty-contractors.yml": {
        "valid": False,
        "errors": ["maintenance.contractors"],
    },
}


def _expected(name: str) -> dict:
    return EXCEPTIONS.get(name, EXPECTATIONS[name])


@pytest.fixture
def publisher(bandung):
    Tenant.objects.filter(pk=bandung.pk).update(verification_status="verified")
    bandung.refresh_from_db()
    return bandung


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


def corpus_names() -> list[str]:
    return sorted(EXPECTATIONS)


# --- the corpus itself -------------------------------------------------------------------


def test_a_missing_validator_fails_where_required_and_is_skipped_elsewhere(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("PUBLICCODE_PARSER", str(tmp_path / "absent"))
    monkeypatch.setenv("REQUIRE_PUBLICCODE_PARSER", "1")
    with pytest.raises(pytest.fail.Exception, match="set PUBLICCODE_PARSER"):
        parser_binary()
    monkeypatch.delenv("REQUIRE_PUBLICCODE_PARSER")
    with pytest.raises(pytest.skip.Exception, match="publiccode-parser-go"):
        parser_binary()


def test_the_corpus_has_forty_real_files_from_several_countries_with_open_licences():
    real = [name for name in EXPECTATIONS if name.startswith("real/")]
    assert len(real) >= 40
    listed = {entry["file"]: entry for entry in SOURCES}
    assert set(listed) == set(real)
    assert len({entry["country"] for entry in SOURCES}) >= 5
    for entry in SOURCES:
        assert entry["repository"].startswith("https://github.com/")
        assert len(entry["commit"]) == 40
        assert entry["licence"] in {
            "EUPL-1.2",
            "AGPL-3.0",
            "GPL-2.0",
            "GPL-3.0",
            "Apache-2.0",
            "MIT",
            "BSD-3-Clause",
            "MPL-2.0",
        }
    handmade = [name for name in EXPECTATIONS if name.startswith("handmade/")]
    assert len(handmade) >= 30
    # Both verdicts are represented, among real files too.
    assert any(EXPECTATIONS[name]["valid"] for name in real)
    assert any(not EXPECTATIONS[name]["valid"] for name in real)
    assert set(EXPECTATIONS) == {
        str(path.relative_to(CORPUS)) for path in CORPUS.glob("*/*.yml")
    }


def test_the_known_traps_are_judged_as_the_validator_judges_them():
    expected = {
        "handmade/empty-optional-strings.yml": True,
        "handmade/localisation-ready-yes.yml": False,
        "handmade/description-without-features.yml": False,
        "handmade/contract-without-contractors.yml": False,
        "handmade/bad-spdx.yml": False,
        "handmade/bad-language-codes.yml": False,
        "handmade/deprecated-0-2-keys.yml": True,
        "handmade/country-section-it.yml": True,
        "handmade/unquoted-version.yml": False,
        "handmade/regional-description-incomplete.yml": False,
        "handmade/codice-ipa-boolean.yml": False,
        "handmade/codice-ipa-upper-case.yml": True,
        "handmade/codice-ipa-digits.yml": False,
        "handmade/codice-ipa-one-letter.yml": True,
        "handmade/organisation-ipa-digits.yml": False,
        "handmade/organisation-ipa-one-letter.yml": True,
        "handmade/email-bad-domains.yml": False,
        "handmade/email-quoted-and-international.yml": True,
        "handmade/description-id-and-en-gb.yml": True,
        "handmade/description-en-us-and-en-gb.yml": True,
        "handmade/description-pt-br-only.yml": True,
    }
    assert {name: EXPECTATIONS[name]["valid"] for name in expected} == expected


def test_the_recorded_verdicts_are_the_validators(validator, tmp_path):
    """expectations.json is current: run refresh.py after changing the corpus."""
    stale = {}
    for name in corpus_names():
        errors = validator((CORPUS / name).read_text(), tmp_path)
        found = {"valid": not errors, "errors": sorted({e["key"] for e in errors})}
        if found != EXPECTATIONS[name]:
            stale[name] = found
    assert stale == {}


# --- the importer against the verdicts ---------------------------------------------------


@pytest.mark.parametrize("name", corpus_names())
def test_import_accepts_and_refuses_as_the_standard_does(publisher, name):
    expected = _expected(name)
    data = (CORPUS / name).read_bytes()
    if expected["valid"]:
        result = import_publiccode(actor=None, publisher=publisher, data=data)
        assert result.created
        assert CatalogApp.objects.filter(pk=result.app.pk).exists()
        return
    before = CatalogApp.objects.count()
    with pytest.raises(PubliccodeError) as info:
        import_publiccode(actor=None, publisher=publisher, data=data)
    assert CatalogApp.objects.count() == before
    assert sorted({issue.path for issue in info.value.issues}) == expected["errors"]
    # One language per message: Indonesian here, no English wrapper around it.
    for issue in info.value.issues:
        assert not issue.message.startswith(("Wrong type", "Unknown key", "Required"))


@pytest.mark.parametrize(
    "name", [name for name in corpus_names() if _expected(name)["valid"]]
)
def test_every_accepted_file_exports_valid_and_reimports_to_the_same_entry(
    publisher, validator, tmp_path, name
):
    app = import_publiccode(
        actor=None, publisher=publisher, data=(CORPUS / name).read_bytes()
    ).app
    exported = export_publiccode(app)

    assert validator(exported, tmp_path) == []
    result = import_publiccode(actor=None, publisher=publisher, data=exported.encode())
    assert not result.created and result.app.pk == app.pk
    assert export_publiccode(CatalogApp.objects.get(pk=app.pk)) == exported


@pytest.mark.parametrize(
    "name", [name for name in corpus_names() if _expected(name)["valid"]]
)
def test_every_field_of_an_accepted_file_survives_the_round_trip(publisher, name):
    original = yaml.safe_load((CORPUS / name).read_text())
    app = import_publiccode(
        actor=None, publisher=publisher, data=(CORPUS / name).read_bytes()
    ).app
    exported = export_document(app)

    for key in original:
        assert key in exported, key
    for key in (
        "logo",
        "usedBy",
        "fundedBy",
        "roadmap",
        "applicationSuite",
        "dependsOn",
        "IT",
        "it",
        "isBasedOn",
        "organisation",
        "supports",
        "monochromeLogo",
        "inputTypes",
        "outputTypes",
    ):
        if key in original:
            assert _same(exported[key], original[key]), key
    assert str(exported["publiccodeYmlVersion"]) == str(
        original["publiccodeYmlVersion"]
    )
    assert (
        exported["localisation"]["localisationReady"]
        == original["localisation"]["localisationReady"]
    )
    assert set(exported["description"]) == set(original["description"])
    for language, block in original["description"].items():
        for key, value in block.items():
            assert _same(exported["description"][language][key], value), (language, key)
    for key in ("softwareVersion", "releaseDate"):
        if key in original:
            assert str(exported[key]) == str(original[key])
    # Contacts keep their e-mail addresses: every one the standard accepts.
    assert [c.get("email") for c in exported["maintenance"].get("contacts") or []] == [
        c.get("email") for c in original["maintenance"].get("contacts") or []
    ]
    contractors = (original["maintenance"] or {}).get("contractors")
    if contractors:
        assert [c["name"] for c in exported["maintenance"]["contractors"]] == [
            c["name"] for c in contractors
        ]


def _same(exported, original) -> bool:
    """Equal in meaning: the same text up to white space, numbers as written."""
    if isinstance(original, dict):
        return isinstance(exported, dict) and all(
            _same(exported.get(key), value) for key, value in original.items()
        )
    if isinstance(original, list):
        return len(exported or []) == len(original) and all(
            _same(a, b) for a, b in zip(exported, original, strict=True)
        )
    if isinstance(original, str) and isinstance(exported, str):
        return " ".join(exported.split()) == " ".join(original.split())
    if original is None or exported is None or isinstance(original, bool):
        return original == exported
    return str(exported) == str(original)


# --- the demo's own entries --------------------------------------------------------------


@pytest.mark.parametrize("spec", APPS, ids=[spec["slug"] for spec in APPS])
def test_each_demo_app_exports_a_valid_publiccode_yml(
    bandung, tangerang, validator, tmp_path, spec
):
    spec = dict(spec)
    releases = spec.pop("releases")
    publisher = {"bandung": bandung, "tangerang": tangerang}[spec.pop("publisher")]
    Tenant.objects.filter(pk=publisher.pk).update(verification_status="verified")
    publisher.refresh_from_db()
    app = services.app_create(actor=None, publisher=publisher, **spec)
    for version, released_on, notes in releases:
        services.release_add(
            actor=None, app=app, version=version, released_on=released_on, notes=notes
        )

    exported = export_publiccode(app)

    assert validator(exported, tmp_path) == []
    doc = yaml.safe_load(exported)
    # Written to the standard in both languages the demo describes.
    assert set(doc["description"]) == {"id", "en"}
    for block in doc["description"].values():
        assert len(block["longDescription"]) >= 150
        assert block["features"]
