"""Telling people what happened, with a link to where they act (minimal version).

PLACEHOLDER for the "notify" helper's module: this keeps exactly the agreed
signature so that the workflow code can call it today. It sends one plain
e-mail per recipient, in the recipient's language, once the transaction
commits, with the absolute link on the tenant's host; it keeps no log and
sends digests immediately. The lead takes the full version at merge.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .hosts import tenant_url

logger = logging.getLogger(__name__)


def _addresses(recipients) -> list[tuple[str, str]]:
    """[(e-mail, language)] for User objects, user ids and e-mail strings."""
    from .models import User

    found: list[tuple[str, str]] = []
    ids = []
    for recipient in recipients:
        if isinstance(recipient, User):
            found.append((recipient.email, recipient.language))
        elif isinstance(recipient, int):
            ids.append(recipient)
        elif isinstance(recipient, str) and "@" in recipient:
            language = (
                User.objects.filter(email__iexact=recipient)
                .values_list("language", flat=True)
                .first()
            )
            found.append((recipient, language or ""))
    found += list(User.objects.filter(pk__in=ids).values_list("email", "language"))
    seen: set[str] = set()
    unique = []
    for email, language in found:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            unique.append((email, language or settings.LANGUAGE_CODE))
    return unique


def notify(
    *,
    recipients,
    tenant,
    kind: str,
    subject,
    sentence,
    path: str,
    params: dict | None = None,
    digest: bool = True,
) -> int:
    """E-mail each recipient `sentence` (with `params`) and the link to `path` on
    the tenant's host, after the current transaction commits; returns how many
    recipients there are. A failed send never fails the action."""
    addresses = _addresses(recipients)
    if not addresses:
        return 0
    params = dict(params or {})
    url = tenant_url(tenant, path)
    tenant_name = tenant.name

    def send():
        for email, language in addresses:
            with translation.override(language):
                values = {key: str(value) for key, value in params.items()}
                subject_text = " ".join((str(subject) % values).split())
                body = "\n\n".join(
                    (
                        str(sentence) % values,
                        _("Open it here: %(url)s") % {"url": url},
                        _("— %(tenant)s on BagiPakai") % {"tenant": tenant_name},
                    )
                )
                try:
                    send_mail(
                        f"[{tenant_name}] {subject_text}",
                        body,
                        None,
                        [email],
                        fail_silently=False,
                    )
                except Exception:  # a failed send never fails the action
                    logger.exception("notification %s to %s failed", kind, email)

    transaction.on_commit(send, robust=True)
    return len(addresses)
