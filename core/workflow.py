"""Declared workflows: a record's life written once, as data.

An app declares its workflow in one module (`grants/workflow.py`,
`laksa/workflow.py`, `catalog/workflow.py`): the states, the transitions
between them, the role that acts in each, what each needs, who is told and
what becomes public, with every label in plain words. Everything else —
services, queues, forms, progress bars, timelines, e-mails, the audit action
names and their database constraint — asks the declaration instead of
listing states or roles again:

    from core.workflow import State, Transition, Workflow

    WORKFLOW = Workflow(
        key="laksa",
        states=(
            State("received", _("Received"), public=_("Received")),
            State("answered", _("Answered"), public=_("Answered")),
            State("closed", _("Closed"), terminal=True),
        ),
        transitions=(
            Transition("answer", {"received"}, "answered", actor="opd",
                       label=_("Send the answer"), done=_("Answered"),
                       inputs=("answer",), notify=("citizen",)),
            Transition("close", {"answered"}, "closed", actor="citizen",
                       label=_("Close"), done=_("Closed")),
        ),
        initial="received",
        actors={"opd": _("OPD officer"), "citizen": _("Citizen")},
    )

    step = WORKFLOW.require("answer", state=item.status, roles=actor_roles)

A transition whose actor is `Workflow.dynamic_actor` ("stage" by default) is
taken by whichever role the record's current configurable stage names (the
review stages a grants program defines); the caller passes that role in
`stage_role`. A transition with no fixed target (`target=None`) lets the
service decide among `targets` (passing a review stage either stays in
review or moves to approval); the declaration still lists them so the
reachability check can follow them.

`Workflow.problems()` checks a declaration: every state reachable from the
initial one, every state but the terminal ones has a transition someone can
take, every label present. Each app's test walks its own table with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Label = str | Promise


class StepNotPossible(ValidationError):
    """The record is not in a state from which this transition starts."""


class NotYourStep(PermissionDenied):
    """The actor's roles do not take this transition."""


@dataclass(frozen=True)
class State:
    key: str
    # What staff see (queues, filters, the back office).
    label: Label
    # What the public sees on portals and open data; None: not public at all
    # (drafts). Defaults to the staff label.
    public: Label | None = ""
    # What the person the record is about (applicant, citizen) sees, in the
    # words they use; defaults to the public label, then the staff label.
    own: Label = ""
    # One sentence for that person: what happens now and who acts.
    own_next: Label = ""
    # The noun on a progress bar ("Approval"); defaults to the label.
    step: Label = ""
    terminal: bool = False
    # A terminal state that ends the record unsuccessfully (rejected,
    # withdrawn): a progress bar marks where it stopped instead of completing.
    failure: bool = False
    # App-specific facts about the state ("committed": its approved amount
    # counts against the budget); read with Workflow.tagged().
    tags: frozenset[str] = frozenset()
    # For a state off the progress frame: the frame state it stands at (a
    # proposal returned for revision stands at its review stage).
    at: str = ""

    def __post_init__(self):
        object.__setattr__(self, "tags", frozenset(self.tags))

    @property
    def public_label(self) -> Label | None:
        if self.public is None:
            return None
        return self.public or self.label

    @property
    def own_label(self) -> Label:
        return self.own or self.public or self.label

    @property
    def step_label(self) -> Label:
        return self.step or self.label


@dataclass(frozen=True)
class Guard:
    """A condition on the record beyond its state ("not fully paid yet").

    `test(record)` decides for one record; `query` is the same condition as a
    queryset filter (a Q) for queues; `refusal` says why the step is not
    possible when the condition does not hold."""

    label: Label
    test: Callable[[Any], bool]
    refusal: Label = ""
    query: Any = None


