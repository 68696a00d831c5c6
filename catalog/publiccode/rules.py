"""Step 2: the standard's rules, field by field, on a decoded document."""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from core.i18n import Sentence

from ..vocabularies import (
    CATEGORIES,
    DEVELOPMENT_STATUSES,
    MAINTENANCE_TYPES,
    SCOPES,
    SOFTWARE_TYPES,
    contractors_problem,
)
from .issues import Issue, show
from .values import (
    MIME_TYPE,
    graphemes,
    is_country,
    is_date,
    is_email,
    is_http_url,
    is_language,
    is_organisation_uri,
    is_spdx_expression,
    is_url,
    is_video,
)

# The lengths the standard allows a description's texts, in characters.
SHORT_DESCRIPTION_MAX = 150
LONG_DESCRIPTION_MIN, LONG_DESCRIPTION_MAX = 150, 10_000

# How the reference parser names a description block in the problems of its
# field rules: `description.en` for a key of letters only, `description[pt-BR]`
# for any other (its later checks of screenshots and videos always use dots).
_PLAIN_KEY = re.compile(r"[A-Za-z]+")


# An organisation named by its iPA code: urn:x-italian-pa:CODE (in any case).
ITALIAN_PA = "x-italian-pa:"


def description_path(language: str) -> str:
    """The path of the description block `language` as the reference parser writes it."""
    if _PLAIN_KEY.fullmatch(language):
        return f"description.{language}"
    return f"description[{language}]"


def is_ipa_code(value: str) -> bool:
    """Could `value` be a code of the Italian public administration register (iPA)?

    The reference parser looks the code up, exactly as written but in either
    case, in the copy of the register it carries (23,727 codes in v5.4.3).
    BagiPakai does not carry the register and checks the form of its codes:
    1 to 16 letters, digits and `_`, a letter among them (`c`, `C_H501`,
    `istsc_AGIC82200R`; not `123`, `_` or ` c`). So it accepts a code of that
    form the register lacks, and refuses the register's eight codes of
    digits only (`102`…). `true` and `false` are no administration's code.
    """
    return value.lower() not in ("true", "false") and bool(
        re.fullmatch(r"(?=[0-9_]*[A-Za-z])[A-Za-z0-9_]{1,16}", value)
    )


def description_issues(descriptions: dict) -> list[Issue]:
    """The standard's rules on description blocks ({language: block}) alone.

    For texts about to be written (the catalog's publishing form), so they
    are checked by the same rules as a file.
    """
    checker = Checker()
    checker.descriptions(descriptions)
    return checker.issues


