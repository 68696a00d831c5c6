"""publiccode.yml import and export for catalog entries.

- `reading`: safe YAML, typed as the standard's reference parser types it;
- `standard`: the standard's rules, as the reference parser applies them
  (`check`), in two steps: `decoding` each field to the type `schema` gives it,
  then the field `rules`, using `values` for what one value must be;
- `importing`: a valid file to a catalog entry (typed fields + whole document);
- `export`: a catalog entry back to a file that loses nothing.
"""

from .export import EXPORT_VERSION, export_document, export_publiccode
from .importing import ImportResult, import_publiccode, parse, release_fields, to_fields
from .issues import Issue, PubliccodeError
from .reading import MAX_ALIASES, MAX_DEPTH, MAX_NODES, load, load_tree
from .standard import SUPPORTED_VERSIONS, check
from .values import is_spdx_expression


def validate(doc_or_data) -> list[Issue]:
    """Every problem of a file (bytes or text) under the standard; empty when valid."""
    if isinstance(doc_or_data, str):
        doc_or_data = doc_or_data.encode()
    try:
        return check(load_tree(doc_or_data))[1]
    except PubliccodeError as exc:
        return exc.issues


__all__ = [
    "EXPORT_VERSION",
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_NODES",
    "SUPPORTED_VERSIONS",
    "ImportResult",
    "Issue",
    "PubliccodeError",
    "check",
    "export_document",
    "export_publiccode",
    "import_publiccode",
    "is_spdx_expression",
    "load",
    "load_tree",
    "parse",
    "release_fields",
    "to_fields",
    "validate",
]
