from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _periodic_sync(sender, using="default", **kwargs):
    """After a migration of the public schema, write the periodic jobs' schedules."""
    from django.db import connections
    from django_tenants.utils import get_public_schema_name

    if getattr(connections[using], "schema_name", None) != get_public_schema_name():
        return
    from .jobs import periodic_sync

    periodic_sync()


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared machinery")

    def ready(self):
        post_migrate.connect(_periodic_sync, sender=self, dispatch_uid="core.periodic")
