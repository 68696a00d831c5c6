"""Sabilulungan's to-do items (grants/hosting.py `todos`): each appears on the
dashboard of the members who may act on it, links to where it is done, and
goes away once it is done (#13)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, connections

from core import pagecache
from grants import services
from grants.models import Applicant, CitizenReport, Disbursement, RecipientAmendment
from grants.roles import GrantRole
from tests.conftest import assert_statements, host_client
from tests.grants.conftest import (
    make_applicant,
    make_program,
    make_proposal,
    pass_stage,
    today,
)
from tests.grants.test_records import _approved, _disburse, _signed
from tests.grants.test_workflow import attach, step

pytestmark = pytest.mark.django_db

HOST = "bandung.localhost"


def todo(user, kind: str) -> str | None:
    """The to-do line of `kind` on the user's dashboard, or None."""
    html = host_client(HOST, user).get("/dashboard/").content.decode()
    match = re.search(rf'<li data-todo="{re.escape(kind)}">(.*?)</li>', html, re.S)
    return match.group(1) if match else None


def link_of(line: str) -> str:
    return re.search(r'<a href="([^"]+)"', line).group(1)


def test_a_proposal_in_my_queue_is_on_my_list_until_i_take_my_step(
    module_on, officials
):
    program = make_program(module_on, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=module_on)
    first_stage = proposal.stage.role
    first = officials[first_stage]
    line = todo(first, "grants.queue")
    assert "A proposal waits for your step" in line and '"badge">1<' in line
    assert link_of(line) == "/grants/staff/#queue"
    queue = host_client(HOST, first).get("/grants/staff/").content.decode()
    assert f"/grants/staff/proposals/{proposal.pk}/" in queue
    # Nobody else's list has it.
    assert todo(officials["treasurer"], "grants.queue") is None

    proposal = pass_stage(module_on, officials, proposal)
    assert proposal.stage.role != GrantRole.TATA_USAHA == first_stage
    assert todo(first, "grants.queue") is None
    assert todo(officials[proposal.stage.role], "grants.queue") is not None


def test_an_overdue_accountability_report_shows_for_the_opd_until_it_is_sent(
    module_on, officials
):
    program = make_program(module_on, officials["admin"])
    assert program.report_due_days == 30
    recipient = make_applicant()
    proposal = _signed(
        module_on, officials, _approved(module_on, officials, program, recipient)
    )
    proposal = _disburse(
        module_on, officials["treasurer"], proposal, amount=proposal.approved_amount
    )
    # Paid in full today: the report is not due yet.
    assert todo(officials["opd"], "grants.lpj_overdue") is None
    Disbursement.objects.filter(proposal=proposal).update(
        paid_on=today() - timedelta(days=31)
    )
    # The recipient sees the deadline they missed on their proposal.
    mine = host_client(HOST, recipient).get(f"/grants/my/proposals/{proposal.pk}/")
    due = (today() + timedelta(days=-1)).strftime("%-d %B %Y")
    assert f"Send it by {due}." in mine.content.decode()
    line = todo(officials["opd"], "grants.lpj_overdue")
    assert "Accountability report (LPJ)" in line or "accountability report" in line
    assert "overdue" in line and link_of(line) == "/grants/staff/proposals/?lpj=overdue"
    listed = host_client(HOST, officials["opd"]).get(link_of(line)).content.decode()
    assert proposal.title in listed
    # Only those who follow reports up see it.
    assert todo(officials["tata_usaha"], "grants.lpj_overdue") is None
    # A longer deadline for the program: not overdue any more.
    type(program).objects.filter(pk=program.pk).update(report_due_days=60)
    assert todo(officials["opd"], "grants.lpj_overdue") is None
    type(program).objects.filter(pk=program.pk).update(report_due_days=30)
    assert todo(officials["program_manager"], "grants.lpj_overdue") is not None

    for kind in ("lpj_report", "lpj_receipt", "lpj_photo"):
        attach(proposal, kind)
    step(module_on, recipient, proposal, "report", spent_amount=1_000_000)
    assert todo(officials["opd"], "grants.lpj_overdue") is None


def test_a_bank_change_waits_on_the_treasurers_list_until_confirmed(
    module_on, officials
):
    program = make_program(module_on, officials["admin"])
    recipient = make_applicant()
    proposal = _approved(module_on, officials, program, recipient)
    applicant = Applicant.objects.get(user_id=recipient.pk)
    fields = {
        f.name: getattr(applicant, f.name)
        for f in Applicant._meta.fields
        if f.name not in ("id", "user_id", "created_at")
    }
    services.applicant_save(user=recipient, **{**fields, "bank_account": "5550001111"})
    line = todo(officials["treasurer"], "grants.bank_changes")
    assert "second member" in line
    assert link_of(line) == (
        f"/grants/staff/proposals/{proposal.pk}/#recipient-amendments"
    )
    page = host_client(HOST, officials["treasurer"]).get(link_of(line))
    assert "5550001111" in page.content.decode()
    assert todo(officials["tata_usaha"], "grants.bank_changes") is None
    services.recipient_amendment_decide(
        tenant=module_on,
        actor_user=officials["treasurer"],
        amendment=RecipientAmendment.objects.get(),
        confirm=True,
    )
    assert todo(officials["treasurer"], "grants.bank_changes") is None


