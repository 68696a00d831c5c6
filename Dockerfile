# syntax=docker/dockerfile:1
# BagiPakai production image.
#   docker build -t bagipakai .
#   docker run -e DATABASE_URL=postgres://... -e SECRET_KEY=... -e BASE_DOMAIN=... -p 8000:8000 bagipakai
# See docs/deploy.md.

# --- builder: runtime dependencies only (never requirements-dev.txt) -----------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The venv lives at the same path in both stages, so its scripts keep working.
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- final image ---------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DEBUG=0 \
    HTTPS=1 \
    PORT=8000 \
    DATA_DIR=/data \
    MEDIA_ROOT=/data/media

# An unprivileged user; the code stays owned by root so the app cannot change it.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
    --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY . .

# collectstatic never touches the database, but settings need a DATABASE_URL
# (without one they would start the embedded PostgreSQL) and a SECRET_KEY.
# Both are dummies that exist only for this command, not in the image.
RUN chmod 0755 docker/entrypoint.sh \
 && DATABASE_URL=postgres://build@localhost/build SECRET_KEY=build-only-not-a-secret \
    python manage.py collectstatic --noinput \
 && mkdir -p /data/media \
 && chown -R app:app /data

USER app
EXPOSE 8000

# No curl in the slim image: ask /healthz with Python. A 503 or a refused
# connection raises, so the exit status is 1 (unhealthy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://localhost:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# `web`: optional migrate (MIGRATE_ON_START=1), then
# gunicorn -c config/gunicorn.py config.wsgi:application. Other commands run as given.
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
