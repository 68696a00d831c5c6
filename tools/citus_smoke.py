"""Smoke of the main pages and operations against DATABASE_URL (make citus-check).

Run after `migrate` and `seed_demo`. Every page must answer 200 through
Django's whole stack (test client, DEBUG off); every tenant's audit chains
must verify; a tenant is provisioned from the warm pool; one tenant is moved
to another worker with `tenant_move` and its pages and chain checked again.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("MFA_ENFORCED", "0")
os.environ.setdefault("DISABLE_RATE_LIMITS", "1")
os.environ.setdefault("STATIC_MANIFEST", "0")

PLATFORM_PAGES = [
    "/",
    "/organisations/",
    "/catalog/",
    "/transparency/",
    "/transparency/log.json",
    "/api/v1/apps/",
    "/healthz",
]
TENANT_PAGES = ["/", "/grants/", "/open-data/grants.json", "/open-data/audit.jsonl", "/verify/"]
STAFF_PAGES = ["/dashboard/", "/dashboard/members/", "/grants/staff/", "/grants/staff/proposals/"]


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tenants import citus
    from tenants.anchoring import chain_verify
    from tenants.chains import chains
    from tenants.models import Membership, Tenant, User
    from tenants.schema import schema_pool_fill
    from tenants.services import tenant_provision

    failures: list[str] = []
    base = settings.BASE_DOMAIN

    def get(client, host, path):
        started = time.perf_counter()
        response = client.get(path, HTTP_HOST=host)
        ms = (time.perf_counter() - started) * 1000
        ok = response.status_code == 200
        print(f"  {'ok ' if ok else 'BAD'} {response.status_code} {host}{path} ({ms:.0f} ms)")
        if not ok:
            failures.append(f"{host}{path}: {response.status_code}")

    def pages(slug):
        host = f"{slug}.{base}"
        client = Client()
        for path in TENANT_PAGES:
            get(client, host, path)
        admin = (
            Membership.objects.filter(tenant__slug=slug, role="admin")
            .select_related("user")
            .first()
        )
        if admin:
            client.force_login(admin.user)
            for path in STAFF_PAGES:
                get(client, host, path)

    def verify(tenant):
        for chain in chains():
            result = chain_verify(tenant, chain, full=True)
            if not result.ok:
                failures.append(f"{tenant.slug} {chain.key} chain: {result.reason}")
                return False
        connection.set_schema_to_public()
        return True

    def archive_round_trip(source):
        """tenant_export, then tenant_import as a copy (--as), committed for real
        on the cluster: the copy holds the same rows table by table, its schema
        lands on a worker, and its audit chains verify."""
        import tempfile

        from tenants.archive.service import tenant_export, tenant_import

        def counts(schema):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]
                )
                tables = sorted(row[0] for row in cursor.fetchall())
                found = {}
                for table in tables:
                    cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
                    found[table] = cursor.fetchone()[0]
            return found

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{source.slug}.tar.gz"
            started = time.perf_counter()
            exported = tenant_export(tenant=source, path=path)
            exported_in = time.perf_counter() - started
            slug = f"{source.slug}-copy{int(time.time()) % 100000}"
            started = time.perf_counter()
            result = tenant_import(path=path, new_slug=slug)
            imported_in = time.perf_counter() - started
        copy = result.tenant
        print(
            f"tenant archive: {source.slug} exported ({exported.rows} rows, "
            f"{exported.files} files, {exported_in:.2f} s) and imported as "
            f"{copy.slug} ({imported_in:.2f} s), on {citus.schema_node(copy.schema_name)}"
        )
        if counts(copy.schema_name) != counts(source.schema_name):
            failures.append("tenant archive: the copy's rows differ from the source's")
        elif verify(copy):
            print("  the copy holds the same rows, its audit chains intact")
        connection.set_schema_to_public()

    print("platform pages")
    client = Client()
    for path in PLATFORM_PAGES:
        get(client, base, path)
    print("tenant pages (bandung, tangerang), public and staff")
    for slug in ("bandung", "tangerang"):
        pages(slug)

    tenants = list(Tenant.objects.exclude(schema_name="public").order_by("slug"))
    started = time.perf_counter()
    intact = sum(verify(t) for t in tenants)
    print(
        f"audit chains: {intact} of {len(tenants)} tenants intact "
        f"(full recomputation, {time.perf_counter() - started:.1f} s)"
    )

    print("provisioning from the warm pool")
    settings.TENANT_SCHEMA_POOL = 2
    filled = schema_pool_fill()
    actor, _ = User.objects.get_or_create(
        email="smoke@pool.test", defaults={"full_name": "Smoke Pool"}
    )
    started = time.perf_counter()
    tenant = tenant_provision(
        actor=actor, name="Lembaga Smoke", kind="lembaga", seat_region_code="32.73",
        slug=f"smoke{int(time.time()) % 100000}",
    )
    seconds = time.perf_counter() - started
    node = citus.schema_node(tenant.schema_name)
    print(f"  {tenant.slug}: {seconds:.3f} s (pool filled with {filled['made']}), on {node}")
    get(Client(), f"{tenant.slug}.{base}", "/")

    if citus.citus_active():
        bandung = Tenant.objects.get(slug="bandung")
        here = citus.schema_node(bandung.schema_name)
        others = [n for n in citus.worker_nodes() if n != here]
        if others:
            target = others[0]
            print(f"tenant_move bandung: {here[0]}:{here[1]} -> {target[0]}:{target[1]}")
            try:
                call_command("tenant_move", "bandung", "--node", f"{target[0]}:{target[1]}",
                             "--reason", "citus-check drill")
            except SystemExit:
                failures.append("tenant_move: audit chain broken after the move")
            if citus.schema_node(bandung.schema_name) != target:
                failures.append("tenant_move: schema not on the target node")
            pages("bandung")
            if not verify(bandung):
                failures.append("bandung chain after the move")
            else:
                print("  bandung audit chains intact after the move")
        archive_round_trip(bandung)
        from tenants.transparency import verify_stored

        report = verify_stored()
        print(f"platform transparency log: {'intact' if report.ok else 'BROKEN'} ({report.events} entries)")
        if not report.ok:
            failures.append("platform log broken")

    if failures:
        print("smoke FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("smoke: all pages 200, chains intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
