"""To-do items: what a member (or a platform operator) should do next, and where.

Every app that has work waiting for people provides *sources*: functions that
take the request and return `TodoItem`s. Items are derived from the live
tables each time, never stored, so an item disappears by itself once the
thing is done. Who may see an item is decided by the source, through its
app's access functions: a source returns only what the requesting member may
act on.

Where sources plug in (this module imports no app):

- hosted apps: `HostedApp.todos` in their declaration (tenants/hosted.py),
  called only in tenants where the app is switched on;
- platform services (catalog, billing): the kernel hook `todo_items`
  (tenants/hooks.py);
- the kernel's own: tenants/selectors.py `todo_items`.

The kernel gathers them with `gather()`; the dashboard lists them and the
header shows `total()` (cached per member, tenants/todos.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise

Label = str | Promise

# Orders: smaller comes first. Sources pick one of these (or anything between).
URGENT = 10  # past a deadline
NORMAL = 50  # someone waits for this member
SETUP = 80  # getting started; nobody waits yet


@dataclass(frozen=True)
class TodoItem:
    """One line of a to-do list."""

    # A stable identifier of the kind of item, "<app>.<what>", e.g.
    # "grants.queue": tests and the page's anchors use it; unique per list.
    kind: str
    # What to do, as an imperative sentence in the current language.
    label: Label
    # Where it is done (a path on the current host, or an absolute URL).
    url: str
    # How many things wait (None: one thing, no number shown).
    count: int | None = None
    # The earliest deadline among them, if any (shown; past ones are marked).
    due: date | None = None
    # Smaller first: URGENT, NORMAL, SETUP.
    priority: int = NORMAL
    # The heading it is listed under ("" for the organisation's own items),
    # usually the app's label.
    group: Label = ""

    @property
    def weight(self) -> int:
        """What the header counter adds for this item."""
        return self.count if self.count is not None else 1

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


TodoSource = Callable[[Any], Iterable[TodoItem] | None]


def gather(sources: Iterable[TodoSource], request) -> list[TodoItem]:
    """Every source's items for `request`, most pressing first; an item with a
    count of 0 is nothing to do and left out; the first item of a kind wins."""
    seen: set[str] = set()
    items: list[TodoItem] = []
    for source in sources:
        for item in source(request) or ():
            if item.count == 0 or item.kind in seen:
                continue
            seen.add(item.kind)
            items.append(item)
    items.sort(key=lambda item: (item.priority, item.due or date.max))
    return items


def total(items: Iterable[TodoItem]) -> int:
    return sum(item.weight for item in items)


def grouped(items: Iterable[TodoItem]) -> list[tuple[Label, list[TodoItem]]]:
    """The items by heading, headings in the order their first item comes."""
    groups: dict[str, tuple[Label, list[TodoItem]]] = {}
    for item in items:
        groups.setdefault(str(item.group), (item.group, []))[1].append(item)
    return list(groups.values())
