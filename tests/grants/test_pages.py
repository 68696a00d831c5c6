"""Applicants and the back office through HTTP: a grant from profile to closing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django_tenants.utils import tenant_context

from grants.models import Applicant, MemberRole, Proposal, ProposalDocument
from tests.conftest import host_client
from tests.factories import make_user
from tests.grants.conftest import PDF, make_program

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post(client, path, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


def test_a_grant_from_profile_to_closing(module_on, officials):
    program = make_program(
        module_on, officials["admin"], required=("Proposal", "Akta pendirian")
    )
    person = make_user("ketua@karangtaruna.test")
    applicant = host_client("bandung.localhost", person)

    assert (
        applicant.get(f"/grants/my/programs/{program.pk}/apply/")["Location"]
        == "/grants/my/profile/"
    )
    response = post(
        applicant,
        "/grants/my/profile/",
        {
            "kind": "organisation",
            "name": "Karang Taruna Braga",
            "legal_form": "Perkumpulan",
            "npwp": "01.234.567.8-901.000",
            "address": "Jl. Braga 10",
            "kecamatan_code": "32.73.19",
            "kelurahan_code": "32.73.19.1001",
            "bank_name": "Bank BJB",
            "bank_account": "0099887766",
            "bank_account_name": "Karang Taruna Braga",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Applicant.objects.get(user_id=person.pk).npwp == "012345678901000"

    lines = {
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
        "lines-0-item": "Tenda",
        "lines-0-quantity": "2",
        "lines-0-unit_cost": "1500000",
        "lines-1-item": "",
        "lines-1-quantity": "",
        "lines-1-unit_cost": "",
    }
    data = {
        "title": "Festival Braga",
        "background": "Kegiatan pemuda",
        "purpose": "Ekonomi kreatif",
        "kecamatan_code": "32.73.19",
        "kelurahan_code": "32.73.19.1001",
        **lines,
    }
    response = post(applicant, f"/grants/my/programs/{program.pk}/apply/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    proposal = Proposal.objects.get(title="Festival Braga")
    assert proposal.requested_amount == 3_000_000 and proposal.status == "draft"

    # Submitting without the documents is refused with a clear message.
    page = applicant.post(
        f"/grants/my/proposals/{proposal.pk}/submit/", follow=True
    ).content.decode()
    assert "Akta pendirian" in page
    for requirement in program.required_documents:
        response = applicant.post(
            f"/grants/my/proposals/{proposal.pk}/upload/",
            {
                "kind": "required",
                "requirement": requirement,
                "file": SimpleUploadedFile(
                    "../../etc/passwd.pdf", PDF, content_type="application/pdf"
                ),
            },
        )
        assert response.status_code == 302
    stored = list(
        ProposalDocument.objects.filter(proposal=proposal).values_list(
            "file", flat=True
        )
    )
    assert len(stored) == 2 and all(
        name.startswith("tenants/t_bandung/grants/") and ".." not in name
        for name in stored
    )
    response = post(applicant, f"/grants/my/proposals/{proposal.pk}/submit/", {})
    proposal.refresh_from_db()
    assert proposal.status == "in_review" and proposal.stage.position == 1

    # The back office passes every stage through its forms.
    while proposal.status == "in_review":
        stage = proposal.stage
        client = host_client("bandung.localhost", officials[stage.role])
        assert "Waiting for you" in client.get("/grants/staff/").content.decode()
        form = {f"check_{i}": "on" for i, _ in enumerate(stage.checklist)}
        if stage.assigns_unit:
            form["unit"] = "Dinas Pemuda dan Olahraga"
        if stage.sets_amount:
            form["amount"] = "2500000"
        response = post(client, f"/grants/staff/proposals/{proposal.pk}/pass/", form)
        assert response.status_code == 302, response.content.decode()[:3000]
        proposal.refresh_from_db()
    assert proposal.status == "awaiting_approval"

    head = host_client("bandung.localhost", officials["kepala_daerah"])
    too_much = head.post(
        f"/grants/staff/proposals/{proposal.pk}/approve/", {"amount": "2500001"}
    )
    assert (
        too_much.status_code == 400
        and "last recommendation" in too_much.content.decode()
    )
    assert 'value="2500001"' in too_much.content.decode()
    post(head, f"/grants/staff/proposals/{proposal.pk}/approve/", {"amount": "2500000"})
    tu = host_client("bandung.localhost", officials["tata_usaha"])
    bad = tu.post(
        f"/grants/staff/proposals/{proposal.pk}/sign_agreement/",
        {
            "nphd_number": "NPHD/2026/7",
            "nphd_date": "2026-02-01",
            "file": SimpleUploadedFile(
                "nphd.pdf", b"MZ\x90\x00 an exe", content_type="application/pdf"
            ),
        },
    )
    assert bad.status_code == 400 and "Only PDF, JPEG and PNG" in bad.content.decode()
    post(
        tu,
        f"/grants/staff/proposals/{proposal.pk}/sign_agreement/",
        {
            "nphd_number": "NPHD/2026/7",
            "nphd_date": "2026-02-01",
            "file": SimpleUploadedFile("nphd.pdf", PDF, content_type="application/pdf"),
        },
    )
    treasurer = host_client("bandung.localhost", officials["treasurer"])
    post(
        treasurer,
        f"/grants/staff/proposals/{proposal.pk}/disburse/",
        {
            "amount": "2500000",
            "paid_on": "2026-02-10",
            "transfer_reference": "SP2D-001",
        },
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.disbursed_amount, proposal.nphd_number) == (
        "disbursed",
        2_500_000,
        "NPHD/2026/7",
    )

    for kind, content in (
        ("lpj_report", PDF),
        ("lpj_receipt", PNG),
        ("lpj_photo", PNG),
    ):
        response = applicant.post(
            f"/grants/my/proposals/{proposal.pk}/upload/",
            {"kind": kind, "file": SimpleUploadedFile("x", content)},
        )
        assert response.status_code == 302
    post(
        applicant,
        f"/grants/my/proposals/{proposal.pk}/report/",
        {"spent_amount": "2400000", "note": "Festival berjalan lancar"},
    )
    post(
        host_client("bandung.localhost", officials["opd"]),
        f"/grants/staff/proposals/{proposal.pk}/close/",
        {"note": ""},
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.spent_amount) == ("closed", 2_400_000)
    history = applicant.get(f"/grants/my/proposals/{proposal.pk}/").content.decode()
    assert "Festival berjalan lancar" in history
    # The applicant reads their own words: the grant is complete.
    assert "Report accepted; the grant is complete" in history
    assert "Completed" in history and "closed" not in history.lower().split("<main")[-1]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "Only PDF, JPEG and PNG"),
        (
            "page.pdf",
            b"<html><script>alert(1)</script></html>",
            "Only PDF, JPEG and PNG",
        ),
        ("empty.pdf", b"", "empty"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * 2048, "larger than"),
    ],
)
def test_hostile_uploads_are_refused(
    module_on, officials, settings, name, content, message
):
    settings.MAX_PDF_UPLOAD_BYTES = 1024
    program = make_program(module_on, officials["admin"])
    from tests.grants.conftest import make_applicant, make_proposal

    person = make_applicant()
    proposal = make_proposal(program, person, submit=False, tenant=module_on)
    before = ProposalDocument.objects.count()
    client = host_client("bandung.localhost", person)
    page = client.post(
        f"/grants/my/proposals/{proposal.pk}/upload/",
        {
            "kind": "required",
            "requirement": "Proposal",
            "file": SimpleUploadedFile(name, content),
        },
        follow=True,
    ).content.decode()
    assert message in page
    assert ProposalDocument.objects.count() == before


def test_documents_are_private(module_on, officials):
    from tests.grants.conftest import make_applicant, make_proposal

    program = make_program(module_on, officials["admin"])
    person = make_applicant()
    proposal = make_proposal(program, person, tenant=module_on)
    document = proposal.documents.get()
    path = f"/grants/documents/{document.pk}/"
    own = host_client("bandung.localhost", person).get(path)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert own["Content-Disposition"].startswith("attachment")
    assert (
        host_client("bandung.localhost", officials["opd"]).get(path).status_code == 200
    )
    assert (
        host_client("bandung.localhost", make_user("asing@example.test"))
        .get(path)
        .status_code
        == 404
    )
    assert host_client("bandung.localhost").get(path).status_code == 404


def test_reviewer_corrects_budget_lines(module_on, officials):
    from tests.grants.conftest import make_applicant, make_proposal

    program = make_program(module_on, officials["admin"])
    proposal = make_proposal(
        program, make_applicant(), amount=5_000_000, tenant=module_on
    )
    line = proposal.lines.get()
    tu = host_client("bandung.localhost", officials["tata_usaha"])
    post(
        tu,
        f"/grants/staff/proposals/{proposal.pk}/correct/",
        {f"q_{line.pk}": "1", f"c_{line.pk}": "4000000"},
    )
    line.refresh_from_db()
    assert line.corrected_total == 4_000_000
    # Someone whose role is not the stage's cannot.
    post(
        host_client("bandung.localhost", officials["tapd"]),
        f"/grants/staff/proposals/{proposal.pk}/correct/",
        {f"q_{line.pk}": "0", f"c_{line.pk}": "0"},
    )
    line.refresh_from_db()
    assert line.corrected_total == 4_000_000


def test_members_without_staff_role_and_outsiders_have_no_back_office(
    module_on, officials
):
    viewer = make_user("viewer@bandung.test", tenant=module_on, role="viewer")
    assert (
        host_client("bandung.localhost", viewer).get("/grants/staff/").status_code
        == 403
    )
    assert (
        host_client("bandung.localhost", make_user("warga@example.test"))
        .get("/grants/staff/")
        .status_code
        == 403
    )


def test_admin_assigns_grant_roles(module_on, bandung_admin):
    staff = make_user("baru@bandung.test", tenant=module_on, role="staff")
    from tenants.models import Membership

    membership = Membership.objects.get(user=staff, tenant=module_on)
    client = host_client("bandung.localhost", bandung_admin)
    assert "Sabilulungan roles" in client.get("/dashboard/members/").content.decode()
    url = f"/dashboard/members/{membership.pk}/roles/grants/"
    client.post(url, {"roles": ["opd", "tapd", "raja"]})
    assert held(staff) == set()  # an unknown role refuses the whole change
    client.post(url, {"roles": ["opd", "tapd"]})
    assert held(staff) == {"opd", "tapd"}
    # Kept in Sabilulungan's own table in Bandung's schema, not on the membership.
    with tenant_context(module_on):
        assert set(
            MemberRole.objects.filter(user_id=staff.pk).values_list("role", flat=True)
        ) == {"opd", "tapd"}
    client.post(url, {"roles": ["treasurer"]})
    assert held(staff) == {"treasurer"}
    # A member who leaves takes no roles into a later membership.
    client.post(f"/dashboard/members/{membership.pk}/remove/")
    assert held(staff) == set()


def held(user) -> set[str]:
    from tenants import hosted
    from tenants.models import Tenant

    bandung = Tenant.objects.get(slug="bandung")
    return set(hosted.roles_held(bandung, [user.pk])["grants"].get(user.pk, ()))


def test_roles_of_an_app_not_in_use_cannot_be_set(tangerang, tangerang_admin):
    staff = make_user("baru@tangerang.test", tenant=tangerang, role="staff")
    from tenants.models import Membership

    membership = Membership.objects.get(user=staff, tenant=tangerang)
    client = host_client("tangerang.localhost", tangerang_admin)
    assert "Sabilulungan roles" not in client.get("/dashboard/members/").content.decode()
    response = client.post(
        f"/dashboard/members/{membership.pk}/roles/grants/", {"roles": ["opd"]}
    )
    assert response.status_code == 404


def test_dashboard_shows_sabilulungan_tiles_and_the_officials_to_do(
    module_on, officials, django_assert_max_num_queries
):
    from grants.models import Proposal
    from tests.grants.conftest import make_applicant, make_proposal

    program = make_program(module_on, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=module_on)
    proposal = Proposal.objects.select_related("stage").get(pk=proposal.pk)
    assert proposal.status == Proposal.Status.IN_REVIEW and proposal.stage
    acting = officials[proposal.stage.role]
    client = host_client("bandung.localhost", acting)
    with django_assert_max_num_queries(40):
        html = client.get("/dashboard/").content.decode()
    assert "Open programs" in html
    assert 'data-todo="grants.queue"><a href="/grants/staff/#queue">A proposal waits for your step</a> <span class="badge">1</span>' in html
    # Someone whose roles the proposal does not wait for has nothing to do.
    other = next(
        user
        for role, user in officials.items()
        if role not in ("admin", proposal.stage.role, "program_manager")
    )
    html = host_client("bandung.localhost", other).get("/dashboard/").content.decode()
    assert "Open programs" in html and '<span class="badge">1</span>' not in html
