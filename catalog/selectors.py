"""Catalog reads: search with facets, detail pages, what a tenant has switched on."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from functools import reduce
from itertools import islice

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from tenants import hosted
from tenants.models import Tenant
from tenants.selectors import clean_param

from .facetindex import FacetIndex, facet_index, members, ordered_members
from .labels import (
    COUNTRY_CODES,
    LANGUAGE_CODES,
    country_label,
    language_label,
    license_label,
)
from .models import (
    Adoption,
    AdoptionEvent,
    Agreement,
    AgreementEvent,
    CatalogApp,
    Release,
)
from .vocabularies import CATEGORIES, SCOPES, category_label, scope_label

# Ties (same name) are broken by id, so that pages never overlap.
SORTS = {
    "adopted": ("-active_adopters", "name", "pk"),
    "newest": ("-created_at", "name", "pk"),
    "name": ("name", "pk"),
}
# `relevance` orders by how well an app matches the search; without one, it
# is the default order (most adopted).
SORT_CHOICES = ("relevance", *SORTS)
# Facets in the order pages show them. Every one takes several values
# (?category=a&category=b: apps in either), filters combine with AND, and each
# facet is counted without its own filter.
FACET_FIELDS = (
    "category",
    "scope",
    "language",
    "country",
    "publisher",
    "delivery",
    "status",
    "license",
)
SEARCH_MAX_LENGTH = 200
SLUG_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?"
LICENSE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9.+:()\- ]{0,99}"
# No control characters (core/limits.py refuses them before any view).
TEXT_PATTERN = r"[^\x00-\x1f\x7f]*"


def _facet_choices() -> dict[str, tuple[str, ...] | None]:
    """The values each facet accepts; None: any value matching its pattern."""
    return {
        "category": tuple(CATEGORIES),
        "scope": tuple(SCOPES),
        "language": LANGUAGE_CODES,
        "country": COUNTRY_CODES,
        "publisher": None,
        "delivery": tuple(CatalogApp.Delivery.values),
        "status": tuple(CatalogApp.DevelopmentStatus.values),
        "license": None,
    }


FACET_PATTERNS = {"publisher": SLUG_PATTERN, "license": LICENSE_PATTERN}


@dataclass(frozen=True)
class ParamError:
    """A query parameter the request got wrong, and what was wrong with it."""

    parameter: str
    detail: str


@dataclass
class CatalogQuery:
    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = ""
    errors: list[ParamError] = field(default_factory=list)

    @classmethod
    def from_params(cls, params) -> CatalogQuery:
        """Read the catalog's query parameters; what is wrong goes to `errors`
        (and is left out of the query), never silently changed."""
        query = cls()
        errors = query.errors

        def single(name: str) -> str | None:
            values = params.getlist(name) if hasattr(params, "getlist") else []
            if not values:
                return None
            if len(values) > 1:
                errors.append(
                    ParamError(name, _("Give “%(name)s” only once.") % {"name": name})
                )
            return values[-1] if isinstance(values[-1], str) else ""

        # `q` is the older name of `search`; with both, `search` is used.
        search, alias = single("search"), single("q")
        text = (search if search is not None else alias) or ""
        if len(text) > SEARCH_MAX_LENGTH:
            errors.append(
                ParamError(
                    "search" if search is not None else "q",
                    _("Search for at most %(limit)d characters.")
                    % {"limit": SEARCH_MAX_LENGTH},
                )
            )
            text = text[:SEARCH_MAX_LENGTH]
        query.q = clean_param(text, SEARCH_MAX_LENGTH)

        sort = single("sort")
        if sort is not None:
            if sort in SORT_CHOICES:
                query.sort = sort
            else:
                errors.append(
                    ParamError(
                        "sort",
                        _("Sort by one of: %(choices)s.")
                        % {"choices": ", ".join(SORT_CHOICES)},
                    )
                )

        choices = _facet_choices()
        for name in FACET_FIELDS:
            raw = params.getlist(name) if hasattr(params, "getlist") else []
            chosen: list[str] = []
            for value in raw:
                if not isinstance(value, str) or not _facet_value_ok(
                    name, value, choices[name]
                ):
                    errors.append(
                        ParamError(
                            name,
                            _("“%(value)s” is not a value of “%(name)s”.")
                            % {"value": str(value)[:60], "name": name},
                        )
                    )
                elif value not in chosen:
                    chosen.append(value)
            if chosen:
                query.filters[name] = tuple(chosen)
        return query

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.q:
            return "adopted"
        return self.sort or ("relevance" if self.q else "adopted")

    def chosen(self, facet: str) -> tuple[str, ...]:
        return self.filters.get(facet, ())


def _facet_value_ok(name: str, value: str, choices) -> bool:
    if choices is not None:
        return value in choices
    return re.fullmatch(FACET_PATTERNS[name], value) is not None


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


def _languages_match(codes: tuple[str, ...]) -> RawSQL:
    """Apps whose interface comes in one of `codes` ('pt' matches 'pt-BR')."""
    return RawSQL(
        "EXISTS (SELECT 1 FROM unnest(catalog_catalogapp.languages) AS l "
        "WHERE lower(split_part(l, '-', 1)) = ANY(%s))",
        (list(codes),),
        output_field=BooleanField(),
    )


def _facet_condition(name: str, values: tuple[str, ...]):
    """The filter of one facet: apps having any of `values`."""
    values = list(values)
    return {
        "category": lambda: Q(categories__overlap=values),
        "scope": lambda: Q(scope__overlap=values),
        "language": lambda: _languages_match(tuple(values)),
        "country": lambda: Q(countries__overlap=values),
        "publisher": lambda: Q(publisher__slug__in=values),
        "delivery": lambda: Q(delivery_mode__in=values),
        "status": lambda: Q(development_status__in=values),
        "license": lambda: Q(license__in=values),
    }[name]()


def _typo_condition(terms: list[str]) -> RawSQL:
    """Apps whose name has, for every word searched, a word within typo distance
    of it: a word of the names' vocabulary (NameWord) whose word similarity to
    it is above pg_trgm's threshold (`%>`, 0.6; the vocabulary's trigram index
    answers), then looked up in the search index as a word of the name (weight
    A). With a single word searched, words beginning with it are left out: the
    prefix match finds those anyway."""
    # Each word as a tsquery lexeme: quoted, its quotes and backslashes doubled.
    lexeme = r"'''' || replace(replace(w.word, '\', '\\'), '''', '''''') || ''':A'"
    return RawSQL(
        '"catalog_catalogapp"."search_vector" @@ ('
        "SELECT string_agg(g.alternatives, ' & ')::tsquery FROM ("
        f"SELECT '(' || string_agg({lexeme}, ' | ') || ')' AS alternatives "
        "FROM unnest(%s::text[]) WITH ORDINALITY AS u(term, n) "
        "JOIN catalog_nameword AS w ON w.word %%> u.term "
        "WHERE NOT (%s AND starts_with(w.word, lower(u.term))) "
        "GROUP BY u.n) AS g HAVING count(*) = %s)",
        (terms, len(terms) == 1, len(terms)),
        output_field=BooleanField(),
    )


def _search_terms(q: str) -> tuple[SearchQuery, list]:
    """The full-text query, and the other ways an app matches: word prefixes,
    and names with words within typo distance (_typo_condition)."""
    search = SearchQuery(q, config="simple", search_type="websearch")
    alternatives = []
    prefix_terms = [
        t for t in "".join(c if c.isalnum() else " " for c in q).split() if t
    ]
    # Plain words (no quotes, `or`, `-` or other signs): every app the full-text
    # query finds, the prefix query finds too, so only that one is asked.
    plain = all(c.isalnum() or c.isspace() for c in q) and not any(
        t.lower() == "or" for t in prefix_terms
    )
    if not (plain and prefix_terms):
        alternatives.append(Q(search_vector=search))
    if prefix_terms:
        prefix = SearchQuery(
            " & ".join(f"{t}:*" for t in prefix_terms),
            config="simple",
            search_type="raw",
        )
        alternatives += [Q(search_vector=prefix), _typo_condition(prefix_terms)]
    return search, alternatives


def _search_ids(q: str) -> QuerySet:
    """The ids of the apps matching the words, each way of matching its own
    index scan (UNION of `pk` values)."""
    apps = CatalogApp.objects.order_by()
    branches = [
        apps.filter(alternative).values("pk") for alternative in _search_terms(q)[1]
    ]
    return branches[0].union(*branches[1:])


def _search_condition(q: str) -> RawSQL:
    """Apps matching the words, found from the indexes whatever the planner
    estimates: each way of matching is its own index scan, and their ids come
    as one array (`id = ANY(ARRAY(… UNION …))`, computed once per statement).

    As one WHERE with OR, PostgreSQL adds up the alternatives' estimates and,
    for a common word in a large catalog, prefers reading every app and
    matching its text and name row by row, which is several times slower."""
    sql, params = _search_ids(q).query.sql_with_params()
    return RawSQL(
        f'"catalog_catalogapp"."id" = ANY(ARRAY({sql}))',
        params,
        output_field=BooleanField(),
    )


def _apply_filters(apps: QuerySet, query: CatalogQuery) -> QuerySet:
    for name, values in query.filters.items():
        apps = apps.filter(_facet_condition(name, values))
    if query.q:
        apps = apps.filter(_search_condition(query.q))
    return apps


def _relevance(q: str):
    """How well an app matches the words: its text's rank or its name's
    similarity to them, whichever is higher."""
    search = SearchQuery(q, config="simple", search_type="websearch")
    return Greatest(
        SearchRank(F("search_vector"), search), TrigramWordSimilarity(q, "name")
    )


def catalog_search(query: CatalogQuery) -> QuerySet[CatalogApp]:
    """Visible apps matching the query and filters, sorted, with adopter counts."""
    apps = _apply_filters(visible_apps(), query)
    apps = apps.annotate(adopters=F("active_adopters")).select_related("publisher")
    if query.effective_sort == "relevance":
        # Ranking is computed for the page's ordering only, not for counts and facets.
        return apps.annotate(score=_relevance(query.q)).order_by("-score", "name", "pk")
    return apps.order_by(*SORTS[query.effective_sort])


def catalog_page_apps(ids: list[int], *related: str) -> list[CatalogApp]:
    """The apps of a page whose ids catalog_facets found, in that order, as
    catalog_search gives them (adopter counts, publisher; `related` prefetched)."""
    apps = (
        visible_apps()
        .filter(pk__in=ids)
        .annotate(adopters=F("active_adopters"))
        .select_related("publisher")
        .prefetch_related(*related)
        .order_by()
    )
    found = {app.pk: app for app in apps}
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool

    # Templates of the HTML page unpack (value, label, count).
    def __iter__(self):
        return iter((self.value, self.label, self.count))


@dataclass
class Facets:
    """Every facet's values with their counts, and how many apps match in all."""

    total: int
    values: dict[str, list[FacetValue]]
    # The ids of the page asked for, in order (catalog_page_apps); None when
    # no page was asked for.
    page_ids: list[int] | None = None

    def __getitem__(self, name: str) -> list[FacetValue]:
        return self.values[name]


