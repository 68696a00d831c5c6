"""django-tenants' migrate_schemas, plus the platform's own bookkeeping afterwards.

After a full run (public and tenants) it makes sure the platform tenant exists
for BASE_DOMAIN, brings the template schema that new tenants are cloned from up
to date, and migrates any tenant provisioned while the run was going on.

Tenant schemas are migrated by the project's `planned` executor
(tenants/migration.py, settings.GET_EXECUTOR_FUNCTION): planned once, up-to-date
schemas skipped, the rest in parallel. `--executor standard|multiprocessing`
selects django-tenants' own executors.
"""

from django.core.management import call_command
from django.utils import timezone
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name


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
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Worker processes of the planned executor "
            "(default: settings.TENANT_MIGRATION_PROCESSES).",
        )

    def handle(self, *args, **options):
        started = timezone.now()
        super().handle(*args, **options)
        if (
            options.get("skip_template")
            or options.get("schema_name")
            or options.get("app_label")
        ):
            return
        from tenants.schema import template_sync
        from tenants.services import platform_ensure

        verbosity = int(options.get("verbosity", 1))
        if self.sync_public:
            platform_ensure()
        if self.sync_tenant:
            changed = template_sync(verbosity=max(0, verbosity - 1))
            if verbosity >= 1:
                state = "migrated" if changed else "already current"
                self.stdout.write(f"Tenant template schema {state}.")
            self._migrate_late_tenants(started, verbosity)

    def _migrate_late_tenants(self, started, verbosity):
        """Tenants provisioned while this run went on may have been cloned from the
        old template (by web workers still on the old code): migrate them too."""
        from tenants.models import Tenant

        late = (
            Tenant.objects.filter(created_at__gte=started)
            .exclude(schema_name=get_public_schema_name())
            .values_list("schema_name", flat=True)
        )
        for schema_name in late:
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=schema_name,
                interactive=False,
                verbosity=verbosity,
                skip_template=True,
            )
