"""Sabilulungan demo data: programs with proposals in every state, for Bandung and Tangerang.

Everything goes through grants.services, so the audit chain is real. Loaded by
`seed_demo`; skipped for a tenant that already has programs.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants import register
from tenants.models import Membership, Tenant, User

from . import services
from .models import (
    Announcement,
    CitizenReport,
    Program,
    Proposal,
    ProposalDocument,
    Regulation,
)
from .roles import GrantRole, roles_store

PDF = b"%PDF-1.4\n% BagiPakai demo document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ORGANISATIONS = [
    ("Karang Taruna Kelurahan Sejahtera", "Perkumpulan", "", ""),
    ("Yayasan Panti Asuhan Al-Ikhlas", "Yayasan", "Coblong", "Dago"),
    ("Masjid Jami Al-Hidayah", "Badan kemakmuran masjid", "Cicendo", "Pasirkaliki"),
    ("Kelompok Tani Sauyunan", "Kelompok tani", "Ujungberung", "Pasanggrahan"),
    ("Paguyuban Seni Sunda Lingkung Seni", "Paguyuban", "Lengkong", "Malabar"),
    (
        "PKK Kelurahan Sukaluyu",
        "Organisasi kemasyarakatan",
        "Cibeunying Kaler",
        "Sukaluyu",
    ),
]
INDIVIDUALS = [
    ("Siti Rahmawati", "3273014501800002", "Bojongloa Kaler", "Kopo"),
    ("Asep Sunandar", "3273020305750003", "Antapani", "Antapani Tengah"),
    ("Dedeh Kurniasih", "3273036607680001", "Kiaracondong", "Babakan Sari"),
]

# Kecamatan and kelurahan of each demo city, for realistic locations.
LOCATIONS = {
    "bandung": [
        ("Sumur Bandung", "Braga"),
        ("Coblong", "Dago"),
        ("Cicendo", "Pasirkaliki"),
        ("Ujungberung", "Pasanggrahan"),
        ("Lengkong", "Malabar"),
        ("Cibeunying Kaler", "Sukaluyu"),
        ("Bojongloa Kaler", "Kopo"),
        ("Antapani", "Antapani Tengah"),
        ("Kiaracondong", "Babakan Sari"),
    ],
    "tangerang": [
        ("Karawaci", "Karawaci Baru"),
        ("Cipondoh", "Poris Plawad"),
        ("Tangerang", "Sukaasih"),
        ("Ciledug", "Sudimara Barat"),
        ("Larangan", "Larangan Utara"),
        ("Pinang", "Panunggangan"),
        ("Periuk", "Gebang Raya"),
        ("Neglasari", "Karangsari"),
        ("Batuceper", "Poris Gaga"),
    ],
}


def _place(tenant: Tenant, kecamatan: str, kelurahan: str) -> dict:
    """Register codes of a demo place; in a city without demo places, its first ones."""
    home = tenant.seat_region
    district, village = register.match_place(home.code, kecamatan, kelurahan)
    if district is None or village is None:
        district = register.children(home.code)[0]
        village = register.children(district.code)[0]
    return {"kecamatan_code": district.code, "kelurahan_code": village.code}


NIK_PREFIX = {"bandung": "3273", "tangerang": "3671"}

# (how far each proposal gets) for the hibah program: covers every state.
HIBAH_PATHS = [
    "draft",
    "in_review:1",
    "in_review:4",
    "revision",
    "awaiting_approval",
    "approved",
    "agreement_signed",
    "disbursed",
    "reported",
    "closed",
    "rejected",
    "withdrawn",
]
BANSOS_PATHS = ["in_review:1", "approved", "disbursed", "closed"]

# One person per Sabilulungan role (separation of duties: whoever recommends an
# amount does not approve it, whoever approves does not disburse). The program
# manager is the tenant's demo administrator.
ROLE_PEOPLE = [
    (GrantRole.TATA_USAHA, "tu", "Tata Usaha"),
    (GrantRole.KEPALA_DAERAH, "kepala", "Kepala Bagian Kesra"),
    (GrantRole.TIM_PERTIMBANGAN, "timpertimbangan", "Tim Pertimbangan"),
    (GrantRole.OPD, "opd", "Evaluator OPD"),
    (GrantRole.TAPD, "tapd", "Anggota TAPD"),
    (GrantRole.TREASURER, "bendahara", "Bendahara"),
]


def role_email(tenant_slug: str, local: str) -> str:
    return f"{local}@{tenant_slug}.bagipakai.test"


def _grant_people(tenant: Tenant, admin: User, password_hash: str) -> dict:
    """The demo officials of a tenant, one per role, as staff members."""
    from allauth.account.models import EmailAddress

    people = {GrantRole.PROGRAM_MANAGER: admin}
    for role, local, title in ROLE_PEOPLE:
        email = role_email(tenant.slug, local)
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "password": password_hash,
                "full_name": f"{title} {_city_name(tenant)}",
            },
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.get_or_create(
            user=user, tenant=tenant, defaults={"role": Membership.Role.STAFF}
        )
        with tenant_context(tenant):
            roles_store(user.pk, frozenset({role}))
        people[role] = user
    return people


def seed_grants(*, tenant: Tenant, admin: User, staff: User, password_hash: str) -> int:
    """Programs and proposals for one tenant. Returns how many proposals were created.

    Each Sabilulungan role has its own demo person (ROLE_PEOPLE); the general
    staff account reads the back office without a grant role.
    """
    with tenant_context(tenant):
        roles_store(admin.pk, frozenset({GrantRole.PROGRAM_MANAGER}))
        roles_store(staff.pk, frozenset())
    people = _grant_people(tenant, admin, password_hash)
    with tenant_context(tenant):
        _seed_pages(tenant, admin)
        if Program.objects.exists():
            _seed_reports(tenant, people[GrantRole.TATA_USAHA])
            return 0
        year = timezone.localdate().year
        today = timezone.localdate()
        with transaction.atomic():
            hibah = services.program_create(
                tenant=tenant,
                actor_user=admin,
                name=f"Hibah Kegiatan Kemasyarakatan {year}",
                kind=Program.Kind.HIBAH,
                applicants=Program.Applicants.ORGANISATIONS,
                fiscal_year=year,
                budget=2_500_000_000,
                responsible_unit="Bagian Kesejahteraan Rakyat Setda",
                opens_on=today - timedelta(days=60),
                closes_on=today + timedelta(days=60),
                eligibility="Organisasi kemasyarakatan berbadan hukum yang berdomisili di kota ini paling singkat 3 tahun.",
                required_documents=[
                    "Proposal bertanda tangan",
                    "Akta pendirian",
                    "Surat keterangan domisili",
                ],
            )
            bansos = services.program_create(
                tenant=tenant,
                actor_user=admin,
                name=f"Bantuan Sosial Rehabilitasi Rumah Tidak Layak Huni {year}",
                kind=Program.Kind.BANSOS,
                applicants=Program.Applicants.INDIVIDUALS,
                fiscal_year=year,
                budget=750_000_000,
                responsible_unit="Dinas Sosial",
                opens_on=today - timedelta(days=30),
                closes_on=today + timedelta(days=90),
                eligibility="Warga miskin terdaftar dalam DTKS dengan rumah tidak layak huni.",
                required_documents=["Fotokopi KTP dan KK", "Foto kondisi rumah"],
                stages=[
                    {
                        "name": "Verifikasi berkas (Tata Usaha)",
                        "role": GrantRole.TATA_USAHA,
                        "checklist": ["Terdaftar di DTKS", "KTP dan KK sesuai"],
                    },
                    {
                        "name": "Survei lapangan Dinas Sosial",
                        "role": GrantRole.OPD,
                        "checklist": ["Rumah tidak layak huni"],
                        "sets_amount": True,
                    },
                    {
                        "name": "Penetapan TAPD",
                        "role": GrantRole.TAPD,
                        "sets_amount": True,
                    },
                ],
            )
            for program in (hibah, bansos):
                services.program_set_status(
                    tenant=tenant, actor_user=admin, program=program, status="open"
                )
        created = 0
        places = LOCATIONS.get(tenant.slug, LOCATIONS["bandung"])
        for index, path in enumerate(HIBAH_PATHS):
            name, form, _k, _l = ORGANISATIONS[index % len(ORGANISATIONS)]
            kecamatan, kelurahan = places[index % len(places)]
            user = _applicant_user(tenant, f"pemohon{index + 1}", password_hash)
            services.applicant_save(
                user=user,
                kind="organisation",
                name=f"{name} {index + 1}" if index >= len(ORGANISATIONS) else name,
                legal_form=form,
                address=f"Jl. {kelurahan} No. {index + 3}",
                **_place(tenant, kecamatan, kelurahan),
                bank_name="Bank BJB",
                bank_account=f"00{index + 1:02d}88776655",
                bank_account_name=name,
            )
            _walk(
                tenant,
                hibah,
                user,
                people,
                path,
                amount=25_000_000 + 5_000_000 * index,
                kecamatan=kecamatan,
                kelurahan=kelurahan,
            )
            created += 1
        for index, path in enumerate(BANSOS_PATHS):
            name, nik, _k, _l = INDIVIDUALS[index % len(INDIVIDUALS)]
            nik = NIK_PREFIX.get(tenant.slug, "3273") + nik[4:]
            kecamatan, kelurahan = places[(index + 3) % len(places)]
            user = _applicant_user(tenant, f"warga{index + 1}", password_hash)
            services.applicant_save(
                user=user,
                kind="individual",
                name=name,
                nik=nik,
                address=f"Gg. Melati No. {index + 7}",
                **_place(tenant, kecamatan, kelurahan),
                bank_name="Bank BJB",
                bank_account=f"01{index + 1:02d}55443322",
                bank_account_name=name,
            )
            _walk(
                tenant,
                bansos,
                user,
                people,
                path,
                amount=20_000_000,
                kecamatan=kecamatan,
                kelurahan=kelurahan,
            )
            created += 1
        _seed_bank_change(tenant, hibah)
        _seed_reports(tenant, people[GrantRole.TATA_USAHA])
        return created


def _city_name(tenant: Tenant) -> str:
    return {"bandung": "Bandung", "tangerang": "Tangerang"}.get(
        tenant.slug, tenant.name
    )


def _seed_pages(tenant: Tenant, admin: User) -> None:
    """Announcements and the regulations that apply, once per tenant."""
    city = _city_name(tenant)
    year = timezone.localdate().year
    today = timezone.localdate()
    if not Announcement.objects.exists():
        for days_ago, title, body in (
            (
                20,
                f"Pendaftaran proposal hibah tahun {year} dibuka",
                "Organisasi kemasyarakatan berbadan hukum dapat mengajukan proposal "
                "hibah melalui portal ini. Lengkapi profil pemohon, unggah dokumen "
                "wajib, lalu kirim proposal sebelum batas waktu.",
            ),
            (
                5,
                "Sosialisasi pertanggungjawaban hibah (LPJ)",
                "Penerima hibah wajib menyampaikan laporan pertanggungjawaban "
                "beserta bukti pengeluaran paling lambat satu bulan setelah "
                "kegiatan selesai.",
            ),
        ):
            services.announcement_save(
                tenant=tenant,
                actor_user=admin,
                title=title,
                body=body,
                published_on=today - timedelta(days=days_ago),
            )
    if not Regulation.objects.exists():
        for number, title, summary in (
            (
                "Peraturan Menteri Dalam Negeri Nomor 32 Tahun 2011",
                "Pedoman pemberian hibah dan bantuan sosial yang bersumber dari APBD",
                "Dasar tata cara penganggaran, pelaksanaan, penatausahaan, "
                "pertanggungjawaban dan monitoring hibah dan bantuan sosial.",
            ),
            (
                "Peraturan Menteri Dalam Negeri Nomor 99 Tahun 2019",
                "Perubahan keenam atas Permendagri Nomor 32 Tahun 2011",
                "Penyesuaian syarat penerima dan tahapan evaluasi proposal.",
            ),
            (
                f"Peraturan Wali Kota {city} tentang Tata Cara Pemberian Hibah "
                f"dan Bantuan Sosial Tahun {year - 1}",
                "Tata cara pemberian hibah dan bantuan sosial di tingkat kota",
                "Tahapan verifikasi Tata Usaha, telaah, evaluasi OPD, "
                "penetapan TAPD, NPHD, pencairan dan LPJ.",
            ),
        ):
            services.regulation_save(
                tenant=tenant,
                actor_user=admin,
                title=title,
                number=number,
                year=int(number.rsplit(" ", 1)[-1]),
                summary=summary,
            )


def _seed_reports(tenant: Tenant, staff: User) -> None:
    """Two citizens' reports, one answered, so the queue and the counts show something."""
    if CitizenReport.objects.exists():
        return
    proposals = list(
        Proposal.objects.exclude(status=Proposal.Status.DRAFT)
        .filter(submitted_at__isnull=False)
        .order_by("pk")[:2]
    )
    if not proposals:
        return
    answered = services.citizen_report_submit(
        proposal=proposals[0],
        message="Papan informasi kegiatan belum dipasang di lokasi.",
        reporter_name="Warga RW 03",
        client_ip="192.0.2.10",
    )
    services.citizen_report_answer(
        tenant=tenant,
        actor_user=staff,
        report=answered,
        response="Terima kasih. Penerima sudah diminta memasang papan informasi "
        "paling lambat minggu ini.",
    )
    services.citizen_report_submit(
        proposal=proposals[-1],
        message="Jumlah anggaran untuk material tampak terlalu tinggi.",
        client_ip="192.0.2.11",
    )


