"""The back office's program and list pages through HTTP: create, edit, stages,
status, the proposal list with its filters, and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from grants.models import AuditEvent, Program
from grants.roles import GrantRole
from tests.conftest import host_client
from tests.grants.conftest import make_applicant, make_program, make_proposal
from tests.grants.test_pages import post

pytestmark = pytest.mark.django_db
HOST = "bandung.localhost"


def _program_data(**overrides) -> dict:
    data = {
        "name": "Bansos Pendidikan 2027",
        "kind": "bansos",
        "applicants": "individuals",
        "report_due_days": "45",
        "fiscal_year": "2027",
        "budget": "250000000",
        "responsible_unit": "Dinas Sosial",
        "opens_on": "2027-01-10",
        "closes_on": "2027-03-31",
        "eligibility": "Warga Kota Bandung",
        "separation_of_duties": "on",
        "required_documents": "Proposal\nKartu Keluarga",
    }
    data.update(overrides)
    return data


def _stage_data(stages: list[dict]) -> dict:
    data = {
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "1",
        "stages-MAX_NUM_FORMS": "1000",
    }
    for i, stage in enumerate(stages):
        for key, value in stage.items():
            data[f"stages-{i}-{key}"] = value
    return data


def test_a_program_manager_creates_a_program_with_its_stages_and_opens_it(
    module_on, officials
):
    manager = host_client(HOST, officials["admin"])
    assert manager.get("/grants/staff/programs/new/").status_code == 200
    response = post(manager, "/grants/staff/programs/new/", _program_data())
    assert response.status_code == 302
    program = Program.objects.get(name="Bansos Pendidikan 2027")
    assert response["Location"] == f"/grants/staff/programs/{program.pk}/"
    assert (program.budget, program.status) == (250_000_000, "draft")
    assert (program.applicants, program.report_due_days) == ("individuals", 45)
    assert program.required_documents == ["Proposal", "Kartu Keluarga"]

    response = post(
        manager,
        f"/grants/staff/programs/{program.pk}/",
        _stage_data(
            [
                {
                    "name": "Verifikasi berkas",
                    "role": GrantRole.OPD,
                    "checklist": "KTP sesuai\nKK sesuai",
                },
                {
                    "name": "Pertimbangan TAPD",
                    "role": GrantRole.TAPD,
                    "sets_amount": "on",
                },
            ]
        ),
    )
    assert response.status_code == 302
    stages = list(program.stages.order_by("position"))
    assert [(s.name, s.role, s.checklist, s.sets_amount) for s in stages] == [
        ("Verifikasi berkas", GrantRole.OPD, ["KTP sesuai", "KK sesuai"], False),
        ("Pertimbangan TAPD", GrantRole.TAPD, [], True),
    ]

    response = post(
        manager, f"/grants/staff/programs/{program.pk}/status/", {"status": "open"}
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.status == "open"
    # A draft program is not public; the chain starts when it opens.
    events = AuditEvent.objects.filter(program=program).order_by("seq")
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("program_status", "draft", "open")
    ]


def test_a_program_form_error_keeps_what_was_typed(module_on, officials):
    manager = host_client(HOST, officials["admin"])
    response = post(
        manager,
        "/grants/staff/programs/new/",
        _program_data(budget="banyak", closes_on="2026-12-31"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a whole number." in page
    assert "The window must close after it opens." in page
    assert 'value="Bansos Pendidikan 2027"' in page
    assert "Kartu Keluarga" in page
    assert not Program.objects.filter(name="Bansos Pendidikan 2027").exists()


def test_an_impossible_status_change_is_explained_and_changes_nothing(
    module_on, officials
):
    program = make_program(module_on, officials["admin"])
    manager = host_client(HOST, officials["admin"])
    response = manager.post(
        f"/grants/staff/programs/{program.pk}/status/",
        {"status": "archived"},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot become" in response.content.decode()
    program.refresh_from_db()
    assert program.status == "open"
    # Only POST changes a status.
    assert (
        manager.get(f"/grants/staff/programs/{program.pk}/status/").status_code == 404
    )


def test_members_without_a_program_role_cannot_create_or_change_programs(
    module_on, officials
):
    program = make_program(module_on, officials["admin"])
    treasurer = host_client(HOST, officials["treasurer"])
    response = post(treasurer, "/grants/staff/programs/new/", _program_data())
    assert response.status_code == 200
    assert not Program.objects.filter(name="Bansos Pendidikan 2027").exists()
    post(
        treasurer, f"/grants/staff/programs/{program.pk}/status/", {"status": "closed"}
    )
    program.refresh_from_db()
    assert program.status == "open"
    assert (
        host_client(HOST, officials["admin"])
        .get("/grants/staff/programs/999999/")
        .status_code
        == 404
    )


def test_the_proposal_list_filters_and_pins_its_queries(
    module_on, officials, django_assert_num_queries
):
    first = make_program(module_on, officials["admin"], name="Hibah Pemuda")
    second = make_program(module_on, officials["admin"], name="Hibah Lansia")
    for i in range(3):
        make_proposal(
            first, make_applicant(name=f"Karang Taruna {i}"), tenant=module_on
        )
    make_proposal(second, make_applicant(name="Posyandu Melati"), tenant=module_on)
    make_proposal(
        second, make_applicant(name="Posbindu Mawar"), tenant=module_on, submit=False
    )
    staff = host_client(HOST, officials["opd"])
    page = staff.get("/grants/staff/proposals/")
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 5
    only = staff.get(f"/grants/staff/proposals/?program={second.pk}&status=in_review")
    assert [p.applicant.name for p in only.context["page"].object_list] == [
        "Posyandu Melati"
    ]
    found = staff.get("/grants/staff/proposals/?q=taruna")
    assert len(found.context["page"].object_list) == 3
    # Nonsense filters are ignored, never a 500; a control character is refused.
    odd = staff.get("/grants/staff/proposals/?program=xy&status=%27&page=-3")
    assert odd.status_code == 200
    assert len(odd.context["page"].object_list) == 5
    assert staff.get("/grants/staff/proposals/?program=x%00y").status_code == 400
    # Warm the session and routing caches; the page then reads the header's
    # to-do counter and unread notifications besides its own rows.
    staff.get("/grants/staff/proposals/")
    with django_assert_num_queries(9):
        staff.get("/grants/staff/proposals/")
    for i in range(4, 8):
        make_proposal(
            first, make_applicant(name=f"Karang Taruna {i}"), tenant=module_on
        )
    with django_assert_num_queries(9):
        staff.get("/grants/staff/proposals/")


def test_the_csv_export_follows_the_filters_and_neutralises_formulas(
    module_on, officials
):
    program = make_program(module_on, officials["admin"])
    make_proposal(program, make_applicant(name="=HYPERLINK(1)"), tenant=module_on)
    make_proposal(program, make_applicant(name="Yayasan Biasa"), tenant=module_on)
    staff = host_client(HOST, officials["opd"])
    response = staff.get("/grants/staff/proposals.csv?q=biasa")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "program", "title", "applicant"]
    assert [row[3] for row in rows[1:]] == ["Yayasan Biasa"]
    everything = b"".join(staff.get("/grants/staff/proposals.csv").streaming_content)
    assert "'=HYPERLINK(1)" in everything.decode()
    # Applicants and anonymous visitors get no export.
    assert host_client(HOST, make_applicant()).get(
        "/grants/staff/proposals.csv"
    ).status_code in (403,)
    anonymous = host_client(HOST).get("/grants/staff/proposals.csv")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
