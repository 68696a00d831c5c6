#!/bin/sh
# Container entrypoint. `web` (the default command) serves the site; anything
# else runs as given, e.g. `docker compose run --rm web python manage.py seed_demo`.
set -eu

if [ "${1:-}" = "web" ]; then
    shift
    # Handy for a single instance (compose). With several replicas, run
    # `python manage.py migrate` once as a release step instead.
    if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
        python manage.py migrate --noinput
    fi
    # exec: gunicorn becomes PID 1 and receives SIGTERM for a graceful stop.
    exec gunicorn -c config/gunicorn.py config.wsgi:application "$@"
fi

exec "$@"
