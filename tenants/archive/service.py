"""One tenant, on its own: export to a self-describing archive, import it back.

An archive is a gzip-compressed tar file whose first member is `manifest.json`:

- `schema/<table>.copy` — every table of the tenant's schema, as PostgreSQL's
  COPY text format (read with `COPY (SELECT …) TO STDOUT`: no pg_dump, so no
  tour of a catalogue holding 10,000 schemas);
- `public/<app.model>.jsonl` — the tenant's rows of the public schema, one
  JSON object per line, as each app contributed them (registry.py);
- `users.jsonl` — the people those rows name: id, e-mail, name, active. Never
  a password hash, never an authenticator secret;
- `refs.json` — other rows named by natural key (another tenant by subdomain,
  a catalog app by slug), so a restore elsewhere can find them;
- `files/<n>` — every uploaded file a row names, read through the storage API;
- the manifest: format, source platform, the tenant, migration state of its
  schema and of the public apps, each member's row count, size and SHA-256,
  the heads of its audit chains and the anchors the source platform wrote.

Export reads everything in one REPEATABLE READ snapshot. Import checks every
member against the manifest before it writes anything, then in one
transaction creates the tenant (a new id; its schema cloned from the template),
its rows with their references remapped, its files, verifies the tenant's
audit chains (against the source platform's log or a saved head when given)
and appends an entry to this platform's log. Any failure rolls the database
back and removes the files it wrote.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_tenants.utils import get_public_schema_name

from core import chain as chainlib
from core.files import file_fields

from .. import schema as tenant_schema
from ..chains import chains
from ..models import ChainAnchor, Domain, PlatformEvent, Tenant, User
from ..regions import GOVERNMENT_KINDS
from ..subdomains import schema_name_for, subdomain_errors
from ..transparency import platform_event_append
from . import registry

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


def _dumps(row: Mapping) -> str:
    return json.dumps(row, default=_encode, ensure_ascii=False, sort_keys=True)


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
    """Every table of `schema` with its stored columns, in column order."""
    cursor.execute(
        """
        SELECT c.relname,
               array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
             AND NOT a.attisdropped AND a.attgenerated = ''
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
        GROUP BY c.relname ORDER BY c.relname
        """,
        [schema],
    )
    return [(name, list(columns)) for name, columns in cursor.fetchall()]


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


# --- export -----------------------------------------------------------------------


@dataclass
class ExportResult:
    path: Path
    bytes: int
    sha256: str
    rows: int
    files: int
    heads: dict = field(default_factory=dict)


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
                for f in concrete:
                    value = row[f.attname]
                    if value in (None, ""):
                        continue
                    if isinstance(f, models.FileField):
                        file_names.setdefault(value, f"{part.key}.{f.name}")
                    elif f.is_relation:
                        label = f.related_model._meta.label_lower
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


def _add(tar, name: str, size: int, handle, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    tar.addfile(info, handle)


def _write_tar(manifest: dict, work: Path, path: Path) -> ExportResult:
    """The rows' members, then every file straight from storage (hashed on the
    way), then the manifest, which lists them all with their checksums."""
    partial = path.with_name(path.name + ".partial")
    mtime = int(timezone.now().timestamp())
    try:
        with open(partial, "wb") as raw:
            writer = _HashingWriter(raw)
            with tarfile.open(fileobj=writer, mode="w:gz", compresslevel=3) as tar:
                for entry in [
                    *manifest["tables"],
                    *manifest["public"],
                    manifest["users"],
                ]:
                    source = work / entry["member"]
                    with open(source, "rb") as handle:
                        _add(tar, entry["member"], source.stat().st_size, handle, mtime)
                present = []
                storages: dict[str, object] = {}
                for index, entry in enumerate(manifest["files"]):
                    if entry["field"] not in storages:
                        storages[entry["field"]] = _storage_for(entry["field"])
                    storage = storages[entry["field"]]
                    member = f"files/{index:06d}"
                    try:
                        size = storage.size(entry["name"])
                        source = storage.open(entry["name"], "rb")
                    except (FileNotFoundError, OSError):
                        manifest["missing_files"].append(entry["name"])
                        continue
                    with source:
                        reader = _HashingReader(source)
                        _add(tar, member, size, reader, mtime)
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
                _add(tar, MANIFEST, len(data), io.BytesIO(data), mtime)
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


# --- reading an archive back ---------------------------------------------------------


MEMBER_RE = re.compile(
    r"^(schema/[0-9]{3}-[a-z0-9_]{1,63}\.copy|public/[a-z0-9_.]{1,120}\.jsonl"
    r"|users\.jsonl|files/[0-9]{6})$"
)
MEMBERS_MAX = 2_000_000


def archive_read(path, work: Path) -> dict:
    """Unpack and check every member against the manifest; the manifest back.

    Only member names of the archive's own pattern are accepted (so nothing is
    written outside `work`); each is hashed as it is unpacked, and once the
    manifest is read every member it lists must be there with its size and
    SHA-256, and nothing else. Anything else refuses the whole archive.
    """
    try:
        tar = tarfile.open(path, mode="r|gz")
    except FileNotFoundError as exc:
        raise ArchiveError(f"There is no file {path}.") from exc
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(
            "This is not a BagiPakai tenant archive, or it is damaged."
        ) from exc
    manifest = None
    seen: dict[str, tuple[int, str]] = {}
    made_dirs: set[Path] = set()
    try:
        with tar:
            for member in tar:
                if member.name == MANIFEST and manifest is None and member.isfile():
                    if member.size > MANIFEST_MAX_BYTES:
                        raise ArchiveError("The archive's manifest is too large.")
                    manifest = _manifest_parse(tar.extractfile(member).read())
                    continue
                if (
                    not member.isfile()
                    or not MEMBER_RE.match(member.name)
                    or member.name in seen
                    or len(seen) >= MEMBERS_MAX
                ):
                    raise ArchiveError(
                        f"The archive holds {member.name!r}, which a BagiPakai archive "
                        "does not: it was altered."
                    )
                target = work / member.name
                if target.parent not in made_dirs:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made_dirs.add(target.parent)
                digest = hashlib.sha256()
                size = 0
                source = tar.extractfile(member)
                with open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[member.name] = (size, digest.hexdigest())
    except ArchiveError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(
            "The archive is damaged or cut short (it could not be read to the end)."
        ) from exc
    if manifest is None:
        raise ArchiveError(
            "The archive has no manifest: it is cut short, or not a BagiPakai archive."
        )
    expected = {entry["member"]: entry for entry in _members(manifest)}
    missing = sorted(set(expected) - set(seen))
    if missing:
        raise ArchiveError(
            f"The archive is incomplete: {len(missing)} part(s) are missing, "
            f"first {missing[0]}."
        )
    extra = sorted(set(seen) - set(expected))
    if extra:
        raise ArchiveError(
            f"The archive holds {extra[0]}, which its manifest does not list: it was altered."
        )
    for name, entry in expected.items():
        if seen[name] != (entry["bytes"], entry["sha256"]):
            raise ArchiveError(
                f"{name} does not match the checksum in the manifest: the archive is "
                "damaged or was altered."
            )
    for folder in ("schema", "public", "files"):
        (work / folder).mkdir(exist_ok=True)
    return manifest


def _manifest_parse(data: bytes) -> dict:
    try:
        manifest = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArchiveError("The archive's manifest is not readable.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("This is not a BagiPakai tenant archive.")
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"The archive is in format version {manifest.get('version')}; this "
            f"server reads version {VERSION}. Import it on a matching BagiPakai."
        )
    try:
        for entry in _members(manifest):
            if not isinstance(entry["member"], str) or not isinstance(
                entry["bytes"], int
            ):
                raise TypeError
            if not isinstance(entry["sha256"], str):
                raise TypeError
        manifest["tenant"]["id"]
        manifest["tenant"]["slug"]
    except (KeyError, TypeError) as exc:
        raise ArchiveError("The archive's manifest is incomplete.") from exc
    return manifest


# --- import --------------------------------------------------------------------------


@dataclass
class ImportResult:
    tenant: Tenant
    copy: bool
    rows: int = 0
    files: int = 0
    users_created: int = 0
    users_matched: int = 0
    skipped: dict = field(default_factory=dict)
    heads: dict = field(default_factory=dict)
    checked_against: list = field(default_factory=list)
    event_seq: int = 0


@dataclass
class ImportContext:
    """What a row hook (registry.py) may look at."""

    tenant: Tenant
    copy: bool
    source: dict
    source_tenant: dict
    ids: dict = field(default_factory=dict)  # label -> {old pk: new pk}


def _check_source(manifest: dict) -> None:
    tenant = manifest["tenant"]
    if not isinstance(
        tenant.get("schema_name"), str
    ) or not tenant_schema.SCHEMA_RE.match(tenant["schema_name"]):
        raise ArchiveError("The archive's manifest names an invalid schema.")
    if not isinstance(tenant.get("id"), int) or not isinstance(tenant.get("slug"), str):
        raise ArchiveError("The archive's manifest is incomplete.")


def _check_migrations(manifest: dict) -> None:
    here = tenant_schema.applied_migrations(tenant_schema.template_schema())
    known = tenant_schema.expected_migrations()
    archived = {tuple(row) for row in manifest["migrations"]["tenant"]}
    newer = sorted(archived - known)
    if newer:
        app, name = newer[0]
        raise ArchiveError(
            "The archive was made by a newer BagiPakai: its data has migration "
            f"{app}.{name} (and {len(newer) - 1} more) that this server does not know. "
            "Upgrade this server first, then import."
        )
    older = sorted(here - archived)
    if older:
        app, name = older[0]
        raise ArchiveError(
            "The archive was made by an older BagiPakai: this server has migration "
            f"{app}.{name} (and {len(older) - 1} more) that the archive's data has not "
            "been through. Import it on a server at the archive's version, upgrade "
            "that server, and export again."
        )
    public_archived = {tuple(row) for row in manifest["migrations"].get("public", [])}
    newer = sorted(public_archived - known)
    if newer:
        app, name = newer[0]
        raise ArchiveError(
            f"The archive was made by a newer BagiPakai (migration {app}.{name}); "
            "upgrade this server first, then import."
        )


def _read_jsonl(path: Path):
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _match_users(manifest: dict, work: Path) -> tuple[dict[int, int], int, int]:
    """Source user id -> this platform's user id, matching e-mail addresses;
    people missing here are created without a usable password (to be reset)."""
    people = list(_read_jsonl(work / manifest["users"]["member"]))
    by_email = {p["email"].strip().lower(): p for p in people}
    existing = {
        email.lower(): pk
        for pk, email in User.objects.filter(email__in=list(by_email)).values_list(
            "pk", "email"
        )
    }
    # Case-insensitive: the unique index is on lower(email).
    for email in set(by_email) - set(existing):
        found = (
            User.objects.filter(email__iexact=email)
            .values_list("pk", flat=True)
            .first()
        )
        if found:
            existing[email] = found
    missing = [p for email, p in by_email.items() if email not in existing]
    unusable = make_password(None)
    created = User.objects.bulk_create(
        [
            User(
                email=p["email"].strip().lower(),
                full_name=p.get("full_name") or "",
                is_active=bool(p.get("is_active", True)),
                password=unusable,
            )
            for p in missing
        ]
    )
    for user in created:
        existing[user.email] = user.pk
    mapping = {p["id"]: existing[email] for email, p in by_email.items()}
    return mapping, len(created), len(people) - len(created)


def _resolve_refs(manifest: dict) -> dict[str, dict[int, int]]:
    resolved: dict[str, dict[int, int]] = {}
    for label, values in (manifest.get("refs") or {}).items():
        keys = {int(old): key for old, key in values.items() if key is not None}
        if label == Tenant._meta.label_lower:
            here = dict(
                Tenant.objects.filter(slug__in=list(keys.values())).values_list(
                    "slug", "pk"
                )
            )
        else:
            natural = registry.natural_key(label)
            if natural is None:
                continue
            here = natural.resolve(
                [tuple(k) if isinstance(k, list) else k for k in keys.values()]
            )
        resolved[label] = {
            old: here[tuple(key) if isinstance(key, list) else key]
            for old, key in keys.items()
            if (tuple(key) if isinstance(key, list) else key) in here
        }
    return resolved


def _new_name(name: str, old_schema: str, new_schema: str) -> str:
    old_prefix = f"tenants/{old_schema}/"
    if name.startswith(old_prefix):
        return f"tenants/{new_schema}/" + name[len(old_prefix) :]
    return name


def _import_files(
    manifest, work, old_schema, new_schema, created: list
) -> dict[str, str]:
    """Store every archived file; returns old name -> stored name.

    Files are the bulk of a tenant's archive (thousands of small ones), so the
    storage of each field is looked up once, files for a local file system are
    linked into place from the unpacked archive (a copy where linking is not
    possible), and files for object storage are uploaded several at a time.
    """
    storages: dict[str, object] = {}
    jobs = []
    for entry in manifest["files"]:
        name = entry["name"]
        if (
            not isinstance(name, str)
            or name.startswith("/")
            or ".." in name.split("/")
            or (
                name.startswith("tenants/")
                and not name.startswith(f"tenants/{old_schema}/")
            )
        ):
            # Never a file outside the tenant's own prefix of another tenant's.
            raise ArchiveError(
                f"The archive names a file outside its organisation: {name!r}."
            )
        if entry["field"] not in storages:
            storages[entry["field"]] = _storage_for(entry["field"])
        jobs.append(
            (entry, storages[entry["field"]], _new_name(name, old_schema, new_schema))
        )
    names: dict[str, str] = {}
    made_dirs: set[str] = set()
    remote = []
    for entry, storage, wanted in jobs:
        if isinstance(storage, FileSystemStorage):
            stored = _store_local(
                storage, wanted, work / entry["member"], entry, made_dirs
            )
            if stored is None:
                names[entry["name"]] = wanted  # already here (not ours to remove)
                continue
            created.append((storage, stored))
            names[entry["name"]] = stored
        else:
            remote.append((entry, storage, wanted))
    if remote:

        def upload(job):
            entry, storage, wanted = job
            stored = _store_remote(storage, wanted, work / entry["member"], entry)
            return entry, storage, wanted, stored

        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
            for entry, storage, wanted, stored in pool.map(upload, remote):
                if stored is None:
                    names[entry["name"]] = wanted  # already here (not ours to remove)
                    continue
                created.append((storage, stored))
                names[entry["name"]] = stored
    return names


# Object storage answers each upload in tens of milliseconds: several at once.
UPLOAD_THREADS = 8


def _store_local(storage, wanted: str, source: Path, entry: dict, made_dirs: set):
    """Link (or copy) one unpacked file to `wanted` in a file-system storage; the
    stored name, or None when the same file is already there."""
    path = storage.path(wanted)
    if os.path.exists(path):
        if _same_content(storage, wanted, entry):
            return None
        # Someone else's file under that name: the storage picks another.
        with open(source, "rb") as handle:
            return storage.save(wanted, File(handle))
    folder = os.path.dirname(path)
    if folder not in made_dirs:
        os.makedirs(folder, exist_ok=True)
        made_dirs.add(folder)
    try:
        os.link(source, path)
    except OSError:
        # Another file system (or one without hard links): copy it.
        shutil.copyfile(source, path)
    return wanted


def _store_remote(storage, wanted: str, source: Path, entry: dict):
    if storage.exists(wanted) and _same_content(storage, wanted, entry):
        return None
    with open(source, "rb") as handle:
        return storage.save(wanted, File(handle))


def _same_content(storage, name: str, entry: dict) -> bool:
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == entry["sha256"]


def _load_tables(manifest, work, schema, user_map, file_names) -> int:
    user_columns = registry.user_columns()
    file_columns = {
        t: [c for c, _s in cols] for t, cols in _tenant_file_columns().items()
    }
    identity_users = all(old == new for old, new in user_map.items())
    renamed = {old: new for old, new in file_names.items() if old != new}
    rows = 0
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit, whatever order the tables load in.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        present = dict(_tables(cursor, schema))
        if user_map and not identity_users:
            cursor.execute(
                "CREATE TEMP TABLE archive_users (old bigint PRIMARY KEY, new bigint) "
                "ON COMMIT DROP"
            )
            cursor.execute(
                "INSERT INTO archive_users SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                [list(user_map), list(user_map.values())],
            )
        if renamed:
            cursor.execute(
                "CREATE TEMP TABLE archive_files (old text PRIMARY KEY, new text) "
                "ON COMMIT DROP"
            )
            cursor.execute(
                "INSERT INTO archive_files SELECT * FROM unnest(%s::text[], %s::text[])",
                [list(renamed), list(renamed.values())],
            )
        for index, entry in enumerate(manifest["tables"]):
            table, columns = entry["table"], entry["columns"]
            if table not in present:
                raise ArchiveError(
                    f"The archive has table {table}, which this server's tenants do not have."
                )
            unknown = set(columns) - set(present[table])
            if unknown:
                raise ArchiveError(
                    f"The archive's table {table} has columns this server does not "
                    f"have: {', '.join(sorted(unknown))}."
                )
            if not entry["rows"]:
                continue
            rows += entry["rows"]
            target = f"{_q(schema)}.{_q(table)}"
            cols = ", ".join(_q(c) for c in columns)
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {target})")
            if cursor.fetchone()[0]:
                # A row the template holds: the archive has the tenant's own version.
                cursor.execute(f"TRUNCATE {target}")
            remap_users = (
                [c for c in user_columns.get(table, ()) if c in columns]
                if user_map and not identity_users
                else []
            )
            remap_files = (
                [c for c in file_columns.get(table, ()) if c in columns]
                if renamed
                else []
            )
            with open(work / entry["member"], "rb") as handle:
                if not remap_users and not remap_files:
                    cursor.copy_expert(f"COPY {target} ({cols}) FROM STDIN", handle)
                    continue
                stage = _q(f"archive_stage_{index}")
                cursor.execute(
                    f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                    f"SELECT {cols} FROM {target} WITH NO DATA"
                )
                cursor.copy_expert(f"COPY {stage} ({cols}) FROM STDIN", handle)
            for column in remap_users:
                c = _q(column)
                cursor.execute(
                    f"UPDATE {stage} s SET {c} = m.new FROM archive_users m WHERE s.{c} = m.old"
                )
            for column in remap_files:
                c = _q(column)
                cursor.execute(
                    f"UPDATE {stage} s SET {c} = m.new FROM archive_files m WHERE s.{c} = m.old"
                )
            cursor.execute(
                f"INSERT INTO {target} ({cols}) OVERRIDING SYSTEM VALUE "
                f"SELECT {cols} FROM {stage}"
            )
            cursor.execute(f"DROP TABLE {stage}")
        # Identity columns continue after the restored rows.
        cursor.execute(
            """
            SELECT c.relname, a.attname FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND a.attidentity <> '' AND c.relkind IN ('r', 'p')
            """,
            [schema],
        )
        loaded = {e["table"] for e in manifest["tables"] if e["rows"]}
        for table, column in cursor.fetchall():
            if table not in loaded:
                continue
            target = f"{_q(schema)}.{_q(table)}"
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"(SELECT coalesce(max({_q(column)}), 0) + 1 FROM {target}), false)",
                [f"{_q(schema)}.{_q(table)}", column],
            )
    return rows


def _remap_row(model, row: dict, ctx: ImportContext, user_map, refs, file_names):
    """Foreign keys and file names of one public row for this platform; None to skip."""
    for f in model._meta.concrete_fields:
        value = row.get(f.attname)
        if value in (None, ""):
            continue
        if isinstance(f, models.FileField):
            row[f.attname] = file_names.get(value, value)
            continue
        if not f.is_relation:
            continue
        label = f.related_model._meta.label_lower
        if label == User._meta.label_lower:
            new = user_map.get(value)
        elif label == Tenant._meta.label_lower:
            new = ctx.tenant.pk if value == ctx.source_tenant["id"] else None
            if new is None:
                new = refs.get(label, {}).get(value)
        elif label in ctx.ids:
            new = ctx.ids[label].get(value)
        else:
            new = refs.get(label, {}).get(value)
        if new is None and not f.null:
            return None
        row[f.attname] = new
    return row


def _auto_now_values(model, objects) -> list[dict]:
    stamped = [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    if not stamped:
        return [{} for _obj in objects]
    return [
        {name: getattr(obj, name) for name in stamped if getattr(obj, name) is not None}
        for obj in objects
    ]


def _import_public(
    manifest, work, ctx: ImportContext, user_map, refs, file_names, result
):
    parts = {p.key: p for p in registry.public_parts()}
    tenant_label = Tenant._meta.label_lower
    for entry in sorted(
        manifest["public"],
        key=lambda e: (
            parts[e["model"]].order if e["model"] in parts else 0,
            e["model"],
        ),
    ):
        if entry["model"] == tenant_label:
            continue
        part = parts.get(entry["model"])
        if part is None:
            if entry["rows"]:
                raise ArchiveError(
                    f"The archive has rows of {entry['model']}, which no app of this "
                    "server takes."
                )
            continue
        if ctx.copy and part.on_copy == "skip":
            result.skipped[part.key] = result.skipped.get(part.key, 0) + entry["rows"]
            continue
        model = part.model
        olds, objects = [], []
        for raw in _read_jsonl(work / entry["member"]):
            row = _decode(model, raw)
            old_pk = row.pop(model._meta.pk.attname, None)
            row = _remap_row(model, row, ctx, user_map, refs, file_names)
            if row is not None and part.transform is not None:
                row = part.transform(row, ctx)
            if row is not None and ctx.copy and callable(part.on_copy):
                row = part.on_copy(row, ctx)
            if row is None:
                result.skipped[part.key] = result.skipped.get(part.key, 0) + 1
                continue
            olds.append(old_pk)
            objects.append(model(**row))
        kept = _auto_now_values(model, objects)
        created = model._base_manager.bulk_create(objects, batch_size=1000)
        ctx.ids[part.key] = {
            old: obj.pk for old, obj in zip(olds, created, strict=True)
        }
        for obj, values in zip(created, kept, strict=True):
            if values:
                # Saving stamped "now" over them; the archive's times are the record.
                model._base_manager.filter(pk=obj.pk).update(**values)
        result.rows += len(created)


def _tenant_row(manifest, work, ctx_copy: bool, slug: str, user_map) -> dict:
    entry = next(
        (e for e in manifest["public"] if e["model"] == Tenant._meta.label_lower), None
    )
    rows = list(_read_jsonl(work / entry["member"])) if entry else []
    if len(rows) != 1:
        raise ArchiveError("The archive does not hold its organisation's record.")
    row = _decode(Tenant, rows[0])
    row.pop("id", None)
    for name in ("verified_by_id", "disabled_by_id", "deleted_by_id"):
        if row.get(name) is not None:
            row[name] = user_map.get(row[name])
    row["slug"] = slug
    row["schema_name"] = schema_name_for(slug)
    row["deleted_at"] = None
    row["deleted_by_id"] = None
    if ctx_copy:
        # Confirmed for the source, not for the copy. A government is one
        # organisation per region of the register: its copy is an institution
        # seated in that region, without a region code of its own.
        if row.get("kind") in GOVERNMENT_KINDS:
            row["seat_region_code"] = row.get("region_code") or row.get(
                "seat_region_code", ""
            )
            row["kind"] = Tenant.Kind.LEMBAGA
            row["name"] = gettext("%(name)s (copy)") % {"name": row.get("name", "")}
        row.update(
            verification_status=Tenant.Verification.UNVERIFIED,
            verified_at=None,
            verified_by_id=None,
            region_code="",
        )
    return row


def _log_anchors(log_files: Iterable) -> tuple[dict[tuple[int, str], list], int]:
    """Anchors published in the source platform's log.json pages, checked.

    The pages' entries must chain (each hash recomputed, each entry following
    the previous one) and each anchoring batch must match the digest its entry
    published. Returns {(tenant id, slug): [anchor, …]} and the log's head seq.
    """
    from ..transparency import body as log_body

    records: dict[int, dict] = {}
    anchors: dict[int, list] = {}
    for log_file in log_files:
        try:
            page = json.loads(Path(log_file).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ArchiveError(f"{log_file} is not a readable log.json page.") from exc
        pages = page if isinstance(page, list) else [page]
        for one in pages:
            if not isinstance(one, dict) or not isinstance(one.get("records"), list):
                raise ArchiveError(
                    f"{log_file} is not a transparency log page (log.json)."
                )
            for record in one["records"]:
                records[record["seq"]] = record
            for seq, rows in (one.get("anchors") or {}).items():
                anchors[int(seq)] = rows
    if not records:
        raise ArchiveError("The log given has no entries.")
    ordered = [records[seq] for seq in sorted(records)]
    report = chainlib.verify(
        ordered,
        body=log_body,
        start_seq=ordered[0]["seq"],
        start_prev=ordered[0].get("prev_hash", ""),
    )
    if not report.ok:
        raise ArchiveError(
            f"The source platform's log does not verify at entry {report.first_broken_seq}: "
            f"{report.reason}."
        )
    found: dict[tuple[int, str], list] = {}
    for seq, rows in anchors.items():
        record = records.get(seq)
        if record is None or record.get("kind") != PlatformEvent.Kind.CHAIN_ANCHORED:
            raise ArchiveError(
                f"The log lists anchors for entry {seq}, which is not an anchoring entry."
            )
        ordered_rows = sorted(rows, key=lambda a: (a["tenant"]["id"], a["chain"]))
        if chainlib.sha256_hex(chainlib.canonical(ordered_rows)) != record[
            "details"
        ].get("digest"):
            raise ArchiveError(
                f"The anchors of log entry {seq} do not match the digest it published."
            )
        for anchor in rows:
            key = (anchor["tenant"]["id"], anchor["tenant"]["slug"])
            found.setdefault(key, []).append(anchor | {"batch_seq": seq})
    return found, report.head_seq


def _verify_chains(
    manifest, tenant: Tenant, *, log_anchors, saved_heads: list[tuple[str, int, str]]
) -> tuple[dict, list]:
    """The restored tenant's chains recomputed; anchors and saved heads must match."""
    source = manifest["tenant"]
    checked = []
    heads = {}
    connection.set_tenant(tenant)
    try:
        for chain in chains():
            archived = (manifest.get("chains") or {}).get(chain.key)
            known: dict[int, str] = {}
            if log_anchors is not None:
                for anchor in log_anchors.get((source["id"], source["slug"]), []):
                    if anchor["chain"] == chain.key:
                        known[anchor["seq"]] = anchor["hash"]
            for key, seq, hash_ in saved_heads:
                if key == chain.key:
                    known[seq] = hash_
            report = chainlib.verify(
                chain.records(0), body=chain.body, known_heads=known
            )
            if not report.ok:
                raise ArchiveError(
                    f"The organisation's {chain.key} audit history does not verify at "
                    f"event {report.first_broken_seq}: {report.reason}. Nothing was imported."
                )
            if archived and (report.head_seq, report.head_hash) != (
                archived["seq"],
                archived["hash"],
            ):
                raise ArchiveError(
                    f"The {chain.key} audit history ends at event {report.head_seq}, not "
                    f"at the head the manifest records ({archived['seq']})."
                )
            beyond = [
                seq
                for key, seq, _h in saved_heads
                if key == chain.key and seq > report.head_seq
            ]
            if beyond:
                raise ArchiveError(
                    f"The saved head is event {max(beyond)} of the {chain.key} history, "
                    f"but the archive ends at event {report.head_seq}: events are missing."
                )
            heads[chain.key] = {"seq": report.head_seq, "hash": report.head_hash}
            if known:
                checked.append(chain.key)
    finally:
        connection.set_schema_to_public()
    return heads, checked


