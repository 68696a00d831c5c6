"""Reads that several views share or that must stay fast."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Invitation, Membership, Tenant


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


def pending_invitations(tenant: Tenant) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        tenant=tenant, status=Invitation.Status.PENDING
    ).select_related("invited_by")


def dashboard_checklist(tenant: Tenant, *, catalog_url: str) -> list[dict]:
    """The getting-started list on a new tenant's dashboard, derived from its state."""
    from django.utils.translation import gettext as _

    counts = Tenant.objects.filter(pk=tenant.pk).aggregate(
        members=Count("memberships", distinct=True),
        invited=Count(
            "invitations",
            filter=Q(invitations__status=Invitation.Status.PENDING),
            distinct=True,
        ),
        # Any request or adoption in progress (catalog.Adoption) counts as a start.
        adoptions=Count(
            "adoptions",
            filter=Q(adoptions__status__in=["requested", "approved", "active"]),
            distinct=True,
        ),
    )
    return [
        {
            "key": "invite",
            "label": _("Invite your staff"),
            "done": counts["members"] > 1 or counts["invited"] > 0,
            "url": "/dashboard/members/invite/",
        },
        {
            "key": "adopt",
            "label": _("Adopt an app from the catalog"),
            "done": counts["adoptions"] > 0,
            "url": catalog_url,
        },
        {
            "key": "profile",
            "label": _("Complete the organisation's profile"),
            "done": not tenant.profile_missing,
            "url": "/dashboard/profile/",
        },
    ]
