"""Reading an archive back: its members checked against the manifest."""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import zlib
from pathlib import Path

from .encoding import (
    CHUNK,
    FORMAT,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    VERSION,
    ArchiveError,
    _members,
)

# --- reading an archive back ---------------------------------------------------------


MEMBER_RE = re.compile(
    r"^(schema/[0-9]{3}-[a-z0-9_]{1,63}\.copy|public/[a-z0-9_.]{1,120}\.jsonl"
    r"|users\.jsonl|files/[0-9]{6})$"
)


MEMBERS_MAX = 2_000_000


# Uploaded files up to HELD_FILE_MAX bytes, HELD_TOTAL_MAX in all, are kept in
# memory when the caller asks (`held`) instead of each written to a temporary
# file first: a tenant's files are thousands of small ones, and each file
# created on a busy disk costs a fraction of a millisecond, seconds in all.
HELD_FILE_MAX = 256 * 1024
HELD_TOTAL_MAX = 32 * 1024 * 1024


def archive_read(path, work: Path, held: dict[str, bytes] | None = None) -> dict:
    """Unpack and check every member against the manifest; the manifest back.

    Only member names of the archive's own pattern are accepted (so nothing is
    written outside `work`); each is hashed as it is unpacked, and once the
    manifest is read every member it lists must be there with its size and
    SHA-256, and nothing else. Anything else refuses the whole archive.
    With `held` (a dict), small uploaded files go there (member -> bytes)
    instead of to `work`, checked the same way.
    """
    try:
        # Read front to back through gzip's own buffered reader ("r:gz"): the
        # stream mode ("r|gz") copies its whole decompressed buffer on every
        # small read, thousands of headers' worth for thousands of files.
        tar = tarfile.open(path, mode="r:gz")
    except FileNotFoundError as exc:
        raise ArchiveError(f"There is no file {path}.") from exc
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(
            "This is not a BagiPakai tenant archive, or it is damaged."
        ) from exc
    manifest = None
    seen: dict[str, tuple[int, str]] = {}
    made_dirs: set[Path] = set()
    held_bytes = 0
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
                source = tar.extractfile(member)
                if (
                    held is not None
                    and member.name.startswith("files/")
                    and member.size <= HELD_FILE_MAX
                    and held_bytes + member.size <= HELD_TOTAL_MAX
                ):
                    data = source.read()
                    held[member.name] = data
                    held_bytes += len(data)
                    seen[member.name] = (len(data), hashlib.sha256(data).hexdigest())
                    continue
                target = work / member.name
                if target.parent not in made_dirs:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made_dirs.add(target.parent)
                digest = hashlib.sha256()
                size = 0
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