@dataclass(frozen=True)
class Transition:
    key: str
    sources: frozenset[str]
    # The state it leads to; None when the service decides among `targets`.
    target: str | None
    # The role that takes it: a key of Workflow.actors, or the dynamic actor.
    actor: str
    # The button: the step to take ("Approve").
    label: Label
    # The history line: what happened ("Approved").
    done: Label
    # For the person the record is about, when it differs from `done`.
    own_done: Label = ""
    # Form inputs the step needs (the service validates them).
    inputs: tuple[str, ...] = ()
    # Documents that must be uploaded before the step (kinds).
    uploads: tuple[str, ...] = ()
    # Money rule the service enforces, in words (shown to staff beside the form).
    money: Label = ""
    # Who is told afterwards: actor keys, or "next" for whoever acts next.
    notify: tuple[str, ...] = ()
    # The note written with the step is published (returns and rejections
    # say why in public); otherwise the actor chooses.
    public_note: bool = False
    # Offered as a button in the back office (False: taken elsewhere, e.g.
    # the applicant's own pages).
    staff_button: bool = True
    # Possible targets when `target` is None.
    targets: frozenset[str] = frozenset()
    # Asks for confirmation in the UI (irreversible steps).
    confirm: Label = ""
    # A condition on the record besides its state (None: the state suffices).
    guard: Guard | None = None

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "targets", frozenset(self.targets))
        if self.target is None and not self.targets:
            raise ValueError(f"{self.key}: a dynamic transition lists its targets")

    @property
    def possible_targets(self) -> frozenset[str]:
        return frozenset({self.target}) if self.target else self.targets

    @property
    def own_label(self) -> Label:
        return self.own_done or self.done

    def allows(self, record: Any) -> bool:
        """The guard holds for `record` (always, without a guard or a record)."""
        return self.guard is None or record is None or self.guard.test(record)


@dataclass(frozen=True)
class Event:
    """An audited action that is not a transition (a budget correction)."""

    key: str
    done: Label
    # Who takes it as a step of its own on a record (an actor key), when someone
    # does; empty when only a service records it.
    actor: str = ""


