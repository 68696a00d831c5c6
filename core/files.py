"""Uploaded files that no row names any more are removed.

A file is stored before the row that names it is committed, so a write that is
refused or rolls back leaves its file behind, and a deleted row leaves its file
too unless someone removes it. Two mechanisms, both knowing no app by name:

- `remove_files_of_deleted_rows`, connected to every model's post_delete: the
  files of a deleted row go once the deletion commits;
- `orphans()`, behind `manage.py cleanup_uploads`: every stored file older than
  a grace period (an upload may be between its save and its commit) that no
  FileField of any row names, in the public schema or any tenant's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import (
    get_public_schema_name,
    get_tenant_model,
    schema_context,
)

from core.storage import stored_files


def file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _models_with_files(*, tenant_apps: bool) -> list[type[models.Model]]:
    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    return [
        model
        for model in apps.get_models()
        if file_fields(model)
        and not model._meta.proxy
        and (model._meta.app_label in tenant_labels) == tenant_apps
    ]


def remove_files_of_deleted_rows(sender, instance, **kwargs) -> None:
    stored = [
        (field.storage, getattr(instance, field.attname).name)
        for field in file_fields(sender)
        if getattr(instance, field.attname)
    ]
    if not stored:
        return

    def remove():
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(remove)


def referenced_names() -> set[str]:
    """Every file name a FileField of any row names, in every schema."""
    names: set[str] = set()

    def collect(models_: list[type[models.Model]]):
        for model in models_:
            for field in file_fields(model):
                names.update(
                    model._base_manager.exclude(**{field.attname: ""})
                    .values_list(field.attname, flat=True)
                    .iterator(chunk_size=5000)
                )

    public = get_public_schema_name()
    with schema_context(public):
        collect(_models_with_files(tenant_apps=False))
        schemas = list(
            get_tenant_model()
            .objects.exclude(schema_name=public)
            .values_list("schema_name", flat=True)
        )
    tenant_models = _models_with_files(tenant_apps=True)
    for schema in schemas:
        if not _schema_exists(schema):
            continue  # a tombstone: its schema went with the tenant
        with schema_context(schema):
            collect(tenant_models)
    return names


def _schema_exists(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]
        )
        return cursor.fetchone() is not None


def stored_names(storage=default_storage, directory: str = "") -> Iterator[str]:
    """Every file under `directory` of the storage, recursively."""
    for name, _modified in stored_files(storage, directory):
        yield name


def orphans(*, older_than: timedelta, storage=default_storage) -> list[str]:
    """Stored files no row names, last changed before `older_than` ago.

    One listing gives names and change times (a thousand objects per request
    on an object store), then one pass over the rows of every schema."""
    cutoff = timezone.now() - older_than
    candidates = [
        name for name, modified in stored_files(storage) if modified < cutoff
    ]
    if not candidates:
        return []
    named = referenced_names()
    return sorted(name for name in candidates if name not in named)
