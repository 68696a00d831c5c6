from django.db import migrations

from core.db import CREATE_FUNCTION_SQL, DROP_FUNCTION_SQL


class Migration(migrations.Migration):
    """The trigger function behind core.db.AppendOnly, once in the public schema."""

    initial = True
    dependencies = []
    operations = [migrations.RunSQL(CREATE_FUNCTION_SQL, DROP_FUNCTION_SQL)]
