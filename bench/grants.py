"""Benchmark: Sabilulungan's public pages, open-data exports and audit chain at scale.

What it measures
----------------
One city tenant (Kota Bandung) runs the hosted grants module with, at full
size, 100,000 proposals and 1,000,000 hash-chained audit events. Through
Django's test client on the tenant's host (``Client(HTTP_HOST="bandung.localhost")``,
the whole middleware stack, templates rendered, DEBUG off):

1. **list, filters** -- ``/grants/proposals/?...``, rotating over status,
   kecamatan, requested-amount range, program and fiscal year, alone and
   combined (values picked from the data so every URL matches proposals at
   both sizes).
2. **list, unfiltered pages** -- ``/grants/proposals/`` page 1, page 2, the
   middle page and the last page (deep OFFSETs).
3. **list, text search** -- ``/grants/proposals/?q=...`` (title or
   organisation name, ``icontains``); not part of the issue's target, shown
   because it is the one filter no index can serve.
4. **program totals** -- ``/grants/programs/<id>/``, rotating over programs.
5. **portal home** -- ``/grants/`` (totals over every program and proposal).
6. **statistics** -- ``/grants/statistics/`` (by year, kind and kecamatan) and
   **proposal + timeline** -- ``/grants/proposals/<id>/`` (its audit events out
   of the million), rotating over 20 proposals; neither is in the issue's
   target, both are shown for completeness.

Every page is timed at two data sizes in one run: first with 1,000 proposals
and 10,000 events (scaled from ``--proposals``/``--events``), then after the
tenant has grown to the full size. The script prints p50, p95 (nearest rank)
and max milliseconds of N requests per page and size (after a warm-up; the
pages take turns, so that a moment when the machine is busy slows them all
alike), and the SQL statements one request runs, counted with
``CaptureQueriesContext`` on every URL of the rotation (a range when they
differ); django-tenants' ``SET search_path`` statements are counted in the
total and shown separately. Target: p95 under 100 ms and the same number of
queries per page at both sizes.

Then, at both sizes, each in a fresh child process (so that memory is not
hidden by what seeding left in this one):

7. **full JSON export** ``/open-data/grants.json`` and **CSV export**
   ``/open-data/grants.csv``: the streaming response is consumed chunk by chunk
   and only its bytes are counted. Reported: wall time, statements run,
   growth of the resident set over the child's warmed-up baseline (psutil
   sampling every 2 ms), the child's peak RSS since it started (``VmHWM`` in
   /proc/self/status; not ``ru_maxrss``, which Linux carries over from the
   parent through fork and exec), and, in a
   second pass under ``tracemalloc``, the peak of Python allocations.
   Target: under 150 MB whatever the row count.
8. **chain verification**: ``grants.audit.verify_stored()`` over every event,
   timed and measured the same way; it must say the chain is intact.

The data (reproducible with ``--seed``): the platform tenant and Bandung made
by ``tenants.services`` (``platform_ensure``, ``tenant_provision`` by an admin
with a verified e-mail address, ``tenant_verify`` by a platform operator), the
hosted catalog entry ``sabilulungan`` published by Bandung through
``catalog.services.app_create`` (which switches the grants module on), and
eight programs (hibah and bansos, fiscal years 2023-2026, the default six
Sabilulungan review stages) made with ``grants.services.program_create``,
``program_set_status`` and ``program_update``. Inside Bandung's schema, 2,000
applicants (organisations, and individuals with valid 16-digit NIKs of
Bandung's kecamatan) and their users are bulk-created; proposals are written
with COPY, spread over the eleven statuses, the stages, 30 kecamatan, the
programs and years, with amounts that obey the model's constraints
(recommended <= requested, approved <= recommended, disbursed in tranches up to
the approved amount, spent <= disbursed; submitted_at set for every
non-draft). Each proposal's audit events replay the steps that brought it to
its status exactly as ``grants.services.proposal_transition`` records them
(actions, statuses, stage names, roles, officials' names, amounts including
the program's running committed total, public reasons); revision cycles and
budget corrections are added to reach exactly ``--events`` events. Hashes are
computed with ``grants.audit.public_record`` and ``grants.audit.digest``, the
events of a seeding step are merged in time order and COPYed in batches of
10,000. (``at`` increases with ``seq`` within each seeding step, not across
the program events made by the services or across the two steps; nothing
checks it.) Budget lines, documents, stage reviews and disbursement rows are
not seeded: no measured page reads them. Then VACUUM (ANALYZE), so that the
statistics and the visibility map are those of a table autovacuum has seen.

It never touches the developer's database: it runs in a throwaway database
``bagipakai_bench_<pid>`` on the same server (see bench/_common.py), migrated
first and dropped at the end, also on failure or SIGTERM.

How to run (from the repository root)
-------------------------------------
    .venv/bin/python bench/grants.py                              # 100,000 / 1,000,000; a few minutes
    .venv/bin/python bench/grants.py --proposals 5000 --events 50000 --requests 30
    .venv/bin/python bench/grants.py --explain                    # EXPLAIN ANALYZE of the slowest statements
    .venv/bin/python bench/grants.py --try-sql "CREATE INDEX ..." # measure again with a candidate index

This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import array
import csv
import functools
import gc
import heapq
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

REPO_DIR = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where this very file
# would shadow the grants app: the repository root goes first, bench/ not at all.
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

from bench._common import (  # noqa: E402 -- needs the sys.path above
    install_sigterm_handler,
    kept_database,
    nearest_rank,
    point_django_at,
    throwaway_database,
)

TARGET_MS = 100.0
TARGET_MB = 150.0
TARGET_LINES = (
    f"target: list and program totals p95 < {TARGET_MS:.0f} ms, with the same number "
    "of queries per page whatever the data size",
    f"target: export memory flat and under {TARGET_MB:.0f} MB whatever the row count",
)
SMALL_PROPOSALS = 1000
SLUG = "bandung"
BASE_DOMAIN = "localhost"
HOST = f"{SLUG}.{BASE_DOMAIN}"
COPY_BATCH = 10_000
DAY = 86_400.0
MB = 1024 * 1024


# --- word lists -------------------------------------------------------------------

# Kota Bandung's 30 kecamatan with some of their kelurahan; the position + 1 is
# the kecamatan's code in a NIK (3273 + kecamatan + birth date + serial).
KECAMATAN = tuple(
    (name, tuple(places.split(", ")))
    for name, places in (
        ("Andir", "Campaka, Ciroyom, Dunguscariang, Garuda, Kebonjeruk, Maleber"),
        ("Antapani", "Antapani Kidul, Antapani Kulon, Antapani Tengah, Antapani Wetan"),
        (
            "Arcamanik",
            "Cisaranten Bina Harapan, Cisaranten Kulon, Sindangjaya, Sukamiskin",
        ),
        ("Astanaanyar", "Cibadak, Karanganyar, Karasak, Nyengseret, Panjunan"),
        (
            "Babakan Ciparay",
            "Babakan, Cirangrang, Margahayu Utara, Margasuka, Sukahaji",
        ),
        ("Bandung Kidul", "Batununggal, Kujangsari, Mengger, Wates"),
        (
            "Bandung Kulon",
            "Caringin, Cibuntu, Cigondewah Kaler, Gempolsari, Warungmuncang",
        ),
        ("Bandung Wetan", "Cihapit, Citarum, Tamansari"),
        ("Batununggal", "Binong, Cibangkong, Gumuruh, Kacapiring, Kebonwaru, Maleer"),
        ("Bojongloa Kaler", "Babakan Asih, Babakan Tarogong, Jamika, Kopo, Suka Asih"),
        (
            "Bojongloa Kidul",
            "Cibaduyut, Cibaduyut Kidul, Kebon Lega, Mekarwangi, Situsaeur",
        ),
        ("Buahbatu", "Cijawura, Jatisari, Margasari, Sekejati"),
        ("Cibeunying Kaler", "Cigadung, Cihaurgeulis, Neglasari, Sukaluyu"),
        ("Cibeunying Kidul", "Cicadas, Cikutra, Padasuka, Pasirlayung, Sukamaju"),
        ("Cibiru", "Cipadung, Cisurupan, Palasari, Pasirbiru"),
        ("Cicendo", "Arjuna, Husen Sastranegara, Pajajaran, Pamoyanan, Pasirkaliki"),
        ("Cidadap", "Ciumbuleuit, Hegarmanah, Ledeng"),
        ("Cinambo", "Babakan Penghulu, Cisaranten Wetan, Pakemitan, Sukamulya"),
        (
            "Coblong",
            "Cipaganti, Dago, Lebakgede, Lebaksiliwangi, Sadang Serang, Sekeloa",
        ),
        ("Gedebage", "Cimincrang, Cisaranten Kidul, Rancabolang, Rancanumpang"),
        (
            "Kiaracondong",
            "Babakan Sari, Babakan Surabaya, Cicaheum, Kebonjayanti, Sukapura",
        ),
        (
            "Lengkong",
            "Burangrang, Cijagra, Cikawao, Lingkar Selatan, Malabar, Turangga",
        ),
        ("Mandalajati", "Jatihandap, Karang Pamulang, Pasir Impun, Sindangjaya"),
        ("Panyileukan", "Cipadung Kidul, Cipadung Kulon, Cipadung Wetan, Mekarmulya"),
        ("Rancasari", "Cipamokolan, Darwati, Manjahlega, Mekarjaya"),
        ("Regol", "Ancol, Balonggede, Ciateul, Cigereleng, Ciseureuh, Pungkur"),
        ("Sukajadi", "Cipedes, Pasteur, Sukabungah, Sukagalih, Sukawarna"),
        ("Sukasari", "Gegerkalong, Isola, Sarijadi, Sukarasa"),
        ("Sumur Bandung", "Babakanciamis, Braga, Kebonpisang, Merdeka"),
        ("Ujungberung", "Cigending, Pasanggrahan, Pasirendah, Pasirjati, Pasirwangi"),
    )
)

FIRST_NAMES = tuple(
    (name, "m")
    for name in "Asep Dadang Ujang Agus Budi Cecep Deden Iwan Yayat Rudi Hendra Dedi Entis Jajang Wawan".split()
) + tuple(
    (name, "f")
    for name in "Siti Dewi Neneng Euis Yuyun Nining Rina Tati Imas Lilis Dedeh Nur Ai Enok Wulan".split()
)
LAST_NAMES = tuple(
    """Sunandar Rahmawati Kurniasih Hidayat Supriatna Suherman Setiawan Gunawan Nurhayati Rosita Permana Saputra Hermawan Komalasari Sudrajat Wijaya Sumarni Mulyani Firmansyah Ramdani Fauziah Kusnadi Maryani Rukmana""".split()
)
ORG_KINDS = (
    ("Karang Taruna", "Organisasi kepemudaan"),
    ("PKK", "Organisasi kemasyarakatan"),
    ("Yayasan Al-Ikhlas", "Yayasan"),
    ("Yayasan Panti Asuhan Bina Putra", "Yayasan"),
    ("Masjid Jami Al-Hidayah", "Dewan kemakmuran masjid"),
    ("Kelompok Tani Sauyunan", "Kelompok tani"),
    ("Paguyuban Seni Sunda", "Paguyuban"),
    ("Posyandu Melati", "Lembaga kemasyarakatan"),
    ("Kelompok Wanita Tani Mekar Sari", "Kelompok tani"),
    ("Bank Sampah Resik", "Kelompok masyarakat"),
    ("Gereja Kristen Pasundan", "Badan hukum keagamaan"),
    ("Majelis Taklim Nurul Iman", "Perkumpulan"),
    ("Komunitas Difabel Mandiri", "Perkumpulan"),
    ("Sanggar Tari Rineka", "Sanggar"),
)
BANKS = ("Bank BJB", "Bank BRI", "Bank BNI", "Bank Mandiri", "BSI")

@functools.cache
def _codes(kecamatan: str, kelurahan: str) -> dict:
    """Kota Bandung's register codes of a kecamatan and kelurahan named above."""
    from tenants import register

    district, village = register.match_place("32.73", kecamatan, kelurahan)
    return {
        "kecamatan_code": district.code if district else "",
        "kelurahan_code": village.code if village and district else "",
    }


