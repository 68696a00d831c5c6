"""Agreements confirmed by both parties (issue 11): who may record, confirm,
decline, amend and end them; what the public sees; audit rows nobody rewrites."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from catalog import services
from catalog.models import Adoption, AdoptionEvent, Agreement, AgreementEvent
from tenants.models import Tenant
from tests.catalog.conftest import make_agreement, make_app, verify
from tests.conftest import host_client
from tests.factories import make_tenant, make_user, prefer_english

pytestmark = pytest.mark.django_db

TERMS = {
    "kind": "pks",
    "number": "PKS/77/2026",
    "title": "Perjanjian kerja sama aplikasi",
    "signed_on": "2026-01-05",
    "signed_at_place": "Balai Kota Bandung",
    "valid_from": "2026-01-05",
    "valid_until": "2030-01-05",
    "first_signatory": "Wali Kota Bandung",
    "second_signatory": "Wali Kota Tangerang",
}


def post(client, path, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


def public_pages(app_slug: str) -> str:
    """Everything the public sees of an app: the catalog, its page and the API."""
    public = host_client("localhost")
    return "".join(
        public.get(path).content.decode()
        for path in (
            "/catalog/",
            f"/catalog/{app_slug}/",
            "/api/v1/apps/",
            f"/api/v1/apps/{app_slug}/",
        )
    )


@pytest.fixture
def bandung_client(bandung, bandung_admin):
    return host_client("bandung.localhost", bandung_admin)


@pytest.fixture
def tangerang_client(tangerang, tangerang_admin):
    return host_client("tangerang.localhost", tangerang_admin)


@pytest.fixture
def garut(platform):
    return make_tenant(
        "garut", "Pemerintah Kabupaten Garut", kind="kabupaten", region_code="32.05"
    )


@pytest.fixture
def garut_client(garut):
    return host_client(
        "garut.localhost", make_user("admin@garut.test", tenant=garut, role="admin")
    )


@pytest.fixture
def app(bandung):
    return make_app(bandung, slug="sipd-bdg", name="SIPD Bandung")


def recorded(bandung, tangerang, bandung_client) -> Agreement:
    """Bandung (verified) records an agreement with Tangerang through its page."""
    verify(bandung)
    response = post(
        bandung_client, "/apps/agreements/new/", {**TERMS, "counterparty": "tangerang"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Agreement.objects.get(number=TERMS["number"])


# --- recording and confirming -------------------------------------------------------


def test_unverified_tenant_cannot_make_an_agreement_appear_anywhere(
    bandung, garut, garut_client, bandung_client, app
):
    assert not garut.is_verified
    response = garut_client.post(
        "/apps/agreements/new/",
        {**TERMS, "counterparty": "bandung", "number": "PALSU/1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only verified organisations can record or confirm agreements" in html
    assert 'value="PALSU/1"' in html  # the input is kept
    assert not Agreement.objects.exists()
    assert "PALSU/1" not in bandung_client.get("/apps/agreements/").content.decode()
    assert "PALSU/1" not in public_pages(app.slug)
    # Nor through the service, nor by confirming what others record.
    with pytest.raises(PermissionDenied):
        services.agreement_create(
            actor=None,
            tenant=garut,
            counterparty=bandung,
            **{**TERMS, "signed_on": date(2026, 1, 5), "valid_from": date(2026, 1, 5)}
            | {"valid_until": None},
        )
    proposed = make_agreement(bandung, garut, confirmed=False)
    with pytest.raises(PermissionDenied):
        services.agreement_confirm(actor=None, tenant=garut, agreement=proposed)
    proposed.refresh_from_db()
    assert proposed.state == "awaiting"


def test_unconfirmed_agreement_backs_no_adoption_and_is_nowhere_public(
    bandung, tangerang, bandung_client, tangerang_client, app
):
    agreement = recorded(bandung, tangerang, bandung_client)
    assert (agreement.state, agreement.awaiting_party, agreement.version) == (
        "awaiting",
        tangerang,
        0,
    )
    # Both parties see it, marked as waiting.
    assert (
        "your confirmation is needed"
        in tangerang_client.get("/apps/agreements/").content.decode()
    )
    assert TERMS["number"] in bandung_client.get("/apps/agreements/").content.decode()

    adoption = services.adoption_request(
        actor=None,
        adopter=verify(tangerang),
        app=app,
        purpose="Dipakai",
        contact_name="Kontak",
        contact_email="kontak@tangerang.test",
    )
    # It is not offered for approval and the service refuses it.
    page = bandung_client.get(f"/apps/adoptions/{adoption.pk}/").content.decode()
    assert f'value="{agreement.pk}"' not in page
    response = bandung_client.post(
        f"/apps/adoptions/{adoption.pk}/approve/", {"existing": agreement.pk}
    )
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.adoption_approve(actor=None, adoption=adoption, agreement=agreement)
    adoption.refresh_from_db()
    assert adoption.status == "requested" and adoption.agreement is None

    # Even an active adoption written straight into the database (as before
    # this rule) under it is not public and not counted.
    Adoption.objects.filter(pk=adoption.pk).update(
        status="active", agreement=agreement, usage="production"
    )
    services.adopters_recount(app_ids=[app.pk])
    public = public_pages(app.slug)
    assert TERMS["number"] not in public and "Tangerang" not in public
    assert '"adopters_count":0' in public.replace(" ", "")
    with pytest.raises(ValidationError):
        services.adoption_activate(
            actor=None, adoption=adoption, usage="production", release=None
        )


def test_only_the_other_party_confirms_or_declines(
    bandung, tangerang, bandung_client, tangerang_client, garut_client, garut
):
    agreement = recorded(bandung, tangerang, bandung_client)
    url = f"/apps/agreements/{agreement.pk}/"

    # The recording party cannot confirm its own record.
    response = post(bandung_client, f"{url}do/confirm/", {})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == "awaiting"
    assert "cannot confirm it itself" in bandung_client.get(url).content.decode()
    with pytest.raises(PermissionDenied):
        services.agreement_confirm(actor=None, tenant=bandung, agreement=agreement)

    # A third tenant neither sees it nor acts on it by id.
    assert garut_client.get(url).status_code == 404
    for action in ("confirm", "decline", "amend", "end"):
        assert (
            garut_client.post(f"{url}do/{action}/", {"reason": "x"}).status_code == 404
        )
    with pytest.raises(PermissionDenied):
        services.agreement_confirm(
            actor=None, tenant=verify(garut), agreement=agreement
        )
    # Staff of the other party are not administrators.
    staff = make_user("staf@tangerang.test", tenant=tangerang, role="staff")
    assert (
        host_client("tangerang.localhost", staff)
        .post(f"{url}do/confirm/", {})
        .status_code
        == 403
    )
    agreement.refresh_from_db()
    assert agreement.state == "awaiting"

    # The other party, once verified, declines with a reason (kept, shown).
    verify(tangerang)
    response = tangerang_client.post(f"{url}do/decline/", {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    response = post(
        tangerang_client, f"{url}do/decline/", {"reason": "Nomor tidak sesuai"}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == "declined" and agreement.awaiting_party is None
    decline = agreement.events.get(action="decline")
    assert (decline.actor_tenant_id, decline.reason) == (
        tangerang.pk,
        "Nomor tidak sesuai",
    )
    assert "Nomor tidak sesuai" in bandung_client.get(url).content.decode()


def test_confirmation_email_links_to_the_agreement_on_the_other_partys_host(
    bandung, tangerang, bandung_client, tangerang_admin, bandung_admin
):
    prefer_english(tangerang_admin, bandung_admin)
    verify(tangerang)
    agreement = recorded(bandung, tangerang, bandung_client)
    (ask,) = [m for m in mail.outbox if "Please confirm" in m.subject]
    assert ask.to == [tangerang_admin.email]
    assert ask.subject.startswith("[Kota Tangerang] ")
    assert ask.from_email.startswith("Kota Tangerang <")
    link = re.search(r"https?://\S+", ask.body).group(0)
    parts = urlsplit(link)
    assert parts.netloc == tangerang.domains.get(is_primary=True).domain
    page = host_client(parts.netloc, tangerang_admin).get(parts.path)
    assert page.status_code == 200
    assert "Confirm: my organisation signed this" in page.content.decode()
    post(host_client(parts.netloc, tangerang_admin), f"{parts.path}do/confirm/", {})
    agreement.refresh_from_db()
    assert agreement.state == "confirmed"
    # The pending confirmation was on Tangerang's dashboard, and is gone.
    assert (
        "Agreements to confirm"
        not in host_client(parts.netloc, tangerang_admin)
        .get("/dashboard/")
        .content.decode()
    )


def test_pending_confirmation_shows_on_the_admins_dashboard_only(
    bandung, tangerang, tangerang_client
):
    agreement = make_agreement(bandung, tangerang, confirmed=False)
    dashboard = tangerang_client.get("/dashboard/").content.decode()
    assert "Agreements to confirm" in dashboard
    assert f"/apps/agreements/{agreement.pk}/" in dashboard
    staff = make_user("staf@tangerang.test", tenant=tangerang, role="staff")
    staff_dashboard = (
        host_client("tangerang.localhost", staff).get("/dashboard/").content.decode()
    )
    assert "Agreements to confirm" not in staff_dashboard


# --- amendments ------------------------------------------------------------------------


def test_amendment_needs_reconfirmation_and_a_declined_one_leaves_the_old_version(
    bandung, tangerang, bandung_client, tangerang_client, app
):
    agreement = make_agreement(bandung, tangerang, number="PKS/1/2026")
    url = f"/apps/agreements/{agreement.pk}/"
    amended = {**TERMS, "number": "PKS/1-A/2026", "valid_until": "2031-01-05"}
    response = post(bandung_client, f"{url}do/amend/", amended)
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement.refresh_from_db()
    # Not in force yet: the confirmed version stays.
    assert (agreement.number, agreement.version, agreement.pending_version) == (
        "PKS/1/2026",
        1,
        2,
    )
    assert agreement.awaiting_party == tangerang and agreement.state == "confirmed"
    # The amending party cannot confirm its own amendment.
    post(bandung_client, f"{url}do/confirm/", {})
    agreement.refresh_from_db()
    assert agreement.number == "PKS/1/2026"

    post(tangerang_client, f"{url}do/confirm/", {})
    agreement.refresh_from_db()
    assert (agreement.number, agreement.valid_until, agreement.version) == (
        "PKS/1-A/2026",
        date(2031, 1, 5),
        2,
    )
    assert agreement.pending_version is None

    # Tangerang proposes a second amendment; Bandung declines it.
    post(tangerang_client, f"{url}do/amend/", {**amended, "number": "PKS/1-B/2026"})
    post(bandung_client, f"{url}do/decline/", {"reason": "Belum ditandatangani"})
    agreement.refresh_from_db()
    assert (agreement.number, agreement.version, agreement.state) == (
        "PKS/1-A/2026",
        2,
        "confirmed",
    )
    history = list(agreement.events.values_list("version", "action"))
    assert history == [
        (1, "propose"),
        (1, "confirm"),
        (2, "propose"),
        (2, "confirm"),
        (3, "propose"),
        (3, "decline"),
    ]
    for client in (bandung_client, tangerang_client):
        page = client.get(url).content.decode()
        assert "PKS/1-B/2026" in page and "Belum ditandatangani" in page
        assert "Versions and confirmations" in page


def test_invalid_amendment_keeps_input_and_changes_nothing(
    bandung, tangerang, bandung_client
):
    agreement = make_agreement(bandung, tangerang)
    response = bandung_client.post(
        f"/apps/agreements/{agreement.pk}/do/amend/",
        {**TERMS, "number": "PKS/\x00", "valid_until": "2001-01-01"},
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.pending_version is None
    assert agreement.events.count() == 2


# --- ending ------------------------------------------------------------------------------


def active_adoption(app, adopter, agreement) -> Adoption:
    adoption = services.adoption_request(
        actor=None,
        adopter=adopter,
        app=app,
        purpose="Dipakai",
        contact_name="Kontak",
        contact_email="kontak@example.test",
    )
    admin = make_user(
        f"admin{adoption.pk}@{adopter.slug}.test", tenant=adopter, role="admin"
    )
    publisher_admin = make_user(
        f"admin{adoption.pk}@{app.publisher.slug}.test",
        tenant=app.publisher,
        role="admin",
    )
    services.adoption_approve(
        actor=publisher_admin, adoption=adoption, agreement=agreement
    )
    return services.adoption_activate(
        actor=admin, adoption=adoption, usage="production", release=None
    )


def test_ending_flags_adoptions_and_they_lapse_after_the_grace_period(
    bandung, tangerang, garut, tangerang_client, bandung_client, app, settings
):
    settings.AGREEMENT_END_GRACE_DAYS = 90
    agreement = make_agreement(bandung, tangerang, number="PKS/END/2026")
    adoption = active_adoption(app, tangerang, agreement)
    other = make_agreement(bandung, garut, number="PKS/GRT/2026")
    replaced = active_adoption(app, garut, other)
    assert '"adopters_count":2' in public_pages(app.slug).replace(" ", "")

    url = f"/apps/agreements/{agreement.pk}/"
    response = tangerang_client.post(f"{url}do/end/", {"ended_on": "", "reason": ""})
    assert response.status_code == 400
    post(
        tangerang_client,
        f"{url}do/end/",
        {"ended_on": "2026-03-01", "reason": "Tidak diperpanjang"},
    )
    agreement.refresh_from_db()
    assert (agreement.state, agreement.ended_on) == ("ended", date(2026, 3, 1))
    # Flagged to both parties and publicly.
    for client in (tangerang_client, bandung_client):
        page = client.get(f"/apps/adoptions/{adoption.pk}/").content.decode()
        assert "ends on 30 May 2026 unless a new agreement" in page
    public = public_pages(app.slug)
    assert "use ends on 30 May 2026" in public and "Tidak diperpanjang" in public
    assert '"ended_on":"2026-03-01"' in public.replace(" ", "")
    assert "ends on 30 May 2026" in tangerang_client.get("/dashboard/").content.decode()

    # Garut's agreement ends too, but a new confirmed one replaces it.
    services.agreement_end(
        actor=None, tenant=garut, agreement=other, ended_on=date(2026, 3, 1), reason="x"
    )
    newer = make_agreement(bandung, garut, number="PKS/GRT/2027")
    garut_admin = garut.memberships.filter(role="admin").first().user
    response = post(
        host_client("garut.localhost", garut_admin),
        f"/apps/adoptions/{replaced.pk}/agreement/",
        {"agreement": newer.pk},
    )
    assert response.status_code == 302
    replaced.refresh_from_db()
    assert replaced.agreement == newer and not replaced.agreement_ended

    day_before = datetime(2026, 5, 29, 12, tzinfo=UTC)
    assert services.adoption_end_lapsed(now=day_before) == 0
    adoption.refresh_from_db()
    assert adoption.status == "active"
    assert services.adoption_end_lapsed(now=day_before + timedelta(days=1)) == 1
    adoption.refresh_from_db()
    replaced.refresh_from_db()
    assert (adoption.status, replaced.status) == ("ended", "active")
    last = adoption.events.order_by("-pk").first()
    assert (last.action, last.actor_id) == ("end", None)
    assert "PKS/END/2026" in last.note
    app.refresh_from_db()
    assert app.active_adopters == 1
    # Nothing left to end: the command says so.
    call_command("end_lapsed_adoptions")
    assert services.adoption_end_lapsed(now=day_before + timedelta(days=400)) == 0


def test_unverified_adopter_is_not_public(bandung, tangerang, app):
    agreement = make_agreement(bandung, tangerang)
    active_adoption(app, tangerang, agreement)
    assert "Kota Tangerang" in public_pages(app.slug)
    Tenant.objects.filter(pk=tangerang.pk).update(
        verification_status=Tenant.Verification.UNVERIFIED
    )
    services.adopters_recount(app_ids=[app.pk])
    public = public_pages(app.slug)
    assert "Kota Tangerang" not in public
    assert '"adopters_count":0' in public.replace(" ", "")


# --- audit rows ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", [AdoptionEvent, AgreementEvent])
def test_audit_tables_refuse_update_and_delete(bandung, tangerang, app, model):
    agreement = make_agreement(bandung, tangerang)
    active_adoption(app, tangerang, agreement)
    table = model._meta.db_table
    event_id = model.objects.order_by("pk").values_list("pk", flat=True).first()
    for sql in (
        f"UPDATE {table} SET actor_name = 'rewritten' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event_id])
    assert model.objects.filter(pk=event_id).exclude(actor_name="rewritten").exists()


def test_deleting_a_user_leaves_the_events_intact(bandung, tangerang, app):
    agreement = make_agreement(bandung, tangerang)
    adoption = active_adoption(app, tangerang, agreement)
    admin = tangerang.memberships.get(
        role="admin", user__email__startswith="admin"
    ).user
    before = list(adoption.events.values_list("pk", "actor_id", "actor_name"))
    assert (admin.pk, admin.full_name or admin.email) in [(a, n) for _, a, n in before]
    admin.delete()
    assert list(adoption.events.values_list("pk", "actor_id", "actor_name")) == before


def test_tenant_purge_keeps_other_parties_records(bandung, tangerang, garut, app):
    agreement = make_agreement(bandung, tangerang)
    adoption = active_adoption(app, tangerang, agreement)
    own = make_app(tangerang, slug="tng-app", name="Aplikasi Tangerang")
    theirs = active_adoption(own, garut, make_agreement(tangerang, garut))
    events_before = AdoptionEvent.objects.count()

    services.tenant_catalog_purge(tenant=tangerang)

    adoption.refresh_from_db()
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert adoption.status == "ended" and theirs.status == "ended"
    assert "was deleted" in adoption.decision_reason
    assert own.is_hidden
    assert Agreement.objects.filter(pk=agreement.pk).exists()
    # Two events were added, none removed or changed.
    assert AdoptionEvent.objects.count() == events_before + 2
    assert "Tangerang" not in public_pages(app.slug)


def test_amendment_document_is_readable_by_the_parties_before_confirming(
    bandung, tangerang, bandung_client, tangerang_client, garut_client
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    agreement = make_agreement(bandung, tangerang)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = post(
        bandung_client,
        f"/apps/agreements/{agreement.pk}/do/amend/",
        {
            **TERMS,
            "document": SimpleUploadedFile(
                "adendum.pdf", pdf, content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    url = f"/apps/agreements/{agreement.pk}/document/"
    page = tangerang_client.get(f"/apps/agreements/{agreement.pk}/").content.decode()
    assert f"{url}?version=2" in page
    response = tangerang_client.get(f"{url}?version=2")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    # Nothing in force yet, nothing for outsiders, nothing for bad versions.
    assert tangerang_client.get(url).status_code == 404
    assert garut_client.get(f"{url}?version=2").status_code == 404
    for bad in ("abc", "9", "1" * 40, "-1"):
        assert tangerang_client.get(f"{url}?version={bad}").status_code == 404
    # Every version's PDF is named by a row: cleanup_uploads keeps it.
    from core.files import referenced_names

    proposal = agreement.events.get(version=2, action="propose")
    assert proposal.document.name in referenced_names()


def test_hostile_input_on_the_agreement_forms_is_a_form_error(
    bandung, tangerang, bandung_client, tangerang_client
):
    agreement = make_agreement(bandung, tangerang)
    url = f"/apps/agreements/{agreement.pk}/do/"
    cases = [
        ("end", {"ended_on": "2026-13-45", "reason": "x"}),
        ("end", {"ended_on": ["2026-03-01", "2026-03-02"], "reason": "x" * 5000}),
        ("end", {"ended_on": "2020-01-01", "reason": "sebelum berlaku"}),
        ("amend", {**TERMS, "signed_on": "kemarin", "title": "t" * 400}),
    ]
    for action, data in cases:
        response = tangerang_client.post(f"{url}{action}/", data)
        assert response.status_code == 400, (action, data)
    # The input is kept on the page that says why.
    response = tangerang_client.post(
        f"{url}end/", {"ended_on": "2020-01-01", "reason": "sebelum berlaku"}
    )
    html = response.content.decode()
    assert "cannot end before it starts" in html and "sebelum berlaku" in html
    assert tangerang_client.post(f"{url}unknown/", {}).status_code == 404
    assert tangerang_client.get(f"{url}confirm/").status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == "confirmed" and agreement.events.count() == 2
    # Nothing waits for anyone: confirming or declining is refused with a message.
    response = tangerang_client.post(f"{url}confirm/", {}, follow=True)
    assert "Nothing is waiting for confirmation" in response.content.decode()


def test_lapsed_adoptions_are_ended_by_a_daily_job():
    from core.jobs import periodic_jobs

    (job,) = [j for j in periodic_jobs() if j.name == "adoption_end_lapsed"]
    assert job.func == "catalog.services.adoption_end_lapsed"
    assert job.cron == "15 1 * * *"
    module, _, name = job.func.rpartition(".")
    assert getattr(__import__(module, fromlist=[name]), name) is (
        services.adoption_end_lapsed
    )
