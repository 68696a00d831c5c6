"""The publiccode.yml standard's rules, applied as its reference parser applies them.

The judge of what the standard accepts is Developers Italia's reference
parser (publiccode-parser v5.4.3, ../shared/tools/publiccode-parser/); where
the text of the standard (../shared/standards/publiccode/) is unclear, its
behaviour decides. It reads a file in two steps and so does this module:

1. Decoding. Each value must have the type its field wants: text (numbers
   and true/false are accepted as text), true/false, a list, a mapping.
   Decoding stops at the first value of the wrong type or the first unknown
   key; that one problem is reported, and every top-level section that held
   it is treated as missing (so its required fields are reported too).
2. Checking. The decoded document is checked field by field: required
   fields, lengths, vocabularies, dates, web addresses, SPDX licences
   (license-expression), ISO 3166 countries and BCP 47 languages (pycountry).

Every problem comes back as an Issue with the field path the reference
parser reports (`description.en.features`, `maintenance.contacts[0].name`).
Documented differences are in docs/publiccode.md ("Where BagiPakai is
stricter or looser").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

import pycountry
from django.utils.translation import gettext as _
from license_expression import get_spdx_licensing

from ..vocabularies import (
    CATEGORIES,
    DEVELOPMENT_STATUSES,
    MAINTENANCE_TYPES,
    SCOPES,
    SOFTWARE_TYPES,
)
from .issues import Issue
from .reading import Node

# publiccodeYmlVersion values the reference parser reads (all as version 0).
SUPPORTED_VERSIONS = (
    "0",
    "0.2",
    "0.2.0",
    "0.2.1",
    "0.2.2",
    "0.3",
    "0.3.0",
    "0.4",
    "0.4.0",
    "0.5",
    "0.5.0",
    "0.7",
    "0.7.0",
)
# More problems than this are summarised; nobody reads a list of thousands.
MAX_ISSUES = 100

# --- field types (what decoding expects) ----------------------------------------------

TEXT, BOOL, LIST, MAP, STRUCT, TEXT_OR_LIST = (
    "text",
    "bool",
    "list",
    "map",
    "struct",
    "text_or_list",
)


class Field:
    def __init__(self, kind, item=None, fields=None):
        self.kind = kind
        self.item = item  # for LIST / MAP / TEXT_OR_LIST
        self.fields = fields  # for STRUCT: ordered {key: Field}


def _struct(**fields) -> Field:
    return Field(STRUCT, fields=fields)


_T = Field(TEXT)
_B = Field(BOOL)
_TEXTS = Field(LIST, item=_T)
_ORGANISATION = _struct(name=_T, uri=_T)
_DEPENDENCY = _struct(name=_T, versionMin=_T, versionMax=_T, optional=_B, version=_T)
_DESCRIPTION = _struct(
    localisedName=_T,
    genericName=_T,
    shortDescription=_T,
    longDescription=_T,
    documentation=_T,
    apiDocumentation=_T,
    features=_TEXTS,
    screenshots=_TEXTS,
    videos=_TEXTS,
    awards=_TEXTS,
)
_IT = _struct(
    countryExtensionVersion=_T,
    conforme=_struct(
        lineeGuidaDesign=_B,
        modelloInteroperabilita=_B,
        misureMinimeSicurezza=_B,
        gdpr=_B,
    ),
    riuso=_struct(codiceIPA=_T),
    piattaforme=_struct(spid=_B, pagopa=_B, cie=_B, anpr=_B, io=_B),
)
# In the order of the reference parser's PublicCodeV0 struct: decoding errors
# are found in this order.
DOCUMENT = _struct(
    publiccodeYmlVersion=_T,
    name=_T,
    applicationSuite=_T,
    url=_T,
    landingURL=_T,
    isBasedOn=Field(TEXT_OR_LIST, item=_T),
    softwareVersion=_T,
    releaseDate=_T,
    logo=_T,
    monochromeLogo=_T,
    organisation=_ORGANISATION,
    inputTypes=_TEXTS,
    outputTypes=_TEXTS,
    platforms=_TEXTS,
    categories=_TEXTS,
    usedBy=_TEXTS,
    fundedBy=Field(LIST, item=_ORGANISATION),
    roadmap=_T,
    developmentStatus=_T,
    softwareType=_T,
    supports=Field(LIST, item=_struct(id=_T)),
    intendedAudience=_struct(
        scope=_TEXTS, countries=_TEXTS, unsupportedCountries=_TEXTS
    ),
    description=Field(MAP, item=_DESCRIPTION),
    legal=_struct(license=_T, mainCopyrightOwner=_T, repoOwner=_T, authorsFile=_T),
    maintenance=_struct(
        type=_T,
        contractors=Field(LIST, item=_struct(name=_T, email=_T, website=_T, until=_T)),
        contacts=Field(LIST, item=_struct(name=_T, email=_T, affiliation=_T, phone=_T)),
    ),
    localisation=_struct(localisationReady=_B, availableLanguages=_TEXTS),
    dependsOn=_struct(
        open=Field(LIST, item=_DEPENDENCY),
        proprietary=Field(LIST, item=_DEPENDENCY),
        hardware=Field(LIST, item=_DEPENDENCY),
    ),
    IT=_IT,
    it=_IT,
)


class _DecodeError(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


_MISSING = object()


def _decode(spec: Field, node: Node):
    """The node's value as `spec` wants it, or _DecodeError for the first problem."""
    if node.kind == "null":
        return None
    if spec.kind == TEXT:
        if not node.is_scalar:
            raise _DecodeError(
                node.line, _("Wrong type for this field: text expected.")
            )
        return node.value if node.kind == "str" else _scalar_text(node)
    if spec.kind == BOOL:
        if node.kind != "bool":
            raise _DecodeError(
                node.line, _("Wrong type for this field: true or false expected.")
            )
        return node.value
    if spec.kind == TEXT_OR_LIST and node.is_scalar:
        return [_decode(spec.item, node)]
    if spec.kind in (LIST, TEXT_OR_LIST):
        if node.kind != "seq":
            raise _DecodeError(
                node.line, _("Wrong type for this field: a list expected.")
            )
        values, first = [], None
        for item in node.children:
            try:
                values.append(_decode(spec.item, item))
            except _DecodeError as exc:
                first = first or exc
        if first:
            raise first
        return values
    if spec.kind == MAP:
        if node.kind != "map":
            raise _DecodeError(
                node.line, _("Wrong type for this field: a mapping expected.")
            )
        values, first = {}, None
        for key, value in node.children:
            try:
                values[_scalar_text(key)] = _decode(spec.item, value)
            except _DecodeError as exc:
                first = first or exc
        if first:
            raise first
        return values
    # STRUCT
    if node.kind != "map":
        raise _DecodeError(
            node.line, _("Wrong type for this field: a mapping expected.")
        )
    present = {}
    for key, value in node.children:
        present.setdefault(_scalar_text(key), value)
    values, first = {}, None
    for name, field_spec in spec.fields.items():
        if name not in present:
            continue
        try:
            values[name] = _decode(field_spec, present[name])
        except _DecodeError as exc:
            first = first or exc
    if first:
        raise first
    for key, _value in node.children:
        name = _scalar_text(key)
        if name not in spec.fields:
            raise _DecodeError(
                key.line,
                _("Unknown key %(key)s; publiccode.yml has no such field here.")
                % {"key": _show(name)},
            )
    return values


