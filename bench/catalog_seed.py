"""bench/catalog.py's seeding: tenants, apps, releases, adoptions, search vectors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench.catalog_const import (
    ADOPTERS_PER_APP,
    SMALL_APPS,
)
from bench.catalog_data import (
    ADOPTION_STATUSES,
    CITIES,
    CORE_APPS,
    DEPARTMENTS,
    GENERIC_FEATURES,
    INTEGRATIONS,
    LICENCES,
    LOCAL_WORDS,
    NAME_PATTERNS,
    QUALIFIERS,
    STATUSES,
    TOPICS,
    Topic,
    _moment,
    _slugify,
    _weighted,
)

# --- seeding --------------------------------------------------------------------------


@dataclass
class Seed:
    """What is in the database so far, and the generator state for more."""

    rng: random.Random
    tenants: list[Any]
    agreements: dict[tuple[int, int], int]  # (publisher pk, adopter pk) -> agreement pk
    slugs: set[str]
    apps: int = 0
    adoptions: int = 0

    @property
    def label(self) -> str:
        return f"{self.apps:,} apps / {self.adoptions:,} adoptions"


def seed_tenants(rng: random.Random) -> Seed:
    from django.conf import settings

    from tenants.models import Domain, Tenant
    from tenants.services import platform_ensure

    platform_ensure()
    tenants = Tenant.objects.bulk_create(
        Tenant(
            schema_name=f"t_bench{i:02d}",
            name=f"Kota {city}",
            slug=city.lower().replace(" ", "-"),
            kind=Tenant.Kind.KOTA,
            province=province,
            region_code=region,
            description=f"Pemerintah Kota {city}.",
            website=f"https://{city.lower().replace(' ', '')}.go.id",
            contact_email=f"diskominfo@{city.lower().replace(' ', '')}.go.id",
            verification_status=Tenant.Verification.VERIFIED,
        )
        for i, (city, province, region) in enumerate(CITIES, start=1)
    )
    Domain.objects.bulk_create(
        Domain(domain=f"{t.slug}.{settings.BASE_DOMAIN}", tenant=t, is_primary=True)
        for t in tenants
    )
    return Seed(rng=rng, tenants=tenants, agreements={}, slugs=set())


def _city(tenant) -> str:
    return tenant.name.removeprefix("Pemerintah Kota ")


def _app_name(rng: random.Random, topic: Topic, pattern: str, publisher) -> str:
    brand = topic.brands[0] if pattern == "brand0" else rng.choice(topic.brands)
    name = {
        "sistem": f"Sistem Informasi {topic.id}",
        "aplikasi": f"Aplikasi {topic.id}",
        "brand0": brand,
        "brand": brand,
        "brand-city": f"{brand} {_city(publisher)}",
        "portal": f"Portal {topic.id}",
        "e": f"e-{topic.id.split()[0]}",
        "local": f"{rng.choice(LOCAL_WORDS)} {topic.id}",
        "english": f"{topic.en.capitalize()} system",
    }[pattern]
    if pattern != "brand0" and rng.random() < 0.3:
        name += " " + rng.choice(QUALIFIERS)
    if pattern not in ("brand0", "brand-city") and rng.random() < 0.6:
        name += f" {_city(publisher)}"
    return name


def _new_app(seed: Seed, index: int):
    from catalog.models import CatalogApp
    from catalog.publiccode.rules import LONG_DESCRIPTION_MIN

    rng = seed.rng
    if index < len(CORE_APPS):
        topic_id, pattern = CORE_APPS[index]
        topic = next(t for t in TOPICS if t.id == topic_id)
    else:
        topic, pattern = rng.choice(TOPICS), rng.choice(NAME_PATTERNS)
    publisher = seed.tenants[
        index % len(seed.tenants) if index < 40 else rng.randrange(len(seed.tenants))
    ]
    name = _app_name(rng, topic, pattern, publisher)[:120]
    base = slug = _slugify(name)
    n = 1
    while slug in seed.slugs:
        n += 1
        slug = f"{base}-{n}"
    seed.slugs.add(slug)
    hosted = index == 0
    created = _moment(rng, 2016, date(2025, 10, 1))
    year = created.year
    department = rng.choice(DEPARTMENTS)
    integration = rng.choice(INTEGRATIONS)
    short_id = rng.choice(
        (
            f"Aplikasi untuk {topic.what_id} di {publisher.name}.",
            f"{name}: {topic.what_id}, cepat dan terbuka.",
            f"Kelola {topic.what_id} dalam satu aplikasi.",
        )
    )[:150]
    short_en = (
        ""
        if rng.random() < 0.3
        else rng.choice(
            (
                f"An app for {topic.what_en} at {publisher.name}.",
                f"{topic.what_en.capitalize()}, in one place.",
            )
        )[:150]
    )
    long_id = " ".join(
        rng.sample(
            (
                f"{name} dikembangkan oleh {department} {publisher.name} sejak {year} untuk {topic.what_id}.",
                f"Aplikasi ini terhubung dengan {integration} sehingga data tidak perlu dimasukkan dua kali.",
                "Pemerintah daerah lain dapat memakainya melalui BagiPakai dengan perjanjian kerja sama.",
                "Data dapat diekspor dan dibuka sebagai data terbuka.",
                f"Pengguna utamanya adalah petugas {department.lower()} dan warga {_city(publisher)}.",
            ),
            rng.randint(2, 4),
        )
    )
    long_en = (
        ""
        if rng.random() < 0.5
        else (
            f"{name} was built by {publisher.name} in {year} for {topic.what_en}. "
            f"It integrates with {integration} and other governments can adopt it through BagiPakai."
        )
    )
    # Written to publiccode.yml's rules, as the publishing form would have them
    # (none of this draws on `rng`, so the rest of the data stays as it was):
    # long descriptions of at least 150 characters, and English whole or absent.
    long_id = _at_least(
        LONG_DESCRIPTION_MIN,
        long_id,
        f"Kode sumbernya terbuka di repositori {publisher.name}.",
    )
    features_en = []
    if short_en:
        long_en = _at_least(
            LONG_DESCRIPTION_MIN,
            long_en or f"{name} helps {publisher.name} with {topic.what_en}.",
            f"Its source code is open in the repository of {publisher.name}, "
            "and other governments can adopt it through BagiPakai.",
        )
        features_en = [topic.what_en[:1].upper() + topic.what_en[1:]]
    else:
        long_en = ""
    categories = list(topic.categories)
    if rng.random() < 0.3:
        extra = rng.choice(
            ("data-analytics", "communications", "workflow-management", "other")
        )
        if extra not in categories:
            categories.append(extra)
    delivery = (
        "hosted"
        if hosted
        else rng.choice(("source", "source", "source", "external", "external"))
    )
    return CatalogApp(
        slug=slug,
        name=name,
        publisher=publisher,
        short_description_id=short_id,
        short_description_en=short_en,
        long_description_id=long_id,
        long_description_en=long_en,
        features=rng.sample(topic.features, rng.randint(1, 3))
        + rng.sample(GENERIC_FEATURES, rng.randint(1, 3)),
        features_en=features_en,
        categories=categories,
        scope=list(
            dict.fromkeys(topic.scope + ("local-authorities",) * (rng.random() < 0.5))
        ),
        development_status="stable" if hosted else _weighted(rng, STATUSES),
        software_type=rng.choice(
            (
                "standalone/web",
                "standalone/web",
                "standalone/mobile",
                "standalone/backend",
            )
        ),
        delivery_mode=delivery,
        hosted_module="grants" if hosted else "",
        license="AGPL-3.0-or-later" if hosted else _weighted(rng, LICENCES),
        url=f"https://git.{publisher.slug}.go.id/diskominfo/{slug}",
        documentation_url=f"https://git.{publisher.slug}.go.id/diskominfo/{slug}/wiki"
        if rng.random() < 0.6
        else "",
        landing_url=f"https://{slug}.{publisher.slug}.go.id"
        if rng.random() < 0.4
        else "",
        platforms=["web"] + ["android"] * (rng.random() < 0.3),
        languages=["id"] + ["en"] * bool(short_en),
        maintenance_type=rng.choice(
            ("internal", "internal", "contract", "community", "none")
        ),
        contacts=[
            {"name": f"{department} {_city(publisher)}", "affiliation": publisher.name}
        ],
        # Operators hide the odd entry; hidden ones never show (nor are they benchmarked).
        is_hidden=index >= SMALL_APPS and rng.random() < 0.01,
        created_at=created,
        updated_at=created + timedelta(days=rng.randrange(300)),
    )


def _at_least(length: int, text: str, more: str) -> str:
    """`text`, followed by `more` as often as it takes to reach `length` characters."""
    while len(text) < length:
        text = f"{text} {more}"
    return text


def _contractor(app):
    """The company that maintains an entry by contract: the standard names it
    (catalog.vocabularies.contractors_problem), so the seeded entry does too."""
    from catalog.models import Contractor

    company = app.publisher.slug
    return Contractor(
        app=app,
        name=f"PT Mitra Digital {app.publisher.name.removeprefix('Kota ')}",
        until=date(2026 + app.pk % 4, 12, 31),
        email=f"layanan@mitra-{company}.co.id",
        website=f"https://mitra-{company}.co.id",
        position=0,
    )


def _releases(rng: random.Random, app) -> list[Any]:
    from catalog.models import Release

    released = app.created_at.date()
    major, minor = 1, 0
    rows = []
    for _ in range(rng.randint(1, 4)):
        rows.append(
            Release(
                app=app,
                version=f"{major}.{minor}",
                released_on=released,
                notes=rng.choice(
                    (
                        "Perbaikan galat dan peningkatan keamanan.",
                        "Fitur baru: laporan bulanan.",
                        "",
                    )
                ),
                created_at=app.created_at,
            )
        )
        released += timedelta(days=rng.randrange(60, 400))
        if rng.random() < 0.3:
            major, minor = major + 1, 0
        else:
            minor += 1
    return rows


def _agreement_for(seed: Seed, publisher, adopter) -> int:
    """One agreement per (publisher, adopter) pair, created on first need."""
    from catalog.models import Agreement

    key = (publisher.pk, adopter.pk)
    if key not in seed.agreements:
        rng = seed.rng
        signed = date(
            rng.randrange(2017, 2025), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        kind = rng.choice(("mou", "pks"))
        agreement = Agreement.objects.create(
            kind=kind,
            number=f"{len(seed.agreements) + 1:04d}/{kind.upper()}/{signed.year}",
            title=f"Kerja sama pemanfaatan aplikasi antara {publisher.name} dan {adopter.name}",
            first_party=publisher,
            second_party=adopter,
            signed_on=signed,
            signed_at_place=_city(publisher),
            valid_from=signed,
            valid_until=signed + timedelta(days=5 * 365)
            if rng.random() < 0.8
            else None,
            first_signatory=f"Wali Kota {_city(publisher)}",
            second_signatory=f"Wali Kota {_city(adopter)}",
            # Bulk data: confirmed by both parties, as public adoptions need.
            state=Agreement.State.CONFIRMED,
            version=1,
            pending_version=None,
        )
        seed.agreements[key] = agreement.pk
    return seed.agreements[key]


def seed_apps(seed: Seed, count: int) -> None:
    """Add `count` apps with their releases and ADOPTERS_PER_APP adoptions each."""
    from catalog.models import Adoption, CatalogApp, Contractor, Release

    rng = seed.rng
    apps = CatalogApp.objects.bulk_create(
        [_new_app(seed, seed.apps + i) for i in range(count)], batch_size=500
    )
    Contractor.objects.bulk_create(
        [_contractor(app) for app in apps if app.maintenance_type == "contract"],
        batch_size=2000,
    )
    releases: dict[int, list[Any]] = {}
    for release in Release.objects.bulk_create(
        [r for app in apps for r in _releases(rng, app)], batch_size=2000
    ):
        releases.setdefault(release.app_id, []).append(release)
    # Agreements first (one INSERT per new pair, at most 40 x 39 of them).
    plan = []
    for app in apps:
        candidates = [t for t in seed.tenants if t.pk != app.publisher_id]
        for adopter in rng.sample(candidates, min(ADOPTERS_PER_APP, len(candidates))):
            status = _weighted(rng, ADOPTION_STATUSES)
            agreement = (
                _agreement_for(seed, app.publisher, adopter)
                if status != "requested"
                else None
            )
            plan.append((app, adopter, status, agreement))
    adoptions = []
    for app, adopter, status, agreement_id in plan:
        requested = app.created_at + timedelta(days=rng.randrange(1, 900))
        active = status == "active"
        adoptions.append(
            Adoption(
                app=app,
                adopter=adopter,
                status=status,
                purpose=f"Dipakai {adopter.name} untuk menggantikan proses manual.",
                contact_name=f"Kepala Bidang Aplikasi {_city(adopter)}",
                contact_email=f"aplikasi@{adopter.slug}.go.id",
                agreement_id=agreement_id,
                usage=(rng.choice(("production",) * 4 + ("pilot",)) if active else ""),
                release=(
                    rng.choice(releases[app.pk])
                    if active and rng.random() < 0.6
                    else None
                ),
                requested_at=requested,
                updated_at=requested + timedelta(days=rng.randrange(0, 60)),
            )
        )
    Adoption.objects.bulk_create(adoptions, batch_size=2000)
    from catalog.services import adopters_recount

    adopters_recount()
    seed.apps += count
    seed.adoptions += len(adoptions)


# Mirrors catalog.services._refresh_search_vector: the same four strings, the
# same weights, config 'simple'. check_search_vectors() proves they agree.
SEARCH_VECTOR_SQL = """
    setweight(to_tsvector('simple'::regconfig, a.name), 'A')
 || setweight(to_tsvector('simple'::regconfig,
        a.short_description_id || ' ' || a.short_description_en), 'B')
 || setweight(to_tsvector('simple'::regconfig,
        a.long_description_id || ' ' || a.long_description_en || ' '
        || array_to_string(a.features, ' ')), 'C')
 || setweight(to_tsvector('simple'::regconfig,
        p.name || ' ' || array_to_string(a.categories, ' ')), 'D')
