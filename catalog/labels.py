"""Names people read for the codes publiccode.yml stores: languages (ISO 639),
countries (ISO 3166-1) and licences (SPDX expressions), in the visitor's language.

Language and country names come from pycountry's copy of Debian's iso-codes,
with its own translations (Indonesian included); licence names from the table
below, the licences governments publish under. A licence not in the table keeps
its SPDX identifier, which is its registered short name.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from license_expression import ExpressionError, get_spdx_licensing

# ISO 639-1 (two letters), the codes publiccode.yml's languages start with.
LANGUAGE_CODES = tuple(
    sorted(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
)
COUNTRY_CODES = tuple(sorted(c.alpha_2.lower() for c in pycountry.countries))

LICENCE_NAMES = {
    "AGPL-3.0": gettext_lazy("GNU Affero General Public License 3.0"),
    "GPL-2.0": gettext_lazy("GNU General Public License 2.0"),
    "GPL-3.0": gettext_lazy("GNU General Public License 3.0"),
    "LGPL-2.1": gettext_lazy("GNU Lesser General Public License 2.1"),
    "LGPL-3.0": gettext_lazy("GNU Lesser General Public License 3.0"),
    "GFDL-1.3": gettext_lazy("GNU Free Documentation License 1.3"),
    "MIT": gettext_lazy("MIT License"),
    "Apache-2.0": gettext_lazy("Apache License 2.0"),
    "BSD-2-Clause": gettext_lazy("BSD 2-Clause License"),
    "BSD-3-Clause": gettext_lazy("BSD 3-Clause License"),
    "ISC": gettext_lazy("ISC License"),
    "MPL-2.0": gettext_lazy("Mozilla Public License 2.0"),
    "EUPL-1.1": gettext_lazy("European Union Public Licence 1.1"),
    "EUPL-1.2": gettext_lazy("European Union Public Licence 1.2"),
    "EPL-2.0": gettext_lazy("Eclipse Public License 2.0"),
    "OSL-3.0": gettext_lazy("Open Software License 3.0"),
    "Artistic-2.0": gettext_lazy("Artistic License 2.0"),
    "Zlib": gettext_lazy("zlib License"),
    "BSL-1.0": gettext_lazy("Boost Software License 1.0"),
    "Unlicense": gettext_lazy("The Unlicense (public domain)"),
    "CC0-1.0": gettext_lazy("Creative Commons Zero 1.0 (public domain)"),
    "CC-BY-4.0": gettext_lazy("Creative Commons Attribution 4.0"),
    "CC-BY-SA-4.0": gettext_lazy("Creative Commons Attribution-ShareAlike 4.0"),
    "WTFPL": gettext_lazy("Do What The F*ck You Want To Public License"),
    "0BSD": gettext_lazy("Zero-Clause BSD License"),
}
# What a `LicenseRef-` identifier means: a licence of the publisher's own.
LICENCE_REF = re.compile(r"LicenseRef-(?P<name>[A-Za-z0-9.-]+)")
SUFFIXES = {
    "-or-later": gettext_lazy("%(name)s or later"),
    "-only": gettext_lazy("%(name)s only"),
    "+": gettext_lazy("%(name)s or later"),
}


@lru_cache(maxsize=8)
def _iso_catalog(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(
        domain, pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _visitor_language() -> str:
    return (get_language() or "id").split("-")[0]


def language_label(code: str) -> str:
    """'jv' → 'Jawa' for an Indonesian visitor, 'Javanese' for an English one."""
    return _language_label(code, _visitor_language())


@lru_cache(maxsize=2048)
def _language_label(code: str, visitor: str) -> str:
    primary = code.split("-")[0].lower()
    found = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else None
    if found is None and len(primary) == 3:
        found = pycountry.languages.get(alpha_3=primary)
    if found is None:
        return code
    return _iso_catalog("iso639-3", visitor).gettext(found.name)


def country_label(code: str) -> str:
    return _country_label(code, _visitor_language())


@lru_cache(maxsize=2048)
def _country_label(code: str, visitor: str) -> str:
    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if found is None:
        return code
    return _iso_catalog("iso3166-1", visitor).gettext(found.name)


def _licence_symbol(key: str) -> str:
    ref = LICENCE_REF.fullmatch(key)
    if ref:
        name = ref.group("name").replace("-", " ")
        return _("own licence “%(name)s”") % {"name": name}
    if key in LICENCE_NAMES:
        return str(LICENCE_NAMES[key])
    for suffix, pattern in SUFFIXES.items():
        if key.endswith(suffix) and key.removesuffix(suffix) in LICENCE_NAMES:
            return str(pattern) % {"name": LICENCE_NAMES[key.removesuffix(suffix)]}
    return key


@lru_cache(maxsize=1)
def _licensing():
    # Building it reads the SPDX index: about 0.1 s, once per process.
    return get_spdx_licensing()


@lru_cache(maxsize=2048)
def _parsed(expression: str):
    try:
        return _licensing().parse(expression)
    except ExpressionError:
        return None


def license_label(expression: str) -> str:
    """'AGPL-3.0-or-later OR MIT' → 'GNU Affero General Public License 3.0 or
    later, or MIT License' (connectives in the visitor's language)."""
    return _license_label(expression, get_language() or "")


@lru_cache(maxsize=4096)
def _license_label(expression: str, language: str) -> str:
    parsed = _parsed(expression)
    if parsed is None:
        return expression
    return _render(parsed)


def _render(node) -> str:
    operator = getattr(node, "operator", None)
    if operator is None:
        if getattr(node, "license_symbol", None) is not None:  # a WITH exception
            return _("%(licence)s with the %(exception)s exception") % {
                "licence": _licence_symbol(node.license_symbol.key),
                "exception": node.exception_symbol.key,
            }
        return _licence_symbol(node.key)
    parts = [_render(arg) for arg in node.args]
    joiner = _(", or ") if operator.strip() == "OR" else _(", and ")
    return joiner.join(parts)
