"""A catalog that keeps itself up to date from the apps' repositories.

A catalog entry is linked to its repository (`repository_link_set`); nothing is
fetched until an administrator of the publishing organisation approves the
link (`repository_link_approve`). Then a background job (core/jobs.py) reads
publiccode.yml from the repository's default branch every
`HARVEST_INTERVAL_HOURS`, and at once when the publisher asks ("check now"):

- a file that changed is imported as the publisher's own upload would be
  (catalog.publiccode.import_publiccode: all or nothing, the validator's
  rules, new releases recorded), and the change is kept as a new version of
  the entry with its field-by-field differences (`CatalogAppVersion`);
- a repository that cannot be read, a missing file, an invalid one (every
  problem by field path), a file describing another repository or another
  publisher: the entry is left unchanged and the failure is shown to the
  publisher (`harvest_failures`, on the publisher's pages) until a later check
  succeeds;
- the logo and screenshots the file names are fetched (through core/fetch.py,
  checked by content with Pillow, stored with Django's storage API) and shown
  on the catalog page; those that cannot be fetched are shown as links.

Every fetch goes through core/fetch.py or core/gitfetch.py: https only,
public addresses only (after DNS and on every redirect), capped in size and time.
"""

from __future__ import annotations

from .images import (
    image_sources,
    images_refresh,
)
from .jobs import (
    harvest,
    harvest_due,
    harvest_link,
)
from .links import (
    repository_check_request,
    repository_link_approve,
    repository_link_remove,
    repository_link_set,
)
from .reading import (
    app_versions,
    failed_links,
    harvest_failures,
    version_rows,
)
from .repositories import (
    FILE_NAMES,
    KNOWN_HOSTS,
    MAX_SCREENSHOTS,
    RUNS_KEPT,
    Host,
    Outcome,
    Problem,
    host_of,
    raw_url,
    repository_open,
    repository_path,
)
from .versions import (
    KEY_LABELS,
    TYPED_FIELDS,
    change_label,
    change_text,
    entry_changes,
)

__all__ = [
    "FILE_NAMES",
    "Host",
    "KEY_LABELS",
    "KNOWN_HOSTS",
    "MAX_SCREENSHOTS",
    "Outcome",
    "Problem",
    "RUNS_KEPT",
    "TYPED_FIELDS",
    "app_versions",
    "change_label",
    "change_text",
    "entry_changes",
    "failed_links",
    "harvest",
    "harvest_due",
    "harvest_failures",
    "harvest_link",
    "host_of",
    "image_sources",
    "images_refresh",
    "raw_url",
    "repository_check_request",
    "repository_link_approve",
    "repository_link_remove",
    "repository_link_set",
    "repository_open",
    "repository_path",
    "version_rows",
]
