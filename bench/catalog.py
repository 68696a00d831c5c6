"""Benchmark: the public catalog's pages -- search with facets, browse, detail.

What it measures
----------------
Four requests to the platform host through Django's test client
(``Client(HTTP_HOST="localhost")``, the whole middleware stack, templates
rendered, DEBUG off):

1. **search + facets** -- ``/catalog/?q=...&category=...``, rotating over a few
   queries: Indonesian and English words, a word prefix, and the typo
   ``sabilungan`` that only the trigram match on names finds.
2. **browse + facets** -- ``/catalog/?sort=adopted`` (no query, every facet
   counts the whole catalog, apps ordered by their number of active adopters).
3. **detail** -- ``/catalog/<slug>/``, rotating over apps.
4. **API search** -- ``/api/v1/apps/?q=...&category=...``, the same queries, if
   ``catalog.urls_api`` can be imported (the API may not exist yet).

Every page is timed at two data sizes: first with 10 apps and 200 adoptions,
then again after the catalog has grown to 1,000 apps and 20,000 adoptions.
The script prints p50, p95 (nearest rank) and max milliseconds of N requests
per page and size (after a warm-up; the pages take turns, so that a moment when
the machine is busy slows them all alike -- the load average is printed too,
as timings on a shared machine vary), and the SQL queries one request runs,
counted with ``CaptureQueriesContext`` on every URL of the rotation (a range
when they differ). django-tenants sends a ``SET search_path`` before every
statement (one per cursor); they are counted in the total and shown separately.
Target: p95 under 50 ms, and the same number of queries per page at both sizes.

The data (seeded with ``bulk_create``, reproducible with ``--seed``): 40 city
tenants (rows and ``<slug>.localhost`` domains, no schemas: catalog pages only
read the public schema) and the platform tenant; apps with Indonesian and
English names, descriptions and features built from word lists, publiccode.yml
categories, varied delivery modes, development statuses and licences, one to
four releases each; 20 adopters per app (mostly active, some requested,
approved or ended) and one agreement per publisher-adopter pair. The search
vectors are filled by one SQL UPDATE that mirrors
``catalog.services._refresh_search_vector``; the script checks on a sample that
both give the same vector and fails loudly if they drift apart. Then ANALYZE.

Like bench/provisioning.py it never touches the developer's database: it runs
in a throwaway database ``bagipakai_bench_<pid>`` on the same server (see
bench/_common.py), migrated first and dropped at the end, also on failure.

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/catalog.py                   # 200 requests per page and size
    .venv/bin/python bench/catalog.py --requests 500 --apps 2000

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO_DIR = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where this very file
# would shadow the catalog app: the repository root goes first, bench/ not at all.
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench._common import (  # noqa: E402 -- needs the sys.path above
    install_sigterm_handler,
    nearest_rank,
    point_django_at,
    throwaway_database,
)

TARGET_MS = 50.0
TARGET_LINE = (
    f"target: p95 < {TARGET_MS:.0f} ms on every page, and the same number of "
    "queries per page whatever the data size"
)
SMALL_APPS = 10
ADOPTERS_PER_APP = 20
HOST = "localhost"

# (search words, category filter): each has at least one hit among the first
# SMALL_APPS apps (see CORE_APPS), so both sizes render a non-empty page.
SEARCHES = (
    ("informasi", "document-management"),
    ("sabilungan", "grant-management"),  # typo of Sabilulungan: trigram match
    ("kepegawaian", "hr"),
    ("retribusi", "taxes-management"),
    ("complaints", "customer-service-and-support"),  # English description
    ("perizin", "workflow-management"),  # prefix of perizinan
)


# --- word lists -------------------------------------------------------------------

# (city, province code, Kemendagri region code); slug = city in lower case.
CITIES = (
    ("Bandung", "32", "32.73"),
    ("Bogor", "32", "32.71"),
    ("Sukabumi", "32", "32.72"),
    ("Cirebon", "32", "32.74"),
    ("Bekasi", "32", "32.75"),
    ("Depok", "32", "32.76"),
    ("Cimahi", "32", "32.77"),
    ("Tasikmalaya", "32", "32.78"),
    ("Banjar", "32", "32.79"),
    ("Tangerang", "36", "36.71"),
    ("Cilegon", "36", "36.72"),
    ("Serang", "36", "36.73"),
    ("Tangerang Selatan", "36", "36.74"),
    ("Magelang", "33", "33.71"),
    ("Surakarta", "33", "33.72"),
    ("Salatiga", "33", "33.73"),
    ("Semarang", "33", "33.74"),
    ("Pekalongan", "33", "33.75"),
    ("Tegal", "33", "33.76"),
    ("Yogyakarta", "34", "34.71"),
    ("Kediri", "35", "35.71"),
    ("Blitar", "35", "35.72"),
    ("Malang", "35", "35.73"),
    ("Probolinggo", "35", "35.74"),
    ("Pasuruan", "35", "35.75"),
    ("Mojokerto", "35", "35.76"),
    ("Madiun", "35", "35.77"),
    ("Surabaya", "35", "35.78"),
    ("Batu", "35", "35.79"),
    ("Medan", "12", "12.71"),
    ("Padang", "13", "13.71"),
    ("Pekanbaru", "14", "14.71"),
    ("Palembang", "16", "16.71"),
    ("Bandar Lampung", "18", "18.71"),
    ("Pontianak", "61", "61.71"),
    ("Balikpapan", "64", "64.71"),
    ("Samarinda", "64", "64.72"),
    ("Manado", "71", "71.71"),
    ("Makassar", "73", "73.71"),
    ("Denpasar", "51", "51.71"),
)


@dataclass(frozen=True)
class Topic:
    id: str  # what the app is about, in Indonesian (used in names)
    en: str
    brands: tuple[str, ...]
    categories: tuple[str, ...]  # publiccode.yml categories
    scope: tuple[str, ...]
    what_id: str  # "... untuk <what_id>"
    what_en: str
    features: tuple[str, ...]


TOPICS = (
    Topic(
        "Kepegawaian",
        "civil service staff",
        ("Simpeg", "e-Pegawai", "SIAP ASN"),
        ("hr", "employee-management"),
        ("government",),
        "data pegawai, kenaikan pangkat, cuti dan kinerja ASN",
        "civil servants' records, promotions, leave and performance",
        (
            "Riwayat jabatan dan pangkat pegawai",
            "Pengajuan cuti daring",
            "Penilaian kinerja bulanan",
        ),
    ),
    Topic(
        "Retribusi Daerah",
        "local levies",
        ("e-Retribusi", "SiRetro", "Bayar Retribusi"),
        ("taxes-management", "billing-and-invoicing"),
        ("finance-and-economic-development",),
        "penagihan dan pembayaran retribusi daerah secara nontunai",
        "billing and cashless payment of local levies",
        (
            "Pembayaran lewat QRIS dan virtual account",
            "Karcis retribusi elektronik",
            "Rekap setoran harian",
        ),
    ),
    Topic(
        "Pajak Daerah",
        "local taxes",
        ("e-Pajak", "SiPanda", "Pajak Online"),
        ("taxes-management", "financial-reporting"),
        ("finance-and-economic-development",),
        "pendataan, penetapan dan pembayaran pajak daerah",
        "registering, assessing and collecting local taxes",
        (
            "Pelaporan pajak hotel dan restoran mandiri",
            "SPPT PBB elektronik",
            "Tapping box terhubung",
        ),
    ),
    Topic(
        "Perizinan Berusaha",
        "business licensing",
        ("SiCantik", "e-Perizinan", "Izin Kilat"),
        ("workflow-management", "regulations-and-directives"),
        ("government", "finance-and-economic-development"),
        "pelayanan perizinan berusaha terpadu satu pintu",
        "one-stop business licensing services",
        (
            "Lacak status izin secara daring",
            "Terhubung dengan OSS RBA",
            "Tanda tangan elektronik izin",
        ),
    ),
    Topic(
        "Surat Elektronik",
        "electronic correspondence",
        ("e-Office", "Naskah Dinas", "SiSurat"),
        ("document-management", "e-signature", "workflow-management"),
        ("government",),
        "naskah dinas, disposisi dan surat keluar bertanda tangan elektronik",
        "official letters, dispositions and e-signed outgoing mail",
        (
            "Disposisi berjenjang",
            "Penomoran surat otomatis",
            "Tanda tangan elektronik BSrE",
        ),
    ),
    Topic(
        "Kearsipan",
        "records and archives",
        ("e-Arsip", "SiKadu", "Arsip Digital"),
        ("document-management", "digital-asset-management"),
        ("government", "culture"),
        "pengelolaan arsip dinamis dan statis perangkat daerah",
        "managing the active and historical records of local agencies",
        (
            "Jadwal retensi arsip",
            "Pencarian arsip teks penuh",
            "Alih media arsip kertas",
        ),
    ),
    Topic(
        "Pengaduan Masyarakat",
        "public complaints",
        ("Lapor Warga", "Sapa Warga", "Aduan Kita"),
        ("customer-service-and-support", "feedback-and-reviews-management"),
        ("society", "local-authorities"),
        "pengaduan, aspirasi dan tindak lanjut layanan publik",
        "citizen complaints, suggestions and their follow-up",
        (
            "Aduan lewat WhatsApp dan web",
            "Disposisi aduan ke OPD",
            "Survei kepuasan setelah aduan selesai",
        ),
    ),
    Topic(
        "Hibah dan Bansos",
        "grants and social aid",
        ("Sabilulungan", "e-Hibah", "Bansos Terbuka"),
        ("grant-management", "workflow-management", "digital-citizenship"),
        ("welfare", "government"),
        "hibah dan bantuan sosial dari proposal sampai laporan pertanggungjawaban",
        "grants and social aid from proposal to accountability report",
        (
            "Pengajuan proposal hibah daring",
            "Tahapan verifikasi per program",
            "Portal transparansi publik",
        ),
    ),
    Topic(
        "Aset Daerah",
        "regional assets",
        ("SIMDA BMD", "e-Aset", "Aset Kita"),
        ("inventory-management", "property-management"),
        ("government",),
        "inventarisasi, pemanfaatan dan penghapusan barang milik daerah",
        "inventory, use and disposal of regional property",
        (
            "Label QR untuk setiap barang",
            "Peta aset tanah dan bangunan",
            "Rekonsiliasi dengan neraca",
        ),
    ),
    Topic(
        "Keuangan Daerah",
        "regional finance",
        ("SiKeuda", "e-Budgeting", "Kasda Online"),
        ("accounting", "budgeting", "financial-reporting"),
        ("finance-and-economic-development", "government"),
        "penganggaran, penatausahaan dan pelaporan keuangan daerah",
        "budgeting, bookkeeping and reporting of regional finances",
        (
            "Integrasi dengan SIPD",
            "Laporan realisasi anggaran harian",
            "Pencairan SP2D elektronik",
        ),
    ),
    Topic(
        "Penerimaan Peserta Didik Baru",
        "school admissions",
        ("PPDB Online", "Sekolahku", "Daftar Sekolah"),
        ("applicant-tracking", "educational-content"),
        ("education",),
        "pendaftaran dan seleksi peserta didik baru jenjang SD dan SMP",
        "registering and selecting new primary and junior high pupils",
        (
            "Jalur zonasi, afirmasi dan prestasi",
            "Peta zonasi sekolah",
            "Pengumuman hasil seleksi",
        ),
    ),
    Topic(
        "Layanan Puskesmas",
        "health centre services",
        ("Antrean Sehat", "SiPuskes", "e-Puskesmas"),
        ("appointment-scheduling", "online-booking"),
        ("healthcare",),
        "antrean, rekam medis dan rujukan di puskesmas",
        "queues, medical records and referrals at health centres",
        (
            "Ambil antrean dari rumah",
            "Rekam medis elektronik",
            "Bridging BPJS Kesehatan",
        ),
    ),
    Topic(
        "Kesehatan Ibu dan Anak",
        "maternal and child health",
        ("Posyandu Digital", "SiGizi", "Bunda Sehat"),
        ("data-collection", "data-analytics"),
        ("healthcare", "welfare"),
        "pemantauan gizi balita, imunisasi dan kehamilan",
        "monitoring child nutrition, immunisation and pregnancies",
        (
            "Grafik pertumbuhan balita",
            "Pengingat jadwal imunisasi",
            "Peta sebaran stunting",
        ),
    ),
    Topic(
        "Perpustakaan Digital",
        "digital library",
        ("e-Pustaka", "iPusda", "Baca Yuk"),
        ("integrated-library-system", "content-management"),
        ("education", "culture"),
        "katalog, peminjaman dan koleksi buku elektronik perpustakaan daerah",
        "the catalogue, loans and e-book collection of regional libraries",
        ("Peminjaman buku elektronik", "Katalog daring OPAC", "Kartu anggota digital"),
    ),
    Topic(
        "Kependudukan",
        "civil registration",
        ("Dukcapil Online", "SiAdminduk", "Klik Dukcapil"),
        ("identity-management", "data-collection"),
        ("government", "society"),
        "layanan administrasi kependudukan dan pencatatan sipil",
        "population administration and civil registry services",
        ("Pengajuan akta kelahiran daring", "Cetak dokumen mandiri", "Verifikasi NIK"),
    ),
    Topic(
        "Tata Ruang",
        "spatial planning",
        ("SiTaru", "Peta Ruang", "GeoKota"),
        ("geographic-information-systems", "data-visualization"),
        ("infrastructures", "environment"),
        "informasi rencana tata ruang dan kesesuaian pemanfaatan ruang",
        "spatial plans and checks of land use against them",
        ("Peta zonasi interaktif", "Cek kesesuaian KKPR", "Unduh data geospasial"),
    ),
    Topic(
        "Satu Data",
        "one data",
        ("Satu Data", "Open Data Kota", "Dasbor Pimpinan"),
        ("data-analytics", "data-visualization", "business-intelligence"),
        ("government",),
        "data sektoral, statistik dan dasbor pimpinan daerah",
        "sectoral data, statistics and dashboards for regional leaders",
        (
            "Portal data terbuka CKAN",
            "Dasbor indikator kinerja",
            "Metadata standar SDI",
        ),
    ),
    Topic(
        "Pengadaan Barang dan Jasa",
        "procurement",
        ("e-Katalog Lokal", "SiRUP Daerah", "Toko Daring"),
        ("procurement", "compliance-management"),
        ("government", "finance-and-economic-development"),
        "perencanaan dan pelaksanaan pengadaan barang dan jasa pemerintah",
        "planning and running government procurement",
        ("Katalog elektronik lokal", "Rencana umum pengadaan", "Pemantauan kontrak"),
    ),
    Topic(
        "Absensi Pegawai",
        "staff attendance",
        ("e-Absen", "Presensi Online", "Hadirku"),
        ("time-tracking", "hr"),
        ("government",),
        "presensi pegawai berbasis lokasi dan swafoto",
        "location and selfie based staff attendance",
        (
            "Presensi dari ponsel dengan geofencing",
            "Rekap tunjangan kinerja",
            "Izin dan dinas luar",
        ),
    ),
    Topic(
        "Rapat Daring",
        "online meetings",
        ("Rapat Kita", "Vidcon Pemda", "Temu Daring"),
        ("video-conferencing", "collaboration"),
        ("government",),
        "rapat daring, notulen dan daftar hadir elektronik",
        "online meetings, minutes and electronic attendance lists",
        ("Notulen otomatis", "Daftar hadir dengan tanda tangan", "Rekaman rapat"),
    ),
    Topic(
        "Tanggap Bencana",
        "disaster response",
        ("Siaga Bencana", "InaRisk Kota", "Cepat Tanggap"),
        ("geographic-information-systems", "communications"),
        ("emergency-services", "environment"),
        "peringatan dini, laporan kejadian dan logistik bencana",
        "early warnings, incident reports and disaster logistics",
        (
            "Peta kejadian waktu nyata",
            "Peringatan dini lewat SMS",
            "Gudang logistik bencana",
        ),
    ),
    Topic(
        "Pariwisata",
        "tourism",
        ("Jelajah Kota", "Wisata Kita", "Pesona Daerah"),
        ("marketing", "website-builder", "online-booking"),
        ("tourism", "culture"),
        "promosi destinasi wisata, agenda acara dan pemesanan tiket",
        "promoting destinations, events and ticket booking",
        ("Agenda acara budaya", "Pemesanan tiket wisata", "Peta destinasi"),
    ),
    Topic(
        "Pasar Rakyat",
        "municipal markets",
        ("e-Pasar", "Pasarku", "Sewa Kios"),
        ("e-commerce", "billing-and-invoicing"),
        ("finance-and-economic-development",),
        "sewa kios, retribusi pasar dan harga bahan pokok",
        "stall rental, market fees and staple food prices",
        ("Harga bahan pokok harian", "Sewa kios daring", "Belanja dari pedagang pasar"),
    ),
    Topic(
        "Perparkiran",
        "parking",
        ("e-Parkir", "Parkir Pintar", "SiParkir"),
        ("mobile-payment", "billing-and-invoicing"),
        ("transportation",),
        "parkir tepi jalan nontunai dan pengawasan juru parkir",
        "cashless on-street parking and attendant supervision",
        ("Bayar parkir dengan QRIS", "Pemantauan juru parkir", "Peta kantong parkir"),
    ),
    Topic(
        "Layanan TIK",
        "IT service desk",
        ("Helpdesk TIK", "SiLayan", "Tiket Kominfo"),
        ("help-desk", "it-service-management"),
        ("government", "science-and-technology"),
        "permintaan layanan dan gangguan TIK perangkat daerah",
        "IT service requests and incidents of local agencies",
        ("Tiket gangguan jaringan", "Katalog layanan TIK", "SLA per layanan"),
    ),
    Topic(
        "Website Perangkat Daerah",
        "agency websites",
        ("Web OPD", "Portal Kelurahan", "Situs Desa"),
        ("content-management", "website-builder"),
        ("local-authorities",),
        "situs web seragam untuk dinas, kecamatan dan kelurahan",
        "uniform websites for agencies, districts and villages",
        (
            "Templat seragam sesuai pedoman",
            "Berita dan agenda",
            "Standar aksesibilitas",
        ),
    ),
    Topic(
        "Whistleblowing",
        "whistleblowing",
        ("WBS Daerah", "Lapor Gratifikasi", "Suara Integritas"),
        ("whistleblowing", "compliance-management"),
        ("justice", "government"),
        "pelaporan pelanggaran dan gratifikasi secara rahasia",
        "confidential reporting of misconduct and gratuities",
        (
            "Pelapor anonim",
            "Pelacakan laporan dengan kode unik",
            "Tindak lanjut oleh inspektorat",
        ),
    ),
)
QUALIFIERS = ("Terpadu", "Online", "Mobile", "Digital", "Cerdas", "2.0", "Plus")
LOCAL_WORDS = (
    "Sabilulungan",
    "Gotong Royong",
    "Sigap",
    "Mantap",
    "Bersinar",
    "Jaga Kota",
    "Sahabat",
)
DEPARTMENTS = (
    "Dinas Komunikasi dan Informatika",
    "Badan Kepegawaian dan Pengembangan SDM",
    "Badan Pendapatan Daerah",
    "Badan Perencanaan Pembangunan Daerah",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Badan Pengelolaan Keuangan dan Aset Daerah",
)
INTEGRATIONS = (
    "SIPD Kemendagri",
    "SIASN BKN",
    "Dukcapil",
    "SRIKANDI ANRI",
    "BSrE",
    "SPSE LKPP",
    "QRIS",
    "Satu Data Indonesia",
    "OSS RBA",
    "BPJS Kesehatan",
)
GENERIC_FEATURES = (
    "Masuk dengan akun SSO pemerintah daerah",
    "Laporan dapat diunduh ke Excel dan PDF",
    "Notifikasi lewat WhatsApp dan surel",
    "API terbuka untuk integrasi",
    "Aplikasi Android untuk petugas lapangan",
    "Dasbor pimpinan",
    "Jejak audit setiap perubahan data",
)
STATUSES = (
    ("stable", 50),
    ("beta", 20),
    ("development", 15),
    ("concept", 5),
    ("obsolete", 10),
)
LICENCES = (
    ("AGPL-3.0-or-later", 25),
    ("GPL-3.0-or-later", 20),
    ("MIT", 20),
    ("Apache-2.0", 15),
    ("EUPL-1.2", 5),
    ("BSD-3-Clause", 5),
    ("LicenseRef-Hibah-Aplikasi", 10),
)
ADOPTION_STATUSES = (("active", 75), ("requested", 10), ("approved", 5), ("ended", 10))
# The first SMALL_APPS apps: (topic, name pattern) so that every SEARCHES entry matches.
CORE_APPS = (
    ("Hibah dan Bansos", "brand0"),  # Sabilulungan, the one hosted app (module grants)
    ("Kearsipan", "sistem"),  # Sistem Informasi Kearsipan
    ("Kepegawaian", "sistem"),
    ("Retribusi Daerah", "e"),  # e-Retribusi
    ("Pengaduan Masyarakat", "brand"),
    ("Perizinan Berusaha", "aplikasi"),
    ("Surat Elektronik", "brand"),
    ("Absensi Pegawai", "brand"),
    ("Satu Data", "portal"),
    ("Layanan Puskesmas", "brand"),
)
NAME_PATTERNS = (
    "sistem",
    "aplikasi",
    "brand",
    "brand",
    "brand-city",
    "portal",
    "e",
    "local",
    "english",
)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _slugify(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:50].strip("-")


def _moment(rng: random.Random, start_year: int, end: date) -> datetime:
    start = date(start_year, 1, 1)
    day = start + timedelta(days=rng.randrange((end - start).days))
    return datetime(day.year, day.month, day.day, rng.randrange(1, 10), tzinfo=UTC)


# --- seeding --------------------------------------------------------------------------


@dataclass
class Seed:
    """What is in the database so far, and the generator state for more."""

    rng: random.Random
    tenants: list[Any]
    agreements: dict[tuple[int, int], int]  # (publisher pk, adopter pk) -> agreement pk
    slugs: set[str]
    apps: int = 0
    adoptions: int = 0

    @property
    def label(self) -> str:
        return f"{self.apps:,} apps / {self.adoptions:,} adoptions"


def seed_tenants(rng: random.Random) -> Seed:
    from django.conf import settings

    from tenants.models import Domain, Tenant
    from tenants.services import platform_ensure

    platform_ensure()
    tenants = Tenant.objects.bulk_create(
        Tenant(
            schema_name=f"t_bench{i:02d}",
            name=f"Kota {city}",
            slug=city.lower().replace(" ", "-"),
            kind=Tenant.Kind.KOTA,
            province=province,
            region_code=region,
            description=f"Pemerintah Kota {city}.",
            website=f"https://{city.lower().replace(' ', '')}.go.id",
            contact_email=f"diskominfo@{city.lower().replace(' ', '')}.go.id",
            verification_status=Tenant.Verification.VERIFIED,
        )
        for i, (city, province, region) in enumerate(CITIES, start=1)
    )
    Domain.objects.bulk_create(
        Domain(domain=f"{t.slug}.{settings.BASE_DOMAIN}", tenant=t, is_primary=True)
        for t in tenants
    )
    return Seed(rng=rng, tenants=tenants, agreements={}, slugs=set())


def _city(tenant) -> str:
    return tenant.name.removeprefix("Pemerintah Kota ")


def _app_name(rng: random.Random, topic: Topic, pattern: str, publisher) -> str:
    brand = topic.brands[0] if pattern == "brand0" else rng.choice(topic.brands)
    name = {
        "sistem": f"Sistem Informasi {topic.id}",
        "aplikasi": f"Aplikasi {topic.id}",
        "brand0": brand,
        "brand": brand,
        "brand-city": f"{brand} {_city(publisher)}",
        "portal": f"Portal {topic.id}",
        "e": f"e-{topic.id.split()[0]}",
        "local": f"{rng.choice(LOCAL_WORDS)} {topic.id}",
        "english": f"{topic.en.capitalize()} system",
    }[pattern]
    if pattern != "brand0" and rng.random() < 0.3:
        name += " " + rng.choice(QUALIFIERS)
    if pattern not in ("brand0", "brand-city") and rng.random() < 0.6:
        name += f" {_city(publisher)}"
    return name


def _new_app(seed: Seed, index: int):
    from catalog.models import CatalogApp

    rng = seed.rng
    if index < len(CORE_APPS):
        topic_id, pattern = CORE_APPS[index]
        topic = next(t for t in TOPICS if t.id == topic_id)
    else:
        topic, pattern = rng.choice(TOPICS), rng.choice(NAME_PATTERNS)
    publisher = seed.tenants[
        index % len(seed.tenants) if index < 40 else rng.randrange(len(seed.tenants))
    ]
    name = _app_name(rng, topic, pattern, publisher)[:120]
    base = slug = _slugify(name)
    n = 1
    while slug in seed.slugs:
        n += 1
        slug = f"{base}-{n}"
    seed.slugs.add(slug)
    hosted = index == 0
    created = _moment(rng, 2016, date(2025, 10, 1))
    year = created.year
    department = rng.choice(DEPARTMENTS)
    integration = rng.choice(INTEGRATIONS)
    short_id = rng.choice(
        (
            f"Aplikasi untuk {topic.what_id} di {publisher.name}.",
            f"{name}: {topic.what_id}, cepat dan terbuka.",
            f"Kelola {topic.what_id} dalam satu aplikasi.",
        )
    )[:150]
    short_en = (
        ""
        if rng.random() < 0.3
        else rng.choice(
            (
                f"An app for {topic.what_en} at {publisher.name}.",
                f"{topic.what_en.capitalize()}, in one place.",
            )
        )[:150]
    )
    long_id = " ".join(
        rng.sample(
            (
                f"{name} dikembangkan oleh {department} {publisher.name} sejak {year} untuk {topic.what_id}.",
                f"Aplikasi ini terhubung dengan {integration} sehingga data tidak perlu dimasukkan dua kali.",
                "Pemerintah daerah lain dapat memakainya melalui BagiPakai dengan perjanjian kerja sama.",
                "Data dapat diekspor dan dibuka sebagai data terbuka.",
                f"Pengguna utamanya adalah petugas {department.lower()} dan warga {_city(publisher)}.",
            ),
            rng.randint(2, 4),
        )
    )
    long_en = (
        ""
        if rng.random() < 0.5
        else (
            f"{name} was built by {publisher.name} in {year} for {topic.what_en}. "
            f"It integrates with {integration} and other governments can adopt it through BagiPakai."
        )
    )
    categories = list(topic.categories)
    if rng.random() < 0.3:
        extra = rng.choice(
            ("data-analytics", "communications", "workflow-management", "other")
        )
        if extra not in categories:
            categories.append(extra)
    delivery = (
        "hosted"
        if hosted
        else rng.choice(("source", "source", "source", "external", "external"))
    )
    return CatalogApp(
        slug=slug,
        name=name,
        publisher=publisher,
        short_description_id=short_id,
        short_description_en=short_en,
        long_description_id=long_id,
        long_description_en=long_en,
        features=rng.sample(topic.features, rng.randint(1, 3))
        + rng.sample(GENERIC_FEATURES, rng.randint(1, 3)),
        categories=categories,
        scope=list(
            dict.fromkeys(topic.scope + ("local-authorities",) * (rng.random() < 0.5))
        ),
        development_status="stable" if hosted else _weighted(rng, STATUSES),
        software_type=rng.choice(
            (
                "standalone/web",
                "standalone/web",
                "standalone/mobile",
                "standalone/backend",
            )
        ),
        delivery_mode=delivery,
        hosted_module="grants" if hosted else "",
        license="AGPL-3.0-or-later" if hosted else _weighted(rng, LICENCES),
        url=f"https://git.{publisher.slug}.go.id/diskominfo/{slug}",
        documentation_url=f"https://git.{publisher.slug}.go.id/diskominfo/{slug}/wiki"
        if rng.random() < 0.6
        else "",
        landing_url=f"https://{slug}.{publisher.slug}.go.id"
        if rng.random() < 0.4
        else "",
        platforms=["web"] + ["android"] * (rng.random() < 0.3),
        languages=["id"] + ["en"] * bool(short_en),
        maintenance_type=rng.choice(
            ("internal", "internal", "contract", "community", "none")
        ),
        contacts=[
            {"name": f"{department} {_city(publisher)}", "affiliation": publisher.name}
        ],
        # Operators hide the odd entry; hidden ones never show (nor are they benchmarked).
        is_hidden=index >= SMALL_APPS and rng.random() < 0.01,
        created_at=created,
        updated_at=created + timedelta(days=rng.randrange(300)),
    )


def _releases(rng: random.Random, app) -> list[Any]:
    from catalog.models import Release

    released = app.created_at.date()
    major, minor = 1, 0
    rows = []
    for _ in range(rng.randint(1, 4)):
        rows.append(
            Release(
                app=app,
                version=f"{major}.{minor}",
                released_on=released,
                notes=rng.choice(
                    (
                        "Perbaikan galat dan peningkatan keamanan.",
                        "Fitur baru: laporan bulanan.",
                        "",
                    )
                ),
                created_at=app.created_at,
            )
        )
        released += timedelta(days=rng.randrange(60, 400))
        if rng.random() < 0.3:
            major, minor = major + 1, 0
        else:
            minor += 1
    return rows


def _agreement_for(seed: Seed, publisher, adopter) -> int:
    """One agreement per (publisher, adopter) pair, created on first need."""
    from catalog.models import Agreement

    key = (publisher.pk, adopter.pk)
    if key not in seed.agreements:
        rng = seed.rng
        signed = date(
            rng.randrange(2017, 2025), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        kind = rng.choice(("mou", "pks"))
        agreement = Agreement.objects.create(
            kind=kind,
            number=f"{len(seed.agreements) + 1:04d}/{kind.upper()}/{signed.year}",
            title=f"Kerja sama pemanfaatan aplikasi antara {publisher.name} dan {adopter.name}",
            first_party=publisher,
            second_party=adopter,
            signed_on=signed,
            signed_at_place=_city(publisher),
            valid_from=signed,
            valid_until=signed + timedelta(days=5 * 365)
            if rng.random() < 0.8
            else None,
            first_signatory=f"Wali Kota {_city(publisher)}",
            second_signatory=f"Wali Kota {_city(adopter)}",
            # Bulk data: confirmed by both parties, as public adoptions need.
            state=Agreement.State.CONFIRMED,
            version=1,
            pending_version=None,
        )
        seed.agreements[key] = agreement.pk
    return seed.agreements[key]


def seed_apps(seed: Seed, count: int) -> None:
    """Add `count` apps with their releases and ADOPTERS_PER_APP adoptions each."""
    from catalog.models import Adoption, CatalogApp, Release

    rng = seed.rng
    apps = CatalogApp.objects.bulk_create(
        [_new_app(seed, seed.apps + i) for i in range(count)], batch_size=500
    )
    releases: dict[int, list[Any]] = {}
    for release in Release.objects.bulk_create(
        [r for app in apps for r in _releases(rng, app)], batch_size=2000
    ):
        releases.setdefault(release.app_id, []).append(release)
    # Agreements first (one INSERT per new pair, at most 40 x 39 of them).
    plan = []
    for app in apps:
        candidates = [t for t in seed.tenants if t.pk != app.publisher_id]
        for adopter in rng.sample(candidates, min(ADOPTERS_PER_APP, len(candidates))):
            status = _weighted(rng, ADOPTION_STATUSES)
            agreement = (
                _agreement_for(seed, app.publisher, adopter)
                if status != "requested"
                else None
            )
            plan.append((app, adopter, status, agreement))
    adoptions = []
    for app, adopter, status, agreement_id in plan:
        requested = app.created_at + timedelta(days=rng.randrange(1, 900))
        active = status == "active"
        adoptions.append(
            Adoption(
                app=app,
                adopter=adopter,
                status=status,
                purpose=f"Dipakai {adopter.name} untuk menggantikan proses manual.",
                contact_name=f"Kepala Bidang Aplikasi {_city(adopter)}",
                contact_email=f"aplikasi@{adopter.slug}.go.id",
                agreement_id=agreement_id,
                usage=(rng.choice(("production",) * 4 + ("pilot",)) if active else ""),
                release=(
                    rng.choice(releases[app.pk])
                    if active and rng.random() < 0.6
                    else None
                ),
                requested_at=requested,
                updated_at=requested + timedelta(days=rng.randrange(0, 60)),
            )
        )
    Adoption.objects.bulk_create(adoptions, batch_size=2000)
    from catalog.services import adopters_recount

    adopters_recount()
    seed.apps += count
    seed.adoptions += len(adoptions)


# Mirrors catalog.services._refresh_search_vector: the same four strings, the
# same weights, config 'simple'. check_search_vectors() proves they agree.
SEARCH_VECTOR_SQL = """
    setweight(to_tsvector('simple'::regconfig, a.name), 'A')
 || setweight(to_tsvector('simple'::regconfig,
        a.short_description_id || ' ' || a.short_description_en), 'B')
 || setweight(to_tsvector('simple'::regconfig,
        a.long_description_id || ' ' || a.long_description_en || ' '
        || array_to_string(a.features, ' ')), 'C')
 || setweight(to_tsvector('simple'::regconfig,
        p.name || ' ' || array_to_string(a.categories, ' ')), 'D')
