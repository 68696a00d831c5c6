"""One tenant on its own: tenant_export and tenant_import (tenants/archive/)."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, models
from django_tenants.utils import schema_exists

from catalog.models import Adoption, Agreement
from core.files import stored_names
from grants.models import AuditEvent, ProposalDocument
from tenants.archive import registry
from tenants.archive.service import (
    ArchiveError,
    _q,
    _tables,
    tenant_export,
    tenant_import,
)
from tenants.models import (
    Domain,
    Invitation,
    Membership,
    PlatformEvent,
    Tenant,
    User,
)
from tests.factories import make_user


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def source(media, bandung, tangerang, bandung_admin):
    """Bandung with grants (audit events, uploaded documents), a member, a
    pending invitation, and an adoption of Tangerang's app under a confirmed
    agreement."""
    from tests.catalog.conftest import make_active_adoption, make_app
    from tests.grants.conftest import make_applicant, make_program, make_proposal

    app = make_app(tangerang)
    make_active_adoption(app, bandung)
    make_user("staf@bandung.test", tenant=bandung, role="staff")
    Invitation.objects.create(
        tenant=bandung,
        email="calon@bandung.test",
        role="staff",
        invited_by=bandung_admin,
        expires_at="2099-01-01T00:00:00Z",
    )
    connection.set_tenant(bandung)
    try:
        program = make_program(bandung, bandung_admin, required=("Proposal", "KTP"))
        for _ in range(2):
            make_proposal(program, make_applicant(), tenant=bandung)
    finally:
        connection.set_schema_to_public()
    return Tenant.objects.get(pk=bandung.pk)


def schema_rows(schema: str) -> dict[str, list[str]]:
    out = {}
    prefix = f"tenants/{schema}/"
    with connection.cursor() as cursor:
        for table, columns in _tables(cursor, schema):
            if table == "django_migrations":
                continue
            cursor.execute(
                f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(schema)}.{_q(table)}"
            )
            out[table] = sorted(
                repr(row).replace(prefix, "tenants/<schema>/") for row in cursor.fetchall()
            )
    return out


def public_rows(tenant: Tenant) -> dict[str, list[str]]:
    """Every public row the archive covers, ids replaced by what they name."""
    part_models = {p.key for p in registry.public_parts()}
    out = {}
    for part in registry.public_parts():
        rows = []
        for obj in part.rows(tenant).order_by("pk"):
            row = {}
            for f in part.model._meta.concrete_fields:
                value = getattr(obj, f.attname)
                if f.primary_key:
                    continue
                if f.is_relation and value is not None:
                    label = f.related_model._meta.label_lower
                    if label == "tenants.tenant":
                        value = "SELF" if value == tenant.pk else Tenant.all_objects.get(
                            pk=value
                        ).slug
                    elif label == "tenants.user":
                        value = User.objects.get(pk=value).email
                    elif label in part_models:
                        value = "<row>"
                if part.key == "tenants.tenant" and f.name in {"schema_name"}:
                    continue
                if isinstance(f, models.FileField):
                    value = str(value)
                row[f.attname] = repr(value)
            rows.append(json.dumps(row, sort_keys=True))
        out[part.key] = sorted(rows)
    return out


def stored_files(tenant: Tenant) -> dict[str, bytes]:
    connection.set_tenant(tenant)
    try:
        names = list(ProposalDocument.objects.values_list("file", flat=True))
    finally:
        connection.set_schema_to_public()
    names += [a.document.name for a in Agreement.objects.filter(first_party=tenant)]
    out = {}
    for name in names:
        if name:
            with default_storage.open(name, "rb") as handle:
                out[name.replace(f"tenants/{tenant.schema_name}/", "")] = handle.read()
    return out


def lose(tenant: Tenant) -> None:
    """What a lost database does to a tenant: every row the archive covers,
    its schema and its files are gone (append-only tables included)."""
    files = stored_files(tenant)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            for part in reversed(registry.public_parts()):
                ids = list(part.rows(tenant).values_list("pk", flat=True))
                part.model._base_manager.filter(pk__in=ids)._raw_delete(using="default")
        finally:
            cursor.execute("SET session_replication_role = origin")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP SCHEMA {_q(tenant.schema_name)} CASCADE")
    for name in files:
        default_storage.delete(f"tenants/{tenant.schema_name}/{name}")


@pytest.mark.not_on_citus(
    reason="the simulated loss drops the tenant's schema inside the test's own "
    "transaction, and the Citus worker still holds the deferred foreign-key "
    "checks of the rows the test made there (SET CONSTRAINTS does not reach "
    "it): DROP refuses. make citus-check's smoke makes the same round trip "
    "committed for real (tools/citus_smoke.py, archive_round_trip)."
)
def test_round_trip_restores_every_row_and_file(source, tmp_path):
    before_schema = schema_rows(source.schema_name)
    before_public = public_rows(source)
    before_files = stored_files(source)
    assert before_files and before_schema["grants_auditevent"]
    archive = tmp_path / "bandung.tar.gz"
    exported = tenant_export(tenant=source, path=archive)
    assert exported.files == len(before_files)
    lose(source)
    assert not Tenant.all_objects.filter(slug="bandung").exists()

    result = tenant_import(path=archive)

    restored = result.tenant
    assert not result.copy and restored.slug == "bandung"
    assert schema_rows(restored.schema_name) == before_schema
    assert public_rows(restored) == before_public
    assert stored_files(restored) == before_files
    assert restored.is_verified and restored.region_code == "32.73"
    assert Adoption.objects.filter(adopter=restored, status="active").count() == 1
    # The restored chain verifies, and the import is in the platform log.
    call_command("verify_audit_chain", tenant="bandung", full=True, stdout=io.StringIO())
    entry = PlatformEvent.objects.get(seq=result.event_seq)
    assert entry.kind == "tenant_imported" and "at head grants #" in entry.reason
    assert entry.details["heads"]["grants"] == exported.heads["grants"]


def test_copy_starts_unverified_without_region_adoptions_or_agreements(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    result = tenant_import(path=archive, new_slug="bandung-latihan")
    copy = result.tenant
    assert copy.slug == "bandung-latihan" and copy.schema_name == "t_bandung_latihan"
    assert not copy.is_verified and copy.region_code == ""
    assert not Adoption.objects.filter(adopter=copy).exists()
    assert not Agreement.objects.filter(second_party=copy).exists()
    assert copy.subscription.plan == "free" and not copy.subscription.stripe_customer_id
    assert list(Domain.objects.filter(tenant=copy).values_list("domain", flat=True)) == [
        "bandung-latihan.localhost"
    ]
    assert set(Membership.objects.filter(tenant=copy).values_list("user__email", "role")) == set(
        Membership.objects.filter(tenant=source).values_list("user__email", "role")
    )
    # Row for row the same schema; its files under its own prefix, byte for byte.
    assert schema_rows(copy.schema_name) == schema_rows(source.schema_name)
    assert stored_files(copy) == {
        k: v for k, v in stored_files(source).items() if not k.startswith("catalog/")
    }
    # The source is untouched.
    assert Tenant.objects.get(pk=source.pk).is_verified


def test_copy_cannot_take_an_existing_or_deleted_slug(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    tenants_before = Tenant.all_objects.count()
    with pytest.raises(ArchiveError, match="already taken"):
        tenant_import(path=archive, new_slug="tangerang")
    with pytest.raises(ArchiveError, match="already taken"):
        tenant_import(path=archive)  # bandung itself is still here
    Tenant.objects.filter(slug="tangerang").update(deleted_at="2026-01-01T00:00:00Z")
    with pytest.raises(ArchiveError, match="already taken"):
        tenant_import(path=archive, new_slug="tangerang")
    assert Tenant.all_objects.count() == tenants_before
    with pytest.raises(CommandError, match="already taken"):
        call_command("tenant_import", str(archive), "--as", "tangerang")


def _rewrite(archive, change):
    """The archive with `change(name, data) -> data` applied to each member."""
    members = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            members.append((member.name, tar.extractfile(member).read()))
    out = archive.with_name("changed.tar.gz")
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members:
            data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def assert_nothing_left(slug="bandung-salinan"):
    assert not Tenant.all_objects.filter(slug=slug).exists()
    assert not schema_exists(f"t_{slug.replace('-', '_')}")


def test_refuses_truncated_tampered_and_newer_archives(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    data = archive.read_bytes()
    log_before = PlatformEvent.objects.count()

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="damaged or cut short|no manifest"):
        tenant_import(path=cut, new_slug="bandung-salinan")
    assert_nothing_left()

    def tamper(name, content):
        if name.endswith("grants_proposal.copy"):
            return content.replace(b"Renovasi", b"Renovesi", 1)
        return content

    with pytest.raises(ArchiveError, match="checksum"):
        tenant_import(path=_rewrite(archive, tamper), new_slug="bandung-salinan")
    assert_nothing_left()

    def newer(name, content):
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["migrations"]["tenant"].append(["grants", "9999_from_the_future"])
            return json.dumps(manifest).encode()
        return content

    with pytest.raises(ArchiveError, match="newer BagiPakai"):
        tenant_import(path=_rewrite(archive, newer), new_slug="bandung-salinan")
    assert_nothing_left()

    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive at all")
    with pytest.raises(CommandError, match="not a BagiPakai tenant archive"):
        call_command("tenant_import", str(garbage), "--as", "bandung-salinan")
    assert PlatformEvent.objects.count() == log_before


def test_a_rewritten_audit_history_is_refused_against_a_saved_head(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    exported = tenant_export(tenant=source, path=archive)
    seq = exported.heads["grants"]["seq"]
    with pytest.raises(ArchiveError, match="does not verify"):
        tenant_import(
            path=archive, new_slug="bandung-salinan", saved_heads=[("grants", seq, "a" * 64)]
        )
    assert_nothing_left()
    result = tenant_import(
        path=archive,
        new_slug="bandung-salinan",
        saved_heads=[("grants", seq, exported.heads["grants"]["hash"])],
    )
    assert result.checked_against == ["grants"]


def test_import_checks_the_chain_against_the_source_log(source, tmp_path):
    from tenants.anchoring import chains_anchor
    from tenants.transparency import log_json_page

    chains_anchor()
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    log = tmp_path / "log.json"
    log.write_text(json.dumps(log_json_page(after=0, limit=1000)))
    result = tenant_import(path=archive, new_slug="bandung-salinan", log_files=[log])
    assert result.checked_against == ["grants"]

    # A log whose anchors were changed after publication is refused.
    page = json.loads(log.read_text())
    for rows in page["anchors"].values():
        for anchor in rows:
            anchor["hash"] = "b" * 64
    log.write_text(json.dumps(page))
    with pytest.raises(ArchiveError, match="do not match the digest"):
        tenant_import(path=archive, new_slug="bandung-salinan-2", log_files=[log])
    assert_nothing_left("bandung-salinan-2")


def test_failure_in_the_middle_leaves_nothing(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    users = User.objects.count()
    counts = {
        model: model.objects.count()
        for model in (Membership, Invitation, Domain, PlatformEvent, Agreement)
    }

    def explode(tenant, ctx):
        raise RuntimeError("the disk is full")

    registry.register_after_import(explode)
    try:
        with pytest.raises(RuntimeError, match="disk is full"):
            tenant_import(path=archive, new_slug="bandung-salinan")
    finally:
        registry._AFTER_IMPORT.remove(explode)
    assert_nothing_left()
    assert User.objects.count() == users
    assert {model: model.objects.count() for model in counts} == counts
    # Its files were written, then removed (directories of a disk may stay).
    assert list(stored_names(default_storage, "tenants/t_bandung_salinan")) == []


def test_archive_holds_no_password_hash_or_second_factor(source, tmp_path):
    from allauth.mfa.models import Authenticator

    admin = Membership.objects.filter(tenant=source, role="admin").first().user
    Authenticator.objects.create(
        user=admin, type=Authenticator.Type.TOTP, data={"secret": "SECRETSECRET"}
    )
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    with tarfile.open(archive, "r:gz") as tar:
        text = b"".join(
            tar.extractfile(m).read() for m in tar if not m.name.startswith("files/")
        )
    assert admin.password.encode() not in text
    assert b"SECRETSECRET" not in text and b'"password"' not in text


def test_people_missing_here_are_created_without_a_password(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    staff = User.objects.get(email="staf@bandung.test")
    old_id = staff.pk
    Membership.objects.filter(user=staff).delete()
    connection.set_tenant(source)
    audit_users = set(AuditEvent.objects.values_list("actor_id", flat=True))
    connection.set_schema_to_public()
    staff.delete()
    result = tenant_import(path=archive, new_slug="bandung-salinan")
    recreated = User.objects.get(email="staf@bandung.test")
    assert recreated.pk != old_id and not recreated.has_usable_password()
    assert result.users_created == 1
    assert Membership.objects.filter(tenant=result.tenant, user=recreated).exists()
    assert audit_users  # the chain names people by id; they were matched by e-mail


def test_export_command_writes_and_logs(source, tmp_path):
    target = tmp_path / "out.tar.gz"
    out = io.StringIO()
    call_command("tenant_export", "bandung", str(target), stdout=out)
    assert target.exists() and "SHA-256" in out.getvalue()
    assert PlatformEvent.objects.filter(kind="tenant_exported", tenant_slug="bandung").exists()
    with pytest.raises(CommandError, match="no organisation"):
        call_command("tenant_export", "nowhere", str(target))


def test_an_archive_cannot_place_files_under_another_tenants_prefix(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)

    def elsewhere(name, content):
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["files"][0]["name"] = "tenants/t_tangerang/grants/planted.pdf"
            return json.dumps(manifest).encode()
        return content

    with pytest.raises(ArchiveError, match="outside its organisation"):
        tenant_import(path=_rewrite(archive, elsewhere), new_slug="bandung-salinan")
    assert_nothing_left()
    assert not default_storage.exists("tenants/t_tangerang/grants/planted.pdf")


def test_a_saved_head_beyond_the_archive_means_events_are_missing(source, tmp_path):
    archive = tmp_path / "bandung.tar.gz"
    exported = tenant_export(tenant=source, path=archive)
    seq = exported.heads["grants"]["seq"]
    with pytest.raises(ArchiveError, match="events are missing"):
        tenant_import(
            path=archive, new_slug="bandung-salinan", saved_heads=[("grants", seq + 5, "c" * 64)]
        )
    assert_nothing_left()


def _catalogue_tables(cursor, schema: str) -> list[tuple[str, list[str]]]:
    """The schema's tables read the plain way (a filter on pg_class.relnamespace,
    which reads the whole catalogue): what _tables must find from the schema's
    own dependencies."""
    cursor.execute(
        """
        SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
             AND NOT a.attisdropped AND a.attgenerated = ''
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
        GROUP BY c.relname ORDER BY c.relname
        """,
        [schema],
    )
    return [(name, list(columns)) for name, columns in cursor.fetchall()]


def test_every_table_of_the_schema_is_found_and_no_other(bandung):
    """The archive lists a schema's tables without touching other schemas'
    catalogue rows: a table made by hand, one moved in from another schema, a
    partitioned one and a dropped or generated column count as in the catalogue."""
    from tenants.archive.encoding import _identity_columns

    schema = _q(bandung.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {schema}.by_hand (id bigint GENERATED BY DEFAULT AS "
            "IDENTITY, a text, gone int, twice int GENERATED ALWAYS AS (2) STORED)"
        )
        cursor.execute(f"ALTER TABLE {schema}.by_hand DROP COLUMN gone")
        cursor.execute("CREATE TABLE public.moved_in (b int)")
        cursor.execute(f"ALTER TABLE public.moved_in SET SCHEMA {schema}")
        cursor.execute(f"CREATE TABLE {schema}.parted (c int) PARTITION BY RANGE (c)")
        cursor.execute(
            f"CREATE TABLE {schema}.parted_low PARTITION OF {schema}.parted "
            "FOR VALUES FROM (0) TO (10)"
        )
        cursor.execute(f"CREATE VIEW {schema}.not_a_table AS SELECT 1 AS one")
        found = _tables(cursor, bandung.schema_name)
        assert found == _catalogue_tables(cursor, bandung.schema_name)
        names = [name for name, _c in found]
        for name in ("by_hand", "moved_in", "parted", "parted_low", "grants_proposal"):
            assert name in names
        assert "not_a_table" not in names
        assert dict(found)["by_hand"] == ["id", "a"]
        # No table of another schema, nor the template's.
        assert len(names) == len(set(names))
        assert ("by_hand", "id") in _identity_columns(cursor, bandung.schema_name)
        assert ("grants_proposal", "id") in _identity_columns(
            cursor, bandung.schema_name
        )
        assert ("by_hand", "id") not in _identity_columns(cursor, "public")


@pytest.mark.parametrize("held_max", [0, None], ids=["unpacked-to-disk", "held"])
def test_files_come_back_byte_for_byte_from_disk_or_memory(
    source, tmp_path, monkeypatch, held_max
):
    """Small files are held in memory between checking and storing, larger ones
    unpacked to disk and linked; either way the copy's are the source's bytes."""
    from tenants.archive import reading

    if held_max is not None:
        monkeypatch.setattr(reading, "HELD_FILE_MAX", held_max)
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    copy = tenant_import(path=archive, new_slug="bandung-salinan").tenant
    assert stored_files(copy) == {
        k: v for k, v in stored_files(source).items() if not k.startswith("catalog/")
    }


@pytest.mark.parametrize("held_max", [0, None], ids=["unpacked-to-disk", "held"])
def test_an_imported_file_never_overwrites_one_already_there(
    source, tmp_path, monkeypatch, held_max
):
    from django.core.files.base import ContentFile

    from tenants.archive import reading

    if held_max is not None:
        monkeypatch.setattr(reading, "HELD_FILE_MAX", held_max)
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=source, path=archive)
    connection.set_tenant(source)
    try:
        name = ProposalDocument.objects.exclude(file="").values_list("file", flat=True)[0]
    finally:
        connection.set_schema_to_public()
    wanted = name.replace(f"tenants/{source.schema_name}/", "tenants/t_bandung_salinan/")
    assert default_storage.save(wanted, ContentFile(b"not the archive's")) == wanted

    copy = tenant_import(path=archive, new_slug="bandung-salinan").tenant

    with default_storage.open(wanted, "rb") as handle:
        assert handle.read() == b"not the archive's"
    copied = stored_files(copy)
    assert f"{wanted}" not in {f"tenants/{copy.schema_name}/{k}" for k in copied}
    assert sorted(copied.values()) == sorted(
        v for k, v in stored_files(source).items() if not k.startswith("catalog/")
    )


def test_the_tar_stream_is_the_one_tarfile_writes_byte_for_byte():
    """tenants/archive/writing.py builds simple headers itself and falls back to
    tarfile for the rest; the stream must be what tarfile.addfile writes."""
    import random

    from tenants.archive.writing import TarWriter, member_header

    rng = random.Random(16)
    members = [
        ("manifest.json", b'{"format": 1}'),
        ("files/000000", b""),
        ("files/000001", bytes(rng.randrange(256) for _ in range(512))),
        ("files/000002", bytes(rng.randrange(256) for _ in range(513))),
        ("schema/012-grants_proposal.copy", b"1\tx\n" * 5000),
        ("public/" + "a" * 95 + ".jsonl", b"{}\n"),  # over 100 bytes: PAX
        ("x" * 100, b"exactly a hundred"),
        ("files/ñame", b"not ASCII: PAX"),
    ]
    mtime = 1_780_000_000
    expected = io.BytesIO()
    with tarfile.open(fileobj=expected, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = mtime
            tar.addfile(info, io.BytesIO(data))
    written = io.BytesIO()
    writer = TarWriter(written, mtime, chunk=1000)
    for name, data in members:
        assert writer.add(name, len(data), io.BytesIO(data)) == len(data)
    writer.close()
    assert written.getvalue() == expected.getvalue()
    # A source that ends early is reported, not padded silently.
    assert TarWriter(io.BytesIO(), mtime).add("files/000003", 10, io.BytesIO(b"short")) == 5
    info = tarfile.TarInfo("files/000004")
    info.size, info.mtime = 8**11, mtime  # too large for ustar: PAX
    assert member_header("files/000004", 8**11, mtime) == info.tobuf(
        tarfile.PAX_FORMAT, "utf-8", "surrogateescape"
    )