"""


def fill_search_vectors() -> None:
    """The search vectors (SQL above), and the names' words the search's typo
    tolerance reads, as the service writes them."""
    from django.db import connection

    from catalog.services import remember_name_words

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_catalogapp AS a SET search_vector = {SEARCH_VECTOR_SQL} "
            "FROM tenants_tenant AS p WHERE p.id = a.publisher_id"
        )
        remember_name_words()
        cursor.execute("ANALYZE")


def check_search_vectors(sample: int = 5) -> None:
    """Fail loudly unless the SQL above gives the vectors the service would store."""
    from django.db import connection

    from catalog import services
    from catalog.models import CatalogApp

    apps = list(CatalogApp.objects.select_related("publisher").order_by("?")[:sample])
    ids = [app.pk for app in apps]
    query = (
        f"SELECT a.id, ({SEARCH_VECTOR_SQL})::text FROM catalog_catalogapp AS a "
        "JOIN tenants_tenant AS p ON p.id = a.publisher_id WHERE a.id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [ids])
        ours = dict(cursor.fetchall())
        for app in apps:
            services._refresh_search_vector(app)
        cursor.execute(
            "SELECT id, search_vector::text FROM catalog_catalogapp WHERE id = ANY(%s)",
            [ids],
        )
        theirs = dict(cursor.fetchall())
    differ = [pk for pk in ids if ours[pk] != theirs[pk]]
    if differ:
        raise SystemExit(
            "FAIL: bench/catalog.py's SEARCH_VECTOR_SQL no longer matches "
            f"catalog.services._refresh_search_vector (apps {differ}); update it."
        )
