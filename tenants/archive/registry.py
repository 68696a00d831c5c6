"""What each app contributes to a tenant's archive (tenants/archive/).

The kernel knows no app by name: an app that keeps public-schema rows belonging
to a tenant, or tenant-schema columns naming users, says so here from its
AppConfig.ready():

    register_public_rows(Adoption, rows=lambda t: Adoption.objects.filter(adopter=t),
                         order=40, on_copy="skip")
    register_natural_key(CatalogApp, export=lambda app: app.slug,
                         resolve=lambda keys: dict(CatalogApp.objects.filter(slug__in=keys)
                                                   .values_list("slug", "pk")))
    register_user_columns(Applicant, "user_id")

- **Public rows** are exported with every concrete field; on import their
  foreign keys are remapped: to the imported tenant, to users matched by
  e-mail, to rows imported before them (lower `order`), or to rows already on
  this platform named by a natural key (a catalog app by its slug). A row
  whose required foreign key names something this platform does not have is
  skipped and reported; a nullable one is cleared.
- `on_copy` says what a copy made with `--as` does with the rows: "keep",
  "skip" (records confirmed for the source, not for the copy), or a function
  `(row, context) -> row | None` that adjusts it (a fresh plan, new tokens).
- `transform(row, context) -> row | None` adjusts every imported row (e.g. a
  domain under another base domain).
- **User columns** of tenant tables (ids of public-schema users, no foreign
  key) are remapped to the users matched by e-mail on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import models

RowHook = Callable[[dict, object], dict | None]


@dataclass(frozen=True)
class PublicRows:
    model: type[models.Model]
    rows: Callable[[object], models.QuerySet]
    order: int
    on_copy: str | RowHook = "keep"
    transform: RowHook | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class NaturalKey:
    model: type[models.Model]
    export: Callable[[models.Model], object]
    resolve: Callable[[list], Mapping]


_PUBLIC: dict[str, PublicRows] = {}
_NATURAL: dict[str, NaturalKey] = {}
_USER_COLUMNS: dict[str, tuple[str, ...]] = {}
_AFTER_IMPORT: list[Callable[[object, object], None]] = []


def register_public_rows(
    model,
    *,
    rows: Callable[[object], models.QuerySet],
    order: int,
    on_copy: str | RowHook = "keep",
    transform: RowHook | None = None,
) -> None:
    if isinstance(on_copy, str) and on_copy not in {"keep", "skip"}:
        raise ValueError("on_copy is 'keep', 'skip' or a function")
    part = PublicRows(model, rows, order, on_copy, transform)
    _PUBLIC[part.key] = part


def register_natural_key(
    model, *, export: Callable[[models.Model], object], resolve: Callable[[list], Mapping]
) -> None:
    _NATURAL[model._meta.label_lower] = NaturalKey(model, export, resolve)


def register_user_columns(model, *columns: str) -> None:
    """Columns of a tenant-schema model holding ids of public-schema users."""
    table = model._meta.db_table
    _USER_COLUMNS[table] = tuple(sorted(set(_USER_COLUMNS.get(table, ())) | set(columns)))


def public_parts() -> list[PublicRows]:
    return sorted(_PUBLIC.values(), key=lambda part: (part.order, part.key))


def public_part(key: str) -> PublicRows | None:
    return _PUBLIC.get(key)


def natural_key(label: str) -> NaturalKey | None:
    return _NATURAL.get(label)


def user_columns() -> Mapping[str, tuple[str, ...]]:
    return dict(_USER_COLUMNS)


def labels(parts: Iterable[PublicRows]) -> list[str]:
    return [part.key for part in parts]


def register_after_import(hook: Callable[[object, object], None]) -> None:
    """`hook(tenant, context)` runs in the import's transaction, after every row
    is in (e.g. to refresh counts kept elsewhere)."""
    if hook not in _AFTER_IMPORT:
        _AFTER_IMPORT.append(hook)


def after_import_hooks() -> list[Callable[[object, object], None]]:
    return list(_AFTER_IMPORT)
