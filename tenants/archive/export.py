"""Exporting one tenant to an archive, in one REPEATABLE READ snapshot."""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from ..chains import chains
from ..models import ChainAnchor, PlatformEvent, Tenant, User
from ..transparency import platform_event_append
from . import registry
from .encoding import (
    FORMAT,
    MANIFEST,
    VERSION,
    ArchiveError,
    _dumps,
    _HashingReader,
    _HashingWriter,
    _migrations,
    _q,
    _Sink,
    _source,
    _storage_for,
    _tables,
    _tenant_file_columns,
)
from .writing import TarWriter

# --- export -----------------------------------------------------------------------


@dataclass
class ExportResult:
    path: Path
    bytes: int
    sha256: str
    rows: int
    files: int
    heads: dict = field(default_factory=dict)


def tenant_export(
    *, tenant: Tenant, path, actor=None, actor_label: str | None = None, record=True
) -> ExportResult:
    """Write `tenant`'s archive to `path` (a file is written whole or not at all)."""
    path = Path(path)
    connection.set_schema_to_public()
    tenant = Tenant.all_objects.get(pk=tenant.pk)
    if tenant.is_deleted or tenant.is_platform:
        raise ArchiveError(
            f"{tenant.slug} has no data of its own to export (deleted or the platform)."
        )
    with tempfile.TemporaryDirectory(prefix="bagipakai-export-") as folder:
        work = Path(folder)
        manifest = _export_snapshot(tenant, work)
        result = _write_tar(manifest, work, path)
    if record:
        with transaction.atomic():
            platform_event_append(
                kind=PlatformEvent.Kind.TENANT_EXPORTED,
                actor=actor,
                actor_label=actor_label if actor is None else None,
                tenant=tenant,
                details={
                    "heads": result.heads,
                    "archive_sha256": result.sha256,
                    "bytes": result.bytes,
                },
            )
    return result


def _export_snapshot(tenant: Tenant, work: Path) -> dict:
    schema = tenant.schema_name
    (work / "schema").mkdir()
    (work / "public").mkdir()
    manifest: dict = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "tenant": {
            "id": tenant.pk,
            "slug": tenant.slug,
            "schema_name": schema,
            "name": tenant.name,
            "kind": tenant.kind,
        },
        "tables": [],
        "public": [],
        "files": [],
        "missing_files": [],
    }
    user_ids: set[int] = set()
    refs: dict[str, dict[str, object]] = {}
    file_names: dict[str, str] = {}  # name -> "app.model.field" that names it
    outer = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if not outer:
            # One snapshot for the schema and the public rows alike (a caller's
            # own transaction, as in the tests, already has its snapshot).
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        manifest["source"] = _source()
        manifest["migrations"] = {"tenant": _migrations(cursor, schema)}
        part_apps = {p.model._meta.app_label for p in registry.public_parts()}
        manifest["migrations"]["public"] = _migrations(
            cursor, get_public_schema_name(), part_apps
        )
        user_columns = registry.user_columns()
        file_columns = _tenant_file_columns()
        for index, (table, columns) in enumerate(_tables(cursor, schema)):
            if table == "django_migrations":
                continue
            member = f"schema/{index:03d}-{table}.copy"
            sink = _Sink(work / member)
            cursor.copy_expert(
                f"COPY (SELECT {', '.join(_q(c) for c in columns)} "
                f"FROM {_q(schema)}.{_q(table)}) TO STDOUT",
                sink,
            )
            rows = sink.lines
            manifest["tables"].append(
                {"table": table, "columns": columns, "rows": rows, "member": member}
                | sink.close()
            )
            if not rows:
                continue
            for column in user_columns.get(table, ()):
                cursor.execute(
                    f"SELECT DISTINCT {_q(column)} FROM {_q(schema)}.{_q(table)} "
                    f"WHERE {_q(column)} IS NOT NULL"
                )
                user_ids.update(row[0] for row in cursor.fetchall())
            for column, _storage in file_columns.get(table, ()):
                cursor.execute(
                    f"SELECT DISTINCT {_q(column)} FROM {_q(schema)}.{_q(table)} "
                    f"WHERE {_q(column)} <> ''"
                )
                for (name,) in cursor.fetchall():
                    file_names.setdefault(name, f"{table}.{column}")
        for part in registry.public_parts():
            model = part.model
            concrete = model._meta.concrete_fields
            attnames = [f.attname for f in concrete]
            # Only the fields that name a file or another row need a look per row.
            files = [
                (f.attname, f"{part.key}.{f.name}")
                for f in concrete
                if isinstance(f, models.FileField)
            ]
            relations = [
                (f.attname, f.related_model._meta.label_lower)
                for f in concrete
                if f.is_relation and not isinstance(f, models.FileField)
            ]
            member = f"public/{part.key}.jsonl"
            sink = _Sink(work / member)
            count = 0
            for row in (
                part.rows(tenant)
                .order_by("pk")
                .values(*attnames)
                .iterator(chunk_size=2000)
            ):
                sink.write(_dumps(row) + "\n")
                count += 1
                for attname, where in files:
                    value = row[attname]
                    if value not in (None, ""):
                        file_names.setdefault(value, where)
                for attname, label in relations:
                    value = row[attname]
                    if value in (None, ""):
                        continue
                    if label == User._meta.label_lower:
                        user_ids.add(value)
                    elif label == Tenant._meta.label_lower:
                        if value != tenant.pk:
                            refs.setdefault(label, {})[str(value)] = None
                    elif registry.public_part(label) is None:
                        refs.setdefault(label, {})[str(value)] = None
            manifest["public"].append(
                {"model": part.key, "rows": count, "member": member} | sink.close()
            )
        _export_refs(refs)
        _export_users(user_ids, work, manifest)
        manifest["refs"] = refs
        manifest["chains"] = _heads(tenant)
        manifest["anchors"] = [
            {
                "chain": a["chain"],
                "seq": a["seq"],
                "hash": a["hash"],
                "batch_seq": a["batch_seq"],
            }
            for a in ChainAnchor.objects.filter(tenant_id=tenant.pk)
            .order_by("chain", "seq")
            .values("chain", "seq", "hash", "batch_seq")
        ]
    connection.set_schema_to_public()
    manifest["files"] = [
        {"name": name, "field": where} for name, where in sorted(file_names.items())
    ]
    return manifest


