"""The public transparency portal: totals, filters, progress, timelines, and no personal data."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants import selectors, services
from grants.models import Proposal, ProposalDocument
from grants.roles import GrantRole
from grants.templatetags.grants_tags import rupiah
from tests.conftest import host_client
from tests.grants.conftest import (
    PDF,
    checklist_for,
    make_applicant,
    make_program,
    place,
    through_review,
    today,
)

pytestmark = pytest.mark.django_db

HOST = "bandung.localhost"
NIK = "3273010101900001"
INDIVIDUAL = "Siti Rahmawati"
INDIVIDUAL_ADDRESS = "Jl. Melati Rahasia No. 7"
INDIVIDUAL_ACCOUNT = "9988776655"
ORGANISATION = "Yayasan Sabilulungan Mandiri"
ORGANISATION_ADDRESS = "Jl. Asia Afrika No. 1"
ORGANISATION_ACCOUNT = "0012345678901"
INTERNAL_NOTE = "Catatan internal peninjau"
BANSOS_STAGES = [
    {"name": "Verifikasi berkas", "role": GrantRole.TATA_USAHA, "checklist": ["KTP"]},
    {"name": "Penetapan TAPD", "role": GrantRole.TAPD, "sets_amount": True},
]
_n = itertools.count(1)


# --- building the data through the services -------------------------------------------


def publish_sabilulungan(bandung):
    """The catalog gate: Bandung publishes the hosted grants app."""
    from tests.catalog.conftest import make_app

    connection.set_schema_to_public()
    make_app(
        bandung, slug="sabilulungan", delivery_mode="hosted", hosted_module="grants"
    )
    connection.set_tenant(bandung)


def attach(proposal, kind, requirement=""):
    ProposalDocument.objects.create(
        proposal=proposal,
        kind=kind,
        requirement=requirement,
        file=ContentFile(PDF, name="ktp-dan-rekening.pdf"),
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=proposal.applicant.user_id,
    )


def propose(
    tenant, program, user, *, amount, kecamatan="Sumur Bandung", title="", submit=True
):
    proposal = services.proposal_save_draft(
        user=user,
        program=program,
        title=title or f"Renovasi balai warga {next(_n)}",
        background="Balai warga rusak.",
        purpose="Kegiatan warga.",
        **place(kecamatan),
        lines=[{"item": "Material", "quantity": 1, "unit_cost": amount}],
    )
    for requirement in program.required_documents:
        attach(proposal, "required", requirement)
    if submit:
        proposal = step(tenant, user, proposal, "submit")
    return proposal


def step(tenant, user, proposal, action, **kwargs):
    return services.proposal_transition(
        tenant=tenant, actor_user=user, proposal=proposal, action=action, **kwargs
    )


def approve(tenant, officials, proposal, amount):
    proposal = through_review(tenant, officials, proposal, amount)
    return step(tenant, officials["kepala_daerah"], proposal, "approve", amount=amount)


def sign_and_disburse(tenant, officials, proposal, *tranches):
    attach(proposal, "nphd")
    proposal = step(
        tenant,
        officials["tata_usaha"],
        proposal,
        "sign_agreement",
        nphd_number=f"NPHD/{proposal.pk}/2026",
        nphd_date=today(),
    )
    for i, amount in enumerate(tranches, start=1):
        proposal = step(
            tenant,
            officials["treasurer"],
            proposal,
            "disburse",
            amount=amount,
            paid_on=today(),
            transfer_reference=f"TRF-{proposal.pk}-{i}",
        )
    return proposal


@dataclass
class Portal:
    hibah: object
    bansos: object
    draft_program: object
    closed: Proposal
    in_review: Proposal
    rejected: Proposal
    disbursed: Proposal
    draft: Proposal
    individual: Proposal
    secrets: list[str] = field(default_factory=list)


@pytest.fixture
def portal(in_bandung, officials):
    """Two published programs, one draft program, proposals in every kind of state."""
    tenant = in_bandung
    publish_sabilulungan(tenant)
    admin = officials["admin"]
    hibah = make_program(tenant, admin, name="Hibah Kemasyarakatan", budget=100_000_000)
    bansos = make_program(
        tenant,
        admin,
        name="Bansos Warga Rentan",
        kind="bansos",
        budget=20_000_000,
        stages=BANSOS_STAGES,
        required=("KTP",),
    )
    draft_program = services.program_create(
        tenant=tenant,
        actor_user=admin,
        name="Program Rahasia Belum Terbit",
        kind="hibah",
        fiscal_year=today().year,
        budget=555_000_000,
        responsible_unit="Bagian Kesra",
        opens_on=today(),
        closes_on=today(),
    )
    organisation = make_applicant(ORGANISATION)
    other_org = make_applicant("Karang Taruna Coblong")
    person = make_applicant(
        INDIVIDUAL,
        kind="individual",
        address=INDIVIDUAL_ADDRESS,
        bank_account=INDIVIDUAL_ACCOUNT,
        kecamatan="Andir",
    )

    # Closed: the whole life, two tranches, an LPJ.
    closed = propose(
        tenant, hibah, organisation, amount=20_000_000, title="Renovasi balai RW 05"
    )
    closed = through_review(tenant, officials, closed, 15_000_000)
    closed = step(
        tenant, officials["kepala_daerah"], closed, "approve", amount=14_000_000
    )
    closed = sign_and_disburse(tenant, officials, closed, 10_000_000, 4_000_000)
    attach(closed, "lpj_report")
    attach(closed, "lpj_receipt")
    attach(closed, "lpj_photo")
    closed = step(tenant, organisation, closed, "report", spent_amount=13_500_000)
    closed = step(tenant, officials["opd"], closed, "close")

    # In review at the third stage; the first reviewer left an internal note.
    in_review = propose(tenant, hibah, other_org, amount=5_000_000, kecamatan="Coblong")
    in_review = step(
        tenant,
        officials["tata_usaha"],
        in_review,
        "pass",
        checklist=checklist_for(in_review.stage),
        note=INTERNAL_NOTE,
    )
    in_review = step(
        tenant, officials["kepala_daerah"], in_review, "pass", note=INTERNAL_NOTE
    )

    rejected = propose(tenant, hibah, other_org, amount=7_000_000, kecamatan="Coblong")
    rejected = step(
        tenant, officials["tata_usaha"], rejected, "reject", note="Bukan badan hukum"
    )

    disbursed = propose(
        tenant, hibah, organisation, amount=9_000_000, kecamatan="Andir"
    )
    disbursed = approve(tenant, officials, disbursed, 8_000_000)
    disbursed = sign_and_disburse(tenant, officials, disbursed, 5_000_000)

    draft = propose(
        tenant,
        hibah,
        organisation,
        amount=3_000_000,
        title="Draf belum dikirim",
        submit=False,
    )

    individual = propose(
        tenant,
        bansos,
        person,
        amount=2_500_000,
        kecamatan="Andir",
        title="Bantuan modal usaha warung",
    )
    individual = step(
        tenant, officials["tata_usaha"], individual, "pass", checklist={"KTP": True}
    )
    individual = step(tenant, officials["tapd"], individual, "pass", amount=2_500_000)
    individual = step(
        tenant, officials["kepala_daerah"], individual, "approve", amount=2_500_000
    )

    secrets = [
        NIK,
        INDIVIDUAL,
        "Rahmawati",
        INDIVIDUAL_ADDRESS,
        INDIVIDUAL_ACCOUNT,
        ORGANISATION_ADDRESS,
        ORGANISATION_ACCOUNT,
        "ktp-dan-rekening",
        *(user.email for user in (organisation, other_org, person)),
        *(user.email for user in officials.values()),
        *(
            path
            for name in ProposalDocument.objects.values_list("file", flat=True)
            for path in (name, name.rsplit("/", 1)[-1])
        ),
        *(f"TRF-{p.pk}-" for p in (closed, disbursed)),
    ]
    return Portal(
        hibah=hibah,
        bansos=bansos,
        draft_program=draft_program,
        closed=closed,
        in_review=in_review,
        rejected=rejected,
        disbursed=disbursed,
        draft=draft,
        individual=individual,
        secrets=secrets,
    )


# --- reading the pages ---------------------------------------------------------------


def get(path, status=200):
    response = host_client(HOST).get(path)
    assert response.status_code == status, (path, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def listed(html) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="proposal-(\d+)"', html)]


def row_of(html, proposal) -> str:
    match = re.search(rf'<tr id="proposal-{proposal.pk}">(.*?)</tr>', html, re.S)
    assert match, f"proposal {proposal.pk} is not listed"
    return match.group(1)


def markers(html) -> list[str]:
    return re.findall(r'class="step step-(\w+)"', html)


def table_row(html, attribute, value) -> list[str]:
    match = re.search(rf'<tr {attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert match, (attribute, value)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    ]


def test_rupiah_is_written_the_indonesian_way():
    assert rupiah(1_500_000) == "Rp 1.500.000"
    assert rupiah(0) == "Rp 0"
    assert rupiah(None) == "—"
    assert rupiah("x") == "—"


def test_portal_home_shows_published_programs_with_their_totals(portal):
    html = get("/grants/")
    assert "Hibah Kemasyarakatan" in html and "Bansos Warga Rentan" in html
    assert "Program Rahasia Belum Terbit" not in html
    assert rupiah(555_000_000) not in html

    overview = selectors.portal_overview()
    assert {
        key: overview["totals"][key]
        for key in (
            "programs",
            "budget",
            "requested",
            "approved",
            "disbursed",
            "reported",
        )
    } == {
        "programs": 2,
        "budget": 120_000_000,
        # Submitted proposals only: 20 + 5 + 7 + 9 (hibah) and 2.5 (bansos); not the draft.
        "requested": 43_500_000,
        "approved": 24_500_000,
        "disbursed": 19_000_000,
        "reported": 13_500_000,
    }
    for amount in (120_000_000, 43_500_000, 24_500_000, 19_000_000, 13_500_000):
        assert rupiah(amount) in html
    hibah = next(p for p in overview["page"] if p.pk == portal.hibah.pk)
    assert (
        hibah.budget,
        hibah.requested,
        hibah.approved,
        hibah.disbursed,
        hibah.reported,
        hibah.proposal_count,
    ) == (100_000_000, 41_000_000, 22_000_000, 19_000_000, 13_500_000, 4)
    # The chart gives its numbers in text, next to bars that are only decoration.
    assert "Hibah Kemasyarakatan: budget versus approved versus disbursed" in html
    assert re.search(
        r'<svg class="bar bar-approved"[^>]*><rect width="22.0" height="10">', html
    )
    # Sized by attribute, never inline style (the Content-Security-Policy), and
    # with a dot whatever the language: "22,0" would draw nothing.
    id_html = host_client(HOST, language="id").get("/grants/").content.decode()
    assert '<rect width="22.0"' in id_html and "style=" not in id_html


def test_program_page_has_totals_counts_by_status_and_kecamatan(portal):
    html = get(f"/grants/programs/{portal.hibah.pk}/")
    for amount in (100_000_000, 41_000_000, 22_000_000, 19_000_000, 13_500_000):
        assert rupiah(amount) in html
    assert "22% of budget" in html and "19% of budget" in html

    def status_count(status):
        return table_row(html, "data-status", status)[1]

    assert {
        status: status_count(status)
        for status in ("closed", "in_review", "rejected", "disbursed")
    } == {"closed": "1", "in_review": "1", "rejected": "1", "disbursed": "1"}
    assert 'data-status="draft"' not in html

    assert table_row(html, "data-kecamatan", "Coblong")[1:] == [
        "2",
        "Rp 12.000.000",
        "Rp 0",
        "Rp 0",
    ]
    assert table_row(html, "data-kecamatan", "Sumur Bandung")[1:] == [
        "1",
        "Rp 20.000.000",
        "Rp 14.000.000",
        "Rp 14.000.000",
    ]
    assert table_row(html, "data-kecamatan", "Andir")[1:] == [
        "1",
        "Rp 9.000.000",
        "Rp 8.000.000",
        "Rp 5.000.000",
    ]
    detail = selectors.program_detail(portal.hibah.pk)
    assert [row["kecamatan"] for row in detail.by_kecamatan] == [
        "Coblong",
        "Andir",
        "Sumur Bandung",
    ]

    get(f"/grants/programs/{portal.draft_program.pk}/", status=404)
    get("/grants/programs/999999999/", status=404)


def test_proposal_list_hides_drafts_and_masks_individuals(portal):
    html = get("/grants/proposals/")
    assert sorted(listed(html)) == sorted(
        p.pk
        for p in (
            portal.closed,
            portal.in_review,
            portal.rejected,
            portal.disbursed,
            portal.individual,
        )
    )
    assert "Draf belum dikirim" not in html
    assert "S*** R***" in row_of(html, portal.individual)
    assert ORGANISATION in row_of(html, portal.closed)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=balai+RW", ["closed"]),
        ("q=yayasan+sabilulungan", ["closed", "disbursed"]),
        # Individuals cannot be found by name: that would confirm who receives aid.
        ("q=Siti", []),
        ("q=Rahmawati", []),
        ("status=rejected", ["rejected"]),
        ("status=approved", ["individual"]),
        ("stage=Tim+Pertimbangan+menunjuk+OPD", ["in_review"]),
        (
            "stage=Verifikasi+kelengkapan+administrasi+%28Tata+Usaha%29",
            ["rejected"],
        ),
        ("kecamatan=Coblong", ["in_review", "rejected"]),
        ("kecamatan=Andir", ["disbursed", "individual"]),
        ("amount_min=8.000.000", ["closed", "disbursed"]),
        ("amount_min=Rp+9.000.000&amount_max=20000000", ["closed", "disbursed"]),
        ("amount_max=Rp+7.000.000", ["in_review", "rejected", "individual"]),
        ("amount_min=5000000&amount_max=5000000", ["in_review"]),
        ("program={bansos}", ["individual"]),
        ("program={hibah}&kecamatan=Andir", ["disbursed"]),
        ("year={year}", ["closed", "in_review", "rejected", "disbursed", "individual"]),
        ("year=1999", []),
    ],
)
def test_each_filter_narrows_the_list(portal, query, expected):
    query = query.format(
        hibah=portal.hibah.pk, bansos=portal.bansos.pk, year=today().year
    )
    html = get(f"/grants/proposals/?{query}")
    assert sorted(listed(html)) == sorted(getattr(portal, name).pk for name in expected)


@pytest.mark.parametrize("walk", [1, 10_000])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=balai+RW", ["closed"]),
        ("q=yayasan+sabilulungan", ["closed", "disbursed"]),
        ("q=yayasan+sabilulungan&kecamatan=Andir", ["disbursed"]),
        ("q=Siti", []),
        ("q=tidak+ada+yang+begini", []),
    ],
)
def test_a_search_finds_the_same_by_the_walk_and_by_the_index(
    portal, monkeypatch, walk, query, expected
):
    """A text search reads the newest SEARCH_WALK proposals first and, when
    they hold too few matches, the trigram indexes (issue 16): same result."""
    monkeypatch.setattr(selectors.proposal_list, "SEARCH_WALK", walk)
    html = get(f"/grants/proposals/?{query}")
    assert sorted(listed(html)) == sorted(getattr(portal, name).pk for name in expected)


def test_a_search_lists_the_newest_matches_up_to_its_cap(portal, monkeypatch):
    from grants.selectors.proposal_list import ProposalFilters, _search_ids

    monkeypatch.setattr(selectors.proposal_list, "SEARCH_COUNT_CAP", 2)
    filters = ProposalFilters.from_params({"q": "a"})  # in every title
    newest = list(
        filters.apply(selectors.public_proposals())
        .order_by("-updated_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert len(newest) > 3
    for walk in (1, 2, 10_000):
        monkeypatch.setattr(selectors.proposal_list, "SEARCH_WALK", walk)
        # One letter: no trigram index can serve it, so only the walk is read.
        assert _search_ids(filters) == newest[: min(walk, 3)], walk
    filters = ProposalFilters.from_params({"q": "Renovasi"})
    everything = list(
        filters.apply(selectors.public_proposals())
        .order_by("-updated_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert len(everything) > 3
    for walk in (1, 10_000):
        monkeypatch.setattr(selectors.proposal_list, "SEARCH_WALK", walk)
        assert _search_ids(filters) == everything[:3], walk
    html = get("/grants/proposals/?q=a")
    assert "Lebih dari 2 usulan" in html or "More than 2 proposals" in html


@pytest.mark.parametrize(
    ("query", "ignored"),
    [
        ("amount_min=abc", True),
        ("amount_max=-5", True),
        ("amount_min=1,5", True),
        ("amount_min=99999999999999999999999999", True),
        ("program=xyz", True),
        ("program=-1", True),
        ("program=99999999999999999999", True),
        ("year=99999", True),
        ("year=%D9%A2%D9%A0%D9%A2%D9%A6", True),  # Arabic-Indic digits
        ("status=draft", True),
        ("status=nope", True),
        ("q=" + "x" * 5000, False),
        ("page=abc", False),
        ("page=999999", False),
        ("page=-1", False),
        ("program=1&program=x&year=", True),
    ],
)
def test_bad_filter_values_are_ignored_not_a_500(portal, query, ignored):
    response = host_client(HOST).get(f"/grants/proposals/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert ("were not understood" in html) is ignored
    if ignored:
        assert len(listed(html)) == 5


@pytest.mark.parametrize("query", ["stage=%00", "kecamatan=%00%00", "q=%00"])
def test_control_characters_in_filters_are_a_400(portal, query):
    assert host_client(HOST).get(f"/grants/proposals/?{query}").status_code == 400


def test_stage_progress_marks_done_current_and_failed(portal):
    html = get("/grants/proposals/")
    # Submission, six review stages, approval, NPHD, disbursement, LPJ, its check.
    sabilulungan_frame = 1 + 6 + 5
    in_review = markers(row_of(html, portal.in_review))
    assert in_review == ["done", "done", "done", "current"] + ["pending"] * 8
    assert len(in_review) == sabilulungan_frame
    assert (
        markers(row_of(html, portal.rejected)) == ["done", "failed"] + ["pending"] * 10
    )
    assert markers(row_of(html, portal.closed)) == ["done"] * 12
    # Paid in part: still in its disbursement step, never "current" on a step
    # already finished.
    assert markers(row_of(html, portal.disbursed)) == ["done"] * 9 + [
        "current",
        "pending",
        "pending",
    ]
    # The bansos program has two stages: approved, the NPHD is next.
    assert (
        markers(row_of(html, portal.individual))
        == ["done"] * 4 + ["current"] + ["pending"] * 3
    )
    # Not by colour alone: each marker has a symbol and a text alternative.
    row = row_of(html, portal.in_review)
    assert (
        '<span class="visually-hidden">Tim Pertimbangan menunjuk OPD: '
        "(current step)</span>" in row
    )
    assert "(stopped here: rejected)" in row_of(html, portal.rejected)
    assert "✕" in row_of(html, portal.rejected) and "✓" in row


def test_closed_proposal_timeline_lists_every_step_in_order_with_amounts(portal):
    html = get(f"/grants/proposals/{portal.closed.pk}/")
    timeline = html[html.index('<ol class="timeline public-timeline">') :]
    timeline = timeline[: timeline.index("</ol>\n</section>")]
    assert re.findall(r'data-action="(\w+)"', timeline) == ["submit"] + ["pass"] * 6 + [
        "approve",
        "sign_agreement",
        "disburse",
        "disburse",
        "report",
        "close",
    ]
    expected_in_order = [
        "Requested: Rp 20.000.000",
        "Recommended: Rp 15.000.000",
        "Approved: Rp 14.000.000",
        "Agreement (NPHD) signed",
        "(tranche 1)",
        "Disbursed in this tranche: Rp 10.000.000",
        "(tranche 2)",
        "Disbursed in this tranche: Rp 4.000.000",
        "Disbursed so far: Rp 14.000.000",
        "Spent (LPJ): Rp 13.500.000",
        "Closed",
    ]
    positions = [timeline.index(text) for text in expected_in_order]
    assert positions == sorted(positions)
    assert "Verifikasi TAPD dan penetapan jumlah" in timeline
    assert markers(html).count("done") == 12
    assert f"NPHD/{portal.closed.pk}/2026" in html


def test_rejection_reason_is_public_and_reviewers_notes_are_not(portal):
    html = get(f"/grants/proposals/{portal.rejected.pk}/")
    assert "Bukan badan hukum" in html
    assert markers(html) == ["done", "failed"] + ["pending"] * 10
    assert INTERNAL_NOTE not in get(f"/grants/proposals/{portal.in_review.pk}/")


def test_drafts_are_not_public(portal):
    get(f"/grants/proposals/{portal.draft.pk}/", status=404)
    get("/grants/proposals/999999999/", status=404)
    assert "Draf belum dikirim" not in get("/grants/proposals/?q=Draf")


def test_no_personal_data_on_any_public_page(portal):
    pages = [
        "/grants/",
        f"/grants/programs/{portal.hibah.pk}/",
        f"/grants/programs/{portal.bansos.pk}/",
        "/grants/proposals/",
        "/grants/proposals/?kecamatan=Andir",
        f"/grants/proposals/?program={portal.bansos.pk}",
        *(
            f"/grants/proposals/{p.pk}/"
            for p in (
                portal.closed,
                portal.in_review,
                portal.rejected,
                portal.disbursed,
                portal.individual,
            )
        ),
    ]
    individual_page = get(f"/grants/proposals/{portal.individual.pk}/")
    assert "S*** R***" in individual_page
    for path in pages:
        html = get(path)
        for secret in [*portal.secrets, INTERNAL_NOTE]:
            assert secret not in html, f"{secret!r} leaks on {path}"
    # The open data export carries none of the personal data either (reviewers'
    # notes are part of the published audit chain by design, see grants.audit).
    for path in (
        "/open-data/audit.jsonl",
        "/open-data/grants.json",
        "/open-data/grants.csv",
    ):
        export = get(path)
        for secret in portal.secrets:
            assert secret not in export, f"{secret!r} leaks in {path}"


def test_portal_is_hidden_where_the_app_is_not_used(in_bandung, officials):
    # No published or adopted Sabilulungan: the catalog gate answers 404.
    make_program(in_bandung, officials["admin"])
    for path in ("/grants/", "/grants/proposals/"):
        assert host_client(HOST).get(path).status_code == 404


# --- query counts -------------------------------------------------------------------


def count_queries(path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = host_client(HOST).get(path)
    assert response.status_code == 200, path
    return len(queries)


def add_proposals(tenant, officials, programs, n):
    """n more proposals over the programs, in review, rejected and approved, some by individuals."""
    for i in range(n):
        program = programs[i % len(programs)]
        individual = i % 3 == 0
        user = make_applicant(
            f"Warga Nomor {next(_n)}" if individual else f"Yayasan {next(_n)}",
            kind="individual" if individual else "organisation",
        )
        proposal = propose(
            tenant,
            program,
            user,
            amount=1_000_000 + i,
            kecamatan=("Coblong", "Andir", "Cicendo")[i % 3],
        )
        if i % 4 == 1:
            step(tenant, officials[proposal.stage.role], proposal, "reject", note="x")
        elif i % 4 == 2:
            approve(tenant, officials, proposal, 1_000_000)


# The queries each page makes, whatever the data (issue 16): the catalog
# gate's enabled-modules query (the tenant comes from the warm route cache and
# the test's connection is on its schema already, so no SET search_path), and
# the page's own reads: portal 3 (budget sum, totals by program and status from
# grants_proposaltotal, programs), program 3 (program, its totals by kecamatan
# and status, stages), statistics 3 (totals by program and status, by
# kecamatan and status; programs' year and kind), every proposal list 7 whatever its filters (three
# filter choices, the capped count, the page's ids, their rows, the stages of
# their programs), proposal 4 (proposal, stages, budget lines, audit events).
EXACT_QUERIES = {
    "portal": 4,
    "program": 4,
    "proposals": 8,
    "proposals_filtered": 8,
    "proposals_year": 8,
    "proposals_status_year": 8,
    "proposals_status": 8,
    "proposals_program": 8,
    "proposals_search": 8,
    "proposals_page_2": 8,
    "statistics": 4,
    "proposal": 5,
}


def test_pages_make_the_same_number_of_queries_with_3_and_with_30_proposals(
    in_bandung, officials
):
    tenant = in_bandung
    publish_sabilulungan(tenant)
    admin = officials["admin"]
    programs = [
        make_program(tenant, admin, budget=1_000_000_000),
        make_program(
            tenant,
            admin,
            budget=1_000_000_000,
            kind="bansos",
            stages=BANSOS_STAGES,
            required=("KTP",),
        ),
        make_program(tenant, admin, budget=1_000_000_000),
    ]
    add_proposals(tenant, officials, programs, 3)
    one = (
        Proposal.objects.exclude(status="draft")
        .filter(applicant__kind="organisation")
        .order_by("pk")
        .first()
    )
    paths = {
        "portal": "/grants/",
        "program": f"/grants/programs/{programs[0].pk}/",
        "proposals": "/grants/proposals/",
        "proposals_filtered": f"/grants/proposals/?kecamatan=Andir&amount_min=1.000.000&year={today().year}",
        "proposals_year": f"/grants/proposals/?year={today().year}",
        "proposals_status_year": f"/grants/proposals/?status=rejected&year={today().year}",
        "proposals_status": "/grants/proposals/?status=in_review",
        "proposals_program": f"/grants/proposals/?program={programs[1].pk}",
        "proposals_search": "/grants/proposals/?q=balai",
        "proposals_page_2": "/grants/proposals/?page=2",
        "statistics": "/grants/statistics/",
        "proposal": f"/grants/proposals/{one.pk}/",
    }
    count_queries(paths["portal"])  # publishing the app dropped the cached route
    few = {name: count_queries(path) for name, path in paths.items()}

    add_proposals(tenant, officials, programs, 27)
    assert Proposal.objects.exclude(status="draft").count() == 30
    many = {name: count_queries(path) for name, path in paths.items()}
    assert many == few

    assert many == EXACT_QUERIES, many

    # 30 proposals: 20 on the first page, 10 on the second, filters kept in the links.
    first = get("/grants/proposals/")
    assert len(listed(first)) == 20 and "Page 1 of 2" in first
    assert len(listed(get("/grants/proposals/?page=2"))) == 10
    filtered = get(f"/grants/proposals/?year={today().year}&page=2")
    assert len(listed(filtered)) == 10
    assert f"?year={today().year}&amp;page=1" in filtered
