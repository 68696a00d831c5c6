"""bench/catalog.py's word lists and topics: the catalog it seeds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

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
