from django import template

register = template.Library()


@register.simple_tag
def query_with(params, name, value):
    """The current query string with `name` set to `value` (and back to page 1)."""
    query = params.copy()
    query[name] = value
    query.pop("page", None)
    return query.urlencode()


@register.simple_tag
def query_without(params, name):
    query = params.copy()
    query.pop(name, None)
    query.pop("page", None)
    return query.urlencode()
