"""Verifying an imported tenant's audit chains against the source platform's anchors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from django.db import connection

from core import chain as chainlib

from ..chains import chains
from ..models import PlatformEvent, Tenant
from .encoding import ArchiveError


def _log_anchors(log_files: Iterable) -> tuple[dict[tuple[int, str], list], int]:
    """Anchors published in the source platform's log.json pages, checked.

    The pages' entries must chain (each hash recomputed, each entry following
    the previous one) and each anchoring batch must match the digest its entry
    published. Returns {(tenant id, slug): [anchor, …]} and the log's head seq.
    """
    from ..transparency import body as log_body

    records: dict[int, dict] = {}
    anchors: dict[int, list] = {}
    for log_file in log_files:
        try:
            page = json.loads(Path(log_file).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ArchiveError(f"{log_file} is not a readable log.json page.") from exc
        pages = page if isinstance(page, list) else [page]
        for one in pages:
            if not isinstance(one, dict) or not isinstance(one.get("records"), list):
                raise ArchiveError(
                    f"{log_file} is not a transparency log page (log.json)."
                )
            for record in one["records"]:
                records[record["seq"]] = record
            for seq, rows in (one.get("anchors") or {}).items():
                anchors[int(seq)] = rows
    if not records:
        raise ArchiveError("The log given has no entries.")
    ordered = [records[seq] for seq in sorted(records)]
    report = chainlib.verify(
        ordered,
        body=log_body,
        start_seq=ordered[0]["seq"],
        start_prev=ordered[0].get("prev_hash", ""),
    )
    if not report.ok:
        raise ArchiveError(
            f"The source platform's log does not verify at entry {report.first_broken_seq}: "
            f"{report.reason}."
        )
    found: dict[tuple[int, str], list] = {}
    for seq, rows in anchors.items():
        record = records.get(seq)
        if record is None or record.get("kind") != PlatformEvent.Kind.CHAIN_ANCHORED:
            raise ArchiveError(
                f"The log lists anchors for entry {seq}, which is not an anchoring entry."
            )
        ordered_rows = sorted(rows, key=lambda a: (a["tenant"]["id"], a["chain"]))
        if chainlib.sha256_hex(chainlib.canonical(ordered_rows)) != record[
            "details"
        ].get("digest"):
            raise ArchiveError(
                f"The anchors of log entry {seq} do not match the digest it published."
            )
        for anchor in rows:
            key = (anchor["tenant"]["id"], anchor["tenant"]["slug"])
            found.setdefault(key, []).append(anchor | {"batch_seq": seq})
    return found, report.head_seq


def _verify_chains(
    manifest, tenant: Tenant, *, log_anchors, saved_heads: list[tuple[str, int, str]]
) -> tuple[dict, list]:
    """The restored tenant's chains recomputed; anchors and saved heads must match."""
    source = manifest["tenant"]
    checked = []
    heads = {}
    connection.set_tenant(tenant)
    try:
        for chain in chains():
            archived = (manifest.get("chains") or {}).get(chain.key)
            known: dict[int, str] = {}
            if log_anchors is not None:
                for anchor in log_anchors.get((source["id"], source["slug"]), []):
                    if anchor["chain"] == chain.key:
                        known[anchor["seq"]] = anchor["hash"]
            for key, seq, hash_ in saved_heads:
                if key == chain.key:
                    known[seq] = hash_
            if chain.verify is not None:
                # The app's faster equivalent (e.g. recomputed inside the
                # database), as the kernel's chain_verify runs it.
                report = chain.verify(
                    after_seq=0, after_hash=chainlib.GENESIS, known_heads=known
                )
            else:
                report = chainlib.verify(
                    chain.records(0), body=chain.body, known_heads=known
                )
            if not report.ok:
                raise ArchiveError(
                    f"The organisation's {chain.key} audit history does not verify at "
                    f"event {report.first_broken_seq}: {report.reason}. Nothing was imported."
                )
            if archived and (report.head_seq, report.head_hash) != (
                archived["seq"],
                archived["hash"],
            ):
                raise ArchiveError(
                    f"The {chain.key} audit history ends at event {report.head_seq}, not "
                    f"at the head the manifest records ({archived['seq']})."
                )
            beyond = [
                seq
                for key, seq, _h in saved_heads
                if key == chain.key and seq > report.head_seq
            ]
            if beyond:
                raise ArchiveError(
                    f"The saved head is event {max(beyond)} of the {chain.key} history, "
                    f"but the archive ends at event {report.head_seq}: events are missing."
                )
            heads[chain.key] = {"seq": report.head_seq, "hash": report.head_hash}
            if known:
                checked.append(chain.key)
    finally:
        connection.set_schema_to_public()
    return heads, checked
