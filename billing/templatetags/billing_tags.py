from django import template

from billing.entitlements import billing_enabled, standing_for

register = template.Library()


@register.inclusion_tag("billing/includes/notice.html", takes_context=True)
def billing_notice(context, tenant):
    """A payment problem, for the tenant's administrators on every page but the plan
    page itself (which explains it in full). No query while billing is off."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if (
        tenant is None
        or not billing_enabled()
        or (match and (match.url_name or "").startswith("billing_"))
    ):
        return {"standing": None}
    return {"standing": standing_for(tenant)}
