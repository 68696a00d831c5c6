"""Anonymous public pages served from the shared cache, invalidated by the writes
themselves.

A transparency portal is read far more than it is written, and read all at once
when a grant is in the news. The page of a view decorated `@public_page` is
kept in the shared cache (Redis, or PostgreSQL without it: every worker sees the
same entries), and `PageCacheMiddleware` answers the next anonymous GET from it
before any session, user or tenant check is looked up. Nothing is ever stale, because every entry's key includes a
*generation* of each schema the page reads (the public schema, and the tenant's
own for a tenant host), and every committed write to a table of a schema
replaces that schema's generation:

- the database wrapper (tenants/postgresql_backend) runs `track_writes` around
  every statement; an INSERT, UPDATE or DELETE of a table marks its schema;
- the mark becomes a new generation when the transaction commits (at once in
  autocommit); a rollback forgets it.

So the ORM, `QuerySet.update()`, bulk writes and raw SQL all invalidate, with no
list of signals to keep in step with the models. Tables whose rows never reach a
public page (sessions, the cache itself, sign-in records: `PAGE_CACHE_IGNORED_TABLES`)
do not count.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import time
import uuid
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

_WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"?(\w+)"?\.)?"?(\w+)"?',
    re.IGNORECASE,
)
PUBLIC = "public"
GENERATION_PREFIX = "pagegen:"
# The kept copies' format is part of their key, so a new release never reads
# an older one's (they expire on their own).
PAGE_PREFIX = "page:2:"
_tables: dict[str, bool] | None = None


def _tenant_tables() -> dict[str, bool]:
    """db_table -> True for tables in each tenant's schema, False for public ones."""
    global _tables
    if _tables is None:
        tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
        _tables = {
            model._meta.db_table: model._meta.app_label in tenant_labels
            for model in apps.get_models(include_auto_created=True)
        }
    return _tables


def written_schema(sql: str, current_schema: str | None) -> str | None:
    """The schema whose pages a statement may change, or None for none."""
    match = _WRITE.match(sql)
    if match is None:
        return None
    schema, table = match.groups()
    if table in settings.PAGE_CACHE_IGNORED_TABLES:
        return None
    if schema:
        return schema
    in_tenant = _tenant_tables().get(table)
    if in_tenant is None:
        return None  # not a table of the project's models (e.g. the task queue)
    return (current_schema or PUBLIC) if in_tenant else PUBLIC


def track_writes(execute, sql, params, many, context):
    """Database execute wrapper: note which schemas a write changed."""
    result = execute(sql, params, many, context)
    if isinstance(sql, str):
        connection = context["connection"]
        schema = written_schema(sql, getattr(connection, "schema_name", None))
        if schema is not None:
            _written(connection, schema)
    return result


def _written(connection, schema: str) -> None:
    if not connection.in_atomic_block:
        bump([schema])
        return
    pending = connection.__dict__.get("page_cache_pending")
    if pending is None:
        pending = connection.__dict__["page_cache_pending"] = set()
        connection.on_commit(lambda: flush_pending(connection))
    pending.add(schema)


def flush_pending(connection) -> None:
    pending = connection.__dict__.pop("page_cache_pending", None)
    if pending:
        bump(pending)


def after_rollback(connection) -> None:
    """The transaction's commit callbacks are gone: so are its marks."""
    connection.__dict__.pop("page_cache_pending", None)


def after_savepoint_rollback(connection) -> None:
    """Callbacks registered inside the savepoint are gone, perhaps the flush:
    register it again (an extra flush finds nothing to do)."""
    if connection.__dict__.get("page_cache_pending") and connection.in_atomic_block:
        connection.on_commit(lambda: flush_pending(connection))


def _new_generation() -> str:
    """A fresh generation, starting with when it began (`generation_started`)."""
    return f"{time.time():.6f}-{uuid.uuid4().hex}"


def generation_started(generation: str) -> datetime.datetime | None:
    """When a generation began: the last committed write to its schema, or the
    moment the cache first lacked it (a safe upper bound). None if unknown."""
    stamp, _, rest = str(generation).partition("-")
    try:
        return datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def bump(schemas) -> None:
    try:
        cache.set_many(
            {GENERATION_PREFIX + s: _new_generation() for s in schemas}, None
        )
    except Exception:  # noqa: BLE001 -- a cache outage must not fail the write
        pass


