"""Refused subdomains, atomic provisioning and the cloned schema."""

from __future__ import annotations

import pytest
from django.db import connection

from tenants import schema as tenant_schema
from tenants import services
from tenants.models import Domain, Invitation, LoginHandoff, Membership, Tenant
from tenants.services import provisioning
from tests.conftest import host_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Kota Depok",
    "kind": "kota",
    "region_code": "32.76",
    "slug": "depok",
}


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def founder_client(platform):
    return host_client("localhost", make_user("walikota@depok.test"))


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("www", "reserved"),
        ("admin", "reserved"),
        ("api", "reserved"),
        ("static", "reserved"),
        ("public", "reserved"),
        ("Depok", "lower-case"),
        ("d" * 31, "at most 30 characters"),
        ("1depok", "Start with a letter"),
        ("-depok", "start or end with a dash"),
        ("depok-", "start or end with a dash"),
        ("de", "at least 3"),
        ("de_pok", "letters a-z, digits and dashes"),
        ("../etc", "letters a-z, digits and dashes"),
        ("bandung", "already taken"),
    ],
)
def test_refused_subdomain_keeps_what_was_typed(founder_client, bandung, slug, message):
    response = founder_client.post("/orgs/new/", {**VALID, "slug": slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    # Everything typed is still in the form.
    assert 'value="Kota Depok"' in html
    assert 'value="32.76" selected' in html
    assert f'value="{slug}"' in html
    assert not Tenant.objects.filter(name="Kota Depok").exists()


def test_leading_dash_is_named_as_such(founder_client):
    html = founder_client.post(
        "/orgs/new/", {**VALID, "slug": "-depok"}
    ).content.decode()
    assert "Do not start or end with a dash." in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"region_code": "3276"}, "Select a valid choice"),
        ({"region_code": ""}, "Choose the region from the register."),
        (
            {"kind": "kabupaten", "region_code": "32.76"},
            "Kota Depok is a city (kota), not a regency (kabupaten).",
        ),
        (
            {"kind": "provinsi", "region_code": "32.76"},
            "Kota Depok is a city (kota), not a province.",
        ),
        ({"kind": "platform"}, "Select a valid choice"),
        ({"kind": "lembaga", "name": ""}, "Enter the institution&#x27;s name."),
        (
            {"kind": "lembaga", "name": "Dinas Kesehatan"},
            "Name the city, regency or province the institution sits in.",
        ),
        (
            {"kind": "lembaga", "name": "x" * 5000, "seat_region_code": "32.76"},
            "at most 200 characters",
        ),
    ],
)
def test_invalid_organisation_details_get_clear_messages(
    founder_client, fields, message
):
    response = founder_client.post("/orgs/new/", {**VALID, **fields})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if fields.get("kind") != "lembaga":
        # A region's name is the register's: never asked for.
        assert "Enter the organisation" not in html
    assert not Tenant.objects.filter(slug="depok").exists()


def test_hostile_form_input_is_refused_not_a_500(founder_client):
    for payload in (
        {"slug": "\x00depok"},
        {"slug": "дepok"},
        {"region_code": "'; DROP SCHEMA public; --"},
        {"kind": ["kota", "kabupaten"]},
    ):
        response = founder_client.post("/orgs/new/", {**VALID, **payload})
        assert response.status_code == 200
    # The register's codes: anything but one of its choices is refused by name.
    for code in ("../", "32.73; DROP", "32.7\x003", "3" * 5000, "32.76\n", "32.76.01"):
        for payload in (
            {"region_code": code},
            {"kind": "lembaga", "name": "Dinas", "seat_region_code": code},
        ):
            response = founder_client.post("/orgs/new/", {**VALID, **payload})
            assert response.status_code == 200
            assert "Select a valid choice" in response.content.decode()
    assert not Tenant.objects.filter(slug="depok").exists()
    assert schema_exists("public")


def test_provisioning_failure_after_schema_exists_leaves_nothing(platform, monkeypatch):
    founder = make_user("gagal@depok.test")
    seen = {}

    def fail_after_schema(tenant):
        seen["schema_existed"] = schema_exists(tenant.schema_name)
        raise RuntimeError("injected failure after the schema was created")

    monkeypatch.setattr(provisioning, "_provision_domain", fail_after_schema)
    with pytest.raises(RuntimeError, match="injected failure"):
        services.tenant_provision(actor=founder, **VALID)

    assert seen == {"schema_existed": True}
    assert not schema_exists("t_depok")
    assert not Tenant.objects.filter(slug="depok").exists()
    assert not Domain.objects.filter(domain="depok.localhost").exists()
    assert not Membership.objects.filter(user=founder).exists()
    # The same subdomain can be provisioned afterwards.
    monkeypatch.undo()
    tenant = services.tenant_provision(actor=founder, **VALID)
    assert schema_exists(tenant.schema_name)


