"""bench/scale.py's data: the platform, Bandung's Sabilulungan, and many tenants."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench import scale_const
from bench._common import (
    nearest_rank,
)
from bench.scale_const import (
    ADOPT_EVERY,
    BANDUNG,
    BASE_DOMAIN,
    BATCH,
    PASSWORD,
    SABILULUNGAN,
    SLUG_PREFIX,
    SMALL,
)

# --- the data ----------------------------------------------------------------------


@dataclass
class World:
    operator: Any
    admins: dict[str, Any]  # slug -> admin user of the 10 cities
    sabilulungan_id: int
    release_id: int
    tenants: int = 0  # tenants besides the platform
    adopters: int = 0  # active adoptions of Sabilulungan
    agreements: int = 0
    provisioning: list[float] = field(default_factory=list)  # seconds, 11..N


def _cities():
    from tenants.demo import ALL_TENANTS

    cities = [spec for spec in ALL_TENANTS if spec.kind == "kota"][:SMALL]
    assert cities[0].slug == BANDUNG
    return cities


def _verified_user(email: str, full_name: str, password_hash: str, **extra):
    from allauth.account.models import EmailAddress

    from tenants.models import User

    user = User.objects.create(
        email=email, full_name=full_name, password=password_hash, **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def adopt(world: World, *, app, adopter, adopter_admin, release) -> None:
    """`adopter` adopts `app` through the catalog's services: agreement, request,
    approval by the publisher's admin, activation."""
    from catalog import services

    world.agreements += 1
    today = date.today()
    agreement = services.agreement_create(
        actor=adopter_admin,
        tenant=adopter,
        counterparty=app.publisher,
        kind="pks",
        number=f"PKS/{world.agreements:05d}/BENCH/{today.year}",
        title=f"Perjanjian kerja sama pemanfaatan {app.name}",
        signed_on=today,
        signed_at_place="Bandung",
        valid_from=today,
        valid_until=today + timedelta(days=5 * 365),
        first_signatory=f"Kepala Daerah, {adopter.name}",
        second_signatory=f"Kepala Daerah, {app.publisher.name}",
    )
    adoption = services.adoption_request(
        actor=adopter_admin,
        adopter=adopter,
        app=app,
        purpose=f"Pemanfaatan {app.name} di {adopter.name}.",
        contact_name=f"Diskominfo {adopter.name}",
        contact_email=adopter_admin.email,
    )
    publisher_admin = world.admins[app.publisher.slug]
    # An agreement backs an adoption once both parties confirmed it.
    agreement = services.agreement_confirm(
        actor=publisher_admin, tenant=app.publisher, agreement=agreement
    )
    services.adoption_approve(
        actor=publisher_admin, adoption=adoption, agreement=agreement
    )
    services.adoption_activate(
        actor=adopter_admin, adoption=adoption, usage="production", release=release
    )


