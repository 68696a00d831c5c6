from django.db import migrations

import core.db


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_refuse_change_function"),
        ("grants", "0004_trigram_search_indexes"),
    ]
    operations = [core.db.AppendOnly("AuditEvent")]
