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

The steps live in sibling modules: `schema` (each field's type), `decoding`
(step 1), `values` (what one value must be) and `rules` (step 2); this module
puts them together (`check`) and re-exports what the rest of the catalog uses.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from core.i18n import Sentence

from .decoding import decode
from .issues import Issue, show
from .reading import Node
from .rules import Checker
from .schema import BOOL, DOCUMENT, LIST, MAP, STRUCT, TEXT, TEXT_OR_LIST, Field
from .values import (
    graphemes,
    is_country,
    is_date,
    is_http_url,
    is_language,
    is_organisation_uri,
    is_spdx_expression,
    is_url,
    is_video,
)

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


def check(root: Node) -> tuple[dict, list[Issue]]:
    """Every problem the standard finds in a file, and the decoded document."""
    version = root.get("publiccodeYmlVersion")
    if version is None or version.kind == "null":
        return {}, [
            Issue(
                "publiccodeYmlVersion",
                Sentence(
                    gettext_noop(
                        'Required: the version of the standard the file follows, such as "0".'
                    )
                ),
            )
        ]
    if version.kind != "str":
        return {}, [
            Issue(
                "publiccodeYmlVersion",
                Sentence(
                    gettext_noop('Write the version as quoted text, such as "0".')
                ),
            )
        ]
    if version.value not in SUPPORTED_VERSIONS:
        return {}, [
            Issue(
                "publiccodeYmlVersion",
                Sentence(
                    gettext_noop(
                        'Version %(value)s is not supported; use "0" (the current version).'
                    ),
                    value=show(version.value),
                ),
            )
        ]
    doc, issues = decode(root)
    checker = Checker()
    checker.document(doc)
    issues = issues + checker.issues
    if len(issues) > MAX_ISSUES:
        more = len(issues) - MAX_ISSUES
        issues = issues[:MAX_ISSUES] + [
            Issue(
                "", Sentence(gettext_noop("… and %(count)d more problems."), count=more)
            )
        ]
    return doc, issues


def validate(root: Node) -> list[Issue]:
    return check(root)[1]


__all__ = [
    "BOOL",
    "DOCUMENT",
    "LIST",
    "MAP",
    "MAX_ISSUES",
    "STRUCT",
    "SUPPORTED_VERSIONS",
    "TEXT",
    "TEXT_OR_LIST",
    "Field",
    "check",
    "decode",
    "graphemes",
    "is_country",
    "is_date",
    "is_http_url",
    "is_language",
    "is_organisation_uri",
    "is_spdx_expression",
    "is_url",
    "is_video",
    "validate",
]
