"""Forms that help (#13): the applicant's kind first, who may apply, budget lines
with a running total, the reference number after submission, input kept on
errors (the LPJ too), duplicate NIK warned to staff, unique element ids,
friendly 404/403 pages, and citizen reports about a program with a photo."""

from __future__ import annotations

import io
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from grants import services
from grants.models import Applicant, CitizenReport, Program, Proposal, mask_nik
from grants.roles import GrantRole
from tests.conftest import host_client
from tests.factories import make_user
from tests.grants.conftest import (
    give_roles,
    make_applicant,
    make_program,
    make_proposal,
    place,
    through_review,
)
from tests.grants.test_portal import publish_sabilulungan

pytestmark = pytest.mark.django_db

HOST = "bandung.localhost"
NIK = "3273010101900001"


def html_of(response) -> str:
    return response.content.decode()


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.template_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return  # a <template>'s content is not in the document
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth -= 1


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return [i for i, n in Counter(parser.ids).items() if n > 1]


def profile_data(**fields) -> dict:
    data = {
        "kind": "organisation",
        "name": "Karang Taruna Braga",
        "legal_form": "Perkumpulan",
        "registration_number": "",
        "npwp": "",
        "nik": "",
        "address": "Jl. Braga 10",
        "kecamatan_code": "32.73.19",
        "kelurahan_code": "32.73.19.1001",
        "bank_name": "Bank BJB",
        "bank_account": "0099887766",
        "bank_account_name": "Karang Taruna Braga",
    }
    data.update(fields)
    return data


def proposal_data(rows=(("Tenda", "2", "1500000"),), total=None, **fields) -> dict:
    data = {
        "title": "Festival Braga",
        "background": "Kegiatan pemuda",
        "purpose": "Ekonomi kreatif",
        "kecamatan_code": "32.73.19",
        "kelurahan_code": "32.73.19.1001",
        "lines-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
    }
    for i, (item, quantity, cost) in enumerate(rows):
        data[f"lines-{i}-item"] = item
        data[f"lines-{i}-quantity"] = quantity
        data[f"lines-{i}-unit_cost"] = cost
    data.update(fields)
    return data


