from django import template

from tenants import hosts

register = template.Library()


@register.simple_tag(takes_context=True)
def tenant_url(context, tenant, path="/"):
    """Absolute URL on a tenant's own host (uses prefetched domains when present)."""
    return hosts.tenant_url(tenant, path, context.get("request"))


@register.simple_tag(takes_context=True)
def platform_url(context, path="/"):
    return hosts.platform_url(path, context.get("request"))
