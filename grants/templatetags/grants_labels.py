"""Human labels for audit-chain values (actions, statuses, amounts); the
workflow's come from its declaration (grants/workflow.py)."""

from django import template
from django.utils.translation import gettext_lazy as _

from grants.models import Program
from grants.workflow import WORKFLOW, tone

register = template.Library()

AMOUNTS = {
    "requested": _("Requested"),
    "recommended": _("Recommended"),
    "approved": _("Approved"),
    "program_committed": _("Program total approved"),
    "tranche": _("Tranche"),
    "disbursed": _("Disbursed"),
    "disbursed_total": _("Disbursed in total"),
    "spent": _("Spent"),
    "corrected": _("Corrected budget"),
    "budget": _("Budget ceiling"),
}
PROGRAM_STATUSES = dict(Program.Status.choices)


@register.filter
def action_label(value):
    """What happened, for staff and the public (an audited action or a review
    decision); an unknown old code reads "Recorded", never the code."""
    return WORKFLOW.done_label(value)


@register.filter
def own_action_label(value):
    """What happened, in the applicant's words."""
    if WORKFLOW.has_transition(value):
        return WORKFLOW.transition(value).own_label
    return WORKFLOW.done_label(value)


@register.filter
def step_label(value):
    """What a button says: the step to take."""
    if WORKFLOW.has_transition(value):
        return WORKFLOW.transition(value).label
    return WORKFLOW.done_label(value)


def _state(value):
    return WORKFLOW.state(value) if WORKFLOW.has_state(value) else None


@register.filter
def status_label(value):
    """A proposal's (or, in program events, a program's) status for staff."""
    state = _state(value)
    if state is not None:
        return state.label
    return PROGRAM_STATUSES.get(value, value)


@register.filter
def public_status_label(value):
    state = _state(value)
    return state.public_label if state is not None else value


@register.filter
def own_status_label(value):
    """A proposal's status in the applicant's words."""
    state = _state(value)
    return state.own_label if state is not None else value


@register.filter
def own_next(value):
    """What happens now, for the applicant."""
    state = _state(value)
    return state.own_next if state is not None else ""


@register.filter
def status_tone(value):
    """The badge class of a public status: off (failed), ok (granted), warn."""
    return tone(value) if _state(value) is not None else "warn"


@register.filter
def amount_label(value):
    return AMOUNTS.get(value, value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)
