"""Which tenant a request is for, without a database query per request.

django-tenants' TenantMainMiddleware joins Domain and Tenant for every request.
TenantRoutingMiddleware keeps the answer per host in Django's cache instead;
the signal receivers below drop a host's entry whenever a Tenant or Domain row
changes, so a suspended, renamed or deleted tenant is routed afresh on the next
request. Unknown hosts are never cached (random Host headers cannot fill the
cache), and a cache that fails (Redis down) only costs the database query.

SingleTenantMiddleware is the benchmarks' baseline (bench/routing.py): one
tenant for every request, with no lookup and no ``SET search_path`` at all.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
import threading
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from .models import Domain, Tenant

logger = logging.getLogger(__name__)

# Bump when the cached payload changes shape: old entries are then simply missed.
ROUTE_KEY_PREFIX = "bagipakai:route:v2:"
# Entries are valid only under the generation they were read in (tenant_for_host).
GENERATION_KEY = "bagipakai:route-generation"
DEFAULT_TIMEOUT = 300  # seconds


# --- the cache ------------------------------------------------------------------


def _cache():
    return caches[getattr(settings, "TENANT_ROUTING_CACHE", "default")]


def route_key(hostname: str) -> str:
    """The cache key of one host's route (hashed when too long for memcached)."""
    key = ROUTE_KEY_PREFIX + hostname
    if len(key) > 200 or not hostname.isascii() or not hostname.isprintable():
        key = ROUTE_KEY_PREFIX + hashlib.sha256(hostname.encode()).hexdigest()
    return key


@functools.cache
def _field_names() -> tuple[str, ...]:
    # Once per process: every request builds its tenant from these.
    return tuple(field.attname for field in Tenant._meta.concrete_fields)


def _payload(tenant: Tenant) -> dict:
    # Plain values, not a pickled model instance: every hit builds a fresh
    # instance, and nothing the Tenant class holds travels through the cache.
    return {name: getattr(tenant, name) for name in _field_names()}


def _tenant_from_payload(payload) -> Tenant | None:
    names = _field_names()
    if not isinstance(payload, dict) or payload.keys() != set(names):
        return None  # written by another version of the model
    return Tenant.from_db(DEFAULT_DB_ALIAS, names, [payload[name] for name in names])


def _cache_get_many(keys: list[str]) -> dict:
    try:
        return _cache().get_many(keys)
    except Exception:
        logger.warning("tenant route cache unavailable (get)", exc_info=True)
        return {}


def _cache_set(key: str, value) -> None:
    timeout = getattr(settings, "TENANT_ROUTING_CACHE_TIMEOUT", DEFAULT_TIMEOUT)
    try:
        _cache().set(key, value, timeout)
    except Exception:
        logger.warning("tenant route cache unavailable (set)", exc_info=True)


def _generation() -> str | None:
    """The current route generation, created when the cache has none."""
    try:
        cache = _cache()
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        return cache.get(GENERATION_KEY)
    except Exception:
        logger.warning("tenant route cache unavailable (generation)", exc_info=True)
        return None


def tenant_for_host(hostname: str) -> Tenant:
    """The tenant `hostname` routes to: a fresh instance on every call.

    Raises Domain.DoesNotExist for a host no Domain row names (not cached).
    Must run with the connection on the public schema when the cache misses.

    An entry counts only if it carries the current route generation, read (in
    the same round trip) *before* the database: a request that read a row just
    before a change committed may still write its entry after the commit, but
    the commit moved the generation on, so that entry is never used.
    """
    key = route_key(hostname)
    found = _cache_get_many([key, GENERATION_KEY])
    generation = found.get(GENERATION_KEY)
    entry = found.get(key)
    if (
        generation is not None
        and isinstance(entry, dict)
        and entry.get("generation") == generation
    ):
        tenant = _tenant_from_payload(entry.get("tenant"))
        if tenant is not None:
            return tenant
    if generation is None:
        generation = _generation()
    tenant = Domain.objects.select_related("tenant").get(domain=hostname).tenant
    if generation is not None:
        _cache_set(key, {"generation": generation, "tenant": _payload(tenant)})
    return tenant


def routes_forget(hosts) -> None:
    """Drop the cached routes of `hosts` now, and end the route generation at commit.

    Now, so this process's next request reads the database; at commit, because
    a request running meanwhile may cache the value from before the change: a
    new generation makes every entry written under the old one worthless.
    Changes to tenants and domains are rare, so starting every host afresh is
    cheap (one query per host).
    """
    keys = sorted({route_key(host) for host in hosts if host})
    if not keys:
        return
    _forget_keys(keys)
    transaction.on_commit(partial(_forget_keys, keys, new_generation=True), robust=True)


