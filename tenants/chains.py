"""The kernel's registry of tenant audit chains (anchored, published, verified).

A hosted app whose tenant schema keeps a hash chain (core/chain.py) registers
it here in its AppConfig.ready(); the kernel then anchors every tenant's head
of it into the platform's transparency log (tenants/anchoring.py), sends the
day's head to the tenant's administrators, and verifies it against the
anchors or a saved head — without importing the app.

    register_chain("grants", label=_("Grants and social aid audit"),
                   head=audit.stored_head, records=..., body=audit.body,
                   table=AuditEvent._meta.db_table)

- `head()` → (seq, hash) of the current schema's chain, (0, GENESIS) if empty;
- `records(after_seq)` → the published records after `after_seq`, in order;
- `body(record)` → the canonical text a record's hash covers;
- `table` (optional) → the table with `seq` and `hash` columns, so that the
  heads of many tenants are read in one statement instead of one per tenant;
- `verify` (optional) → `verify(after_seq=, after_hash=, known_heads=)`, a
  faster equivalent of `core.chain.verify(records(after_seq), body=body, …)`
  returning the same ChainReport (e.g. recomputed inside the database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from core.chain import GENESIS, ChainReport


@dataclass(frozen=True)
class Chain:
    key: str
    label: str
    head: Callable[[], tuple[int, str]]
    records: Callable[[int], Iterator[Mapping]]
    body: Callable[[Mapping], str]
    table: str | None = None
    verify: Callable[..., ChainReport] | None = None


_CHAINS: dict[str, Chain] = {}


def register_chain(
    key: str,
    *,
    label,
    head: Callable[[], tuple[int, str]],
    records: Callable[[int], Iterator[Mapping]],
    body: Callable[[Mapping], str],
    table: str | None = None,
    verify: Callable[..., ChainReport] | None = None,
) -> None:
    _CHAINS[key] = Chain(key, label, head, records, body, table, verify)


def chains() -> list[Chain]:
    return [_CHAINS[key] for key in sorted(_CHAINS)]


def chain_keys_registered() -> list[str]:
    """Keys in the order the apps registered them (INSTALLED_APPS order)."""
    return list(_CHAINS)


def chain_get(key: str) -> Chain | None:
    return _CHAINS.get(key)


def empty_head() -> tuple[int, str]:
    return 0, GENESIS
