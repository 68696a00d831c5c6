"""Catalog adoptions declared once (catalog/workflow.py): the table checks itself,
every label reads in both languages, and the sides act as declared."""

from __future__ import annotations

from catalog.models import Adoption
from catalog.workflow import (
    ADOPTER,
    EITHER,
    PUBLISHER,
    WORKFLOW,
    action_choices,
    sides_for,
)

SAME_IN_BOTH: set[str] = set()


def test_the_adoption_table_checks_itself():
    assert WORKFLOW.problems() == []
    assert WORKFLOW.reachable() == set(Adoption.Status.values)
    assert [s.key for s in WORKFLOW.states] == list(Adoption.Status.values)
    for state in WORKFLOW.states:
        if not state.terminal:
            assert WORKFLOW.acting(state.key), state.key
    assert {t.actor for t in WORKFLOW.transitions} <= {ADOPTER, PUBLISHER, EITHER}


def test_every_adoption_label_exists_in_both_languages():
    assert WORKFLOW.untranslated(same=SAME_IN_BOTH) == []


def test_the_side_that_acts_in_each_step():
    assert sides_for("approve") == (PUBLISHER,)
    assert sides_for("reject") == (PUBLISHER,)
    assert sides_for("withdraw") == (ADOPTER,)
    assert sides_for("activate") == (ADOPTER,)
    assert sides_for("end") == (ADOPTER, PUBLISHER)
    steps = {
        status: {
            side: sorted(t.key for t in WORKFLOW.available(status, {side, EITHER}))
            for side in (ADOPTER, PUBLISHER)
        }
        for status in Adoption.Status.values
    }
    assert steps["requested"] == {
        ADOPTER: ["withdraw"],
        PUBLISHER: ["approve", "reject"],
    }
    assert steps["approved"] == {
        ADOPTER: ["activate", "end", "withdraw"],
        PUBLISHER: ["end"],
    }
    assert steps["active"] == {ADOPTER: ["end"], PUBLISHER: ["end"]}
    for over in ("ended", "rejected", "withdrawn"):
        assert steps[over] == {ADOPTER: [], PUBLISHER: []}


def test_every_recorded_adoption_action_has_a_plain_label():
    keys = [key for key, _label in action_choices()]
    assert set(keys) == {
        "request",
        "withdraw",
        "approve",
        "reject",
        "activate",
        "update",
        "agreement",
        "end",
    }
    for key in keys:
        assert str(WORKFLOW.done_label(key)) != key
