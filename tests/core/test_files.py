"""Orphaned uploads are removed: with their row, and by cleanup_uploads (#12)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from core.files import orphans, referenced_names

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    default_storage.__dict__.pop("base_location", None)
    default_storage.__dict__.pop("location", None)
    yield tmp_path


def age(name: str, hours: float) -> None:
    path = default_storage.path(name)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def make_agreement_with_document(bandung, tangerang):
    from tests.catalog.conftest import make_agreement

    agreement = make_agreement(bandung, tangerang)
    agreement.document.save("mou.pdf", ContentFile(PDF))
    return agreement


def test_a_deleted_row_takes_its_file_once_the_deletion_commits(
    bandung, django_capture_on_commit_callbacks
):
    # A screenshot, not an agreement: agreements are records both parties rely
    # on and are never deleted (their history is append-only, issue 11).
    from catalog.models import Screenshot
    from tests.catalog.conftest import make_app

    screenshot = Screenshot(app=make_app(bandung))
    screenshot.image.save("layar.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    name = screenshot.image.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        screenshot.delete()
    assert not default_storage.exists(name)


def test_cleanup_removes_only_old_files_no_row_names(bandung, tangerang):
    kept = make_agreement_with_document(bandung, tangerang).document.name
    orphan = default_storage.save("catalog/agreements/refused.pdf", ContentFile(PDF))
    fresh = default_storage.save("catalog/agreements/in-flight.pdf", ContentFile(PDF))
    tenant_orphan = default_storage.save(
        f"tenants/{bandung.schema_name}/grants/old.pdf", ContentFile(PDF)
    )
    for name in (kept, orphan, tenant_orphan):
        age(name, 48)
    assert kept in referenced_names()
    assert orphans(older_than=timedelta(hours=24)) == sorted([orphan, tenant_orphan])

    out = StringIO()
    call_command("cleanup_uploads", "--dry-run", stdout=out)
    assert f"would remove {orphan}" in out.getvalue()
    assert default_storage.exists(orphan)

    out = StringIO()
    call_command("cleanup_uploads", stdout=out)
    assert f"removed {orphan}" in out.getvalue()
    assert "2 orphaned file(s) removed." in out.getvalue()
    assert not default_storage.exists(orphan)
    assert not default_storage.exists(tenant_orphan)
    assert default_storage.exists(kept) and default_storage.exists(fresh)


def test_files_named_in_a_tenant_schema_are_kept(in_bandung, officials):
    from grants.models import ProposalDocument
    from tests.grants.conftest import make_applicant, make_program, make_proposal

    program = make_program(in_bandung, officials["admin"])
    make_proposal(program, make_applicant(), submit=False)
    document = ProposalDocument.objects.get()
    name = document.file.name
    assert name.startswith(f"tenants/{in_bandung.schema_name}/grants/")
    age(name, 48)
    connection.set_schema_to_public()
    assert name in referenced_names()
    assert name not in orphans(older_than=timedelta(hours=24))


# --- what a refused write stored goes with the request --------------------------


def _through_middleware(view):
    from django.test import RequestFactory

    from core.files import UploadsOfRefusedWritesMiddleware

    request = RequestFactory().post("/", {})
    return UploadsOfRefusedWritesMiddleware(view)(request)


def test_the_upload_of_a_refused_write_is_removed_before_the_response(bandung):
    from django.db import transaction
    from django.http import HttpResponse

    from catalog.models import Screenshot
    from tests.catalog.conftest import make_app

    app = make_app(bandung)
    stored = []

    def view(request):
        try:
            with transaction.atomic():
                screenshot = Screenshot(app=app)
                screenshot.image.save("ditolak.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
                stored.append(screenshot.image.name)
                assert default_storage.exists(stored[0])
                raise ValueError("refused after the file was stored")
        except ValueError:
            return HttpResponse(status=400)

    assert _through_middleware(view).status_code == 400
    assert stored and not default_storage.exists(stored[0])


def test_the_upload_of_a_write_that_holds_is_kept(bandung):
    from django.http import HttpResponse

    from catalog.models import Screenshot
    from tests.catalog.conftest import make_app

    app = make_app(bandung)
    kept = []

    def view(request):
        screenshot = Screenshot(app=app)
        screenshot.image.save("diterima.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
        kept.append(screenshot.image.name)
        return HttpResponse(status=302)

    _through_middleware(view)
    assert default_storage.exists(kept[0])


def test_a_file_saved_to_the_storage_directly_and_named_nowhere_goes(bandung):
    from django.http import HttpResponse

    from core.files import remember_stored

    names = []

    def view(request):
        name = default_storage.save(
            "catalog/agreements/amendment.pdf", ContentFile(PDF)
        )
        remember_stored(default_storage, name)
        names.append(name)
        return HttpResponse(status=400)

    _through_middleware(view)
    assert not default_storage.exists(names[0])


def test_a_file_a_tenant_row_names_is_kept(in_bandung, officials):
    """The row is in the tenant's schema: the check looks there, not only in public."""
    from django.http import HttpResponse

    from grants.models import ProposalDocument
    from tests.grants.conftest import make_applicant, make_program, make_proposal

    program = make_program(in_bandung, officials["admin"])

    def view(request):
        make_proposal(program, make_applicant(), submit=False)
        return HttpResponse(status=302)

    _through_middleware(view)
    name = ProposalDocument.objects.get().file.name
    assert name.startswith(f"tenants/{in_bandung.schema_name}/grants/")
    assert default_storage.exists(name)