def setup_world() -> World:
    """Platform, 10 verified cities, the demo catalog with its adoptions, Bandung's grants."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from catalog import services as catalog_services
    from catalog.demo import APPS, TANGERANG_ADOPTIONS
    from catalog.models import CatalogApp
    from tenants.models import Membership, Tenant
    from tenants.services import platform_ensure, tenant_provision, tenant_verify

    connection.set_schema_to_public()
    platform_ensure()
    password_hash = make_password(PASSWORD)
    operator = _verified_user(
        "operator@bagipakai.bench.test",
        "Operator BagiPakai",
        password_hash,
        is_staff=True,
        is_superuser=True,
    )
    admins: dict[str, Any] = {}
    tenants: dict[str, Any] = {}
    for spec in _cities():
        admin = _verified_user(spec.admin_email, f"Admin {spec.name}", password_hash)
        tenant = tenant_provision(
            actor=admin,
            name=spec.name,
            kind=spec.kind,
            region_code=spec.region_code,
            slug=spec.slug,
        )
        tenants[spec.slug] = tenant_verify(actor=operator, tenant=tenant)
        admins[spec.slug] = admin

    for spec in APPS:
        spec = dict(spec)
        releases = spec.pop("releases")
        publisher = tenants[spec.pop("publisher")]
        app = catalog_services.app_create(
            actor=admins[publisher.slug], publisher=publisher, **spec
        )
        for version, released_on, notes in releases:
            catalog_services.release_add(
                actor=admins[publisher.slug],
                app=app,
                version=version,
                released_on=released_on,
                notes=notes,
            )
    sabilulungan = CatalogApp.objects.select_related("publisher").get(slug=SABILULUNGAN)
    release = sabilulungan.releases.order_by("-released_on").first()
    world = World(
        operator=operator,
        admins=admins,
        sabilulungan_id=sabilulungan.pk,
        release_id=release.pk,
        tenants=len(tenants),
    )
    adopt(
        world,
        app=sabilulungan,
        adopter=tenants["tangerang"],
        adopter_admin=admins["tangerang"],
        release=release,
    )
    world.adopters += 1
    for app_slug, partners in TANGERANG_ADOPTIONS.items():
        app = CatalogApp.objects.select_related("publisher").get(slug=app_slug)
        for partner in partners:
            if partner in tenants:
                adopt(
                    world,
                    app=app,
                    adopter=tenants[partner],
                    adopter_admin=admins[partner],
                    release=app.releases.first(),
                )

    bandung = tenants[BANDUNG]
    staff = _verified_user("staf@bandung.bench.test", "Staf Bandung", password_hash)
    Membership.objects.create(user=staff, tenant=bandung, role="staff")
    seed_bandung_grants(bandung, admins[BANDUNG], staff, password_hash)
    connection.set_schema_to_public()
    assert Tenant.objects.exclude(kind="platform").count() == SMALL
    return world


def seed_bandung_grants(bandung, admin, staff, password_hash: str) -> None:
    """seed_demo's Sabilulungan data for Bandung, then more proposals to
    scale_const.PROPOSALS (read when called: bench/tenant_archive.py sets it)."""
    from grants import demo

    demo.seed_grants(
        tenant=bandung, admin=admin, staff=staff, password_hash=password_hash
    )
    grow_bandung_proposals(bandung, admin, password_hash, scale_const.PROPOSALS)


def grow_bandung_proposals(bandung, admin, password_hash: str, target: int) -> int:
    """More proposals in Bandung up to `target`, each walked through the grants
    services as seed_demo walks its own; returns how many were added."""
    from django_tenants.utils import tenant_context

    from grants import demo, services
    from grants.models import Program, Proposal

    # The officials seed_grants made, one per grant role (idempotent).
    people = demo._grant_people(bandung, admin, password_hash)
    with tenant_context(bandung):
        program = Program.objects.get(kind="hibah")
        if target > 100:
            # Room in the budget for every approval of a large run.
            Program.objects.filter(pk=program.pk).update(budget=10**15)
            program.refresh_from_db()
        paths = ("in_review:1", "approved", "disbursed", "closed", "draft")
        before = index = Proposal.objects.count()
        while Proposal.objects.count() < target:
            index += 1
            kecamatan, kelurahan = demo.LOCATIONS[BANDUNG][index % 9]
            user = demo._applicant_user(bandung, f"pemohon{index}", password_hash)
            services.applicant_save(
                user=user,
                kind="organisation",
                name=f"Karang Taruna {kelurahan} {index}",
                legal_form="Perkumpulan",
                address=f"Jl. {kelurahan} No. {index}",
                **demo._place(bandung, kecamatan, kelurahan),
                bank_name="Bank BJB",
                bank_account=f"77{index:08d}",
                bank_account_name=f"Karang Taruna {kelurahan}",
            )
            # seed_demo's own walk through proposal_transition, step by step.
            demo._walk(
                bandung,
                program,
                user,
                people,
                paths[index % len(paths)],
                amount=10_000_000 + 1_000_000 * (index % 20),
                kecamatan=kecamatan,
                kelurahan=kelurahan,
            )
        return Proposal.objects.count() - before


def grow(world: World, target: int) -> None:
    """Provision tenants up to `target` (timed); every ADOPT_EVERY-th adopts Sabilulungan."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from catalog.models import CatalogApp, Release
    from tenants.models import User
    from tenants.services import tenant_provision, tenant_verify

    password_hash = make_password(PASSWORD)
    progress_started = time.perf_counter()
    first_new = world.tenants + 1
    for batch_start in range(first_new, target + 1, BATCH):
        batch_end = min(batch_start + BATCH - 1, target)
        # As a web worker's connection after CONN_MAX_AGE; outside the timing.
        connection.close()
        app = CatalogApp.objects.select_related("publisher").get(
            pk=world.sabilulungan_id
        )
        release = Release.objects.get(pk=world.release_id)
        admins = User.objects.bulk_create(
            User(
                email=f"admin@{SLUG_PREFIX}{i}.bench.test",
                full_name=f"Admin Kota Bench {i}",
                password=password_hash,
            )
            for i in range(batch_start, batch_end + 1)
        )
        for i, admin in enumerate(admins, start=batch_start):
            started = time.perf_counter()
            tenant = tenant_provision(
                actor=admin,
                # Institutions: one tenant per city is the rule, and there are ~514.
                name=f"Lembaga Bench {i}",
                kind="lembaga",
                seat_region_code="32.73",
                slug=f"{SLUG_PREFIX}{i}",
            )
            world.provisioning.append(time.perf_counter() - started)
            world.tenants = i
            if i % ADOPT_EVERY == 0:
                # Only verified organisations record agreements.
                tenant = tenant_verify(actor=world.operator, tenant=tenant)
                adopt(
                    world, app=app, adopter=tenant, adopter_admin=admin, release=release
                )
                world.adopters += 1
            if i % 1000 == 0:
                recent = world.provisioning[-1000:]
                elapsed = time.perf_counter() - progress_started
                print(
                    f"  {i:,} tenants: last 1,000 provisionings p50 "
                    f"{statistics.median(recent) * 1000:.0f} ms, p95 "
                    f"{nearest_rank(recent, 0.95) * 1000:.0f} ms; "
                    f"{1000 / elapsed:.1f} tenants/s with adoptions and bench work",
                    flush=True,
                )
                progress_started = time.perf_counter()


