"""The declared-workflow mechanism (core/workflow.py) on a small declaration."""

import pytest

from core.workflow import (
    NotYourStep,
    State,
    StepNotPossible,
    Transition,
    Workflow,
)


def _workflow(**overrides):
    spec = dict(
        key="test",
        states=(
            State("draft", "Draft", public=None),
            State("review", "In review", step="Review"),
            State("approved", "Approved", step="Approval"),
            State("closed", "Closed", terminal=True),
            State("rejected", "Rejected", terminal=True, failure=True),
        ),
        transitions=(
            Transition(
                "submit",
                {"draft"},
                "review",
                actor="applicant",
                label="Submit",
                done="Submitted",
                notify=("next",),
            ),
            Transition(
                "pass",
                {"review"},
                None,
                actor="stage",
                label="Pass",
                done="Stage passed",
                targets={"review", "approved"},
            ),
            Transition(
                "reject",
                {"review"},
                "rejected",
                actor="stage",
                label="Reject",
                done="Rejected",
                public_note=True,
            ),
            Transition(
                "close",
                {"approved"},
                "closed",
                actor="officer",
                label="Close",
                done="Closed",
                notify=("applicant",),
            ),
        ),
        initial="draft",
        actors={"applicant": "Applicant", "officer": "Officer"},
        frame=("draft", "review", "approved", "closed"),
        stages_at="review",
    )
    spec.update(overrides)
    return Workflow(**spec)


def test_a_sound_declaration_has_no_problems():
    assert _workflow().problems() == []


def test_available_follows_state_role_and_the_current_stage():
    wf = _workflow()
    assert [t.key for t in wf.available("draft", {"applicant"})] == ["submit"]
    assert wf.available("draft", {"officer"}) == []
    assert [
        t.key for t in wf.available("review", {"verifier"}, stage_role="verifier")
    ] == [
        "pass",
        "reject",
    ]
    assert wf.available("review", {"verifier"}, stage_role="evaluator") == []
    assert wf.acting("review", stage_role="evaluator") == ["evaluator"]
    assert wf.acting("approved") == ["officer"]
    assert wf.acting("closed") == []


def test_require_says_whether_the_state_or_the_role_is_wrong():
    wf = _workflow()
    assert wf.require("close", state="approved", roles={"officer"}).target == "closed"
    with pytest.raises(StepNotPossible):
        wf.require("close", state="review", roles={"officer"})
    with pytest.raises(NotYourStep):
        wf.require("close", state="approved", roles={"applicant"})
    with pytest.raises(StepNotPossible):
        wf.require("fly", state="approved", roles={"officer"})


def test_a_dynamic_transition_may_only_lead_where_declared():
    wf = _workflow()
    t = wf.transition("pass")
    wf.check_target(t, "approved")
    with pytest.raises(ValueError):
        wf.check_target(t, "closed")


def test_problems_finds_unreachable_states_and_dead_ends():
    wf = _workflow(
        states=_workflow().states + (State("limbo", "Limbo"),),
    )
    problems = wf.problems()
    assert "state limbo cannot be reached from draft" in problems
    assert "state limbo is not terminal and nobody can act in it" in problems


def test_unknown_states_and_actors_are_refused_at_declaration():
    with pytest.raises(ValueError):
        _workflow(initial="nowhere")
    with pytest.raises(ValueError):
        _workflow(
            transitions=(
                Transition(
                    "x", {"draft"}, "review", actor="ghost", label="X", done="X"
                ),
            )
        )


def test_progress_expands_the_stages_and_marks_failure_where_it_stopped():
    wf = _workflow()
    stages = ["Verification", "Evaluation"]
    assert wf.progress("review", stages=stages, stage_index=1) == [
        ("Draft", "done"),
        ("Verification", "done"),
        ("Evaluation", "current"),
        ("Approval", "pending"),
        ("Closed", "pending"),
    ]
    # A finished record has every step done, none "current".
    assert {state for _l, state in wf.progress("closed", stages=stages)} == {"done"}
    assert wf.progress("rejected", stages=stages, stopped_at=2)[2] == (
        "Evaluation",
        "failed",
    )


def test_audit_actions_are_transitions_then_events():
    from core.workflow import Event

    wf = _workflow(events=(Event("correct_budget", "Budget corrected"),))
    assert wf.action_keys() == ["submit", "pass", "reject", "close", "correct_budget"]
    assert wf.done_label("correct_budget") == "Budget corrected"


def test_a_guard_decides_per_record_and_names_its_refusal():
    from core.workflow import Guard

    class Record:
        def __init__(self, paid):
            self.paid = paid

    unpaid = Guard(label="Until paid", test=lambda r: not r.paid, refusal="Paid.")
    base = _workflow()
    wf = _workflow(
        transitions=base.transitions
        + (
            Transition(
                "pay",
                {"approved"},
                "approved",
                actor="officer",
                label="Pay",
                done="Paid",
                guard=unpaid,
            ),
        )
    )
    assert [t.key for t in wf.available("approved", {"officer"})] == ["close", "pay"]
    assert [
        t.key for t in wf.available("approved", {"officer"}, record=Record(True))
    ] == ["close"]
    assert wf.acting("approved", record=Record(False)) == ["officer"]
    with pytest.raises(StepNotPossible, match="Paid"):
        wf.require("pay", state="approved", roles={"officer"}, record=Record(True))
    assert "Until paid" in wf.labels()


def test_tags_and_a_state_off_the_frame():
    base = _workflow()
    wf = _workflow(
        states=base.states
        + (State("revision", "Returned", at="review", tags={"editable"}),),
        transitions=base.transitions
        + (
            Transition(
                "return",
                {"review"},
                "revision",
                actor="stage",
                label="Return",
                done="Returned",
            ),
            Transition(
                "resubmit",
                {"revision"},
                "review",
                actor="applicant",
                label="Submit again",
                done="Submitted again",
            ),
        ),
    )
    assert wf.problems() == []
    assert wf.tagged("editable") == ("revision",)
    assert wf.public_keys() == {s.key for s in wf.states} - {"draft"}
    assert wf.progress("revision", stages=["A", "B"], stage_index=1)[2] == (
        "B",
        "current",
    )
    broken = _workflow(states=base.states + (State("lost", "Lost", at="nowhere"),))
    assert "state lost stands at nowhere, which is not in the frame" in (
        broken.problems()
    )
