from __future__ import annotations

from django.db import transaction

from tenants.hosted import DemoContext, SetupStep, Tile


def roles_held(user_ids) -> dict[int, frozenset[str]]:
    from .models import Keeper

    held: dict[int, set[str]] = {}
    for user_id, role in Keeper.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "role"
    ):
        held.setdefault(user_id, set()).add(role)
    return {user_id: frozenset(roles) for user_id, roles in held.items()}


def roles_store(user_id: int, roles: frozenset[str]) -> None:
    from .models import Keeper

    with transaction.atomic():
        Keeper.objects.filter(user_id=user_id).delete()
        Keeper.objects.bulk_create([Keeper(user_id=user_id, role=r) for r in roles])


def tiles(request) -> list[Tile]:
    from .models import Entry

    return [
        Tile(
            label="Guest book entries",
            url="/buku-tamu/staff/",
            count=Entry.objects.count(),
        ),
        Tile(label="Entries to read", url="/buku-tamu/staff/", count=1, todo=True),
    ]


def setup_steps(request) -> list[SetupStep]:
    from .models import Entry

    return [
        SetupStep(
            key="bukutamu_first",
            label="Write the first guest book entry",
            url="/buku-tamu/staff/",
            done=Entry.objects.exists(),
        )
    ]


def seed_demo(context: DemoContext) -> str:
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant

    from .models import Entry

    made = 0
    for tenant in Tenant.objects.filter(slug="bandung"):
        with tenant_context(tenant):
            _entry, created = Entry.objects.get_or_create(text="Selamat datang")
            made += created
    return f"{made} new guest book entries"


def export(tenant) -> dict:
    from .models import Entry

    return {"entries": list(Entry.objects.values_list("text", flat=True))}