def _scalar_text(node: Node) -> str:
    if node.kind == "bool":
        return "true" if node.value else "false"
    if node.kind == "null":
        return ""
    return str(node.value)


def _key_at_line(node: Node, line: int, prefix: str = "") -> str:
    """The path of the first key on `line`, as the reference parser names it."""
    if node.kind == "map":
        for key, value in node.children:
            full = f"{prefix}.{_scalar_text(key)}" if prefix else _scalar_text(key)
            if key.line == line:
                return full
            found = _key_at_line(value, line, full)
            if found:
                return found
    elif node.kind == "seq":
        for index, item in enumerate(node.children):
            key = f"{prefix}[{index}]"
            if item.line == line:
                return key
            found = _key_at_line(item, line, key)
            if found:
                return found
    return ""


def decode(root: Node) -> tuple[dict, list[Issue]]:
    """Step 1: the decoded document and at most one decoding problem."""
    doc, issues = {}, []
    present = {}
    for key, value in root.children:
        present.setdefault(_scalar_text(key), value)
    for name, spec in DOCUMENT.fields.items():
        if name not in present:
            continue
        try:
            doc[name] = _decode(spec, present[name])
        except _DecodeError as exc:
            if not issues:
                path = _key_at_line(root, exc.line)
                issues.append(Issue(path, exc.message))
    if not issues:
        for key, _value in root.children:
            name = _scalar_text(key)
            if name not in DOCUMENT.fields:
                issues.append(
                    Issue(
                        name,
                        _("Unknown key %(key)s; publiccode.yml has no such field here.")
                        % {"key": _show(name)},
                    )
                )
                break
    return doc, issues