def tenant_import(
    *,
    path,
    new_slug: str | None = None,
    actor=None,
    actor_label: str | None = None,
    log_files: Iterable = (),
    saved_heads: Iterable[tuple[str, int, str]] = (),
) -> ImportResult:
    """Restore an archive as a new tenant (see the module docstring).

    Without `new_slug` the tenant comes back under its own subdomain with its
    verification, region code, adoptions and agreements (disaster recovery, a
    move between servers); with it, a copy is made that starts unverified,
    without region code and without the source's adoptions and agreements.
    """
    connection.set_schema_to_public()
    saved_heads = list(saved_heads)
    log_files = list(log_files)
    with tempfile.TemporaryDirectory(prefix="bagipakai-import-") as folder:
        work = Path(folder)
        manifest = archive_read(path, work)
        _check_source(manifest)
        _check_migrations(manifest)
        copy = bool(new_slug) and new_slug != manifest["tenant"]["slug"]
        slug = (new_slug or manifest["tenant"]["slug"]).strip()
        problems = subdomain_errors(slug)
        if problems:
            raise ArchiveError(
                f"“{slug}” cannot be a subdomain: {' '.join(map(str, problems))}"
            )
        if Tenant.all_objects.filter(slug=slug).exists():
            raise ArchiveError(
                f"“{slug}” is already taken on this platform (by a live or deleted "
                "organisation); nothing was overwritten. Choose another with --as."
            )
        log_anchors = None
        if log_files:
            log_anchors, _head = _log_anchors(log_files)
        tenant_schema.template_ensure_current()
        created_files: list = []
        try:
            with transaction.atomic():
                result = _import(
                    manifest,
                    work,
                    slug,
                    copy,
                    actor,
                    actor_label,
                    log_anchors,
                    saved_heads,
                    created_files,
                )
        except BaseException as exc:
            for storage, name in created_files:
                try:
                    storage.delete(name)
                except Exception:  # noqa: BLE001 -- keep removing the others
                    logger.exception("could not remove %s after a failed import", name)
            connection.set_schema_to_public()
            if isinstance(exc, IntegrityError):
                raise ArchiveError(_integrity_message(exc)) from exc
            raise
    return result


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc)
    if "tenants_tenant_one_per_region" in text:
        return (
            "Another organisation here is already registered for this region; "
            "import it as a copy with --as (a copy has no region code)."
        )
    if "domain" in text:
        return "One of the organisation's host names is already used by another organisation here."
    return (
        f"The archive's rows conflict with rows already here ({text.splitlines()[0]})."
    )


