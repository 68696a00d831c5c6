"""Catalog demo data: Sabilulungan and Kota Tangerang's apps, their adoptions and agreements.

Loaded by `seed_demo`. Repository addresses are demo addresses (bagipakai.test).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test import override_settings

from tenants.models import Membership, Tenant, User

from . import services
from .models import Adoption, AdoptionEvent, Agreement, CatalogApp

JAKARTA = ZoneInfo("Asia/Jakarta")

APPS = [
    {
        "slug": "sabilulungan",
        "publisher": "bandung",
        "name": "Sabilulungan",
        "short_description_id": "Hibah dan bantuan sosial yang akuntabel dan terbuka: setiap proposal, keputusan dan rupiah dapat diawasi publik.",
        "short_description_en": "Accountable grants and social aid in the open: every proposal, decision and rupiah can be watched by the public.",
        "long_description_id": (
            "Sabilulungan (gotong royong) adalah aplikasi Pemerintah Kota Bandung untuk mengelola hibah dan "
            "bantuan sosial dari pengajuan proposal, verifikasi administrasi oleh Tata Usaha, pertimbangan "
            "Tim Pertimbangan, evaluasi OPD, verifikasi TAPD, persetujuan, NPHD, pencairan, sampai laporan "
            "pertanggungjawaban (LPJ). Publik dapat melihat setiap tahap dan mengunduh data terbuka."
        ),
        "long_description_en": (
            "Sabilulungan (mutual cooperation) is Kota Bandung's app for grants and social aid, from the "
            "proposal through administrative checks, the review team, OPD evaluation, TAPD verification, "
            "approval, the NPHD agreement and disbursement to the accountability report (LPJ). The public "
            "can follow every step and download the open data."
        ),
        "features": [
            "Pengajuan proposal hibah dan bansos secara daring",
            "Tahapan verifikasi yang dapat diatur per program",
            "Portal transparansi publik dan data terbuka 360Giving",
            "Jejak audit yang tidak dapat diubah diam-diam",
        ],
        "features_en": [
            "Online grant and social aid proposals",
            "Verification steps set per programme",
            "Public transparency portal and 360Giving open data",
            "An audit trail that cannot be changed quietly",
        ],
        "categories": [
            "grant-management",
            "workflow-management",
            "digital-citizenship",
        ],
        "scope": ["government", "welfare", "local-authorities"],
        "development_status": "stable",
        "software_type": "standalone/web",
        "delivery_mode": "hosted",
        "hosted_module": "grants",
        "license": "AGPL-3.0-or-later",
        "url": "https://code.bagipakai.test/bandung/sabilulungan",
        "documentation_url": "https://code.bagipakai.test/bandung/sabilulungan/wiki",
        "landing_url": "https://sabilulungan.bandung.go.id",
        "platforms": ["web"],
        "languages": ["id", "en"],
        "maintenance_type": "internal",
        "contacts": [
            {
                "name": "Diskominfo Kota Bandung",
                "affiliation": "Pemerintah Kota Bandung",
            }
        ],
        "releases": [
            ("2.0", date(2017, 1, 10), "Versi yang dipakai bersama Kota Tangerang."),
            ("3.4", date(2025, 8, 1), "Tahapan verifikasi dapat diatur per program."),
        ],
    },
    {
        "slug": "e-office",
        "publisher": "tangerang",
        "name": "E-office",
        "short_description_id": "Naskah dinas elektronik: surat masuk, disposisi, dan surat keluar bertanda tangan elektronik.",
        "short_description_en": "Electronic official correspondence: incoming letters, dispositions and e-signed outgoing letters.",
        "long_description_id": "E-office Kota Tangerang menggantikan surat kertas dengan naskah dinas elektronik. Surat masuk dicatat sekali, didisposisikan secara berjenjang dari pimpinan ke staf, dan surat keluar ditandatangani secara elektronik dengan sertifikat BSrE. Semua naskah tersimpan dalam arsip digital yang dapat dicari.",
        "long_description_en": "Kota Tangerang's E-office replaces paper letters with electronic official documents. Incoming letters are registered once, passed down the chain of command as tiered dispositions, and outgoing letters are signed electronically with a BSrE certificate. Every document is kept in a searchable digital archive.",
        "features": [
            "Pencatatan surat masuk dan keluar",
            "Disposisi berjenjang dari pimpinan ke staf",
            "Tanda tangan elektronik tersertifikasi BSrE",
            "Arsip digital yang dapat dicari",
        ],
        "features_en": [
            "Registration of incoming and outgoing letters",
            "Tiered dispositions from heads of office to staff",
            "BSrE-certified electronic signatures",
            "Searchable digital archive",
        ],
        "languages": ["id", "en"],
        "categories": ["document-management", "workflow-management", "e-signature"],
        "scope": ["government", "local-authorities"],
        "development_status": "stable",
        "delivery_mode": "source",
        "license": "LicenseRef-Hibah-Aplikasi-Tangerang",
        "url": "https://code.bagipakai.test/tangerang/e-office",
        "releases": [
            ("4.2", date(2024, 3, 1), "Tanda tangan elektronik tersertifikasi.")
        ],
    },
    {
        "slug": "laksa",
        "publisher": "tangerang",
        "name": "Laksa",
        "short_description_id": "Layanan aspirasi dan pengaduan warga yang dilacak sampai tuntas.",
        "short_description_en": "Citizens' aspirations and complaints, tracked until resolved.",
        "long_description_id": "Laksa (Layanan Aspirasi dan Kotak Saran) menerima aspirasi dan pengaduan warga dari web dan ponsel, meneruskannya ke OPD yang berwenang, dan menampilkan status penanganannya kepada pelapor. Setiap pengaduan punya nomor lacak dan tenggat jawaban, sehingga tidak ada laporan yang terlupakan.",
        "long_description_en": "Laksa takes citizens' aspirations and complaints from the web and phones, routes each one to the office responsible and shows the person who reported it how it is being handled. Every complaint gets a tracking number and a deadline for an answer, so no report is forgotten.",
        "features": [
            "Pengaduan dari web dan aplikasi Android",
            "Penerusan otomatis ke OPD yang berwenang",
            "Nomor lacak dan tenggat jawaban",
            "Statistik penanganan yang terbuka untuk publik",
        ],
        "features_en": [
            "Complaints from the web and an Android app",
            "Automatic routing to the responsible office",
            "Tracking numbers and answer deadlines",
            "Handling statistics open to the public",
        ],
        "languages": ["id", "en"],
        "categories": [
            "customer-service-and-support",
            "feedback-and-reviews-management",
        ],
        "scope": ["government", "society"],
        "development_status": "stable",
        # Runs inside BagiPakai: the tenant that adopts it gets /laksa/.
        "delivery_mode": "hosted",
        "hosted_module": "laksa",
        "license": "LicenseRef-Hibah-Aplikasi-Tangerang",
        "url": "https://code.bagipakai.test/tangerang/laksa",
        "landing_url": "https://laksa.tangerangkota.go.id",
        "platforms": ["web", "android"],
        "releases": [("3.0", date(2023, 6, 12), "")],
    },
    {
        "slug": "siap",
        "publisher": "tangerang",
        "name": "SIAP",
        "short_description_id": "Sistem informasi absensi pegawai dengan lokasi dan swafoto.",
        "short_description_en": "Staff attendance with location and selfie check-in.",
        "long_description_id": "SIAP (Sistem Informasi Absensi Pegawai) mencatat kehadiran aparatur sipil negara melalui ponsel dengan lokasi dan swafoto, memeriksa apakah pegawai berada di kantor atau lokasi dinas, lalu menyajikan rekap bulanan yang dipakai untuk menghitung tunjangan kinerja.",
        "long_description_en": "SIAP (staff attendance information system) records civil servants' attendance from their phones with location and a selfie, checks that they are at the office or on an official assignment, and produces the monthly summary used to calculate performance allowances.",
        "features": [
            "Absen dari ponsel dengan lokasi dan swafoto",
            "Pengecekan lokasi kantor dan tugas luar",
            "Rekap bulanan untuk tunjangan kinerja",
        ],
        "features_en": [
            "Phone check-in with location and a selfie",
            "Checks for office and field-assignment locations",
            "Monthly summaries for performance allowances",
        ],
        "languages": ["id", "en"],
        "categories": ["employee-management", "time-tracking", "hr"],
        "scope": ["government"],
        "development_status": "stable",
        "delivery_mode": "source",
        "license": "LicenseRef-Hibah-Aplikasi-Tangerang",
        "url": "https://code.bagipakai.test/tangerang/siap",
        "platforms": ["web", "android"],
        "releases": [("2.1", date(2022, 11, 20), "")],
    },
    {
        "slug": "ppdb-online",
        "publisher": "tangerang",
        "name": "PPDB Online",
        "short_description_id": "Penerimaan peserta didik baru secara daring dengan zonasi, afirmasi, dan prestasi.",
        "short_description_en": "Online school admissions by zone, affirmation and merit.",
        "long_description_id": "PPDB Online melayani penerimaan peserta didik baru sekolah dasar dan sekolah menengah pertama negeri: pendaftaran oleh orang tua, verifikasi berkas oleh sekolah, seleksi menurut jalur zonasi, afirmasi, prestasi dan mutasi orang tua, serta pengumuman hasil yang dapat diperiksa setiap pendaftar.",
        "long_description_en": "PPDB Online runs the admission of new pupils to state primary and junior secondary schools: registration by parents, document checks by the schools, selection by zone, affirmation, merit and parents' transfer, and results that every applicant can check.",
        "features": [
            "Pendaftaran daring oleh orang tua",
            "Jalur zonasi, afirmasi, prestasi dan mutasi",
            "Verifikasi berkas oleh sekolah",
            "Pengumuman hasil seleksi yang terbuka",
        ],
        "features_en": [
            "Online registration by parents",
            "Zone, affirmation, merit and transfer tracks",
            "Document checks by schools",
            "Open announcement of results",
        ],
        "languages": ["id", "en"],
        "categories": ["applicant-tracking", "data-collection"],
        "scope": ["education", "government"],
        "development_status": "stable",
        "delivery_mode": "source",
        "license": "GPL-3.0-or-later",
        "url": "https://code.bagipakai.test/tangerang/ppdb-online",
        "releases": [("2025.1", date(2025, 5, 2), "Jalur mutasi orang tua.")],
    },
    {
        "slug": "e-plesiran",
        "publisher": "tangerang",
        "name": "E-Plesiran",
        "short_description_id": "Informasi dan pemesanan wisata kota dalam satu aplikasi.",
        "short_description_en": "City tourism information and bookings in one app.",
        "long_description_id": "E-Plesiran memuat destinasi wisata, kuliner dan agenda budaya Kota Tangerang dalam satu aplikasi, lengkap dengan peta dan jam buka. Warga dan wisatawan dapat memesan tiket fasilitas milik pemerintah daerah, seperti taman tematik dan gedung pertunjukan, tanpa antre di loket.",
        "long_description_en": "E-Plesiran brings Kota Tangerang's tourist sights, food and cultural events together in one app, with maps and opening hours. Residents and visitors can book tickets for facilities run by the local government, such as themed parks and performance halls, without queueing at the counter.",
        "features": [
            "Destinasi wisata dan agenda kota",
            "Peta dan jam buka",
            "Pemesanan tiket fasilitas pemerintah daerah",
        ],
        "features_en": [
            "Tourist sights and city events",
            "Maps and opening hours",
            "Tickets for local government facilities",
        ],
        "languages": ["id", "en"],
        "categories": ["online-booking", "event-management"],
        "scope": ["tourism", "culture"],
        "development_status": "beta",
        "delivery_mode": "external",
        "license": "LicenseRef-Hibah-Aplikasi-Tangerang",
        "url": "https://code.bagipakai.test/tangerang/e-plesiran",
        "platforms": ["web", "android", "ios"],
        "releases": [("1.3", date(2024, 9, 9), "")],
    },
    {
        "slug": "sikda",
        "publisher": "tangerang",
        "name": "Sikda",
        "short_description_id": "Sistem informasi kesehatan daerah untuk puskesmas dan dinas kesehatan.",
        "short_description_en": "Regional health information system for community health centres and the health office.",
        "long_description_id": "Sikda (Sistem Informasi Kesehatan Daerah) menghubungkan pendaftaran pasien, rekam medis elektronik, farmasi dan laboratorium di puskesmas, lalu mengirim laporan bulanan ke dinas kesehatan secara otomatis, sehingga petugas tidak lagi menyalin data yang sama ke banyak formulir.",
        "long_description_en": "Sikda (regional health information system) links patient registration, electronic medical records, pharmacy and laboratory in community health centres, and sends the monthly reports to the health office automatically, so staff no longer copy the same data into many forms.",
        "features": [
            "Pendaftaran pasien dan rekam medis elektronik",
            "Farmasi dan laboratorium puskesmas",
            "Laporan bulanan otomatis ke dinas kesehatan",
        ],
        "features_en": [
            "Patient registration and electronic medical records",
            "Health-centre pharmacy and laboratory",
            "Automatic monthly reports to the health office",
        ],
        "languages": ["id", "en"],
        "categories": ["data-collection", "data-analytics"],
        "scope": ["healthcare", "government"],
        "development_status": "stable",
        "delivery_mode": "source",
        "license": "GPL-3.0-or-later",
        "url": "https://code.bagipakai.test/tangerang/sikda",
        "releases": [("5.0", date(2024, 1, 15), "")],
    },
]

# Which partners use which of Tangerang's apps (production unless marked).
TANGERANG_ADOPTIONS = {
    "e-office": [
        "kab-tangerang",
        "tangsel",
        "serang",
        "cilegon",
        "kab-serang",
        "lebak",
        "pandeglang",
        "banten",
        "bekasi",
        "depok",
        "bogor",
        "cimahi",
        "sukabumi",
        "cirebon",
        "semarang",
        "surakarta",
        "yogyakarta",
        "makassar",
        "medan",
        "palembang",
        "padang",
    ],
    "laksa": [
        "kab-tangerang",
        "tangsel",
        "serang",
        "cilegon",
        "bekasi",
        "depok",
        "banjar",
        "tasikmalaya",
        "malang",
        "denpasar",
        "pekanbaru",
        "batam",
    ],
    "siap": [
        "kab-serang",
        "lebak",
        "pandeglang",
        "kab-bogor",
        "kab-bandung",
        "balikpapan",
        "surabaya",
        "medan",
    ],
    "ppdb-online": [
        "tangsel",
        "serang",
        "cilegon",
        "bogor",
        "cimahi",
        "cirebon",
        "surakarta",
        "yogyakarta",
        "malang",
        "pekanbaru",
    ],
    "e-plesiran": ["serang", "banjar", "denpasar", "yogyakarta"],
    "sikda": [
        "kab-tangerang",
        "lebak",
        "kab-bogor",
        "tasikmalaya",
        "palembang",
        "batam",
    ],
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=JAKARTA)


def seed_catalog(*, operator: User) -> dict:
    """Create the demo catalog if missing (idempotent). Returns counts."""
    tenants = {t.slug: t for t in Tenant.objects.exclude(kind=Tenant.Kind.PLATFORM)}
    created = 0
    for spec in APPS:
        spec = dict(spec)
        releases = spec.pop("releases")
        publisher = tenants[spec.pop("publisher")]
        app = CatalogApp.objects.filter(slug=spec["slug"]).first()
        if app is None:
            app = services.app_create(actor=None, publisher=publisher, **spec)
            created += 1
        else:
            # Demo entries follow the demo's text, so an older demo database
            # gets entries written to the publiccode.yml standard too.
            spec.pop("slug")
            app = services.app_update(actor=None, app=app, **spec)
        for version, released_on, notes in releases:
            if not app.releases.filter(version=version).exists():
                services.release_add(
                    actor=None,
                    app=app,
                    version=version,
                    released_on=released_on,
                    notes=notes,
                )

    # The confirmation requests would print a hundred e-mails: keep them in memory.
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ),
        transaction.atomic(),
    ):
        bandung, tangerang = tenants["bandung"], tenants["tangerang"]
        mou = _agreement(
            first=bandung,
            second=tangerang,
            kind=Agreement.Kind.MOU,
            number="119/PKS.01-Bag.Kerjasama/XI/2017",
            title="Nota Kesepahaman penggunaan aplikasi Sabilulungan",
            signed_on=date(2017, 11, 1),
            place="Balai Kota Bandung",
            first_signatory="Wali Kota Bandung",
            second_signatory="Wali Kota Tangerang",
            operator=operator,
        )
        sabilulungan = CatalogApp.objects.get(slug="sabilulungan")
        _adoption(
            app=sabilulungan,
            adopter=tangerang,
            agreement=mou,
            usage=Adoption.Usage.PRODUCTION,
            release=sabilulungan.releases.get(version="2.0"),
            day=date(2017, 11, 1),
            purpose="Pengelolaan hibah dan bansos Kota Tangerang secara terbuka.",
        )
        for app_slug, partners in TANGERANG_ADOPTIONS.items():
            app = CatalogApp.objects.get(slug=app_slug)
            for index, partner_slug in enumerate(partners):
                partner = tenants[partner_slug]
                agreement = _agreement(
                    first=tangerang,
                    second=partner,
                    kind=Agreement.Kind.PKS,
                    number=f"PKS/{partner_slug.upper()}/TNG/2019",
                    title=f"Perjanjian Kerja Sama pemanfaatan aplikasi Kota Tangerang dengan {partner.name}",
                    signed_on=date(2019, 3, 1 + sum(map(ord, partner_slug)) % 27),
                    place="Pusat Pemerintahan Kota Tangerang",
                    first_signatory="Wali Kota Tangerang",
                    second_signatory=f"Kepala Daerah, {partner.name}",
                    operator=operator,
                )
                _adoption(
                    app=app,
                    adopter=partner,
                    agreement=agreement,
                    usage=Adoption.Usage.PILOT
                    if index % 5 == 4
                    else Adoption.Usage.PRODUCTION,
                    release=app.releases.first(),
                    day=agreement.signed_on,
                    purpose=f"Pemanfaatan {app.name} di {partner.name}.",
                )
    services.adopters_recount()
    return {
        "apps": CatalogApp.objects.count(),
        "new_apps": created,
        "adoptions": Adoption.objects.filter(status=Adoption.Status.ACTIVE).count(),
    }


def _admin(tenant):
    """The tenant's first administrator: the person who acts for it in the demo."""
    membership = (
        Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _agreement(
    *,
    first,
    second,
    kind,
    number,
    title,
    signed_on,
    place,
    first_signatory,
    second_signatory,
    operator,
):
    """The first party records the agreement, the second confirms it: both sides
    act through the services, as in real use (demo tenants are verified by
    seed_demo before this runs)."""
    agreement = Agreement.objects.filter(
        first_party=first, second_party=second, number=number
    ).first()
    if agreement is None:
        agreement = services.agreement_create(
            actor=_admin(first),
            tenant=first,
            counterparty=second,
            kind=kind,
            number=number,
            title=title,
            signed_on=signed_on,
            signed_at_place=place,
            valid_from=signed_on,
            valid_until=date(signed_on.year + 10, signed_on.month, signed_on.day),
            first_signatory=first_signatory,
            second_signatory=second_signatory,
        )
    if agreement.awaiting_party_id == second.pk:
        agreement = services.agreement_confirm(
            actor=_admin(second), tenant=second, agreement=agreement
        )
    return agreement


def _adoption(*, app, adopter, agreement, usage, release, day, purpose):
    if Adoption.objects.filter(app=app, adopter=adopter).exists():
        return
    adoption = Adoption.objects.create(
        app=app,
        adopter=adopter,
        status=Adoption.Status.ACTIVE,
        purpose=purpose,
        contact_name=f"Diskominfo {adopter.name}",
        contact_email=f"admin@{adopter.slug}.bagipakai.test",
        agreement=agreement,
        usage=usage,
        release=release,
        requested_at=_at(day),
        updated_at=_at(day),
    )
    steps = [
        ("request", "", "requested"),
        ("approve", "requested", "approved"),
        ("activate", "approved", "active"),
    ]
    for action, before, after in steps:
        acting = app.publisher if action == "approve" else adopter
        AdoptionEvent.objects.create(
            adoption=adoption,
            action=action,
            from_status=before,
            to_status=after,
            actor_tenant_id=acting.pk,
            actor_tenant_name=acting.name,
            actor_name=_user_name(_admin(acting)),
            note="Data demo",
            at=_at(day),
        )


def _user_name(user) -> str:
    return (user.full_name or user.email) if user else ""
