"""Laksa's workflow, declared once (core/workflow.py).

An aspiration or complaint is received, routed to the OPD responsible (by
its category's rule or by hand), answered by that OPD within the category's
service-level deadline, and closed when the citizen rates the answer. The
citizen may instead reopen it once (it goes back to the OPD). Whatever is
still waiting past its deadline is escalated to the supervisors, who send it
(again) to an OPD. Services, queues, the item page's buttons, the tracking
page, the timeline, the audit action names and their database constraint are
all derived from this table.

The one rule a table cannot hold — reopening only once — is the service's
(laksa/services/items.py, `item_reopen`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.workflow import Event, State, Transition, Workflow

RECEIVED = "received"
ROUTED = "routed"
ESCALATED = "escalated"
ANSWERED = "answered"
CLOSED = "closed"

ROUTER = "router"
OPD = "opd"
SUPERVISOR = "supervisor"
CITIZEN = "citizen"
SYSTEM = "system"

WORKFLOW = Workflow(
    key="laksa",
    states=(
        State(
            RECEIVED,
            _("Received, to be routed"),
            public=_("Received"),
            own=_("Received"),
            own_next=_("We will send it to the office responsible."),
            step=_("Received"),
        ),
        State(
            ROUTED,
            _("With the OPD"),
            public=_("Being handled"),
            own=_("Being handled by the office responsible"),
            own_next=_("The office responsible is preparing an answer."),
            step=_("Handled by the OPD"),
        ),
        State(
            ESCALATED,
            _("Overdue, escalated"),
            public=_("Overdue"),
            own=_("Late: passed to a supervisor"),
            own_next=_(
                "The answer is late; a supervisor is making sure it is answered."
            ),
            step=_("Handled by the OPD"),
        ),
        State(
            ANSWERED,
            _("Answered"),
            public=_("Answered"),
            own=_("Answered"),
            own_next=_(
                "Read the answer, then rate it, or reopen it once if it does not "
                "solve the problem."
            ),
            step=_("Answered"),
        ),
        State(
            CLOSED,
            _("Closed"),
            public=_("Closed"),
            own=_("Closed"),
            own_next=_("Thank you. This matter is closed."),
            step=_("Closed"),
            terminal=True,
        ),
    ),
    transitions=(
        Transition(
            "route",
            {RECEIVED},
            ROUTED,
            actor=ROUTER,
            label=_("Send to an OPD"),
            done=_("Sent to an OPD"),
            own_done=_("Sent to the office responsible"),
            inputs=("opd",),
            notify=(OPD,),
        ),
        Transition(
            "route_rule",
            {RECEIVED},
            ROUTED,
            actor=SYSTEM,
            label=_("Send by the category's rule"),
            done=_("Sent to an OPD by the category's rule"),
            own_done=_("Sent to the office responsible"),
            notify=(OPD,),
            staff_button=False,
        ),
        Transition(
            "dismiss",
            {RECEIVED},
            CLOSED,
            actor=ROUTER,
            label=_("Close without answer (spam or duplicate)"),
            done=_("Closed without answer"),
            inputs=("note",),
            public_note=True,
            confirm=_("Close this item without an answer? The citizen sees why."),
        ),
        Transition(
            "return",
            {ROUTED},
            RECEIVED,
            actor=OPD,
            label=_("Not ours: return to the router"),
            done=_("Returned by the OPD"),
            own_done=_("Being sent to another office"),
            inputs=("note",),
            notify=(ROUTER,),
        ),
        Transition(
            "answer",
            {ROUTED, ESCALATED},
            ANSWERED,
            actor=OPD,
            label=_("Send the answer"),
            done=_("Answered"),
            inputs=("answer",),
            notify=(CITIZEN,),
            public_note=True,
        ),
        Transition(
            "escalate",
            {RECEIVED, ROUTED},
            ESCALATED,
            actor=SYSTEM,
            label=_("Escalate"),
            done=_("Escalated: deadline passed"),
            own_done=_("Late: passed to a supervisor"),
            notify=(SUPERVISOR,),
            staff_button=False,
        ),
        Transition(
            "reassign",
            {ESCALATED},
            ROUTED,
            actor=SUPERVISOR,
            label=_("Send to an OPD with a new deadline"),
            done=_("Sent to an OPD by a supervisor"),
            own_done=_("Sent to the office responsible"),
            inputs=("opd",),
            notify=(OPD,),
        ),
        Transition(
            "rate",
            {ANSWERED},
            CLOSED,
            actor=CITIZEN,
            label=_("Rate the answer"),
            done=_("Rated by the citizen"),
            own_done=_("You rated the answer"),
            inputs=("rating",),
            staff_button=False,
        ),
        Transition(
            "reopen",
            {ANSWERED},
            ROUTED,
            actor=CITIZEN,
            label=_("Reopen (once)"),
            done=_("Reopened by the citizen"),
            own_done=_("You reopened it"),
            inputs=("note",),
            notify=(OPD,),
            staff_button=False,
        ),
    ),
    initial=RECEIVED,
    actors={
        ROUTER: _("Router (Laksa administrator)"),
        OPD: _("OPD officer"),
        SUPERVISOR: _("Supervisor"),
        CITIZEN: _("Citizen"),
        SYSTEM: _("Laksa (automatic)"),
    },
    frame=(RECEIVED, ROUTED, ANSWERED, CLOSED),
    events=(Event("submit", _("Received from a citizen")),),
)

# Still waiting for someone in the tenant: their deadline counts.
OPEN_STATES = (RECEIVED, ROUTED, ESCALATED)
