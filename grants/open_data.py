"""A tenant's grants as 360Giving open data: one JSON package and the same rows as CSV.

What is published
    A proposal is a 360Giving *grant* once money was awarded to it, i.e. its
    status is one of `COMMITTED` (approved, agreement signed,
    disbursed, reported, closed). The standard describes awarded grants: every
    grant must carry `amountAwarded` and `awardDate`, and tools such as GrantNav
    add up every row as money given. Rejected, withdrawn, draft and in-review
    proposals are therefore *not* rows (publishing them with an award of 0
    would count them as grants); rejections stay public, with their reason, on
    the transparency portal and in /open-data/audit.jsonl. `amountAppliedFor`
    (what was asked) is given next to `amountAwarded` for every published row.

Identifiers (stable: a tenant's slug never changes once provisioned)
    prefix                    360G-bagipakai-<tenant slug>
    grant                     <prefix>-<proposal id>
    recipient organisation    <prefix>-ORG-<applicant id>
    recipient individual      <prefix>-<proposal id>-IND (one per grant, so
                              the grants of one person cannot be linked)
    funder (the tenant)       <prefix>-ORG-funder
    grant programme           <prefix>-PRG-<program id>
    360Giving's identifier guidance says an organisation without a registered
    number gets the publisher's prefix plus an internal id; Indonesian
    foundations' AHU numbers have no org-id.guide list, and the NPWP is a tax
    number, so neither is published.

Personal data (DESIGN invariant 5)
    Only the columns listed in `_FIELDS` are read from the database, so NIK,
    addresses, bank details, e-mail and uploaded documents never even reach
    this module. Individuals (bansos) appear as `recipientIndividual` with the
    masked `Applicant.public_name` ("S*** R***") and a per-grant id, plus
    `toIndividualsDetails.grantPurpose = ["GTIP010"]` ("Unrestricted:
    unspecified, unrestricted or general support"). No grant reason code is
    given: BagiPakai does not record why an individual received aid, and
    360Giving says to leave a codelist field blank rather than guess.
    Organisation addresses are left out as well; the beneficiary location is
    the kelurahan and kecamatan of the activity, country "ID" (360Giving's
    geoCodeType codelist is UK-only, so no geoCode).

Memory
    Both exports are generators that read proposals in keyset-paginated chunks
    (`WHERE id > last ORDER BY id LIMIT CHUNK_SIZE`, one query per chunk, with
    the program and applicant joined) and yield text chunk by chunk, so
    100,000 proposals export in flat memory. Each chunk is read on the schema
    captured from the request, whatever the connection was switched to in
    between.

Note: 360Giving's package schema needs at least one grant; a tenant that has
awarded nothing yet gets a well-formed package with an empty `grants` list.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from core.text import spreadsheet_safe

from .models import Applicant, Program, Proposal
from .workflow import COMMITTED

CHUNK_SIZE = 500
CURRENCY = "IDR"
COUNTRY = "ID"
SCHEMA_VERSION = "1.4"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# To Individuals Details:Grant Purpose — "Unrestricted" (the purpose is not recorded).
INDIVIDUAL_PURPOSE = "GTIP010"
PROGRAM_KIND_VOCABULARY = "BagiPakai:program-kind"
PROGRAM_KIND_TITLES = {
    Program.Kind.HIBAH: "Hibah (grant)",
    Program.Kind.BANSOS: "Bantuan sosial (social aid)",
}
PUBLISHED_STATUSES = tuple(str(status) for status in COMMITTED)

# Exactly the columns the export reads; nothing personal is among them.
_FIELDS = (
    "id",
    "title",
    "purpose",
    "kecamatan",
    "kelurahan",
    "requested_amount",
    "approved_amount",
    "disbursed_amount",
    "decided_at",
    "updated_at",
    "program",
    "program__name",
    "program__kind",
    "program__fiscal_year",
    "program__responsible_unit",
    "applicant",
    "applicant__kind",
    "applicant__name",  # only to mask it (Applicant.public_name)
)
_SENTINEL = 987654321


def grant_prefix(slug: str) -> str:
    """The tenant's 360Giving prefix; every identifier in its data starts with it."""
    return f"360G-bagipakai-{slug}"