def _import(
    manifest,
    work,
    slug,
    copy,
    actor,
    actor_label,
    log_anchors,
    saved_heads,
    created_files,
):
    user_map, users_created, users_matched = _match_users(manifest, work)
    row = _tenant_row(manifest, work, copy, slug, user_map)
    if (
        not copy
        and row.get("kind") in GOVERNMENT_KINDS
        and row.get("region_code")
        and Tenant.objects.filter(
            region_code=row["region_code"], kind__in=GOVERNMENT_KINDS
        ).exists()
    ):
        raise ArchiveError(
            "Another organisation here is already registered for this region; "
            "import it as a copy with --as (a copy has no region code)."
        )
    tenant = Tenant(**row)
    tenant.save()
    tenant_schema.schema_clone(tenant.schema_name)
    result = ImportResult(
        tenant=tenant,
        copy=copy,
        users_created=users_created,
        users_matched=users_matched,
    )
    file_names = _import_files(
        manifest,
        work,
        manifest["tenant"]["schema_name"],
        tenant.schema_name,
        created_files,
    )
    result.files = len(manifest["files"])
    result.rows = _load_tables(manifest, work, tenant.schema_name, user_map, file_names)
    ctx = ImportContext(
        tenant=tenant,
        copy=copy,
        source=manifest["source"],
        source_tenant=manifest["tenant"],
    )
    ctx.ids[Tenant._meta.label_lower] = {manifest["tenant"]["id"]: tenant.pk}
    refs = _resolve_refs(manifest)
    _import_public(manifest, work, ctx, user_map, refs, file_names, result)
    result.rows += 1
    if not Domain.objects.filter(tenant=tenant).exists():
        # A copy (or an archive without hosts) gets its own subdomain here.
        Domain.objects.create(
            domain=f"{tenant.slug}.{settings.BASE_DOMAIN}",
            tenant=tenant,
            is_primary=True,
        )
    for hook in registry.after_import_hooks():
        hook(tenant, ctx)
    heads, checked = _verify_chains(
        manifest, tenant, log_anchors=log_anchors, saved_heads=saved_heads
    )
    result.heads = heads
    result.checked_against = checked
    source_domain = manifest["source"].get("base_domain", "")
    head_text = (
        ", ".join(
            f"{key} #{h['seq']} {h['hash'][:16]}" for key, h in sorted(heads.items())
        )
        or "no audit history"
    )
    event = platform_event_append(
        kind=PlatformEvent.Kind.TENANT_IMPORTED,
        actor=actor,
        actor_label=(actor_label or COMMAND_LINE) if actor is None else None,
        tenant=tenant,
        reason=(
            f"Imported from {manifest['tenant']['slug']} on {source_domain} at head {head_text}"
        )[:500],
        details={
            "source": {
                "base_domain": source_domain,
                "tenant_id": manifest["tenant"]["id"],
                "slug": manifest["tenant"]["slug"],
                "platform_log_first_hash": manifest["source"].get(
                    "platform_log_first_hash", ""
                ),
            },
            "heads": heads,
            "checked_against_source_heads": checked,
            "copy": copy,
        },
    )
    result.event_seq = event.seq
    return result
