"""Every write of Laksa: keyword-only, atomic, checked against the declared
workflow (laksa/workflow.py) and audited (laksa/audit.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import deadlines, tracking
from core.images import clean_photo
from core.workflow import Transition
from tenants import places
from tenants.models import Membership, Tenant, User
from tenants.notifications import notify

from . import audit
from . import roles as laksa_roles
from .access import LaksaActor, access_settings, laksa_actor
from .models import Category, Item, Opd
from .workflow import (
    ANSWERED,
    CITIZEN,
    CLOSED,
    OPD,
    OPEN_STATES,
    ROUTER,
    SUPERVISOR,
    SYSTEM,
    WORKFLOW,
)

DESCRIPTION_MAX = 3000
ANSWER_MAX = 4000
NOTE_MAX = 1000
# Per sender (a keyed hash of their network), counted in the database.
ITEMS_PER_HOUR = 5
ITEMS_PER_DAY = 20
SUBMIT_LOCK = 0x1A46


def _text(value, *, field: str, limit: int, required: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if "\x00" in value:
        raise ValidationError({field: [_("Remove the invisible control characters.")]})
    if required and not value:
        raise ValidationError({field: [required]})
    if len(value) > limit:
        raise ValidationError(
            {field: [_("Keep it under %(n)d characters.") % {"n": limit}]}
        )
    return value


def _tenant() -> Tenant:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.schema_name == "public":
        raise RuntimeError("Laksa works on a tenant's schema")
    return tenant


# --- settings: OPDs and categories -------------------------------------------------


def opd_save(
    *,
    tenant: Tenant,
    actor_user: User,
    name: str,
    active: bool = True,
    opd: Opd | None = None,
) -> Opd:
    access_settings(laksa_actor(tenant, actor_user))
    name = _text(name, field="name", limit=200, required=_("Write the OPD's name."))
    with transaction.atomic():
        if (
            Opd.objects.filter(name__iexact=name)
            .exclude(pk=getattr(opd, "pk", None))
            .exists()
        ):
            raise ValidationError(
                {"name": [_("There is already an OPD with this name.")]}
            )
        opd = opd or Opd()
        opd.name, opd.active = name, bool(active)
        opd.save()
    return opd


def category_save(
    *,
    tenant: Tenant,
    actor_user: User,
    name: str,
    opd_id: int | None,
    sla_days: int,
    sla_hours: int = 0,
    active: bool = True,
    category: Category | None = None,
) -> Category:
    access_settings(laksa_actor(tenant, actor_user))
    name = _text(
        name, field="name", limit=200, required=_("Write the category's name.")
    )
    try:
        sla_days, sla_hours = int(sla_days or 0), int(sla_hours or 0)
    except (TypeError, ValueError):
        raise ValidationError(
            {"sla_days": [_("Write whole numbers of days and hours.")]}
        ) from None
    if not (0 <= sla_days <= 365 and 0 <= sla_hours <= 23) or not (
        sla_days or sla_hours
    ):
        raise ValidationError(
            {"sla_days": [_("The deadline is 1 hour to 365 days (hours 0 to 23).")]}
        )
    opd = None
    if opd_id:
        opd = Opd.objects.filter(pk=opd_id, active=True).first()
        if opd is None:
            raise ValidationError({"opd": [_("Choose an OPD from the list.")]})
    with transaction.atomic():
        if (
            Category.objects.filter(name__iexact=name)
            .exclude(pk=getattr(category, "pk", None))
            .exists()
        ):
            raise ValidationError(
                {"name": [_("There is already a category with this name.")]}
            )
        category = category or Category()
        category.name, category.opd = name, opd
        category.sla_days, category.sla_hours, category.active = (
            sla_days,
            sla_hours,
            bool(active),
        )
        category.save()
    return category


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
                recipients=[item.reporter_email],
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


# --- staff ----------------------------------------------------------------------------


def _staff_roles(
    tenant: Tenant, actor_user: User, item: Item
) -> tuple[LaksaActor, frozenset[str]]:
    actor = laksa_actor(tenant, actor_user)
    return actor, actor.workflow_roles(item)


def _locked(item: Item) -> Item:
    return (
        Item.objects.select_for_update(of=("self",))
        .select_related("opd", "category")
        .get(pk=item.pk)
    )


def _active_opd(opd_id) -> Opd:
    try:
        opd = Opd.objects.filter(pk=int(opd_id), active=True).first()
    except (TypeError, ValueError):
        opd = None
    if opd is None:
        raise ValidationError({"opd": [_("Choose an OPD from the list.")]})
    return opd


def item_route(
    *,
    tenant: Tenant,
    actor_user: User,
    item: Item,
    opd_id,
    note: str = "",
    action: str = "route",
) -> Item:
    """The router sends a received item to an OPD (or a supervisor, `reassign`,
    sends an escalated one with a new deadline)."""
    if action not in {"route", "reassign"}:
        raise ValueError(action)
    note = _text(note, field="note", limit=NOTE_MAX)
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        opd = _active_opd(opd_id)
        fields = {}
        if action == "reassign":
            now = timezone.now()
            fields["due_at"] = deadlines.due_at(
                now, days=item.category.sla_days, hours=item.category.sla_hours
            )
        _step(
            item,
            action,
            roles=roles,
            actor_role=ROUTER if action == "route" else SUPERVISOR,
            actor_id=actor.user_id,
            opd=opd,
            fields=fields,
            private={"note": note} if note else None,
        )
        _tell_opd(tenant, item)
    return item


def item_return(*, tenant: Tenant, actor_user: User, item: Item, note: str) -> Item:
    """The OPD says the item is not theirs: back to the router."""
    note = _text(
        note, field="note", limit=NOTE_MAX, required=_("Say why it is not your OPD's.")
    )
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        _step(
            item,
            "return",
            roles=roles,
            actor_role=OPD,
            actor_id=actor.user_id,
            opd=None,
            private={"note": note},
        )
        _tell_routers(tenant, item)
    return item


def item_dismiss(*, tenant: Tenant, actor_user: User, item: Item, note: str) -> Item:
    """The router closes spam or a duplicate, saying why in public."""
    note = _text(
        note,
        field="note",
        limit=NOTE_MAX,
        required=_("Say why it is closed; the citizen sees it."),
    )
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        _step(
            item,
            "dismiss",
            roles=roles,
            actor_role=ROUTER,
            actor_id=actor.user_id,
            fields={"closed_at": timezone.now(), "answer": note},
            note=note,
        )
    return item


def item_answer(*, tenant: Tenant, actor_user: User, item: Item, answer: str) -> Item:
    """The OPD answers (in public); the citizen is told."""
    answer = _text(
        answer,
        field="answer",
        limit=ANSWER_MAX,
        required=_("Write the answer; it is public."),
    )
    with transaction.atomic():
        item = _locked(item)
        actor, roles = _staff_roles(tenant, actor_user, item)
        now = timezone.now()
        _step(
            item,
            "answer",
            roles=roles,
            actor_role=OPD,
            actor_id=actor.user_id,
            fields={
                "answer": answer,
                "answered_at": now,
                "answered_by_id": actor.user_id,
                "response_hours": round(
                    (now - item.created_at).total_seconds() / 3600, 2
                ),
            },
        )
        if item.reporter_email:
            notify(
                recipients=[item.reporter_email],
                tenant=tenant,
                kind="laksa_answered",
                subject=gettext_lazy("Laksa: %(code)s was answered"),
                sentence=gettext_lazy(
                    "%(opd)s answered your message %(code)s. Read the answer, then rate it "
                    "or reopen it with the link we sent when you wrote."
                ),
                path=f"/laksa/track/{item.tracking_code}/",
                params={
                    "code": tracking.code_display(item.tracking_code),
                    "opd": item.opd.name,
                },
                digest=False,
            )
    return item


def items_escalate(*, now=None) -> int:
    """Escalate every open item of this schema past its deadline (the supervisors are told)."""
    tenant = _tenant()
    now = now or timezone.now()
    count = 0
    late = deadlines.overdue(
        Item.objects.filter(status__in=WORKFLOW.transition("escalate").sources), now=now
    )
    for pk in late.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            item = _locked(Item(pk=pk))
            if item.status not in WORKFLOW.transition("escalate").sources:
                continue
            _step(
                item,
                "escalate",
                roles={SYSTEM},
                actor_role=SYSTEM,
                fields={"escalated_at": now},
            )
            count += 1
    if count:
        supervisors = _emails(
            laksa_roles.holders(laksa_roles.SUPERVISOR)
        ) or _admin_emails(tenant)
        notify(
            recipients=supervisors,
            tenant=tenant,
            kind="laksa_escalated",
            subject=gettext_lazy("Laksa: %(n)s items passed their deadline"),
            sentence=gettext_lazy(
                "%(n)s items passed their deadline without an answer and were escalated to you."
            ),
            path="/laksa/staff/?queue=escalated",
            params={"n": count},
        )
    return count


def items_escalate_all() -> int:
    """The periodic job: escalate overdue items in every tenant where Laksa is on."""
    from django_tenants.utils import tenant_context

    from tenants import hosted

    total = 0
    for tenant in (
        Tenant.objects.exclude(schema_name="public").filter(is_active=True).iterator()
    ):
        if tenant.is_platform or "laksa" not in hosted.enabled_keys(tenant):
            continue
        with tenant_context(tenant):
            total += items_escalate()
    return total


# --- the one path of every transition ----------------------------------------------------


def _step(
    item: Item,
    key: str,
    *,
    roles,
    actor_role: str,
    actor_id: int | None = None,
    opd=False,
    fields: dict | None = None,
    note: str = "",
    private: dict | None = None,
) -> Transition:
    """Check the declaration, change the item, append the audit event."""
    step = WORKFLOW.require(key, state=item.status, roles=roles)
    before = item.status
    item.status = step.target
    update = ["status"]
    if opd is not False:
        item.opd = opd
        update.append("opd")
        if opd is not None:
            item.routed_at = timezone.now()
            update.append("routed_at")
    for name, value in (fields or {}).items():
        setattr(item, name, value)
        update.append(name)
    if item.status in (CLOSED,) and "closed_at" not in update:
        item.closed_at = timezone.now()
        update.append("closed_at")
    item.save(update_fields=update)
    audit.append(
        item=item,
        action=key,
        from_status=before,
        to_status=item.status,
        actor_role=actor_role,
        actor_id=actor_id,
        note=note or (item.answer if key == "answer" else ""),
        private=private,
    )
    return step


def _emails(user_ids) -> list[str]:
    return list(
        User.objects.filter(pk__in=list(user_ids), is_active=True).values_list(
            "email", flat=True
        )
    )


def _admin_emails(tenant: Tenant) -> list[str]:
    return list(
        Membership.objects.filter(
            tenant=tenant, role=Membership.Role.ADMIN, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def _tell_opd(tenant: Tenant, item: Item, *, reopened: bool = False) -> None:
    if item.opd_id is None:
        return
    recipients = _emails(laksa_roles.holders(laksa_roles.opd_role(item.opd_id)))
    if reopened:
        sentence = gettext_lazy(
            "The citizen reopened %(code)s: the answer did not solve it. Answer by %(due)s."
        )
    else:
        sentence = gettext_lazy(
            "%(code)s (%(category)s) was sent to %(opd)s. Answer by %(due)s."
        )
    notify(
        recipients=recipients,
        tenant=tenant,
        kind="laksa_routed",
        subject=gettext_lazy("Laksa: %(code)s for %(opd)s"),
        sentence=sentence,
        path=f"/laksa/staff/items/{item.pk}/",
        params={
            "code": tracking.code_display(item.tracking_code),
            "category": item.category.name,
            "opd": item.opd.name,
            "due": timezone.localtime(item.due_at).strftime("%d-%m-%Y %H:%M"),
        },
    )


def _tell_routers(tenant: Tenant, item: Item) -> None:
    recipients = _emails(laksa_roles.holders(laksa_roles.ROUTER)) or _admin_emails(
        tenant
    )
    notify(
        recipients=recipients,
        tenant=tenant,
        kind="laksa_to_route",
        subject=gettext_lazy("Laksa: %(code)s waits to be routed"),
        sentence=gettext_lazy("%(code)s (%(category)s) waits to be sent to an OPD."),
        path=f"/laksa/staff/items/{item.pk}/",
        params={
            "code": tracking.code_display(item.tracking_code),
            "category": item.category.name,
        },
    )


__all__ = [
    "ANSWERED",
    "OPEN_STATES",
    "category_save",
    "item_answer",
    "item_dismiss",
    "item_rate",
    "item_reopen",
    "item_return",
    "item_route",
    "item_submit",
    "items_escalate",
    "items_escalate_all",
    "opd_save",
]
