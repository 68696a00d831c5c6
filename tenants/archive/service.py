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

from .encoding import (
    CHUNK,
    COMMAND_LINE,
    FORMAT,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    VERSION,
    ArchiveError,
    _q,
    _tables,
)
from .export import (
    ExportResult,
    tenant_export,
)
from .import_files import (
    UPLOAD_THREADS,
)
from .importing import (
    ImportContext,
    ImportResult,
    tenant_import,
)
from .reading import (
    MEMBER_RE,
    MEMBERS_MAX,
    archive_read,
)

__all__ = [
    "ArchiveError",
    "CHUNK",
    "COMMAND_LINE",
    "ExportResult",
    "FORMAT",
    "ImportContext",
    "ImportResult",
    "MANIFEST",
    "MANIFEST_MAX_BYTES",
    "MEMBERS_MAX",
    "MEMBER_RE",
    "UPLOAD_THREADS",
    "VERSION",
    "_q",
    "_tables",
    "archive_read",
    "tenant_export",
    "tenant_import",
]
