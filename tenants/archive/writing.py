"""The archive's tar stream, written member by member: the bytes tarfile writes.

A tenant's archive holds thousands of small files. tarfile.addfile copies each
member's TarInfo, builds its header through the PAX checks and copies the data
in small pieces: most of an export's time at 3,000 files. Here a member whose
header needs nothing beyond ustar (an ASCII name of at most 100 bytes, sizes
and times that fit) gets that header built directly; any other falls back to
tarfile's own. tests/tenants/test_archive.py checks the stream against
tarfile's, byte for byte.
"""

from __future__ import annotations

import tarfile

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE
NUL = b"\0"
# Numeric header fields are 11 octal digits and a NUL.
_OCTAL_LIMIT = 8**11
# tarfile's defaults for a TarInfo: mode 0644, uid and gid 0, a regular file,
# no link, owner or group names, no device numbers, no prefix.
_MODE_UID_GID = b"0000644\0" + b"0000000\0" + b"0000000\0"
_AFTER_CHECKSUM = (
    tarfile.REGTYPE
    + NUL * 100
    + tarfile.POSIX_MAGIC
    + NUL * 32
    + NUL * 32
    + NUL * 8
    + NUL * 8
    + NUL * 155
)


def member_header(name: str, size: int, mtime: int) -> bytes:
    """The header tarfile writes for TarInfo(name) with this size and mtime in
    its default (PAX) format."""
    if (
        name.isascii()
        and len(name) <= 100
        and 0 <= size < _OCTAL_LIMIT
        and 0 <= mtime < _OCTAL_LIMIT
    ):
        header = b"".join(
            (
                name.encode("ascii").ljust(100, NUL),
                _MODE_UID_GID,
                b"%011o\0" % size,
                b"%011o\0" % mtime,
                b" " * 8,  # the checksum counts its own field as spaces
                _AFTER_CHECKSUM,
            )
        ).ljust(BLOCK, NUL)
        checksum = sum(header)
        return header[:148] + b"%06o\0" % checksum + header[155:]
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


class TarWriter:
    """Members appended to `out` (a binary stream), then the end of the archive."""

    def __init__(self, out, mtime: int, chunk: int = 1024 * 1024):
        self.out = out
        self.mtime = mtime
        self.chunk = chunk
        self.offset = 0

    def add(self, name: str, size: int, source) -> int:
        """Append `size` bytes of `source` (anything with read()) as member
        `name`; returns how many bytes `source` gave, which is less than `size`
        when it ended early (the stream is then not a valid archive)."""
        header = member_header(name, size, self.mtime)
        self.out.write(header)
        copied = 0
        while copied < size:
            data = source.read(min(self.chunk, size - copied))
            if not data:
                break
            self.out.write(data)
            copied += len(data)
        padding = -size % BLOCK
        if padding:
            self.out.write(NUL * padding)
        self.offset += len(header) + size + padding
        return copied

    def close(self) -> None:
        """Two empty blocks, then zeros to a whole record, as tarfile ends one."""
        end = NUL * (2 * BLOCK)
        self.out.write(end)
        self.offset += len(end)
        remainder = self.offset % RECORD
        if remainder:
            self.out.write(NUL * (RECORD - remainder))
            self.offset += RECORD - remainder
