from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared machinery")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .api import anonymous_api_gate
        from .files import remember_saved_files, remove_files_of_deleted_rows
        from .pagecache import register_gate
        from .text import refuse_control_characters_in_forms

        # Any model's deleted row takes its uploaded files with it (on commit).
        post_delete.connect(remove_files_of_deleted_rows, dispatch_uid="core_files")
        # What a request stores and no row names at its end is removed.
        post_save.connect(remember_saved_files, dispatch_uid="core_files_stored")
        # Every form's text fields refuse control characters (core/text.py).
        refuse_control_characters_in_forms()
        # A kept answer of the public API still passes its rate limit.
        register_gate("api", anonymous_api_gate)
