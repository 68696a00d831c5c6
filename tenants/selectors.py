"""Reads that several views share or that must stay fast."""

from __future__ import annotations

import re

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from .models import (
    Invitation,
    Membership,
    PlatformEvent,
    Tenant,
    User,
    VerificationRequest,
)


def platform_stats() -> dict:
    return Tenant.objects.exclude(kind=Tenant.Kind.PLATFORM).aggregate(
        tenants=Count("pk"),
        verified=Count(
            "pk", filter=Q(verification_status=Tenant.Verification.VERIFIED)
        ),
        cities=Count(
            "pk", filter=Q(kind__in=[Tenant.Kind.KOTA, Tenant.Kind.KABUPATEN])
        ),
    )


def clean_param(value, limit: int = 100) -> str:
    """A query-string value made safe for SQL text: a string, no NUL bytes, bounded."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:limit]


def tenant_directory(*, query: str = "") -> QuerySet[Tenant]:
    tenants = Tenant.objects.exclude(kind=Tenant.Kind.PLATFORM).filter(is_active=True)
    query = clean_param(query)
    if query:
        tenants = tenants.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(region_code__startswith=query)
        )
    return tenants.prefetch_related("domains").order_by("name")


def memberships_of(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("tenant")
        .exclude(tenant__kind=Tenant.Kind.PLATFORM)
        .order_by("tenant__name")
    )


def membership_by_slug(user, slug: str) -> Membership | None:
    return memberships_of(user).filter(tenant__slug=slug).first()


def tenant_members(tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def tenant_admins(tenant: Tenant) -> QuerySet[User]:
    """The tenant's administrators who can still sign in: whom to tell of what
    needs the organisation's decision (the one rule for every app's e-mails)."""
    return User.objects.filter(
        memberships__tenant=tenant,
        memberships__role=Membership.Role.ADMIN,
        is_active=True,
    ).order_by("pk")


def pending_invitations(tenant: Tenant) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        tenant=tenant, status=Invitation.Status.PENDING
    ).select_related("invited_by")


def dashboard_checklist(request) -> list[dict]:
    """The getting-started list on a tenant's dashboard (tenants/todos.py
    `setup_groups`: the kernel's steps, the platform services', e.g. the
    catalog's "adopt an app", and those of the hosted apps switched on)."""
    from .todos import setup_groups

    return [
        {
            "key": row["step"].key,
            "label": row["step"].label,
            "done": row["step"].done,
            "skipped": row["skipped"],
            "url": row["step"].url,
        }
        for group in setup_groups(request)
        for row in group["steps"]
    ]


def hosted_tiles(request) -> list[dict]:
    """The dashboard tiles of the hosted apps switched on here."""
    from . import hosted

    rows = []
    for app in hosted.enabled_apps(request):
        if app.tiles is None:
            continue
        # To-do tiles are on the to-do list (tenants/todos.py).
        tiles = [t for t in app.tiles(request) if not t.todo]
        if tiles:
            rows.append({"app": app, "tiles": tiles})
    return rows


# --- the verification desk (platform operators) ---------------------------------

# Words every government's name shares; left out when looking for similar names.
_NAME_COMMON_WORDS = frozenset(
    {
        "pemerintah",
        "pemerintahan",
        "kota",
        "kabupaten",
        "kab",
        "provinsi",
        "prov",
        "pemkot",
        "pemkab",
        "pemprov",
        "daerah",
        "administrasi",
    }
)


def pending_verification_count() -> int:
    return VerificationRequest.objects.filter(
        status=VerificationRequest.Status.PENDING, tenant__deleted_at__isnull=True
    ).count()


def _first_admin_email():
    return Subquery(
        Membership.objects.filter(tenant=OuterRef("tenant"), role=Membership.Role.ADMIN)
        .order_by("created_at", "pk")
        .values("user__email")[:1]
    )


def verification_queue() -> QuerySet[VerificationRequest]:
    """Pending requests, oldest first, with what the queue shows of each in one query."""
    return (
        VerificationRequest.objects.filter(
            status=VerificationRequest.Status.PENDING, tenant__deleted_at__isnull=True
        )
        .select_related("tenant")
        .annotate(first_admin_email=_first_admin_email())
        .order_by("created_at", "pk")
    )


