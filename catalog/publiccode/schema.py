"""The shape of a publiccode.yml file: each field's type, in the reference parser's order."""

from __future__ import annotations

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
