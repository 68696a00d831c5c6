from django import template

from catalog import labels, vocabularies

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


# Codes of publiccode.yml as people read them, in the visitor's language.
@register.filter
def category_label(value):
    return vocabularies.category_label(str(value))


@register.filter
def scope_label(value):
    return vocabularies.scope_label(str(value))


@register.filter
def platform_label(value):
    return vocabularies.platform_label(str(value))


@register.filter
def language_label(value):
    return labels.language_label(str(value))


@register.filter
def country_label(value):
    return labels.country_label(str(value))


@register.filter
def license_label(value):
    return labels.license_label(str(value))
