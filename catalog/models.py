"""The shared app catalog (public schema): apps, releases, adoptions, agreements."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.storage import extension_of, tenant_file_name
from tenants.models import Tenant, User

from .vocabularies import MAINTENANCE_TYPES

# Catalog files are named by records other parties rely on (an adopter's view of
# an app, both parties' agreement), so they sit in the `shared` area of their
# tenant's prefix and stay when that tenant is deleted (core/storage.py).


def _shared_name(tenant: Tenant, area: str, filename: str) -> str:
    return tenant_file_name(
        tenant.schema_name, area, extension_of(filename), shared=True
    )


def logo_path(instance, filename: str) -> str:
    return _shared_name(instance.publisher, "catalog/logos", filename)


def screenshot_path(instance, filename: str) -> str:
    return _shared_name(instance.app.publisher, "catalog/screenshots", filename)


def agreement_document_path(instance, filename: str) -> str:
    """Under the party that recorded it (always the first party)."""
    agreement = getattr(instance, "agreement", instance)
    return _shared_name(agreement.first_party, "catalog/agreements", filename)


class CatalogApp(models.Model):
    """An application one government built and offers to others."""

    class DevelopmentStatus(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        DEVELOPMENT = "development", _("In development")
        BETA = "beta", _("Beta")
        STABLE = "stable", _("Stable")
        OBSOLETE = "obsolete", _("Obsolete")

    class Delivery(models.TextChoices):
        HOSTED = "hosted", _("Hosted on BagiPakai")
        SOURCE = "source", _("Source code handed over")
        EXTERNAL = "external", _("Run by the publisher")

    class Maintenance(models.TextChoices):
        INTERNAL = MAINTENANCE_TYPES[0], _("Maintained by the publisher")
        CONTRACT = MAINTENANCE_TYPES[1], _("Maintained under contract")
        COMMUNITY = MAINTENANCE_TYPES[2], _("Maintained by a community")
        NONE = MAINTENANCE_TYPES[3], _("Not maintained")

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    publisher = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        related_name="published_apps",
        verbose_name=_("publisher"),
    )
    short_description_id = models.CharField(
        _("short description (Indonesian)"), max_length=150
    )
    short_description_en = models.CharField(
        _("short description (English)"), max_length=150, blank=True
    )
    long_description_id = models.TextField(_("description (Indonesian)"), blank=True)
    long_description_en = models.TextField(_("description (English)"), blank=True)
    features = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    features_en = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    categories = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    scope = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    development_status = models.CharField(
        _("development status"), max_length=20, choices=DevelopmentStatus.choices
    )
    software_type = models.CharField(
        _("software type"), max_length=40, default="standalone/web"
    )
    delivery_mode = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices
    )
    hosted_module = models.CharField(
        _("hosted module"),
        max_length=40,
        blank=True,
        help_text=_(
            "For hosted apps: the BagiPakai module that runs it (see catalog/hosted.py)."
        ),
    )
    license = models.CharField(_("licence (SPDX)"), max_length=100)
    url = models.URLField(
        _("source repository"),
        max_length=300,
        unique=True,
        help_text=_("Also identifies the app when a publiccode.yml is imported."),
    )
    documentation_url = models.URLField(_("documentation"), max_length=300, blank=True)
    landing_url = models.URLField(_("website or demo"), max_length=300, blank=True)
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    platforms = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    languages = ArrayField(models.CharField(max_length=35), default=list, blank=True)
    # ISO 3166-1 codes (lower case) of the countries the app is meant for:
    # publiccode.yml's intendedAudience.countries and its country sections
    # (`it:`). Derived from `publiccode` on every save (catalog.services), for
    # the catalog's country filter.
    countries = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, editable=False
    )
    maintenance_type = models.CharField(
        _("maintenance"), max_length=20, choices=Maintenance.choices, default="internal"
    )
    contacts = models.JSONField(
        _("maintenance contacts"),
        default=list,
        blank=True,
        help_text=_("List of {name, email, phone, affiliation}."),
    )
    # publiccode.yml: the whole document as last imported, so every field of the
    # standard survives export even where the catalog has no column for it
    # (dependsOn, fundedBy, country sections, other languages' descriptions…).
    publiccode = models.JSONField(
        _("publiccode.yml document"), default=dict, blank=True
    )
    publiccode_version = models.CharField(
        _("publiccode.yml version"), max_length=10, blank=True
    )
    description_language = models.CharField(
        _("language of the main description"),
        max_length=35,
        default="id",
        help_text=_(
            "The publiccode.yml language whose texts fill the main description "
            "fields (id unless the file has no Indonesian text)."
        ),
    )
    localisation_ready = models.BooleanField(
        _("ready for translation"), null=True, blank=True
    )
    logo_url = models.CharField(
        _("logo (path or web address)"), max_length=500, blank=True
    )
    is_hidden = models.BooleanField(_("hidden by operators"), default=False)
    # Active adoptions by live organisations, kept by catalog.services so the
    # catalog can sort by it from an index ("most adopted").
    active_adopters = models.PositiveIntegerField(default=0, editable=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Kept current by catalog.services; names weigh more than descriptions.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("catalog app")
        verbose_name_plural = _("catalog apps")
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_app_search"),
            GinIndex(fields=["categories"], name="catalog_app_categories"),
            GinIndex(fields=["countries"], name="catalog_app_countries"),
            models.Index(fields=["is_hidden", "name"], name="catalog_app_visible_name"),
            models.Index(fields=["-created_at"], name="catalog_app_newest"),
            models.Index(
                F("active_adopters").desc(),
                "name",
                condition=Q(is_hidden=False),
                name="catalog_app_most_adopted",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["hosted_module"],
                condition=~models.Q(hosted_module=""),
                name="catalog_app_one_entry_per_module",
            ),
        ]

    def __str__(self):
        return self.name

    def _description(self, key: str, own: str, english: str) -> str:
        """The visitor's language if described, else Indonesian, else English, else any."""
        language = (get_language() or "id").split("-")[0]
        if language == "en" and english:
            return english
        if language == self.description_language.split("-")[0] and own:
            return own
        blocks = (self.publiccode or {}).get("description") or {}
        for code, block in blocks.items():
            if code.split("-")[0].lower() == language and isinstance(block, dict):
                if block.get(key):
                    return str(block[key]).strip()
        return own or english

    @property
    def short_description(self) -> str:
        return self._description(
            "shortDescription", self.short_description_id, self.short_description_en
        )

    @property
    def long_description(self) -> str:
        return self._description(
            "longDescription", self.long_description_id, self.long_description_en
        )

    @property
    def visitor_features(self) -> list[str]:
        """The features in the visitor's language, else the main ones."""
        language = (get_language() or "id").split("-")[0]
        if language == "en" and self.features_en:
            return self.features_en
        if language != self.description_language.split("-")[0]:
            blocks = (self.publiccode or {}).get("description") or {}
            for code, block in blocks.items():
                if code.split("-")[0].lower() == language and isinstance(block, dict):
                    if block.get("features"):
                        return [str(item) for item in block["features"]]
        return self.features

    @property
    def screenshot_links(self) -> list[str]:
        """Screenshots of the publiccode.yml given as web addresses and not fetched
        from the repository (shown as links)."""
        fetched = {image.source for image in self.harvested_screenshots}
        links = []
        for block in ((self.publiccode or {}).get("description") or {}).values():
            for item in (block or {}).get("screenshots") or []:
                if isinstance(item, str) and item.startswith(("https://", "http://")):
                    if item not in links and item not in fetched:
                        links.append(item)
        return links

    @property
    def logo_link(self) -> str:
        return (
            self.logo_url if self.logo_url.startswith(("https://", "http://")) else ""
        )

    @cached_property
    def _harvested(self) -> list:
        """Images fetched from the repository (catalog/harvest.py), read once."""
        return list(self.harvested_images.all())

    @property
    def harvested_logo(self):
        """The publiccode.yml logo as fetched from the repository."""
        return next((i for i in self._harvested if i.kind == "logo"), None)

    @property
    def harvested_screenshots(self) -> list:
        return [i for i in self._harvested if i.kind == "screenshot"]

    @property
    def is_hosted(self) -> bool:
        return self.delivery_mode == self.Delivery.HOSTED