@dataclass(frozen=True)
class Workflow:
    key: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    # role key -> label, for every actor a transition names.
    actors: Mapping[str, Label]
    # The happy path in order, for progress bars; the dynamic stages are
    # inserted where `stages_at` names.
    frame: tuple[str, ...] = ()
    # The frame's state that expands into the configurable stages.
    stages_at: str = ""
    dynamic_actor: str = "stage"
    # Audited actions that are not transitions.
    events: tuple[Event, ...] = ()
    # The refusal of a step from the wrong state, naming the record in the
    # workflow's own words; %(state)s is the state's label.
    not_now: Label = _("The record is %(state)s; this step is not possible now.")
    _states: dict = field(default_factory=dict, repr=False, compare=False)
    _transitions: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self._states.update({s.key: s for s in self.states})
        self._transitions.update({t.key: t for t in self.transitions})
        if len(self._states) != len(self.states):
            raise ValueError(f"{self.key}: a state is declared twice")
        if len(self._transitions) != len(self.transitions):
            raise ValueError(f"{self.key}: a transition is declared twice")
        unknown = [
            f"{t.key}: {s}"
            for t in self.transitions
            for s in (t.sources | t.possible_targets)
            if s not in self._states
        ]
        if unknown or self.initial not in self._states:
            raise ValueError(f"{self.key}: unknown states {unknown or self.initial}")
        for t in self.transitions:
            if t.actor != self.dynamic_actor and t.actor not in self.actors:
                raise ValueError(f"{self.key}: {t.key} names unknown actor {t.actor}")

    # --- lookups -----------------------------------------------------------------------

    def state(self, key: str) -> State:
        return self._states[key]

    def transition(self, key: str) -> Transition:
        return self._transitions[key]

    def has_transition(self, key: str) -> bool:
        return key in self._transitions

    def event(self, key: str) -> Event | None:
        return next((e for e in self.events if e.key == key), None)

    def has_state(self, key: str) -> bool:
        return key in self._states

    def state_choices(self) -> list[tuple[str, Label]]:
        """(key, staff label) of every state: model field choices."""
        return [(s.key, s.label) for s in self.states]

    def terminal_keys(self) -> frozenset[str]:
        return frozenset(s.key for s in self.states if s.terminal)

    def tagged(self, tag: str) -> tuple[str, ...]:
        """The keys of the states carrying `tag`, in the declaration's order (the
        order lists and open data show them in)."""
        return tuple(s.key for s in self.states if tag in s.tags)

    def public_keys(self) -> frozenset[str]:
        """The states the public may see (public label not None)."""
        return frozenset(s.key for s in self.states if s.public is not None)

    def action_choices(self) -> list[tuple[str, Label]]:
        """Every audited action (transitions, then other events): the audit table's
        choices and its database constraint."""
        return [(t.key, t.done) for t in self.transitions] + [
            (e.key, e.done) for e in self.events
        ]

    def action_keys(self) -> list[str]:
        return [key for key, _label in self.action_choices()]

    def done_label(self, action: str) -> Label:
        if action in self._transitions:
            return self._transitions[action].done
        for event in self.events:
            if event.key == action:
                return event.done
        return _("Recorded")

    def actor_label(self, actor: str) -> Label:
        return self.actors.get(actor, "")

    # --- who may do what now ------------------------------------------------------------

    def from_state(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def available(
        self,
        state: str,
        roles: Iterable[str],
        *,
        stage_role: str = "",
        record: Any = None,
    ) -> list[Transition]:
        """The transitions an actor holding `roles` may take from `state` (and,
        given the `record`, whose guard holds for it)."""
        roles = frozenset(roles)
        return [
            t
            for t in self.from_state(state)
            if self._acts(t, roles, stage_role=stage_role) and t.allows(record)
        ]

    def _acts(self, t: Transition, roles: frozenset[str], *, stage_role: str) -> bool:
        if t.actor == self.dynamic_actor:
            return bool(stage_role) and stage_role in roles
        return t.actor in roles

    def acting(
        self, state: str, *, stage_role: str = "", record: Any = None
    ) -> list[str]:
        """The roles that can move a record on from `state` (for queues, "waiting
        for", and whom to tell next), in declaration order; given the `record`,
        only through transitions whose guard holds for it."""
        roles: list[str] = []
        for t in self.from_state(state):
            if not t.allows(record):
                continue
            role = stage_role if t.actor == self.dynamic_actor else t.actor
            if role and role not in roles:
                roles.append(role)
        return roles

    def require(
        self,
        key: str,
        *,
        state: str,
        roles: Iterable[str],
        stage_role: str = "",
        record: Any = None,
    ) -> Transition:
        """The transition, if an actor holding `roles` may take it from `state`;
        otherwise StepNotPossible (wrong state, or its guard does not hold for
        `record`) or NotYourStep (wrong role)."""
        if key not in self._transitions:
            raise StepNotPossible(_("Unknown step."))
        t = self._transitions[key]
        if state not in t.sources:
            raise StepNotPossible(
                self.not_now % {"state": str(self.state(state).label).lower()}
            )
        if not self._acts(t, frozenset(roles), stage_role=stage_role):
            raise NotYourStep(_("Your role does not take this step."))
        if not t.allows(record):
            raise StepNotPossible(t.guard.refusal or t.guard.label)
        return t

    def check_target(self, t: Transition, target: str) -> None:
        """A dynamic transition's service chose `target`: it must be declared."""
        if target not in t.possible_targets:
            raise ValueError(f"{self.key}: {t.key} cannot lead to {target}")

    # --- progress ---------------------------------------------------------------------

    def progress(
        self,
        state: str,
        *,
        stages: Iterable[Label] = (),
        stage_index: int | None = None,
        stopped_at: int | None = None,
    ) -> list[tuple[Label, str]]:
        """(label, "done" | "current" | "failed" | "pending") along the frame.

        `stages` are the configurable stages' names, inserted at `stages_at`;
        `stage_index` is the current one (0-based) while the record is there.
        A failure state stops at `stopped_at` (an index into the expanded
        frame; by default the step the record was in). A terminal success
        state marks everything done.
        """
        stages = list(stages)
        labels: list[Label] = []
        positions: dict[str, int] = {}
        for key in self.frame:
            if key == self.stages_at and stages:
                positions[key] = len(labels)
                labels.extend(stages)
            else:
                positions[key] = len(labels)
                labels.append(self.state(key).step_label)
        current_state = self.state(state)
        if current_state.failure:
            where = stopped_at if stopped_at is not None else 0
            return [
                (label, "done" if i < where else "failed" if i == where else "pending")
                for i, label in enumerate(labels)
            ]
        at = state if state in positions else current_state.at
        if at not in positions:
            where = 0
        else:
            where = positions[at]
            if at == self.stages_at and stages and stage_index is not None:
                where += stage_index
        if current_state.terminal:
            where = len(labels)
        return [
            (label, "done" if i < where else "current" if i == where else "pending")
            for i, label in enumerate(labels)
        ]

    # --- checking a declaration -----------------------------------------------------------

    def reachable(self) -> set[str]:
        seen = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for t in self.from_state(state):
                for target in t.possible_targets:
                    if target not in seen:
                        seen.add(target)
                        frontier.append(target)
        return seen

    def problems(self) -> list[str]:
        """What is wrong with the declaration (empty when nothing is)."""
        found = []
        for key in sorted(set(self._states) - self.reachable()):
            found.append(f"state {key} cannot be reached from {self.initial}")
        for s in self.states:
            if not s.terminal and not self.from_state(s.key):
                found.append(f"state {s.key} is not terminal and nobody can act in it")
            if s.terminal and self.from_state(s.key):
                found.append(f"state {s.key} is terminal but has transitions out")
            for name, value in (("label", s.label), ("own label", s.own_label)):
                if not str(value).strip():
                    found.append(f"state {s.key} has no {name}")
        for t in self.transitions:
            for name, value in (("label", t.label), ("done", t.done)):
                if not str(value).strip():
                    found.append(f"transition {t.key} has no {name}")
            for who in t.notify:
                if who != "next" and who not in self.actors:
                    found.append(f"transition {t.key} notifies unknown {who}")
        for key in self.frame:
            if key not in self._states:
                found.append(f"frame names unknown state {key}")
        for s in self.states:
            if s.at and s.at not in self.frame:
                found.append(
                    f"state {s.key} stands at {s.at}, which is not in the frame"
                )
        return found

    def labels(self) -> list[Label]:
        """Every label the declaration shows people (for the translation test)."""
        found: list[Label] = list(self.actors.values())
        for s in self.states:
            found += [s.label, s.own_label, s.step_label]
            if s.public_label is not None:
                found.append(s.public_label)
            if s.own_next:
                found.append(s.own_next)
        for t in self.transitions:
            found += [t.label, t.done, t.own_label]
            if t.money:
                found.append(t.money)
            if t.confirm:
                found.append(t.confirm)
            if t.guard is not None:
                found += [t.guard.label, t.guard.refusal]
        found += [e.done for e in self.events]
        return [label for label in found if str(label).strip()]

    def untranslated(
        self, *, languages: tuple[str, str] = ("en", "id"), same: Iterable[str] = ()
    ) -> list[str]:
        """Labels empty in a language, or reading the same in both (except the
        words in `same`, which are the same in both): the translation check."""
        from django.utils import translation

        same = frozenset(same)
        found = []
        for label in self.labels():
            texts = []
            for language in languages:
                with translation.override(language):
                    texts.append(str(label))
            if not all(text.strip() for text in texts):
                found.append(f"empty label: {texts[0]!r}")
            elif len(set(texts)) == 1 and texts[0] not in same:
                found.append(f"not translated: {texts[0]!r}")
        return found
