"""Tracking codes and per-sender limits for what the public sends in.

Shared by every app that takes submissions from people without an account
(Sabilulungan's citizen reports, Laksa's aspirations and complaints): the
code a citizen keeps to follow their submission, and the limit on how many
one sender may send, counted in the database so it holds across processes
(DESIGN invariant 10).

    code = tracking.code_new()
    tracking.code_normalise(" abcd-efgh 23 ")   # → "ABCDEFGH23" or ""
    fingerprint = tracking.client_fingerprint(ip, purpose="laksa.item")
    tracking.sender_lock(LOCK, fingerprint)     # inside the transaction
    tracking.rate_check(queryset, limit=5, message=...)
"""

from __future__ import annotations

import ipaddress

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

# No 0/O or 1/I, so a code read out over the phone survives.
# 32 symbols ** 10 = 2**50 codes; guessing one is hopeless.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 10
# The code of the ValidationError a sender over their limit gets (views answer 429).
RATE_LIMITED = "rate_limited"


def code_new(length: int = LENGTH) -> str:
    return get_random_string(length, ALPHABET)


def code_normalise(value, length: int = LENGTH) -> str:
    """What a person types ('abcd-efgh 23') → the stored form, or '' when it cannot be one."""
    if not isinstance(value, str):
        return ""
    code = "".join(value.split()).replace("-", "").upper()
    if len(code) != length or any(c not in ALPHABET for c in code):
        return ""
    return code


def code_display(code: str) -> str:
    """ABCDE-FGH23: easier to read out and copy."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if code else ""


def lookup(queryset, value, *, field: str = "tracking_code"):
    """The row whose code is `value` as a person typed it, or None."""
    code = code_normalise(value)
    if not code:
        return None
    return queryset.filter(**{field: code}).first()


def save_with_new_code(obj, *, field: str = "tracking_code", tries: int = 5):
    """Save `obj` under a fresh code, drawing again on the (unlikely) collision."""
    for _attempt in range(tries):
        setattr(obj, field, code_new())
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            obj.pk = None
        else:
            return obj
    raise RuntimeError(f"no free tracking code after {tries} tries")


# --- a secret only the sender holds (to rate or reopen what they sent) ---------------


def secret_new() -> str:
    return get_random_string(8, ALPHABET)


def secret_digest(code: str, secret: str) -> str:
    """What is stored of the sender's secret (never the secret itself)."""
    return salted_hmac(
        "core.tracking.secret",
        f"{code}:{(secret or '').strip().upper()}",
        algorithm="sha256",
    ).hexdigest()


def secret_matches(code: str, secret, digest: str) -> bool:
    if not isinstance(secret, str) or not digest:
        return False
    return constant_time_compare(secret_digest(code, secret), digest)


# --- limits per sender ---------------------------------------------------------------


def client_ip(request) -> str:
    """The sender's address as allauth sees it for its login limits: behind a load
    balancer, ALLAUTH_TRUSTED_PROXY_COUNT or ALLAUTH_TRUSTED_CLIENT_IP_HEADER say
    which forwarded address to believe; otherwise the connection's own. Empty
    when the forwarded addresses cannot be believed."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return ""


def client_fingerprint(client_ip: str, *, purpose: str) -> str:
    """A keyed hash of the sender's network, for rate limits: never the address itself.

    IPv6 senders count by their /64, which one subscriber usually holds whole
    (they could otherwise take a new address per submission). The key names
    the purpose and the current schema, so fingerprints cannot be matched
    across apps or tenants, and SECRET_KEY, so nobody can reverse them by
    hashing every address.
    """
    try:
        address = ipaddress.ip_address((client_ip or "").strip())
    except ValueError:
        network = "unknown"
    else:
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.version == 6:
            network = str(ipaddress.ip_network(f"{address}/64", strict=False))
        else:
            network = str(address)
    return salted_hmac(
        f"{purpose}.{connection.schema_name}", network, algorithm="sha256"
    ).hexdigest()


def sender_lock(lock_key: int, fingerprint: str) -> None:
    """Serialise one sender's submissions until the transaction ends, so two at
    once cannot both pass the count of rate_check."""
    key = int.from_bytes(bytes.fromhex(fingerprint[:8]), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_key, key])


def rate_check(queryset, *, limit: int, message: str) -> None:
    """Refuse (ValidationError with code RATE_LIMITED) when `queryset` — the
    sender's recent submissions — already holds `limit` rows."""
    if queryset.count() >= limit:
        raise ValidationError(message, code=RATE_LIMITED)


# --- wrong keys ------------------------------------------------------------------------
#
# Counted in the shared cache (Redis or the database in production, never one
# process's memory), so guessing a key is as slow on ten workers as on one.
KEY_TRIES = 10
KEY_WINDOW_SECONDS = 3600


def _tries_key(scope: str, code: str) -> str:
    return f"tracking-key-tries:{connection.schema_name}:{scope}:{code}"


def key_tries_exhausted(scope: str, code: str, *, limit: int = KEY_TRIES) -> bool:
    from django.core.cache import cache

    return int(cache.get(_tries_key(scope, code)) or 0) >= limit


def key_try_failed(scope: str, code: str, *, window: int = KEY_WINDOW_SECONDS) -> None:
    from django.core.cache import cache

    key = _tries_key(scope, code)
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, window)
