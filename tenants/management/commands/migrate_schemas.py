"""django-tenants' migrate_schemas, plus the platform's own bookkeeping afterwards.

After a full run (public and tenants) it makes sure the platform tenant exists
for BASE_DOMAIN and brings the template schema that new tenants are cloned
from up to date, so provisioning never clones a stale schema.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--skip-template",
            action="store_true",
            dest="skip_template",
            default=False,
            help="Do not synchronise the tenant template schema afterwards.",
        )

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if (
            options.get("skip_template")
            or options.get("schema_name")
            or options.get("app_label")
        ):
            return
        from tenants.schema import template_sync
        from tenants.services import platform_ensure

        if self.sync_public:
            platform_ensure()
        if self.sync_tenant:
            changed = template_sync(
                verbosity=max(0, int(options.get("verbosity", 1)) - 1)
            )
            if int(options.get("verbosity", 1)) >= 1:
                state = "migrated" if changed else "already current"
                self.stdout.write(f"Tenant template schema {state}.")