# (title, background, purpose) templates; {place} is the kelurahan, {rw} a RW.
ORG_ACTIVITIES = (
    (
        "Renovasi balai warga RW {rw} Kelurahan {place}",
        "Balai warga RW {rw} dibangun tahun 1998; atap bocor dan lantai retak sehingga "
        "rapat warga dan posyandu pindah ke rumah ketua RW.",
        "Mengganti rangka atap, memperbaiki lantai dan toilet agar balai dapat dipakai "
        "lagi untuk musyawarah, posyandu dan kegiatan pemuda.",
    ),
    (
        "Pelatihan menjahit bagi ibu rumah tangga Kelurahan {place}",
        "Banyak ibu rumah tangga di Kelurahan {place} ingin menambah penghasilan "
        "keluarga tetapi belum punya keterampilan dan alat.",
        "Melatih 30 peserta selama tiga bulan dan menyediakan lima mesin jahit "
        "bersama di sekretariat.",
    ),
    (
        "Pengadaan gamelan degung untuk sanggar seni RW {rw}",
        "Sanggar berlatih dengan alat pinjaman sehingga latihan sering batal.",
        "Membeli satu set gamelan degung untuk latihan rutin anak-anak dan pentas "
        "di kelurahan.",
    ),
    (
        "Pembangunan sarana air bersih RW {rw} Kelurahan {place}",
        "Pada musim kemarau sumur warga kering; warga membeli air jeriken.",
        "Membangun sumur bor, tandon 5.000 liter dan jaringan pipa ke 40 rumah.",
    ),
    (
        "Festival budaya Sunda Kelurahan {place}",
        "Kesenian tradisional jarang dipentaskan dan kurang dikenal anak muda.",
        "Menggelar festival dua hari dengan pentas degung, jaipong dan pencak silat.",
    ),
    (
        "Perbaikan tempat ibadah di RW {rw}",
        "Dinding dan atap tempat ibadah rusak setelah hujan angin.",
        "Memperbaiki atap, dinding dan tempat wudu agar jemaah aman beribadah.",
    ),
    (
        "Penguatan bank sampah Kelurahan {place}",
        "Sampah rumah tangga menumpuk di TPS dan belum dipilah.",
        "Membeli timbangan, gerobak dan karung pilah serta melatih 20 pengelola.",
    ),
    (
        "Turnamen sepak bola antar-RW Kelurahan {place}",
        "Pemuda membutuhkan kegiatan positif selama libur sekolah.",
        "Menyelenggarakan turnamen 16 tim dengan wasit berlisensi dan perlengkapan.",
    ),
    (
        "Alat timbang dan makanan tambahan posyandu RW {rw}",
        "Angka balita kurang gizi di RW {rw} masih di atas rata-rata kota.",
        "Membeli alat ukur antropometri dan memberi makanan tambahan selama enam bulan.",
    ),
    (
        "Kebun gizi perkotaan (buruan sae) RW {rw}",
        "Lahan kosong di RW {rw} tidak terurus dan harga sayur naik.",
        "Menata lahan menjadi kebun sayur dan kolam ikan yang dikelola KWT.",
    ),
    (
        "Rehabilitasi ruang kelas PAUD Kelurahan {place}",
        "Ruang kelas PAUD lembap dan plafon runtuh sebagian.",
        "Mengganti plafon, mengecat ulang dan membeli alat permainan edukatif.",
    ),
    (
        "Pelatihan pemasaran digital UMKM Kelurahan {place}",
        "Pelaku UMKM belum memasarkan produk secara daring.",
        "Melatih 40 pelaku UMKM membuat katalog daring dan memakai QRIS.",
    ),
)
INDIVIDUAL_AID = (
    (
        "Bantuan biaya pendidikan anak",
        "Kepala keluarga bekerja harian lepas; dua anak bersekolah.",
        "Membayar biaya seragam, buku dan transportasi sekolah.",
    ),
    (
        "Bantuan perbaikan rumah tidak layak huni",
        "Rumah berdinding bilik dan beratap bocor.",
        "Memperbaiki atap, dinding dan lantai rumah.",
    ),
    (
        "Bantuan modal usaha warung",
        "Usaha warung terhenti setelah kepala keluarga sakit.",
        "Membeli barang dagangan dan etalase untuk membuka kembali warung.",
    ),
    (
        "Bantuan alat bantu disabilitas",
        "Anggota keluarga penyandang disabilitas belum memiliki kursi roda.",
        "Membeli kursi roda dan alat bantu jalan.",
    ),
    (
        "Bantuan biaya pengobatan",
        "Biaya pengobatan lanjutan tidak ditanggung sepenuhnya.",
        "Membantu biaya transportasi dan obat selama pengobatan.",
    ),
    (
        "Bantuan sembako lansia",
        "Lansia tinggal sendiri tanpa penghasilan tetap.",
        "Paket sembako bulanan selama enam bulan.",
    ),
)

