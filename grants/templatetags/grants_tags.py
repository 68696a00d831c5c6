"""Template helpers of Sabilulungan's public pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import thousands

register = template.Library()


@register.filter
def rupiah(value) -> str:
    """Integer rupiah, Indonesian style: 1500000 → 'Rp 1.500.000'; nothing → '—'."""
    if value is None or value == "":
        return "—"
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {thousands(abs(amount))}"


# The amounts a statistics chart can draw, in the order they happen.
_CHART_SERIES = {
    "requested": gettext_lazy("Requested"),
    "approved": gettext_lazy("Approved"),
    "disbursed": gettext_lazy("Disbursed"),
}


@register.inclusion_tag("grants/public/_figures_chart.html")
def figures_chart(
    rows, series="requested approved disbursed", caption="", rank_by="", limit=0
):
    """Bars of each group's amounts (statistics rows: label and the figures), the
    numbers written beside them, all scaled to the largest amount drawn.

    `rank_by` orders the groups by that amount, largest first (a ranked chart);
    otherwise they keep the rows' order; `limit` keeps the first groups only. The
    same numbers, every group, are in the table below the chart, for those who
    cannot see it.
    """
    keys = [key for key in series.split() if key in _CHART_SERIES]
    if rank_by in _CHART_SERIES:
        rows = sorted(rows, key=lambda row: -int(row.get(rank_by) or 0))
    if limit:
        rows = rows[: int(limit)]
    largest = max((int(row.get(key) or 0) for row in rows for key in keys), default=0)
    largest = largest or 1
    return {
        "caption": caption,
        "groups": [
            {
                "label": row["label"],
                "bars": [
                    {
                        "key": key,
                        "label": _CHART_SERIES[key],
                        "value": int(row.get(key) or 0),
                        "width": f"{int(row.get(key) or 0) * 100 / largest:.1f}",
                    }
                    for key in keys
                ],
            }
            for row in rows
        ],
    }


@register.inclusion_tag("grants/public/_budget_chart.html")
def budget_chart(budget, approved, disbursed, caption=""):
    """Bars of budget versus approved versus disbursed, each with its value in text.

    Bars are scaled to the largest of the three, so an over-committed program
    (which the services prevent) would still draw inside the frame.
    """
    values = [int(budget or 0), int(approved or 0), int(disbursed or 0)]
    largest = max(values) or 1
    labels = [_("Budget (pagu)"), _("Approved"), _("Disbursed")]
    keys = ["budget", "approved", "disbursed"]
    return {
        "caption": caption or _("Budget versus approved versus disbursed"),
        "bars": [
            {
                "key": key,
                "label": label,
                "value": value,
                "width": f"{value * 100 / largest:.1f}",
                "share": f"{value * 100 / values[0]:.0f}" if values[0] else "",
            }
            for key, label, value in zip(keys, labels, values, strict=True)
        ],
    }


_STEP_MARKS = {"done": "✓", "current": "●", "failed": "✕"}


@register.simple_tag
def progress_steps(steps, compact=False):
    """A proposal's steps, the markup of grants/public/_progress.html built in
    Python: the proposal list draws twenty of them, about two hundred steps,
    which through the template engine took most of the page's time (issue 16)."""
    from django.utils.html import format_html, format_html_join

    if compact:
        # A list row: the same marks and text alternatives, in as few bytes as
        # they fit (twenty rows of ten steps made most of the list's weight).
        items = format_html_join(
            "",
            '<li class="step step-{}" title="{}: {}">'
            '<span class="step-mark" aria-hidden="true">{}</span>'
            '<span class="visually-hidden">{}: ({})</span></li>',
            (
                (
                    step.state,
                    step.label,
                    step.state_label,
                    _STEP_MARKS.get(step.state, "○"),
                    step.label,
                    step.state_label,
                )
                for step in steps
            ),
        )
        now = format_html_join(
            "",
            '<small class="step-now" aria-hidden="true">{} — {}</small>',
            (
                (step.label, step.state_label)
                for step in steps
                if step.state in ("current", "failed")
            ),
        )
        return format_html(
            '<ol class="progress-steps compact" aria-label="{}">{}</ol>{}',
            _("Progress through the stages"),
            items,
            now,
        )
    items = format_html_join(
        "\n",
        '  <li class="step step-{}"{}>\n'
        '    <span class="step-mark" aria-hidden="true">{}</span>\n'
        '    <span class="{}">{}<span class="visually-hidden">:</span> '
        '<small class="step-state">({})</small></span>\n  </li>',
        (
            (
                step.state,
                "",
                _STEP_MARKS.get(step.state, "○"),
                "step-label",
                step.label,
                step.state_label,
            )
            for step in steps
        ),
    )
    return format_html(
        '<ol class="progress-steps" aria-label="{}">\n{}\n</ol>',
        _("Progress through the stages"),
        items,
    )


@register.filter
def with_ids(form, name):
    """The form with its element ids prefixed by `name` (id_approve_note…), so
    several forms with the same fields on one page keep their ids unique; the
    field names, and so what the view reads, stay as they are."""
    if form is None:
        return form
    form.auto_id = f"id_{name}_%s"
    return form
