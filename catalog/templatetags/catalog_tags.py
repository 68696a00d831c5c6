from html import escape as _escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog import labels, vocabularies
from core import i18n

register = template.Library()


@register.simple_tag
def facet_options(name, options):
    """A facet's values as checkboxes of the search form (catalog/facet.html).

    Built here with the standard library's escaping rather than in a template
    loop or format_html: the catalog page lists every value of every facet (a
    hundred and more), and rendering them node by node was the larger part of
    the page's time."""
    field = _escape(str(name))
    muted = ' class="muted"'
    items = (
        f"<li><label{'' if option.count else muted}>"
        f'<input type="checkbox" form="catalog-form" name="{field}" '
        f'value="{_escape(str(option.value))}"'
        f"{' checked' if option.selected else ''}> "
        f"{_escape(str(option.label))} <small>({int(option.count)})</small>"
        "</label></li>"
        for option in options
    )
    return mark_safe("\n".join(items))  # noqa: S308 -- every value is escaped


@register.simple_tag
def facet_open(options):
    """`open` for a facet with a chosen value, so the visitor sees the choice."""
    return format_html("{}", "open" if any(o.selected for o in options) else "")


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
def sentence(value):
    """A message a background job stored (core/i18n.py), in the reader's language."""
    return i18n.render(value)


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


# --- adoptions: labels from the declared workflow (catalog/workflow.py) -------------


def _adoption_workflow():
    from catalog.workflow import WORKFLOW

    return WORKFLOW


@register.filter
def adoption_action_label(value):
    """A history line: what happened, in plain words (never a code)."""
    return _adoption_workflow().done_label(value)


@register.filter
def adoption_step_label(value):
    """A button: the step to take."""
    workflow = _adoption_workflow()
    if workflow.has_transition(value):
        return workflow.transition(value).label
    return workflow.done_label(value)


@register.filter
def adoption_status_label(value):
    workflow = _adoption_workflow()
    return workflow.state(value).label if workflow.has_state(value) else value


@register.filter
def adoption_next(value):
    """What happens now, in one sentence ("" once the adoption is over)."""
    workflow = _adoption_workflow()
    return workflow.state(value).own_next if workflow.has_state(value) else ""