# name, kind, fiscal year, responsible unit (OPD), share of the proposals
PROGRAMS = (
    ("Hibah Kegiatan Kemasyarakatan", "hibah", 2023, "Bagian Kesejahteraan Rakyat", 8),
    ("Hibah Kegiatan Kemasyarakatan", "hibah", 2024, "Bagian Kesejahteraan Rakyat", 10),
    ("Hibah Kegiatan Kemasyarakatan", "hibah", 2025, "Bagian Kesejahteraan Rakyat", 12),
    ("Hibah Kegiatan Kemasyarakatan", "hibah", 2026, "Bagian Kesejahteraan Rakyat", 14),
    ("Bantuan Sosial Warga Rentan", "bansos", 2024, "Dinas Sosial", 8),
    ("Bantuan Sosial Warga Rentan", "bansos", 2025, "Dinas Sosial", 10),
    ("Bantuan Sosial Warga Rentan", "bansos", 2026, "Dinas Sosial", 12),
    ("Hibah Sarana Rumah Ibadah", "hibah", 2025, "Bagian Kesejahteraan Rakyat", 4),
)
CURRENT_YEAR = 2026  # programs of this year are still open; older ones are closed

# How far proposals got: still running in the open year, mostly finished before.
STATUSES_CURRENT = (
    ("draft", 8),
    ("in_review", 30),
    ("revision", 6),
    ("awaiting_approval", 8),
    ("approved", 8),
    ("agreement_signed", 6),
    ("disbursed", 10),
    ("reported", 4),
    ("closed", 2),
    ("rejected", 14),
    ("withdrawn", 4),
)
STATUSES_PAST = (
    ("draft", 2),
    ("in_review", 1),
    ("revision", 1),
    ("awaiting_approval", 1),
    ("approved", 1),
    ("agreement_signed", 2),
    ("disbursed", 6),
    ("reported", 12),
    ("closed", 45),
    ("rejected", 24),
    ("withdrawn", 5),
)
COMMITTED = {"approved", "agreement_signed", "disbursed", "reported", "closed"}

OFFICIALS = {
    "tata_usaha": ("Neneng Sumarni, S.Sos.", "Asep Hidayat, S.IP."),
    "kepala_daerah": ("Drs. Iwan Ridwan, M.Si.", "Hj. Rina Marlina, S.H."),
    "tim_pertimbangan": ("Ir. Budi Santoso, M.T.", "Dewi Lestari, S.E., M.Ak."),
    "opd": ("Agus Setiawan, S.Sos.", "Yuyun Yuningsih, S.Pd."),
    "tapd": ("Hendra Gunawan, S.E.", "Sri Mulyani Handayani, M.M."),
    "treasurer": ("Tati Rohayati, A.Md.", "Ujang Suherman, S.E."),
}
UNITS = (
    "Dinas Sosial",
    "Dinas Pendidikan",
    "Dinas Kebudayaan dan Pariwisata",
    "Dinas Pemuda dan Olahraga",
    "Dinas Kesehatan",
    "Bagian Kesejahteraan Rakyat",
    "Dinas Ketahanan Pangan dan Pertanian",
    "Dinas Perumahan dan Kawasan Permukiman",
)
RETURN_REASONS = (
    "Rincian anggaran belum sesuai jumlah yang diminta; mohon diperbaiki.",
    "Surat keterangan domisili belum dilampirkan.",
    "Proposal belum ditandatangani ketua dan sekretaris.",
    "Foto lokasi kegiatan tidak terbaca; unggah ulang.",
)
REJECT_REASONS = (
    "Pemohon sudah menerima hibah pada tahun anggaran sebelumnya.",
    "Kegiatan tidak termasuk urusan pemerintahan daerah.",
    "Badan hukum pemohon belum terdaftar di Kemenkumham.",
    "Anggaran program sudah terserap habis.",
    "Kegiatan tumpang tindih dengan program dinas lain.",
)
PASS_NOTES = ("Lengkap.", "Sesuai ketentuan.", "Layak dilanjutkan.", "")


# --- the data model of the seed --------------------------------------------------------


@dataclass(frozen=True)
class StageInfo:
    id: int
    position: int
    name: str
    role: str
    sets_amount: bool
    assigns_unit: bool


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    name: str
    kind: str
    year: int
    stages: tuple[StageInfo, ...]
    opens: float  # epoch seconds: proposals are submitted between opens and closes
    closes: float
    limit: float  # no event of this program's proposals after this moment


@dataclass(frozen=True)
class ApplicantInfo:
    id: int
    kecamatan: str
    kelurahan: str
    name: str


@dataclass
class Context:
    seed: int
    programs: list[ProgramInfo]
    cum_weights: list[float]
    organisations: list[ApplicantInfo]
    individuals: list[ApplicantInfo]
    committed: dict[int, int] = field(default_factory=dict)  # running, by program id