def _seed_bank_change(tenant: Tenant, program: Program) -> None:
    """The recipient of the signed agreement changes its bank account: the change
    waits for the treasurer's confirmation before the first payment."""
    proposal = (
        Proposal.objects.filter(
            program=program, status=Proposal.Status.AGREEMENT_SIGNED
        )
        .select_related("applicant")
        .first()
    )
    if proposal is None:
        return
    applicant = proposal.applicant
    services.applicant_save(
        user=applicant.user,
        **{
            field.name: getattr(applicant, field.name)
            for field in applicant._meta.fields
            if field.name not in ("id", "user_id", "created_at")
        }
        | {"bank_name": "Bank Mandiri", "bank_account": "1300012345678"},
    )


def _applicant_user(tenant: Tenant, local: str, password_hash: str) -> User:
    from allauth.account.models import EmailAddress

    email = f"{local}@{tenant.slug}.warga.test"
    user, _ = User.objects.get_or_create(
        email=email, defaults={"password": password_hash, "full_name": local.title()}
    )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _attach(proposal, kind: str, requirement: str = "", uploader: int = 0) -> None:
    document = ProposalDocument(
        proposal=proposal,
        kind=kind,
        requirement=requirement,
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=uploader,
    )
    document.file.save("demo.pdf", ContentFile(PDF), save=False)
    document.save()