def _read(schemas, key: str | None = None) -> tuple[tuple[str, ...], object]:
    """(the current generations of `schemas`, the value kept under `key` or
    None), in one round trip to the cache; a schema without a generation yet
    gets one (the first writer of it wins, so every process agrees)."""
    generation_keys = [GENERATION_PREFIX + schema for schema in schemas]
    found = cache.get_many([*generation_keys, key] if key else generation_keys)
    for generation_key in generation_keys:
        if generation_key not in found:
            cache.add(generation_key, _new_generation(), None)
            found[generation_key] = cache.get(generation_key)
    current = tuple(str(found[k]) for k in generation_keys)
    return current, found.get(key) if key else None


def generations(schemas: list[str]) -> list[str]:
    return list(_read(schemas)[0])


# Values kept in this process as well (kept_until_written(in_process=True)):
# key -> (the generations they were computed under, the value).
_in_process: dict[str, tuple[tuple[str, ...], object]] = {}


def kept_until_written(key: str, schemas, compute, timeout: int, *, in_process=False):
    """`compute()`, a value read from the tables of `schemas`, kept in the shared
    cache under their generations like a page: any committed write to one of
    them makes the next call compute it again, so it is never stale. One round
    trip to the cache when kept (the value and the generations together).

    `in_process`: also kept in this process, for a value too large to read from
    the shared cache on every call; a call then reads only the generations, and
    the shared copy after a write (so that one process computes it, not each).

    While this connection holds uncommitted writes to one of the schemas, the
    value is computed and not kept: the transaction must see its own writes,
    which nobody else may see yet. Without the cache, it is computed every time.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    schemas = list(schemas)
    # The wrapper itself (where _written notes them), not django.db.connection's proxy.
    pending = connections[DEFAULT_DB_ALIAS].__dict__.get("page_cache_pending") or ()
    if any(schema in pending for schema in schemas):
        return compute()
    try:
        mine = _in_process.get(key) if in_process else None
        if mine is not None and mine[0] == _read(schemas)[0]:
            return mine[1]
        current, kept = _read(schemas, key)
    except Exception:  # noqa: BLE001 -- a cache outage costs the computation
        return compute()
    if kept is not None and kept[0] == current:
        value = kept[1]
    else:
        # Generations read before computing: a write committed meanwhile leaves
        # this value under the old ones, and the next call computes again.
        value = compute()
        try:
            cache.set(key, (current, value), timeout)
        except Exception:  # noqa: BLE001
            pass
    if in_process:
        _in_process[key] = (current, value)
    return value


def _servable(request) -> bool:
    """An anonymous GET that no inner middleware could answer differently: no
    session (so no user, no messages in it), no message cookie, no credentials."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        # SecurityMiddleware (further in) sends plain HTTP to HTTPS first.
        and (request.is_secure() or not settings.SECURE_SSL_REDIRECT)
        # WhiteNoise (further in) serves these; no page is kept there.
        and not request.path_info.startswith(settings.STATIC_URL)
    )


def _storable(request, response) -> bool:
    user = getattr(request, "user", None)
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (user is not None and user.is_authenticated)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (hasattr(request, "session") and request.session.modified)
        and "private" not in response.get("Cache-Control", "")
    )


# host -> the schemas its pages read, as routing last found them in this process.
# Only a guess that saves routing on a hit: a kept copy names its own schemas and
# counts only if they are these, and any change of a host's tenant is a write to
# the public schema, whose generation every copy carries.
_HOST_SCHEMAS: dict[str, tuple[str, ...]] = {}
_HOST_SCHEMAS_MAX = 10_000


def _schemas_of(request) -> tuple[str, ...]:
    tenant = getattr(request, "tenant", None)
    if tenant is not None and tenant.schema_name != PUBLIC:
        return (PUBLIC, tenant.schema_name)
    return (PUBLIC,)


def _lookup(request, host, schemas) -> tuple[str, tuple[str, ...], tuple | None]:
    """(the page's key, the generations of `schemas`, the kept copy if it was kept
    for those schemas under those generations), in one round trip to the cache.

    The key names the page (host, path, language); the copy carries the schemas
    and generations it was rendered under, and counts only while they are current.
    """
    raw = "|".join(
        [
            request.scheme,
            host,
            request.get_full_path(),
            # What LocaleMiddleware (further in) will choose for a visitor
            # without a session: the language cookie or Accept-Language.
            translation.get_language_from_request(request),
            # CorsMiddleware (further in) answers a cross-origin request with
            # its own headers.
            request.META.get("HTTP_ORIGIN", ""),
        ]
    )
    key = PAGE_PREFIX + hashlib.sha256(raw.encode()).hexdigest()
    current, kept = _read(schemas, key)
    if kept is not None and kept[0] == (tuple(schemas), current):
        return key, current, kept[1:]
    return key, current, None


