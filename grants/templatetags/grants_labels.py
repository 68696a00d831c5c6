"""Human labels for audit-chain values (actions, statuses, amounts)."""

from django import template
from django.utils.translation import gettext_lazy as _

from grants.models import Program, Proposal

register = template.Library()

ACTIONS = {
    "submit": _("Submitted"),
    "withdraw": _("Withdrawn by the applicant"),
    "pass": _("Stage passed"),
    "return": _("Returned for revision"),
    "reject": _("Rejected"),
    "reject_approval": _("Rejected at approval"),
    "approve": _("Approved"),
    "sign_agreement": _("NPHD signed"),
    "disburse": _("Tranche disbursed"),
    "report": _("Accountability report submitted"),
    "close": _("Closed"),
    "correct_budget": _("Budget corrected by the reviewer"),
    "program_create": _("Program created"),
    "program_update": _("Program changed"),
    "program_stages": _("Review stages changed"),
    "program_status": _("Program status changed"),
    "recipient_amended": _("Recipient data amended"),
    "recipient_confirmed": _("Recipient's new bank account confirmed"),
    "recipient_declined": _("Recipient's new bank account declined"),
    "place_fixed": _("Kecamatan/kelurahan set from the register"),
    "program_duties": _("Separation of duties changed"),
}
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
# What the buttons say: the step to take, not what happened.
STEPS = {
    "pass": _("Pass this stage"),
    "return": _("Return for revision"),
    "reject": _("Reject"),
    "reject_approval": _("Reject at approval"),
    "approve": _("Approve"),
    "sign_agreement": _("Record the signed NPHD"),
    "disburse": _("Record a disbursed tranche"),
    "close": _("Close after verifying the LPJ"),
}
STATUSES = {**dict(Proposal.Status.choices), **dict(Program.Status.choices)}


@register.filter
def action_label(value):
    return ACTIONS.get(value, value)


@register.filter
def step_label(value):
    return STEPS.get(value, ACTIONS.get(value, value))


@register.filter
def status_label(value):
    return STATUSES.get(value, value)


@register.filter
def amount_label(value):
    return AMOUNTS.get(value, value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)