def _walk(
    tenant,
    program,
    user,
    people,
    path: str,
    *,
    amount: int,
    kecamatan: str,
    kelurahan: str,
) -> None:
    """Take a proposal as far as `path` says, through the services, each step by
    the person holding its role."""
    target, _, stage_number = path.partition(":")
    proposal = services.proposal_save_draft(
        user=user,
        program=program,
        title=f"{'Renovasi sarana' if program.kind == 'hibah' else 'Rehabilitasi rumah'} {kelurahan}",
        background=f"Kebutuhan warga {kelurahan}, Kecamatan {kecamatan}.",
        purpose="Meningkatkan kesejahteraan dan kegiatan warga.",
        **_place(tenant, kecamatan, kelurahan),
        lines=[
            {"item": "Bahan bangunan", "quantity": 1, "unit_cost": amount * 3 // 5},
            {
                "item": "Upah tukang",
                "quantity": 1,
                "unit_cost": amount - amount * 3 // 5,
            },
        ],
    )
    if target == "draft":
        return
    for requirement in program.required_documents:
        _attach(proposal, "required", requirement, user.pk)

    def step(actor, action, **kwargs):
        return services.proposal_transition(
            tenant=tenant, actor_user=actor, proposal=proposal, action=action, **kwargs
        )

    proposal = step(user, "submit")
    if target == "withdrawn":
        step(user, "withdraw")
        return
    if target == "rejected":
        step(
            people[proposal.stage.role],
            "reject",
            note="Organisasi belum berbadan hukum tiga tahun.",
        )
        return
    if target == "revision":
        step(
            people[proposal.stage.role],
            "return",
            note="Lengkapi rincian anggaran dengan penawaran harga.",
        )
        return
    wanted_stage = int(stage_number) if stage_number else None
    recommended = amount * 9 // 10
    while proposal.status == "in_review":
        if wanted_stage is not None and proposal.stage.position >= wanted_stage:
            return
        stage = proposal.stage
        if (
            stage.sets_amount
            and stage.role == GrantRole.OPD
            and program.kind == "hibah"
        ):
            # The evaluator corrects the labour line; the public budget table
            # shows the request and the correction side by side.
            labour = proposal.lines.order_by("position").last()
            services.budget_lines_correct(
                tenant=tenant,
                actor_user=people[stage.role],
                proposal=proposal,
                corrections={labour.pk: (None, labour.unit_cost * 3 // 4)},
            )
        recommended = min(recommended, services.amount_ceiling(proposal))
        proposal = step(
            people[stage.role],
            "pass",
            checklist={item: True for item in stage.checklist},
            unit="Dinas Sosial" if stage.assigns_unit else "",
            amount=recommended if stage.sets_amount else None,
            # One public note and one kept in the back office, per proposal.
            note=(
                "Berkas lengkap dan sesuai."
                if stage.position == 1
                else "Catatan internal: cek ulang harga satuan saat monitoring."
            ),
            note_public=stage.position == 1,
        )
    if target == "awaiting_approval":
        return
    proposal = step(people[GrantRole.KEPALA_DAERAH], "approve", amount=recommended)
    if target == "approved":
        return
    _attach(proposal, "nphd", uploader=people[GrantRole.TATA_USAHA].pk)
    proposal = step(
        people[GrantRole.TATA_USAHA],
        "sign_agreement",
        nphd_number=f"NPHD/{proposal.pk:04d}/{program.fiscal_year}",
        nphd_date=timezone.localdate(),
    )
    if target == "agreement_signed":
        return
    proposal = step(
        people[GrantRole.TREASURER],
        "disburse",
        amount=recommended,
        paid_on=timezone.localdate(),
        transfer_reference=f"SP2D-{proposal.pk:05d}",
    )
    if target == "disbursed":
        return
    _attach(proposal, "lpj_report", uploader=user.pk)
    _attach(proposal, "lpj_receipt", uploader=user.pk)
    _attach(proposal, "lpj_photo", uploader=user.pk)
    proposal = step(
        user,
        "report",
        spent_amount=recommended - 250_000,
        note="Kegiatan selesai; sisa dana dikembalikan ke kas daerah.",
        note_public=True,
    )
    if target == "reported":
        return
    step(
        people[GrantRole.OPD],
        "close",
        note="LPJ diverifikasi lengkap.",
        note_public=True,
    )