# name -> function(request) answering None to let the kept page go out, RENDER
# to let the view answer this request itself (it would answer differently: a
# refusal, another format), or a response to send instead (core/api.py's gate
# for the public API: its rate limit and content negotiation).
GATES: dict = {}
RENDER = object()


def register_gate(name: str, check) -> None:
    GATES[name] = check


def public_page(view=None, *, gate: str = ""):
    """This view's page is the same for every anonymous visitor: PageCacheMiddleware
    may keep it and serve it to the next one (see the module). `gate` names a
    check (register_gate) that a kept page must still pass before it is served,
    as the view itself would have made it."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.public_page = gate or True
            return response

        return wrapped

    return decorate if view is None else decorate(view)


def keep_until(response, moment: datetime.datetime | None):
    """A `@public_page` page that also changes with the clock (a count of what
    is overdue) is kept at most until `moment`, when it would read differently
    without any write; None: no such moment ahead."""
    response.public_page_until = moment
    return response


def _seconds_to_keep(response) -> int:
    """How long a page may be kept: PAGE_CACHE_SECONDS, or less until the
    moment its view named (keep_until); 0: not at all."""
    seconds = settings.PAGE_CACHE_SECONDS
    until = getattr(response, "public_page_until", None)
    if until is not None:
        left = (until - datetime.datetime.now(tz=datetime.UTC)).total_seconds()
        seconds = min(seconds, int(left))
    return max(seconds, 0)


class PageCacheMiddleware:
    """Serves a kept page before sessions, users, CSRF and the tenant's own checks
    run, and keeps what a `@public_page` view answered once those have run.

    It stands first, after the health check only: a hit costs one round trip to
    the cache, no tenant lookup (the schemas a host's pages read are remembered
    from routing's last answer in this process, and a kept copy counts only for
    those schemas; the first request for a host in a process is rendered and not
    kept) and none of the other middleware's work. So a page is kept as it left
    all of them, with every header they add (security, CORS, CSP,
    Permissions-Policy, ETag, Vary, Content-Language, X-Frame-Options), and the
    few answers they would make differently are left to them: a plain-HTTP
    request when HTTPS is required (SecurityMiddleware redirects it), static
    files (WhiteNoise), and a cross-origin request, which has its own copy (the
    Origin is part of the key). A matching If-None-Match is answered 304 here,
    as ConditionalGetMiddleware would. Generations are read *before* the view
    runs, so a write that commits while a page renders leaves that page under
    the old ones.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = None
        host = ""
        if _servable(request):
            try:
                host = request.get_host()
                schemas = _HOST_SCHEMAS.get(host)
                if schemas is not None:
                    key, current, hit = _lookup(request, host, schemas)
                else:
                    hit = None
            except Exception:  # noqa: BLE001 -- without the cache, just render
                key = hit = None
            if hit is not None:
                response, gate = hit
                verdict = GATES[gate](request) if gate else None
                if verdict is None:
                    if request.method == "GET" and (
                        "HTTP_IF_NONE_MATCH" in request.META
                        or "HTTP_IF_MODIFIED_SINCE" in request.META
                    ):
                        # As ConditionalGetMiddleware would: 304 to a matching
                        # If-None-Match or If-Modified-Since.
                        modified = response.get("Last-Modified")
                        response = get_conditional_response(
                            request,
                            etag=response.get("ETag"),
                            last_modified=modified and parse_http_date_safe(modified),
                            response=response,
                        )
                    response["X-Page-Cache"] = "hit"
                    return response
                if verdict is not RENDER:
                    return verdict
        response = self.get_response(request)
        if host:
            # What routing found (further in) for the next request to this host.
            found = _schemas_of(request)
            if _HOST_SCHEMAS.get(host) != found:
                if len(_HOST_SCHEMAS) >= _HOST_SCHEMAS_MAX:
                    _HOST_SCHEMAS.clear()
                _HOST_SCHEMAS[host] = found
                key = None  # the generations read were another tenant's: keep nothing
        if key is not None and _storable(request, response):
            seconds = _seconds_to_keep(response)
        else:
            seconds = 0
        if seconds > 0:
            try:
                if not response.has_header("ETag"):  # a HEAD request's answer
                    set_response_etag(response)
                gate = response.public_page
                # A plain response with the content and headers only (none of
                # the attributes the view and middleware hung on this one),
                # kept pickled: a hit unpickles it as it is, with no header
                # checked or encoded again.
                kept = HttpResponse(response.content, headers=dict(response.headers))
                cache.set(
                    key,
                    (
                        (schemas, current),
                        kept,
                        gate if isinstance(gate, str) else "",
                    ),
                    seconds,
                )
            except Exception:  # noqa: BLE001
                pass
            response["X-Page-Cache"] = "miss"
        return response