@dataclass(frozen=True)
class Publisher:
    """What the export needs to know about the tenant and its host, taken from the request."""

    slug: str
    name: str
    schema_name: str
    site: str  # https://bandung.example.org
    website: str = ""
    proposal_url: tuple[str, str] | None = None  # text before and after the id

    @classmethod
    def from_request(cls, request) -> Publisher:
        tenant = request.tenant
        site = request.build_absolute_uri("/").rstrip("/")
        proposal_url = None
        try:
            # The public page of a proposal, where the portal has one.
            path = reverse("grants_proposal_public", args=[_SENTINEL])
        except NoReverseMatch:
            pass
        else:
            before, _, after = (site + path).partition(str(_SENTINEL))
            proposal_url = (before, after)
        return cls(
            slug=tenant.slug,
            name=tenant.name,
            schema_name=tenant.schema_name,
            site=site,
            website=tenant.website or "",
            proposal_url=proposal_url,
        )

    @property
    def prefix(self) -> str:
        return grant_prefix(self.slug)

    @property
    def funder_id(self) -> str:
        return f"{self.prefix}-ORG-funder"

    @property
    def portal_url(self) -> str:
        return self.site + "/grants/"


# --- which proposals --------------------------------------------------------------------


def published():
    """The proposals published as grants: those awarded money, read column by column."""
    return (
        Proposal.objects.filter(status__in=PUBLISHED_STATUSES)
        .select_related("program", "applicant")
        .only(*_FIELDS)
    )


def published_chunks(
    publisher: Publisher, chunk_size: int | None = None
) -> Iterator[list[Proposal]]:
    """Published proposals in id order, one LIMITed query per chunk (keyset pagination)."""
    size = chunk_size or CHUNK_SIZE
    last = 0
    while True:
        with schema_context(publisher.schema_name):
            batch = list(published().filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1].pk


# --- one proposal as one 360Giving grant --------------------------------------------------


def _date(value: datetime) -> str:
    return timezone.localdate(value).isoformat()


def _datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def grant(proposal: Proposal, publisher: Publisher) -> dict:
    """One proposal as a 360Giving grant (only fields the 1.4 schema defines)."""
    grant_id = f"{publisher.prefix}-{proposal.pk}"
    program = proposal.program
    applicant = proposal.applicant
    data: dict = {
        "id": grant_id,
        "title": proposal.title,
        "currency": CURRENCY,
        "amountAppliedFor": proposal.requested_amount,
        "amountAwarded": proposal.approved_amount or 0,
        "amountDisbursed": proposal.disbursed_amount,
        # decided_at is set on approval; rows imported without it fall back.
        "awardDate": _date(proposal.decided_at or proposal.updated_at),
        "plannedDates": [
            {
                "title": f"Tahun anggaran {program.fiscal_year}",
                "startDate": f"{program.fiscal_year}-01-01",
                "endDate": f"{program.fiscal_year}-12-31",
            }
        ],
    }
    if publisher.proposal_url is not None:
        before, after = publisher.proposal_url
        data["url"] = f"{before}{proposal.pk}{after}"
    individual = applicant.kind != Applicant.Kind.ORGANISATION
    # An individual's own words could single them out (the portal hides them
    # too): their grant is described by its program instead.
    data["description"] = (
        f"{program.name} ({program.get_kind_display()})"
        if individual
        else proposal.purpose
    )
    if not individual:
        data["recipientOrganization"] = [
            {"id": f"{publisher.prefix}-ORG-{applicant.pk}", "name": applicant.name}
        ]
    else:
        data["recipientIndividual"] = {
            "id": f"{grant_id}-IND",
            "name": applicant.public_name,
        }
        data["toIndividualsDetails"] = {"grantPurpose": [INDIVIDUAL_PURPOSE]}
    data["fundingOrganization"] = [
        {
            "id": publisher.funder_id,
            "name": publisher.name,
            "department": program.responsible_unit,
        }
    ]
    data["grantProgramme"] = [
        {"code": f"{publisher.prefix}-PRG-{program.pk}", "title": program.name}
    ]
    # Individuals' village is left out: with the kecamatan it could point at a household.
    places = (
        (proposal.kecamatan,)
        if individual
        else (proposal.kelurahan, proposal.kecamatan)
    )
    location = ", ".join(p for p in places if p)
    data["beneficiaryLocation"] = [{"name": location or None, "countryCode": COUNTRY}]
    data["classifications"] = [
        {
            "vocabulary": PROGRAM_KIND_VOCABULARY,
            "code": program.kind,
            "title": PROGRAM_KIND_TITLES.get(program.kind, program.kind),
        }
    ]
    data["dateModified"] = _datetime(proposal.updated_at)
    data["dataSource"] = publisher.portal_url
    return data


def grants(publisher: Publisher, chunk_size: int | None = None) -> Iterator[list[dict]]:
    """The published grants, chunk by chunk."""
    for batch in published_chunks(publisher, chunk_size):
        yield [grant(proposal, publisher) for proposal in batch]


# --- the JSON package ---------------------------------------------------------------------