@pytest.fixture
def grants_on(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    return in_bandung


def applicant_client(kind="organisation"):
    user = make_applicant(
        "Siti Rahmawati" if kind == "individual" else "Yayasan Uji",
        kind=kind,
    )
    return user, host_client(HOST, user)


# --- the applicant's kind first ---------------------------------------------------


def test_profile_has_no_empty_kind_choice_and_groups_fields_by_kind(grants_on):
    client = host_client(HOST, make_user("baru@example.test"))
    html = html_of(client.get("/grants/my/profile/"))
    assert "---------" not in html
    assert html.count('name="kind"') == 2
    assert 'data-kind="individual"' in html and 'data-kind="organisation"' in html
    assert "js/applicant_kind.js" in html
    assert not duplicate_ids(html)


def test_individual_profile_ignores_organisation_fields_typed_without_js(grants_on):
    user = make_user("warga@example.test")
    client = host_client(HOST, user)
    response = client.post(
        "/grants/my/profile/",
        profile_data(
            kind="individual",
            name="Siti Rahmawati",
            nik=NIK,
            legal_form="Yayasan",
            npwp="bukan npwp",  # invalid, but not this kind's field
        ),
    )
    assert response.status_code == 302, html_of(response)[:2000]
    applicant = Applicant.objects.get(user_id=user.pk)
    assert applicant.kind == "individual" and applicant.nik == NIK
    assert applicant.legal_form == "" and applicant.npwp == ""


def test_organisation_profile_ignores_a_nik_typed_without_js(grants_on):
    user = make_user("org@example.test")
    client = host_client(HOST, user)
    response = client.post("/grants/my/profile/", profile_data(nik="123"))
    assert response.status_code == 302, html_of(response)[:2000]
    assert Applicant.objects.get(user_id=user.pk).nik == ""


def test_profile_errors_keep_input_and_name_the_missing_kind_field(grants_on):
    client = host_client(HOST, make_user("lupa@example.test"))
    response = client.post(
        "/grants/my/profile/",
        profile_data(kind="individual", name="Siti Rahmawati", nik=""),
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "Individuals must give their NIK." in html
    assert 'value="Siti Rahmawati"' in html and 'value="Jl. Braga 10"' in html
    response = client.post("/grants/my/profile/", profile_data(kind=""))
    assert "Choose whether you apply as an individual or as an organisation." in (
        html_of(response)
    )
    assert (
        not Applicant.objects.exists()
        or not Applicant.objects.filter(name="Siti Rahmawati").exists()
    )


# --- who may apply ------------------------------------------------------------------


def test_individual_cannot_apply_to_an_organisations_only_program(grants_on, officials):
    program = make_program(
        grants_on, officials["admin"], name="Hibah Ormas", applicants="organisations"
    )
    user, client = applicant_client("individual")
    home = html_of(client.get("/grants/my/"))
    assert "Organisations only" in home
    assert "Only organisations may apply to this program" in home
    assert f"/grants/my/programs/{program.pk}/apply/" not in home

    response = client.get(f"/grants/my/programs/{program.pk}/apply/", follow=True)
    assert "Only organisations may apply to this program" in html_of(response)
    response = client.post(
        f"/grants/my/programs/{program.pk}/apply/", proposal_data(), follow=True
    )
    assert not Proposal.objects.filter(program=program).exists()
    # The service refuses too, whatever the form does.
    with pytest.raises(ValidationError) as refused:
        services.proposal_save_draft(
            user=user,
            program=program,
            title="x",
            background="x",
            purpose="x",
            **place(),
            lines=[{"item": "a", "quantity": 1, "unit_cost": 1}],
        )
    assert refused.value.code == "applicant_kind"


def test_a_kind_changed_after_the_draft_cannot_submit(grants_on, officials):
    program = make_program(
        grants_on, officials["admin"], kind="bansos", applicants="individuals"
    )
    user = make_applicant("Siti Rahmawati", kind="individual")
    proposal = make_proposal(program, user, submit=False)
    Applicant.objects.filter(user_id=user.pk).update(kind="organisation", nik="")
    proposal.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.proposal_transition(
            tenant=grants_on, actor_user=user, proposal=proposal, action="submit"
        )
    assert "Only individuals may apply" in str(refused.value)
    assert Proposal.objects.get(pk=proposal.pk).status == "draft"


def test_program_pages_say_who_may_apply(grants_on, officials):
    program = make_program(
        grants_on, officials["admin"], kind="bansos", applicants="individuals"
    )
    html = html_of(host_client(HOST).get(f"/grants/programs/{program.pk}/"))
    assert "Individuals only" in html
    assert f"/grants/programs/{program.pk}/report/" in html


def test_program_form_offers_who_may_apply(grants_on, officials):
    client = host_client(HOST, officials["admin"])
    html = html_of(client.get("/grants/staff/programs/new/"))
    assert html.count('name="applicants"') == 3  # radios, no empty choice


# --- budget lines, running total ----------------------------------------------------


def test_add_a_line_without_js_keeps_everything_typed_and_saves_nothing(
    grants_on, officials
):
    program = make_program(grants_on, officials["admin"])
    _user, client = applicant_client()
    data = proposal_data(
        rows=(("Tenda", "2", "1500000"), ("Kursi", "10", "25000")), add_line="1"
    )
    response = client.post(f"/grants/my/programs/{program.pk}/apply/", data)
    html = html_of(response)
    assert response.status_code == 200
    assert not Proposal.objects.exists()
    assert 'name="lines-TOTAL_FORMS" value="3"' in html
    assert 'value="Tenda"' in html and 'value="Kursi"' in html
    assert 'value="Festival Braga"' in html
    assert 'name="lines-2-item"' in html  # the new empty line
    # The running total of what was typed: 2 × 1.500.000 + 10 × 25.000.
    assert re.search(r"budget-total-value[^>]*>Rp 3\.250\.000<", html)
    assert "errorlist" not in html  # nothing judged yet
    assert not duplicate_ids(html)
    assert "js/budget.js" in html and "<script>" not in html


def test_add_a_line_stops_at_the_most_lines(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    _user, client = applicant_client()
    rows = [(f"Barang {i}", "1", "1000") for i in range(50)]
    response = client.post(
        f"/grants/my/programs/{program.pk}/apply/",
        proposal_data(rows=rows, add_line="1"),
    )
    html = html_of(response)
    assert 'name="lines-TOTAL_FORMS" value="50"' in html
    assert "at most 50 budget lines" in html
    assert 'name="add_line"' not in html


def test_hostile_line_counts_do_not_break_the_page(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    _user, client = applicant_client()
    for total in ("abc", "-5", "99999999999"):
        response = client.post(
            f"/grants/my/programs/{program.pk}/apply/",
            proposal_data(total=total, add_line="1"),
        )
        assert response.status_code in (200, 400), total
    assert not Proposal.objects.exists()


# --- reference number and what happens next --------------------------------------


def test_submission_lands_on_the_reference_and_what_happens_next(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    user, client = applicant_client()
    proposal = make_proposal(program, user, submit=False)
    response = client.post(f"/grants/my/proposals/{proposal.pk}/submit/")
    assert response.status_code == 302
    assert response["Location"] == f"/grants/my/proposals/{proposal.pk}/submitted/"
    proposal.refresh_from_db()
    assert proposal.status == "in_review"
    reference = f"HIBAH-{program.fiscal_year}-{proposal.pk:05d}"
    assert proposal.reference == reference
    html = html_of(client.get(response["Location"]))
    assert reference in html and "What happens next" in html
    for stage in program.stages.all():
        assert stage.name in html
    assert reference in html_of(client.get("/grants/my/"))
    assert reference in html_of(client.get(f"/grants/my/proposals/{proposal.pk}/"))
    staff = host_client(HOST, officials["tata_usaha"])
    assert reference in html_of(staff.get(f"/grants/staff/proposals/{proposal.pk}/"))


def test_submitted_page_of_a_draft_goes_back_to_the_proposal(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    user, client = applicant_client()
    proposal = make_proposal(program, user, submit=False)
    response = client.get(f"/grants/my/proposals/{proposal.pk}/submitted/")
    assert response["Location"] == f"/grants/my/proposals/{proposal.pk}/"
    other = host_client(HOST, make_applicant("Yayasan Lain"))
    assert (
        other.get(f"/grants/my/proposals/{proposal.pk}/submitted/").status_code == 404
    )


# --- the LPJ keeps what was typed -----------------------------------------------------


def disbursed(tenant, officials, user):
    program = make_program(tenant, officials["admin"])
    proposal = make_proposal(program, user)
    proposal = through_review(tenant, officials, proposal, 10_000_000)
    proposal = services.proposal_transition(
        tenant=tenant,
        actor_user=officials[GrantRole.KEPALA_DAERAH],
        proposal=proposal,
        action="approve",
        amount=10_000_000,
    )
    from tests.grants.test_portal import sign_and_disburse

    return sign_and_disburse(tenant, officials, proposal, 10_000_000)


def test_lpj_validation_error_keeps_the_summary(grants_on, officials):
    user, client = applicant_client()
    proposal = disbursed(grants_on, officials, user)
    assert proposal.status == "disbursed"
    summary = "Kegiatan berjalan; 300 warga hadir.\nFoto terlampir."
    response = client.post(
        f"/grants/my/proposals/{proposal.pk}/report/",
        {"spent_amount": "banyak", "note": summary},
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "Kegiatan berjalan; 300 warga hadir." in html
    assert "Enter a whole number." in html
    assert Proposal.objects.get(pk=proposal.pk).status == "disbursed"
    # Refused by the service (no LPJ report uploaded): the input stays too.
    response = client.post(
        f"/grants/my/proposals/{proposal.pk}/report/",
        {"spent_amount": "9000000", "note": summary},
    )
    html = html_of(response)
    if Proposal.objects.get(pk=proposal.pk).status == "disbursed":
        assert response.status_code == 400
        assert 'value="9000000"' in html and "300 warga hadir" in html
    assert not duplicate_ids(html)


def test_failed_upload_says_to_choose_the_file_again(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    user, client = applicant_client()
    proposal = make_proposal(program, user, submit=False)
    fake = SimpleUploadedFile("akta.pdf", b"MZ not a pdf", "application/pdf")
    response = client.post(
        f"/grants/my/proposals/{proposal.pk}/upload/",
        {"kind": "required", "requirement": "Proposal", "file": fake},
        follow=True,
    )
    assert "Choose the file again" in html_of(response)


# --- duplicate NIK --------------------------------------------------------------------


def test_staff_are_warned_of_another_applicant_with_the_same_nik(grants_on, officials):
    program = make_program(grants_on, officials["admin"], kind="bansos")
    first = make_applicant("Siti Rahmawati", kind="individual")
    second = make_applicant("Siti R.", kind="individual")  # same NIK (factory)
    proposal = make_proposal(program, second)
    staff = host_client(HOST, officials["tata_usaha"])
    html = html_of(staff.get(f"/grants/staff/proposals/{proposal.pk}/"))
    warning = re.search(r'<article class="nik-warning".*?</article>', html, re.S)
    assert warning, "no NIK warning"
    assert mask_nik(NIK) in warning.group(0) and NIK not in warning.group(0)
    assert "Siti Rahmawati" in warning.group(0)
    assert first.pk != second.pk


def test_staff_are_warned_when_the_nik_already_got_a_grant_this_year(
    grants_on, officials
):
    user = make_applicant("Siti Rahmawati", kind="individual")
    granted = disbursed(grants_on, officials, user)
    program = make_program(grants_on, officials["admin"], kind="bansos")
    again = make_proposal(program, user)
    staff = host_client(HOST, officials["tata_usaha"])
    html = html_of(staff.get(f"/grants/staff/proposals/{again.pk}/"))
    warning = re.search(r'<article class="nik-warning".*?</article>', html, re.S)
    assert warning and granted.reference in warning.group(0)


def test_no_nik_warning_for_a_unique_nik_or_an_organisation(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    proposal = make_proposal(program, make_applicant("Yayasan Unik"))
    person = make_applicant("Budi", kind="individual", nik="3273010101900099")
    single = make_proposal(program, person)
    staff = host_client(HOST, officials["tata_usaha"])
    for p in (proposal, single):
        html = html_of(staff.get(f"/grants/staff/proposals/{p.pk}/"))
        assert "nik-warning" not in html


def test_mask_nik_keeps_only_the_ends():
    assert mask_nik(NIK) == "3273 **** **** 0001"
    assert mask_nik("12") == "****"


# --- unique element ids on the main pages --------------------------------------------


def test_main_pages_have_unique_element_ids(grants_on, officials):
    program = make_program(grants_on, officials["admin"], name="Hibah Id Unik")
    user, applicant = applicant_client()
    draft = make_proposal(program, user, submit=False)
    waiting = make_proposal(program, make_applicant("Yayasan Menunggu"))
    waiting = through_review(grants_on, officials, waiting, 5_000_000)
    assert waiting.status == "awaiting_approval"
    # One member who may take several steps: several forms with a note.
    boss = officials["admin"]
    give_roles(boss, grants_on, *GrantRole.values)
    staff = host_client(HOST, boss)
    anonymous = host_client(HOST)
    pages = {
        "applicant home": applicant.get("/grants/my/"),
        "profile": applicant.get("/grants/my/profile/"),
        "new proposal": applicant.get(f"/grants/my/programs/{program.pk}/apply/"),
        "draft": applicant.get(f"/grants/my/proposals/{draft.pk}/"),
        "staff proposal": staff.get(f"/grants/staff/proposals/{waiting.pk}/"),
        "staff program": staff.get(f"/grants/staff/programs/{program.pk}/"),
        "portal": anonymous.get("/grants/"),
        "program": anonymous.get(f"/grants/programs/{program.pk}/"),
        "proposals": anonymous.get("/grants/proposals/"),
        "proposal": anonymous.get(f"/grants/proposals/{waiting.pk}/"),
        "report form": anonymous.get(f"/grants/proposals/{waiting.pk}/report/"),
        "program report": anonymous.get(f"/grants/programs/{program.pk}/report/"),
        "report lookup": anonymous.get("/grants/reports/"),
        "not found": anonymous.get("/grants/reports/ABCDEFGHJK/"),
    }
    staff_html = html_of(pages["staff proposal"])
    assert staff_html.count('name="note"') >= 2  # approve and reject both ask
    found = {}
    for name, response in pages.items():
        assert response.status_code in (200, 404), name
        duplicates = duplicate_ids(html_of(response))
        if duplicates:
            found[name] = duplicates
    assert not found, found


def test_platform_and_dashboard_pages_have_unique_element_ids(grants_on, officials):
    connection.set_schema_to_public()
    platform = host_client("localhost")
    pages = {
        "landing": platform.get("/"),
        "catalog": platform.get("/catalog/"),
        "organisations": platform.get("/organisations/"),
        "login": platform.get("/accounts/login/"),
        "signup": platform.get("/accounts/signup/"),
        "tenant home": host_client(HOST).get("/"),
        "dashboard": host_client(HOST, officials["admin"]).get("/dashboard/"),
    }
    found = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        duplicates = duplicate_ids(html_of(response))
        if duplicates:
            found[name] = duplicates
    assert not found, found


def test_the_id_check_finds_duplicates():
    assert duplicate_ids('<p id="a"></p><input id="a">') == ["a"]
    assert duplicate_ids('<p id="a"></p><template><p id="a"></p></template>') == []


def test_staff_step_forms_still_work_with_their_own_ids(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    proposal = make_proposal(program, make_applicant("Yayasan Langkah"))
    proposal = through_review(grants_on, officials, proposal, 5_000_000)
    staff = host_client(HOST, officials[GrantRole.KEPALA_DAERAH])
    html = html_of(staff.get(f"/grants/staff/proposals/{proposal.pk}/"))
    assert 'id="id_approve_note"' in html and 'for="id_approve_note"' in html
    assert 'id="id_reject_approval_note"' in html
    response = staff.post(
        f"/grants/staff/proposals/{proposal.pk}/approve/",
        {"amount": "5000000", "note": "Disetujui"},
    )
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == "approved"


# --- friendly 404 and 403 on every host -------------------------------------------------


@pytest.mark.parametrize(
    "host,path",
    [
        ("localhost", "/tidak-ada/"),
        (HOST, "/tidak-ada/"),
        (HOST, "/grants/proposals/999999/"),
        ("tidak-ada.localhost", "/"),
        ("tidak-ada.localhost", "/grants/reports/ABCDEFGHJK/"),
    ],
)
def test_not_found_pages_are_friendly_on_every_host(grants_on, host, path, settings):
    assert not settings.DEBUG
    connection.set_schema_to_public()
    response = host_client(host).get(path)
    html = html_of(response)
    assert response.status_code == 404
    assert "Traceback" not in html and "technical" not in html.lower()
    assert "<main" in html and 'href="/"' in html or "Go to BagiPakai" in html
    assert 'role="search"' in html or "Find an organisation" in html
    assert not duplicate_ids(html)


def test_a_wrong_tracking_code_offers_the_lookup_again(grants_on):
    response = host_client(HOST).get("/grants/reports/ABCDEFGHJK/")
    html = html_of(response)
    assert response.status_code == 404
    assert "No report has the tracking code ABCDEFGHJK" in html
    assert 'action="/grants/reports/"' in html
    assert response["Cache-Control"] == "private, no-store"


def test_forbidden_page_is_friendly_on_the_platform_too(platform):
    someone = host_client("localhost", make_user("bukan.operator@example.test"))
    response = someone.get("/operator/verification/")
    html = html_of(response)
    assert response.status_code in (403, 404)
    assert "Traceback" not in html and 'href="/"' in html


def test_forbidden_page_is_friendly(grants_on, tangerang_admin):
    response = host_client(HOST).get("/grants/staff/")
    assert response.status_code == 302  # anonymous: to the sign-in page
    outsider = host_client(HOST, make_user("orang.luar@example.test"))
    response = outsider.get("/grants/staff/")
    html = html_of(response)
    assert response.status_code == 403
    assert "You do not have access to this page" in html
    assert "Back to the home page" in html and "Traceback" not in html


# --- citizen reports about a program, with a photo -----------------------------------


def jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    exif[0x0131] = "Firmware 1.2"  # Software
    gps = {1: "S", 2: (6.0, 54.0, 7.2), 3: "E", 4: (107.0, 36.0, 32.4)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def report_client():
    client = host_client(HOST)
    client.defaults["REMOTE_ADDR"] = "203.0.113.9"
    return client


def test_citizen_reports_about_a_program_with_a_photo_stripped_of_gps(
    grants_on, officials
):
    program = make_program(grants_on, officials["admin"], name="Hibah Dilaporkan")
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = report_client().post(
        f"/grants/programs/{program.pk}/report/",
        {
            "message": "Pengumuman program tidak pernah dipasang di kelurahan.",
            "photo": SimpleUploadedFile("IMG_0001.jpg", original, "image/jpeg"),
        },
    )
    assert response.status_code == 302, html_of(response)[:3000]
    report = CitizenReport.objects.get()
    assert report.program_id == program.pk and report.proposal_id is None
    assert report.photo_content_type == "image/jpeg"
    assert report.photo.name.endswith(".jpg") and "IMG_0001" not in report.photo.name
    with report.photo.open("rb") as stored:
        content = stored.read()
    stored_image = Image.open(io.BytesIO(content))
    assert stored_image.size == (64, 48)
    assert not stored_image.getexif()
    assert b"KameraRahasia" not in content and b"GPS" not in content

    # The tracking page: the sender's text, no photo.
    track = html_of(report_client().get(response["Location"]))
    assert "Pengumuman program tidak pernah dipasang" in track
    assert "Hibah Dilaporkan" in track
    assert "<img" not in track.split("<main", 1)[1]
    # Staff see the photo; nobody else does.
    photo_url = f"/grants/staff/reports/{report.pk}/photo/"
    staff = host_client(HOST, officials["opd"])
    detail = html_of(staff.get(f"/grants/staff/reports/{report.pk}/"))
    assert photo_url in detail and "Hibah Dilaporkan" in detail
    assert "Hibah Dilaporkan" in html_of(staff.get("/grants/staff/reports/"))
    photo = staff.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content) == content
    assert host_client(HOST).get(photo_url).status_code in (302, 403, 404)
    public = html_of(host_client(HOST).get(f"/grants/programs/{program.pk}/"))
    assert photo_url not in public and report.photo.name not in public


def test_report_about_a_draft_program_is_404(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    Program.objects.filter(pk=program.pk).update(status="draft")
    assert (
        report_client().get(f"/grants/programs/{program.pk}/report/").status_code == 404
    )


@pytest.mark.parametrize(
    "content,error",
    [
        (b"%PDF-1.4 pretending to be a photo", "not a JPEG, PNG or WebP photo"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "not a JPEG, PNG or WebP photo"),
        (b"", "The submitted file is empty"),
    ],
)
def test_fake_photos_are_refused_with_the_text_kept(
    grants_on, officials, content, error
):
    program = make_program(grants_on, officials["admin"])
    response = report_client().post(
        f"/grants/programs/{program.pk}/report/",
        {
            "message": "Teks yang harus tetap ada.",
            "photo": SimpleUploadedFile("foto.jpg", content, "image/jpeg"),
        },
    )
    html = html_of(response)
    assert response.status_code == 400
    assert error in html
    assert "Teks yang harus tetap ada." in html
    assert "choose it again" in html
    assert not CitizenReport.objects.exists()


def test_oversized_photo_is_refused(grants_on, officials, settings):
    settings.MAX_PHOTO_UPLOAD_BYTES = 1000
    program = make_program(grants_on, officials["admin"])
    response = report_client().post(
        f"/grants/programs/{program.pk}/report/",
        {
            "message": "Foto terlalu besar.",
            "photo": SimpleUploadedFile("besar.jpg", jpeg_with_gps((400, 400))),
        },
    )
    assert response.status_code == 400
    assert "larger than" in html_of(response)
    assert not CitizenReport.objects.exists()


def test_control_characters_in_a_report_are_refused(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    response = report_client().post(
        f"/grants/programs/{program.pk}/report/",
        {"message": "ada\x00nul\x07", "reporter_name": "Budi\x1b"},
    )
    assert response.status_code == 400
    assert not CitizenReport.objects.exists()


def test_report_service_refuses_both_or_neither_subject(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    with pytest.raises(ValueError):
        services.citizen_report_submit(message="x", client_ip="203.0.113.1")
    proposal = make_proposal(program, make_applicant("Yayasan Dua"))
    with pytest.raises(ValueError):
        services.citizen_report_submit(
            message="x", program=program, proposal=proposal, client_ip="203.0.113.1"
        )
    with pytest.raises(TypeError):
        services.citizen_report_submit(
            message="x", program=program, photo=b"raw", client_ip="203.0.113.1"
        )


def test_a_proposal_report_records_its_program(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    proposal = make_proposal(program, make_applicant("Yayasan Tiga"))
    report = services.citizen_report_submit(
        proposal=proposal, message="Laporan", client_ip="203.0.113.1"
    )
    assert report.program_id == program.pk and report.proposal_id == proposal.pk


def test_a_program_report_may_say_where_from_the_register(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    page = html_of(report_client().get(f"/grants/programs/{program.pk}/report/"))
    assert 'name="kecamatan_code"' in page and "js/places.js" in page
    where = place()
    response = report_client().post(
        f"/grants/programs/{program.pk}/report/",
        {"message": "Pengumuman tidak sampai ke RW kami.", **where},
    )
    assert response.status_code == 302, html_of(response)[:2000]
    report = CitizenReport.objects.get()
    assert report.kecamatan_code == where["kecamatan_code"]
    assert report.kelurahan == "Braga" and report.kecamatan == "Sumur Bandung"
    staff = host_client(HOST, officials["opd"])
    assert "Braga, Sumur Bandung" in html_of(
        staff.get(f"/grants/staff/reports/{report.pk}/")
    )


def test_a_wrong_place_on_a_program_report_is_a_field_error(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    response = report_client().post(
        f"/grants/programs/{program.pk}/report/",
        {
            "message": "Teks tetap ada.",
            "kecamatan_code": place()["kecamatan_code"],
            "kelurahan_code": "36.71.07.1003",  # Karawaci Baru, Kota Tangerang
        },
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "is not in" in html and "Teks tetap ada." in html
    assert not CitizenReport.objects.exists()


def test_a_proposal_report_asks_no_place(grants_on, officials):
    program = make_program(grants_on, officials["admin"])
    proposal = make_proposal(program, make_applicant("Yayasan Tempat"))
    page = html_of(report_client().get(f"/grants/proposals/{proposal.pk}/report/"))
    assert 'name="kecamatan_code"' not in page


def test_a_refused_form_token_gets_the_friendly_page(grants_on):
    """A form sent without its security token (expired, or from another site):
    the friendly 403 that says what to do, never Django's plain page."""
    from django.test import Client

    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@b.test", "password": "x"})
    html = html_of(response)
    assert response.status_code == 403
    assert "reload the page and send it again" in html
    assert "Back to the home page" in html and "CSRF verification failed" not in html