def _search_matches(query: CatalogQuery, ranked: bool) -> dict[int, float | None]:
    """The apps matching the words (hidden ones too: the facet index knows only
    the visible), each with its relevance when `ranked` and it matches every
    filter as well (the page is ranked among those only), else None."""
    if not ranked:
        return dict.fromkeys(_search_ids(query.q).values_list("pk", flat=True))
    match = [Q(_facet_condition(n, v)) for n, v in query.filters.items()]
    score = _relevance(query.q)
    if match:
        score = Case(When(reduce(operator.and_, match), then=score))
    apps = CatalogApp.objects.filter(_search_condition(query.q)).order_by()
    # Read as they come: thousands of (id, float) pairs need no model converters.
    with connection.cursor() as cursor:
        cursor.execute(*apps.values_list("pk", score).query.sql_with_params())
        return dict(cursor.fetchall())


def _page_ids(
    index: FacetIndex,
    found: int,
    query: CatalogQuery,
    matches: dict[int, float | None] | None,
    offset: int,
    limit: int,
) -> list[int]:
    """The ids of the apps of `found` from `offset`, in catalog_search's order."""
    sort = query.effective_sort
    if sort == "relevance":
        position = index.position
        rank = index.name_rank
        digits = bin(found)[:1:-1]
        size = len(digits)
        ranked = sorted(
            (-(score or 0.0), rank[position[pk]], pk)
            for pk, score in (matches or {}).items()
            if position.get(pk, size) < size and digits[position[pk]] == "1"
        )
        return [pk for _score, _name, pk in ranked[offset : offset + limit]]
    if sort == "adopted":  # the index's own order
        positions = members(found, offset)
    else:
        positions = islice(ordered_members(found, index.orders[sort]), offset, None)
    return [index.ids[n] for n in islice(positions, limit)]