# --- step 2: checking the decoded values ------------------------------------------------

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


def _show(value, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIME = re.compile(
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


def is_date(value) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


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


class _Checker:
    def __init__(self):
        self.issues: list[Issue] = []

    def add(self, path, message):
        self.issues.append(Issue(path, message))

    def required(self, path, value) -> bool:
        if value in (None, "", [], {}):
            self.add(path, _("Required; this field must not be missing or empty."))
            return False
        return True

    def one_of(self, path, value, choices):
        if self.required(path, value) and value not in choices:
            self.add(
                path,
                _("%(value)s is not allowed; use one of: %(choices)s.")
                % {"value": _show(value), "choices": ", ".join(choices)},
            )

    def http_url(self, path, value):
        if value is not None and not is_http_url(value):
            self.add(
                path,
                _("%(value)s is not a web address (http or https).")
                % {"value": _show(value)},
            )

    def date(self, path, value):
        if value is not None and not is_date(value):
            self.add(
                path,
                _("%(value)s is not a date in the form YYYY-MM-DD.")
                % {"value": _show(value)},
            )

    def email(self, path, value):
        # An empty address is refused too: the reference parser checks any value given.
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            self.add(
                path, _("%(value)s is not an e-mail address.") % {"value": _show(value)}
            )

    def relative_or_url(self, path, value):
        if isinstance(value, str) and (
            value.startswith("/") or value.startswith("file:")
        ):
            self.add(
                path,
                _(
                    "Use a path relative to the repository or a web address, not %(value)s."
                )
                % {"value": _show(value)},
            )

    def length(self, path, value, *, at_least=0, at_most=None):
        count = graphemes(value or "")
        if at_most is not None and count > at_most:
            self.add(
                path,
                _("At most %(max)d characters are allowed; this has %(length)d.")
                % {"max": at_most, "length": count},
            )
        if count < at_least:
            self.add(
                path,
                _("At least %(min)d characters are needed; this has %(length)d.")
                % {"min": at_least, "length": count},
            )

    def organisation(self, path, value):
        if value is None:
            return
        uri = value.get("uri")
        if self.required(f"{path}.uri", uri) and not is_organisation_uri(uri):
            self.add(
                f"{path}.uri",
                _("%(value)s is not a URI such as https://… or urn:….")
                % {"value": _show(uri)},
            )

    def document(self, doc: dict):  # noqa: C901 - one rule per field, in the standard's order
        add = self.add
        self.required("name", doc.get("name"))
        url = doc.get("url")
        if self.required("url", url) and not is_url(url):
            add("url", _("%(value)s is not a URL.") % {"value": _show(url)})
        self.http_url("landingURL", doc.get("landingURL"))
        for index, item in enumerate(doc.get("isBasedOn") or []):
            if not is_url(item):
                add(
                    f"isBasedOn[{index}]",
                    _("%(value)s is not a URL.") % {"value": _show(item)},
                )
        self.date("releaseDate", doc.get("releaseDate"))
        self.organisation("organisation", doc.get("organisation"))
        for key in ("inputTypes", "outputTypes"):
            for index, item in enumerate(doc.get(key) or []):
                if not _MIME.match(item or ""):
                    add(
                        f"{key}[{index}]",
                        _("%(value)s is not a MIME type such as text/csv.")
                        % {"value": _show(item)},
                    )
        if not doc.get("platforms"):
            add("platforms", _("Name at least one platform, such as web."))
        for index, item in enumerate(doc.get("categories") or []):
            if item not in CATEGORIES:
                add(
                    f"categories[{index}]",
                    _("%(value)s is not a publiccode.yml category.")
                    % {"value": _show(item)},
                )
        for index, item in enumerate(doc.get("fundedBy") or []):
            self.organisation(f"fundedBy[{index}]", item)
        self.http_url("roadmap", doc.get("roadmap"))
        self.one_of(
            "developmentStatus", doc.get("developmentStatus"), DEVELOPMENT_STATUSES
        )
        self.one_of("softwareType", doc.get("softwareType"), SOFTWARE_TYPES)
        for index, item in enumerate(doc.get("supports") or []):
            path = f"supports[{index}].id"
            ident = (item or {}).get("id")
            if self.required(path, ident):
                if ident.startswith("alias:") or not is_organisation_uri(ident):
                    add(
                        path,
                        _("%(value)s is not a URI of a supported organisation.")
                        % {"value": _show(ident)},
                    )
        audience = doc.get("intendedAudience") or {}
        for index, item in enumerate(audience.get("scope") or []):
            if item not in SCOPES:
                add(
                    f"intendedAudience.scope[{index}]",
                    _("%(value)s is not a publiccode.yml scope.")
                    % {"value": _show(item)},
                )
        for key in ("countries", "unsupportedCountries"):
            for index, item in enumerate(audience.get(key) or []):
                if not is_country(item):
                    add(
                        f"intendedAudience.{key}[{index}]",
                        _("%(value)s is not a two-letter country code such as ID.")
                        % {"value": _show(item)},
                    )
        self.descriptions(doc.get("description"))
        legal = doc.get("legal") or {}
        licence = legal.get("license")
        if self.required("legal.license", licence) and not is_spdx_expression(licence):
            add(
                "legal.license",
                _(
                    "%(value)s is not an SPDX licence expression such as AGPL-3.0-or-later or EUPL-1.2 OR MIT."
                )
                % {"value": _show(licence)},
            )
        self.maintenance(doc.get("maintenance") or {})
        localisation = doc.get("localisation") or {}
        if localisation.get("localisationReady") is None:
            add("localisation.localisationReady", _("Required: say true or false."))
        languages = localisation.get("availableLanguages")
        if self.required("localisation.availableLanguages", languages):
            for index, item in enumerate(languages):
                if not is_language(item):
                    add(
                        f"localisation.availableLanguages[{index}]",
                        _("%(value)s is not a language tag such as id, en or pt-BR.")
                        % {"value": _show(item)},
                    )
        for kind in ("open", "proprietary", "hardware"):
            for index, item in enumerate((doc.get("dependsOn") or {}).get(kind) or []):
                self.required(
                    f"dependsOn.{kind}[{index}].name", (item or {}).get("name")
                )
        for key in ("IT", "it"):
            section = doc.get(key)
            if section is None:
                continue
            version = section.get("countryExtensionVersion")
            if version is not None and version not in ("0.2", "1.0"):
                add(
                    f"{key}.countryExtensionVersion",
                    _("%(value)s is not allowed; use one of: %(choices)s.")
                    % {"value": _show(version), "choices": "0.2, 1.0"},
                )
            ipa = (section.get("riuso") or {}).get("codiceIPA")
            if ipa and not re.fullmatch(r"[a-z0-9_]{2,}", ipa):
                add(
                    f"{key}.riuso.codiceIPA",
                    _(
                        "%(value)s is not a code of the Italian public administration register (iPA)."
                    )
                    % {"value": _show(ipa)},
                )
        # The checks the reference parser makes after the field rules.
        for key in ("logo", "monochromeLogo"):
            self.relative_or_url(key, doc.get(key))
        self.relative_or_url("legal.authorsFile", legal.get("authorsFile"))
        for language, block in (doc.get("description") or {}).items():
            block = block or {}
            for index, item in enumerate(block.get("screenshots") or []):
                self.relative_or_url(
                    f"description.{language}.screenshots[{index}]", item
                )
            for index, item in enumerate(block.get("videos") or []):
                if item is not None and not is_video(item):
                    add(
                        f"description.{language}.videos[{index}]",
                        _(
                            "%(value)s is not a video page of a known video site (YouTube, Vimeo…)."
                        )
                        % {"value": _show(item)},
                    )
        if doc.get("IT") is not None and doc.get("it") is not None:
            add("it", _("Both IT and it are present; keep only IT."))

    def descriptions(self, descriptions):
        if not descriptions:
            self.add(
                "description", _("Describe the software in at least one language.")
            )
            return
        if not all(is_language(key) for key in descriptions):
            self.add(
                "description",
                _(
                    "Each description must be under a language tag such as id, en or pt-BR."
                ),
            )
        for language, block in descriptions.items():
            path = f"description.{language}"
            block = block or {}
            self.length(f"{path}.genericName", block.get("genericName"), at_most=35)
            short = block.get("shortDescription")
            if self.required(f"{path}.shortDescription", short):
                self.length(f"{path}.shortDescription", short, at_most=150)
            long = block.get("longDescription")
            if self.required(f"{path}.longDescription", long):
                self.length(
                    f"{path}.longDescription", long, at_least=150, at_most=10_000
                )
            self.http_url(f"{path}.documentation", block.get("documentation"))
            self.http_url(f"{path}.apiDocumentation", block.get("apiDocumentation"))
            if not block.get("features"):
                self.add(f"{path}.features", _("List at least one feature."))
            for index, item in enumerate(block.get("videos") or []):
                if item is not None:
                    self.http_url(f"{path}.videos[{index}]", item)

    def maintenance(self, maintenance: dict):
        kind = maintenance.get("type")
        self.one_of("maintenance.type", kind, MAINTENANCE_TYPES)
        contractors = maintenance.get("contractors")
        if kind == "contract" and not contractors:
            self.add(
                "maintenance.contractors",
                _("Name the contractors when maintenance is by contract."),
            )
        elif contractors is not None and kind != "contract":
            self.add(
                "maintenance.contractors",
                _("Contractors are listed only when maintenance is by contract."),
            )
        elif contractors:
            for index, item in enumerate(contractors):
                path = f"maintenance.contractors[{index}]"
                item = item or {}
                self.required(f"{path}.name", item.get("name"))
                self.email(f"{path}.email", item.get("email"))
                self.http_url(f"{path}.website", item.get("website"))
                if self.required(f"{path}.until", item.get("until")):
                    self.date(f"{path}.until", item.get("until"))
        contacts = maintenance.get("contacts")
        if kind in ("internal", "community") and not contacts:
            self.add(
                "maintenance.contacts",
                _(
                    "Name at least one contact when the software is maintained internally or by a community."
                ),
            )
        for index, item in enumerate(contacts or []):
            path = f"maintenance.contacts[{index}]"
            item = item or {}
            self.required(f"{path}.name", item.get("name"))
            self.email(f"{path}.email", item.get("email"))


def check(root: Node) -> tuple[dict, list[Issue]]:
    """Every problem the standard finds in a file, and the decoded document."""
    version = root.get("publiccodeYmlVersion")
    if version is None or version.kind == "null":
        return {}, [
            Issue(
                "publiccodeYmlVersion",
                _(
                    'Required: the version of the standard the file follows, such as "0".'
                ),
            )
        ]
    if version.kind != "str":
        return {}, [
            Issue(
                "publiccodeYmlVersion",
                _('Write the version as quoted text, such as "0".'),
            )
        ]
    if version.value not in SUPPORTED_VERSIONS:
        return {}, [
            Issue(
                "publiccodeYmlVersion",
                _('Version %(value)s is not supported; use "0" (the current version).')
                % {"value": _show(version.value)},
            )
        ]
    doc, issues = decode(root)
    checker = _Checker()
    checker.document(doc)
    issues = issues + checker.issues
    if len(issues) > MAX_ISSUES:
        more = len(issues) - MAX_ISSUES
        issues = issues[:MAX_ISSUES] + [
            Issue("", _("… and %(count)d more problems.") % {"count": more})
        ]
    return doc, issues


def validate(root: Node) -> list[Issue]:
    return check(root)[1]
