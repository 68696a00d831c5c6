"""A catalog adoption's life, declared once (core/workflow.py).

requested → approved → active → ended, or rejected / withdrawn. The side that
acts in each step is the adopting organisation ("adopter"), the publishing one
("publisher") or either of them. The service (catalog/services/), the
adoption page's forms and its history read this; nothing else lists the
states or the sides.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.workflow import Event, State, Transition, Workflow

from .models import Adoption

S = Adoption.Status

ADOPTER = "adopter"
PUBLISHER = "publisher"
EITHER = "either"
# The state in which the adopter says how the app is used (pilot/production).
IN_USE_TAG = "in_use"
# Approved and not over: the adopter receives the app (source, access, hosting).
GRANTED_TAG = "granted"

WORKFLOW = Workflow(
    key="adoptions",
    states=(
        State(
            S.REQUESTED,
            S.REQUESTED.label,
            own=_("Waiting for the publisher's decision"),
            own_next=_(
                "The publishing organisation's administrators approve or reject "
                "the request."
            ),
            step=_("Request"),
        ),
        State(
            S.APPROVED,
            S.APPROVED.label,
            own=_("Approved, not in use yet"),
            own_next=_(
                "Once both organisations confirmed the agreement, the adopting "
                "organisation activates the app."
            ),
            step=_("Approval"),
            tags={GRANTED_TAG},
        ),
        State(
            S.ACTIVE,
            S.ACTIVE.label,
            own=_("In use"),
            own_next=_("The app is in use; either organisation can end the adoption."),
            step=_("In use"),
            tags={IN_USE_TAG, GRANTED_TAG},
        ),
        State(S.ENDED, S.ENDED.label, terminal=True, own=_("Ended")),
        State(
            S.REJECTED,
            S.REJECTED.label,
            terminal=True,
            failure=True,
            own=_("Rejected by the publisher"),
        ),
        State(
            S.WITHDRAWN,
            S.WITHDRAWN.label,
            terminal=True,
            failure=True,
            own=_("Withdrawn by the adopter"),
        ),
    ),
    transitions=(
        Transition(
            "approve",
            {S.REQUESTED},
            S.APPROVED,
            actor=PUBLISHER,
            label=_("Approve"),
            done=_("Approved"),
            inputs=("agreement", "note"),
            notify=(ADOPTER,),
        ),
        Transition(
            "reject",
            {S.REQUESTED},
            S.REJECTED,
            actor=PUBLISHER,
            label=_("Reject the request"),
            done=_("Rejected"),
            inputs=("reason",),
            public_note=True,
            notify=(ADOPTER,),
        ),
        Transition(
            "withdraw",
            {S.REQUESTED, S.APPROVED},
            S.WITHDRAWN,
            actor=ADOPTER,
            label=_("Withdraw the request"),
            done=_("Withdrawn"),
            inputs=("optional_reason",),
            notify=(PUBLISHER,),
        ),
        Transition(
            "activate",
            {S.APPROVED},
            S.ACTIVE,
            actor=ADOPTER,
            label=_("Activate"),
            done=_("Activated"),
            inputs=("usage", "release"),
            notify=(PUBLISHER,),
        ),
        Transition(
            "end",
            {S.APPROVED, S.ACTIVE},
            S.ENDED,
            actor=EITHER,
            label=_("End the adoption"),
            done=_("Ended"),
            inputs=("reason",),
            public_note=True,
            notify=(ADOPTER, PUBLISHER),
        ),
    ),
    initial=S.REQUESTED,
    actors={
        ADOPTER: _("The adopting organisation"),
        PUBLISHER: _("The publishing organisation"),
        EITHER: _("Either organisation"),
    },
    frame=(S.REQUESTED, S.APPROVED, S.ACTIVE),
    events=(
        Event("request", _("Adoption requested")),
        Event("update", _("Usage changed"), actor=ADOPTER),
        Event("agreement", _("Agreement replaced"), actor=EITHER),
    ),
)


def roles_of(side: str) -> frozenset[str]:
    """The actor keys an organisation on `side` holds."""
    return frozenset({side, EITHER})


def sides_for(action: str) -> tuple[str, ...]:
    """The sides that take `action`: a declared transition, or an event someone
    takes as a step of its own (changing the usage, replacing the agreement);
    none for anything else."""
    if WORKFLOW.has_transition(action):
        actor = WORKFLOW.transition(action).actor
    else:
        event = WORKFLOW.event(action)
        actor = event.actor if event is not None else ""
    if not actor:
        return ()
    return (ADOPTER, PUBLISHER) if actor == EITHER else (actor,)


def side_of(adoption, tenant) -> str:
    """The side `tenant` is on in `adoption` (it is a party: access_adoption)."""
    return ADOPTER if adoption.adopter_id == tenant.pk else PUBLISHER


def available(adoption, side: str) -> list[str]:
    """The steps `side` may take on `adoption` now (the page's forms)."""
    return [t.key for t in WORKFLOW.available(adoption.status, roles_of(side))]


def usage_editable(adoption, side: str) -> bool:
    """The adopter says how an app in use is used (the `update` event's actor)."""
    return (
        side in sides_for("update")
        and IN_USE_TAG in WORKFLOW.state(adoption.status).tags
    )


def granted(adoption) -> bool:
    return GRANTED_TAG in WORKFLOW.state(adoption.status).tags


def action_choices():
    """AdoptionEvent.action's choices: the declared steps and events."""
    return WORKFLOW.action_choices()
