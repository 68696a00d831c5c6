"""Importing an archive as a new tenant, in one transaction."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext

from .. import schema as tenant_schema
from ..models import Domain, PlatformEvent, Tenant, User
from ..regions import GOVERNMENT_KINDS
from ..subdomains import schema_name_for, subdomain_errors
from ..transparency import platform_event_append
from . import registry
from .encoding import (
    COMMAND_LINE,
    ArchiveError,
    _decode,
    _identity_columns,
    _q,
    _tables,
    _tenant_file_columns,
)
from .import_chains import _log_anchors, _verify_chains
from .import_files import _import_files
from .reading import archive_read

logger = logging.getLogger(__name__)


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
    # Case-insensitive, in one statement on the unique index on lower(email).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT lower({_q('email')}), {_q('id')} FROM {_q(User._meta.db_table)} "
            f"WHERE lower({_q('email')}) = ANY(%s)",
            [list(by_email)],
        )
        existing = dict(cursor.fetchall())
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
        # Identity columns continue after the restored rows: the next values are
        # read first (one statement), then set as constants (one more). A setval
        # fed by a subquery over the restored table would run where the table
        # lives, on a Citus worker, whose share of the sequence differs.
        loaded = {e["table"] for e in manifest["tables"] if e["rows"]}
        identities = [
            (f"{_q(schema)}.{_q(table)}", column)
            for table, column in _identity_columns(cursor, schema)
            if table in loaded
        ]
        if identities:
            cursor.execute(
                "SELECT "
                + ", ".join(
                    f"(SELECT coalesce(max({_q(column)}), 0) + 1 FROM {target})"
                    for target, column in identities
                )
            )
            next_values = cursor.fetchone()
            params = []
            for (target, column), value in zip(identities, next_values, strict=True):
                params += [target, column, int(value)]
            cursor.execute(
                "SELECT "
                + ", ".join(
                    "setval(pg_get_serial_sequence(%s, %s), %s, false)"
                    for _identity in identities
                ),
                params,
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
        held: dict[str, bytes] = {}
        manifest = archive_read(path, work, held)
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
                    held,
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
    held,
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
        held,
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
