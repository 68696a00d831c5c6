"""A hosted app plugs into the kernel through the contract alone (tenants/hosted.py).

"Buku Tamu" (tests/hostedapp_fixture) exists only in tests: tests/settings.py
adds it to INSTALLED_APPS and TENANT_APPS, its AppConfig registers it, and no
kernel file names it. It appears in the catalog and the tenant, is gated,
defines roles in its own table, seeds, exports and is deleted through the
contract.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from catalog import services as catalog_services
from tenants import hosted
from tenants.mfa import holds_power
from tenants.models import Membership
from tenants.services import membership_set_app_roles, tenant_delete
from tests.catalog.conftest import make_active_adoption, make_app
from tests.conftest import host_client
from tests.factories import make_tenant, make_user
from tests.hostedapp_fixture import apps as fixture_apps
from tests.hostedapp_fixture.models import Entry, Keeper

pytestmark = pytest.mark.django_db

KEY = "buku-tamu"


@pytest.fixture
def buku_tamu(bandung):
    """Bandung publishes Buku Tamu in the catalog as a hosted app."""
    return make_app(
        bandung,
        slug="buku-tamu",
        name="Buku Tamu",
        delivery_mode="hosted",
        hosted_module=KEY,
    )


def test_it_is_registered_from_its_own_appconfig():
    app = hosted.get(KEY)
    assert app is not None and app.url_prefixes == ("/buku-tamu/",)
    assert "bukutamu_public" in hosted.public_route_names()


def test_the_catalog_accepts_it_as_a_hosted_module(bandung, bandung_admin):
    from catalog.models import CatalogApp

    app = make_app(bandung, slug="tamu", name="Tamu")
    app.delivery_mode = CatalogApp.Delivery.HOSTED
    app.hosted_module = "tidak-ada"
    with pytest.raises(ValidationError) as refused:
        catalog_services._validate_app(app)
    assert KEY in str(refused.value)  # the registered modules are offered
    app.hosted_module = KEY
    catalog_services._validate_app(app)


def test_gated_until_an_adoption_is_active(buku_tamu, tangerang, tangerang_admin):
    member = host_client("tangerang.localhost", tangerang_admin)
    anonymous = host_client("tangerang.localhost")
    for client in (member, anonymous):
        for path in ("/buku-tamu/", "/buku-tamu/staff/"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "does not use this app" in response.content.decode()
    assert "Buku Tamu" not in member.get("/dashboard/").content.decode()

    adoption = make_active_adoption(buku_tamu, tangerang)
    assert anonymous.get("/buku-tamu/").status_code == 200
    assert member.get("/buku-tamu/staff/").content == b"staff page of tangerang"
    # Its public front page on the tenant's home, its menu entry and its
    # dashboard tiles, to-do items and set-up step.
    assert 'href="/buku-tamu/"' in anonymous.get("/").content.decode()
    dashboard = member.get("/dashboard/").content.decode()
    assert 'href="/buku-tamu/staff/"' in dashboard
    for text in (
        "Guest book entries",
        "Entries to read",
        "Write the first guest book entry",
    ):
        assert text in dashboard

    adoption.status = "ended"
    adoption.save()
    assert anonymous.get("/buku-tamu/").status_code == 404


def test_its_roles_live_in_its_own_table(buku_tamu, bandung, bandung_admin):
    keeper = make_user("penjaga@bandung.test", tenant=bandung, role="staff")
    membership = Membership.objects.get(user=keeper, tenant=bandung)
    client = host_client("bandung.localhost", bandung_admin)
    assert "Buku Tamu roles" in client.get("/dashboard/members/").content.decode()

    client.post(
        f"/dashboard/members/{membership.pk}/roles/{KEY}/",
        {"roles": ["penjaga", "bendahara"]},
    )
    with tenant_context(bandung):
        assert set(
            Keeper.objects.filter(user_id=keeper.pk).values_list("role", flat=True)
        ) == {"penjaga", "bendahara"}
    # A role the app marks as moving money asks for a second factor.
    assert holds_power(membership)
    with pytest.raises(ValidationError):
        membership_set_app_roles(
            actor=bandung_admin, membership=membership, app_key=KEY, roles=["raja"]
        )
    membership_set_app_roles(
        actor=bandung_admin, membership=membership, app_key=KEY, roles=["penjaga"]
    )
    assert not holds_power(membership)


def test_seeds_exports_and_is_deleted_through_the_contract(platform):
    from tenants.hosted import DemoContext

    operator = make_user("operator@bagipakai.test", is_staff=True, is_superuser=True)
    app = hosted.get(KEY)
    bandung = make_tenant("bandung", "Kota Bandung", province="32", region_code="32.73")
    context = DemoContext(operator=operator, password_hash="!")
    assert app.seed_demo(context) == "1 new guest book entries"
    assert app.seed_demo(context) == "0 new guest book entries"  # idempotent
    assert hosted.export_all(bandung)[KEY] == {"entries": ["Selamat datang"]}
    with tenant_context(bandung):
        assert Entry.objects.count() == 1

    garut = make_tenant(
        "garut", "Kabupaten Garut", kind="kabupaten", region_code="32.05"
    )
    fixture_apps.DELETED.clear()
    tenant_delete(actor=operator, tenant=garut, confirmation="garut")
    assert fixture_apps.DELETED == ["garut"]


def test_the_kernel_gates_it_even_without_the_catalogs_page(
    buku_tamu, tangerang, monkeypatch
):
    """The gate is the kernel's; the catalog only draws the explanation."""
    from tenants import hooks

    monkeypatch.setitem(hooks._HOOKS, "hosted_app_off", [])
    response = host_client("tangerang.localhost").get("/buku-tamu/")
    assert response.status_code == 404
    assert "does not use this app" not in response.content.decode()
