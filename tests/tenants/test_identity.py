"""Identity from the register (#11): names and codes of cities, regencies and
provinces come from the Kemendagri register, one tenant per region, and any
change of name, kind or region withdraws the verification and is logged."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tenants import services
from tenants.identity_migration import tenants_match_register
from tenants.models import PlatformEvent, Tenant
from tests.conftest import host_client
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.django_db

NEW_CITY = {"kind": "kota", "region_code": "32.76", "slug": "depok", "name": ""}


@pytest.fixture
def operator(platform):
    return make_user("operator@bagipakai.test", is_staff=True, is_superuser=True)


@pytest.fixture
def founder_client(platform):
    return host_client("localhost", make_user("walikota@depok.test"))


def unverified_events(slug: str):
    return PlatformEvent.objects.filter(
        kind=PlatformEvent.Kind.TENANT_UNVERIFIED, tenant_slug=slug
    )


def verified(tenant, operator):
    return services.tenant_verify(actor=operator, tenant=tenant)


# --- registration ---------------------------------------------------------


def test_the_name_is_the_registers_not_what_was_typed(founder_client):
    response = founder_client.post(
        "/orgs/new/", {**NEW_CITY, "name": "Pemkot Paling Hebat"}
    )
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="depok")
    assert (tenant.name, tenant.kind, tenant.region_code, tenant.province) == (
        "Kota Depok",
        "kota",
        "32.76",
        "32",
    )
    directory = host_client("localhost").get("/organisations/").content.decode()
    assert "Kota Depok" in directory and "Pemkot Paling Hebat" not in directory


def test_the_form_offers_the_registers_regions_without_javascript(founder_client):
    html = founder_client.get("/orgs/new/").content.decode()
    assert '<optgroup label="Jawa Barat">' in html
    assert '<option value="32.73">Kota Bandung</option>' in html
    assert '<option value="32">Provinsi Jawa Barat</option>' in html
    assert '<option value="32.05">Kabupaten Garut</option>' in html


def test_a_second_tenant_for_the_same_region_is_refused_with_input_kept(
    founder_client, bandung
):
    response = founder_client.post(
        "/orgs/new/", {**NEW_CITY, "region_code": "32.73", "slug": "bandung-lagi"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kota Bandung is already registered on BagiPakai" in html
    assert 'value="32.73" selected' in html
    assert 'value="bandung-lagi"' in html
    assert not Tenant.objects.filter(slug="bandung-lagi").exists()


def test_the_database_holds_one_tenant_per_region(bandung):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.create(
            schema_name="t_kembar",
            slug="kembar",
            name="x",
            kind="kota",
            region_code="32.73",
        )
    # Institutions are many per region.
    for i in range(2):
        make_tenant(f"dinas-{i}", f"Dinas {i}", seat_region_code="32.73")


def test_an_institution_names_a_seat_region_that_exists(founder_client, platform):
    founder = make_user("kepala@dinas.test")
    for seat, message in (
        ("", "Name the city, regency or province the institution sits in."),
        ("32.99", "has no region with the code 32.99"),
        ("32.73.02", "Choose a city, regency or province, not a district (kecamatan)."),
    ):
        with pytest.raises(ValidationError) as caught:
            services.tenant_provision(
                actor=founder,
                kind="lembaga",
                name="Dinas Kesehatan",
                seat_region_code=seat,
                slug="dinkes",
            )
        assert message in " ".join(caught.value.message_dict["seat_region_code"])
    response = founder_client.post(
        "/orgs/new/",
        {
            "kind": "lembaga",
            "name": "Dinas Kesehatan",
            "seat_region_code": "32.73.02",
            "slug": "dinkes",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    response = founder_client.post(
        "/orgs/new/",
        {
            "kind": "lembaga",
            "name": "Dinas Kesehatan",
            "seat_region_code": "32.73",
            "region_code": "32.76",
            "slug": "dinkes",
        },
    )
    assert response.status_code == 302
    dinkes = Tenant.objects.get(slug="dinkes")
    assert (dinkes.name, dinkes.kind, dinkes.region_code, dinkes.seat_region_code) == (
        "Dinas Kesehatan",
        "lembaga",
        "",
        "32.73",
    )
    assert dinkes.seat_region.name == "Kota Bandung"


# --- changes withdraw the verification ------------------------------------------


def test_renaming_a_verified_institution_on_its_profile_page_unverifies_it(operator):
    admin = make_user("admin@dinsos.test")
    tenant = verified(make_tenant("dinsos", "Dinas Sosial", admin=admin), operator)
    client = host_client("dinsos.localhost", admin)
    response = client.post(
        "/dashboard/profile/", {"name": "Dinas Sosial dan Pemberdayaan"}
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.name == "Dinas Sosial dan Pemberdayaan"
    assert tenant.verification_status == "unverified"
    assert tenant.verified_at is None and tenant.verified_by is None
    event = unverified_events("dinsos").get()
    assert event.details["changed"] == ["name"]
    assert event.details["before"] == {"name": "Dinas Sosial"}
    assert event.actor_label == "the organisation's administrator"
    # Other profile fields leave the verification alone.
    verified(tenant, operator)
    client.post("/dashboard/profile/", {"name": tenant.name, "address": "Jl. Baru 1"})
    tenant.refresh_from_db()
    assert tenant.is_verified and unverified_events("dinsos").count() == 1


def test_a_citys_admin_cannot_rename_it(bandung, bandung_admin, operator):
    verified(bandung, operator)
    client = host_client("bandung.localhost", bandung_admin)
    page = client.get("/dashboard/profile/").content.decode()
    assert 'name="name"' not in page
    client.post("/dashboard/profile/", {"name": "Kota Kembang", "address": "Jl. A"})
    bandung.refresh_from_db()
    assert bandung.name == "Kota Bandung" and bandung.is_verified
    with pytest.raises(ValueError):
        services.tenant_profile_update(actor=bandung_admin, tenant=bandung, name="X")


class _FormValues(HTMLParser):
    """The values a browser would submit from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if (
            tag == "input"
            and name
            and a.get("type") not in ("submit", "button", "file")
        ):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None