def test_provisioning_failure_at_membership_leaves_nothing(platform, monkeypatch):
    founder = make_user("gagal2@depok.test")

    def boom(*args, **kwargs):
        raise RuntimeError("membership failed")

    monkeypatch.setattr(Membership.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.tenant_provision(actor=founder, **VALID)
    assert not schema_exists("t_depok")
    assert not Tenant.objects.filter(slug="depok").exists()
    assert not Domain.objects.filter(domain="depok.localhost").exists()


def _catalog(schema: str) -> dict:
    """Tables, columns, constraints and indexes of a schema, with names, schema-independent."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name, data_type, is_nullable, is_identity
               FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2""",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            """SELECT c.relname, con.conname, con.contype FROM pg_constraint con
               JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s ORDER BY 1, 2""",
            [schema],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, replace(indexdef, %s, 'S.') FROM pg_indexes WHERE schemaname = %s ORDER BY 1",
            [f"{schema}.", schema],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            f'SELECT app, name FROM "{schema}".django_migrations ORDER BY 1, 2'
        )
        migrations = cursor.fetchall()
    return {
        "columns": columns,
        "constraints": constraints,
        "indexes": indexes,
        "migrations": migrations,
    }


def test_cloned_schema_matches_a_migrated_one(bandung):
    """A clone has every table, constraint and index of a schema built by migrations, by name."""
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "t_migrated_check"')
    from django.core.management import call_command

    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name="t_migrated_check",
        interactive=False,
        verbosity=0,
        skip_template=True,
    )
    connection.set_schema_to_public()
    try:
        migrated = _catalog("t_migrated_check")
        cloned = _catalog(bandung.schema_name)
        assert cloned == migrated
        assert migrated["migrations"], "a tenant schema records its migrations"
    finally:
        tenant_schema.schema_drop("t_migrated_check")


@pytest.mark.parametrize(
    ("ddl", "named"),
    [
        ("CREATE VIEW {t}.a_view AS SELECT 1 AS one", "a_view"),
        ("CREATE MATERIALIZED VIEW {t}.a_matview AS SELECT 1 AS one", "a_matview"),
        (
            "CREATE FUNCTION {t}.a_function() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "a_function",
        ),
        ("CREATE SEQUENCE {t}.a_sequence", "a_sequence"),
        (
            "CREATE FUNCTION {t}.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "'BEGIN RETURN NULL; END'; CREATE TRIGGER a_trigger BEFORE DELETE ON "
            "{t}.django_migrations FOR EACH ROW EXECUTE FUNCTION {t}.refuse()",
            "a_trigger",
        ),
    ],
)
def test_clone_refuses_template_objects_it_cannot_copy(platform, ddl, named):
    """The clone plan reads the template's own objects (not the catalogue of every
    schema) and still finds each kind it cannot copy, and says which."""
    template = tenant_schema.template_schema()
    with connection.cursor() as cursor:
        cursor.execute(ddl.format(t=f'"{template}"'))
        version = tenant_schema._template_version(cursor, template)
        with pytest.raises(RuntimeError, match=named):
            tenant_schema._build_plan(cursor, template, version)


def test_clone_plan_copies_every_table_constraint_index_and_trigger(platform):
    """The plan's statements name every table, constraint, index and trigger the
    template has, as the catalogue lists them for the template's schema."""
    template = tenant_schema.template_schema()
    with connection.cursor() as cursor:
        version = tenant_schema._template_version(cursor, template)
        plan = "\n".join(
            tenant_schema._build_plan(cursor, template, version).statements
        )
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'i')
            UNION ALL
            SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND con.contype IN ('p', 'u', 'x', 'f')
            UNION ALL
            SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND NOT t.tgisinternal
            """,
            [template] * 3,
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names
    missing = [
        name for name in names if f'"{name}"' not in plan and f" {name} " not in plan
    ]
    assert not missing


def test_template_is_rebuilt_when_stale(platform):
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{tenant_schema.template_schema()}".django_migrations '
            "WHERE id = (SELECT max(id) FROM "
            f'"{tenant_schema.template_schema()}".django_migrations)'
        )
    assert not tenant_schema.template_is_current()
    tenant = services.tenant_provision(actor=make_user("baru@depok.test"), **VALID)
    assert tenant_schema.template_is_current()
    assert (
        tenant_schema.applied_migrations(tenant.schema_name)
        == tenant_schema.expected_migrations()
    )


def test_schema_names_are_derived_never_raw(platform):
    tenant = services.tenant_provision(
        actor=make_user("x@kab-bandung-barat.test"),
        name="Kabupaten Bandung Barat",
        kind="kabupaten",
        region_code="32.17",
        slug="kab-bandung-barat",
    )
    assert tenant.schema_name == "t_kab_bandung_barat"


def test_operator_models_link_back_to_tenant_on_delete():
    """Every public-schema row of a tenant cascades when the tenant goes (see test_operators)."""
    for model in (Domain, Membership, Invitation, LoginHandoff):
        field = model._meta.get_field("tenant")
        assert field.remote_field.on_delete.__name__ == "CASCADE", model
