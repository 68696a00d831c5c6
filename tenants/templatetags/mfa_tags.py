"""The two-step pages' way back to where the person was going (tenants/mfa.py)."""

from django import template

from tenants.mfa import enrolment_next as _enrolment_next

register = template.Library()


@register.simple_tag(takes_context=True)
def enrolment_next(context) -> str | None:
    request = context.get("request")
    return _enrolment_next(request) if request is not None else None