def admin_change(client, tenant, **changes):
    url = f"/admin/tenants/tenant/{tenant.pk}/change/"
    parser = _FormValues()
    parser.feed(client.get(url).content.decode())
    data = {k: v for k, v in parser.values.items() if k != "csrfmiddlewaretoken"}
    data.update({k: [v] for k, v in changes.items()})
    data["_save"] = ["Save"]
    return client.post(url, data)


@pytest.mark.parametrize(
    ("start", "changes", "expected"),
    [
        # An operator renames an institution.
        ({"name": "Dinas Lama"}, {"name": "Dinas Baru"}, {"name": "Dinas Baru"}),
        # An operator moves a regency to another code: its name follows the register.
        (
            {"kind": "kabupaten", "region_code": "32.10"},
            {"region_code": "32.11"},
            {"name": "Kabupaten Sumedang", "region_code": "32.11"},
        ),
        # An operator changes the kind.
        (
            {"kind": "kabupaten", "region_code": "32.10"},
            {
                "kind": "lembaga",
                "seat_region_code": "32.10",
                "name": "Bappeda Majalengka",
            },
            # The register's name stays until an operator gives it its own.
            {"kind": "lembaga", "region_code": "", "name": "Kabupaten Majalengka"},
        ),
    ],
)
def test_an_operators_identity_change_in_the_admin_unverifies(
    operator, start, changes, expected
):
    tenant = verified(
        make_tenant(
            "uji-admin",
            start.get("name"),
            **{k: v for k, v in start.items() if k != "name"},
        ),
        operator,
    )
    response = admin_change(host_client("localhost", operator), tenant, **changes)
    assert response.status_code == 302, response.content.decode()[:3000]
    tenant.refresh_from_db()
    for field, value in expected.items():
        assert getattr(tenant, field) == value
    assert tenant.verification_status == "unverified"
    event = unverified_events("uji-admin").get()
    assert event.actor_id == operator.pk
    assert event.reason == "Changed by a platform operator."


