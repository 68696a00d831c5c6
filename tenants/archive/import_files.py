"""Importing an archive's files into storage, several uploads at once."""

from __future__ import annotations

import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from .encoding import CHUNK, ArchiveError, _storage_for


def _new_name(name: str, old_schema: str, new_schema: str) -> str:
    old_prefix = f"tenants/{old_schema}/"
    if name.startswith(old_prefix):
        return f"tenants/{new_schema}/" + name[len(old_prefix) :]
    return name


def _import_files(
    manifest, work, old_schema, new_schema, created: list, held=None
) -> dict[str, str]:
    """Store every archived file; returns old name -> stored name.

    Files are the bulk of a tenant's archive (thousands of small ones), so the
    storage of each field is looked up once, files for a local file system are
    written in place from memory (`held`: member -> bytes, the small files
    archive_read kept) or linked from the unpacked archive (a copy where
    linking is not possible), and files for object storage are uploaded
    several at a time.
    """
    held = {} if held is None else held
    storages: dict[str, tuple[object, bool]] = {}
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
            storage = _storage_for(entry["field"])
            # Asked once: a lazy storage makes every isinstance a lookup.
            storages[entry["field"]] = (storage, isinstance(storage, FileSystemStorage))
        storage, local = storages[entry["field"]]
        jobs.append((entry, storage, local, _new_name(name, old_schema, new_schema)))
    names: dict[str, str] = {}
    made_dirs: set[str] = set()
    remote = []
    for entry, storage, local, wanted in jobs:
        if local:
            stored = _store_local(
                storage,
                wanted,
                held.get(entry["member"], work / entry["member"]),
                entry,
                made_dirs,
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
            stored = _store_remote(
                storage,
                wanted,
                held.get(entry["member"], work / entry["member"]),
                entry,
            )
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


def _store_local(
    storage, wanted: str, source: Path | bytes, entry: dict, made_dirs: set
):
    """Write (from memory) or link (from the unpacked archive; a copy where
    linking is not possible) one file to `wanted` in a file-system storage; the
    stored name, or None when the same file is already there. Never over an
    existing file: the name is taken exclusively, and a file already there is
    either the same one or makes the storage pick another name."""
    path = storage.path(wanted)
    folder = os.path.dirname(path)
    if folder not in made_dirs:
        os.makedirs(folder, exist_ok=True)
        made_dirs.add(folder)
    try:
        if isinstance(source, bytes):
            _write_new(path, source)
        else:
            try:
                os.link(source, path)
            except FileExistsError:
                raise
            except OSError:
                # Another file system (or one without hard links): copy it.
                with open(source, "rb") as src:
                    _write_new(path, src)
    except FileExistsError:
        if _same_content(storage, wanted, entry):
            return None
        # Someone else's file under that name: the storage picks another.
        return _save(storage, wanted, source)
    if storage.file_permissions_mode is not None:
        os.chmod(path, storage.file_permissions_mode)
    return wanted


def _write_new(path: str, source) -> None:
    """A new file at `path` (never over one there) with `source`'s bytes (bytes
    or an open file); a file cut short by an error is removed."""
    with open(path, "xb") as out:
        try:
            if isinstance(source, bytes):
                out.write(source)
            else:
                shutil.copyfileobj(source, out, CHUNK)
        except BaseException:
            out.close()
            os.unlink(path)
            raise


def _save(storage, wanted: str, source: Path | bytes):
    """Through the storage API (which picks a free name); the stored name."""
    if isinstance(source, bytes):
        content = ContentFile(source)
    else:
        content = File(open(source, "rb"))  # noqa: SIM115 -- closed just below
    with content:
        return storage.save(wanted, content)


def _store_remote(storage, wanted: str, source: Path | bytes, entry: dict):
    if storage.exists(wanted) and _same_content(storage, wanted, entry):
        return None
    return _save(storage, wanted, source)


def _same_content(storage, name: str, entry: dict) -> bool:
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == entry["sha256"]