@dataclass
class Built:
    """One proposal: its row and the audit events that brought it to its status."""

    program: ProgramInfo
    applicant: ApplicantInfo
    row: dict
    # (epoch seconds, action, from, to, stage name, actor role, actor label, amounts, note)
    events: list[tuple]
    approved: int  # counted against the program's budget when committed


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _round_down(value: float, unit: int = 50_000) -> int:
    return max(unit, int(value // unit) * unit)


def build(pid: int, ctx: Context, cycles: int = 0, corrections: int = 0) -> Built:
    """Proposal `pid`, reproducibly, with `cycles` extra return/resubmit cycles and
    `corrections` extra budget corrections during its review.

    The status, amounts and number of base events are drawn first, so they do
    not depend on the extras (the pre-pass counts events without them).
    """
    rng = random.Random(ctx.seed * 1_000_003 + pid)
    program = rng.choices(ctx.programs, cum_weights=ctx.cum_weights)[0]
    current = program.year >= CURRENT_YEAR
    status = _weighted(rng, STATUSES_CURRENT if current else STATUSES_PAST)
    pool = ctx.individuals if program.kind == "bansos" else ctx.organisations
    applicant = pool[rng.randrange(len(pool))]
    if rng.random() < 0.85:
        kecamatan, kelurahan = applicant.kecamatan, applicant.kelurahan
    else:
        kecamatan, places = rng.choice(KECAMATAN)
        kelurahan = rng.choice(places)
    if program.kind == "bansos":
        requested = _round_down(rng.uniform(1_000_000, 25_000_000))
    else:
        requested = _round_down(math.exp(rng.uniform(math.log(5e6), math.log(5e8))))
    stages = program.stages
    count = len(stages)
    k = rng.randint(1, count)  # the stage where it stands or stopped
    variant = rng.random()
    factors = [rng.random() for _ in stages]  # one per recommending stage
    approve_factor = rng.random()
    tranches = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
    paid = rng.randint(1, tranches)
    spent_factor = rng.uniform(0.9, 1.0)
    t_submit = program.opens + rng.random() * (program.closes - program.opens)

    # How far the review got (`passes` stages passed), what follows it (`tail`),
    # and up to which stage extras may be added (`reach`).
    passes = 0
    reach = k
    tail: list[tuple] = []
    if status == "draft":
        reach = 0
    elif status == "in_review":
        passes = k - 1
    elif status == "revision":
        passes, tail = k - 1, [("return", k)]
    elif status == "rejected":
        if variant < 0.7:
            passes, tail = k - 1, [("reject", k)]
        else:
            passes, reach, tail = count, count, [("reject_approval", None)]
    elif status == "withdrawn":
        if variant < 0.6:
            passes, tail = k - 1, [("withdraw", k)]
        elif variant < 0.75:
            passes, tail = k - 1, [("return", k), ("withdraw", k)]
        else:
            passes, reach, tail = count, count, [("withdraw", None)]
    else:  # awaiting approval or further
        passes, reach = count, count
        if status != "awaiting_approval":
            tail.append(("approve", None))
        if status in ("agreement_signed", "disbursed", "reported", "closed"):
            tail.append(("sign_agreement", None))
        if status in ("disbursed", "reported", "closed"):
            n = paid if status == "disbursed" else tranches
            tail += [("disburse", i) for i in range(1, n + 1)]
        if status in ("reported", "closed"):
            tail.append(("report", None))
        if status == "closed":
            tail.append(("close", None))

    # Amounts, from the draws above (independent of the extras).
    recommended = None
    recommendations: dict[int, int] = {}
    for stage, factor in zip(stages, factors, strict=True):
        if stage.sets_amount and stage.position <= passes:
            base = recommended or requested
            recommended = (
                base if factor < 0.45 else _round_down(base * (0.55 + 0.43 * factor))
            )
            recommended = min(recommended, base)
            recommendations[stage.position] = recommended
    ceiling = recommended or requested
    approved = (
        ceiling
        if approve_factor < 0.7
        else min(ceiling, _round_down(ceiling * (0.8 + 0.2 * approve_factor)))
    )
    if approved < 50_000 * tranches:
        tranches, paid = 1, 1
    parts = [_round_down(approved / tranches) for _ in range(tranches - 1)]
    parts.append(approved - sum(parts))

    # Extras go to review stages the proposal reached.
    extras: dict[int, list[str]] = {}
    if reach:
        for kind, n in (("correct", corrections), ("cycle", cycles)):
            for _ in range(n):
                extras.setdefault(rng.randint(1, reach), []).append(kind)

    # Replay: one event per step, as proposal_transition would record it.
    events: list[tuple] = []
    offset = 0.0
    state = {
        "status": "draft",
        "stage": None,  # position
        "recommended": None,
        "approved": None,
        "disbursed": 0,
        "spent": None,
        "assigned_unit": "",
        "public_reason": "",
        "nphd_number": "",
        "nphd_date": None,
        "submitted_at": None,
        "decided_at": None,
    }

    def official(role: str) -> str:
        return rng.choice(OFFICIALS[role])

    def emit(action, to, role, label="", amounts=None, note="", stage_name=None):
        nonlocal offset
        if events:
            offset += rng.uniform(0.3, 9.0) * DAY
        position = state["stage"]
        name = (
            stage_name
            if stage_name is not None
            else (stages[position - 1].name if position else "")
        )
        events.append(
            [
                offset,
                action,
                state["status"],
                to,
                name,
                role,
                label,
                amounts or {},
                note,
            ]
        )
        state["status"] = to

    def extras_at(position: int):
        stage = stages[position - 1]
        for kind in extras.get(position, ()):
            if kind == "correct":
                corrected = _round_down(requested * rng.uniform(0.7, 1.0), 1000)
                emit(
                    "correct_budget",
                    "in_review",
                    stage.role,
                    official(stage.role),
                    {"requested": requested, "corrected": corrected},
                )
            else:
                note = rng.choice(RETURN_REASONS)
                emit("return", "revision", stage.role, official(stage.role), note=note)
                emit(
                    "submit", "in_review", "applicant", amounts={"requested": requested}
                )

    if status != "draft":
        emit("submit", "in_review", "applicant", amounts={"requested": requested})
        state["stage"] = 1
        state["submitted_at"] = 0.0
        for position in range(1, passes + 1):
            stage = stages[position - 1]
            extras_at(position)
            amounts = {}
            if stage.sets_amount:
                amounts["recommended"] = recommendations[position]
                state["recommended"] = recommendations[position]
            if stage.assigns_unit:
                state["assigned_unit"] = rng.choice(UNITS)
            to = "awaiting_approval" if position == count else "in_review"
            emit(
                "pass",
                to,
                stage.role,
                official(stage.role),
                amounts,
                note=rng.choice(PASS_NOTES) if rng.random() < 0.3 else "",
            )
            state["stage"] = position + 1 if position < count else None
        if passes < count:
            extras_at(passes + 1)
        for action, arg in tail:
            stage = stages[state["stage"] - 1] if state["stage"] else None
            if action == "return":
                note = rng.choice(RETURN_REASONS)
                emit("return", "revision", stage.role, official(stage.role), note=note)
                state["public_reason"] = note
            elif action == "reject":
                note = rng.choice(REJECT_REASONS)
                emit("reject", "rejected", stage.role, official(stage.role), note=note)
                state["public_reason"], state["decided_at"] = note, offset
            elif action == "reject_approval":
                note = rng.choice(REJECT_REASONS)
                emit(
                    "reject_approval",
                    "rejected",
                    "kepala_daerah",
                    official("kepala_daerah"),
                    note=note,
                )
                state["public_reason"], state["decided_at"] = note, offset
            elif action == "withdraw":
                emit("withdraw", "withdrawn", "applicant")
            elif action == "approve":
                # program_committed is the running total, filled in when the event is written.
                emit(
                    "approve",
                    "approved",
                    "kepala_daerah",
                    official("kepala_daerah"),
                    {"approved": approved, "program_committed": None},
                )
                state["approved"], state["decided_at"] = approved, offset
            elif action == "sign_agreement":
                emit(
                    "sign_agreement",
                    "agreement_signed",
                    "tata_usaha",
                    official("tata_usaha"),
                )
                state["nphd_number"] = f"027/{pid:06d}-Kesra/{program.year}"
                state["nphd_date"] = offset
            elif action == "disburse":
                state["disbursed"] += parts[arg - 1]
                emit(
                    "disburse",
                    "disbursed",
                    "treasurer",
                    official("treasurer"),
                    {
                        "tranche": arg,
                        "disbursed": parts[arg - 1],
                        "disbursed_total": state["disbursed"],
                    },
                )
            elif action == "report":
                spent = _round_down(state["disbursed"] * spent_factor, 1000)
                emit("report", "reported", "applicant", amounts={"spent": spent})
                state["spent"] = spent
            elif action == "close":
                emit("close", "closed", "opd", official("opd"))
        if state["status"] != status:
            raise AssertionError(
                f"proposal {pid}: replay ends {state['status']}, planned {status}"
            )
        # Resubmitting clears the public reason (grants.services._submit).
        if status not in ("revision", "rejected"):
            state["public_reason"] = ""

    # Offsets to moments, squeezed so that nothing happens after the limit.
    span = events[-1][0] if events else 0.0
    room = program.limit - t_submit
    scale = 1.0 if span <= room or span == 0 else room / span
    for event in events:
        event[0] = t_submit + event[0] * scale

    def moment(offset_or_none):
        return None if offset_or_none is None else t_submit + offset_or_none * scale

    created = t_submit - rng.uniform(0.2, 12) * DAY
    row = {
        "id": pid,
        "program_id": program.id,
        "applicant_id": applicant.id,
        "kecamatan": kecamatan,
        "kelurahan": kelurahan,
        **_codes(kecamatan, kelurahan),
        "requested_amount": requested,
        "recommended_amount": state["recommended"],
        "approved_amount": state["approved"],
        "disbursed_amount": state["disbursed"],
        "spent_amount": state["spent"],
        "status": status,
        "stage_id": stages[state["stage"] - 1].id
        if status != "draft" and state["stage"]
        else None,
        "assigned_unit": state["assigned_unit"],
        "public_reason": state["public_reason"],
        "nphd_number": state["nphd_number"],
        "nphd_date": moment(state["nphd_date"]),
        "created_at": created,
        "submitted_at": moment(state["submitted_at"]),
        "decided_at": moment(state["decided_at"]),
        "updated_at": events[-1][0] if events else created + rng.uniform(0, 3) * DAY,
    }
    return Built(
        program, applicant, row, events, approved if status in COMMITTED else 0
    )


def proposal_text(pid: int, ctx: Context, built: Built) -> tuple[str, str, str]:
    """Title, background and purpose (from a generator of their own)."""
    rng = random.Random(ctx.seed * 7_000_003 + pid)
    place = built.row["kelurahan"]
    if built.program.kind == "bansos":
        title, background, purpose = rng.choice(INDIVIDUAL_AID)
        return f"{title} di Kelurahan {place}", background, purpose
    title, background, purpose = rng.choice(ORG_ACTIVITIES)
    values = {"place": place, "rw": f"{rng.randint(1, 15):02d}"}
    return title.format(**values), background.format(**values), purpose.format(**values)


# --- seeding ------------------------------------------------------------------------


@dataclass
class Seed:
    tenant: object
    admin: object
    ctx: Context
    base_events: array.array  # events of proposal pid without extras, index pid - 1
    proposals: int = 0
    events: int = 0

    @property
    def label(self) -> str:
        return f"{self.proposals:,} proposals, {self.events:,} events"


def _ts(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat()


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC).timestamp()


def setup_tenant(seed_value: int):
    """Platform, Bandung and the hosted catalog entry, through the project's services."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from catalog.services import app_create
    from tenants.models import User
    from tenants.services import platform_ensure, tenant_provision, tenant_verify

    connection.set_schema_to_public()
    platform_ensure()
    password = make_password("Sabilulungan-2017!")
    admin = User.objects.create(
        email="admin@bandung.bench.test", full_name="Yana Mulyana", password=password
    )
    EmailAddress.objects.create(
        user=admin, email=admin.email, verified=True, primary=True
    )
    operator = User.objects.create(
        email="operator@bagipakai.bench.test",
        full_name="Operator BagiPakai",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    tenant = tenant_provision(
        actor=admin,
        name="Pemerintah Kota Bandung",
        kind="kota",
        region_code="32.73",
        slug=SLUG,
    )
    tenant = tenant_verify(actor=operator, tenant=tenant)
    app_create(
        actor=admin,
        publisher=tenant,
        slug="sabilulungan",
        name="Sabilulungan",
        short_description_id="Hibah dan bantuan sosial yang akuntabel.",
        short_description_en="Accountable grants and social aid.",
        categories=["grant-management"],
        development_status="stable",
        delivery_mode="hosted",
        hosted_module="grants",
        license="AGPL-3.0-or-later",
        url="https://git.bandung.go.id/diskominfo/sabilulungan",
        platforms=["web"],
        languages=["id"],
    )
    return tenant, admin


def create_programs(tenant, admin) -> list[ProgramInfo]:
    """Eight programs with the default stages, opened (and closed for past years)."""
    from django.db import connection

    from grants import services
    from grants.models import ReviewStage

    connection.set_tenant(tenant)
    now = time.time()
    infos = []
    for name, kind, year, unit, _share in PROGRAMS:
        opens = date(year, 1, 6)
        closes = date(year, 12, 15) if year >= CURRENT_YEAR else date(year, 6, 30)
        program = services.program_create(
            tenant=tenant,
            actor_user=admin,
            name=f"{name} {year}",
            kind=kind,
            fiscal_year=year,
            budget=1_000_000_000,  # raised once the proposals are known
            responsible_unit=unit,
            opens_on=opens,
            closes_on=closes,
            eligibility="Lembaga dan warga Kota Bandung yang memenuhi Perwal hibah.",
            required_documents=["Proposal", "Surat keterangan domisili"],
        )
        services.program_set_status(
            tenant=tenant, actor_user=admin, program=program, status="open"
        )
        if year < CURRENT_YEAR:
            services.program_set_status(
                tenant=tenant, actor_user=admin, program=program, status="closed"
            )
        stages = tuple(
            StageInfo(s.pk, s.position, s.name, s.role, s.sets_amount, s.assigns_unit)
            for s in ReviewStage.objects.filter(program=program).order_by("position")
        )
        submit_until = min(_epoch(closes), now - 30 * DAY)
        infos.append(
            ProgramInfo(
                id=program.pk,
                name=program.name,
                kind=kind,
                year=year,
                stages=stages,
                opens=_epoch(opens),
                closes=submit_until,
                limit=min(datetime(year + 1, 3, 31, tzinfo=UTC).timestamp(), now - DAY),
            )
        )
    return infos


def _nik(rng: random.Random, kecamatan_index: int, female: bool, serial: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    day = born.day + (40 if female else 0)
    return f"3273{kecamatan_index + 1:02d}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def seed_applicants(rng: random.Random, count: int) -> tuple[list, list]:
    """`count` users and applicant profiles: 55% organisations, the rest individuals."""
    from django.contrib.auth.hashers import make_password

    from grants.models import NIK_VALIDATOR, Applicant
    from tenants.models import User

    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"pemohon{i}@warga.bench.test", full_name="", password=unusable)
            for i in range(1, count + 1)
        ],
        batch_size=2000,
    )
    applicants = []
    for i, user in enumerate(users):
        index = rng.randrange(len(KECAMATAN))
        kecamatan, places = KECAMATAN[index]
        kelurahan = rng.choice(places)
        if i < count * 55 // 100:
            base, legal_form = rng.choice(ORG_KINDS)
            name = (
                f"{base} {kelurahan} {i}"
                if base in ("Karang Taruna", "PKK")
                else f"{base} {kelurahan}"
            )
            fields = {
                "kind": "organisation",
                "name": name,
                "legal_form": legal_form,
                "registration_number": f"AHU-{rng.randrange(10**7):07d}.AH.01.04.Tahun {rng.randint(2005, 2024)}",
                "npwp": f"{rng.randrange(10**15):015d}",
            }
        else:
            first, sex = rng.choice(FIRST_NAMES)
            name = f"{first} {rng.choice(LAST_NAMES)}"
            nik = _nik(rng, index, sex == "f", i + 1)
            NIK_VALIDATOR(nik)
            fields = {"kind": "individual", "name": name, "nik": nik}
        applicants.append(
            Applicant(
                user_id=user.pk,
                address=f"Jl. {rng.choice(LAST_NAMES)} No. {rng.randint(1, 200)}, RT {rng.randint(1, 12):02d}/RW {rng.randint(1, 15):02d}",
                kecamatan=kecamatan,
                kelurahan=kelurahan,
                **_codes(kecamatan, kelurahan),
                bank_name=rng.choice(BANKS),
                bank_account=f"{rng.randrange(10**13):013d}",
                bank_account_name=name,
                **fields,
            )
        )
    Applicant.objects.bulk_create(applicants, batch_size=2000)
    organisations, individuals = [], []
    for applicant in applicants:
        info = ApplicantInfo(
            applicant.pk, applicant.kecamatan, applicant.kelurahan, applicant.name
        )
        (organisations if applicant.kind == "organisation" else individuals).append(
            info
        )
    return organisations, individuals


def prepare(seed_value: int, total: int) -> Seed:
    """Tenant, programs, applicants, and a pre-pass over every proposal to come:
    events per proposal (without extras) and the approved totals, for the budgets."""
    from grants import services

    rng = random.Random(seed_value)
    tenant, admin = setup_tenant(seed_value)
    programs = create_programs(tenant, admin)
    organisations, individuals = seed_applicants(rng, 2000)
    shares = [share for *_rest, share in PROGRAMS]
    cumulative = [sum(shares[: i + 1]) for i in range(len(shares))]
    ctx = Context(seed_value, programs, cumulative, organisations, individuals)
    base_events = array.array("H", bytes(2 * total))
    approved: dict[int, int] = {}
    for pid in range(1, total + 1):
        built = build(pid, ctx)
        base_events[pid - 1] = len(built.events)
        approved[built.program.id] = approved.get(built.program.id, 0) + built.approved
    # Budget ceilings above what will be approved (APBD-P: the ceiling was raised).
    from grants.models import Program

    for info in programs:
        budget = (
            math.ceil(max(approved.get(info.id, 0), 1) * 1.15 / 1e9) * 1_000_000_000
        )
        services.program_update(
            tenant=tenant,
            actor_user=admin,
            program=Program.objects.get(pk=info.id),
            budget=budget,
        )
    return Seed(tenant, admin, ctx, base_events)


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    buffer.seek(0)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
        buffer,
    )


PROPOSAL_COLUMNS = (
    "id",
    "program_id",
    "applicant_id",
    "title",
    "background",
    "purpose",
    "kecamatan",
    "kelurahan",
    "kecamatan_code",
    "kelurahan_code",
    "requested_amount",
    "recommended_amount",
    "approved_amount",
    "disbursed_amount",
    "spent_amount",
    "status",
    "stage_id",
    "assigned_unit",
    "public_reason",
    "nphd_number",
    "nphd_date",
    "created_at",
    "submitted_at",
    "decided_at",
    "updated_at",
)
EVENT_COLUMNS = (
    "seq",
    "at",
    "proposal_id",
    "program_id",
    "action",
    "from_status",
    "to_status",
    "stage",
    "actor_role",
    "actor_label",
    "amounts",
    "note",
    "prev_hash",
    "hash",
)
NULL = "\\N"


def _csv_value(value):
    return NULL if value is None else value


def grow(seed: Seed, proposals: int, events: int) -> None:
    """Add proposals seed.proposals+1 .. `proposals` and audit events up to `events` in all."""
    from django.db import connection

    from grants.audit import GENESIS, digest, public_record
    from grants.models import AuditEvent

    ctx, schema = seed.ctx, seed.tenant.schema_name
    connection.set_tenant(seed.tenant)
    first, last = seed.proposals + 1, proposals
    pids = range(first, last + 1)
    existing = AuditEvent.objects.count()
    wanted = events - existing
    base = sum(seed.base_events[pid - 1] for pid in pids)
    deficit = wanted - base
    cycles = bytearray(len(pids))
    corrections = bytearray(len(pids))
    rng = random.Random(ctx.seed * 31 + last)
    candidates = [i for i, pid in enumerate(pids) if seed.base_events[pid - 1]]
    while deficit > 0 and candidates:
        i = rng.choice(candidates)
        if deficit >= 2 and rng.random() < 0.5 and cycles[i] < 250:
            cycles[i] += 1
            deficit -= 2
        elif corrections[i] < 250:
            corrections[i] += 1
            deficit -= 1
    if deficit < 0:
        print(
            f"  note: the proposals' histories need {base:,} events, more than the "
            f"{wanted:,} wanted; the chain is cut at {events:,}"
        )

    # Proposals first (their rows carry the outcome of every event).
    started = time.perf_counter()
    submitted = array.array("d", bytes(8 * len(pids)))
    with connection.cursor() as cursor:
        rows = []
        for i, pid in enumerate(pids):
            built = build(pid, ctx, cycles[i], corrections[i])
            submitted[i] = built.events[0][0] if built.events else -1.0
            row = built.row
            row["title"], row["background"], row["purpose"] = proposal_text(
                pid, ctx, built
            )
            for key in ("created_at", "submitted_at", "decided_at", "updated_at"):
                row[key] = _ts(row[key])
            if row["nphd_date"] is not None:
                row["nphd_date"] = (
                    (datetime.fromtimestamp(row["nphd_date"], UTC) + timedelta(hours=7))
                    .date()
                    .isoformat()
                )
            rows.append([_csv_value(row[c]) for c in PROPOSAL_COLUMNS])
            if len(rows) == COPY_BATCH:
                _copy(cursor, f'"{schema}".grants_proposal', PROPOSAL_COLUMNS, rows)
                rows = []
        if rows:
            _copy(cursor, f'"{schema}".grants_proposal', PROPOSAL_COLUMNS, rows)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{schema}\".grants_proposal', 'id'), %s)",
            [last],
        )
    print(f"  {len(pids):,} proposals in {time.perf_counter() - started:.1f} s")

    # Then the events, merged in time order, hash-chained, COPYed in batches.
    started = time.perf_counter()
    previous = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    seq = previous["seq"] if previous else 0
    prev_hash = previous["hash"] if previous else GENESIS
    heap = [(submitted[i], pid, 0) for i, pid in enumerate(pids) if submitted[i] >= 0]
    heapq.heapify(heap)
    active: dict[int, list] = {}
    event = _Event()
    written = 0
    with connection.cursor() as cursor:
        rows = []
        while heap and written < wanted:
            moment, pid, step = heapq.heappop(heap)
            if step == 0:
                i = pid - first
                built = build(pid, ctx, cycles[i], corrections[i])
                active[pid] = (built.program.id, built.events)
            program_id, history = active[pid]
            when, action, frm, to, stage, role, label, amounts, note = history[step]
            if action == "approve":
                total = ctx.committed.get(program_id, 0) + amounts["approved"]
                ctx.committed[program_id] = total
                amounts["program_committed"] = total
            seq += 1
            event.seq = seq
            event.at = datetime.fromtimestamp(when, UTC)
            event.proposal_id = pid
            event.program_id = program_id
            event.action = action
            event.from_status = frm
            event.to_status = to
            event.stage = stage
            event.actor_role = role
            event.actor_label = label
            event.amounts = amounts
            event.note = note
            event.prev_hash = prev_hash
            event.hash = None
            prev_hash = digest(prev_hash, public_record(event))
            rows.append(
                (
                    seq,
                    event.at.isoformat(),
                    pid,
                    program_id,
                    action,
                    frm,
                    to,
                    stage,
                    role,
                    label,
                    json.dumps(amounts),
                    note,
                    event.prev_hash,
                    prev_hash,
                )
            )
            written += 1
            if step + 1 < len(history):
                heapq.heappush(heap, (history[step + 1][0], pid, step + 1))
            else:
                del active[pid]
            if len(rows) == COPY_BATCH:
                _copy(cursor, f'"{schema}".grants_auditevent', EVENT_COLUMNS, rows)
                rows = []
                if written % 100_000 == 0:
                    print(
                        f"  {written:,} / {wanted:,} events "
                        f"({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
        if rows:
            _copy(cursor, f'"{schema}".grants_auditevent', EVENT_COLUMNS, rows)
    print(f"  {written:,} events in {time.perf_counter() - started:.1f} s")
    vacuum_analyze()
    seed.proposals = last
    seed.events = AuditEvent.objects.count()


def vacuum_analyze() -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"  VACUUM (ANALYZE) in {time.perf_counter() - started:.1f} s")


class _Event:
    """What grants.audit.public_record reads from an AuditEvent."""

    __slots__ = (
        "seq",
        "at",
        "proposal_id",
        "program_id",
        "action",
        "from_status",
        "to_status",
        "stage",
        "actor_role",
        "actor_label",
        "amounts",
        "note",
        "prev_hash",
        "hash",
    )
    # The seeded events use hashing scheme v1 (grants/audit.py), the column's default.
    v = 1


# --- measurements: pages -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    page: str
    size: str
    durations: tuple[float, ...]  # seconds
    queries: tuple[int, ...]  # per URL of the rotation
    search_path: tuple[int, ...]  # of which SET search_path
    by_url: dict = field(default_factory=dict, compare=False)  # url -> durations

    @property
    def p95_ms(self) -> float:
        return nearest_rank(self.durations, 0.95) * 1000


def _span(values: tuple[int, ...]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


LIST_FILTERED = (
    "list, filters `/grants/proposals/?status=&kecamatan=&amount_min=&program=&year=`"
)
LIST_PAGES = "list, unfiltered, page 1 / 2 / middle / last"
LIST_SEARCH = "list, text search `?q=` (not in the target)"
PROGRAM = "program totals `/grants/programs/<id>/`"
PORTAL = "portal home `/grants/`"
STATISTICS = "statistics `/grants/statistics/` (not in the target)"
DETAIL = "proposal + timeline `/grants/proposals/<id>/` (not in the target)"
TARGETED = (LIST_FILTERED, LIST_PAGES, PROGRAM)


def filter_rotation(seed: Seed) -> list[str]:
    """Filter combinations, with values taken from public proposals of the small data."""
    from django.db.models import Count

    from grants.selectors import public_proposals

    public = public_proposals()

    def top(field_name, **filters):
        row = (
            public.filter(**filters)
            .values(field_name)
            .annotate(n=Count("pk"))
            .order_by("-n", field_name)
            .first()
        )
        return row[field_name]

    kecamatan = top("kecamatan")
    program = top("program_id")
    year = top("program__fiscal_year")
    disbursed = public.filter(status="disbursed").order_by("pk").first()
    approved = (
        public.filter(status="approved", program_id=program).order_by("pk").first()
        or public.filter(status="closed").order_by("pk").first()
    )
    combos = [
        {"status": "in_review"},
        {"kecamatan": kecamatan},
        {"amount_min": "10.000.000", "amount_max": "50.000.000"},
        {"program": program},
        {"year": year},
        {"status": "closed", "year": year - 1 if year > 2023 else year},
        {
            "status": "disbursed",
            "kecamatan": disbursed.kecamatan,
            "year": disbursed.program.fiscal_year,
        },
        {
            "program": approved.program_id,
            "status": approved.status,
            "amount_min": f"{max(approved.requested_amount // 2, 1):,}".replace(
                ",", "."
            ),
        },
    ]
    return [f"/grants/proposals/?{urlencode(c)}" for c in combos]


def detail_rotation() -> list[int]:
    """20 public proposals of the small data, spread over its ids."""
    from grants.selectors import public_proposals

    ids = list(public_proposals().order_by("pk").values_list("pk", flat=True))
    return ids[:: max(1, len(ids) // 20)][:20]


def rotation(
    seed: Seed, filtered: list[str], detail_ids: list[int]
) -> dict[str, list[str]]:
    from grants.models import Program
    from grants.selectors import PAGE_SIZE, public_proposals

    pages = max(1, math.ceil(public_proposals().count() / PAGE_SIZE))
    programs = list(
        Program.objects.exclude(status="draft")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {
        LIST_FILTERED: filtered,
        LIST_PAGES: [
            "/grants/proposals/",
            "/grants/proposals/?page=2",
            f"/grants/proposals/?page={max(1, pages // 2)}",
            f"/grants/proposals/?page={pages}",
        ],
        LIST_SEARCH: [
            "/grants/proposals/?q=balai",
            "/grants/proposals/?q=Karang+Taruna",
            "/grants/proposals/?q=sembako",
        ],
        PROGRAM: [f"/grants/programs/{pk}/" for pk in programs],
        PORTAL: ["/grants/"],
        STATISTICS: ["/grants/statistics/"],
        DETAIL: [f"/grants/proposals/{pk}/" for pk in detail_ids],
    }


def _client():
    from django.test import Client

    return Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="id")


def _get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"FAIL: GET {url} answered {response.status_code}")
    return response


def _count_queries(client, url: str) -> tuple[int, int, list[dict], bytes]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = _get(client, url)
    statements = captured.captured_queries
    return (
        len(statements),
        sum(q["sql"].startswith("SET search_path") for q in statements),
        statements,
        response.content,
    )


def measure_pages(
    seed: Seed,
    urls: dict[str, list[str]],
    requests: int,
    warmup: int,
    label: str | None = None,
) -> list[Row]:
    """Time every page, round-robin so that a busy moment hits all pages alike."""
    client = _client()
    for i in range(warmup):
        for page_urls in urls.values():
            _get(client, page_urls[i % len(page_urls)])
    durations: dict[str, list[float]] = {page: [] for page in urls}
    by_url: dict[str, dict[str, list[float]]] = {page: {} for page in urls}
    for i in range(requests):
        for page, page_urls in urls.items():
            url = page_urls[i % len(page_urls)]
            started = time.perf_counter()
            _get(client, url)
            elapsed = time.perf_counter() - started
            durations[page].append(elapsed)
            by_url[page].setdefault(url, []).append(elapsed)
    rows = []
    for page, page_urls in urls.items():
        counts = []
        for url in page_urls:
            total, set_calls, _statements, content = _count_queries(client, url)
            if page in (LIST_FILTERED, LIST_PAGES) and b'id="proposal-' not in content:
                raise SystemExit(f"FAIL: {url} lists no proposal at {seed.label}")
            counts.append((total, set_calls))
        rows.append(
            Row(
                page,
                label or seed.label,
                tuple(durations[page]),
                tuple(t for t, _s in counts),
                tuple(s for _t, s in counts),
                by_url[page],
            )
        )
    return rows


def explain(seed: Seed, rows: list[Row]) -> None:
    """EXPLAIN ANALYZE of the two slowest statements of each page's slowest URL."""
    from django.db import connection

    client = _client()
    print("\n### EXPLAIN ANALYZE of the slowest statements at " + rows[0].size + "\n")
    for row in rows:
        url = max(row.by_url, key=lambda u: statistics.median(row.by_url[u]))
        _count_queries(client, url)  # warm
        _total, _set, statements, _content = _count_queries(client, url)
        timed = sorted(
            (q for q in statements if not q["sql"].startswith("SET search_path")),
            key=lambda q: float(q["time"]),
            reverse=True,
        )
        print(f"#### {row.page}: `{url}`\n")
        for query in timed[:2]:
            connection.set_tenant(seed.tenant)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(line for (line,) in cursor.fetchall())
            print(
                f"statement ({query['time']} s in the request):\n```sql\n{query['sql']}\n```\n```\n{plan}\n```\n"
            )


# --- measurements: exports and the chain, in a child process -------------------------------


class RssSampler(threading.Thread):
    """The resident set size of this process, sampled every 2 ms; remembers the peak."""

    def __init__(self):
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.002)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        return self.peak


def _high_water_mark() -> int | None:
    """Peak resident set of this process since its exec (Linux), in bytes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _trim() -> None:
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def probe(kind: str, schema: str, tracemalloc_pass: bool) -> dict:
    """In a fresh process: one export (or the chain check), measured twice."""
    import tracemalloc

    import psutil
    from django.db import connection

    from tenants.models import Tenant

    def run_export(url):
        client = _client()
        statements = [0, 0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            statements[1] += sql.startswith("SET search_path")
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = _get(client, url)
            size = 0
            for chunk in response.streaming_content:
                size += len(chunk)
            response.close()
        return {"bytes": size, "queries": statements[0], "search_path": statements[1]}

    def run_verify(_url):
        from grants.audit import verify_stored

        connection.set_tenant(Tenant.objects.get(schema_name=schema))
        report = verify_stored()
        return {"events": report.events, "ok": report.ok, "reason": report.reason}

    url = {"json": "/open-data/grants.json", "csv": "/open-data/grants.csv"}.get(kind)
    run = run_verify if kind == "verify" else run_export
    # Warm up: middleware, URLconf, templates, the export module, the tenant row.
    _get(_client(), "/grants/")
    import grants.audit  # noqa: F401
    import grants.open_data  # noqa: F401

    connection.set_schema_to_public()
    _trim()
    process = psutil.Process()
    baseline = process.memory_info().rss
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    result = run(url)
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    result.update(
        seconds=seconds,
        rss_baseline=baseline,
        rss_growth=peak - baseline,
        peak_rss=_high_water_mark() or peak,
    )
    if tracemalloc_pass:
        connection.set_schema_to_public()
        _trim()
        tracemalloc.start()
        started = time.perf_counter()
        run(url)
        result["traced_seconds"] = time.perf_counter() - started
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


@dataclass(frozen=True)
class ProbeRow:
    what: str
    size: str
    result: dict


PROBES = (
    ("json", "full JSON export `/open-data/grants.json`"),
    ("csv", "CSV export `/open-data/grants.csv`"),
    ("verify", "chain check `grants.audit.verify_stored()`"),
)


def run_probes(seed: Seed, tracemalloc_pass: bool) -> list[ProbeRow]:
    rows = []
    for kind, label in PROBES:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--probe",
            kind,
            "--schema",
            seed.tenant.schema_name,
        ]
        if not tracemalloc_pass:
            command.append("--no-tracemalloc")
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"FAIL: probe {kind}:\n{done.stdout}\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if kind == "verify" and not (result["ok"] and result["events"] == seed.events):
            raise SystemExit(f"FAIL: the audit chain does not verify: {result}")
        print(
            f"  {kind}: {time.perf_counter() - started:.1f} s (child process)",
            flush=True,
        )
        rows.append(ProbeRow(label, seed.label, result))
    return rows


# --- report ------------------------------------------------------------------------


def print_report(
    rows: list[Row], probes: list[ProbeRow], published: dict[str, int]
) -> None:
    print()
    print(
        "| page | data size | p50 ms | p95 ms | max ms | queries | of which SET search_path |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    order = list(dict.fromkeys(row.page for row in rows))
    for row in sorted(rows, key=lambda r: order.index(r.page)):
        print(
            f"| {row.page} | {row.size} | {statistics.median(row.durations) * 1000:.1f} "
            f"| {row.p95_ms:.1f} | {max(row.durations) * 1000:.1f} "
            f"| {_span(row.queries)} | {_span(row.search_path)} |"
        )
    if probes:
        print_probes(probes, published)
    print()
    for line in TARGET_LINES:
        print(line)
    summarize(rows, probes)


def print_probes(probes: list[ProbeRow], published: dict[str, int]) -> None:
    print()
    print(
        "| export / check | data size | rows | MB out | seconds | queries (SET search_path) "
        "| RSS growth MB | child peak RSS MB | tracemalloc peak MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    order = [label for _kind, label in PROBES]
    for probe_row in sorted(probes, key=lambda p: order.index(p.what)):
        r = probe_row.result
        if "bytes" in r:
            rows_out = f"{published[probe_row.size]:,} grants"
            out = f"{r['bytes'] / MB:.1f}"
            queries = f"{r['queries']} ({r['search_path']})"
        else:
            rows_out = f"{r['events']:,} events ({'intact' if r['ok'] else 'BROKEN'})"
            out, queries = "–", "–"
        traced = f"{r['traced_peak'] / MB:.1f}" if "traced_peak" in r else "–"
        print(
            f"| {probe_row.what} | {probe_row.size} | {rows_out} | {out} | {r['seconds']:.1f} "
            f"| {queries} | {r['rss_growth'] / MB:.1f} | {r['peak_rss'] / MB:.0f} | {traced} |"
        )


def summarize(rows: list[Row], probes: list[ProbeRow]) -> None:
    by_page: dict[str, list[Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, []).append(row)
    largest = rows[-1].size
    slow = [r for r in rows if r.size == largest and r.p95_ms >= TARGET_MS]
    missed = [f"{r.page} ({r.p95_ms:.0f} ms)" for r in slow if r.page in TARGETED]
    others = [f"{r.page} ({r.p95_ms:.0f} ms)" for r in slow if r.page not in TARGETED]
    print(
        f"p95 at {largest}: "
        + (
            "list and program totals under target"
            if not missed
            else "OVER target: " + "; ".join(missed)
        )
        + ("" if not others else "; also over: " + "; ".join(others))
    )
    # Per URL of the rotation (the same position at every size): organisations'
    # proposals load their budget lines, individuals' do not.
    varying = [
        page
        for page, measured in by_page.items()
        if len({r.queries for r in measured}) > 1
    ]
    print(
        "queries per page: "
        + ("constant" if not varying else "NOT constant: " + "; ".join(varying))
    )
    if probes:
        memory = [
            p
            for p in probes
            if max(p.result["rss_growth"], p.result.get("traced_peak", 0))
            >= TARGET_MB * MB
        ]
        print(
            "export and check memory: "
            + (
                "under target at every size"
                if not memory
                else "OVER target: "
                + "; ".join(f"{p.what} at {p.size}" for p in memory)
            )
        )
    print()


def print_url_breakdown(rows: list[Row]) -> None:
    print("\nPer URL at " + rows[-1].size + " (median / max ms):\n")
    print("| page | URL | median ms | max ms |")
    print("|---|---|---:|---:|")
    for row in rows:
        for url, values in row.by_url.items():
            print(
                f"| {row.page.split(' `')[0]} | `{url}` | {statistics.median(values) * 1000:.1f} | {max(values) * 1000:.1f} |"
            )


# --- main ------------------------------------------------------------------------


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time Sabilulungan's public pages, exports and chain check at two data sizes.",
    )
    parser.add_argument(
        "--proposals",
        type=_positive,
        default=100_000,
        help="proposals at full size (default 100000)",
    )
    parser.add_argument(
        "--events",
        type=_positive,
        default=1_000_000,
        help="audit events at full size (default 1000000)",
    )
    parser.add_argument(
        "--requests",
        type=_positive,
        default=100,
        help="timed requests per page and data size (default 100)",
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="untimed requests first (default 10)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed of the data (default 1)"
    )
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the second, traced pass of each export and check",
    )
    parser.add_argument(
        "--no-probes",
        action="store_true",
        help="skip the exports and the chain check (pages only)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the slowest statements at full size",
    )
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="seed the full size once into database NAME on the same server and keep "
        "it: later runs find the data there, apply new migrations and measure the "
        "full size only (no small size, nothing seeded again)",
    )
    parser.add_argument(
        "--try-sql",
        action="append",
        default=[],
        metavar="SQL",
        help="after measuring, run SQL in the tenant's schema (e.g. CREATE "
        "INDEX ...), VACUUM (ANALYZE), and measure the pages again; repeatable",
    )
    # Internal: the child process that measures one export or the chain check.
    parser.add_argument(
        "--probe", choices=[k for k, _l in PROBES], help=argparse.SUPPRESS
    )
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is None and args.proposals <= SMALL_PROPOSALS:
        parser.error(f"--proposals must be more than {SMALL_PROPOSALS}")
    return args


def _setup_django() -> None:
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As in the test suite: whitenoise finds no collectstatic output, fine here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


def _point_and_setup(server, name) -> None:
    point_django_at(
        server,
        name,
        HTTPS="0",
        STATIC_MANIFEST="0",
        BASE_DOMAIN=BASE_DOMAIN,
        ALLOWED_HOSTS=f"{BASE_DOMAIN},.{BASE_DOMAIN}",
        # Mail stays in memory (no step here should send any).
        EMAIL_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Every request renders: the page cache would answer repeats from memory.
        PAGE_CACHE_SECONDS="0",
    )
    _setup_django()


def run_throwaway(args, server, name) -> None:
    _point_and_setup(server, name)
    from django.core.management import call_command
    from django.db import connection

    from grants.open_data import published

    print(f"server: {server.description}; throwaway database {name}")
    print(
        f"PostgreSQL server version {connection.pg_version}; {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(
        f"setup: migrate + template schema in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    seed = prepare(args.seed, args.proposals)
    print(
        f"setup: tenant, catalog entry, programs, 2,000 applicants, pre-pass in {time.perf_counter() - started:.1f} s"
    )

    small_events = max(1, round(args.events * SMALL_PROPOSALS / args.proposals))
    rows: list[Row] = []
    probes: list[ProbeRow] = []
    published_count: dict[str, int] = {}
    filtered: list[str] = []
    detail_ids: list[int] = []
    for proposals, events in (
        (SMALL_PROPOSALS, small_events),
        (args.proposals, args.events),
    ):
        started = time.perf_counter()
        print(
            f"seeding up to {proposals:,} proposals and {events:,} events ...",
            flush=True,
        )
        grow(seed, proposals, events)
        print(
            f"seeded {seed.label} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        connection.set_tenant(seed.tenant)
        published_count[seed.label] = published().count()
        if not filtered:
            filtered = filter_rotation(seed)
            detail_ids = detail_rotation()
        urls = rotation(seed, filtered, detail_ids)
        _trim()
        started = time.perf_counter()
        size_rows = measure_pages(seed, urls, args.requests, args.warmup)
        rows += size_rows
        print(
            f"measured pages at {seed.label} in {time.perf_counter() - started:.1f} s "
            f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)",
            flush=True,
        )
        probes += run_probes(seed, not args.no_tracemalloc)
    print_report(rows, probes, published_count)
    print_url_breakdown(size_rows)
    if args.explain:
        explain(seed, size_rows)
    if args.try_sql:
        connection.set_tenant(seed.tenant)
        with connection.cursor() as cursor:
            for statement in args.try_sql:
                started = time.perf_counter()
                cursor.execute(statement)
                print(
                    f"\ntry-sql ({time.perf_counter() - started:.1f} s): {statement}"
                )
        vacuum_analyze()
        label = seed.label + " + try-sql"
        tried = measure_pages(seed, urls, args.requests, args.warmup, label=label)
        print_report(size_rows + tried, [], published_count)
        print_url_breakdown(tried)
        if args.explain:
            explain(seed, tried)



def run_kept(args, server, name) -> None:
    """Seed once (full size only) into a kept database; later runs reuse it."""
    _point_and_setup(server, name)
    from django.core.management import call_command
    from django.db import connection

    from grants.models import AuditEvent, Proposal
    from grants.open_data import published
    from tenants.models import Tenant

    print(f"server: {server.description}; kept database {name}")
    print(f"PostgreSQL server version {connection.pg_version}; {os.cpu_count()} CPUs")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"setup: migrate in {time.perf_counter() - started:.1f} s")
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        started = time.perf_counter()
        seed = prepare(args.seed, args.proposals)
        print(f"setup: tenant, programs, applicants, pre-pass in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        grow(seed, args.proposals, args.events)
        print(f"seeded {seed.label} in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        connection.set_tenant(tenant)
        seed = Seed(tenant, None, None, None)
        seed.proposals = Proposal.objects.count()
        seed.events = AuditEvent.objects.count()
        print(f"reusing {seed.label} in {name} (nothing seeded)")
    connection.set_tenant(seed.tenant)
    published_count = {seed.label: published().count()}
    urls = rotation(seed, filter_rotation(seed), detail_rotation())
    _trim()
    started = time.perf_counter()
    rows = measure_pages(seed, urls, args.requests, args.warmup)
    print(
        f"measured pages at {seed.label} in {time.perf_counter() - started:.1f} s "
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    probes = [] if args.no_probes else run_probes(seed, not args.no_tracemalloc)
    print_report(rows, probes, published_count)
    print_url_breakdown(rows)
    if args.explain:
        explain(seed, rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe:  # the child: the parent's environment already points at the database
        _setup_django()
        print(json.dumps(probe(args.probe, args.schema, not args.no_tracemalloc)))
        return 0

    install_sigterm_handler()
    run_started = time.perf_counter()
    if args.keep_db:
        with kept_database(args.keep_db) as (server, name, _created):
            run_kept(args, server, name)
    else:
        with throwaway_database() as (server, name):
            run_throwaway(args, server, name)
    print(f"total runtime {time.perf_counter() - run_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