def test_an_operators_profile_edit_in_the_admin_keeps_the_verification(
    operator, bandung
):
    verified(bandung, operator)
    response = admin_change(
        host_client("localhost", operator), bandung, address="Jl. Wastukencana 2"
    )
    assert response.status_code == 302
    bandung.refresh_from_db()
    assert bandung.is_verified and bandung.address == "Jl. Wastukencana 2"
    assert not unverified_events("bandung").exists()


def test_the_admin_refuses_a_taken_or_hostile_region_code(operator, bandung):
    tenant = make_tenant("garut", kind="kabupaten", region_code="32.05")
    client = host_client("localhost", operator)
    for code, message in (
        ("32.73", "is a city (kota), not a regency"),
        ("../", "Enter a Kemendagri region code"),
        ("32.73; DROP", "Enter a Kemendagri region code"),
        ("32.0\x005", "single line without control characters"),
        ("3" * 5000, "at most 13 characters"),
    ):
        response = admin_change(client, tenant, region_code=code)
        assert response.status_code == 200
        assert message in response.content.decode(), code
    response = admin_change(client, tenant, kind="kota", region_code="32.73")
    assert response.status_code == 200
    assert "Kota Bandung is already registered on BagiPakai." in (
        response.content.decode()
    )
    tenant.refresh_from_db()
    assert tenant.region_code == "32.05"


def test_a_service_change_of_region_code_unverifies(operator):
    tenant = verified(
        make_tenant("kuningan", kind="kabupaten", region_code="32.08"), operator
    )
    tenant.region_code = "32.09"
    services.tenant_save(actor=operator, tenant=tenant, fields=["region_code"])
    tenant.refresh_from_db()
    assert (tenant.name, tenant.is_verified) == ("Kabupaten Cirebon", False)
    assert (
        unverified_events("kuningan").get().details["after"]["region_code"] == "32.09"
    )


# --- existing data ----------------------------------------------------------------


def test_existing_tenants_are_matched_to_the_register(platform):
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX tenants_tenant_one_per_region")  # rolled back
    rows = [
        ("bdg", "Pemerintah Kota Depok", "kota", "32.76", ""),
        ("bdg2", "Kota Depok juga", "kota", "32.76", ""),
        ("gaib", "Kota Gaib", "kota", "32.99", ""),
        ("grt", "Kota Garut", "kota", "32.05", ""),
        ("dinas", "Dinas X", "lembaga", "32.73.02", ""),
        ("tanpa", "Lembaga Tanpa Kode", "lembaga", "", ""),
    ]
    for slug, name, kind, code, seat in rows:
        Tenant.objects.create(
            schema_name=f"t_{slug}x",
            slug=f"{slug}x",
            name=name,
            kind=kind,
            region_code=code,
            seat_region_code=seat,
        )
    report = "\n".join(tenants_match_register(Tenant))
    got = {
        t.slug: (t.name, t.kind, t.region_code, t.seat_region_code)
        for t in Tenant.objects.filter(slug__endswith="x", schema_name__startswith="t_")
    }
    assert got["bdgx"] == ("Kota Depok", "kota", "32.76", "")
    assert got["bdg2x"] == ("Kota Depok juga", "lembaga", "", "32.76")
    assert got["gaibx"] == ("Kota Gaib", "lembaga", "", "32")
    assert got["grtx"] == ("Kota Garut", "lembaga", "", "32.05")
    assert got["dinasx"][3] == "32.73"
    assert got["tanpax"][3] == ""
    assert "bdgx" in report and "renamed to the register's 'Kota Depok'" in report
    assert "bdg2x" in report and "already held by an older tenant" in report
    assert "gaibx" in report and "not in the register" in report
    assert "grtx" in report and "the register says kabupaten" in report
    assert "tanpax" in report and "TO FIX" in report
