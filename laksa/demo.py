"""Laksa demo data: Kota Tangerang and the partner institutions that run Laksa,
with OPDs, categories, one official per role and items in every state, in
Indonesian. Idempotent: a tenant that already has OPDs is left as it is."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants import hosted, places, register
from tenants.models import Membership, Tenant, User

from . import roles as laksa_roles
from . import services
from .models import Item, Opd

OPDS = (
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Lingkungan Hidup",
    "Dinas Perhubungan",
    "Dinas Kesehatan",
    "Dinas Kependudukan dan Pencatatan Sipil",
)
# (category, OPD index or None for routing by hand, days, hours)
CATEGORIES = (
    ("Jalan dan drainase", 0, 3, 0),
    ("Sampah dan kebersihan", 1, 2, 0),
    ("Lampu jalan dan lalu lintas", 2, 2, 0),
    ("Layanan kesehatan", 3, 1, 12),
    ("Administrasi kependudukan", 4, 5, 0),
    ("Lainnya", None, 0, 12),
)
# (category index, kind, text, publish, final state, answer)
ITEMS = (
    (
        0,
        "complaint",
        "Jalan di depan SDN 3 berlubang besar dan tergenang saat hujan, sudah dua minggu.",
        True,
        "closed",
        "Lubang sudah ditambal dengan aspal oleh tim UPT Jalan pada hari Kamis.",
    ),
    (
        1,
        "complaint",
        "Sampah di TPS dekat pasar tidak diangkut sejak Senin, baunya sampai ke rumah warga.",
        True,
        "answered",
        "Truk pengangkut sudah dijadwalkan ulang; TPS dibersihkan pagi ini.",
    ),
    (
        2,
        "complaint",
        "Lampu penerangan jalan di gang masjid mati tiga tiang berturut-turut.",
        True,
        "routed",
        "",
    ),
    (
        3,
        "aspiration",
        "Mohon jadwal posyandu lansia ditambah pada hari Sabtu agar anak-anak bisa mengantar.",
        True,
        "answered",
        "Usulan diterima; mulai bulan depan posyandu lansia juga buka Sabtu pertama.",
    ),
    (
        4,
        "complaint",
        "Antrean cetak KTP elektronik di kecamatan penuh, blanko katanya habis.",
        False,
        "escalated",
        "",
    ),
    (
        5,
        "aspiration",
        "Usul ada taman bermain anak di lahan kosong milik pemkot dekat perumahan.",
        True,
        "received",
        "",
    ),
    (
        0,
        "complaint",
        "Saluran air tersumbat sehingga jalan banjir setiap hujan deras.",
        True,
        "reopened",
        "Saluran sudah dibersihkan.",
    ),
    (
        2,
        "aspiration",
        "Perlu zebra cross dan rambu sekolah di depan SMP Negeri.",
        True,
        "closed",
        "Rambu dan marka penyeberangan sudah dipasang minggu lalu.",
    ),
    (
        5,
        "complaint",
        "Iklan berulang yang sama dikirim tiga kali.",
        False,
        "dismissed",
        "Pesan ganda; sudah ditangani pada nomor yang lain.",
    ),
    (
        1,
        "aspiration",
        "Mohon disediakan tempat sampah terpilah di taman kota.",
        True,
        "routed",
        "",
    ),
)
# Tangerang gets every item; each partner the first few.
PARTNER_ITEMS = 6


def _person(tenant: Tenant, local: str, title: str, password_hash: str) -> User:
    from allauth.account.models import EmailAddress

    email = f"{local}@{tenant.slug}.bagipakai.test"
    user, _ = User.objects.get_or_create(
        email=email,
        defaults={"password": password_hash, "full_name": f"{title} {tenant.name}"},
    )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    Membership.objects.get_or_create(
        user=user, tenant=tenant, defaults={"role": Membership.Role.STAFF}
    )
    return user


def _place(index: int) -> dict:
    districts = places.districts(places.home_region())
    district = districts[index % len(districts)]
    villages = register.children(district.code)
    village = villages[index % len(villages)]
    return {"kecamatan_code": district.code, "kelurahan_code": village.code}


def seed_tenant(tenant: Tenant, *, password_hash: str, items: int) -> int:
    admin = (
        Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if admin is None:
        return 0
    router = _person(tenant, "router", "Admin Laksa", password_hash)
    supervisor = _person(tenant, "supervisor", "Inspektorat", password_hash)
    officer = _person(tenant, "opd-pupr", "Petugas PUPR", password_hash)
    officers2 = _person(tenant, "opd-dlh", "Petugas DLH", password_hash)
    with tenant_context(tenant):
        if Opd.objects.exists():
            return 0
        with transaction.atomic():
            opds = [
                services.opd_save(tenant=tenant, actor_user=admin.user, name=name)
                for name in OPDS
            ]
            categories = [
                services.category_save(
                    tenant=tenant,
                    actor_user=admin.user,
                    name=name,
                    opd_id=opds[opd].pk if opd is not None else None,
                    sla_days=days,
                    sla_hours=hours,
                )
                for name, opd, days, hours in CATEGORIES
            ]
            laksa_roles.roles_store(router.pk, frozenset({laksa_roles.ROUTER}))
            laksa_roles.roles_store(supervisor.pk, frozenset({laksa_roles.SUPERVISOR}))
            laksa_roles.roles_store(
                officer.pk, frozenset({laksa_roles.opd_role(opds[0].pk)})
            )
            laksa_roles.roles_store(
                officers2.pk,
                frozenset({laksa_roles.opd_role(o.pk) for o in opds[1:]}),
            )
            people = {"router": router, "supervisor": supervisor}
            made = 0
            for index, (category, kind, text, publish, final, answer) in enumerate(
                ITEMS[:items]
            ):
                _seed_item(
                    tenant,
                    index=index,
                    category=categories[category],
                    kind=kind,
                    text=text,
                    publish=publish,
                    final=final,
                    answer=answer,
                    people=people,
                    officers={
                        opds[0].pk: officer,
                        **{o.pk: officers2 for o in opds[1:]},
                    },
                    other_opd=opds[0],
                )
                made += 1
    return made


def _seed_item(
    tenant,
    *,
    index,
    category,
    kind,
    text,
    publish,
    final,
    answer,
    people,
    officers,
    other_opd,
):
    now = timezone.now()
    item, secret = services.item_submit(
        kind=kind,
        category_id=category.pk,
        description=text,
        publish=publish,
        anonymous=index % 3 == 0,
        reporter_name="" if index % 3 == 0 else f"Warga {index + 1}",
        reporter_email=""
        if index % 3 == 0
        else f"warga{index + 1}@{tenant.slug}.warga.test",
        client_ip=f"10.15.{index}.1",
        **_place(index),
    )
    # Received some days ago, so deadlines and answer times look like real ones.
    Item.objects.filter(pk=item.pk).update(
        created_at=now - timedelta(days=index + 1, hours=3 * index)
    )
    item.refresh_from_db()
    if final == "received":
        return item
    if final == "dismissed":
        return services.item_dismiss(
            tenant=tenant, actor_user=people["router"], item=item, note=answer
        )
    if item.status == "received":
        item = services.item_route(
            tenant=tenant, actor_user=people["router"], item=item, opd_id=other_opd.pk
        )
    if final == "escalated":
        Item.objects.filter(pk=item.pk).update(due_at=now - timedelta(hours=2))
        services.items_escalate()
        return item
    if final == "routed":
        return item
    officer = officers[item.opd_id]
    item = services.item_answer(
        tenant=tenant, actor_user=officer, item=item, answer=answer
    )
    if final == "closed":
        return services.item_rate(
            item=item, secret=secret, rating=4 + index % 2, comment="Terima kasih."
        )
    if final == "reopened":
        return services.item_reopen(
            item=item, secret=secret, reason="Setelah hujan kemarin tersumbat lagi."
        )
    return item


def seed_all(context) -> str:
    """Tangerang (the publisher) and every partner where Laksa is switched on."""
    from django.test import override_settings

    from tenants import demo

    made = 0
    specs = [demo.TANGERANG, *demo.PARTNERS]
    tenants = {
        t.slug: t for t in Tenant.objects.filter(slug__in=[s.slug for s in specs])
    }
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        for spec in specs:
            tenant = tenants.get(spec.slug)
            if tenant is None or "laksa" not in hosted.enabled_keys(tenant):
                continue
            items = len(ITEMS) if spec.slug == demo.TANGERANG.slug else PARTNER_ITEMS
            made += seed_tenant(
                tenant, password_hash=context.password_hash, items=items
            )
    return f"{made} new Laksa items"
