"""Telling people what happened: e-mails they can act on, and a log per user.

Every app sends its notifications through `notify()`: one sentence saying what
happened, a link straight to the page on the right host, in each recipient's
language, from the tenant's name. Users also find each notification in their
log (/dashboard/notifications/ on the tenant's host, or the platform's), read
or unread; members who chose the daily digest get one e-mail a day per tenant
instead of one per notification (`digest_send`, a periodic job).

E-mails go through the task queue (core/mail.py) after the caller's
transaction commits: nothing is sent for work that rolled back, and a mail
server that is down never fails the action.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.i18n import language_or_default

from .hosts import platform_url, tenant_url
from .models import Membership, Notification, Tenant, User

logger = logging.getLogger(__name__)

PLATFORM_NAME = "BagiPakai"
LOG_PATH = "/dashboard/notifications/"
SUBJECT_MAX = 300
URL_MAX = 600

__all__ = [
    "Address",
    "Notification",
    "digest_send",
    "notification_mark_read",
    "notifications_for",
    "notifications_mark_all_read",
    "membership_set_email_delivery",
    "notify",
    "unread_count",
]


@dataclass(frozen=True)
class Address:
    """The e-mail address of someone without an account, with the language they
    were using when they left it (`active_language()` at that moment, stored
    beside the address). notify() writes to them in it; an empty or unknown
    language means settings.LANGUAGE_CODE, as does a bare string."""

    email: str
    language: str = ""


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
    """Tell people that something happened, by e-mail and in their notification log.

    recipients: User objects, user ids, or the addresses of people without an
    account (e.g. a citizen who left an address): an `Address` carrying the
    language they used, or a bare string (the default language); tenant: the
    Tenant the thing belongs to, or None for the platform; subject/sentence:
    (lazy) translatable strings with %(name)s placeholders filled from params,
    rendered in EACH recipient's language (User.language, or the Address's;
    else settings.LANGUAGE_CODE); path: the page on the tenant's host (or platform
    host when tenant is None) — the e-mail links to the absolute URL on the
    tenant's PRIMARY domain with the right scheme/port; digest: False for
    things that must go at once (applicants, citizens); True lets staff who
    chose the daily digest get it in the digest.

    Records one Notification row per user recipient (in the caller's
    transaction); the e-mails are queued once it commits. Inactive users and
    malformed addresses are left out. Returns how many messages were queued
    or logged for the digest.
    """
    users, addresses = _resolve(recipients)
    if not users and not addresses:
        return 0
    if tenant is not None and tenant.is_platform:
        tenant = None
    if tenant is not None:
        # The primary domain, read once for every recipient.
        tenant = Tenant.all_objects.prefetch_related("domains").get(pk=tenant.pk)
    url = absolute_url(tenant, path)
    by_digest = _digest_users(tenant, users) if digest and tenant is not None else set()
    now = timezone.now()
    rows: list[Notification] = []
    messages: list[EmailMultiAlternatives] = []
    for user in users:
        language = user_language(user)
        text_subject = _render(subject, params, language)
        text_sentence = _render(sentence, params, language)
        in_digest = user.pk in by_digest
        rows.append(
            Notification(
                user=user,
                tenant=tenant,
                kind=kind[:60],
                subject=text_subject[:SUBJECT_MAX],
                sentence=text_sentence,
                url=url[:URL_MAX],
                created_at=now,
                in_digest=in_digest,
                emailed_at=None if in_digest else now,
            )
        )
        if not in_digest:
            messages.append(
                _message(
                    tenant,
                    to=user.email,
                    language=language,
                    subject=text_subject,
                    sentence=text_sentence,
                    url=url,
                    member=True,
                )
            )
    for address in addresses:
        language = address.language
        messages.append(
            _message(
                tenant,
                to=address.email,
                language=language,
                subject=_render(subject, params, language),
                sentence=_render(sentence, params, language),
                url=url,
                member=False,
            )
        )
    Notification.objects.bulk_create(rows)
    if messages:
        # robust: a mail backend that fails must not fail the committed action.
        transaction.on_commit(_sender(messages), robust=True)
    return len(users) + len(addresses)


def absolute_url(tenant: Tenant | None, path: str) -> str:
    """`path` on the tenant's primary domain (the platform's for None)."""
    if not path.startswith("/"):
        path = "/" + path
    return platform_url(path) if tenant is None else tenant_url(tenant, path)


def user_language(user) -> str:
    return language_or_default(getattr(user, "language", ""))


def sender_name(tenant: Tenant | None) -> str:
    return _one_line(tenant.name) if tenant is not None else PLATFORM_NAME


def sender_address(tenant: Tenant | None) -> str:
    """The tenant's name with the platform's address (DEFAULT_FROM_EMAIL)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((sender_name(tenant), address))