def _export_refs(refs: dict[str, dict[str, object]]) -> None:
    for label, values in refs.items():
        ids = [int(key) for key in values]
        if label == Tenant._meta.label_lower:
            for pk, slug in Tenant.all_objects.filter(pk__in=ids).values_list(
                "pk", "slug"
            ):
                values[str(pk)] = slug
            continue
        natural = registry.natural_key(label)
        if natural is None:
            continue
        for obj in natural.model._base_manager.filter(pk__in=ids):
            values[str(obj.pk)] = natural.export(obj)


def _export_users(user_ids: set[int], work: Path, manifest: dict) -> None:
    member = "users.jsonl"
    sink = _Sink(work / member)
    count = 0
    # Never the password hash or anything of the second factor.
    for row in (
        User.objects.filter(pk__in=sorted(user_ids))
        .order_by("pk")
        .values("id", "email", "full_name", "is_active")
        .iterator(chunk_size=2000)
    ):
        sink.write(_dumps(row) + "\n")
        count += 1
    manifest["users"] = {"rows": count, "member": member} | sink.close()


def _heads(tenant: Tenant) -> dict:
    heads = {}
    connection.set_tenant(tenant)
    try:
        for chain in chains():
            seq, hash_ = chain.head()
            heads[chain.key] = {"seq": seq, "hash": hash_}
    finally:
        connection.set_schema_to_public()
    return heads


TAR_BUFFER = 1024 * 1024


class _Unbuffered(io.RawIOBase):
    """A GzipFile seen as the raw stream under an io.BufferedWriter."""

    def __init__(self, gz):
        self.gz = gz

    def writable(self):
        return True

    def write(self, data):
        return self.gz.write(data)


def _size(handle, storage, name: str, local: bool) -> int:
    """An open stored file's size: on a local file system from its descriptor
    (one system call instead of the storage resolving the name again)."""
    if local:
        return os.fstat(handle.fileno()).st_size
    return storage.size(name)


def _write_tar(manifest: dict, work: Path, path: Path) -> ExportResult:
    """The rows' members, then every file straight from storage (hashed on the
    way), then the manifest, which lists them all with their checksums."""
    partial = path.with_name(path.name + ".partial")
    mtime = int(timezone.now().timestamp())
    try:
        with open(partial, "wb") as raw:
            writer = _HashingWriter(raw)
            # Headers, files and padding are small writes: gathered here into
            # large pieces before gzip compresses them.
            with (
                gzip.GzipFile(
                    filename="", mode="wb", fileobj=writer, compresslevel=3, mtime=mtime
                ) as gz,
                io.BufferedWriter(_Unbuffered(gz), TAR_BUFFER) as buffered,
            ):
                tar = TarWriter(buffered, mtime)
                for entry in [
                    *manifest["tables"],
                    *manifest["public"],
                    manifest["users"],
                ]:
                    source = work / entry["member"]
                    with open(source, "rb") as handle:
                        size = os.fstat(handle.fileno()).st_size
                        if tar.add(entry["member"], size, handle) != size:
                            raise ArchiveError(f"{source} changed while it was read.")
                present = []
                storages: dict[str, tuple[object, bool]] = {}
                for index, entry in enumerate(manifest["files"]):
                    if entry["field"] not in storages:
                        storage = _storage_for(entry["field"])
                        # Asked once: a lazy storage makes every isinstance a lookup.
                        local = isinstance(storage, FileSystemStorage)
                        storages[entry["field"]] = (storage, local)
                    storage, local = storages[entry["field"]]
                    member = f"files/{index:06d}"
                    try:
                        source = storage.open(entry["name"], "rb")
                    except OSError:  # FileNotFoundError included
                        manifest["missing_files"].append(entry["name"])
                        continue
                    with source:
                        try:
                            size = _size(source, storage, entry["name"], local)
                        except OSError:
                            manifest["missing_files"].append(entry["name"])
                            continue
                        reader = _HashingReader(source)
                        tar.add(member, size, reader)
                    if reader.bytes != size:
                        raise ArchiveError(
                            f"{entry['name']} changed while it was read."
                        )
                    present.append(
                        entry
                        | {
                            "member": member,
                            "bytes": size,
                            "sha256": reader.hash.hexdigest(),
                        }
                    )
                manifest["files"] = present
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                tar.add(MANIFEST, len(data), io.BytesIO(data))
                tar.close()
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    rows = sum(t["rows"] for t in manifest["tables"]) + sum(
        p["rows"] for p in manifest["public"]
    )
    return ExportResult(
        path=path,
        bytes=writer.bytes,
        sha256=writer.hash.hexdigest(),
        rows=rows,
        files=len(manifest["files"]),
        heads=manifest["chains"],
    )
