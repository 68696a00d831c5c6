"""Every operator action writes exactly one entry to the platform's transparency
log, in the action's transaction: none when it is refused or rolls back. The
Django admin's actions go through the same services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from billing import services as billing_services
from catalog import services as catalog_services
from catalog.models import CatalogApp
from tenants import services
from tenants.models import PlatformEvent, Tenant
from tenants.transparency import public_record, verify_stored
from tests.catalog.conftest import make_app
from tests.conftest import host_client
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(platform):
    return make_user(
        "operator@bagipakai.test",
        is_staff=True,
        is_superuser=True,
        full_name="Budi Operator",
    )


@pytest.fixture
def operator_client(operator):
    return host_client("localhost", operator)


@pytest.fixture
def garut(platform):
    return make_tenant(
        "garut",
        "Pemerintah Kabupaten Garut",
        kind="kabupaten",
        province="32",
        region_code="32.05",
    )


def verified(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(verification_status="verified")
    tenant.refresh_from_db()
    return tenant


def suspended(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    tenant.refresh_from_db()
    return tenant


def hidden(app):
    CatalogApp.objects.filter(pk=app.pk).update(is_hidden=True)
    app.refresh_from_db()
    return app


# Each operator action: (expected kind, how to act). Set-up puts the target in
# the state the action starts from.
ACTIONS = {
    "verify": (
        "tenant_verified",
        lambda op, t: services.tenant_verify(actor=op, tenant=t, reason="Cocok."),
    ),
    "unverify": (
        "tenant_unverified",
        lambda op, t: services.tenant_unverify(
            actor=op, tenant=verified(t), reason="Nama berubah."
        ),
    ),
    "suspend": (
        "tenant_suspended",
        lambda op, t: services.tenant_disable(
            actor=op, tenant=t, reason="Penyalahgunaan.", note="Laporan #12"
        ),
    ),
    "enable": (
        "tenant_enabled",
        lambda op, t: services.tenant_enable(
            actor=op, tenant=suspended(t), reason="Sudah diperbaiki."
        ),
    ),
    "delete": (
        "tenant_deleted",
        lambda op, t: services.tenant_delete(
            actor=op, tenant=t, confirmation="garut", reason="Permintaan sendiri."
        ),
    ),
    "hide": (
        "app_hidden",
        lambda op, t: catalog_services.app_set_hidden(
            actor=op,
            app=make_app(t, name="Aplikasi Garut"),
            hidden=True,
            reason="Tautan mati.",
        ),
    ),
    "show": (
        "app_shown",
        lambda op, t: catalog_services.app_set_hidden(
            actor=op, app=hidden(make_app(t, name="Aplikasi Garut")), hidden=False
        ),
    ),
    "plan_grant": (
        "plan_granted",
        lambda op, t: billing_services.complimentary_grant(
            actor=op, tenant=t, plan="unlimited", note="Pilot 2026", reason="Uji coba."
        ),
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_operator_action_writes_exactly_one_entry(action, garut, operator):
    kind, act = ACTIONS[action]
    before = PlatformEvent.objects.count()
    act(operator, garut)
    events = list(PlatformEvent.objects.order_by("seq")[before:])
    assert [e.kind for e in events] == [kind]
    event = events[0]
    assert (event.actor_id, event.actor_label) == (operator.pk, "Budi Operator")
    assert (event.tenant_id, event.tenant_slug, event.tenant_name) == (
        garut.pk,
        "garut",
        "Kabupaten Garut",
    )
    assert event.at is not None
    if action in {"hide", "show"}:
        assert event.details["app"] == "Aplikasi Garut"
    if action == "plan_grant":
        assert event.details["plan"] == "unlimited"
        assert event.private == {"note": "Pilot 2026"}
        assert "Pilot 2026" not in str(public_record(event))
    if action == "suspend":
        assert event.reason == "Penyalahgunaan."
        assert "Laporan #12" not in str(public_record(event))
    assert verify_stored().ok


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_that_rolls_back_writes_no_entry(action, garut, operator):
    _kind, act = ACTIONS[action]
    before = PlatformEvent.objects.count()

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        with transaction.atomic():
            act(operator, garut)
            raise Abort
    assert PlatformEvent.objects.count() == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_refused_to_a_non_operator_writes_no_entry(action, garut):
    admin = make_user("admin@garutkab.go.id", tenant=garut, role="admin")
    staff = make_user("helpdesk@bagipakai.test", is_staff=True)
    _kind, act = ACTIONS[action]
    for actor in (admin, staff):
        with pytest.raises(PermissionDenied):
            act(actor, garut)
    assert not PlatformEvent.objects.exists()
    garut.refresh_from_db()
    assert garut.deleted_at is None


def test_actions_that_change_nothing_write_nothing(garut, operator):
    with pytest.raises(ValidationError, match="not verified"):
        services.tenant_unverify(actor=operator, tenant=garut)
    with pytest.raises(ValidationError, match="not suspended"):
        services.tenant_enable(actor=operator, tenant=garut)
    with pytest.raises(ValidationError, match="Type the subdomain"):
        services.tenant_delete(actor=operator, tenant=garut, confirmation="Garut")
    app = make_app(garut)  # verifies its publisher
    catalog_services.app_set_hidden(actor=operator, app=app, hidden=False)
    billing_services.complimentary_grant(actor=operator, tenant=garut, plan="")
    Tenant.objects.filter(pk=garut.pk).update(verification_status="unverified")
    services.tenant_verify(actor=operator, tenant=garut)
    with pytest.raises(ValidationError, match="already verified"):
        services.tenant_verify(actor=operator, tenant=garut)
    assert list(PlatformEvent.objects.values_list("kind", flat=True)) == [
        "tenant_verified"
    ]


def test_a_reason_that_is_too_long_is_refused_without_an_entry(garut, operator):
    with pytest.raises(ValidationError, match="under 500"):
        services.tenant_disable(actor=operator, tenant=garut, reason="x" * 501)
    garut.refresh_from_db()
    assert garut.is_active and not PlatformEvent.objects.exists()


def test_staff_with_only_the_verify_permission_cannot_suspend(garut):
    verifier = make_user("verifier@bagipakai.test", is_staff=True)
    verifier.user_permissions.add(Permission.objects.get(codename="verify_tenant"))
    with pytest.raises(PermissionDenied):
        services.tenant_disable(actor=verifier, tenant=garut)
    services.tenant_verify(actor=verifier, tenant=garut)
    assert PlatformEvent.objects.get().kind == "tenant_verified"


# --- the Django admin goes through the same services -------------------------------------


@pytest.mark.parametrize(
    "action,kind,prepare",
    [
        ("verify", "tenant_verified", lambda t: t),
        ("unverify", "tenant_unverified", verified),
        ("disable", "tenant_suspended", lambda t: t),
        ("enable", "tenant_enabled", suspended),
    ],
)
def test_tenant_admin_actions_write_entries(
    action, kind, prepare, garut, operator_client, operator
):
    prepare(garut)
    data = {
        "action": action,
        "_selected_action": [garut.pk],
        "apply": "1",
        "reason": "Alasan untuk publik.",
        "note": "Catatan internal.",
    }
    response = operator_client.post("/admin/tenants/tenant/", data)
    assert response.status_code == 302
    event = PlatformEvent.objects.get()
    assert (event.kind, event.actor_id, event.tenant_slug) == (
        kind,
        operator.pk,
        "garut",
    )
    if action in {"disable", "unverify"}:
        assert event.reason == "Alasan untuk publik."
        assert event.private == {"note": "Catatan internal."}
    # Again on a tenant already in that state: an error message, no second entry.
    operator_client.post("/admin/tenants/tenant/", data)
    assert PlatformEvent.objects.count() == 1


@pytest.mark.parametrize("action", ["disable", "unverify"])
def test_suspending_or_unverifying_in_the_admin_asks_for_the_reason_first(
    action, garut, operator_client
):
    verified(garut)
    page = operator_client.post(
        "/admin/tenants/tenant/", {"action": action, "_selected_action": [garut.pk]}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reason (public)" in html and "Kabupaten Garut" in html
    garut.refresh_from_db()
    assert garut.is_active and garut.is_verified
    assert not PlatformEvent.objects.exists()
    # A reason that is too long is a form error; nothing happens.
    again = operator_client.post(
        "/admin/tenants/tenant/",
        {
            "action": action,
            "_selected_action": [garut.pk],
            "apply": "1",
            "reason": "x" * 501,
        },
    )
    assert again.status_code == 200
    assert not PlatformEvent.objects.exists()


def test_admin_delete_writes_the_public_reason_and_keeps_the_note_private(
    garut, operator_client
):
    response = operator_client.post(
        f"/admin/tenants/tenant/{garut.pk}/delete/",
        {
            "confirmation": "garut",
            "reason": "Dibuat oleh pihak yang tidak berwenang.",
            "note": "Tiket 4411",
        },
    )
    assert response.status_code == 302
    event = PlatformEvent.objects.get()
    assert event.kind == "tenant_deleted"
    assert event.reason == "Dibuat oleh pihak yang tidak berwenang."
    assert event.private == {"note": "Tiket 4411"}
    assert "Tiket 4411" not in str(public_record(event))


def test_catalog_admin_hide_and_show_write_entries(garut, operator_client):
    app = make_app(garut, name="Aplikasi Garut")
    for action in ("hide", "show"):
        operator_client.post(
            "/admin/catalog/catalogapp/",
            {"action": action, "_selected_action": [app.pk]},
        )
    events = list(PlatformEvent.objects.order_by("seq"))
    assert [e.kind for e in events] == ["app_hidden", "app_shown"]
    assert all(e.details["app"] == "Aplikasi Garut" for e in events)
    assert all(e.tenant_slug == "garut" for e in events)


def test_billing_admin_plan_grant_writes_an_entry(garut, operator_client):
    from billing.models import Subscription

    row = Subscription.objects.get(tenant=garut)
    response = operator_client.post(
        f"/admin/billing/subscription/{row.pk}/change/",
        {
            "complimentary_plan": "unlimited",
            "complimentary_note": "Pilot kerja sama 2026",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    event = PlatformEvent.objects.get()
    assert (event.kind, event.details["plan"], event.tenant_slug) == (
        "plan_granted",
        "unlimited",
        "garut",
    )
    assert event.private == {"note": "Pilot kerja sama 2026"}