"""


def fill_search_vectors() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_catalogapp AS a SET search_vector = {SEARCH_VECTOR_SQL} "
            "FROM tenants_tenant AS p WHERE p.id = a.publisher_id"
        )
        cursor.execute("ANALYZE")


def check_search_vectors(sample: int = 5) -> None:
    """Fail loudly unless the SQL above gives the vectors the service would store."""
    from django.db import connection

    from catalog import services
    from catalog.models import CatalogApp

    apps = list(CatalogApp.objects.select_related("publisher").order_by("?")[:sample])
    ids = [app.pk for app in apps]
    query = (
        f"SELECT a.id, ({SEARCH_VECTOR_SQL})::text FROM catalog_catalogapp AS a "
        "JOIN tenants_tenant AS p ON p.id = a.publisher_id WHERE a.id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [ids])
        ours = dict(cursor.fetchall())
        for app in apps:
            services._refresh_search_vector(app)
        cursor.execute(
            "SELECT id, search_vector::text FROM catalog_catalogapp WHERE id = ANY(%s)",
            [ids],
        )
        theirs = dict(cursor.fetchall())
    differ = [pk for pk in ids if ours[pk] != theirs[pk]]
    if differ:
        raise SystemExit(
            "FAIL: bench/catalog.py's SEARCH_VECTOR_SQL no longer matches "
            f"catalog.services._refresh_search_vector (apps {differ}); update it."
        )


# --- measurements ---------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    page: str
    size: str
    durations: tuple[float, ...]  # seconds
    queries: tuple[int, ...]  # per URL of the rotation
    search_path: tuple[int, ...]  # of which SET search_path

    @property
    def p95_ms(self) -> float:
        return nearest_rank(self.durations, 0.95) * 1000


def _span(values: tuple[int, ...]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def pages(seed: Seed, with_api: bool) -> dict[str, list[str]]:
    """Page name -> the URLs its requests rotate over."""
    from catalog.selectors import visible_apps

    slugs = list(visible_apps().order_by("pk").values_list("slug", flat=True))
    # At most 50 apps, spread over the whole catalog.
    step = max(1, len(slugs) // 50)
    searches = [urlencode({"q": q, "category": c}) for q, c in SEARCHES]
    rotation = {
        "search + facets `/catalog/?q=&category=`": [
            f"/catalog/?{s}" for s in searches
        ],
        "browse + facets `/catalog/?sort=adopted`": ["/catalog/?sort=adopted"],
        "detail `/catalog/<slug>/`": [
            f"/catalog/{slug}/" for slug in slugs[::step][:50]
        ],
    }
    if with_api:
        rotation["API search `/api/v1/apps/?q=&category=`"] = [
            f"/api/v1/apps/?{s}" for s in searches
        ]
    return rotation


def _get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"FAIL: GET {url} answered {response.status_code}")
    return response


def _count_queries(client, url: str) -> tuple[int, int]:
    """Statements one request runs: (all, of which SET search_path)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    statements = [q["sql"] for q in captured.captured_queries]
    return len(statements), sum(s.startswith("SET search_path") for s in statements)


