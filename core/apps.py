from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared machinery")

    def ready(self):
        from django.db.models.signals import post_delete

        from .files import remove_files_of_deleted_rows
        from .text import refuse_control_characters_in_forms

        # Any model's deleted row takes its uploaded files with it (on commit).
        post_delete.connect(remove_files_of_deleted_rows, dispatch_uid="core_files")
        # Every form's text fields refuse control characters (core/text.py).
        refuse_control_characters_in_forms()
