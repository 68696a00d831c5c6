"""core/todo.py: how items from several sources become one list."""

from __future__ import annotations

from datetime import date

from core.todo import NORMAL, SETUP, URGENT, TodoItem, gather, grouped, total


def test_items_are_sorted_deduplicated_and_empty_ones_dropped():
    def first(request):
        return [
            TodoItem(kind="a.setup", label="Set up", url="/s/", priority=SETUP),
            TodoItem(kind="a.none", label="Nothing", url="/n/", count=0),
            TodoItem(kind="a.late", label="Late", url="/l/", count=2, priority=URGENT),
        ]

    def second(request):
        yield TodoItem(kind="b.soon", label="Soon", url="/b/", due=date(2026, 1, 2))
        yield TodoItem(kind="b.sooner", label="Sooner", url="/c/", due=date(2026, 1, 1))
        yield TodoItem(kind="a.late", label="Duplicate", url="/x/", count=9)

    def nothing(request):
        return None

    items = gather([first, second, nothing], request=None)
    assert [i.kind for i in items] == ["a.late", "b.sooner", "b.soon", "a.setup"]
    assert items[0].label == "Late"
    assert total(items) == 2 + 1 + 1 + 1
    assert items[1].priority == NORMAL
    assert items[1].overdue(date(2026, 1, 2)) and not items[2].overdue(date(2026, 1, 2))


def test_grouped_keeps_the_order_of_first_appearance():
    items = [
        TodoItem(kind="1", label="x", url="/", group="Sabilulungan"),
        TodoItem(kind="2", label="x", url="/", group=""),
        TodoItem(kind="3", label="x", url="/", group="Sabilulungan"),
    ]
    assert [(g, [i.kind for i in its]) for g, its in grouped(items)] == [
        ("Sabilulungan", ["1", "3"]),
        ("", ["2"]),
    ]