def _resolve(recipients) -> tuple[list[User], list[Address]]:
    """Active users (each once) and the plain addresses that are not theirs,
    each once (the first mention's language) with a language the site speaks."""
    if isinstance(recipients, (str, int, User, Address)):
        recipients = [recipients]
    users: dict[int, User] = {}
    ids: set[int] = set()
    addresses: dict[str, Address] = {}
    for recipient in recipients or ():
        if isinstance(recipient, User):
            users[recipient.pk] = recipient
        elif isinstance(recipient, int) and not isinstance(recipient, bool):
            ids.add(recipient)
        elif isinstance(recipient, (str, Address)):
            if isinstance(recipient, str):
                recipient = Address(recipient)
            email = str(recipient.email).strip()
            try:
                validate_email(email)
            except ValidationError:
                logger.warning("notification to a malformed address left out")
                continue
            addresses.setdefault(
                email.lower(), Address(email, language_or_default(recipient.language))
            )
    missing = ids - users.keys()
    if missing:
        users.update({user.pk: user for user in User.objects.filter(pk__in=missing)})
    active = sorted(
        (user for user in users.values() if user.is_active and user.email),
        key=lambda user: user.pk,
    )
    taken = {user.email.lower() for user in active}
    return active, [a for key, a in sorted(addresses.items()) if key not in taken]


def _digest_users(tenant: Tenant, users: Iterable[User]) -> set[int]:
    return set(
        Membership.objects.filter(
            tenant=tenant,
            user_id__in=[user.pk for user in users],
            email_delivery=Membership.Delivery.DIGEST,
        ).values_list("user_id", flat=True)
    )


def _render(text, params: dict | None, language: str) -> str:
    """A (lazy) translatable string in `language`, its placeholders filled.

    A translation whose placeholders do not match the source's falls back to
    the source text rather than failing the action that sent it."""
    try:
        return _fill(text, params, language)
    except (KeyError, ValueError, TypeError):
        logger.error(
            "translation of %r into %s does not fit its params", text, language
        )
        return _fill(text, params, None)


def _fill(text, params: dict | None, language: str | None) -> str:
    with translation.override(language):
        rendered = str(text)
        if params:
            rendered = rendered % {
                key: str(value) if isinstance(value, Promise) else value
                for key, value in params.items()
            }
    return rendered


def _one_line(text: str) -> str:
    # A header cannot carry a line break, whatever the names contain.
    return " ".join(str(text).split())


def _message(
    tenant: Tenant | None,
    *,
    to: str,
    language: str,
    subject: str,
    sentence: str,
    url: str,
    member: bool,
) -> EmailMultiAlternatives:
    context = {
        "sender": sender_name(tenant),
        "sentence": sentence,
        "url": url,
        "log_url": absolute_url(tenant, LOG_PATH) if member else "",
        "on_platform": tenant is None,
    }
    return _compose(
        tenant,
        to=to,
        language=language,
        subject=subject,
        template="tenants/email/notification",
        context=context,
    )