class NameWord(models.Model):
    """A word of some app's name, spelt as full-text search stores it.

    The search's typo tolerance looks here for words like each one searched
    (a few thousand rows, with a trigram index) rather than comparing the words
    with every app's name, which cost a word-similarity computation per name
    matched; the words it finds are then looked up in the search index like any
    other (catalog.selectors). Written by catalog.services.remember_name_words
    whenever an app is saved; a word no name has any more finds no app."""

    word = models.TextField(primary_key=True)

    class Meta:
        indexes = [
            GinIndex(
                name="catalog_nameword_trgm",
                fields=["word"],
                opclasses=["gin_trgm_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.word


class Release(models.Model):
    app = models.ForeignKey(
        CatalogApp, on_delete=models.CASCADE, related_name="releases"
    )
    version = models.CharField(_("version"), max_length=40)
    released_on = models.DateField(_("release date"))
    notes = models.TextField(_("release notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-released_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "version"], name="catalog_release_unique"
            ),
        ]

    def __str__(self):
        return f"{self.app} {self.version}"


class Contractor(models.Model):
    """A company that maintains an app under contract (publiccode.yml maintenance.contractors)."""

    app = models.ForeignKey(
        CatalogApp, on_delete=models.CASCADE, related_name="contractors"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    website = models.CharField(_("website"), max_length=500, blank=True)
    until = models.DateField(_("contract ends"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class Screenshot(models.Model):
    app = models.ForeignKey(
        CatalogApp, on_delete=models.CASCADE, related_name="screenshots"
    )
    image = models.ImageField(_("image"), upload_to=screenshot_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.caption or self.image.name


class Agreement(models.Model):
    """A cooperation agreement between two governments (MoU or PKS).

    One agreement may cover several adoptions, e.g. an MoU signed first and
    the apps adopted under it later. It is recorded by one party (always the
    first party) and binds nobody until an administrator of the other party
    confirms it. The row holds the terms in force: the last confirmed version,
    or the first proposal while nothing has been confirmed. Every proposal,
    confirmation, refusal and ending is kept in AgreementEvent; a pending
    amendment's terms live in its proposal event until the other side confirms.
    """

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding (MoU / nota kesepahaman)")
        PKS = "pks", _("Cooperation agreement (PKS / perjanjian kerja sama)")

    class State(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed by both parties")
        DECLINED = "declined", _("Declined by the other party")
        ENDED = "ended", _("Ended")

    # The terms an amendment may change (and each version records).
    TERMS = (
        "kind",
        "number",
        "title",
        "signed_on",
        "signed_at_place",
        "valid_from",
        "valid_until",
        "first_signatory",
        "second_signatory",
    )

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=120)
    title = models.CharField(_("title"), max_length=300)
    first_party = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="agreements_as_first_party"
    )
    second_party = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="agreements_as_second_party"
    )
    signed_on = models.DateField(_("signed on"))
    signed_at_place = models.CharField(_("place of signing"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    first_signatory = models.CharField(
        _("signatory of the first party"),
        max_length=200,
        help_text=_("Name and position."),
    )
    second_signatory = models.CharField(
        _("signatory of the second party"),
        max_length=200,
        help_text=_("Name and position."),
    )
    document = models.FileField(
        _("signed document (PDF)"), upload_to=agreement_document_path, blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.AWAITING
    )
    # The version in force (confirmed), 0 while none has been confirmed.
    version = models.PositiveIntegerField(default=0)
    # The version waiting for `awaiting_party` to confirm it, if any.
    pending_version = models.PositiveIntegerField(null=True, blank=True)
    awaiting_party = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(first_party=models.F("second_party")),
                name="catalog_agreement_two_parties",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="catalog_agreement_valid_period",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["awaiting", "confirmed", "declined", "ended"]
                ),
                name="catalog_agreement_state",
            ),
        ]
        indexes = [
            models.Index(
                fields=["awaiting_party"],
                condition=models.Q(awaiting_party__isnull=False),
                name="catalog_agreement_awaiting",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def involves(self, tenant) -> bool:
        return tenant.pk in (self.first_party_id, self.second_party_id)

    def other_party_id(self, tenant_id: int) -> int:
        return (
            self.second_party_id
            if tenant_id == self.first_party_id
            else self.first_party_id
        )

    @property
    def is_binding(self) -> bool:
        """Both parties confirmed it and nobody recorded its end."""
        return self.state == self.State.CONFIRMED

    @property
    def was_confirmed(self) -> bool:
        """Some version was confirmed by both parties (it may have ended since)."""
        return self.version > 0


class AgreementEvent(models.Model):
    """One step in an agreement's life: a version proposed, confirmed or declined,
    or the agreement ended. Append-only (a database trigger refuses UPDATE and
    DELETE); who acted is kept as a snapshot, so deleting a user or a tenant
    never touches it."""

    class Action(models.TextChoices):
        PROPOSE = "propose", _("Proposed")
        CONFIRM = "confirm", _("Confirmed")
        DECLINE = "decline", _("Declined")
        END = "end", _("Ended")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="events"
    )
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=Action.choices)
    # For a proposal: the version's terms (dates as ISO strings) and its document.
    terms = models.JSONField(default=dict, blank=True)
    # A FileField so that cleanup_uploads (core.files) sees every version's PDF.
    document = models.FileField(
        max_length=300, upload_to=agreement_document_path, blank=True
    )
    reason = models.TextField(blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)
    actor_tenant_id = models.BigIntegerField(null=True, blank=True)
    actor_tenant_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["agreement", "version"], name="catalog_agrevent_ver"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["propose", "confirm", "decline", "end"]),
                name="catalog_agreementevent_action",
            ),
        ]

    def __str__(self):
        return f"{self.action} v{self.version} by {self.actor_name}"


class Adoption(models.Model):
    """One tenant's use of one catalog app, from request to end."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Usage(models.TextChoices):
        PILOT = "pilot", _("Pilot")
        PRODUCTION = "production", _("Production")

    LIVE_STATUSES = (Status.REQUESTED, Status.APPROVED, Status.ACTIVE)

    app = models.ForeignKey(
        CatalogApp, on_delete=models.CASCADE, related_name="adoptions"
    )
    adopter = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="adoptions"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    purpose = models.TextField(_("purpose"))
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    # The language of the person who gave the contact, when they gave it: the
    # contact may have no account, so e-mails to them go out in it
    # (tenants.notifications.Address); blank: the site's default.
    contact_language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adoptions",
    )
    usage = models.CharField(
        _("used as"), max_length=20, choices=Usage.choices, blank=True
    )
    release = models.ForeignKey(
        Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "adopter"],
                condition=models.Q(status__in=["requested", "approved", "active"]),
                name="catalog_adoption_one_live",
            ),
        ]
        indexes = [
            models.Index(fields=["app", "status"], name="catalog_adoption_app_status"),
            models.Index(fields=["adopter", "status"], name="catalog_adoption_adopter"),
        ]

    def __str__(self):
        return f"{self.adopter} → {self.app} ({self.status})"

    @property
    def waits_for_agreement(self) -> bool:
        """Approved under an agreement the other side has not confirmed yet."""
        return (
            self.status == self.Status.APPROVED
            and self.agreement_id is not None
            and not self.agreement.was_confirmed
        )

    @property
    def agreement_ended(self) -> bool:
        """Still live although the agreement it rests on was ended."""
        return (
            self.status in self.LIVE_STATUSES
            and self.agreement_id is not None
            and self.agreement.state == Agreement.State.ENDED
        )

    @property
    def lapses_on(self):
        """The day a live adoption ends because its agreement ended, if it did."""
        if not self.agreement_ended or self.agreement.ended_on is None:
            return None
        from datetime import timedelta

        from django.conf import settings

        return self.agreement.ended_on + timedelta(
            days=settings.AGREEMENT_END_GRACE_DAYS
        )


def _adoption_actions():
    from .workflow import action_choices

    return action_choices()


class AdoptionEvent(models.Model):
    """Who did what to an adoption, and when. Append-only."""

    adoption = models.ForeignKey(
        Adoption, on_delete=models.PROTECT, related_name="events"
    )
    # A step or event of catalog/workflow.py.
    action = models.CharField(max_length=20, choices=_adoption_actions)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    # Snapshots, not foreign keys: deleting a user or a tenant never touches
    # another party's history (the table refuses UPDATE and DELETE anyway).
    actor_id = models.BigIntegerField(null=True, blank=True, db_column="actor_id")
    actor_name = models.CharField(max_length=200, blank=True)
    actor_tenant_id = models.BigIntegerField(
        null=True, blank=True, db_column="actor_tenant_id"
    )
    actor_tenant_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status} by {self.actor_id}"


# Repository links, checks, entry versions and fetched images (catalog/harvest.py).
from .models_harvest import (  # noqa: E402, F401
    CatalogAppVersion,
    HarvestedImage,
    HarvestRun,
    RepositoryLink,
)