def check_adopter_counts(world: World) -> None:
    """The catalog's stored count, and its pages, must say what the adoptions say."""
    from django.test import Client

    from catalog.models import Adoption, CatalogApp

    stored = CatalogApp.objects.get(pk=world.sabilulungan_id).active_adopters
    active = Adoption.objects.filter(
        app_id=world.sabilulungan_id, status="active", adopter__is_active=True
    ).count()
    if not stored == active == world.adopters:
        raise SystemExit(
            f"FAIL: Sabilulungan's active_adopters is {stored}, the adoptions say "
            f"{active}, the bench made {world.adopters}"
        )
    said = f"sed by {world.adopters} organisation"  # "Used by" / "used by"
    client = Client(HTTP_HOST=BASE_DOMAIN, HTTP_ACCEPT_LANGUAGE="en")
    for path in (f"/catalog/{SABILULUNGAN}/", f"/catalog/?q={SABILULUNGAN}"):
        if said not in client.get(path).content.decode():
            raise SystemExit(f"FAIL: {path} does not say it is u{said}s")


def vacuum_analyze() -> float:
    """VACUUM (ANALYZE) of what the measured pages read: the public schema, the
    system catalogue and Bandung's schema. The other tenants' tables are empty
    and never read here; visiting them all (130,000 tables at 10,000 tenants)
    would only add minutes."""
    from django.db import connection

    from tenants.models import Tenant

    connection.set_schema_to_public()
    bandung = Tenant.objects.get(slug=BANDUNG).schema_name
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(format('%%I.%%I', n.nspname, c.relname), ', ') "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'm') AND n.nspname IN ('public', 'pg_catalog', %s)",
            [bandung],
        )
        tables = cursor.fetchone()[0]
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
    return time.perf_counter() - started
