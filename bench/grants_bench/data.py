"""What the grants benchmark seeds: word lists, programs, and each proposal built
reproducibly from its number (statuses, amounts, the events that brought it there)."""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field

from bench.grants_bench.constants import DAY

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
