from django.db import migrations

import core.db


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_refuse_change_function"),
        ("grants", "0005_recipient_amendments_duties_audit_v2"),
    ]
    operations = [core.db.AppendOnly("AuditEvent")]
