"""What a single value must be: dates, web addresses, countries, languages, SPDX licences, videos."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

import pycountry
from license_expression import get_spdx_licensing

_licensing = None


def _spdx():
    global _licensing
    if _licensing is None:
        _licensing = get_spdx_licensing()
    return _licensing


def is_spdx_expression(text) -> bool:
    """Is `text` an SPDX licence expression of known licences ("EUPL-1.2 OR MIT")?

    Operators must be upper case (AND, OR, WITH) and `LicenseRef-` names are
    allowed, as the SPDX specification and the reference parser say.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        return False
    if {"and", "or", "with"} & set(re.split(r"[\s()]+", text)):
        return False
    if text.count("(") > 10:
        return False
    symbols = re.sub(
        r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+", "MIT", text
    )
    try:
        result = _spdx().validate(symbols)
    except Exception:  # noqa: BLE001 - any parser failure means "not an expression"
        return False
    return not result.errors


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MIME_TYPE = re.compile(
    r"^ *([A-Za-z0-9][A-Za-z0-9!#$&^_-]{0,126})/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}) *$"
)
# Video pages of the oEmbed providers the reference parser knows best
# (https://oembed.com/providers.json): YouTube, Vimeo, Dailymotion.
_VIDEO = [
    re.compile(pattern)
    for pattern in (
        r"https?://([^/]+\.)?youtube\.com/(watch|v/|embed/|shorts|live|playlist\?list=).*",
        r"https?://youtube\.com/(shorts|live|playlist\?list=).*",
        r"https?://youtu\.be/.+",
        r"https?://vimeo\.com/.+",
        r"https?://player\.vimeo\.com/video/.+",
        r"https?://(www\.)?dailymotion\.com/video/.+",
    )
]


# E-mail addresses (is_email). Beyond ASCII, the reference parser takes the
# characters U+00A0-U+D7FF, U+F900-U+FDCF and U+FDF0-U+FFEF only.
_WIDE = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_ALNUM = f"A-Za-z0-9{_WIDE}"
_LETTER = f"A-Za-z{_WIDE}"
_ATOM = rf"[{_ALNUM}!#$%&'*+\-/=?^_`{{|}}~]+"
# A quoted local part: printable characters, spaces and tabs, `\` escaping one of them.
_QUOTED = rf'"(?:[ \t!\x23-\x5b\x5d-\x7e{_WIDE}]|\\[ \t!-~{_WIDE}])+"'
# Labels separated by dots (`.`, `-` and `~` inside them), the last one
# beginning and ending with a letter.
_DOMAIN = (
    rf"[{_ALNUM}](?:[{_ALNUM}.~-]*[{_ALNUM}])?"
    rf"\.[{_LETTER}](?:[{_ALNUM}.~-]*[{_LETTER}])?"
)
_EMAIL = re.compile(
    rf"(?:{_ATOM}(?:\.{_ATOM})*|{_QUOTED})@(?P<domain>{_DOMAIN})", re.ASCII
)


def is_date(value) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_email(value) -> bool:
    """An e-mail address as the reference parser takes it (empty is not one).

    Its check (go-playground/validator's `email`) asks two things of the
    address: a pattern (here `_EMAIL`: a dot-separated or quoted local part,
    a domain whose last label begins and ends with a letter) and Go's RFC 5322
    parser (net/mail), which adds that the domain has no empty label (no
    `a@b..c`, no trailing dot) and that a quoted local part is a proper quoted
    string. Checked against the validator itself on thousands of generated
    addresses (a@b.c, "a b"@c.de, ü@ü.de accepted; a@b..c, a@b.c., a@b.c1
    refused).
    """
    if not isinstance(value, str):
        return False
    found = _EMAIL.fullmatch(value)
    return bool(found) and ".." not in found["domain"]


def is_url(value) -> bool:
    """Any absolute URL with a scheme and something after it (git@…, https:, urn:)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        parts = urlsplit(value.lower())
    except ValueError:
        return False
    if not parts.scheme:
        return False
    if parts.scheme == "file":
        return True
    return bool(parts.netloc or parts.fragment or parts.path)


def is_http_url(value) -> bool:
    if not isinstance(value, str) or not is_url(value) or " " in value.strip():
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def is_country(value) -> bool:
    if not isinstance(value, str) or value not in (value.lower(), value.upper()):
        return False
    return pycountry.countries.get(alpha_2=value.upper()) is not None


def _is_language_subtag(value: str) -> bool:
    value = value.lower()
    if len(value) == 2:
        return pycountry.languages.get(alpha_2=value) is not None
    return False


def is_language(value) -> bool:
    """A BCP 47 tag whose language is an ISO 639-1 code: id, en, pt-BR, zh-Hant-TW."""
    if not isinstance(value, str) or not value:
        return False
    parts = value.split("-")
    if not _is_language_subtag(parts[0]):
        return False
    rest = parts[1:]
    if rest and re.fullmatch(r"[A-Za-z]{4}", rest[0]):
        rest = rest[1:]
    if rest and re.fullmatch(r"[A-Za-z]{2}|\d{3}", rest[0]):
        if (
            rest[0].isalpha()
            and pycountry.countries.get(alpha_2=rest[0].upper()) is None
        ):
            return False
        rest = rest[1:]
    return all(
        re.fullmatch(r"[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}", part) for part in rest
    )


def is_video(value) -> bool:
    return isinstance(value, str) and any(p.fullmatch(value) for p in _VIDEO)


def is_organisation_uri(value) -> bool:
    if not isinstance(value, str) or not value or " " in value:
        return False
    parts = urlsplit(value)
    if parts.scheme.lower() == "urn":
        return bool(re.fullmatch(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+", value, re.I))
    return bool(parts.scheme and parts.netloc)


def graphemes(text: str) -> int:
    """Characters as a reader counts them: combining marks join their letter."""
    return sum(1 for char in text if not unicodedata.combining(char))
