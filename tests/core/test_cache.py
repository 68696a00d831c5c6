"""core.cache.RedisCache: Django's Redis backend with one client per pool, against
the machine's Redis (#12)."""

from __future__ import annotations

import uuid

import pytest

redis = pytest.importorskip("redis")


@pytest.fixture
def backend():
    from core.cache import RedisCache

    cache = RedisCache(
        "redis://127.0.0.1:6379/12", {"KEY_PREFIX": f"t{uuid.uuid4().hex}"}
    )
    try:
        cache.set("probe", 1)
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (the machine's own)")
    yield cache
    cache.clear()


def test_it_behaves_as_djangos_backend(backend):
    backend.set("a", {"x": 1}, 30)
    backend.set_many({"b": b"bytes", "c": 3})
    assert backend.get_many(["a", "b", "c", "missing"]) == {
        "a": {"x": 1},
        "b": b"bytes",
        "c": 3,
    }
    assert backend.add("a", 2) is False and backend.incr("c") == 4
    backend.delete("a")
    assert backend.get("a") is None


def test_one_client_serves_every_call(backend):
    client = backend._cache.get_client()
    backend.get("a")
    assert backend._cache.get_client(write=True) is client
