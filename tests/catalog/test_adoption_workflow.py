"""Adopting an app across two tenants, through HTTP, with the agreement recorded."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from catalog.models import Adoption, AdoptionEvent, Agreement
from tests.catalog.conftest import make_agreement, verify
from tests.conftest import host_client
from tests.factories import prefer_english

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def post(client, path, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


@pytest.fixture
def tangerang_client(tangerang, tangerang_admin):
    return host_client("tangerang.localhost", tangerang_admin)


@pytest.fixture
def bandung_client(bandung, bandung_admin):
    return host_client("bandung.localhost", bandung_admin)


APPROVAL = {
    "kind": "mou",
    "number": "119/PKS.01-Bag.Kerjasama/XI/2017",
    "title": "Nota Kesepahaman penggunaan aplikasi Sabilulungan",
    "signed_on": "2017-11-01",
    "signed_at_place": "Balai Kota Bandung",
    "valid_from": "2017-11-01",
    "valid_until": "2027-11-01",
    "first_signatory": "Wali Kota Bandung",
    "second_signatory": "Wali Kota Tangerang",
    "note": "Selamat bergabung",
}


def request_adoption(client):
    response = post(
        client,
        "/apps/adopt/sabilulungan/",
        {
            "purpose": "Hibah dan bansos terbuka",
            "contact_name": "Dinas Kominfo",
            "contact_email": "kominfo@tangerang.test",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Adoption.objects.get(
        app__slug="sabilulungan", adopter__slug="tangerang", status="requested"
    )


def test_full_adoption_of_a_hosted_app(
    sabilulungan,
    tangerang,
    tangerang_client,
    bandung_client,
    tangerang_admin,
    bandung_admin,
):
    # Before adoption Sabilulungan does not exist in Tangerang.
    gate = tangerang_client.get("/grants/")
    assert gate.status_code == 404
    assert (
        "Sabilulungan" in gate.content.decode()
        and "/apps/adopt/sabilulungan/" in gate.content.decode()
    )

    prefer_english(tangerang_admin, bandung_admin)
    adoption = request_adoption(tangerang_client)
    # Each side's administrators, with a link to the adoption on their own host.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert {tangerang_admin.email, bandung_admin.email} <= set(by_address)
    for user, host in ((tangerang_admin, "tangerang"), (bandung_admin, "bandung")):
        link = f"http://{host}.localhost/apps/adoptions/{adoption.pk}/"
        assert link in by_address[user.email].body
        assert (
            host_client(f"{host}.localhost", user).get(urlsplit(link).path).status_code
            == 200
        )
    contact = by_address["kominfo@tangerang.test"]
    assert "asked to adopt" in contact.body or "mengajukan" in contact.body

    incoming = bandung_client.get("/apps/").content.decode()
    assert f"/apps/adoptions/{adoption.pk}/" in incoming
    page = bandung_client.get(f"/apps/adoptions/{adoption.pk}/").content.decode()
    assert "Approve under this agreement" in page

    document = SimpleUploadedFile("mou.pdf", PDF, content_type="application/pdf")
    response = post(
        bandung_client,
        f"/apps/adoptions/{adoption.pk}/approve/",
        {**APPROVAL, "document": document},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    adoption.refresh_from_db()
    assert adoption.status == "approved"
    agreement = adoption.agreement
    assert {agreement.first_party.slug, agreement.second_party.slug} == {
        "bandung",
        "tangerang",
    }
    assert (
        agreement.signed_at_place == "Balai Kota Bandung"
        and agreement.document.name.endswith(".pdf")
    )
    assert (
        "approved" in mail.outbox[-1].subject.lower()
        or "Approved" in mail.outbox[-1].body
    )

    # Approved with a new agreement: it waits for Tangerang to confirm it, and
    # until then the app cannot be switched on.
    assert agreement.state == "awaiting" and agreement.awaiting_party == tangerang
    assert adoption.waits_for_agreement
    release = sabilulungan.releases.create(version="3.4", released_on="2025-08-01")
    activate = {"usage": "production", "release": release.pk}
    response = post(
        tangerang_client, f"/apps/adoptions/{adoption.pk}/activate/", activate
    )
    assert response.status_code == 400
    assert "must be confirmed by both parties" in response.content.decode()
    page = tangerang_client.get(f"/apps/adoptions/{adoption.pk}/").content.decode()
    assert "waiting for Kota Tangerang to confirm the agreement" in page
    assert tangerang_client.get("/grants/").status_code == 404

    # Tangerang's admins got a direct link to the agreement on their own host.
    ask = next(m for m in mail.outbox if "Please confirm" in m.subject)
    assert tangerang_admin.email in ask.to
    assert not any(address.endswith("@bandung.test") for address in ask.to)
    link = re.search(r"https?://\S+", ask.body).group(0)
    parts = urlsplit(link)
    assert parts.netloc == "tangerang.localhost"
    assert parts.path == f"/apps/agreements/{agreement.pk}/"
    confirm_page = tangerang_client.get(parts.path)
    assert confirm_page.status_code == 200
    # Not verified yet: Tangerang may look but not confirm.
    assert "Only verified organisations can confirm" in confirm_page.content.decode()
    post(tangerang_client, f"{parts.path}do/confirm/", {})
    agreement.refresh_from_db()
    assert agreement.state == "awaiting"
    verify(tangerang)
    assert (
        "Agreements to confirm" in tangerang_client.get("/dashboard/").content.decode()
    )
    response = post(tangerang_client, f"{parts.path}do/confirm/", {})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == "confirmed" and agreement.version == 1
    assert (
        "Agreements to confirm"
        not in tangerang_client.get("/dashboard/").content.decode()
    )
    confirmation = agreement.events.get(action="confirm")
    assert (
        confirmation.actor_id,
        confirmation.actor_name,
        confirmation.actor_tenant_id,
        confirmation.actor_tenant_name,
    ) == (
        tangerang_admin.pk,
        tangerang_admin.full_name or tangerang_admin.email,
        tangerang.pk,
        tangerang.name,
    )

    response = post(
        tangerang_client, f"/apps/adoptions/{adoption.pk}/activate/", activate
    )
    assert response.status_code == 302
    adoption.refresh_from_db()
    assert (adoption.status, adoption.usage, adoption.release) == (
        "active",
        "production",
        release,
    )

    # Later the adopter (only) says it is used as a pilot again.
    update = f"/apps/adoptions/{adoption.pk}/update/"
    refused = post(bandung_client, update, {"usage": "pilot", "release": release.pk})
    assert refused.status_code == 403
    assert (
        post(
            tangerang_client, update, {"usage": "pilot", "release": release.pk}
        ).status_code
        == 302
    )
    adoption.refresh_from_db()
    assert (adoption.status, adoption.usage) == ("active", "pilot")
    assert adoption.events.filter(action="update").exists()
    assert (
        tangerang_client.get(f"/apps/adoptions/{adoption.pk}/usage/").status_code == 404
    )

    # The module is on: its page and menu entry exist in Tangerang now.
    home = tangerang_client.get("/grants/staff/")
    assert home.status_code == 200 and agreement.number in home.content.decode()
    dashboard = tangerang_client.get("/dashboard/").content.decode()
    assert 'href="/grants/staff/"' in dashboard
    assert f"/apps/adoptions/{adoption.pk}/" in dashboard  # listed under "Apps in use"
    assert '<span class="done">Adopt an app' in dashboard
    detail = host_client("localhost").get("/catalog/sabilulungan/").content.decode()
    assert "Kota Tangerang" in detail and "Used by 1 organisation" in detail

    # Both parties can download the signed agreement; nobody else can.
    assert (
        tangerang_client.get(f"/apps/agreements/{agreement.pk}/document/").status_code
        == 200
    )
    assert (
        bandung_client.get(f"/apps/agreements/{agreement.pk}/document/").status_code
        == 200
    )

    response = post(
        bandung_client,
        f"/apps/adoptions/{adoption.pk}/end/",
        {"reason": "Masa perjanjian habis"},
    )
    assert response.status_code == 302
    adoption.refresh_from_db()
    assert adoption.status == "ended"
    # Ended: the module is off again, the record stays.
    assert tangerang_client.get("/grants/").status_code == 404
    assert (
        'href="/grants/staff/"'
        not in tangerang_client.get("/dashboard/").content.decode()
    )
    actions = list(
        AdoptionEvent.objects.filter(adoption=adoption).values_list(
            "action", "actor_id"
        )
    )
    assert actions == [
        ("request", tangerang_admin.pk),
        ("approve", bandung_admin.pk),
        ("activate", tangerang_admin.pk),
        ("update", tangerang_admin.pk),
        ("end", bandung_admin.pk),
    ]
    history = tangerang_client.get(f"/apps/adoptions/{adoption.pk}/").content.decode()
    assert "Masa perjanjian habis" in history
    # After it ended, a new request may start.
    request_adoption(tangerang_client)


def test_reject_needs_a_reason_and_is_recorded(
    sabilulungan, tangerang_client, bandung_client
):
    adoption = request_adoption(tangerang_client)
    response = bandung_client.post(
        f"/apps/adoptions/{adoption.pk}/reject/", {"reason": "   "}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    post(
        bandung_client,
        f"/apps/adoptions/{adoption.pk}/reject/",
        {"reason": "Belum ada anggaran"},
    )
    adoption.refresh_from_db()
    assert (
        adoption.status == "rejected"
        and adoption.decision_reason == "Belum ada anggaran"
    )
    assert "Belum ada anggaran" in mail.outbox[-1].body


def test_adopter_withdraws(sabilulungan, tangerang_client):
    adoption = request_adoption(tangerang_client)
    post(tangerang_client, f"/apps/adoptions/{adoption.pk}/withdraw/", {"reason": ""})
    adoption.refresh_from_db()
    assert adoption.status == "withdrawn"


def test_only_one_live_request_per_tenant_and_app(sabilulungan, tangerang_client):
    request_adoption(tangerang_client)
    again = tangerang_client.post(
        "/apps/adopt/sabilulungan/",
        {"purpose": "lagi", "contact_name": "X", "contact_email": "x@t.test"},
    )
    assert again.status_code == 200
    assert "already has a request or an adoption" in again.content.decode()
    assert 'value="X"' in again.content.decode()
    assert Adoption.objects.filter(app=sabilulungan).count() == 1


def test_approval_under_an_existing_agreement(
    sabilulungan, tangerang_client, bandung_client, bandung, tangerang
):
    mou = make_agreement(bandung, tangerang, kind="mou", number="MOU-LAMA")
    adoption = request_adoption(tangerang_client)
    post(
        bandung_client, f"/apps/adoptions/{adoption.pk}/approve/", {"existing": mou.pk}
    )
    adoption.refresh_from_db()
    assert adoption.status == "approved" and adoption.agreement == mou
    assert Agreement.objects.filter(adoptions=adoption).count() == 1


def test_approval_cannot_use_an_agreement_with_someone_else(
    sabilulungan, tangerang_client, bandung_client, bandung, third
):
    other = make_agreement(bandung, third)
    adoption = request_adoption(tangerang_client)
    response = bandung_client.post(
        f"/apps/adoptions/{adoption.pk}/approve/", {"existing": other.pk}
    )
    assert response.status_code == 400
    adoption.refresh_from_db()
    assert adoption.status == "requested"


def test_invalid_approval_keeps_input_and_changes_nothing(
    sabilulungan, tangerang_client, bandung_client
):
    adoption = request_adoption(tangerang_client)
    bad = {
        **APPROVAL,
        "valid_until": "2010-01-01",
        "document": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"),
    }
    response = bandung_client.post(f"/apps/adoptions/{adoption.pk}/approve/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot end before it starts" in html
    assert 'value="Balai Kota Bandung"' in html
    adoption.refresh_from_db()
    assert adoption.status == "requested" and Agreement.objects.count() == 0


def test_hostile_agreement_pdf_is_refused(
    sabilulungan, tangerang_client, bandung_client, settings
):
    adoption = request_adoption(tangerang_client)
    settings.MAX_PDF_UPLOAD_BYTES = 1024
    cases = [
        SimpleUploadedFile(
            "../../etc/passwd.pdf", b"root:x:0:0\n", content_type="application/pdf"
        ),
        SimpleUploadedFile(
            "big.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf"
        ),
        SimpleUploadedFile(
            "script.pdf",
            b"<html><script>alert(1)</script>",
            content_type="application/pdf",
        ),
    ]
    for document in cases:
        response = bandung_client.post(
            f"/apps/adoptions/{adoption.pk}/approve/",
            {**APPROVAL, "document": document},
        )
        assert response.status_code == 400, document.name
    adoption.refresh_from_db()
    assert adoption.status == "requested" and Agreement.objects.count() == 0


def test_wrong_side_and_wrong_role_cannot_decide(
    sabilulungan, tangerang_client, bandung, tangerang_staff
):
    adoption = request_adoption(tangerang_client)
    # The adopter cannot approve its own request.
    response = tangerang_client.post(
        f"/apps/adoptions/{adoption.pk}/approve/", {"existing": ""}
    )
    assert response.status_code == 403
    adoption.refresh_from_db()
    assert adoption.status == "requested"
    # A staff member of the publisher cannot either.
    from tests.factories import make_user

    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    client = host_client("bandung.localhost", staff)
    assert (
        client.post(
            f"/apps/adoptions/{adoption.pk}/reject/", {"reason": "x"}
        ).status_code
        == 403
    )
    assert (
        host_client("tangerang.localhost", tangerang_staff)
        .post(f"/apps/adoptions/{adoption.pk}/withdraw/", {})
        .status_code
        == 403
    )
    # Staff may read their own tenant's adoption.
    assert client.get(f"/apps/adoptions/{adoption.pk}/").status_code == 200
    adoption.refresh_from_db()
    assert adoption.status == "requested"


def test_third_tenant_cannot_see_or_alter(sabilulungan, tangerang_client, third):
    adoption = request_adoption(tangerang_client)
    from tests.factories import make_user

    outsider = make_user("admin@garut.test", tenant=third, role="admin")
    client = host_client("garut.localhost", outsider)
    assert client.get(f"/apps/adoptions/{adoption.pk}/").status_code == 404
    for action in ("approve", "reject", "withdraw", "end", "activate"):
        assert (
            client.post(
                f"/apps/adoptions/{adoption.pk}/{action}/", {"reason": "x"}
            ).status_code
            == 404
        )
    assert (
        f"/apps/adoptions/{adoption.pk}/" not in client.get("/apps/").content.decode()
    )
    agreement = make_agreement(adoption.app.publisher, adoption.adopter)
    assert client.get(f"/apps/agreements/{agreement.pk}/").status_code == 404
    assert client.get(f"/apps/agreements/{agreement.pk}/document/").status_code == 404
    # On the victims' own hosts the outsider is no member at all.
    assert (
        host_client("bandung.localhost", outsider)
        .get(f"/apps/adoptions/{adoption.pk}/")
        .status_code
        == 403
    )
    adoption.refresh_from_db()
    assert adoption.status == "requested"


def test_cannot_adopt_own_or_hidden_or_unknown_app(
    sabilulungan, bandung_client, tangerang_client, bandung
):
    own = bandung_client.post(
        "/apps/adopt/sabilulungan/",
        {"purpose": "x", "contact_name": "x", "contact_email": "x@b.test"},
    )
    assert own.status_code == 200 and "needs no adoption" in own.content.decode()
    sabilulungan.is_hidden = True
    sabilulungan.save()
    assert tangerang_client.get("/apps/adopt/sabilulungan/").status_code == 404
    assert tangerang_client.get("/apps/adopt/tidak-ada/").status_code == 404
    assert Adoption.objects.count() == 0


def test_adoption_page_query_count_is_constant(
    sabilulungan, tangerang_client, bandung_client, django_assert_max_num_queries
):
    adoption = request_adoption(tangerang_client)
    bandung_client.get("/apps/")  # publishing the app dropped the cached route
    # One more each: the header's to-do counter (kept in the cache) and its
    # unread notifications.
    with django_assert_max_num_queries(11):
        assert bandung_client.get("/apps/").status_code == 200
    with django_assert_max_num_queries(10):
        assert bandung_client.get(f"/apps/adoptions/{adoption.pk}/").status_code == 200


def test_agreements_and_my_organisations_pages_have_pinned_queries(
    bandung, tangerang, bandung_admin, django_assert_max_num_queries
):
    from tests.factories import make_tenant

    client = host_client("bandung.localhost", bandung_admin)

    def agreements_page():
        client.get("/apps/agreements/")  # verifying a party dropped the cached route
        with django_assert_max_num_queries(7) as captured:
            assert client.get("/apps/agreements/").status_code == 200
        return len(captured)

    make_agreement(bandung, tangerang)
    few = agreements_page()
    for slug, code in (
        ("kuningan", "32.08"),
        ("majalengka", "32.10"),
        ("sumedang", "32.11"),
    ):
        other = make_tenant(slug, kind="kabupaten", region_code=code)
        make_agreement(bandung, other)
        make_agreement(other, bandung)
    assert agreements_page() == few

    platform = host_client("localhost", bandung_admin)
    with django_assert_max_num_queries(5):
        assert platform.get("/orgs/").status_code == 200


@pytest.mark.parametrize(
    ("language", "phrase"), [("en", "asked to adopt"), ("id", "mengajukan")]
)
def test_the_adoptions_contact_is_written_to_in_the_requesters_language(
    sabilulungan, tangerang, tangerang_admin, language, phrase
):
    """The contact may have no account: e-mails to them go out in the language
    the requester was using when they named them (tenants.notifications.Address)."""
    client = host_client("tangerang.localhost", tangerang_admin, language=language)
    adoption = request_adoption(client)
    assert adoption.contact_language == language
    contact = [m for m in mail.outbox if m.to == ["kominfo@tangerang.test"]]
    assert len(contact) == 1 and phrase in contact[0].body
