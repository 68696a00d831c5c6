"""Chain heads kept outside the database: the saved-head file and the daily e-mail.

A head file is the JSON `{"tenant": SLUG, "chain": KEY, "seq": N, "hash": H}`
(plus where it was anchored): what the daily e-mail attaches, what the public
verify page offers for download, and what `verify_audit_chain --head FILE`
and the verify page accept back.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import chain as chainlib
from core.i18n import language_or_default

from .anchoring import chains_anchor
from .chains import chain_get
from .hosts import platform_url, tenant_url
from .models import ChainAnchor, Membership, Tenant

HEX = set("0123456789abcdef")


def head_document(
    *, tenant_slug: str, chain: str, seq: int, hash: str, batch_seq=None
) -> dict:
    document = {"tenant": tenant_slug, "chain": chain, "seq": seq, "hash": hash}
    if batch_seq is not None:
        document["anchored_in_platform_log_seq"] = batch_seq
    return document


def head_parse(text: str) -> tuple[int, str]:
    """(seq, hash) of a saved head file; ValueError says why it is not one."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return head_clean(data.get("seq"), data.get("hash"))


def head_clean(seq, hash_) -> tuple[int, str]:
    if isinstance(seq, bool) or not isinstance(seq, int | str):
        raise ValueError("seq must be a whole number")
    try:
        seq = int(seq)
    except ValueError as exc:
        raise ValueError("seq must be a whole number") from exc
    if not 1 <= seq <= 2**62:
        raise ValueError("seq must be a whole number from 1")
    if not isinstance(hash_, str):
        raise ValueError("hash must be 64 hexadecimal characters")
    hash_ = hash_.strip().lower()
    if len(hash_) != 64 or not set(hash_) <= HEX:
        raise ValueError("hash must be 64 hexadecimal characters")
    return seq, hash_


def chain_heads_mail(*, now=None) -> int:
    """Anchor, then e-mail each tenant's admins the heads anchored in the last day
    (one message per language its admins read).

    Only chains whose head changed (a new anchor in the last 24 hours) are
    sent. Returns the number of messages queued.
    """
    now = now or timezone.now()
    chains_anchor()
    since = now - timedelta(days=1)
    latest: dict[tuple[int, str], ChainAnchor] = {}
    for anchor in ChainAnchor.objects.filter(at__gt=since).order_by("seq"):
        latest[(anchor.tenant_id, anchor.chain)] = anchor
    by_tenant: dict[int, list[ChainAnchor]] = {}
    for (tenant_id, _key), anchor in sorted(latest.items()):
        by_tenant.setdefault(tenant_id, []).append(anchor)
    sent = 0
    tenants = Tenant.objects.in_bulk(list(by_tenant))
    # tenant -> language -> addresses: each admin reads it in their language.
    admins: dict[int, dict[str, list[str]]] = {}
    for tenant_id, email, language in Membership.objects.filter(
        tenant_id__in=list(by_tenant), role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("tenant_id", "user__email", "user__language"):
        by_language = admins.setdefault(tenant_id, {})
        by_language.setdefault(language_or_default(language), []).append(email)
    for tenant_id, anchors in by_tenant.items():
        tenant = tenants.get(tenant_id)
        if tenant is None:
            continue
        for language, recipients in sorted(admins.get(tenant_id, {}).items()):
            with translation.override(language):
                _send_heads(tenant, anchors, sorted(recipients))
            sent += 1
    return sent


def _send_heads(
    tenant: Tenant, anchors: list[ChainAnchor], recipients: list[str]
) -> None:
    items = []
    message = EmailMessage(to=recipients)
    for anchor in anchors:
        chain = chain_get(anchor.chain)
        document = head_document(
            tenant_slug=tenant.slug,
            chain=anchor.chain,
            seq=anchor.seq,
            hash=anchor.hash,
            batch_seq=anchor.batch_seq,
        )
        items.append(
            {"label": chain.label if chain else anchor.chain, "anchor": anchor}
        )
        message.attach(
            f"head-{tenant.slug}-{anchor.chain}-{anchor.seq}.json",
            chainlib.canonical(document) + "\n",
            "application/json",
        )
    context = {
        "tenant": tenant,
        "items": items,
        "verify_url": tenant_url(tenant, "/verify/"),
        "log_url": platform_url("/transparency/"),
    }
    message.subject = " ".join(
        render_to_string("tenants/email/chain_heads_subject.txt", context).split()
    )
    message.body = render_to_string("tenants/email/chain_heads.txt", context)
    message.send()