def _compose(
    tenant: Tenant | None,
    *,
    to: str,
    language: str,
    subject: str,
    template: str,
    context: dict,
) -> EmailMultiAlternatives:
    with translation.override(language):
        context = {**context, "language": language}
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=_one_line(f"[{sender_name(tenant)}] {subject}")[:SUBJECT_MAX],
        body=text,
        from_email=sender_address(tenant),
        to=[to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


def _sender(messages: list[EmailMultiAlternatives]):
    def send_notifications() -> None:
        """Hand the messages to the mail backend (the task queue in production)."""
        get_connection(fail_silently=False).send_messages(messages)

    return send_notifications


# --- the log ------------------------------------------------------------------------


def _scope(tenant: Tenant | None) -> Tenant | None:
    return None if tenant is None or tenant.is_platform else tenant


def notifications_for(user, tenant: Tenant | None):
    """The user's notifications in `tenant` (None: the platform), unread first,
    newest first."""
    from django.db.models import BooleanField, ExpressionWrapper, Q

    return (
        Notification.objects.filter(user=user, tenant=_scope(tenant))
        .annotate(
            unread=ExpressionWrapper(
                Q(read_at__isnull=True), output_field=BooleanField()
            )
        )
        .order_by("-unread", "-created_at", "-pk")
    )


def unread_count(user, tenant: Tenant | None) -> int:
    """How many of the user's notifications in `tenant` (None: platform) are unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(
        user=user, tenant=_scope(tenant), read_at__isnull=True
    ).count()


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    if notification.user_id != actor.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, actor, tenant: Tenant | None) -> int:
    return Notification.objects.filter(
        user=actor, tenant=_scope(tenant), read_at__isnull=True
    ).update(read_at=timezone.now())


def membership_set_email_delivery(
    *, actor, membership: Membership, delivery: str
) -> Membership:
    """A member chooses how their notifications from this tenant reach them."""
    if membership.user_id != actor.pk:
        raise PermissionDenied(_("Members choose this for themselves."))
    if delivery not in Membership.Delivery.values:
        raise ValidationError({"email_delivery": [_("Choose one of the options.")]})
    Membership.objects.filter(pk=membership.pk).update(email_delivery=delivery)
    membership.email_delivery = delivery
    return membership


# --- the daily digest ------------------------------------------------------------


def digest_send(now=None) -> int:
    """One e-mail per user and tenant listing the notifications that waited for
    the digest (the periodic job `notifications_digest`). Returns how many
    e-mails were queued."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        in_digest=True, emailed_at__isnull=True, created_at__lte=now
    )
    groups = list(due.values_list("user_id", "tenant_id").distinct().order_by())
    sent = 0
    for user_id, tenant_id in groups:
        with transaction.atomic():
            rows = list(
                due.filter(user_id=user_id, tenant_id=tenant_id)
                .select_for_update(skip_locked=True)
                .order_by("created_at", "pk")
            )
            if not rows:
                continue
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                emailed_at=now
            )
            user = User.objects.get(pk=user_id)
            tenant = (
                Tenant.all_objects.prefetch_related("domains").get(pk=tenant_id)
                if tenant_id
                else None
            )
            if not user.is_active or (tenant is not None and tenant.is_deleted):
                continue
            message = _digest_message(user, tenant, rows)
            transaction.on_commit(_sender([message]), robust=True)
            sent += 1
    return sent


def _digest_message(user, tenant, rows) -> EmailMultiAlternatives:
    language = user_language(user)
    with translation.override(language):
        subject = translation.ngettext(
            "Your daily summary: %(n)d notification",
            "Your daily summary: %(n)d notifications",
            len(rows),
        ) % {"n": len(rows)}
    return _compose(
        tenant,
        to=user.email,
        language=language,
        subject=subject,
        template="tenants/email/notification_digest",
        context={
            "sender": sender_name(tenant),
            "notifications": rows,
            "log_url": absolute_url(tenant, LOG_PATH),
        },
    )


def digest_job() -> int:
    """The worker's entry point (core/jobs.py; registered in tenants.apps)."""
    return digest_send()
