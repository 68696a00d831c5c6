"""Uploads go through the storage API under a per-tenant prefix, on the local disk
and on S3-compatible object storage alike (#16).

The object store is a real S3 API server (moto in server mode) started by this
module on a free local port; files are checked in the bucket itself, not only
through the code under test.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from core.files import orphans
from core.storage import belongs_to, tenant_file_name, tenant_prefix
from tests.conftest import host_client
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
KEY_ID = "bagipakai-test"
SECRET = "bagipakai-test-secret"


def png_bytes(colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    from tests.tenants.test_desk import pdf_bytes as make

    return make()


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 API server of our own, on a free port of this machine."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@dataclass
class Backend:
    kind: str
    read_raw: object  # name -> bytes | None, read beside the code under test
    bucket: str = ""
    endpoint: str = ""


@pytest.fixture(params=["disk", "s3"])
def backend(request, settings, tmp_path):
    """The default storage on the local disk, or in a fresh bucket (under a
    folder, as S3_PREFIX does) of the S3 server."""
    settings.MEDIA_ROOT = tmp_path
    if request.param == "disk":
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        }

        def read_raw(name):
            path = tmp_path / name
            return path.read_bytes() if path.is_file() else None

        yield Backend("disk", read_raw)
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    client = s3_client(endpoint)
    bucket = f"bagipakai-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.objectstorage.ObjectStorage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": REGION,
                "access_key": KEY_ID,
                "secret_key": SECRET,
                "location": "media",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
                "max_memory_size": 2 * 1024 * 1024,
            },
        },
    }

    def read_raw(name):
        try:
            return client.get_object(Bucket=bucket, Key=f"media/{name}")["Body"].read()
        except client.exceptions.NoSuchKey:
            return None

    yield Backend("s3", read_raw, bucket=bucket, endpoint=endpoint)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def grants_document(module_on, officials):
    from tests.grants.conftest import make_applicant, make_program, make_proposal

    connection.set_tenant(module_on)  # other fixtures may have gone back to public
    program = make_program(module_on, officials["admin"])
    person = make_applicant()
    proposal = make_proposal(program, person, tenant=module_on)
    return person, proposal, proposal.documents.get()


# --- names ------------------------------------------------------------------------------


def test_names_are_random_and_stay_inside_the_tenants_prefix():
    name = tenant_file_name("t_bandung", "grants", "pdf")
    assert name.startswith("tenants/t_bandung/grants/") and name.endswith(".pdf")
    assert name != tenant_file_name("t_bandung", "grants", "pdf")
    shared = tenant_file_name("t_bandung", "catalog/logos", "PNG", shared=True)
    assert shared.startswith("tenants/t_bandung/shared/catalog/logos/")
    assert shared.endswith(".png")
    assert tenant_file_name("t_x", "grants", "p/../df").endswith(".bin")
    for hostile in ("../t_other", "t_x/../t_y", "", "T_Upper", "t x", "t_x/"):
        with pytest.raises(ValueError):
            tenant_prefix(hostile)
    with pytest.raises(ValueError):
        tenant_file_name("t_x", "../grants", "pdf")
    assert belongs_to("tenants/t_a/grants/x.pdf", "t_a")
    assert not belongs_to("tenants/t_ab/grants/x.pdf", "t_a")
    assert not belongs_to("tenants/t_a/../t_b/grants/x.pdf", "t_a")
    assert not belongs_to("", "t_a")


def test_every_upload_is_stored_under_its_tenants_prefix(
    backend, module_on, officials, tangerang
):
    from catalog import services as catalog
    from tenants import services as tenants
    from tests.catalog.conftest import make_agreement

    _, _, document = grants_document(module_on, officials)
    assert document.file.name.startswith(f"tenants/{module_on.schema_name}/grants/")
    assert backend.read_raw(document.file.name).startswith(b"%PDF")

    connection.set_schema_to_public()
    garut_admin = make_user("admin@garutkab.go.id")
    garut = make_tenant("garut", "Pemerintah Kabupaten Garut", admin=garut_admin)
    letter = tenants.verification_request_create(
        actor=garut_admin,
        tenant=garut,
        letter=SimpleUploadedFile("surat.pdf", pdf_bytes(), "application/pdf"),
    ).letter.name
    assert letter.startswith("tenants/t_garut/verification/")
    assert backend.read_raw(letter) == pdf_bytes()

    app = catalog.app_update(
        actor=None,
        app=module_on.published_apps.get(),
        logo=SimpleUploadedFile("logo.png", png_bytes()),
    )
    shot = catalog.screenshot_add(
        actor=None, app=app, image=SimpleUploadedFile("layar.png", png_bytes())
    )
    shared = f"tenants/{module_on.schema_name}/shared/catalog/"
    assert app.logo.name.startswith(f"{shared}logos/")
    assert shot.image.name.startswith(f"{shared}screenshots/")
    assert backend.read_raw(app.logo.name) == png_bytes()

    agreement = make_agreement(module_on, tangerang)
    agreement.document.save("x.pdf", ContentFile(pdf_bytes()))
    assert agreement.document.name.startswith(f"{shared}agreements/")
    assert backend.read_raw(agreement.document.name) == pdf_bytes()


def test_an_amendments_document_is_stored_under_the_proposing_party(
    backend, bandung, tangerang, bandung_admin
):
    from catalog import services as catalog
    from tests.catalog.conftest import make_agreement

    agreement = make_agreement(bandung, tangerang)
    catalog.agreement_amend(
        actor=bandung_admin,
        tenant=bandung,
        agreement=agreement,
        document=SimpleUploadedFile("adendum.pdf", pdf_bytes(), "application/pdf"),
        title="Perjanjian kerja sama (adendum)",
    )
    proposal = agreement.events.get(version=2, action="propose")
    assert proposal.document.name.startswith(
        f"tenants/{bandung.schema_name}/shared/catalog/agreements/"
    )
    assert backend.read_raw(proposal.document.name) == pdf_bytes()


# --- downloads behind the access checks --------------------------------------------------


def test_a_private_document_is_downloaded_only_after_the_access_check(
    backend, module_on, officials, tangerang
):
    person, _, document = grants_document(module_on, officials)
    path = f"/grants/documents/{document.pk}/"
    own = host_client("bandung.localhost", person).get(path)
    assert own.status_code == 200
    assert own["Content-Type"] == "application/pdf"
    assert (
        own["Content-Disposition"]
        == f'attachment; filename="dokumen-{document.pk}.pdf"'
    )
    assert own["Cache-Control"] == "private, no-store"
    assert body(own) == backend.read_raw(document.file.name)
    assert (
        host_client("bandung.localhost", officials["opd"]).get(path).status_code == 200
    )
    # Anybody else, and the same id asked on another tenant's host: nothing.
    outsider = make_user("asing@example.test")
    assert host_client("bandung.localhost", outsider).get(path).status_code == 404
    assert host_client("bandung.localhost").get(path).status_code == 404
    assert host_client("tangerang.localhost", person).get(path).status_code == 404


def test_a_row_naming_another_tenants_file_is_never_served(
    backend, module_on, officials, tangerang
):
    """A damaged or hostile restore could write any name into a row: a tenant's
    host serves only names under its own prefix, even when the file exists."""
    from grants.models import ProposalDocument

    person, _, document = grants_document(module_on, officials)
    foreign = default_storage.save(
        tenant_file_name(tangerang.schema_name, "grants", "pdf"),
        ContentFile(b"%PDF-1.4 rahasia Tangerang"),
    )
    ProposalDocument.objects.filter(pk=document.pk).update(file=foreign)
    path = f"/grants/documents/{document.pk}/"
    assert host_client("bandung.localhost", person).get(path).status_code == 404
    ProposalDocument.objects.filter(pk=document.pk).update(
        file=f"tenants/{module_on.schema_name}/grants/../../{tangerang.schema_name}/x.pdf"
    )
    assert host_client("bandung.localhost", person).get(path).status_code == 404


def test_a_missing_file_is_a_404_not_a_500(backend, module_on, officials):
    person, _, document = grants_document(module_on, officials)
    default_storage.delete(document.file.name)
    path = f"/grants/documents/{document.pk}/"
    assert host_client("bandung.localhost", person).get(path).status_code == 404


def test_signed_links_are_issued_only_after_the_access_check_and_expire(
    backend, module_on, officials, settings
):
    if backend.kind != "s3":
        # On the disk there is nothing to sign: the file is always streamed.
        settings.STORAGE_SIGNED_URLS = True
        person, _, document = grants_document(module_on, officials)
        response = host_client("bandung.localhost", person).get(
            f"/grants/documents/{document.pk}/"
        )
        assert response.status_code == 200 and body(response).startswith(b"%PDF")
        return
    settings.STORAGE_SIGNED_URLS = True
    settings.STORAGE_SIGNED_URL_SECONDS = 120
    person, _, document = grants_document(module_on, officials)
    path = f"/grants/documents/{document.pk}/"
    assert host_client("bandung.localhost").get(path).status_code == 404
    assert (
        host_client("bandung.localhost", make_user("asing@example.test"))
        .get(path)
        .status_code
        == 404
    )
    response = host_client("bandung.localhost", person).get(path)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    url = response["Location"]
    assert url.startswith(f"{backend.endpoint}/{backend.bucket}/media/tenants/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert query["X-Amz-Signature"][0]
    assert query["response-content-disposition"] == [
        f'attachment; filename="dokumen-{document.pk}.pdf"'
    ]
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == backend.read_raw(document.file.name)
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"].startswith("attachment")


def test_the_verification_letter_reaches_operators_only(backend, platform):
    from django.contrib.auth.models import Permission

    from tenants import services as tenants

    garut_admin = make_user("admin@garutkab.go.id")
    garut = make_tenant("garut", "Pemerintah Kabupaten Garut", admin=garut_admin)
    request = tenants.verification_request_create(
        actor=garut_admin,
        tenant=garut,
        letter=SimpleUploadedFile("surat.pdf", pdf_bytes(), "application/pdf"),
    )
    verifier = make_user("verifier@bagipakai.test", is_staff=True)
    verifier.user_permissions.add(Permission.objects.get(codename="verify_tenant"))
    path = f"/operator/verification/{request.pk}/letter/"
    response = host_client("localhost", verifier).get(path)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    assert body(response) == pdf_bytes()
    for other in (garut_admin, make_user("helpdesk@bagipakai.test", is_staff=True)):
        assert host_client("localhost", other).get(path).status_code == 403
        assert b"%PDF" not in host_client("localhost", other).get(path).content


def test_agreement_documents_reach_the_two_parties_only(
    backend, bandung, tangerang, bandung_admin, tangerang_admin
):
    from tests.catalog.conftest import make_agreement

    agreement = make_agreement(bandung, tangerang)
    agreement.document.save("x.pdf", ContentFile(pdf_bytes()))
    path = f"/apps/agreements/{agreement.pk}/document/"
    for host, user in (
        ("bandung.localhost", bandung_admin),
        ("tangerang.localhost", tangerang_admin),
    ):
        response = host_client(host, user).get(path)
        assert response.status_code == 200 and body(response) == pdf_bytes()
    garut_admin = make_user("admin@garutkab.go.id")
    make_tenant("garut", "Pemerintah Kabupaten Garut", admin=garut_admin)
    assert host_client("garut.localhost", garut_admin).get(path).status_code == 404


def test_public_images_are_served_from_the_storage(backend, bandung):
    from catalog import services as catalog
    from tests.catalog.conftest import make_app

    app = catalog.app_update(
        actor=None,
        app=make_app(bandung),
        logo=SimpleUploadedFile("logo.png", png_bytes()),
    )
    response = host_client("localhost").get(f"/catalog/{app.slug}/logo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response) == png_bytes()
    default_storage.delete(app.logo.name)
    assert host_client("localhost").get(f"/catalog/{app.slug}/logo/").status_code == 404


# --- what is left behind -----------------------------------------------------------------


def test_orphans_are_found_and_removed_and_named_files_kept(
    backend, module_on, officials, monkeypatch
):
    _, _, document = grants_document(module_on, officials)
    connection.set_schema_to_public()
    orphaned = [
        default_storage.save(
            tenant_file_name(module_on.schema_name, "grants", "pdf"),
            ContentFile(b"%PDF-1.4 refused"),
        )
        for _ in range(3)
    ]
    # Just stored: could be an upload whose row is not committed yet.
    assert orphans(older_than=timedelta(hours=1)) == []
    assert orphans(older_than=timedelta(0)) == sorted(orphaned)
    if backend.kind == "s3":
        monkeypatch.setattr("core.objectstorage.DELETE_BATCH", 2)
    out = StringIO()
    call_command("cleanup_uploads", "--older-than-hours", "0", stdout=out)
    assert "3 orphaned file(s) removed." in out.getvalue()
    for name in orphaned:
        assert backend.read_raw(name) is None
    assert backend.read_raw(document.file.name).startswith(b"%PDF")


def test_a_refused_upload_leaves_no_file(backend, module_on, officials, monkeypatch):
    from grants import services
    from grants.models import ProposalDocument
    from tests.grants.conftest import make_applicant, make_program, make_proposal

    program = make_program(module_on, officials["admin"])
    person = make_applicant()
    proposal = make_proposal(program, person, submit=False, tenant=module_on)
    before = set(ProposalDocument.objects.values_list("file", flat=True))
    stored = []
    original = ProposalDocument.save

    def failing_save(self, *args, **kwargs):
        stored.append(self.file.name)
        raise DatabaseError("the database went away in the middle of the upload")

    monkeypatch.setattr(ProposalDocument, "save", failing_save)
    with pytest.raises(DatabaseError):
        services.document_upload(
            tenant=module_on,
            actor_user=person,
            proposal=proposal,
            kind="required",
            requirement="Proposal",
            upload=SimpleUploadedFile("p.pdf", pdf_bytes(), "application/pdf"),
        )
    monkeypatch.setattr(ProposalDocument, "save", original)
    assert stored and stored[0].startswith(f"tenants/{module_on.schema_name}/grants/")
    assert backend.read_raw(stored[0]) is None
    assert set(ProposalDocument.objects.values_list("file", flat=True)) == before


def test_deleting_a_tenant_removes_its_own_files_and_keeps_shared_ones(
    backend, platform, tangerang, django_capture_on_commit_callbacks
):
    from tenants import services as tenants
    from tests.catalog.conftest import make_agreement, make_app

    garut_admin = make_user("admin@garutkab.go.id")
    garut = make_tenant("garut", "Pemerintah Kabupaten Garut", admin=garut_admin)
    letter = tenants.verification_request_create(
        actor=garut_admin,
        tenant=garut,
        letter=SimpleUploadedFile("surat.pdf", pdf_bytes(), "application/pdf"),
    ).letter.name
    own = default_storage.save(
        tenant_file_name("t_garut", "grants", "pdf"), ContentFile(b"%PDF-1.4")
    )
    agreement = make_agreement(garut, tangerang)
    agreement.document.save("x.pdf", ContentFile(pdf_bytes()))
    from catalog import services as catalog

    logo = catalog.app_update(
        actor=None,
        app=make_app(garut),
        logo=SimpleUploadedFile("logo.png", png_bytes()),
    ).logo.name
    other = default_storage.save(
        tenant_file_name(tangerang.schema_name, "grants", "pdf"), ContentFile(b"%PDF")
    )
    operator = make_user("operator@bagipakai.test", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        tenants.tenant_delete(
            actor=operator, tenant=garut, confirmation="garut", reason="Uji."
        )
    assert backend.read_raw(letter) is None
    assert backend.read_raw(own) is None
    # What the other party's records name stays: the agreement, the hidden app's logo.
    assert backend.read_raw(agreement.document.name) == pdf_bytes()
    assert backend.read_raw(logo) == png_bytes()
    assert backend.read_raw(other) == b"%PDF"


# --- configuration and moving files --------------------------------------------------------


def run_settings_probe(env: dict, code: str) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("S3_", "AWS_", "STORAGE_"))
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_object_store_is_chosen_by_environment_variables(s3_endpoint):
    probe = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "print(type(s).__name__)\n"
        "name = s.save('tenants/t_probe/grants/a.pdf', ContentFile(b'%PDF-probe'))\n"
        "print(name)\n"
        "print(s.open(name).read().decode())\n"
    )
    assert run_settings_probe({}, probe.split("name =")[0]).split() == [
        "FileSystemStorage"
    ]
    bucket = f"bagipakai-{uuid.uuid4().hex[:16]}"
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=bucket)
    out = run_settings_probe(
        {
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": REGION,
            "S3_PREFIX": "/bagipakai/media/",
            "S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
        },
        probe,
    ).split()
    assert out == ["ObjectStorage", "tenants/t_probe/grants/a.pdf", "%PDF-probe"]
    key = "bagipakai/media/tenants/t_probe/grants/a.pdf"
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"%PDF-probe"
    assert django_settings.STORAGE_SIGNED_URLS is False  # off unless asked for


def test_files_stored_on_disk_before_are_copied_into_the_object_store(
    backend, bandung, tmp_path_factory
):
    """Existing rows keep their names: copying the old MEDIA_ROOT, names unchanged,
    is all a move to the object store needs (docs/deploy.md)."""
    from catalog.models import CatalogApp
    from tests.catalog.conftest import make_app

    old_media = tmp_path_factory.mktemp("old-media")
    legacy = "catalog/logos/1f2e3d.png"  # a name from before the per-tenant prefix
    (old_media / "catalog/logos").mkdir(parents=True)
    (old_media / legacy).write_bytes(png_bytes())
    (old_media / "tenants/t_bandung/grants").mkdir(parents=True)
    (old_media / "tenants/t_bandung/grants/a.pdf").write_bytes(b"%PDF-a")
    (old_media / "outside").symlink_to("/etc/hostname")
    app = make_app(bandung)
    CatalogApp.objects.filter(pk=app.pk).update(logo=legacy)

    out = StringIO()
    call_command("copy_uploads", "--from-dir", str(old_media), "--dry-run", stdout=out)
    assert "2 file(s) to copy" in out.getvalue()
    assert backend.read_raw(legacy) is None
    call_command("copy_uploads", "--from-dir", str(old_media), stdout=StringIO())
    assert backend.read_raw(legacy) == png_bytes()
    assert backend.read_raw("outside") is None
    response = host_client("localhost").get(f"/catalog/{app.slug}/logo/")
    assert response.status_code == 200 and body(response) == png_bytes()
    out = StringIO()
    call_command("copy_uploads", "--from-dir", str(old_media), stdout=out)
    assert "0 file(s) copied, 2 already there." in out.getvalue()
    # A different file under a name already taken is reported, never overwritten.
    (old_media / legacy).write_bytes(png_bytes((0, 0, 0)) + b"different")
    with pytest.raises(CommandError, match="nothing was overwritten"):
        call_command(
            "copy_uploads",
            "--from-dir",
            str(old_media),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert backend.read_raw(legacy) == png_bytes()
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("copy_uploads", "--from-dir", str(old_media / "nope"))


def test_a_restored_file_is_named_inside_the_new_tenants_prefix():
    from core.storage import name_in_tenant

    assert (
        name_in_tenant("tenants/t_bandung/grants/ab12.pdf", "t_bandung_copy")
        == "tenants/t_bandung_copy/grants/ab12.pdf"
    )
    assert (
        name_in_tenant("tenants/t_a/shared/catalog/logos/x.png", "t_b")
        == "tenants/t_b/shared/catalog/logos/x.png"
    )
    assert (
        name_in_tenant("catalog/agreements/mou_x1Y.pdf", "t_b")
        == "tenants/t_b/shared/catalog/agreements/mou_x1Y.pdf"
    )
    assert (
        name_in_tenant("platform/verification/17/ab.pdf", "t_b")
        == "tenants/t_b/verification/ab.pdf"
    )
    assert tenant_file_name("t_b", "archives", "tar.gz").endswith(".tar.gz")
    for hostile in (
        "",
        "/etc/passwd",
        "tenants/t_a/../../x",
        "a//b",
        "./a",
        "tenants/t_a/grants/..",
    ):
        with pytest.raises(ValueError):
            name_in_tenant(hostile, "t_b")
    with pytest.raises(ValueError):
        name_in_tenant("tenants/t_a/grants/x.pdf", "../t_b")


def test_a_tenant_archive_brings_its_files_into_the_storage_in_use(
    backend, module_on, officials, tmp_path
):
    """Export, then import as a copy: every file lands under the copy's own
    prefix with the same bytes — linked on disk, uploaded in parallel to S3."""
    from grants.models import ProposalDocument
    from tenants.archive.service import tenant_export, tenant_import

    _person, _proposal, document = grants_document(module_on, officials)
    connection.set_schema_to_public()
    archive = tmp_path / "bandung.tar.gz"
    tenant_export(tenant=module_on, path=archive)
    result = tenant_import(path=archive, new_slug="bandung-salinan")
    copy = result.tenant
    connection.set_tenant(copy)
    try:
        names = list(ProposalDocument.objects.values_list("file", flat=True))
    finally:
        connection.set_schema_to_public()
    assert names and all(
        name.startswith(f"tenants/{copy.schema_name}/") for name in names
    )
    for name in names:
        copied = backend.read_raw(name)
        assert copied is not None
        assert copied == backend.read_raw(
            name.replace(copy.schema_name, module_on.schema_name, 1)
        )
