"""The catalog's facet index: which visible apps have each facet value, as bit sets.

Counting facets is what a catalog page does most, and in SQL its cost grows
with the apps a page matches: a few filters on a catalog of 10,000 apps made
PostgreSQL unnest and group most of it on every request. Search engines count
facets over bit sets instead, and so does this module:

- every visible app has a *position*, its place in the catalog's default order
  (most adopted first, as `selectors.SORTS["adopted"]`);
- every facet value has a bit set of the positions of the apps having it, and
  a filter is the OR of its values' sets;
- a facet value's count is the number of bits left after AND-ing its set with
  the search's matches and every other facet's filter.

So a page's counts are a few hundred integer operations whatever the catalog's
size, and its page of apps is read off the same bits (in the default order) or
off the other orders, which PostgreSQL computed with its own collation.

The index is built by one statement over the visible apps and kept until the
next committed write to the public schema (`core.pagecache.kept_until_written`,
in the shared cache and in each process), so it is never stale: a new app, a
hidden app, a renamed publisher or a new adoption shows at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import Window
from django.db.models.functions import RowNumber

from core.pagecache import PUBLIC, kept_until_written

# Facets whose value is one column, and those whose values are an array.
_SINGLE = {
    "publisher": "publisher__slug",
    "delivery": "delivery_mode",
    "status": "development_status",
    "license": "license",
}
_MANY = {
    "category": "categories",
    "scope": "scope",
    "language": "languages",
    "country": "countries",
}
INDEX_KEY = "catalog:facetindex:1"
# Kept until the next write; the time only bounds memory in the shared cache.
INDEX_SECONDS = 24 * 3600


def language_base(code: str) -> str:
    """The language a code names, without region or script ('pt-BR' -> 'pt'):
    what the language facet counts and filters on."""
    return code.split("-", 1)[0].lower()


@dataclass(frozen=True)
class FacetIndex:
    # App ids by position: the catalog's default order.
    ids: tuple[int, ...]
    # facet -> value -> (publisher's name or "", bit set of positions)
    values: dict[str, dict[str, tuple[str, int]]]
    # Positions in the catalog's other orders ("newest", "name").
    orders: dict[str, tuple[int, ...]]

    @property
    def everything(self) -> int:
        return (1 << len(self.ids)) - 1

    def bits_of(self, app_ids: Iterable[int]) -> int:
        """The bit set of these apps (ids of apps not visible are left out)."""
        position = self.position
        return bits((position[pk] for pk in app_ids if pk in position), len(self.ids))

    def any_of(self, facet: str, values: Iterable[str]) -> int:
        """Apps having any of `values` in `facet` (one facet's filter)."""
        found = self.values[facet]
        chosen = 0
        for value in values:
            if facet == "language":
                value = language_base(value)
            if value in found:
                chosen |= found[value][1]
        return chosen

    @cached_property
    def position(self) -> dict[int, int]:
        """app id -> position."""
        return {pk: n for n, pk in enumerate(self.ids)}

    @cached_property
    def name_rank(self) -> list[int]:
        """position -> place in the order by name (a ranking's ties go by name)."""
        rank = [0] * len(self.ids)
        for place, position in enumerate(self.orders["name"]):
            rank[position] = place
        return rank

    def __getstate__(self):
        # What the cached properties derive is derived again, not pickled.
        state = dict(self.__dict__)
        state.pop("position", None)
        state.pop("name_rank", None)
        return state


def bits(positions: Iterable[int], size: int) -> int:
    """The bit set with these positions (each below `size`)."""
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def members(found: int, skip: int = 0) -> Iterator[int]:
    """The positions set in `found`, lowest first, after the first `skip` of them."""
    digits = bin(found)[:1:-1]  # position n is the n-th character
    start = 0
    if skip:
        # Jump to the skip-th set bit by counting, not by stepping through each.
        low, high = 0, len(digits)
        while low < high:
            middle = (low + high) // 2
            if digits.count("1", 0, middle) < skip:
                low = middle + 1
            else:
                high = middle
        start = low
        if digits.count("1", 0, start) < skip:
            return
    while True:
        start = digits.find("1", start)
        if start < 0:
            return
        yield start
        start += 1


def ordered_members(found: int, order: tuple[int, ...]) -> Iterator[int]:
    """The positions set in `found`, in `order` (a permutation of positions)."""
    digits = bin(found)[:1:-1]
    size = len(digits)
    for position in order:
        if position < size and digits[position] == "1":
            yield position


def _build() -> FacetIndex:
    from .selectors import SORTS, visible_apps

    rows = (
        visible_apps()
        .annotate(
            r_newest=Window(RowNumber(), order_by=SORTS["newest"]),
            r_name=Window(RowNumber(), order_by=SORTS["name"]),
        )
        .order_by(*SORTS["adopted"])
        .values_list(
            "pk",
            "publisher__name",
            "r_newest",
            "r_name",
            *_SINGLE.values(),
            *_MANY.values(),
        )
    )
    ids: list[int] = []
    newest: list[tuple[int, int]] = []
    by_name: list[tuple[int, int]] = []
    # facet -> value -> positions; the publisher's name beside its slug.
    found: dict[str, dict[str, list[int]]] = {f: {} for f in (*_SINGLE, *_MANY)}
    publisher_names: dict[str, str] = {}
    # Read as the driver gives them: Django's per-value converters (arrays of
    # strings) cost more than the statement at 10,000 apps.
    with connection.cursor() as cursor:
        cursor.execute(*rows.query.sql_with_params())
        fetched = cursor.fetchall()
    for position, (pk, publisher_name, r_newest, r_name, *values) in enumerate(fetched):
        ids.append(pk)
        newest.append((r_newest, position))
        by_name.append((r_name, position))
        single, many = values[: len(_SINGLE)], values[len(_SINGLE) :]
        for facet, value in zip(_SINGLE, single, strict=True):
            if value:
                found[facet].setdefault(value, []).append(position)
        for facet, items in zip(_MANY, many, strict=True):
            if facet == "language":
                items = {language_base(item) for item in items}
            for value in set(items):
                if value:
                    found[facet].setdefault(value, []).append(position)
        if single[0]:
            publisher_names[single[0]] = publisher_name
    size = len(ids)
    return FacetIndex(
        ids=tuple(ids),
        values={
            facet: {
                value: (
                    publisher_names.get(value, "") if facet == "publisher" else "",
                    bits(positions, size),
                )
                for value, positions in by_value.items()
            }
            for facet, by_value in found.items()
        },
        orders={
            "newest": tuple(position for _r, position in sorted(newest)),
            "name": tuple(position for _r, position in sorted(by_name)),
        },
    )


def facet_index() -> FacetIndex:
    """The index of the visible catalog as committed (with this transaction's
    own uncommitted writes, when it has some: then built for it alone)."""
    return kept_until_written(
        INDEX_KEY, [PUBLIC], _build, INDEX_SECONDS, in_process=True
    )
