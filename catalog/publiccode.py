"""publiccode.yml import and export for catalog entries.

The standard lives in ../shared/standards/publiccode (CC0). Files are read as
they are written in the wild: spec versions 0.2 up to the current "0",
descriptions in any language, country sections (`it:`, `IT:`) ignored,
optional fields missing or empty. Everything else is checked, and a file with
any problem imports nothing: the caller gets every problem at once, each with
the path of the field (`description.en.shortDescription`,
`maintenance.contacts[0].email`) and the reason.

The files come from strangers, so reading them is defensive: a size limit
before anything is parsed, safe YAML only, and limits on aliases, nesting and
the size of the document once aliases are expanded (billion laughs).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date, datetime

import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import services
from .models import CatalogApp, Release
from .vocabularies import (
    CATEGORIES,
    DEVELOPMENT_STATUSES,
    MAINTENANCE_TYPES,
    SCOPES,
    SOFTWARE_TYPES,
)

# The version BagiPakai writes: the spec's current, unversioned "0".
EXPORT_VERSION = "0"

# Real publiccode.yml files use no aliases and nest five levels at most; these
# limits leave room for that and refuse documents built to exhaust the server.
MAX_ALIASES = 50
MAX_DEPTH = 32
MAX_NODES = 20_000
# More problems than this are summarised; nobody reads a list of thousands.
MAX_ISSUES = 100

INDONESIAN = ("id", "ind", "in")
ENGLISH = ("en", "eng")


@dataclass(frozen=True)
class Issue:
    """One problem in a file: where (`legal.license`, empty for the whole file) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PubliccodeError(Exception):
    """A file that cannot be imported; `issues` says every reason found."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class ImportResult:
    app: CatalogApp
    created: bool


# --- reading ---------------------------------------------------------------------


class _TooComplex(Exception):
    def __init__(self, message: str, mark=None):
        self.message = message
        self.mark = mark
        super().__init__(message)


class _Loader(yaml.SafeLoader):
    """Safe YAML with limits against alias and nesting abuse, and text scalars.

    Only `true`/`false` and `null` (YAML 1.2 spellings) are recognised; every
    other plain scalar stays text, which is what every publiccode.yml value
    is. So `publiccodeYmlVersion: 0.2`, `softwareVersion: 1.10`,
    `releaseDate: 2017-04-15` and a Norwegian `no:` description key arrive as
    written, not as a float, 1.1, a date and False (YAML 1.1's reading).
    """

    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._nodes = 0
        # Node id -> number of nodes below it with aliases expanded.
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooComplex(
                    _("The file uses more than %(max)d YAML aliases (*name).")
                    % {"max": MAX_ALIASES},
                    event.start_mark,
                )
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise _TooComplex(
                    _("A YAML alias refers to the structure that contains it."),
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        # Counted as they arrive, so a flood of values stops the parser early.
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooComplex(
                _("The file has more than %(max)d values.") % {"max": MAX_NODES},
                self.peek_event().start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooComplex(
                _("The file is nested more than %(max)d levels deep.")
                % {"max": MAX_DEPTH},
                self.peek_event().start_mark,
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        size = 1 + sum(self._sizes[id(child)] for child in children)
        if size > MAX_NODES:
            raise _TooComplex(
                _(
                    "The file has more than %(max)d values once its aliases are expanded."
                )
                % {"max": MAX_NODES},
                node.start_mark,
            )
        self._sizes[id(node)] = size
        return node

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"found duplicate key {key_node.value!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)


def _at(mark) -> dict:
    return {"line": mark.line + 1, "column": mark.column + 1}


def load(data: bytes) -> dict:
    """Parse a publiccode.yml safely; raises PubliccodeError when it cannot be read."""
    limit = settings.MAX_PUBLICCODE_BYTES
    if len(data) > limit:
        raise PubliccodeError(
            [Issue("", _("The file is larger than %(kb)d KB.") % {"kb": limit // 1024})]
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PubliccodeError(
            [
                Issue(
                    "",
                    _("The file is not UTF-8 text (invalid byte at position %(pos)d).")
                    % {"pos": exc.start},
                )
            ]
        ) from None
    loader = None
    try:
        loader = _Loader(text)
        doc = loader.get_single_data()
    except _TooComplex as exc:
        message = exc.message
        if exc.mark is not None:
            message = _("Line %(line)d, column %(column)d: %(problem)s") % {
                **_at(exc.mark),
                "problem": exc.message,
            }
        raise PubliccodeError([Issue("", message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part) or str(
            exc
        )
        if mark is not None:
            message = _(
                "Not valid YAML at line %(line)d, column %(column)d: %(problem)s."
            ) % {**_at(mark), "problem": problem}
        else:
            message = _("Not valid YAML: %(problem)s.") % {"problem": problem}
        raise PubliccodeError([Issue("", message)]) from None
    except yaml.reader.ReaderError as exc:
        raise PubliccodeError(
            [
                Issue(
                    "",
                    _(
                        "The file contains a character YAML does not allow "
                        "(code %(code)s) at position %(position)d."
                    )
                    % {"code": f"#x{exc.character:04x}", "position": exc.position},
                )
            ]
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise PubliccodeError(
            [Issue("", _("Not valid YAML: %(problem)s.") % {"problem": str(exc)[:200]})]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if doc is None:
        raise PubliccodeError([Issue("", _("The file is empty."))])
    if not isinstance(doc, dict):
        raise PubliccodeError(
            [
                Issue(
                    "",
                    _("The file must be a YAML mapping of keys such as name and url."),
                )
            ]
        )
    nul = _nul_paths(doc)
    if nul:
        # PostgreSQL text cannot hold NUL; a "\0" escape in YAML would produce one.
        raise PubliccodeError(
            [
                Issue(path, _("Text must not contain NUL characters."))
                for path in nul[:20]
            ]
        )
    return doc


def _nul_paths(value, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            key_text = str(key)
            child = f"{path}.{key_text}" if path else key_text
            found += ([child] if "\x00" in key_text else []) + _nul_paths(item, child)
        return found
    if isinstance(value, list):
        return [
            p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}[{i}]")
        ]
    return []


# --- checking --------------------------------------------------------------------

_VERSION = re.compile(r"0(?:\.(\d+)(?:\.(\d+))?)?")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_LICENSE_ID = re.compile(
    r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.-]*\+?"
)
_SPDX_OPERATORS = {"AND", "OR", "WITH", "and", "or", "with"}
_url_validator = URLValidator()


def _show(value, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(path: str, key) -> str:
    key = _show(key) if isinstance(key, str) else f"<{_show(key)}>"
    return f"{path}.{key}" if path else key


def is_spdx_expression(text: str) -> bool:
    """Does `text` look like an SPDX licence expression ("EUPL-1.2 OR MIT")?

    Checks the grammar (identifiers, AND/OR/WITH, parentheses), not that each
    identifier is on the SPDX list.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        return False
    tokens = re.findall(r"\(|\)|[^\s()]+", text)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def licence(depth: int) -> bool:
        nonlocal position
        token = peek()
        if token == "(":
            if depth > 10:
                return False
            position += 1
            if not expression(depth + 1) or peek() != ")":
                return False
            position += 1
            return True
        if (
            token is None
            or token in _SPDX_OPERATORS
            or not _LICENSE_ID.fullmatch(token)
        ):
            return False
        position += 1
        if peek() in ("WITH", "with"):
            position += 1
            exception = peek()
            if exception is None or exception in _SPDX_OPERATORS:
                return False
            if not _LICENSE_ID.fullmatch(exception):
                return False
            position += 1
        return True

    def expression(depth: int) -> bool:
        nonlocal position
        if not licence(depth):
            return False
        while peek() in ("AND", "OR", "and", "or"):
            position += 1
            if not licence(depth):
                return False
        return True

    return expression(0) and position == len(tokens)


def _parse_version(value) -> tuple[int, ...] | None:
    match = _VERSION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    parts = tuple(int(part) for part in match.groups() if part is not None)
    if parts and parts[0] < 2:
        return None
    return (0, *parts)


class _Checker:
    """Walks a parsed file and collects every problem with its path."""

    def __init__(self):
        self.issues: list[Issue] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))

    # scalars

    def text(self, path, value, *, max_length=None, single_line=False) -> bool:
        if not isinstance(value, str):
            self.add(
                path, _("Must be text, not %(type)s.") % {"type": _type_name(value)}
            )
            return False
        if not value.strip():
            self.add(path, _("Must not be empty."))
            return False
        # Measured as stored: short texts on one line, long ones trimmed.
        length = len(_line(value) if single_line else _text(value))
        if max_length and length > max_length:
            self.add(
                path,
                _("At most %(max)d characters are allowed; this has %(length)d.")
                % {"max": max_length, "length": length},
            )
            return False
        return True

    def choice(self, path, value, choices, what: str) -> None:
        if self.text(path, value) and value not in choices:
            if len(choices) <= 12:
                self.add(
                    path,
                    _("%(value)s is not allowed; use one of: %(choices)s.")
                    % {"value": _show(value), "choices": ", ".join(choices)},
                )
            else:
                self.add(
                    path,
                    _("%(value)s is not a publiccode.yml %(what)s.")
                    % {"value": _show(value), "what": what},
                )

    def url(self, path, value) -> None:
        if self.text(path, value):
            try:
                _url_validator(value.strip())
            except ValidationError:
                self.add(
                    path,
                    _("%(value)s is not a valid web address.")
                    % {"value": _show(value)},
                )

    def date(self, path, value) -> None:
        if isinstance(value, date) and not isinstance(value, datetime):
            return
        if not self.text(path, value):
            return
        try:
            if not _DATE.fullmatch(value.strip()):
                raise ValueError
            date.fromisoformat(value.strip())
        except ValueError:
            self.add(
                path,
                _("%(value)s is not a date in the form YYYY-MM-DD.")
                % {"value": _show(value)},
            )

    def boolean(self, path, value) -> None:
        if _as_bool(value) is None:
            self.add(path, _("Must be true or false."))

    def email(self, path, value) -> None:
        if self.text(path, value):
            try:
                validate_email(value.strip())
            except ValidationError:
                self.add(
                    path,
                    _("%(value)s is not a valid e-mail address.")
                    % {"value": _show(value)},
                )

    def language(self, path, value) -> None:
        if self.text(path, value) and not _LANGUAGE.fullmatch(value):
            self.add(
                path,
                _("%(value)s is not a language tag such as id, en or pt-BR.")
                % {"value": _show(value)},
            )

    def country(self, path, value) -> None:
        if self.text(path, value) and not _COUNTRY.fullmatch(value):
            self.add(
                path,
                _("%(value)s is not a two-letter country code such as ID.")
                % {"value": _show(value)},
            )

    def license(self, path, value) -> None:
        if self.text(path, value) and not is_spdx_expression(value):
            self.add(
                path,
                _(
                    "%(value)s is not an SPDX licence expression such as "
                    "AGPL-3.0-or-later or EUPL-1.2 OR MIT."
                )
                % {"value": _show(value)},
            )

    def uri(self, path, value) -> None:
        """Any URI (https:, urn:, git:…): for fields BagiPakai does not store."""
        if self.text(path, value) and not _URI.fullmatch(value.strip()):
            self.add(path, _("%(value)s is not a URI.") % {"value": _show(value)})

    def supported(self, path, value) -> None:
        if isinstance(value, str) and value.strip().startswith("alias:"):
            if not re.fullmatch(r"alias:[a-z0-9][a-z0-9._-]*", value.strip()):
                self.add(
                    path, _("%(value)s is not a valid alias.") % {"value": _show(value)}
                )
        else:
            self.uri(path, value)

    # containers

    def items(self, path, value, check, *, at_least: int = 0) -> None:
        if not isinstance(value, list):
            self.add(
                path, _("Must be a list, not %(type)s.") % {"type": _type_name(value)}
            )
            return
        if len(value) < at_least:
            self.add(path, _("The list must not be empty."))
        for index, item in enumerate(value):
            check(f"{path}[{index}]", item)

    def text_or_items(self, path, value, check) -> None:
        if isinstance(value, str):
            check(path, value)
        else:
            self.items(path, value, check, at_least=1)

    def mapping(self, path, value, fields: dict, required=()) -> bool:
        """Check a mapping's keys against `fields` (key -> check) and run the checks."""
        if not isinstance(value, dict):
            self.add(
                path,
                _("Must be a mapping of keys to values, not %(type)s.")
                % {"type": _type_name(value)},
            )
            return False
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(_join(path, key), _("Keys must be text."))
            elif key not in fields:
                self.add(
                    _join(path, key),
                    _("Unknown key; publiccode.yml has no such field here."),
                )
            elif item is None:
                if key in required:
                    self.add(_join(path, key), _("Must not be empty."))
            else:
                fields[key](_join(path, key), item)
        for key in required:
            if key not in value:
                self.add(_join(path, key), _("Missing; this field is required."))
        return True

    def each(self, fields: dict, required=()):
        return lambda path, value: self.mapping(path, value, fields, required)

    def list_of(self, check, at_least: int = 0):
        return lambda path, value: self.items(path, value, check, at_least=at_least)

    def limited(self, max_length, single_line=False):
        return lambda path, value: self.text(
            path, value, max_length=max_length, single_line=single_line
        )

    # the document

    def document(self, doc) -> None:
        if not isinstance(doc, dict):
            self.add(
                "", _("The file must be a YAML mapping of keys such as name and url.")
            )
            return
        version = doc.get("publiccodeYmlVersion")
        parsed_version = None
        if version is not None:
            parsed_version = _parse_version(version)
            if parsed_version is None:
                self.add(
                    "publiccodeYmlVersion",
                    _(
                        "Version %(value)s is not supported; use 0.2 or later, or 0 (the current version)."
                    )
                    % {"value": _show(version)},
                )
        text, url, uri, date_ = self.text, self.url, self.uri, self.date
        each, list_of = self.each, self.list_of
        texts = list_of(text)
        contact = each(
            {"name": text, "email": self.email, "phone": text, "affiliation": text},
            required=("name",),
        )
        contractor = each(
            {"name": text, "until": date_, "email": self.email, "website": uri},
            required=("name", "until"),
        )
        organisation = each({"name": text, "uri": uri}, required=("name",))
        dependency = list_of(
            each(
                {
                    "name": text,
                    "versionMin": text,
                    "versionMax": text,
                    "version": text,
                    "optional": self.boolean,
                },
                required=("name",),
            )
        )
        description = each(
            {
                "localisedName": text,
                "genericName": self.limited(35, single_line=True),
                "shortDescription": self.limited(150, single_line=True),
                "longDescription": self.limited(10_000),
                "documentation": url,
                "apiDocumentation": uri,
                "features": texts,
                "screenshots": texts,
                "videos": list_of(uri),
                "awards": texts,
                "freeTags": texts,
            },
            required=("shortDescription",),
        )
        fields = {
            "publiccodeYmlVersion": lambda path, value: None,
            "name": text,
            "applicationSuite": text,
            "url": url,
            "landingURL": url,
            "isBasedOn": lambda path, value: self.text_or_items(path, value, uri),
            "softwareVersion": text,
            "releaseDate": date_,
            "logo": text,
            "monochromeLogo": text,
            "inputTypes": texts,
            "outputTypes": texts,
            "platforms": lambda path, value: self.text_or_items(path, value, text),
            "categories": list_of(
                lambda p, v: self.choice(p, v, CATEGORIES, _("category"))
            ),
            "usedBy": texts,
            "fundedBy": list_of(organisation),
            "roadmap": uri,
            "developmentStatus": lambda p, v: self.choice(
                p, v, DEVELOPMENT_STATUSES, ""
            ),
            "softwareType": lambda p, v: self.choice(p, v, SOFTWARE_TYPES, ""),
            "supports": list_of(each({"id": self.supported}, required=("id",))),
            "organisation": each({"uri": uri, "name": text}, required=("uri",)),
            "intendedAudience": each(
                {
                    "scope": list_of(
                        lambda p, v: self.choice(p, v, SCOPES, _("scope"))
                    ),
                    "countries": list_of(self.country),
                    "unsupportedCountries": list_of(self.country),
                    "onlyFor": texts,
                }
            ),
            "description": lambda path, value: self.descriptions(
                path, value, description
            ),
            "legal": each(
                {
                    "license": self.license,
                    "mainCopyrightOwner": text,
                    "repoOwner": text,
                    "authorsFile": text,
                },
                required=("license",),
            ),
            "maintenance": lambda path, value: self.maintenance(
                path, value, contact, contractor
            ),
            "localisation": each(
                {
                    "localisationReady": self.boolean,
                    "availableLanguages": list_of(self.language, at_least=1),
                },
                required=("localisationReady", "availableLanguages"),
            ),
            "dependsOn": each(
                {"open": dependency, "proprietary": dependency, "hardware": dependency}
            ),
        }
        # Country sections (`it:`, `IT:`) belong to national extensions we do not use.
        for key in doc:
            if isinstance(key, str) and _COUNTRY.fullmatch(key):
                fields[key] = lambda path, value: None
        required = [
            "publiccodeYmlVersion",
            "name",
            "url",
            "platforms",
            "developmentStatus",
            "softwareType",
            "description",
            "legal",
            "maintenance",
            "localisation",
        ]
        # Categories became optional in 0.4; files written for 0.2 and 0.3 need them.
        if (
            parsed_version is not None
            and len(parsed_version) > 1
            and parsed_version[1] < 4
        ):
            required.append("categories")
            if doc.get("categories") == []:
                self.add("categories", _("The list must not be empty."))
        self.mapping("", doc, fields, required)

    def descriptions(self, path, value, block_check) -> None:
        if not isinstance(value, dict):
            self.add(
                path,
                _("Must be a mapping of languages to descriptions, not %(type)s.")
                % {"type": _type_name(value)},
            )
            return
        if not value:
            self.add(path, _("Describe the software in at least one language."))
            return
        for language, block in value.items():
            block_path = _join(path, language)
            if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
                self.add(
                    block_path,
                    _("%(value)s is not a language tag such as id, en or pt-BR.")
                    % {"value": _show(language)},
                )
                continue
            block_check(block_path, block)
        if not any(
            isinstance(block, dict)
            and isinstance(block.get("longDescription"), str)
            and block["longDescription"].strip()
            for block in value.values()
        ):
            self.add(path, _("At least one language needs a longDescription."))

    def maintenance(self, path, value, contact, contractor) -> None:
        fields = {
            "type": lambda p, v: self.choice(p, v, MAINTENANCE_TYPES, ""),
            "contractors": self.list_of(contractor),
            "contacts": self.list_of(contact),
        }
        if not self.mapping(path, value, fields, required=("type",)):
            return
        kind = value.get("type")
        if kind in ("internal", "community") and not value.get("contacts"):
            self.add(
                _join(path, "contacts"),
                _("Name at least one contact when the maintenance type is %(type)s.")
                % {"type": kind},
            )
        if (
            value.get("contractors")
            and kind in MAINTENANCE_TYPES
            and kind != "contract"
        ):
            self.add(
                _join(path, "contractors"),
                _("Contractors are listed only when the maintenance type is contract."),
            )


