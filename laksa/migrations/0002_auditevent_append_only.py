from django.db import migrations

import core.db


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_refuse_change_function"),
        ("laksa", "0001_initial"),
    ]
    operations = [core.db.AppendOnly("AuditEvent")]