def _forget_keys(keys: list[str], *, new_generation: bool = False) -> None:
    try:
        cache = _cache()
        cache.delete_many(keys)
        if new_generation:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:
        # Nothing better to do: the entries expire after the cache timeout.
        logger.error("could not drop tenant routes %s", keys, exc_info=True)


def tenant_routes_forget(tenant_ids) -> None:
    """Drop the routes of every host of these tenants (after a QuerySet.update())."""
    hosts = Domain.objects.filter(tenant_id__in=list(tenant_ids)).values_list(
        "domain", flat=True
    )
    routes_forget(list(hosts))


# --- invalidation ------------------------------------------------------------------
# Infrastructure, not business rules: whatever saves or deletes a Tenant or a
# Domain (services, the admin, a shell), its hosts are routed afresh.


@receiver(post_save, sender=Tenant, dispatch_uid="tenants.routing.tenant_saved")
def _tenant_saved(sender, instance, created, **kwargs):
    if not created:  # a new tenant has no domains yet
        tenant_routes_forget([instance.pk])


@receiver(pre_delete, sender=Tenant, dispatch_uid="tenants.routing.tenant_deleting")
def _tenant_deleting(sender, instance, **kwargs):
    # The domains go first (cascade), so remember their hosts now.
    instance._routing_hosts = list(
        Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True)
    )


@receiver(post_delete, sender=Tenant, dispatch_uid="tenants.routing.tenant_deleted")
def _tenant_deleted(sender, instance, **kwargs):
    routes_forget(getattr(instance, "_routing_hosts", []))


@receiver(pre_save, sender=Domain, dispatch_uid="tenants.routing.domain_saving")
def _domain_saving(sender, instance, update_fields=None, **kwargs):
    # A renamed domain must stop routing under its old name too.
    instance._routing_old_host = None
    if instance.pk is not None and (update_fields is None or "domain" in update_fields):
        instance._routing_old_host = (
            Domain.objects.filter(pk=instance.pk)
            .values_list("domain", flat=True)
            .first()
        )


@receiver(post_save, sender=Domain, dispatch_uid="tenants.routing.domain_saved")
def _domain_saved(sender, instance, **kwargs):
    routes_forget([instance.domain, getattr(instance, "_routing_old_host", None)])


@receiver(post_delete, sender=Domain, dispatch_uid="tenants.routing.domain_deleted")
def _domain_deleted(sender, instance, **kwargs):
    routes_forget([instance.domain])


# --- middleware ------------------------------------------------------------------


class TenantRoutingMiddleware(TenantMainMiddleware):
    """TenantMainMiddleware with the host → tenant lookup cached (see module doc)."""

    def get_tenant(self, domain_model, hostname):
        return tenant_for_host(hostname)


class SingleTenantMiddleware:
    """Benchmark baseline: every request is for settings.SINGLE_TENANT_SCHEMA.

    The tenant row is read once per process. Connections start with that
    schema on their search_path (config/settings.py puts it in the connection
    options), so django-tenants is told it need not send ``SET search_path``;
    only code that switches schemas, or a rollback, makes it send one.
    Routing is the only thing it leaves out: the rest of the stack is the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.schema_name = settings.SINGLE_TENANT_SCHEMA
        self._tenant: Tenant | None = None
        self._lock = threading.Lock()
        connection_created.connect(
            self._search_path_from_options,
            dispatch_uid="tenants.routing.single_tenant_search_path",
        )

    def _search_path_from_options(self, sender, connection, **kwargs):
        # Runs right after every new connection: its search_path is the one in
        # the options, so if that is what django-tenants would set, say it is set.
        options = connection.settings_dict.get("OPTIONS", {}).get("options", "")
        opened_on = f"-c search_path={self.schema_name},public"
        if connection.schema_name == self.schema_name and opened_on in options:
            wanted = connection._get_cursor_search_paths()
            if wanted == [self.schema_name, get_public_schema_name()]:
                connection.search_path_set_schemas = wanted
                connection.server_search_path = wanted

    def _load(self) -> Tenant:
        with self._lock:
            if self._tenant is None:
                connection.set_schema_to_public()
                self._tenant = Tenant.objects.get(schema_name=self.schema_name)
            return self._tenant

    def __call__(self, request):
        # A copy per request: views may change request.tenant's attributes.
        tenant = copy.copy(self._tenant or self._load())
        tenant.domain_url = TenantMainMiddleware.hostname_from_request(request)
        request.tenant = tenant
        if (
            connection.schema_name != self.schema_name
            or not connection.include_public_schema
            or not isinstance(connection.tenant, Tenant)
        ):
            connection.set_tenant(tenant)
        TenantMainMiddleware.setup_url_routing(request)
        return self.get_response(request)
