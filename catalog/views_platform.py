"""The public catalog on the platform host: browse, search, detail."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from core.pagecache import public_page
from core.storage import stream
from tenants.models import Membership
from tenants.selectors import memberships_of

from . import selectors
from .models import Screenshot

PAGE_SIZE = 20
# A page number beyond any catalog (and within PostgreSQL's OFFSET).
MAX_PAGE = 2**31 - 1
FACET_TITLES = {
    "category": _("Category"),
    "scope": _("Scope"),
    "language": _("Language of the app"),
    "country": _("Country"),
    "publisher": _("Publisher"),
    "delivery": _("Delivery"),
    "status": _("Development status"),
    "license": _("Licence"),
}
# "Used by" lists this many organisations a page: a hosted app can have thousands.
ADOPTERS_PER_PAGE = 20


@public_page
def catalog_list(request):
    # Values that are not understood are left out and listed on the page.
    query = selectors.CatalogQuery.from_params(request.GET)
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1  # as Paginator.get_page
    # Out of range (none, or past any catalog): Paginator.get_page decides below.
    wanted = 1 <= number <= MAX_PAGE
    facets = selectors.catalog_facets(
        query, page=((number - 1) * PAGE_SIZE, PAGE_SIZE) if wanted else None
    )
    paginator = Paginator(selectors.catalog_search(query), PAGE_SIZE)
    # The facet statement counted the matches already: no COUNT of its own.
    paginator.count = facets.total
    if facets.page_ids is not None and 1 <= number <= paginator.num_pages:
        # ... and found this page's apps: they are fetched by id.
        page = Page(selectors.catalog_page_apps(facets.page_ids), number, paginator)
    else:
        page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/list.html",
        {
            "query": query,
            "page": page,
            "facet_groups": [
                (name, FACET_TITLES[name], facets[name])
                for name in selectors.FACET_FIELDS
            ],
            "filtered": bool(query.filters),
            "querystring": params.urlencode(),
        },
    )


@public_page
def catalog_detail(request, slug):
    app = selectors.app_detail(slug, with_adopters=False)
    if app is None:
        raise Http404
    adopters = Paginator(selectors.app_adopters(app), ADOPTERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    admin_of = []
    if request.user.is_authenticated:
        admin_of = [
            m.tenant
            for m in memberships_of(request.user).filter(role=Membership.Role.ADMIN)
            if m.tenant_id != app.publisher_id
        ]
    return render(
        request,
        "catalog/detail.html",
        {"app": app, "adopters": adopters, "admin_of": admin_of},
    )


@cache_control(public=True, max_age=3600)
def catalog_logo(request, slug):
    app = selectors.visible_apps().filter(slug=slug).exclude(logo="").first()
    if app is None:
        raise Http404
    return _serve_image(app.logo)


@cache_control(public=True, max_age=3600)
def catalog_screenshot(request, slug, screenshot_id):
    shot = Screenshot.objects.filter(
        pk=screenshot_id, app__slug=slug, app__in=selectors.visible_apps()
    ).first()
    if shot is None:
        raise Http404
    return _serve_image(shot.image)


def _serve_image(field) -> FileResponse:
    """Images were checked and renamed on upload; their extension says their type.
    Public, so streamed from the storage and cached by browsers and proxies."""
    content_type = {
        "png": "image/png",
        "jpg": "image/jpeg",
        "webp": "image/webp",
    }.get(field.name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    response = stream(field.name, storage=field.storage, content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