class Checker:
    """Collects the issues of a decoded document, one rule per field."""

    def __init__(self):
        self.issues: list[Issue] = []

    def add(self, path, message):
        self.issues.append(Issue(path, message))

    def required(self, path, value) -> bool:
        if value in (None, "", [], {}):
            self.add(
                path,
                Sentence(
                    gettext_noop("Required; this field must not be missing or empty.")
                ),
            )
            return False
        return True

    def one_of(self, path, value, choices):
        if self.required(path, value) and value not in choices:
            self.add(
                path,
                Sentence(
                    gettext_noop("%(value)s is not allowed; use one of: %(choices)s."),
                    value=show(value),
                    choices=", ".join(choices),
                ),
            )

    def http_url(self, path, value):
        if value is not None and not is_http_url(value):
            self.add(
                path,
                Sentence(
                    gettext_noop("%(value)s is not a web address (http or https)."),
                    value=show(value),
                ),
            )

    def date(self, path, value):
        if value is not None and not is_date(value):
            self.add(
                path,
                Sentence(
                    gettext_noop("%(value)s is not a date in the form YYYY-MM-DD."),
                    value=show(value),
                ),
            )

    def email(self, path, value):
        # An empty address is refused too: the reference parser checks any value given.
        if value is not None and not is_email(value):
            self.add(
                path,
                Sentence(
                    gettext_noop("%(value)s is not an e-mail address."),
                    value=show(value),
                ),
            )

    def relative_or_url(self, path, value):
        if isinstance(value, str) and (
            value.startswith("/") or value.startswith("file:")
        ):
            self.add(
                path,
                Sentence(
                    gettext_noop(
                        "Use a path relative to the repository or a web address, not %(value)s."
                    ),
                    value=show(value),
                ),
            )

    def length(self, path, value, *, at_least=0, at_most=None):
        count = graphemes(value or "")
        if at_most is not None and count > at_most:
            self.add(
                path,
                Sentence(
                    gettext_noop(
                        "At most %(max)d characters are allowed; this has %(length)d."
                    ),
                    max=at_most,
                    length=count,
                ),
            )
        if count < at_least:
            self.add(
                path,
                Sentence(
                    gettext_noop(
                        "At least %(min)d characters are needed; this has %(length)d."
                    ),
                    min=at_least,
                    length=count,
                ),
            )

    def organisation(self, path, value):
        if value is None:
            return
        uri = value.get("uri")
        if not self.required(f"{path}.uri", uri):
            return
        if not is_organisation_uri(uri):
            self.add(
                f"{path}.uri",
                Sentence(
                    gettext_noop("%(value)s is not a URI such as https://… or urn:…."),
                    value=show(uri),
                ),
            )
            return
        scheme, _colon, rest = uri.partition(":")
        if scheme.lower() == "urn" and rest[: len(ITALIAN_PA)].lower() == ITALIAN_PA:
            self.ipa_code(f"{path}.uri", rest[len(ITALIAN_PA) :])

    def ipa_code(self, path, value):
        if not is_ipa_code(value):
            self.add(
                path,
                Sentence(
                    gettext_noop(
                        "%(value)s is not a code of the Italian public administration register (iPA)."
                    ),
                    value=show(value),
                ),
            )

    def document(self, doc: dict):  # noqa: C901 - one rule per field, in the standard's order
        add = self.add
        self.required("name", doc.get("name"))
        url = doc.get("url")
        if self.required("url", url) and not is_url(url):
            add(
                "url",
                Sentence(gettext_noop("%(value)s is not a URL."), value=show(url)),
            )
        self.http_url("landingURL", doc.get("landingURL"))
        for index, item in enumerate(doc.get("isBasedOn") or []):
            if not is_url(item):
                add(
                    f"isBasedOn[{index}]",
                    Sentence(gettext_noop("%(value)s is not a URL."), value=show(item)),
                )
        self.date("releaseDate", doc.get("releaseDate"))
        self.organisation("organisation", doc.get("organisation"))
        for key in ("inputTypes", "outputTypes"):
            for index, item in enumerate(doc.get(key) or []):
                if not MIME_TYPE.match(item or ""):
                    add(
                        f"{key}[{index}]",
                        Sentence(
                            gettext_noop(
                                "%(value)s is not a MIME type such as text/csv."
                            ),
                            value=show(item),
                        ),
                    )
        if not doc.get("platforms"):
            add(
                "platforms",
                Sentence(gettext_noop("Name at least one platform, such as web.")),
            )
        for index, item in enumerate(doc.get("categories") or []):
            if item not in CATEGORIES:
                add(
                    f"categories[{index}]",
                    Sentence(
                        gettext_noop("%(value)s is not a publiccode.yml category."),
                        value=show(item),
                    ),
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
                        Sentence(
                            gettext_noop(
                                "%(value)s is not a URI of a supported organisation."
                            ),
                            value=show(ident),
                        ),
                    )
        audience = doc.get("intendedAudience") or {}
        for index, item in enumerate(audience.get("scope") or []):
            if item not in SCOPES:
                add(
                    f"intendedAudience.scope[{index}]",
                    Sentence(
                        gettext_noop("%(value)s is not a publiccode.yml scope."),
                        value=show(item),
                    ),
                )
        for key in ("countries", "unsupportedCountries"):
            for index, item in enumerate(audience.get(key) or []):
                if not is_country(item):
                    add(
                        f"intendedAudience.{key}[{index}]",
                        Sentence(
                            gettext_noop(
                                "%(value)s is not a two-letter country code such as ID."
                            ),
                            value=show(item),
                        ),
                    )
        self.descriptions(doc.get("description"))
        legal = doc.get("legal") or {}
        licence = legal.get("license")
        if self.required("legal.license", licence) and not is_spdx_expression(licence):
            add(
                "legal.license",
                Sentence(
                    gettext_noop(
                        "%(value)s is not an SPDX licence expression such as AGPL-3.0-or-later or EUPL-1.2 OR MIT."
                    ),
                    value=show(licence),
                ),
            )
        self.maintenance(doc.get("maintenance") or {})
        localisation = doc.get("localisation") or {}
        if localisation.get("localisationReady") is None:
            add(
                "localisation.localisationReady",
                Sentence(gettext_noop("Required: say true or false.")),
            )
        languages = localisation.get("availableLanguages")
        if self.required("localisation.availableLanguages", languages):
            for index, item in enumerate(languages):
                if not is_language(item):
                    add(
                        f"localisation.availableLanguages[{index}]",
                        Sentence(
                            gettext_noop(
                                "%(value)s is not a language tag such as id, en or pt-BR."
                            ),
                            value=show(item),
                        ),
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
                    Sentence(
                        gettext_noop(
                            "%(value)s is not allowed; use one of: %(choices)s."
                        ),
                        value=show(version),
                        choices="0.2, 1.0",
                    ),
                )
            ipa = (section.get("riuso") or {}).get("codiceIPA")
            if ipa:
                self.ipa_code(f"{key}.riuso.codiceIPA", ipa)
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
                        Sentence(
                            gettext_noop(
                                "%(value)s is not a video page of a known video site (YouTube, Vimeo…)."
                            ),
                            value=show(item),
                        ),
                    )
        if doc.get("IT") is not None and doc.get("it") is not None:
            add(
                "it",
                Sentence(gettext_noop("Both IT and it are present; keep only IT.")),
            )

    def descriptions(self, descriptions):
        if not descriptions:
            self.add(
                "description",
                Sentence(
                    gettext_noop("Describe the software in at least one language.")
                ),
            )
            return
        if not all(is_language(key) for key in descriptions):
            self.add(
                "description",
                Sentence(
                    gettext_noop(
                        "Each description must be under a language tag such as id, en or pt-BR."
                    )
                ),
            )
            # The reference parser checks no block once a key is not a language.
            return
        for language, block in descriptions.items():
            path = description_path(language)
            block = block or {}
            self.length(f"{path}.genericName", block.get("genericName"), at_most=35)
            short = block.get("shortDescription")
            if self.required(f"{path}.shortDescription", short):
                self.length(
                    f"{path}.shortDescription", short, at_most=SHORT_DESCRIPTION_MAX
                )
            long = block.get("longDescription")
            if self.required(f"{path}.longDescription", long):
                self.length(
                    f"{path}.longDescription",
                    long,
                    at_least=LONG_DESCRIPTION_MIN,
                    at_most=LONG_DESCRIPTION_MAX,
                )
            self.http_url(f"{path}.documentation", block.get("documentation"))
            self.http_url(f"{path}.apiDocumentation", block.get("apiDocumentation"))
            if not block.get("features"):
                self.add(
                    f"{path}.features",
                    Sentence(gettext_noop("List at least one feature.")),
                )
            for index, item in enumerate(block.get("videos") or []):
                if item is not None:
                    self.http_url(f"{path}.videos[{index}]", item)

    def maintenance(self, maintenance: dict):
        kind = maintenance.get("type")
        self.one_of("maintenance.type", kind, MAINTENANCE_TYPES)
        contractors = maintenance.get("contractors")
        problem = contractors_problem(kind, contractors)
        if problem:
            self.add("maintenance.contractors", problem)
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
                Sentence(
                    gettext_noop(
                        "Name at least one contact when the software is maintained internally or by a community."
                    )
                ),
            )
        for index, item in enumerate(contacts or []):
            path = f"maintenance.contacts[{index}]"
            item = item or {}
            self.required(f"{path}.name", item.get("name"))
            self.email(f"{path}.email", item.get("email"))
