"""The operator verification desk, verification requests, and the platform log of
operators' actions (issue 11)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.urls.exceptions import NoReverseMatch

from tenants import services
from tenants.models import PlatformEvent, VerificationRequest
from tenants.transparency import public_record, verify_stored
from tests.conftest import assert_statements, host_client
from tests.factories import make_tenant, make_user, prefer_english

pytestmark = pytest.mark.django_db

GARUT_HOST = "garut.localhost"


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def letter(name="surat.pdf", content=None):
    return SimpleUploadedFile(
        name, pdf_bytes() if content is None else content, "application/pdf"
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def verifier(platform):
    """A staff user holding only the verify permission (not a superuser)."""
    user = make_user(
        "verifier@bagipakai.test", is_staff=True, full_name="Sari Operator"
    )
    user.user_permissions.add(Permission.objects.get(codename="verify_tenant"))
    return user


@pytest.fixture
def staff_without_permission(platform):
    return make_user("helpdesk@bagipakai.test", is_staff=True)


@pytest.fixture
def superuser(platform):
    return make_user(
        "root@bagipakai.test",
        is_staff=True,
        is_superuser=True,
        full_name="Root Operator",
    )


@pytest.fixture
def garut_admin(platform):
    return make_user("kominfo@garutkab.go.id")


@pytest.fixture
def garut(garut_admin):
    return make_tenant(
        "garut",
        "Pemerintah Kabupaten Garut",
        kind="kabupaten",
        province="32",
        region_code="32.05",
        admin=garut_admin,
    )


@pytest.fixture
def garut_request(garut, garut_admin):
    return services.verification_request_create(
        actor=garut_admin, tenant=garut, letter=letter(), note="Hubungi Dinas Kominfo."
    )


def desk_urls(request_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/operator/verification/"),
        ("get", f"/operator/verification/{request_id}/"),
        ("get", f"/operator/verification/{request_id}/letter/"),
        ("post", f"/operator/verification/{request_id}/verify/"),
        ("post", f"/operator/verification/{request_id}/refuse/"),
        # Organisations' archives (tenants.export_tenant): an id that may not
        # exist is refused before it is looked up.
        ("get", "/operator/archives/"),
        ("post", "/operator/archives/"),
        ("get", f"/operator/archives/{request_id}/download/"),
        ("get", f"/operator/archives/{request_id}/file/"),
    ]


# --- who may use the desk ------------------------------------------------------------


def test_every_desk_url_is_listed_here():
    from tenants import urls_platform

    names = {p.name for p in urls_platform.urlpatterns if p.name.startswith("desk_")}
    assert names == {
        "desk_queue",
        "desk_request",
        "desk_letter",
        "desk_verify",
        "desk_refuse",
        "desk_archives",
        "desk_archive_download",
        "desk_archive_file",
    }


def test_desk_sends_anonymous_visitors_to_sign_in(garut_request):
    client = host_client("localhost")
    for method, url in desk_urls(garut_request.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    garut_request.refresh_from_db()
    assert garut_request.is_pending


@pytest.mark.parametrize("who", ["tenant_admin", "staff_without_permission"])
def test_desk_refuses_tenant_admins_and_staff_without_the_permission(
    who, garut_request, garut_admin, staff_without_permission
):
    user = garut_admin if who == "tenant_admin" else staff_without_permission
    client = host_client("localhost", user)
    for method, url in desk_urls(garut_request.pk):
        response = getattr(client, method)(url, {"refuse-reason": "x"})
        assert response.status_code == 403, url
    garut_request.refresh_from_db()
    assert garut_request.is_pending
    assert not PlatformEvent.objects.exists()


def test_desk_is_not_served_on_tenant_hosts(garut_request, verifier):
    client = host_client(GARUT_HOST, verifier)
    assert client.get("/operator/verification/").status_code == 404
    assert (
        client.get(f"/operator/verification/{garut_request.pk}/letter/").status_code
        == 404
    )


def test_operator_with_the_permission_uses_every_page(garut_request, verifier):
    client = host_client("localhost", verifier)
    assert client.get("/operator/verification/").status_code == 200
    assert client.get(f"/operator/verification/{garut_request.pk}/").status_code == 200
    download = client.get(f"/operator/verification/{garut_request.pk}/letter/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_unknown_or_hostile_request_ids_are_404(verifier):
    client = host_client("localhost", verifier)
    assert client.get("/operator/verification/999999/").status_code == 404
    assert client.get("/operator/verification/999999/letter/").status_code == 404
    assert client.get("/operator/verification/99999999999999999999/").status_code == 404
    assert client.get("/operator/verification/?page=-1").status_code == 200
    assert client.get("/operator/verification/?page=abc").status_code == 200


def test_letters_are_not_under_a_public_url(garut_request):
    # Under the tenant's own prefix, in its private area (goes with the tenant).
    assert garut_request.letter.name.startswith(
        f"tenants/{garut_request.tenant.schema_name}/verification/"
    )
    anonymous = host_client("localhost")
    assert anonymous.get(f"/media/{garut_request.letter.name}").status_code == 404
    assert (
        host_client(GARUT_HOST).get(f"/media/{garut_request.letter.name}").status_code
        == 404
    )


# --- the tenant asks -------------------------------------------------------------------


def test_tenant_admin_asks_for_verification_and_operators_are_emailed(
    garut,
    garut_admin,
    verifier,
    staff_without_permission,
    superuser,
    media,
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    prefer_english(verifier, superuser)
    inactive = make_user("gone@bagipakai.test", is_staff=True, is_active=False)
    inactive.user_permissions.add(Permission.objects.get(codename="verify_tenant"))
    client = host_client(GARUT_HOST, garut_admin)
    page = client.get("/dashboard/verification/")
    assert page.status_code == 200 and "Ask for verification" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/verification/",
            {"letter": letter(), "note": "Kontak: 0262-123"},
        )
    assert response.status_code == 302
    request = VerificationRequest.objects.get(tenant=garut)
    assert request.is_pending and request.requested_by == garut_admin
    assert request.note == "Kontak: 0262-123"
    assert len(stored_files(media)) == 1
    # Pending on the tenant's side (its page and its dashboard).
    html = client.get("/dashboard/verification/").content.decode()
    assert "Awaiting the operators" in html and "Send the request" not in html
    assert (
        "Your request is with the operators"
        in client.get("/dashboard/").content.decode()
    )
    # Active operators who may verify, and only them.
    # One e-mail each (in each one's language), on the platform host.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "root@bagipakai.test",
        "verifier@bagipakai.test",
    ]
    for message in mail.outbox:
        assert message.subject.startswith("[BagiPakai] ")
        assert "Kabupaten Garut" in message.subject
        link = f"http://localhost/operator/verification/{request.pk}/"
        assert link in message.body
    assert (
        host_client("localhost", verifier)
        .get(f"/operator/verification/{request.pk}/")
        .status_code
        == 200
    )
    # And in the operators' notification log on the platform host.
    log = host_client("localhost", verifier).get("/dashboard/notifications/")
    assert "Verification requested: Kabupaten Garut" in log.content.decode()


@pytest.mark.parametrize(
    "name,content,error",
    [
        ("surat.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "not a PDF"),
        ("surat.pdf", b"MZ\x90\x00 windows program", "not a PDF"),
        ("surat.pdf", b"%PDF-1.4\nnot really a pdf at all\n", "cannot be read"),
        ("surat.pdf", b"", "empty"),
    ],
)
def test_a_letter_that_is_not_a_pdf_is_refused_and_nothing_is_saved(
    garut, garut_admin, media, name, content, error
):
    from django.core import mail

    client = host_client(GARUT_HOST, garut_admin)
    response = client.post(
        "/dashboard/verification/",
        {
            "letter": SimpleUploadedFile(name, content, "application/pdf"),
            "note": "Catatan saya",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert "Catatan saya" in html  # what the admin typed is kept
    assert not VerificationRequest.objects.exists()
    assert stored_files(media) == []
    assert mail.outbox == []


def test_an_oversized_letter_is_refused(garut, garut_admin, media, settings):
    settings.MAX_PDF_UPLOAD_BYTES = 1024
    response = host_client(GARUT_HOST, garut_admin).post(
        "/dashboard/verification/", {"letter": letter(content=pdf_bytes(pages=30))}
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not VerificationRequest.objects.exists() and stored_files(media) == []


def test_hostile_note_is_a_form_error(garut, garut_admin):
    response = host_client(GARUT_HOST, garut_admin).post(
        "/dashboard/verification/",
        {"letter": letter(), "note": "a\x00b" + "x" * 2000},
    )
    assert response.status_code == 400
    assert not VerificationRequest.objects.exists()


def test_a_second_request_while_one_is_pending_is_refused(garut_request, garut_admin):
    with pytest.raises(ValidationError, match="already with the operators"):
        services.verification_request_create(
            actor=garut_admin, tenant=garut_request.tenant, letter=letter()
        )
    assert VerificationRequest.objects.count() == 1


def test_members_who_are_not_admins_cannot_ask(garut):
    staff = make_user("staf@garutkab.go.id", tenant=garut, role="staff")
    client = host_client(GARUT_HOST, staff)
    page = client.get("/dashboard/verification/")
    assert page.status_code == 200 and "Send the request" not in page.content.decode()
    assert (
        client.post("/dashboard/verification/", {"letter": letter()}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        services.verification_request_create(actor=staff, tenant=garut, letter=letter())
    assert not VerificationRequest.objects.exists()


def test_admin_of_another_tenant_cannot_see_or_ask_for_it(
    garut_request, tangerang, tangerang_admin, media
):
    files_before = stored_files(media)
    other = host_client(GARUT_HOST, tangerang_admin)
    assert other.get("/dashboard/verification/").status_code == 403
    assert (
        other.post("/dashboard/verification/", {"letter": letter()}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        services.verification_request_create(
            actor=tangerang_admin, tenant=garut_request.tenant, letter=letter()
        )
    # On its own host it sees only its own requests (none).
    own = host_client("tangerang.localhost", tangerang_admin).get(
        "/dashboard/verification/"
    )
    assert own.status_code == 200
    assert "Hubungi" not in own.content.decode()
    assert "Awaiting the operators" not in own.content.decode()
    assert VerificationRequest.objects.count() == 1
    assert stored_files(media) == files_before


# --- the queue and the evidence ------------------------------------------------------


def ask(n: int):
    admin = make_user(f"admin{n}@lembaga{n}.test")
    tenant = make_tenant(
        f"lembaga{n}",
        f"Balai Data Nomor {n}",
        kind="lembaga",
        region_code="",
        province="32",
        admin=admin,
    )
    services.verification_request_create(actor=admin, tenant=tenant, letter=letter())
    return tenant


def test_queue_lists_pending_requests_oldest_first_with_pinned_queries(
    verifier, platform
):
    from datetime import timedelta

    from django.utils import timezone

    tenants = [ask(n) for n in range(3)]
    # The first one asked last.
    VerificationRequest.objects.filter(tenant=tenants[0]).update(
        created_at=timezone.now() + timedelta(hours=1)
    )
    client = host_client("localhost", verifier)
    client.get("/operator/verification/")  # warm up (session, permissions)
    # Session, user, the user's permissions (2), the paginator's count, one page
    # of requests with their tenants and first admins, the menu's count, the
    # header's unread notifications.
    with assert_statements(8):
        html = client.get("/operator/verification/").content.decode()
    positions = [html.index(f"Balai Data Nomor {n}") for n in (1, 2, 0)]
    assert positions == sorted(positions)
    assert "3 organisations are waiting" in html
    # The same for more rows.
    ask(3)
    ask(4)
    with assert_statements(8):
        html = client.get("/operator/verification/").content.decode()
    assert "5 organisations are waiting" in html


def test_queue_is_paginated(verifier, platform, monkeypatch):
    from tenants import views_operator

    monkeypatch.setattr(views_operator, "QUEUE_PAGE_SIZE", 1)
    ask(0)
    ask(1)
    client = host_client("localhost", verifier)
    first = client.get("/operator/verification/").content.decode()
    second = client.get("/operator/verification/?page=2").content.decode()
    assert "Balai Data Nomor 0" in first and "Balai Data Nomor 1" not in first
    assert "Balai Data Nomor 1" in second and "Page 2 of 2" in second


def test_request_page_shows_the_evidence(garut_request, bandung, verifier):
    # Another organisation of the same region (one tenant per government code,
    # so an institution seated there), with a similar name.
    make_tenant(
        "garut2",
        "Pemkab Garut",
        kind="lembaga",
        seat_region_code="32.05",
    )
    client = host_client("localhost", verifier)
    html = client.get(f"/operator/verification/{garut_request.pk}/").content.decode()
    assert "Same region code" in html and "Pemkab Garut" in html
    assert "Similar names" in html
    assert "Kota Bandung" not in html  # not similar, other region
    assert "kominfo@garutkab.go.id" in html
    assert "government address (.go.id)" in html
    assert "the domain names this region" in html
    assert f"/operator/verification/{garut_request.pk}/letter/" in html
    assert "Hubungi Dinas Kominfo." in html


def test_email_domain_evidence_flags_non_government_and_other_regions(garut):
    from tenants.selectors import email_domain_evidence

    gmail = email_domain_evidence("someone@gmail.com", garut)
    assert (gmail["government"], gmail["matches_region"]) == (False, False)
    other = email_domain_evidence("it@bandung.go.id", garut)
    assert (other["government"], other["matches_region"]) == (True, False)
    own = email_domain_evidence("it@garutkab.go.id", garut)
    assert (own["government"], own["matches_region"]) == (True, True)
    assert email_domain_evidence(None, garut)["domain"] == ""


def test_menu_shows_the_desk_with_its_count_to_operators_only(
    garut_request, verifier, staff_without_permission, garut_admin
):
    html = host_client("localhost", verifier).get("/").content.decode()
    assert "Verification desk (1)" in html
    for user in (staff_without_permission, garut_admin, None):
        assert (
            "Verification desk"
            not in host_client("localhost", user).get("/").content.decode()
        )


# --- deciding ------------------------------------------------------------------------------


def test_verify_emails_the_admins_writes_the_log_and_shows_on_the_home_page(
    garut_request, garut, garut_admin, verifier, django_capture_on_commit_callbacks
):
    from django.core import mail

    co_admin = make_user("sekda@garutkab.go.id", tenant=garut, role="admin")
    make_user("staf@garutkab.go.id", tenant=garut, role="staff")
    prefer_english(co_admin, garut_admin)
    client = host_client("localhost", verifier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/operator/verification/{garut_request.pk}/verify/",
            {"verify-reason": "", "verify-note": "Ditelepon 4 Des, cocok."},
        )
    assert response.status_code == 302
    garut.refresh_from_db()
    assert garut.is_verified and garut.verified_by == verifier
    garut_request.refresh_from_db()
    assert garut_request.status == "verified"
    assert garut_request.decided_by_label == "Sari Operator"
    event = PlatformEvent.objects.get()
    assert event.kind == "tenant_verified"
    assert event.actor_id == verifier.pk and event.actor_label == "Sari Operator"
    assert (event.tenant_id, event.tenant_slug, event.tenant_name) == (
        garut.pk,
        "garut",
        "Kabupaten Garut",
    )
    assert event.reason.startswith("Checked against the official register")
    assert event.details["region_code"] == "32.05"
    # The private note is kept, never published.
    assert event.private == {"note": "Ditelepon 4 Des, cocok."}
    assert "Ditelepon" not in str(public_record(event))
    assert verify_stored().ok
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [co_admin.email, garut_admin.email]
    )
    for message in mail.outbox:
        assert "is verified" in message.subject
        assert "http://garut.localhost/dashboard/verification/" in message.body
    page = host_client(GARUT_HOST, garut_admin).get("/dashboard/verification/")
    assert page.status_code == 200
    home = host_client(GARUT_HOST).get("/").content.decode()
    assert "Verified by the platform operators on" in home
    assert f"entry #{event.seq}" in home


def test_refuse_needs_a_reason(garut_request, verifier):
    client = host_client("localhost", verifier)
    response = client.post(
        f"/operator/verification/{garut_request.pk}/refuse/",
        {"refuse-reason": "  ", "refuse-note": "catatan"},
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert "catatan" in response.content.decode()
    garut_request.refresh_from_db()
    assert garut_request.is_pending and not PlatformEvent.objects.exists()
    with pytest.raises(ValidationError, match="Give the reason"):
        services.tenant_refuse_verification(
            actor=verifier, tenant=garut_request.tenant, reason=" "
        )


def test_refuse_emails_the_reason_logs_it_and_lets_the_tenant_ask_again(
    garut_request, garut, garut_admin, verifier, django_capture_on_commit_callbacks
):
    from django.core import mail

    reason = "Surat tidak ditandatangani pejabat yang berwenang."
    prefer_english(garut_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = host_client("localhost", verifier).post(
            f"/operator/verification/{garut_request.pk}/refuse/",
            {"refuse-reason": reason, "refuse-note": "Nomor telepon tidak aktif."},
        )
    assert response.status_code == 302
    garut.refresh_from_db()
    assert not garut.is_verified
    garut_request.refresh_from_db()
    assert (garut_request.status, garut_request.decision_reason) == ("refused", reason)
    event = PlatformEvent.objects.get()
    assert (event.kind, event.actor_label, event.reason) == (
        "tenant_refused",
        "Sari Operator",
        reason,
    )
    assert (event.tenant_slug, event.tenant_name) == ("garut", garut.name)
    assert "Nomor telepon" not in str(public_record(event))
    assert [m.to for m in mail.outbox] == [[garut_admin.email]]
    assert reason in mail.outbox[0].body and "refused" in mail.outbox[0].subject
    assert "http://garut.localhost/dashboard/verification/" in mail.outbox[0].body
    # The tenant sees why, and may ask again.
    client = host_client(GARUT_HOST, garut_admin)
    page = client.get("/dashboard/verification/").content.decode()
    assert reason in page and "Send the request" in page
    assert "Nomor telepon" not in page  # the operators' private note
    assert (
        client.post("/dashboard/verification/", {"letter": letter()}).status_code == 302
    )
    assert VerificationRequest.objects.filter(tenant=garut).count() == 2
    # The desk shows the tenant's history on the new request.
    new = VerificationRequest.objects.get(tenant=garut, status="pending")
    html = (
        host_client("localhost", verifier)
        .get(f"/operator/verification/{new.pk}/")
        .content.decode()
    )
    assert reason in html and "Refused" in html
    assert "Nomor telepon tidak aktif." in html  # operators read their own notes


def test_deciding_twice_is_refused_without_a_second_entry(garut_request, verifier):
    services.tenant_verify(actor=verifier, tenant=garut_request.tenant)
    client = host_client("localhost", verifier)
    response = client.post(
        f"/operator/verification/{garut_request.pk}/refuse/",
        {"refuse-reason": "Terlambat"},
    )
    assert response.status_code == 400
    assert "no pending verification request" in response.content.decode()
    assert PlatformEvent.objects.count() == 1


def test_staff_without_permission_cannot_decide_through_the_services(
    garut_request, staff_without_permission
):
    with pytest.raises(PermissionDenied):
        services.tenant_verify(
            actor=staff_without_permission, tenant=garut_request.tenant
        )
    with pytest.raises(PermissionDenied):
        services.tenant_refuse_verification(
            actor=staff_without_permission, tenant=garut_request.tenant, reason="x"
        )
    assert not PlatformEvent.objects.exists()


def test_reverse_names_exist_only_on_the_platform_urlconf():
    assert (
        reverse("desk_queue", urlconf="config.urls_public") == "/operator/verification/"
    )
    with pytest.raises(NoReverseMatch):
        reverse("desk_queue", urlconf="config.urls_tenant")


def test_hostile_decision_input_is_a_form_error_and_logs_nothing(
    garut_request, verifier
):
    client = host_client("localhost", verifier)
    for data in (
        {"refuse-reason": "Ditolak\x00"},
        {"refuse-reason": "x" * 501},
        {"refuse-reason": "Alasan", "refuse-note": "n" * 2001},
        {"refuse-reason": ["a", "b"], "refuse-note": "\x07"},
    ):
        response = client.post(
            f"/operator/verification/{garut_request.pk}/refuse/", data
        )
        assert response.status_code == 400, data
    assert (
        client.get(f"/operator/verification/{garut_request.pk}/verify/").status_code
        == 405
    )
    garut_request.refresh_from_db()
    assert garut_request.is_pending and not PlatformEvent.objects.exists()


def test_request_page_shows_the_register_entry_the_code_names(
    garut_request, verifier, platform
):
    client = host_client("localhost", verifier)
    html = client.get(f"/operator/verification/{garut_request.pk}/").content.decode()
    assert "Kabupaten Garut" in html and "32.05" in html
    assert "matches" in html and "differs from" not in html
    # A government's name is the register's (tenants/register.py), so it always
    # matches; what the desk must weigh is who asks: here a non-government address.
    admin = make_user("it@palsu.test")
    impostor = make_tenant("bogor-palsu", kind="kota", region_code="32.71", admin=admin)
    request = services.verification_request_create(
        actor=admin, tenant=impostor, letter=letter()
    )
    html = client.get(f"/operator/verification/{request.pk}/").content.decode()
    assert "Kota Bogor" in html and "matches" in html
    assert "differs from the name given" not in html
    assert "not a government address" in html


def test_register_evidence_for_unknown_codes_and_institutions(garut):
    from tenants.selectors import register_evidence

    garut.region_code = "99.99"
    assert register_evidence(garut)["region"] is None
    garut.kind, garut.region_code = "lembaga", "32.05"
    evidence = register_evidence(garut)
    assert evidence["region"].code == "32.05" and not evidence["government"]
