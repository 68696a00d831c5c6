"""Uploaded files that no row names any more are removed.

A file is stored before the row that names it is committed, so a write that is
refused or rolls back leaves its file behind, and a deleted row leaves its file
too unless someone removes it. Three mechanisms, all knowing no app by name:

- `UploadsOfRefusedWritesMiddleware`: every file a request's saved rows named
  (or that code saving to a storage itself named to `remember_stored`) that no
  row names once the request is over — the write was refused or rolled back —
  is removed before the response leaves;
- `remove_files_of_deleted_rows`, connected to every model's post_delete: the
  files of a deleted row go once the deletion commits;
- `orphans()`, behind `manage.py cleanup_uploads`: every stored file older than
  a grace period (an upload may be between its save and its commit) that no
  FileField of any row names, in the public schema or any tenant's.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from datetime import timedelta
from functools import cache

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

logger = logging.getLogger(__name__)


@cache
def file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


# (storage, name, schema) of each file the current request stored; None outside
# a request that writes.
_stored: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "core_files_stored", default=None
)


def remember_stored(storage, name: str) -> None:
    """Code that saves to a storage itself (not through a FileField) names the
    file here, so that it goes if no row names it when the request is over."""
    pending = _stored.get()
    if pending is not None and name:
        pending.append((storage, name, getattr(connection, "schema_name", None)))


def remember_saved_files(sender, instance, **kwargs) -> None:
    """post_save: the files a saved row names. Which of them are new is not known
    here (a FieldFile stores before the row saves); a name that was there before
    is still named by the row at the end, unless the row went, and is kept."""
    if _stored.get() is None:
        return
    for field in file_fields(sender):
        value = getattr(instance, field.attname)
        if value:
            remember_stored(field.storage, value.name)


def _named_anywhere(name: str, schema: str | None) -> bool:
    """Does a FileField of a row name this file, in the public schema or `schema`?"""
    public = get_public_schema_name()

    def named(models_) -> bool:
        return any(
            model._base_manager.filter(**{field.attname: name}).exists()
            for model in models_
            for field in file_fields(model)
        )

    with schema_context(public):
        if named(_models_with_files(tenant_apps=False)):
            return True
    if schema and schema != public:
        with schema_context(schema):
            return named(_models_with_files(tenant_apps=True))
    return False


class UploadsOfRefusedWritesMiddleware:
    """Removes what a refused or rolled-back write of this request stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        token = _stored.set([])
        try:
            return self.get_response(request)
        finally:
            pending = _stored.get()
            _stored.reset(token)
            if pending:
                self._remove_unnamed(pending)

    @staticmethod
    def _remove_unnamed(pending) -> None:
        previous = connection.schema_name
        try:
            for storage, name, schema in pending:
                if not _named_anywhere(name, schema):
                    storage.delete(name)
                    logger.info("removed %s: its write was refused", name)
        except Exception:  # noqa: BLE001 -- cleanup_uploads catches what is left
            logger.exception("could not remove the uploads of a refused write")
        finally:
            if connection.schema_name != previous:
                connection.set_schema(previous)


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
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
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
    candidates = [name for name, modified in stored_files(storage) if modified < cutoff]
    if not candidates:
        return []
    named = referenced_names()
    return sorted(name for name in candidates if name not in named)