def verification_request_for_desk(request_id: int) -> VerificationRequest | None:
    return (
        VerificationRequest.objects.filter(pk=request_id)
        .select_related("tenant")
        .annotate(first_admin_email=_first_admin_email())
        .first()
    )


def distinctive_name(name: str) -> str:
    """The part of a government's name that tells it apart ("Bandung")."""
    words = [w for w in re.split(r"[\s.,]+", (name or "").lower()) if w]
    kept = [w for w in words if w not in _NAME_COMMON_WORDS]
    return " ".join(kept or words)


def register_evidence(tenant: Tenant) -> dict:
    """The entry of the Kemendagri register the tenant's region code names
    (tenants.register), and whether its name and kind agree with it.

    For an institution the code names the region it sits in: only a
    government's name and level must match the entry.
    """
    from . import register

    code = tenant.region_code or tenant.seat_region_code
    region = register.region(code) if code else None
    official = register.official_name(region) if region is not None else ""
    government = tenant.kind in {
        Tenant.Kind.KOTA,
        Tenant.Kind.KABUPATEN,
        Tenant.Kind.PROVINSI,
    }
    return {
        "region": region,
        "official_name": official,
        "government": government,
        "name_matches": bool(official)
        and distinctive_name(official) == distinctive_name(tenant.name),
        "level_matches": region is not None and region.level == tenant.kind,
    }


def tenant_conflicts(tenant: Tenant, *, limit: int = 10) -> dict:
    """Other organisations of the same region (a government's code, or an
    institution seated there) or with a similar name."""
    others = Tenant.objects.exclude(pk=tenant.pk).exclude(kind=Tenant.Kind.PLATFORM)
    code = tenant.region_code or tenant.seat_region_code
    same_code = (
        list(
            others.filter(Q(region_code=code) | Q(seat_region_code=code)).order_by(
                "name"
            )[:limit]
        )
        if code
        else []
    )
    core = distinctive_name(tenant.name)
    similar = []
    if core:
        similar = list(
            others.filter(name__trigram_word_similar=core)
            .annotate(similarity=TrigramWordSimilarity(core, "name"))
            .order_by("-similarity", "name")[:limit]
        )
    return {"same_code": same_code, "similar_name": similar}


def email_domain_evidence(email: str | None, tenant: Tenant) -> dict:
    """What the first administrator's e-mail domain says about the tenant.

    Indonesian government addresses end in .go.id (bandung.go.id,
    jabarprov.go.id); a domain that names the tenant's distinctive name
    (e.g. "bandung" for Kota Bandung) looks like that region's own.
    """
    domain = (email or "").rpartition("@")[2].lower()
    government = domain == "go.id" or domain.endswith(".go.id")
    core = distinctive_name(tenant.name).replace(" ", "")
    labels = domain.removesuffix(".go.id").split(".") if government else []
    matches = bool(core) and any(
        core in label.replace("-", "") or label.replace("-", "") in core
        for label in labels
        if len(label) >= 4
    )
    return {
        "email": email or "",
        "domain": domain,
        "government": government,
        "matches_region": matches,
    }


def verification_history(tenant: Tenant) -> dict:
    """Every request of the tenant and every operator decision about it, newest first."""
    return {
        "requests": list(
            VerificationRequest.objects.filter(tenant=tenant).order_by(
                "-created_at", "-pk"
            )
        ),
        "events": list(
            PlatformEvent.objects.filter(tenant_id=tenant.pk)
            .exclude(kind=PlatformEvent.Kind.CHAIN_ANCHORED)
            .order_by("-seq")[:50]
        ),
    }


def tenant_verification_requests(tenant: Tenant) -> QuerySet[VerificationRequest]:
    return VerificationRequest.objects.filter(tenant=tenant).order_by(
        "-created_at", "-pk"
    )


def verification_pending(tenant: Tenant) -> bool:
    return VerificationRequest.objects.filter(
        tenant=tenant, status=VerificationRequest.Status.PENDING
    ).exists()


def tenant_verified_event(tenant: Tenant) -> PlatformEvent | None:
    """The log entry of the tenant's current verification (for its public page).

    Asked whatever the tenant's status, so the page costs the same query either way.
    """
    event = (
        PlatformEvent.objects.filter(
            tenant_id=tenant.pk, kind=PlatformEvent.Kind.TENANT_VERIFIED
        )
        .order_by("-seq")
        .first()
    )
    return event if tenant.is_verified else None
