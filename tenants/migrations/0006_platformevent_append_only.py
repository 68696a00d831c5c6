from django.db import migrations

import core.db


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_refuse_change_function"),
        ("tenants", "0005_platform_event"),
    ]
    operations = [core.db.AppendOnly("PlatformEvent")]