def test_a_citizen_report_waits_until_it_is_answered(module_on, officials):
    from tests.grants.test_reports_and_pages import send_report

    program = make_program(module_on, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=module_on)
    send_report(proposal)
    report = CitizenReport.objects.get()
    line = todo(officials["tapd"], "grants.citizen_reports")
    assert "A citizen report waits for an answer" in line
    assert link_of(line) == "/grants/staff/reports/"
    services.citizen_report_answer(
        tenant=module_on,
        actor_user=officials["tapd"],
        report=report,
        response="Sudah kami periksa di lapangan.",
    )
    assert todo(officials["tapd"], "grants.citizen_reports") is None


def test_staff_without_a_role_get_no_grant_items_and_are_told_who_gives_roles(
    module_on, officials
):
    from tests.factories import make_user

    program = make_program(module_on, officials["admin"])
    make_proposal(program, make_applicant(), tenant=module_on)
    newcomer = make_user("baru@bandung.test", tenant=module_on, role="staff")
    html = host_client(HOST, newcomer).get("/dashboard/").content.decode()
    assert 'data-todo="grants.' not in html
    assert "you have no role in it yet" in html
    # Nor the administrator's getting-started list.
    assert 'data-todo="setup.' not in html and "Getting started" not in html
    home = host_client(HOST, newcomer).get("/grants/staff/").content.decode()
    assert "You hold no Sabilulungan role yet" in home
    assert officials["admin"].email in home


def test_another_citys_items_never_show(module_on, officials, tangerang):
    """A member of Tangerang sees nothing of Bandung's queue, even holding the
    same role in Tangerang."""

    from tests.factories import make_user
    from tests.grants.conftest import give_roles

    connection.set_tenant(module_on)
    program = make_program(module_on, officials["admin"])
    make_proposal(program, make_applicant(), tenant=module_on)
    elsewhere = make_user("tu@tangerang.test", tenant=tangerang, role="staff")
    give_roles(elsewhere, tangerang, GrantRole.TATA_USAHA)
    html = (
        host_client("tangerang.localhost", elsewhere)
        .get("/dashboard/")
        .content.decode()
    )
    assert 'data-todo="grants.' not in html
    # And on Bandung's host they are nobody.
    assert host_client(HOST, elsewhere).get("/dashboard/").status_code == 403


def test_dashboard_and_an_ordinary_page_have_pinned_query_counts(module_on, officials):
    """The dashboard counts every item once; other pages read the header's
    count from the cache in one statement."""
    program = make_program(module_on, officials["admin"])
    for _ in range(3):
        make_proposal(program, make_applicant(), tenant=module_on)
    client = host_client(HOST, officials["tata_usaha"])
    client.get("/dashboard/")
    # Session, user, gate, membership, routes...; the cache read; tiles (1);
    # to-dos: roles, queue, citizen reports; the kernel's panels.
    with assert_statements(DASHBOARD_STATEMENTS) as captured:
        assert client.get("/dashboard/").status_code == 200
    few = len(captured)
    for _ in range(5):
        make_proposal(program, make_applicant(), tenant=module_on)
    with assert_statements(few):
        client.get("/dashboard/")
    # An ordinary page: the counter costs one read of the cache.
    client.get("/grants/staff/reports/")
    with assert_statements(REPORTS_PAGE_STATEMENTS):
        assert client.get("/grants/staff/reports/").status_code == 200


DASHBOARD_STATEMENTS = 15
REPORTS_PAGE_STATEMENTS = 8


def test_the_header_counter_is_kept_until_something_is_written(module_on, officials):
    program = make_program(module_on, officials["admin"])
    make_proposal(program, make_applicant(), tenant=module_on)
    client = host_client(HOST, officials["tata_usaha"])
    page = client.get("/grants/staff/reports/").content.decode()
    assert re.search(r'class="todo-link">To do <span class="badge">1</span>', page)
    # Another proposal, not committed yet (the test's transaction): still 1.
    make_proposal(program, make_applicant(), tenant=module_on)
    page = client.get("/grants/staff/reports/").content.decode()
    assert re.search(r'class="todo-link">To do <span class="badge">1</span>', page)
    # What its commit does (core/pagecache.py): the next page counts again.
    pagecache.flush_pending(connections["default"])
    page = client.get("/grants/staff/reports/").content.decode()
    assert re.search(r'class="todo-link">To do <span class="badge">2</span>', page)


def test_without_the_cache_the_counter_is_counted_every_time(
    module_on, officials, monkeypatch
):
    from django.core.cache import cache

    program = make_program(module_on, officials["admin"])
    make_proposal(program, make_applicant(), tenant=module_on)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    client = host_client(HOST, officials["tata_usaha"])
    page = client.get("/grants/staff/reports/")
    assert page.status_code == 200
    assert re.search(
        r'class="todo-link">To do <span class="badge">1</span>', page.content.decode()
    )
