import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# runserver and gunicorn (in each worker, or once in the master with --preload)
# import this module once per process: the place to catch a stale template.
from tenants.schema import template_sync_on_startup  # noqa: E402 -- needs setup()

template_sync_on_startup()

# Templates, catalogues and URL resolvers ready before gunicorn forks, so that a
# worker replaced under load starts warm (config/warmup.py).
from config.warmup import warm_up  # noqa: E402

warm_up()

# gunicorn loads this module once and forks its workers from it (preload_app in
# config/gunicorn.py): no worker may inherit the start-up check's connection.
from django.db import connections  # noqa: E402

connections.close_all()