def package_metadata(publisher: Publisher) -> dict:
    now = timezone.now()
    with schema_context(publisher.schema_name):
        modified = published().aggregate(last=Max("updated_at"))["last"]
    metadata = {
        "version": SCHEMA_VERSION,
        "title": f"Hibah dan bantuan sosial — {publisher.name}",
        "description": (
            f"Grants (hibah) and social aid (bansos) awarded by {publisher.name}, "
            "published by its Sabilulungan app on BagiPakai in the 360Giving Data "
            "Standard. Amounts are whole rupiah (IDR). Individuals are not named."
        ),
        "identifier": f"{publisher.prefix}-grants",
        "issued": _datetime(now),
        "modified": _datetime(modified or now),
        "publisher": {
            "identifier": publisher.funder_id,
            "name": publisher.name,
            "website": publisher.website or publisher.site + "/",
        },
        "accessURL": publisher.portal_url,
        "downloadURL": publisher.site + "/open-data/grants.json",
        "license": LICENSE,
    }
    return metadata


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_package(publisher: Publisher, chunk_size: int | None = None) -> Iterator[str]:
    """The 360Giving data package as text, one piece per chunk of grants."""
    head = _dumps(package_metadata(publisher))
    # Metadata first, then the grants array, which closes the object.
    yield head[:-1] + ',\n"grants":['
    first = True
    for batch in grants(publisher, chunk_size):
        text = ",\n".join(_dumps(item) for item in batch)
        yield ("\n" if first else ",\n") + text
        first = False
    yield "\n]}\n"


# --- the same rows as CSV -----------------------------------------------------------------


def _first(key: str, field: str) -> Callable[[dict], object]:
    def get(item: dict):
        values = item.get(key) or [{}]
        return values[0].get(field)

    return get


def _in(key: str, field: str) -> Callable[[dict], object]:
    return lambda item: (item.get(key) or {}).get(field)


def _joined(key: str, field: str) -> Callable[[dict], object]:
    return lambda item: ";".join((item.get(key) or {}).get(field) or [])


# 360Giving's spreadsheet column titles, each read from the grant dict above.
CSV_COLUMNS: tuple[tuple[str, Callable[[dict], object]], ...] = (
    ("Identifier", lambda g: g["id"]),
    ("Title", lambda g: g["title"]),
    ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]),
    ("Amount Applied For", lambda g: g["amountAppliedFor"]),
    ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Amount Disbursed", lambda g: g["amountDisbursed"]),
    ("Award Date", lambda g: g["awardDate"]),
    ("URL", lambda g: g.get("url")),
    ("Planned Dates:Start Date", _first("plannedDates", "startDate")),
    ("Planned Dates:End Date", _first("plannedDates", "endDate")),
    ("Recipient Org:Identifier", _first("recipientOrganization", "id")),
    ("Recipient Org:Name", _first("recipientOrganization", "name")),
    ("Recipient Ind:Identifier", _in("recipientIndividual", "id")),
    ("Recipient Ind:Name", _in("recipientIndividual", "name")),
    (
        "To Individuals Details:Grant Purpose",
        _joined("toIndividualsDetails", "grantPurpose"),
    ),
    ("Funding Org:Identifier", _first("fundingOrganization", "id")),
    ("Funding Org:Name", _first("fundingOrganization", "name")),
    ("Funding Org:Department", _first("fundingOrganization", "department")),
    ("Grant Programme:Code", _first("grantProgramme", "code")),
    ("Grant Programme:Title", _first("grantProgramme", "title")),
    ("Beneficiary Location:Name", _first("beneficiaryLocation", "name")),
    ("Beneficiary Location:Country Code", _first("beneficiaryLocation", "countryCode")),
    ("Classifications:Vocabulary", _first("classifications", "vocabulary")),
    ("Classifications:Code", _first("classifications", "code")),
    ("Classifications:Title", _first("classifications", "title")),
    ("Last Modified", lambda g: g["dateModified"]),
    ("Data Source", lambda g: g.get("dataSource")),
)


# Text a spreadsheet would run as a formula (applicants write titles); such cells
# get a leading apostrophe in the CSV only, as OWASP advises. The JSON is verbatim.
def csv_row(item: dict) -> list:
    return [spreadsheet_safe(get(item)) for _, get in CSV_COLUMNS]


def _csv_text(rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def csv_rows(publisher: Publisher, chunk_size: int | None = None) -> Iterator[str]:
    """The same grants as JSON, one CSV row each (360Giving column titles), per chunk."""
    yield _csv_text([[title for title, _ in CSV_COLUMNS]])
    for batch in grants(publisher, chunk_size):
        yield _csv_text(csv_row(item) for item in batch)
