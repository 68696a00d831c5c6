"""Announcements, regulations, statistics, and citizens' reports (lapor / pengaduan)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grants import audit, selectors, services
from grants.models import Announcement, AuditEvent, CitizenReport, Proposal, Regulation
from grants.roles import GrantRole
from tests.conftest import assert_statements, host_client, links_in
from tests.factories import make_user
from tests.grants.conftest import (
    checklist_for,
    give_roles,
    make_applicant,
    make_program,
    today,
)
from tests.grants.test_portal import (
    BANSOS_STAGES,
    approve,
    propose,
    publish_sabilulungan,
    sign_and_disburse,
    step,
)

pytestmark = pytest.mark.django_db

HOST = "bandung.localhost"
REPORTER_NAME = "Budi Pelapor Rahasia"
REPORTER_CONTACT = "budi.rahasia@example.test"
REPORT_TEXT = "Balai warga belum dibangun sama sekali sampai hari ini."
ANSWER = "Tim OPD sudah meninjau lokasi; pembangunan dimulai bulan depan."


@dataclass
class City:
    tenant: object
    officials: dict
    approved: (
        Proposal  # hibah, this year, Coblong, 20M requested, 15M approved, 10M paid
    )
    in_review: Proposal  # hibah, this year, Coblong, 5M, at Telaah Kepala Daerah
    old_rejected: Proposal  # hibah, last year, Andir, 8M, rejected
    bansos: Proposal  # bansos, this year, Andir, 2.5M approved
    draft: Proposal  # hibah, this year, Andir, 3M, never submitted


@pytest.fixture
def city(in_bandung, officials):
    tenant = in_bandung
    publish_sabilulungan(tenant)
    admin = officials["admin"]
    hibah = make_program(tenant, admin, name="Hibah Tahun Ini", budget=100_000_000)
    last_year = make_program(tenant, admin, name="Hibah Tahun Lalu")
    services.program_update(
        tenant=tenant,
        actor_user=admin,
        program=last_year,
        fiscal_year=today().year - 1,
    )
    bansos_program = make_program(
        tenant,
        admin,
        name="Bansos Warga",
        kind="bansos",
        stages=BANSOS_STAGES,
        required=("KTP",),
    )
    org = make_applicant("Yayasan Pelapor Test")
    person = make_applicant("Siti Warga", kind="individual", kecamatan="Andir")

    approved = propose(tenant, hibah, org, amount=20_000_000, kecamatan="Coblong")
    approved = approve(tenant, officials, approved, 15_000_000)
    approved = sign_and_disburse(tenant, officials, approved, 10_000_000)

    in_review = propose(tenant, hibah, org, amount=5_000_000, kecamatan="Coblong")
    in_review = step(
        tenant,
        officials["tata_usaha"],
        in_review,
        "pass",
        checklist=checklist_for(in_review.stage),
    )
    assert in_review.stage.role == GrantRole.KEPALA_DAERAH

    old = propose(tenant, last_year, org, amount=8_000_000, kecamatan="Andir")
    old = step(tenant, officials["tata_usaha"], old, "reject", note="Tidak lengkap")

    bansos = propose(
        tenant, bansos_program, person, amount=2_500_000, kecamatan="Andir"
    )
    bansos = step(tenant, officials["tata_usaha"], bansos, "pass", checklist={"KTP": 1})
    bansos = step(tenant, officials["tapd"], bansos, "pass", amount=2_500_000)
    bansos = step(
        tenant, officials["kepala_daerah"], bansos, "approve", amount=2_500_000
    )

    draft = propose(
        tenant, hibah, org, amount=3_000_000, kecamatan="Andir", submit=False
    )
    mail.outbox = []
    return City(tenant, officials, approved, in_review, old, bansos, draft)


def client(user=None, ip="203.0.113.5", language="en"):
    c = host_client(HOST, user, language=language)
    c.defaults["REMOTE_ADDR"] = ip
    return c


def html_of(response) -> str:
    return response.content.decode()


def send_report(proposal, *, ip="203.0.113.5", follow=False, language="en", **data):
    payload = {
        "message": REPORT_TEXT,
        "reporter_name": REPORTER_NAME,
        "reporter_contact": REPORTER_CONTACT,
        **data,
    }
    return client(ip=ip, language=language).post(
        f"/grants/proposals/{proposal.pk}/report/", payload, follow=follow
    )


def counts_on_page(proposal) -> str:
    html = html_of(client().get(f"/grants/proposals/{proposal.pk}/"))
    match = re.search(r'<span class="report-counts">(.*?)</span>', html, re.S)
    assert match, "the proposal page shows no report counts"
    return " ".join(match.group(1).split())


def table_cells(html, table_id, group) -> list[str]:
    table = re.search(
        rf'<table class="stack" id="{table_id}">(.*?)</table>', html, re.S
    )
    assert table, table_id
    row = re.search(
        rf'<tr data-group="{re.escape(str(group))}">(.*?)</tr>', table.group(1), re.S
    )
    assert row, (table_id, group)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


# --- announcements and regulations ---------------------------------------------------


def test_program_manager_publishes_edits_and_hides_an_announcement(city):
    manager = client(city.officials["program_manager"])
    assert manager.get("/grants/staff/announcements/new/").status_code == 200
    response = manager.post(
        "/grants/staff/announcements/new/",
        {
            "title": "Pendaftaran hibah dibuka",
            "body": "Proposal diterima sampai akhir bulan.",
            "published_on": today().isoformat(),
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.title == "Pendaftaran hibah dibuka"
    public = html_of(client().get("/grants/announcements/"))
    assert "Pendaftaran hibah dibuka" in public
    assert "Proposal diterima sampai akhir bulan." in public

    response = manager.post(
        f"/grants/staff/announcements/{announcement.pk}/edit/",
        {
            "title": "Pendaftaran hibah diperpanjang",
            "body": "Sampai tanggal 15.",
            "published_on": today().isoformat(),
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    public = html_of(client().get("/grants/announcements/"))
    assert "Pendaftaran hibah diperpanjang" in public and "dibuka" not in public

    # Unticked: taken down. A future date: shown from that day on.
    manager.post(
        f"/grants/staff/announcements/{announcement.pk}/edit/",
        {
            "title": "Pendaftaran hibah diperpanjang",
            "body": "Sampai tanggal 15.",
            "published_on": today().isoformat(),
        },
    )
    manager.post(
        "/grants/staff/announcements/new/",
        {
            "title": "Pengumuman minggu depan",
            "body": "Belum waktunya.",
            "published_on": (today() + timedelta(days=7)).isoformat(),
            "is_published": "on",
        },
    )
    public = html_of(client().get("/grants/announcements/"))
    assert "diperpanjang" not in public and "minggu depan" not in public
    assert "There are no announcements yet." in public
    staff_list = html_of(manager.get("/grants/staff/announcements/"))
    assert "No (hidden)" in staff_list and "From that date" in staff_list


def test_announcement_form_keeps_input_and_shows_errors_by_the_field(city):
    manager = client(city.officials["admin"])  # a tenant administrator
    response = manager.post(
        "/grants/staff/announcements/new/",
        {"title": "", "body": "Teks yang sudah diketik", "published_on": "kemarin"},
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "Teks yang sudah diketik" in html
    assert 'id="id_title_error"' in html and 'id="id_published_on_error"' in html
    response = manager.post(
        "/grants/staff/announcements/new/",
        {"title": "Judul\x00", "body": "Isi\x00", "published_on": today().isoformat()},
    )
    assert response.status_code == 400
    assert not Announcement.objects.exists()


def test_program_manager_lists_and_edits_regulations(city):
    manager = client(city.officials["program_manager"])
    data = {
        "number": "Peraturan Wali Kota Bandung Nomor 123 Tahun 2023",
        "title": "Pedoman pemberian hibah dan bantuan sosial",
        "year": "2023",
        "summary": "Tata cara pengajuan, evaluasi, pencairan dan LPJ.",
        "url": "https://jdih.bandung.go.id/perwal-123-2023",
    }
    assert manager.post("/grants/staff/regulations/new/", data).status_code == 302
    regulation = Regulation.objects.get()
    public = html_of(client().get("/grants/regulations/"))
    assert "Peraturan Wali Kota Bandung Nomor 123 Tahun 2023" in public
    assert 'href="https://jdih.bandung.go.id/perwal-123-2023"' in public

    bad = {**data, "url": "javascript:alert(1)", "year": "20233"}
    response = manager.post(f"/grants/staff/regulations/{regulation.pk}/edit/", bad)
    assert response.status_code == 400
    html = html_of(response)
    assert 'id="id_url_error"' in html and 'id="id_year_error"' in html
    assert "Pedoman pemberian hibah" in html  # what was typed stays
    regulation.refresh_from_db()
    assert regulation.url == data["url"] and regulation.year == 2023

    response = manager.post(
        f"/grants/staff/regulations/{regulation.pk}/edit/",
        {**data, "title": "Pedoman hibah (perubahan)", "url": ""},
    )
    assert response.status_code == 302
    regulation.refresh_from_db()
    assert regulation.title == "Pedoman hibah (perubahan)" and regulation.url == ""


@pytest.mark.parametrize("role", ["opd", "tata_usaha", "treasurer"])
def test_other_staff_cannot_write_announcements_or_regulations(city, role):
    announcement = services.announcement_save(
        tenant=city.tenant,
        actor_user=city.officials["admin"],
        title="Asli",
        body="Isi asli",
    )
    regulation = services.regulation_save(
        tenant=city.tenant,
        actor_user=city.officials["admin"],
        title="Asli",
        number="Perwal 1/2020",
        year=2020,
    )
    user = city.officials[role]
    other = client(user)
    for path in (
        "/grants/staff/announcements/new/",
        f"/grants/staff/announcements/{announcement.pk}/edit/",
        "/grants/staff/regulations/new/",
        f"/grants/staff/regulations/{regulation.pk}/edit/",
    ):
        assert other.get(path).status_code == 403, path
        payload = {"title": "Diubah", "body": "x", "number": "x", "year": "2024"}
        assert other.post(path, payload).status_code == 403, path
    # The lists are readable, without the buttons.
    listing = html_of(other.get("/grants/staff/announcements/"))
    assert "Asli" in listing and "New announcement" not in listing
    assert "New regulation" not in html_of(other.get("/grants/staff/regulations/"))
    with pytest.raises(PermissionDenied):
        services.announcement_save(
            tenant=city.tenant, actor_user=user, title="x", body="y"
        )
    with pytest.raises(PermissionDenied):
        services.regulation_save(
            tenant=city.tenant, actor_user=user, title="x", number="y", year=2024
        )
    assert list(Announcement.objects.values_list("title", flat=True)) == ["Asli"]
    assert list(Regulation.objects.values_list("title", flat=True)) == ["Asli"]


# --- statistics ---------------------------------------------------------------------


def test_statistics_by_year_kind_and_kecamatan(city):
    this, last = today().year, today().year - 1
    stats = selectors.portal_statistics()

    def figures(rows):
        return {
            row["group"]: (
                row["proposal_count"],
                row["requested"],
                row["approved_count"],
                row["approved"],
                row["disbursed"],
            )
            for row in rows
        }

    # The draft (3M, Andir) counts nowhere.
    assert figures(stats.by_year) == {
        this: (3, 27_500_000, 2, 17_500_000, 10_000_000),
        last: (1, 8_000_000, 0, 0, 0),
    }
    assert figures(stats.by_kind) == {
        "hibah": (3, 33_000_000, 1, 15_000_000, 10_000_000),
        "bansos": (1, 2_500_000, 1, 2_500_000, 0),
    }
    assert figures(stats.by_kecamatan) == {
        "Coblong": (2, 25_000_000, 1, 15_000_000, 10_000_000),
        "Andir": (2, 10_500_000, 1, 2_500_000, 0),
    }
    assert stats.totals == {
        "proposal_count": 4,
        "requested": 35_500_000,
        "approved_count": 2,
        "approved": 17_500_000,
        "disbursed": 10_000_000,
    }

    html = html_of(client().get("/grants/statistics/"))
    assert table_cells(html, "by-year", this) == [
        str(this),
        "3",
        "Rp 27.500.000",
        "2",
        "Rp 17.500.000",
        "Rp 10.000.000",
    ]
    assert table_cells(html, "by-kind", "bansos") == [
        "Social aid (bansos)",
        "1",
        "Rp 2.500.000",
        "1",
        "Rp 2.500.000",
        "Rp 0",
    ]
    assert table_cells(html, "by-kecamatan", "Andir")[1:] == [
        "2",
        "Rp 10.500.000",
        "1",
        "Rp 2.500.000",
        "Rp 0",
    ]
    assert f"/grants/proposals/?year={last}" in html
    assert "/grants/proposals/?kecamatan=Coblong" in html


def chart_bars(html: str, caption: str) -> list[tuple[str, str, str, str]]:
    """(group, series, bar width %, value) for each bar of the chart with that caption."""
    figure = html.split(caption, 1)[1].split("</figure>", 1)[0]
    rows = []
    for group in re.findall(r"<tbody>(.*?)</tbody>", figure, re.S):
        name = re.search(r'class="chart-group">([^<]+)<', group).group(1)
        for series, width, value in re.findall(
            r'<th scope="row">([^<]+)</th>.*?<rect width="([\d.]+)".*?'
            r'class="bar-value">([^<]+)<',
            group,
            re.S,
        ):
            rows.append((name, series, width, value))
    return rows


def test_statistics_draw_their_figures_as_bars(city):
    this, last = today().year, today().year - 1
    html = html_of(client().get("/grants/statistics/"))
    # Scaled to the largest amount drawn (27.5M requested this year).
    assert chart_bars(html, "Requested, approved and disbursed, by fiscal year") == [
        (str(this), "Requested", "100.0", "Rp 27.500.000"),
        (str(this), "Approved", "63.6", "Rp 17.500.000"),
        (str(this), "Disbursed", "36.4", "Rp 10.000.000"),
        (str(last), "Requested", "29.1", "Rp 8.000.000"),
        (str(last), "Approved", "0.0", "Rp 0"),
        (str(last), "Disbursed", "0.0", "Rp 0"),
    ]
    # Ranked by the approved amount, largest first.
    assert chart_bars(html, "the twenty largest approved amounts") == [
        ("Coblong", "Approved", "100.0", "Rp 15.000.000"),
        ("Coblong", "Disbursed", "66.7", "Rp 10.000.000"),
        ("Andir", "Approved", "16.7", "Rp 2.500.000"),
        ("Andir", "Disbursed", "0.0", "Rp 0"),
    ]
    # Drawn without inline style, and hidden from screen readers only where the
    # written value beside it says the same.
    assert "style=" not in html
    assert html.count('class="bar-cell" aria-hidden="true"') == 10


# The statistics page (not counting SET search_path): the catalog gate's
# query, the kept totals (grants/totals.py) grouped by program and status and
# by kecamatan and status, and the programs' year and kind (the tenant comes
# from the warm route cache).
STATISTICS_QUERIES = 4
# Kota Bandung kecamatan the `city` fixture does not use.
MORE_KECAMATAN = (
    "Antapani",
    "Arcamanik",
    "Astanaanyar",
    "Babakan Ciparay",
    "Bandung Kidul",
    "Bandung Kulon",
    "Bandung Wetan",
    "Batununggal",
)


def test_statistics_page_queries_do_not_grow_with_the_data(city):
    client().get("/grants/statistics/")  # publishing the app dropped the route
    with assert_statements(STATISTICS_QUERIES):
        assert client().get("/grants/statistics/").status_code == 200
    program = make_program(city.tenant, city.officials["admin"], kind="bansos")
    for i, kecamatan in enumerate(MORE_KECAMATAN):
        propose(
            city.tenant,
            program,
            make_applicant(f"Yayasan Tambahan {i}"),
            amount=1_000_000,
            kecamatan=kecamatan,
        )
    with assert_statements(STATISTICS_QUERIES):
        html = html_of(client().get("/grants/statistics/"))
    assert table_cells(html, "by-kecamatan", "Batununggal")[1] == "1"


def test_empty_statistics_and_lists_render(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    for path in (
        "/grants/statistics/",
        "/grants/announcements/",
        "/grants/regulations/",
    ):
        assert client().get(path).status_code == 200, path


# --- citizens' reports --------------------------------------------------------------


def test_citizen_reports_and_follows_the_answer(
    city, django_capture_on_commit_callbacks
):
    proposal = city.in_review
    assert counts_on_page(proposal) == "0 reports, 0 answered"
    page = html_of(client().get(f"/grants/proposals/{proposal.pk}/"))
    assert f'href="/grants/proposals/{proposal.pk}/report/"' in page
    events = AuditEvent.objects.count()

    form = client().get(f"/grants/proposals/{proposal.pk}/report/")
    assert form.status_code == 200 and proposal.title in html_of(form)
    with django_capture_on_commit_callbacks(execute=True):
        response = send_report(proposal)
    assert response.status_code == 302
    report = CitizenReport.objects.get()
    code = report.tracking_code
    assert response["Location"] == f"/grants/reports/{code}/"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", code)
    assert report.status == "received"
    assert report.due_on == today() + timedelta(days=14)
    assert report.reporter_name == REPORTER_NAME
    assert report.reporter_contact == REPORTER_CONTACT
    assert report.reporter_language == "en"  # the page they wrote on
    # Only a keyed hash of the address is kept.
    assert len(report.client_fingerprint) == 64
    assert "203.0.113.5" not in report.client_fingerprint

    # Routed to who acts now: the stage's role (kepala daerah), by e-mail.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [city.officials["kepala_daerah"].email]
    assert code in message.subject and REPORT_TEXT in message.body
    assert REPORTER_NAME not in message.body and REPORTER_CONTACT not in message.body
    # Its link opens the report in the back office, on the tenant's host.
    (link,) = [u for u in links_in(message) if "/grants/staff/reports/" in u]
    assert link == f"http://{HOST}/grants/staff/reports/{report.pk}/"
    kepala = host_client(HOST, city.officials["kepala_daerah"])
    assert kepala.get(urlsplit(link).path).status_code == 200

    tracking = client().get(f"/grants/reports/{code}/", follow=True)
    html = html_of(tracking)
    assert report.display_code in html
    assert "Received, awaiting an answer" in html
    assert (today() + timedelta(days=14)).strftime("%Y-%m-%d") in html
    assert tracking["Cache-Control"] == "private, no-store"
    assert counts_on_page(proposal) == "1 report, 0 answered"

    # A staff member with a grant role answers; the answer is public.
    opd = client(city.officials["opd"])
    queue = html_of(opd.get("/grants/staff/reports/"))
    assert report.display_code in queue
    detail = html_of(opd.get(f"/grants/staff/reports/{report.pk}/"))
    assert REPORTER_NAME in detail and REPORTER_CONTACT in detail  # staff only
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = opd.post(f"/grants/staff/reports/{report.pk}/", {"response": ANSWER})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "answered" and report.response == ANSWER
    assert report.answered_by_id == city.officials["opd"].pk
    assert report.answered_at is not None
    # The reporter left an e-mail address: the answer goes there too.
    assert [m.to for m in mail.outbox] == [[REPORTER_CONTACT]]
    assert ANSWER in mail.outbox[0].body
    # In the language the reporter wrote in (they have no account), linking to
    # the public tracking page, which opens without signing in.
    (link,) = [u for u in links_in(mail.outbox[0]) if "/grants/reports/" in u]
    assert link == f"http://{HOST}/grants/reports/{code}/"
    assert client().get(urlsplit(link).path).status_code == 200
    assert "answered your report" in mail.outbox[0].body

    html = html_of(client().get(f"/grants/reports/{code}/"))
    assert ANSWER in html and "Answered" in html
    assert counts_on_page(proposal) == "1 report, 1 answered"
    # Reports are not grant state changes: the audit chain did not move.
    assert AuditEvent.objects.count() == events
    assert audit.verify_stored().ok


@pytest.mark.parametrize(
    "language, other, subject, sentence",
    [
        ("en", "id", "Your report", "answered your report"),
        ("id", "en", "Laporan Anda", "menjawab laporan Anda"),
    ],
)
def test_the_answer_reaches_the_reporter_in_the_language_they_wrote_in(
    city, django_capture_on_commit_callbacks, language, other, subject, sentence
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_report(city.approved, language=language).status_code == 302
    report = CitizenReport.objects.get()
    assert report.reporter_language == language
    # The member answers from a page in the other language: theirs does not count.
    member = client(city.officials["opd"], language=other)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            f"/grants/staff/reports/{report.pk}/", {"response": ANSWER}
        )
    assert response.status_code == 302
    (message,) = [m for m in mail.outbox if m.to == [REPORTER_CONTACT]]
    assert subject in message.subject and sentence in message.body
    assert message.extra_headers["Content-Language"] == language


@pytest.mark.parametrize("stored", ["", "xx", "en\nBcc:"])
def test_a_report_without_a_known_language_is_answered_in_the_default_one(
    city, django_capture_on_commit_callbacks, stored
):
    """Reports from before the language was kept ("") and a value the site does
    not speak are answered in settings.LANGUAGE_CODE."""
    assert send_report(city.approved).status_code == 302
    CitizenReport.objects.update(reporter_language=stored)
    report = CitizenReport.objects.get()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        services.citizen_report_answer(
            tenant=city.tenant,
            actor_user=city.officials["opd"],
            report=report,
            response=ANSWER,
        )
    (message,) = mail.outbox
    assert "menjawab laporan Anda" in message.body
    assert message.extra_headers["Content-Language"] == "id"


def test_the_language_is_kept_only_beside_a_contact(city):
    assert (
        send_report(city.approved, reporter_contact="081234567890").status_code == 302
    )
    assert send_report(city.in_review, reporter_contact="").status_code == 302
    assert dict(
        CitizenReport.objects.values_list("proposal_id", "reporter_language")
    ) == {city.approved.pk: "en", city.in_review.pk: ""}


def test_report_on_a_proposal_without_a_stage_goes_to_tata_usaha(
    city, django_capture_on_commit_callbacks
):
    assert city.approved.stage_id is None
    with django_capture_on_commit_callbacks(execute=True):
        assert send_report(city.approved).status_code == 302
    assert [m.to for m in mail.outbox] == [[city.officials["tata_usaha"].email]]


def test_tracking_code_is_found_however_it_is_typed(city):
    send_report(city.approved)
    report = CitizenReport.objects.get()
    typed = report.display_code.lower()  # "abcd-efgh-jk"
    response = client().get("/grants/reports/", {"code": f" {typed} "})
    assert response.status_code == 302
    assert response["Location"] == f"/grants/reports/{report.tracking_code}/"
    response = client().get(f"/grants/reports/{typed}/")
    assert response.status_code == 302
    assert response["Location"] == f"/grants/reports/{report.tracking_code}/"
    response = client().get("/grants/reports/", {"code": "bukan kode"})
    assert response.status_code == 400
    assert "A tracking code has 10 letters and digits" in html_of(response)


@pytest.mark.parametrize(
    "code",
    [
        "ABCDEFGHJK",  # well formed, unknown
        "abc",
        "0000000000",  # 0 is not in the alphabet
        "%00%00",
        "x" * 500,
        "..%2F..%2Fetc",
    ],
)
def test_unknown_or_malformed_tracking_code_is_404(city, code):
    send_report(city.approved)
    assert client().get(f"/grants/reports/{code}/").status_code == 404


def test_staff_queue_puts_waiting_reports_first_and_marks_overdue(city):
    for proposal in (city.approved, city.in_review, city.bansos):
        assert send_report(proposal).status_code == 302
    first, second, third = CitizenReport.objects.order_by("pk")
    services.citizen_report_answer(
        tenant=city.tenant,
        actor_user=city.officials["tata_usaha"],
        report=first,
        response="Sudah dijawab.",
    )
    CitizenReport.objects.filter(pk=third.pk).update(due_on=today() - timedelta(days=1))
    staff = client(city.officials["tata_usaha"])
    html = html_of(staff.get("/grants/staff/reports/"))
    order = [int(pk) for pk in re.findall(r'<tr id="report-(\d+)"', html)]
    assert order == [third.pk, second.pk, first.pk]
    row = re.search(rf'<tr id="report-{third.pk}"[^>]*>(.*?)</tr>', html, re.S)
    assert "Overdue" in row.group(1)
    assert "2 waiting for an answer, 1 overdue" in html
    home = html_of(staff.get("/grants/staff/"))
    assert "2 citizen reports wait for an answer" in home and "1 overdue" in home
    waiting = html_of(staff.get("/grants/staff/reports/?status=received"))
    assert f'id="report-{first.pk}"' not in waiting


def test_staff_queue_queries_do_not_grow_with_reports(city):
    staff = client(city.officials["tata_usaha"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/grants/staff/reports/").status_code == 200
        return len(queries)

    send_report(city.approved, ip="198.51.100.1")
    count()  # the header's to-do counter is counted once, then kept (tenants/todos.py)
    few = count()
    for i in range(10):
        send_report(city.bansos, ip=f"198.51.100.{i + 10}")
    assert count() == few


def test_proposal_page_query_count_does_not_grow_with_reports(city):
    path = f"/grants/proposals/{city.bansos.pk}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client().get(path).status_code == 200
        return len(queries)

    count()  # publishing the app dropped the cached route: warm it
    before = count()
    for i in range(3):
        send_report(city.bansos, ip=f"198.51.100.{i + 1}")
    assert count() == before
    assert counts_on_page(city.bansos) == "3 reports, 0 answered"


def test_staff_without_a_grant_role_cannot_answer(city):
    send_report(city.approved)
    report = CitizenReport.objects.get()
    for role in ("staff", "auditor"):
        user = make_user(
            f"tanpa-peran-{role}@bandung.test", tenant=city.tenant, role=role
        )
        member = client(user)
        page = member.get(f"/grants/staff/reports/{report.pk}/")
        assert page.status_code == 200  # the back office may read it
        assert "Publish the answer" not in html_of(page)
        response = member.post(
            f"/grants/staff/reports/{report.pk}/", {"response": "Jawaban liar"}
        )
        assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "received" and report.response == ""


def test_closed_report_cannot_be_answered_again(city):
    send_report(city.approved)
    report = CitizenReport.objects.get()
    staff = client(city.officials["tata_usaha"])
    staff.post(
        f"/grants/staff/reports/{report.pk}/",
        {"response": "Ditutup: sudah ditangani.", "close": "on"},
    )
    report.refresh_from_db()
    assert report.status == "closed"
    assert counts_on_page(city.approved) == "1 report, 1 answered"
    with pytest.raises(ValidationError):
        services.citizen_report_answer(
            tenant=city.tenant,
            actor_user=city.officials["tata_usaha"],
            report=report,
            response="Lagi",
        )
    assert "Publish the answer" not in html_of(
        staff.get(f"/grants/staff/reports/{report.pk}/")
    )


# --- rate limits -----------------------------------------------------------------


def test_sixth_report_in_an_hour_is_refused_and_not_stored(city):
    # Five reports over three proposals (at most three per proposal per day).
    for proposal in (
        city.approved,
        city.approved,
        city.in_review,
        city.in_review,
        city.bansos,
    ):
        assert send_report(proposal).status_code == 302
    assert CitizenReport.objects.count() == 5

    response = send_report(city.old_rejected, message="Laporan keenam yang ditolak")
    assert response.status_code == 429
    html = html_of(response)
    assert "You have sent 5 reports in the last hour" in html
    assert "Laporan keenam yang ditolak" in html  # what was typed stays
    assert CitizenReport.objects.count() == 5
    assert not CitizenReport.objects.filter(proposal=city.old_rejected).exists()

    # Another address is not affected.
    assert send_report(city.old_rejected, ip="198.51.100.77").status_code == 302
    # An hour later the same sender may report again.
    CitizenReport.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert send_report(city.old_rejected).status_code == 302


def test_fourth_report_about_one_proposal_in_a_day_is_refused(city):
    for _ in range(3):
        assert send_report(city.approved).status_code == 302
    response = send_report(city.approved)
    assert response.status_code == 429
    assert "3 reports about this proposal today" in html_of(response)
    assert CitizenReport.objects.count() == 3
    # Other proposals are still open to the same sender.
    assert send_report(city.bansos).status_code == 302
    # The per-proposal window is a day, not an hour.
    CitizenReport.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert send_report(city.approved).status_code == 429
    CitizenReport.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert send_report(city.approved).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_from_one_sender_stop_at_the_limit():
    """Separate connections (as separate gunicorn workers would be) at one moment."""
    from django_tenants.utils import tenant_context

    from tests.factories import make_tenant
    from tests.grants.conftest import make_proposal
    from tests.tenants.test_concurrency import run_together

    admin = make_user("admin@sumedang.test")
    tenant = make_tenant("sumedang", kind="kabupaten", region_code="32.11", admin=admin)
    give_roles(admin, tenant, "program_manager")
    with tenant_context(tenant):
        program = make_program(tenant, admin)
        proposals = [
            make_proposal(program, make_applicant(), tenant=tenant) for _ in range(4)
        ]

    def submit(proposal):
        def call():
            with tenant_context(tenant):
                services.citizen_report_submit(
                    proposal=proposal, message="Serentak", client_ip="192.0.2.50"
                )

        return call

    # Two per proposal, so only the hourly limit of five can stop them.
    outcomes = run_together(*[submit(proposals[i % 4]) for i in range(8)])
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * 3, outcomes
    with tenant_context(tenant):
        assert CitizenReport.objects.count() == 5


def test_fingerprint_is_a_keyed_hash_of_the_network(in_bandung):
    fingerprint = services.client_fingerprint
    assert fingerprint("192.0.2.1") == fingerprint("::ffff:192.0.2.1")
    assert fingerprint("192.0.2.1") != fingerprint("192.0.2.2")
    # One IPv6 subscriber holds a /64; a new address in it is the same sender.
    assert fingerprint("2001:db8:1:2::1") == fingerprint("2001:db8:1:2:ffff::9")
    assert fingerprint("2001:db8:1:2::1") != fingerprint("2001:db8:1:3::1")
    assert fingerprint("") == fingerprint("not an address")
    assert "192.0.2.1" not in fingerprint("192.0.2.1")
    assert len(fingerprint("192.0.2.1")) == 64


# --- hostile input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"message": "Ada\x00NUL"}, "Remove the control characters"),
        ({"message": "Ada\x1b[2J"}, "Remove the control characters"),
        ({"message": "   "}, "This field is required"),
        ({"reporter_name": "Budi\x00"}, "single line"),
        ({"reporter_name": "Budi\r\nBcc: x@y.test"}, "single line"),
        ({"reporter_contact": "y" * 201}, "at most 200 characters"),
    ],
)
def test_bad_report_input_gets_a_message_and_stores_nothing(city, data, error):
    response = send_report(city.approved, **data)
    assert response.status_code == 400
    html = html_of(response)
    assert error in html
    assert 'class="errorlist"' in html
    assert not CitizenReport.objects.exists()


def test_oversized_report_keeps_what_was_typed(city):
    text = "Laporan panjang " * 130  # 2080 characters
    html = html_of(send_report(city.approved, message=text))
    assert text.strip()[:200] in html


def test_reports_on_drafts_or_unknown_proposals_are_404(city):
    for proposal_id in (city.draft.pk, 999_999_999, 99_999_999_999_999_999_999):
        path = f"/grants/proposals/{proposal_id}/report/"
        assert client().get(path).status_code == 404
        assert client().post(path, {"message": REPORT_TEXT}).status_code == 404
    assert not CitizenReport.objects.exists()
    # And the service refuses a draft whatever calls it.
    with pytest.raises(ValidationError):
        services.citizen_report_submit(
            proposal=city.draft, message="x", client_ip="192.0.2.1"
        )
    with pytest.raises(ValidationError):
        services.citizen_report_submit(
            proposal=city.approved, message="x" * 2001, client_ip="192.0.2.1"
        )
    with pytest.raises(ValidationError):
        services.citizen_report_submit(
            proposal=city.approved,
            message="x",
            reporter_contact="a\x00b",
            client_ip="192.0.2.1",
        )
    assert not CitizenReport.objects.exists()


# --- privacy and isolation -----------------------------------------------------------


def test_reporters_name_contact_and_text_never_appear_in_public(city):
    for proposal in (city.approved, city.bansos):
        send_report(proposal)
    report = CitizenReport.objects.filter(proposal=city.approved).get()
    services.citizen_report_answer(
        tenant=city.tenant,
        actor_user=city.officials["opd"],
        report=report,
        response=ANSWER,
    )
    paths = [
        "/grants/",
        "/grants/proposals/",
        "/grants/statistics/",
        "/grants/announcements/",
        "/grants/regulations/",
        "/grants/reports/",
        *(
            f"/grants/proposals/{p.pk}/"
            for p in (city.approved, city.in_review, city.bansos, city.old_rejected)
        ),
        *(f"/grants/proposals/{p.pk}/report/" for p in (city.approved, city.bansos)),
        *(f"/grants/reports/{r.tracking_code}/" for r in CitizenReport.objects.all()),
        "/open-data/audit.jsonl",
        "/open-data/grants.json",
        "/open-data/grants.csv",
    ]
    fingerprints = list(
        CitizenReport.objects.values_list("client_fingerprint", flat=True)
    )
    anonymous = client()
    for path in paths:
        response = anonymous.get(path)
        assert response.status_code == 200, path
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        ).decode()
        secrets = [REPORTER_NAME, REPORTER_CONTACT, *fingerprints]
        if not path.startswith("/grants/reports/"):
            # The message comes back only to whoever holds its tracking code.
            secrets.append(REPORT_TEXT)
        for secret in secrets:
            assert secret not in body, f"{secret!r} leaks on {path}"
    tracking = html_of(anonymous.get(f"/grants/reports/{report.tracking_code}/"))
    assert ANSWER in tracking and REPORT_TEXT in tracking


def test_outsiders_get_403_on_the_staff_pages(city, tangerang_admin):
    send_report(city.approved)
    report = CitizenReport.objects.get()
    announcement = services.announcement_save(
        tenant=city.tenant, actor_user=city.officials["admin"], title="A", body="B"
    )
    regulation = services.regulation_save(
        tenant=city.tenant,
        actor_user=city.officials["admin"],
        title="R",
        number="N",
        year=2024,
    )
    paths = [
        "/grants/staff/reports/",
        f"/grants/staff/reports/{report.pk}/",
        "/grants/staff/announcements/",
        "/grants/staff/announcements/new/",
        f"/grants/staff/announcements/{announcement.pk}/edit/",
        "/grants/staff/regulations/",
        "/grants/staff/regulations/new/",
        f"/grants/staff/regulations/{regulation.pk}/edit/",
        "/grants/staff/places/",
        f"/grants/staff/places/proposal/{city.approved.pk}/",
        f"/grants/staff/places/applicant/{city.approved.applicant_id}/",
    ]
    applicant = make_applicant("Pemohon Biasa")
    connection.set_tenant(city.tenant)
    payload = {"response": "Bukan urusanmu", "title": "X", "body": "Y", "year": "1"}
    for user in (tangerang_admin, applicant):
        outsider = client(user)
        for path in paths:
            assert outsider.get(path).status_code == 403, path
            assert outsider.post(path, payload).status_code == 403, path
    for path in paths:
        response = client().get(path)
        assert (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        )
    # Unknown ids are 404 for members.
    staff = client(city.officials["opd"])
    assert staff.get("/grants/staff/reports/999999999/").status_code == 404
    assert staff.get("/grants/staff/announcements/999999999/edit/").status_code == 404
    report.refresh_from_db()
    announcement.refresh_from_db()
    regulation.refresh_from_db()
    assert (report.status, announcement.title, regulation.title) == (
        "received",
        "A",
        "R",
    )