def catalog_facets(query: CatalogQuery, page: tuple[int, int] | None = None) -> Facets:
    """Counts per facet value, and how many apps match in all.

    Each facet is counted over the apps matching the search and every other
    facet's filter (so choosing one category still shows what the others
    would give), and every value some visible app has stays listed, with 0
    when nothing matches: the choices do not move under the visitor's hand.
    The page's total comes with them, so a list page needs no COUNT of its own.

    Counting is done on the catalog's facet index (catalog/facetindex.py: a bit
    set of apps per value, kept until the catalog changes), so it costs the same
    whatever the catalog's size and the filters; only a search asks PostgreSQL,
    once, which apps match its words (and ranks those matching the filters).

    `page` (offset, limit): `page_ids` holds that page's ids in catalog_search's
    order (catalog_page_apps fetches them).
    """
    index = facet_index()
    matches = None
    matching = index.everything
    if query.q:
        ranked = page is not None and query.effective_sort == "relevance"
        matches = _search_matches(query, ranked)
        matching = index.bits_of(matches)
    chosen = {
        name: index.any_of(name, values) for name, values in query.filters.items()
    }
    values = {}
    for facet in FACET_FIELDS:
        # This facet's values are counted among the apps every other filter keeps.
        within = matching
        for other, kept in chosen.items():
            if other != facet:
                within &= kept
        counts = {
            value: (name, (having & within).bit_count())
            for value, (name, having) in index.values[facet].items()
        }
        for value in query.chosen(facet):
            counts.setdefault(value, ("", 0))
        values[facet] = sorted(
            (
                FacetValue(
                    value,
                    facet_label(facet, value, name),
                    count,
                    value in query.chosen(facet),
                )
                for value, (name, count) in counts.items()
            ),
            key=lambda item: (-item.count, item.label.casefold(), item.value),
        )
    found = reduce(operator.and_, chosen.values(), matching)
    page_ids = None
    if page is not None:
        page_ids = _page_ids(index, found, query, matches, *page)
    return Facets(total=found.bit_count(), values=values, page_ids=page_ids)


def facet_label(facet: str, value: str, name: str = "") -> str:
    """What a visitor reads for a facet value, in their language, never a code
    (a publisher's name is its own; an unknown publisher keeps its identifier)."""
    if facet == "category":
        return category_label(value)
    if facet == "scope":
        return scope_label(value)
    if facet == "language":
        return language_label(value)
    if facet == "country":
        return country_label(value)
    if facet == "delivery":
        return str(dict(CatalogApp.Delivery.choices).get(value, value))
    if facet == "status":
        return str(dict(CatalogApp.DevelopmentStatus.choices).get(value, value))
    if facet == "license":
        return license_label(value)
    return name or value


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


def hosted_adoptions_used(tenant: Tenant, *, statuses=None, exclude_pk=None) -> int:
    """Hosted apps the tenant adopted (by default: active ones) — not ones it publishes."""
    adoptions = Adoption.objects.filter(
        adopter=tenant,
        app__delivery_mode=CatalogApp.Delivery.HOSTED,
        status__in=statuses or [Adoption.Status.ACTIVE],
    )
    if exclude_pk is not None:
        adoptions = adoptions.exclude(pk=exclude_pk)
    return adoptions.count()


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
    hosted_menu = {m.key: m.menu_path for m in hosted.apps()}
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