def _type_name(value) -> str:
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, date):
        return _("a date")
    return type(value).__name__


def _as_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    # YAML 1.1 spellings, still common in files written before 0.4.
    if isinstance(value, str):
        return {
            "yes": True,
            "on": True,
            "y": True,
            "no": False,
            "off": False,
            "n": False,
        }.get(value.strip().lower())
    return None


def validate(doc) -> list[Issue]:
    """Every problem of a parsed publiccode.yml (empty when it can be imported)."""
    checker = _Checker()
    checker.document(doc)
    issues = checker.issues
    if len(issues) > MAX_ISSUES:
        more = len(issues) - MAX_ISSUES
        issues = issues[:MAX_ISSUES] + [
            Issue("", _("… and %(count)d more problems.") % {"count": more})
        ]
    return issues


# --- mapping to catalog fields ---------------------------------------------------


def _line(value) -> str:
    """One line of text, whitespace collapsed (names, short descriptions, features)."""
    return " ".join(str(value).split()) if value is not None else ""


def _text(value) -> str:
    """Running text with Unix line ends and no surrounding blank space."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _pick_language(languages, codes) -> str | None:
    """The first language key that is one of `codes`, exactly or by its primary subtag."""
    for key in languages:
        if key.lower() in codes:
            return key
    for key in languages:
        if key.split("-")[0].lower() in codes:
            return key
    return None


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _map(doc: dict) -> tuple[dict, dict]:
    """Catalog fields of a valid file, and the file path each field came from."""
    languages = doc["description"]
    id_key = _pick_language(languages, INDONESIAN)
    en_key = _pick_language(languages, ENGLISH)
    # The Indonesian fields are required; a file without Indonesian fills them
    # from English or else the first language. The English fields come only
    # from English, so a re-export does not invent an English text.
    id_source = id_key or en_key or next(iter(languages))
    id_block = languages[id_source]
    en_block = languages[en_key] if en_key else {}
    ordered = [id_source] + [key for key in languages if key != id_source]
    if en_key in ordered:
        ordered.remove(en_key)
        ordered.insert(1, en_key)

    def first(key):
        for language in ordered:
            value = languages[language].get(key)
            if value:
                return language, value
        return ordered[0], None

    features_from, features = first("features")
    documentation_from, documentation = first("documentation")
    maintenance = doc["maintenance"]
    contacts = [
        {
            "name": _line(contact.get("name")),
            "email": _line(contact.get("email")),
            "phone": _line(contact.get("phone")),
            "affiliation": _line(contact.get("affiliation")),
        }
        for contact in maintenance.get("contacts") or []
    ]
    fields = {
        "name": _line(doc["name"]),
        "short_description_id": _line(id_block["shortDescription"]),
        "short_description_en": _line(en_block.get("shortDescription")),
        "long_description_id": _text(id_block.get("longDescription")),
        "long_description_en": _text(en_block.get("longDescription")),
        "features": [_line(item) for item in features or [] if _line(item)],
        "categories": list(doc.get("categories") or []),
        "scope": list((doc.get("intendedAudience") or {}).get("scope") or []),
        "development_status": doc["developmentStatus"],
        "software_type": doc["softwareType"],
        "license": _line(doc["legal"]["license"]),
        "url": doc["url"].strip(),
        "documentation_url": (documentation or "").strip(),
        "landing_url": (doc.get("landingURL") or "").strip(),
        "platforms": [_line(item) for item in _as_list(doc["platforms"])],
        "languages": [
            item.strip() for item in doc["localisation"]["availableLanguages"]
        ],
        "maintenance_type": maintenance["type"],
        "contacts": contacts,
    }
    en_source = en_key or id_source
    sources = {
        "name": "name",
        "short_description_id": f"description.{id_source}.shortDescription",
        "short_description_en": f"description.{en_source}.shortDescription",
        "long_description_id": f"description.{id_source}.longDescription",
        "long_description_en": f"description.{en_source}.longDescription",
        "features": f"description.{features_from}.features",
        "categories": "categories",
        "scope": "intendedAudience.scope",
        "development_status": "developmentStatus",
        "software_type": "softwareType",
        "license": "legal.license",
        "url": "url",
        "documentation_url": f"description.{documentation_from}.documentation",
        "landing_url": "landingURL",
        "platforms": "platforms",
        "languages": "localisation.availableLanguages",
        "maintenance_type": "maintenance.type",
        "contacts": "maintenance.contacts",
        "slug": "name",
        "version": "softwareVersion",
        "released_on": "releaseDate",
    }
    return fields, sources


def to_fields(doc: dict) -> dict:
    """CatalogApp fields (for catalog.services.app_create/app_update) of a valid file.

    `delivery_mode`, `hosted_module` and `slug` are not described by
    publiccode.yml and are left to the caller.
    """
    return _map(doc)[0]


def release_fields(doc: dict) -> dict | None:
    """`version` and `released_on` for catalog.services.release_add, if the file has both."""
    version = doc.get("softwareVersion")
    released = doc.get("releaseDate")
    if not version or not released:
        return None
    if not isinstance(released, date):
        released = date.fromisoformat(released.strip())
    return {"version": _line(version), "released_on": released}


# --- importing -------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "app"
    slug, number = base, 2
    while CatalogApp.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _issues_from(exc: ValidationError, sources: dict) -> list[Issue]:
    if not hasattr(exc, "error_dict"):
        return [Issue("", message) for message in exc.messages]
    issues = []
    for field, messages in exc.message_dict.items():
        path = "" if field == NON_FIELD_ERRORS else sources.get(field, field)
        issues.extend(Issue(path, message) for message in messages)
    return issues


def import_publiccode(*, actor, publisher, data: bytes) -> ImportResult:
    """Create or update `publisher`'s catalog entry described by a publiccode.yml.

    The entry is matched by `url`. All or nothing: a file with any problem
    raises PubliccodeError and changes nothing. An actor who may not publish
    for `publisher` gets PermissionDenied (`actor=None` is the command line).
    """
    doc = load(data)
    issues = validate(doc)
    if issues:
        raise PubliccodeError(issues)
    fields, sources = _map(doc)
    release = release_fields(doc)
    try:
        with transaction.atomic():
            app = (
                CatalogApp.objects.select_for_update().filter(url=fields["url"]).first()
            )
            if app is not None and app.publisher_id != publisher.pk:
                raise PubliccodeError(
                    [
                        Issue(
                            "url",
                            _(
                                "Another organisation already lists this repository in the "
                                "catalog; only that organisation can update its entry."
                            ),
                        )
                    ]
                )
            created = app is None
            if created:
                app = services.app_create(
                    actor=actor,
                    publisher=publisher,
                    slug=_unique_slug(fields["name"]),
                    delivery_mode=CatalogApp.Delivery.SOURCE,
                    **fields,
                )
            else:
                app = services.app_update(actor=actor, app=app, **fields)
            if (
                release
                and not Release.objects.filter(
                    app=app, version=release["version"]
                ).exists()
            ):
                services.release_add(actor=actor, app=app, **release)
    except ValidationError as exc:
        raise PubliccodeError(_issues_from(exc, sources)) from None
    return ImportResult(app=app, created=created)


# --- exporting -------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, list items indented under their key, no anchors."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


def _represent_text(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def _valid_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _export_contacts(app: CatalogApp) -> list[dict]:
    contacts = []
    for entry in app.contacts if isinstance(app.contacts, list) else []:
        if not isinstance(entry, dict) or not _line(entry.get("name")):
            continue
        contact = {"name": _line(entry.get("name"))}
        email = _line(entry.get("email"))
        if email and _valid_email(email):
            contact["email"] = email
        for key in ("phone", "affiliation"):
            if _line(entry.get(key)):
                contact[key] = _line(entry.get(key))
        contacts.append(contact)
    if contacts or app.maintenance_type not in ("internal", "community"):
        return contacts
    # The spec asks for a contact; the publisher's contact person is the one we know.
    publisher = app.publisher
    contact = {"name": _line(publisher.contact_name) or _line(publisher.name)}
    if publisher.contact_email and _valid_email(publisher.contact_email.strip()):
        contact["email"] = publisher.contact_email.strip()
    if _line(publisher.contact_phone):
        contact["phone"] = _line(publisher.contact_phone)
    contact["affiliation"] = _line(publisher.name)
    return [contact]


def _organisation_uri(publisher) -> str:
    website = (publisher.website or "").strip()
    if website:
        try:
            _url_validator(website)
            return website
        except ValidationError:
            pass
    return f"urn:x-bagipakai:{publisher.slug}"


def export_document(app: CatalogApp) -> dict:
    """The entry as a publiccode.yml document (a dict in the spec's key order).

    Exporting writes fields the way importing reads them back, so export →
    import → export gives the same text. Where the spec asks for a value the
    entry may lack (platforms, languages, a long description, a maintenance
    contact) the export fills in a stated default rather than write an
    invalid file.
    """
    short_id, short_en = (
        _line(app.short_description_id),
        _line(app.short_description_en),
    )
    long_id, long_en = _text(app.long_description_id), _text(app.long_description_en)
    blocks: dict[str, dict] = {}
    # An entry whose Indonesian text merely repeats the English (an English-only
    # import) is exported in English only.
    if short_id and (short_id, long_id) != (short_en, long_en):
        blocks["id"] = {"shortDescription": short_id}
        if long_id:
            blocks["id"]["longDescription"] = long_id
    if short_en:
        blocks["en"] = {"shortDescription": short_en}
        if long_en:
            blocks["en"]["longDescription"] = long_en
    if not blocks:
        blocks["id"] = {"shortDescription": short_id or _line(app.name)}
    primary = next(iter(blocks.values()))
    if not any("longDescription" in block for block in blocks.values()):
        primary["longDescription"] = primary["shortDescription"]
    if app.documentation_url:
        primary["documentation"] = app.documentation_url.strip()
    features = [_line(item) for item in app.features if _line(item)]
    if features:
        primary["features"] = features

    doc: dict = {
        "publiccodeYmlVersion": EXPORT_VERSION,
        "name": _line(app.name),
        "url": app.url,
    }
    if app.landing_url:
        doc["landingURL"] = app.landing_url.strip()
    release = app.releases.order_by("-released_on", "-pk").first()
    if release is not None:
        doc["softwareVersion"] = _line(release.version)
        doc["releaseDate"] = release.released_on.isoformat()
    doc["platforms"] = [_line(item) for item in app.platforms if _line(item)] or ["web"]
    categories = [item for item in app.categories if item in CATEGORIES]
    if categories:
        doc["categories"] = categories
    doc["developmentStatus"] = app.development_status
    doc["softwareType"] = (
        app.software_type if app.software_type in SOFTWARE_TYPES else "standalone/other"
    )
    scope = [item for item in app.scope if item in SCOPES]
    if scope:
        doc["intendedAudience"] = {"scope": scope}
    doc["description"] = blocks
    doc["legal"] = {"license": _line(app.license)}
    maintenance: dict = {"type": app.maintenance_type}
    contacts = _export_contacts(app)
    if contacts:
        maintenance["contacts"] = contacts
    doc["maintenance"] = maintenance
    languages = [
        item.strip() for item in app.languages if _LANGUAGE.fullmatch(item.strip())
    ]
    languages = languages or ["id"]
    doc["localisation"] = {
        "localisationReady": len(languages) > 1,
        "availableLanguages": languages,
    }
    doc["organisation"] = {
        "uri": _organisation_uri(app.publisher),
        "name": _line(app.publisher.name),
    }
    return doc


def export_publiccode(app: CatalogApp) -> str:
    """The entry as publiccode.yml text (spec version "0")."""
    return yaml.dump(
        export_document(app),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        # Long lines stay whole: easier to grep and diff than YAML's folded plain text.
        width=float("inf"),
    )
