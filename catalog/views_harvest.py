"""Pages of the self-updating catalog: a publisher links, approves and checks a
repository; the history of an entry; images fetched from repositories."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from core.pagecache import public_page
from tenants.access import MANAGE_ROLES, member_required
from tenants.forms import add_service_errors

from . import harvest, selectors
from .access import access_own_app
from .models import HarvestedImage, RepositoryLink


class RepositoryLinkForm(forms.Form):
    repository_url = forms.CharField(
        label=gettext_lazy("Repository address"),
        max_length=300,
        help_text=gettext_lazy(
            "The web address of the repository that holds the app's publiccode.yml, "
            "e.g. https://github.com/organisation/app."
        ),
    )
    host = forms.ChoiceField(
        label=gettext_lazy("Code host"),
        choices=RepositoryLink.Host.choices,
        initial=RepositoryLink.Host.AUTO,
    )


class RepositoryApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I approve: BagiPakai may read this repository's publiccode.yml "
            "regularly and apply its changes to our catalog entry."
        ),
        required=True,
    )


def harvest_context(app, *, is_admin: bool) -> dict:
    """What the publisher's page of an entry shows about its repository link."""
    link = (
        RepositoryLink.objects.filter(app=app)
        .select_related("last_run", "approved_by", "proposed_by")
        .first()
    )
    versions = [
        {"version": version, "rows": harvest.version_rows(version)}
        for version in harvest.app_versions(app)[:20]
    ]
    context = {
        "repository_link": link,
        "entry_versions": versions,
        "recent_checks": list(link.runs.all()[:5]) if link else [],
    }
    if is_admin:
        context["link_form"] = RepositoryLinkForm(
            initial={
                "repository_url": link.repository_url if link else app.url,
                "host": link.host if link else RepositoryLink.Host.AUTO,
            }
        )
        context["approve_form"] = RepositoryApproveForm()
    return context


@member_required(roles=MANAGE_ROLES)
@require_POST
def repository(request, slug):
    """Link, approve, check now or unlink; errors shown on a page of their own."""
    app = access_own_app(request, slug)
    action = request.POST.get("action")
    link_form = RepositoryLinkForm(request.POST if action == "link" else None)
    approve_form = RepositoryApproveForm(request.POST if action == "approve" else None)
    error = ""
    try:
        if action == "link" and link_form.is_valid():
            harvest.repository_link_set(
                actor=request.user, app=app, **link_form.cleaned_data
            )
            messages.success(
                request,
                _(
                    "The repository is linked. Approve the link to start keeping the entry up to date."
                ),
            )
            return redirect("catalog_app_manage", app.slug)
        if action == "approve" and approve_form.is_valid():
            harvest.repository_link_approve(actor=request.user, app=app)
            messages.success(
                request, _("Link approved. The repository will be checked in a moment.")
            )
            return redirect("catalog_app_manage", app.slug)
        if action == "check":
            harvest.repository_check_request(actor=request.user, app=app)
            messages.success(request, _("The repository will be checked in a moment."))
            return redirect("catalog_app_manage", app.slug)
        if action == "unlink":
            harvest.repository_link_remove(actor=request.user, app=app)
            messages.success(
                request, _("The entry is no longer linked to its repository.")
            )
            return redirect("catalog_app_manage", app.slug)
        if action not in ("link", "approve"):
            error = _("Unknown action.")
    except ValidationError as exc:
        if action == "link":
            add_service_errors(link_form, exc)
        else:
            error = " ".join(exc.messages)
    context = harvest_context(app, is_admin=True)
    context.update({"app": app, "error": error, "approve_form": approve_form})
    if action == "link":
        context["link_form"] = link_form
    return render(request, "catalog/tenant/repository.html", context)


@cache_control(public=True, max_age=3600)
def catalog_image(request, slug, image_id):
    """A logo or screenshot fetched from an app's repository (checked by content)."""
    from .views_platform import _serve_image

    image = HarvestedImage.objects.filter(
        pk=image_id, app__slug=slug, app__in=selectors.visible_apps()
    ).first()
    if image is None:
        raise Http404
    return _serve_image(image.image)


@public_page
def catalog_history(request, slug):
    """The public history of a catalog entry: each version and what changed."""
    app = selectors.visible_apps().filter(slug=slug).first()
    if app is None:
        raise Http404
    versions = [
        {"version": version, "rows": harvest.version_rows(version)}
        for version in harvest.app_versions(app)[:50]
    ]
    return render(
        request, "catalog/history.html", {"app": app, "entry_versions": versions}
    )
