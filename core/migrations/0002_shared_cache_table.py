from django.db import migrations

# The table of Django's DatabaseCache (what `createcachetable` makes), used as
# the shared cache of rate-limit counters when REDIS_URL is unset.
CREATE = """
CREATE TABLE IF NOT EXISTS core_cache (
    cache_key varchar(255) NOT NULL PRIMARY KEY,
    value text NOT NULL,
    expires timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS core_cache_expires ON core_cache (expires);
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_refuse_change_function")]
    operations = [migrations.RunSQL(CREATE, "DROP TABLE IF EXISTS core_cache")]
