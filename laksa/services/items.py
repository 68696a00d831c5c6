"""The citizen's side: submitting an item, rating it, reopening it."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import deadlines, tracking
from core.i18n import active_language
from core.images import clean_photo
from tenants import places
from tenants.notifications import notify

from .. import audit
from ..models import Category, Item
from ..workflow import CITIZEN, SYSTEM
from .common import DESCRIPTION_MAX, NOTE_MAX, _tenant, _text
from .transitions import _reporter, _step, _tell_opd, _tell_routers

# Per sender (a keyed hash of their network), counted in the database.
ITEMS_PER_HOUR = 5


ITEMS_PER_DAY = 20


SUBMIT_LOCK = 0x1A46


# --- the citizen ------------------------------------------------------------------------


def item_submit(
    *,
    kind: str,
    category_id,
    kecamatan_code: str,
    kelurahan_code: str,
    description: str,
    client_ip: str,
    publish: bool = False,
    anonymous: bool = True,
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    photo=None,
) -> tuple[Item, str]:
    """Receive an aspiration or complaint; returns it and the secret that lets
    the citizen rate or reopen it (shown once, never stored)."""
    tenant = _tenant()
    errors: dict[str, list] = {}
    if kind not in Item.Kind.values:
        errors["kind"] = [_("Choose whether this is a complaint or an aspiration.")]
    category = None
    try:
        category = (
            Category.objects.select_related("opd")
            .filter(pk=int(category_id), active=True)
            .first()
        )
    except (TypeError, ValueError):
        pass
    if category is None:
        errors["category"] = [_("Choose a category from the list.")]
    try:
        place = places.place_fields(
            places.home_region(), kecamatan_code, kelurahan_code
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors.update(exc.message_dict)
        else:
            errors["kecamatan_code"] = exc.messages
        place = {}
    try:
        description = _text(
            description,
            field="description",
            limit=DESCRIPTION_MAX,
            required=_("Write what happened or what you suggest."),
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    contact = {"reporter_name": "", "reporter_email": "", "reporter_phone": ""}
    if not anonymous:
        try:
            contact["reporter_name"] = _text(
                reporter_name, field="reporter_name", limit=200
            )
            contact["reporter_email"] = _text(
                reporter_email, field="reporter_email", limit=200
            )
            contact["reporter_phone"] = _text(
                reporter_phone, field="reporter_phone", limit=30
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if contact["reporter_email"]:
            from django.core.validators import validate_email

            try:
                validate_email(contact["reporter_email"])
            except ValidationError:
                errors["reporter_email"] = [
                    _("Write a valid e-mail address, or leave it empty.")
                ]
        phone = contact["reporter_phone"].replace(" ", "").replace("-", "")
        if phone and not (
            phone.lstrip("+").isdigit() and 8 <= len(phone.lstrip("+")) <= 15
        ):
            errors["reporter_phone"] = [
                _("Write a phone number of 8 to 15 digits, or leave it empty.")
            ]
        if not any(contact.values()):
            errors["reporter_name"] = [
                _("Write your name or a way to reach you, or send it anonymously.")
            ]
    cleaned_photo = None
    if photo:
        try:
            cleaned_photo = clean_photo(photo).as_file()
        except ValidationError as exc:
            errors["photo"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if contact["reporter_email"]:
        # What is sent to the address later reads in the words they wrote in.
        contact["reporter_language"] = active_language()
    fingerprint = tracking.client_fingerprint(client_ip, purpose="laksa.item")
    now = timezone.now()
    secret = tracking.secret_new()
    with transaction.atomic():
        tracking.sender_lock(SUBMIT_LOCK, fingerprint)
        recent = Item.objects.filter(client_fingerprint=fingerprint)
        tracking.rate_check(
            recent.filter(created_at__gte=now - timedelta(hours=1)),
            limit=ITEMS_PER_HOUR,
            message=_(
                "You have sent %(n)d items in the last hour, the most we accept. "
                "Please try again in an hour; what you wrote is still in the form."
            )
            % {"n": ITEMS_PER_HOUR},
        )
        tracking.rate_check(
            recent.filter(created_at__gte=now - timedelta(days=1)),
            limit=ITEMS_PER_DAY,
            message=_(
                "You have sent %(n)d items today, the most we accept. Please try again tomorrow."
            )
            % {"n": ITEMS_PER_DAY},
        )
        item = Item(
            kind=kind,
            category=category,
            description=description,
            publish=bool(publish),
            anonymous=bool(anonymous),
            created_at=now,
            due_at=deadlines.due_at(
                now, days=category.sla_days, hours=category.sla_hours
            ),
            client_fingerprint=fingerprint,
            **place,
            **contact,
        )
        if cleaned_photo is not None:
            item.photo.save(cleaned_photo.name, cleaned_photo, save=False)
        item.secret_digest = "pending"
        tracking.save_with_new_code(item)
        item.secret_digest = tracking.secret_digest(item.tracking_code, secret)
        item.save(update_fields=["secret_digest"])
        audit.append(
            item=item, action="submit", to_status=item.status, actor_role=CITIZEN
        )
        if category.opd_id and category.opd.active:
            _step(
                item, "route_rule", roles={SYSTEM}, actor_role=SYSTEM, opd=category.opd
            )
            _tell_opd(tenant, item)
        else:
            _tell_routers(tenant, item)
        if item.reporter_email:
            notify(
                recipients=_reporter(item),
                tenant=tenant,
                kind="laksa_received",
                subject=gettext_lazy("Laksa: we received %(code)s"),
                sentence=gettext_lazy(
                    "We received your message %(code)s. Follow it, rate the answer or "
                    "reopen it with this link; keep it, it holds your key."
                ),
                path=f"/laksa/track/{item.tracking_code}/?key={secret}",
                params={"code": tracking.code_display(item.tracking_code)},
                digest=False,
            )
    return item, secret


def _check_key(item: Item, secret) -> None:
    """The citizen's key, checked before the change's transaction: a wrong try
    is counted even though the change is refused (and rolled back)."""
    if tracking.key_tries_exhausted("laksa", item.tracking_code):
        raise ValidationError(
            _(
                "Too many wrong keys for this tracking code. Please try again in an "
                "hour with the key you received."
            ),
            code=tracking.RATE_LIMITED,
        )
    if not tracking.secret_matches(item.tracking_code, secret, item.secret_digest):
        tracking.key_try_failed("laksa", item.tracking_code)
        raise PermissionDenied(_("The key does not match this tracking code."))


def _citizen_item(item: Item) -> Item:
    return (
        Item.objects.select_for_update(of=("self",))
        .select_related("opd", "category")
        .get(pk=item.pk)
    )


def item_rate(*, item: Item, secret: str, rating, comment: str = "") -> Item:
    """The citizen rates the answer (1 to 5), which closes the item."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Choose from 1 to 5 stars.")]})
    comment = _text(comment, field="comment", limit=NOTE_MAX)
    _check_key(item, secret)
    with transaction.atomic():
        item = _citizen_item(item)
        _step(
            item,
            "rate",
            roles={CITIZEN},
            actor_role=CITIZEN,
            fields={
                "rating": rating,
                "rating_comment": comment,
                "closed_at": timezone.now(),
            },
            note=_("Rating: %(n)d of 5") % {"n": rating},
        )
    return item


def item_reopen(*, item: Item, secret: str, reason: str) -> Item:
    """The citizen reopens the answered item, once: it goes back to the OPD with a new deadline."""
    reason = _text(
        reason,
        field="reason",
        limit=NOTE_MAX,
        required=_("Say why the answer does not solve it."),
    )
    _check_key(item, secret)
    with transaction.atomic():
        item = _citizen_item(item)
        if item.reopened:
            raise ValidationError(
                _("This item was already reopened once; it cannot be reopened again.")
            )
        now = timezone.now()
        _step(
            item,
            "reopen",
            roles={CITIZEN},
            actor_role=CITIZEN,
            fields={
                "reopened": True,
                "due_at": deadlines.due_at(
                    now, days=item.category.sla_days, hours=item.category.sla_hours
                ),
            },
            private={"reason": reason},
        )
        _tell_opd(_tenant(), item, reopened=True)
    return item
