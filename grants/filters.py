"""The back office's list filters (django-filter): one declaration per list,
used by the page and by its CSV export alike. A value that does not parse (a
program id that is not a number, an unknown status) is left out, as if it had
not been given."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Program, Proposal
from .workflow import WORKFLOW


class ProposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Title or applicant"), method="search", max_length=100
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=WORKFLOW.state_choices
    )
    program = django_filters.ModelChoiceFilter(
        label=_("Program"),
        queryset=Program.objects.order_by("-fiscal_year", "name"),
    )

    # The to-do list's "accountability reports overdue" (grants/hosting.py).
    lpj = django_filters.ChoiceFilter(
        label=_("Accountability report (LPJ)"),
        choices=[("overdue", _("overdue"))],
        method="lpj_overdue",
    )

    class Meta:
        model = Proposal
        fields = ["q", "status", "program", "lpj"]

    def lpj_overdue(self, queryset, name, value):
        from .selectors import reports_overdue

        return queryset.filter(
            pk__in=reports_overdue(timezone.localdate()).values("pk")
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(applicant__name__icontains=value)
        )


def proposals_filtered(params) -> django_filters.FilterSet:
    """The filter bound to a request's query string, over the staff list's rows."""
    return ProposalFilter(
        params,
        queryset=Proposal.objects.select_related(
            "program", "stage", "applicant"
        ).order_by("-updated_at", "-pk"),
    )
