from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import plans


class PlanChoiceForm(forms.Form):
    plan = forms.ChoiceField(
        label=_("Plan"),
        choices=[(p.key, p.label) for p in plans.PLANS.values() if p.is_paid],
    )
    interval = forms.ChoiceField(
        label=_("Billed"), choices=list(plans.INTERVALS.items())
    )
