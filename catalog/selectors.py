"""Catalog reads: search with facets, detail pages, what a tenant has switched on."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from tenants.models import Tenant
from tenants.selectors import clean_param

from . import hosted
from .models import (
    Adoption,
    AdoptionEvent,
    Agreement,
    AgreementEvent,
    CatalogApp,
    Release,
)
from .vocabularies import label

SORTS = {
    "adopted": ("-active_adopters", "name"),
    "newest": ("-created_at", "name"),
    "name": ("name",),
}
FACET_FIELDS = ("category", "publisher", "delivery", "status", "license")


@dataclass
class CatalogQuery:
    q: str = ""
    category: str = ""
    publisher: str = ""
    delivery: str = ""
    status: str = ""
    license: str = ""
    sort: str = ""
    errors: list = field(default_factory=list)

    @classmethod
    def from_params(cls, params) -> CatalogQuery:
        def one(name, limit=100):
            return clean_param(params.get(name, ""), limit)

        query = cls(
            q=one("q", 200),
            category=one("category"),
            publisher=one("publisher"),
            delivery=one("delivery"),
            status=one("status"),
            license=one("license"),
            sort=one("sort"),
        )
        if query.sort and query.sort not in SORTS:
            query.sort = ""
        return query

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "adopted")


# What the public may count and see of an adoption: active, by a verified
# organisation whose site is live, under an agreement both parties confirmed
# (it may have ended since: the adoption is then flagged until it lapses).
PUBLIC_ADOPTION = Q(
    status=Adoption.Status.ACTIVE,
    adopter__is_active=True,
    adopter__verification_status=Tenant.Verification.VERIFIED,
    agreement__version__gt=0,
)


def active_adopters_count():
    """Adoptions of the outer app that the public sees (PUBLIC_ADOPTION)."""
    return Coalesce(
        Subquery(
            Adoption.objects.filter(PUBLIC_ADOPTION, app=OuterRef("pk"))
            .values("app")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )


def visible_apps() -> QuerySet[CatalogApp]:
    return CatalogApp.objects.filter(is_hidden=False, publisher__is_active=True)


def _apply_filters(apps: QuerySet, query: CatalogQuery, skip: str = "") -> QuerySet:
    if query.category and skip != "category":
        apps = apps.filter(categories__contains=[query.category])
    if query.publisher and skip != "publisher":
        apps = apps.filter(publisher__slug=query.publisher)
    if query.delivery and skip != "delivery":
        apps = apps.filter(delivery_mode=query.delivery)
    if query.status and skip != "status":
        apps = apps.filter(development_status=query.status)
    if query.license and skip != "license":
        apps = apps.filter(license=query.license)
    return apps


def _apply_search(apps: QuerySet, q: str) -> QuerySet:
    if not q:
        return apps
    search = SearchQuery(q, config="simple", search_type="websearch")
    prefix_terms = [
        t for t in "".join(c if c.isalnum() else " " for c in q).split() if t
    ]
    prefix = (
        SearchQuery(
            " & ".join(f"{t}:*" for t in prefix_terms),
            config="simple",
            search_type="raw",
        )
        if prefix_terms
        else None
    )
    # `%>` (word similarity above pg_trgm's threshold, 0.6) can use the trigram index.
    match = Q(search_vector=search) | Q(name__trigram_word_similar=q)
    if prefix is not None:
        match |= Q(search_vector=prefix)
    return apps.filter(match)


def catalog_search(query: CatalogQuery) -> QuerySet[CatalogApp]:
    """Visible apps matching the query and filters, sorted, with adopter counts."""
    apps = _apply_search(_apply_filters(visible_apps(), query), query.q)
    apps = apps.annotate(adopters=F("active_adopters")).select_related("publisher")
    if query.effective_sort == "relevance":
        # Ranking is computed for the page's ordering only, not for counts and facets.
        search = SearchQuery(query.q, config="simple", search_type="websearch")
        return apps.annotate(
            score=Greatest(
                SearchRank(F("search_vector"), search),
                TrigramWordSimilarity(query.q, "name"),
            )
        ).order_by("-score", "name")
    return apps.order_by(*SORTS[query.effective_sort])


def catalog_facets(query: CatalogQuery) -> dict[str, list[tuple[str, str, int]]]:
    """For each facet, (value, label, count) over the apps matching everything else.

    Each facet is counted without its own filter, so choosing one category
    still shows how many apps the other categories would give. Two queries
    whatever the catalogue's size: the apps matching the search and category,
    grouped by the four single-valued facets (so the rows are combinations, not
    apps), then the categories themselves with unnest.
    """
    groups = list(
        _apply_search(_apply_filters(visible_apps(), _only(query, "category")), query.q)
        .values(
            "publisher__slug",
            "publisher__name",
            "delivery_mode",
            "development_status",
            "license",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    chosen = {
        "publisher": ("publisher__slug", query.publisher),
        "delivery": ("delivery_mode", query.delivery),
        "status": ("development_status", query.status),
        "license": ("license", query.license),
    }

    def counted(facet: str, key: str, label) -> list[tuple[str, str, int]]:
        totals: dict[str, int] = {}
        for row in groups:
            if all(not v or row[k] == v for f, (k, v) in chosen.items() if f != facet):
                totals[row[key]] = totals.get(row[key], 0) + row["n"]
        return sorted(
            ((value, label(value), n) for value, n in totals.items()),
            key=lambda item: (-item[2], str(item[1])),
        )

    publisher_names = {row["publisher__slug"]: row["publisher__name"] for row in groups}
    delivery_labels = dict(CatalogApp.Delivery.choices)
    status_labels = dict(CatalogApp.DevelopmentStatus.choices)
    facets = {
        "publisher": counted("publisher", "publisher__slug", publisher_names.get),
        "delivery": counted(
            "delivery", "delivery_mode", lambda v: delivery_labels.get(v, v)
        ),
        "status": counted(
            "status", "development_status", lambda v: status_labels.get(v, v)
        ),
        "license": counted("license", "license", lambda v: v),
    }

    # Categories are an array: unnest them in SQL over the apps matching the rest.
    others = _apply_search(
        _apply_filters(visible_apps(), query, skip="category"), query.q
    )
    ids_sql, ids_params = others.values("pk").order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c, count(*) FROM (SELECT unnest(categories) AS c FROM catalog_catalogapp "
            f"WHERE id IN ({ids_sql})) AS t GROUP BY c ORDER BY count(*) DESC, c",
            ids_params,
        )
        facets["category"] = [(c, label(c), n) for c, n in cursor.fetchall()]
    return facets


def _only(query: CatalogQuery, facet: str) -> CatalogQuery:
    """The query with every facet filter removed except `facet` (and the search)."""
    kept = {
        name: getattr(query, name) if name == facet else "" for name in FACET_FIELDS
    }
    return CatalogQuery(q=query.q, sort=query.sort, **kept)


def app_detail(slug: str, *, with_adopters: bool = True) -> CatalogApp | None:
    """A visible app with its releases and screenshots; with every active adoption
    in `active_adoptions` unless `with_adopters` is False (pages list them with
    app_adopters(), a page at a time: a hosted app can have thousands)."""
    prefetches: list = [
        "publisher__domains",
        Prefetch("releases", queryset=Release.objects.order_by("-released_on", "-pk")),
        "screenshots",
    ]
    if with_adopters:
        prefetches.append(
            Prefetch(
                "adoptions",
                queryset=app_adopters(None).prefetch_related(
                    Prefetch(
                        "events",
                        queryset=AdoptionEvent.objects.filter(
                            action="activate"
                        ).order_by("-at", "-pk"),
                        to_attr="activations",
                    ),
                ),
                to_attr="active_adoptions",
            )
        )
    return (
        visible_apps()
        .filter(slug=slug)
        .select_related("publisher")
        .prefetch_related(*prefetches)
        .first()
    )


def app_adopters(app: CatalogApp | None) -> QuerySet[Adoption]:
    """Who uses `app` now, by name: active adoptions by organisations whose sites
    are live (what "used by" counts). `None`: of any app, for a prefetch."""
    adoptions = Adoption.objects.filter(PUBLIC_ADOPTION)
    if app is not None:
        adoptions = adoptions.filter(app=app)
    return (
        adoptions.select_related("adopter", "release", "agreement")
        .prefetch_related("adopter__domains")
        .order_by("adopter__name", "pk")
    )


def enabled_module_keys(tenant: Tenant) -> frozenset[str]:
    """Hosted modules switched on for `tenant`: it publishes the app or actively adopts it."""
    if tenant is None or tenant.is_platform:
        return frozenset()
    # EXISTS, not a join: joined, every adoption of a hosted app is read (and,
    # for its publisher, returned) on each of the tenant's requests.
    adopted = Adoption.objects.filter(
        app=OuterRef("pk"), adopter=tenant, status=Adoption.Status.ACTIVE
    )
    keys = (
        CatalogApp.objects.filter(
            Q(publisher=tenant) | Exists(adopted),
            delivery_mode=CatalogApp.Delivery.HOSTED,
        )
        .exclude(hosted_module="")
        .order_by()
        .values_list("hosted_module", flat=True)
    )
    return frozenset(k for k in keys if hosted.get(k) is not None)


def hosted_app_for_module(key: str) -> CatalogApp | None:
    return visible_apps().filter(hosted_module=key).select_related("publisher").first()


def tenant_adoptions(tenant: Tenant) -> QuerySet[Adoption]:
    return (
        Adoption.objects.filter(adopter=tenant)
        .select_related("app__publisher", "release", "agreement")
        .order_by("-updated_at")
    )


def apps_in_use(tenant: Tenant) -> list[dict]:
    """What the tenant runs: its active adoptions and the hosted apps it publishes."""
    hosted_menu = {m.key: m.menu_path for m in hosted.modules()}
    rows = [
        {
            "app": adoption.app,
            "adoption": adoption,
            "module_path": hosted_menu.get(adoption.app.hosted_module),
        }
        for adoption in tenant_adoptions(tenant).filter(status=Adoption.Status.ACTIVE)
    ]
    for app in CatalogApp.objects.filter(
        publisher=tenant, delivery_mode=CatalogApp.Delivery.HOSTED
    ).exclude(hosted_module=""):
        rows.append(
            {
                "app": app,
                "adoption": None,
                "module_path": hosted_menu.get(app.hosted_module),
            }
        )
    return rows


def incoming_adoptions(tenant: Tenant) -> QuerySet[Adoption]:
    return (
        Adoption.objects.filter(app__publisher=tenant)
        .select_related("app", "adopter", "release", "agreement")
        .order_by("-updated_at")
    )


def published_apps(tenant: Tenant) -> QuerySet[CatalogApp]:
    return (
        CatalogApp.objects.filter(publisher=tenant)
        .annotate(
            adopters=F("active_adopters"),
            pending=Count(
                "adoptions", filter=Q(adoptions__status=Adoption.Status.REQUESTED)
            ),
        )
        .order_by("name")
    )


def tenant_agreements(tenant: Tenant) -> QuerySet[Agreement]:
    return (
        Agreement.objects.filter(Q(first_party=tenant) | Q(second_party=tenant))
        .select_related("first_party", "second_party")
        .annotate(n_adoptions=Count("adoptions"))
        .order_by("-signed_on", "-pk")
    )


def agreements_between(a: Tenant, b: Tenant) -> QuerySet[Agreement]:
    """Agreements between a and b that can back an adoption: confirmed by both."""
    return Agreement.objects.filter(
        Q(first_party=a, second_party=b) | Q(first_party=b, second_party=a),
        state=Agreement.State.CONFIRMED,
    ).order_by("-signed_on")


def adoption_events(adoption: Adoption) -> QuerySet[AdoptionEvent]:
    return adoption.events.order_by("at", "pk")


def agreement_events(agreement: Agreement) -> QuerySet[AgreementEvent]:
    """The agreement's history, oldest first: every version proposed, and what
    the other party decided."""
    return agreement.events.order_by("at", "pk")


def agreement_proposal(agreement: Agreement, version: int) -> AgreementEvent | None:
    """Version `version` of the agreement as it was proposed."""
    return agreement.events.filter(
        action=AgreementEvent.Action.PROPOSE, version=version
    ).first()


def agreement_pending_terms(agreement: Agreement) -> AgreementEvent | None:
    """The proposal waiting for confirmation, if any."""
    if agreement.pending_version is None:
        return None
    return agreement_proposal(agreement, agreement.pending_version)


def agreements_awaiting(tenant: Tenant) -> QuerySet[Agreement]:
    """Agreements and amendments waiting for `tenant` to confirm or decline."""
    return (
        Agreement.objects.filter(awaiting_party=tenant)
        .select_related("first_party", "second_party")
        .order_by("created_at", "pk")
    )
