"""E-mails people can act on (issue 13) — a minimal stand-in on the laksa branch.

The "notify" helper writes the real module (digests, the per-user log, the
worker); this one keeps its signature so Laksa can call it now: one plain
e-mail per recipient after the transaction commits, naming the tenant, saying
what happened in one sentence, with an absolute link to the page on the
tenant's host. The lead takes the real one at merge.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from .hosts import tenant_url


def _address(recipient) -> str:
    return recipient if isinstance(recipient, str) else getattr(recipient, "email", "")


def notify(
    *,
    recipients: Iterable,
    tenant,
    kind: str,
    subject: str,
    sentence: str,
    path: str,
    params: dict | None = None,
    digest: bool = True,
) -> int:
    """Tell `recipients` (users or e-mail addresses) what happened, with a link
    to `path` on the tenant's host; sent when the transaction commits. Returns
    how many messages were queued."""
    addresses = sorted({a for a in map(_address, recipients) if a})
    if not addresses:
        return 0
    params = params or {}
    link = tenant_url(tenant, path)
    body = "\n\n".join(
        [
            str(sentence) % params if params else str(sentence),
            _("Open it here: %(link)s") % {"link": link},
            "— " + tenant.name,
        ]
    )
    line = " ".join(
        f"[{tenant.name}] {str(subject) % params if params else subject}".split()
    )

    def send():
        for address in addresses:
            send_mail(line, body, None, [address])

    transaction.on_commit(send, robust=True)
    return len(addresses)
