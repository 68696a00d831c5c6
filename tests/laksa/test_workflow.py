"""Laksa's declared workflow: the whole table is sound and every label is translated."""

from __future__ import annotations

from django.utils import translation

from laksa.models import AuditEvent
from laksa.workflow import WORKFLOW


def test_the_declaration_has_no_problems():
    assert WORKFLOW.problems() == []


def test_every_state_is_reachable_and_closed_is_the_only_end():
    assert WORKFLOW.reachable() == {s.key for s in WORKFLOW.states}
    assert WORKFLOW.terminal_keys() == {"closed"}


def test_every_label_exists_in_both_languages():
    labels = WORKFLOW.labels()
    assert labels
    with translation.override("en"):
        english = [str(label) for label in labels]
    with translation.override("id"):
        indonesian = [str(label) for label in labels]
    untranslated = [e for e, i in zip(english, indonesian, strict=True) if e == i]
    assert untranslated == []


def test_the_citizen_sees_own_words_for_every_state():
    for state in WORKFLOW.states:
        assert str(state.own_label).strip()
        assert str(state.own_next).strip()


def test_audit_actions_are_the_declared_ones():
    declared = set(WORKFLOW.action_keys())
    assert {
        key for key, _label in AuditEvent._meta.get_field("action").choices
    } == declared
    assert {"submit", "route", "answer", "rate", "reopen", "escalate"} <= declared