def measure_all(seed: Seed, with_api: bool, requests: int, warmup: int) -> list[Row]:
    """Time every page, round-robin so that a busy moment hits all pages alike."""
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    rotation = pages(seed, with_api)
    for i in range(warmup):
        for urls in rotation.values():
            _get(client, urls[i % len(urls)])
    durations: dict[str, list[float]] = {page: [] for page in rotation}
    for i in range(requests):
        for page, urls in rotation.items():
            started = time.perf_counter()
            _get(client, urls[i % len(urls)])
            durations[page].append(time.perf_counter() - started)
    rows = []
    # Counting records every statement, so it runs apart from the timed requests.
    for page, urls in rotation.items():
        counts = [_count_queries(client, url) for url in urls]
        rows.append(
            Row(
                page,
                seed.label,
                tuple(durations[page]),
                tuple(total for total, _set in counts),
                tuple(set_calls for _total, set_calls in counts),
            )
        )
    return rows


# --- report ------------------------------------------------------------------------


def print_report(rows: list[Row]) -> None:
    print()
    print(
        "| page | data size | p50 ms | p95 ms | max ms | queries | of which SET search_path |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    order = list(dict.fromkeys(row.page for row in rows))
    # Grouped by page, smaller data size first (sorted() keeps the measuring order).
    for row in sorted(rows, key=lambda r: order.index(r.page)):
        print(
            f"| {row.page} | {row.size} | {statistics.median(row.durations) * 1000:.1f} "
            f"| {row.p95_ms:.1f} | {max(row.durations) * 1000:.1f} "
            f"| {_span(row.queries)} | {_span(row.search_path)} |"
        )
    print()
    print(TARGET_LINE)
    by_page: dict[str, list[Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, []).append(row)
    slow = [r.page for r in rows if r is by_page[r.page][-1] and r.p95_ms >= TARGET_MS]
    varying = [
        page
        for page, measured in by_page.items()
        if len({q for r in measured for q in r.queries}) > 1
    ]
    largest = rows[-1].size
    print(
        f"p95 at {largest}: "
        + ("all pages under target" if not slow else "OVER target: " + "; ".join(slow))
    )
    print(
        "queries per page: "
        + ("constant" if not varying else "NOT constant: " + "; ".join(varying))
    )
    print()


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the public catalog's search, browse and detail pages at two data sizes.",
    )
    parser.add_argument(
        "--requests",
        type=_positive,
        default=200,
        help="timed requests per page and data size (default 200)",
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="untimed requests first (default 20)"
    )
    parser.add_argument(
        "--apps",
        type=_positive,
        default=1000,
        help=f"apps in the large catalog, {ADOPTERS_PER_APP} adoptions each (default 1000)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed of the data (default 1)"
    )
    args = parser.parse_args(argv)
    if args.apps <= SMALL_APPS:
        parser.error(f"--apps must be more than {SMALL_APPS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    run_started = time.perf_counter()

    with throwaway_database() as (server, name):
        # Plain HTTP on localhost, files served as they are: what the test suite runs.
        point_django_at(
            server,
            name,
            HTTPS="0",
            STATIC_MANIFEST="0",
            BASE_DOMAIN=HOST,
            ALLOWED_HOSTS=f"{HOST},.{HOST}",
            # The work of a page, not the shared page cache's copy of it (every
            # write to the catalog empties that cache), and no 429 from the
            # API's rate limit for a client that asks thousands of times.
            PAGE_CACHE_SECONDS="0",
            DISABLE_RATE_LIMITS="1",
        )
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        # As in the test suite: whitenoise finds no collectstatic output, fine here.
        warnings.filterwarnings("ignore", "No directory at", UserWarning)

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"server: {server.description}; throwaway database {name}")
        print(f"PostgreSQL server version {connection.pg_version}")
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        print(
            f"setup: migrate + template schema in {time.perf_counter() - started:.1f} s"
        )

        try:
            import catalog.urls_api  # noqa: F401 -- only whether it imports
        except ImportError as exc:
            with_api = False
            print(f"API not measured: catalog.urls_api does not import ({exc})")
        else:
            with_api = True

        rows: list[Row] = []
        seed = seed_tenants(random.Random(args.seed))
        for target in (SMALL_APPS, args.apps):
            started = time.perf_counter()
            seed_apps(seed, target - seed.apps)
            fill_search_vectors()
            check_search_vectors()
            print(f"seeded {seed.label} in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            rows += measure_all(seed, with_api, args.requests, args.warmup)
            print(
                f"measured {seed.label} in {time.perf_counter() - started:.1f} s "
                f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)"
            )
        print_report(rows)

    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
