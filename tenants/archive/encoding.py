"""The archive's format: its constants and error, rows encoded as JSON, the schema's tables, hashed streams."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models

from core import chain as chainlib
from core.files import file_fields

from ..models import PlatformEvent
from ..schema import SCHEMA_RELATIONS

logger = logging.getLogger(__name__)


FORMAT = "bagipakai-tenant-archive"


VERSION = 1


MANIFEST = "manifest.json"


MANIFEST_MAX_BYTES = 64 * 1024 * 1024


CHUNK = 1024 * 1024


# Written by the command line and the job; named in the log entry.
COMMAND_LINE = "command line"


class ArchiveError(Exception):
    """The archive cannot be written or read back; the message says why, plainly."""


# --- encoding rows --------------------------------------------------------------


def _encode(value):
    """JSON for a field value, exact: datetimes keep their microseconds."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot archive a {type(value).__name__}")


# One encoder for every row (json.dumps with options builds a new one per call).
_ROW_ENCODER = json.JSONEncoder(default=_encode, ensure_ascii=False, sort_keys=True)


def _dumps(row: Mapping) -> str:
    return _ROW_ENCODER.encode(row)


def _decode(model, row: Mapping) -> dict:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    out = {}
    for name, value in row.items():
        f = fields.get(name)
        if f is None:
            continue  # a column this version no longer has
        if value is None:
            out[name] = None
        elif isinstance(f, models.DurationField):
            out[name] = dt.timedelta(seconds=value)
        elif isinstance(f, models.BinaryField):
            out[name] = bytes.fromhex(value)
        elif isinstance(f, models.JSONField):
            out[name] = value
        else:
            out[name] = f.to_python(value)
    return out


class _Sink:
    """A file being written, hashed and measured on the way."""

    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 -- closed in close()
        self._hash = hashlib.sha256()
        self.bytes = 0
        self.lines = 0

    def write(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._hash.update(data)
        self.bytes += len(data)
        self.lines += data.count(b"\n")
        self._file.write(data)
        return len(data)

    def close(self) -> dict:
        self._file.close()
        return {"bytes": self.bytes, "sha256": self._hash.hexdigest()}


# --- the tenant's schema ------------------------------------------------------------


def _tables(cursor, schema: str) -> list[tuple[str, list[str]]]:
    """Every table of `schema` with its stored columns, in column order.

    From the schema's own relations (tenants.schema.SCHEMA_RELATIONS), not a
    filter over the catalogue of every tenant's tables.
    """
    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT c.relname,
               array_agg(a.attname::text ORDER BY a.attnum)
        FROM rel c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
             AND NOT a.attisdropped AND a.attgenerated = ''
        WHERE c.relkind IN ('r', 'p')
        GROUP BY c.relname ORDER BY c.relname
        """,
        [schema],
    )
    return [(name, list(columns)) for name, columns in cursor.fetchall()]


def _identity_columns(cursor, schema: str) -> list[tuple[str, str]]:
    """(table, column) of every identity column of `schema`'s tables."""
    cursor.execute(
        f"""
        WITH rel AS ({SCHEMA_RELATIONS})
        SELECT c.relname, a.attname FROM rel c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
             AND a.attidentity <> ''
        WHERE c.relkind IN ('r', 'p')
        """,
        [schema],
    )
    return cursor.fetchall()


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _tenant_file_columns() -> dict[str, list[tuple[str, object]]]:
    """Tenant-schema tables with FileFields: table -> [(column, storage)]."""
    from django.apps import apps

    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    found: dict[str, list[tuple[str, object]]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in tenant_labels or model._meta.proxy:
            continue
        for f in file_fields(model):
            found.setdefault(model._meta.db_table, []).append((f.column, f.storage))
    return found


def _source() -> dict:
    first = PlatformEvent.objects.order_by("seq").values_list("hash", flat=True).first()
    head = PlatformEvent.objects.order_by("-seq").values("seq", "hash").first()
    return {
        "base_domain": settings.BASE_DOMAIN,
        # The first hash of this platform's log names the platform.
        "platform_log_first_hash": first or "",
        "platform_log_head": head or {"seq": 0, "hash": chainlib.GENESIS},
    }


def _migrations(cursor, schema: str, apps_: Iterable[str] | None = None) -> list:
    cursor.execute(
        f"SELECT app, name FROM {_q(schema)}.django_migrations ORDER BY app, name"
    )
    rows = [[app, name] for app, name in cursor.fetchall()]
    if apps_ is not None:
        wanted = set(apps_)
        rows = [row for row in rows if row[0] in wanted]
    return rows


def _storage_for(where: str):
    """The storage of the field that names a file ("app.model.field" or "table.column")."""
    from django.apps import apps

    parts = where.split(".")
    if len(parts) == 3:
        try:
            model = apps.get_model(parts[0], parts[1])
            return model._meta.get_field(parts[2]).storage
        except (LookupError, Exception):
            return default_storage
    table, column = parts[0], parts[-1]
    for col, storage in _tenant_file_columns().get(table, ()):
        if col == column:
            return storage
    return default_storage


class _HashingReader:
    """A stored file read into the tar, hashed and measured on the way."""

    def __init__(self, source):
        self.source = source
        self.hash = hashlib.sha256()
        self.bytes = 0

    def read(self, size=-1):
        data = self.source.read(size)
        self.hash.update(data)
        self.bytes += len(data)
        return data


class _HashingWriter(io.RawIOBase):
    def __init__(self, raw):
        self.raw = raw
        self.hash = hashlib.sha256()
        self.bytes = 0

    def writable(self):
        return True

    def write(self, data):
        self.hash.update(data)
        self.bytes += len(data)
        return self.raw.write(data)


def _members(manifest: dict) -> list[dict]:
    return [
        *manifest["tables"],
        *manifest["public"],
        manifest["users"],
        *manifest["files"],
    ]
