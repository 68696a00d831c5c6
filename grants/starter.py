"""What the set-up steps prefill (grants/hosting.py `setup_steps`): a first
program from Bandung's Sabilulungan template, and the regulation every grant
follows. The administrator edits everything before saving; the review stages
come from `services.SABILULUNGAN_STAGES` when the program is created."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

TEMPLATES = ("sabilulungan",)


def program_initial(template: str) -> dict:
    """Form values of a first program (hibah for community organisations), open
    from today for a month in the current fiscal year."""
    if template not in TEMPLATES:
        return {}
    today = timezone.localdate()
    return {
        "name": f"Hibah Kegiatan Kemasyarakatan {today.year}",
        "kind": "hibah",
        "fiscal_year": today.year,
        "responsible_unit": "Bagian Kesejahteraan Rakyat Sekretariat Daerah",
        "opens_on": today,
        "closes_on": today + timedelta(days=30),
        "eligibility": (
            "Lembaga kemasyarakatan dan organisasi kemasyarakatan berbadan hukum "
            "Indonesia, berkedudukan di wilayah daerah, dan telah terdaftar "
            "sekurang-kurangnya tiga tahun."
        ),
        "required_documents": "\n".join(
            [
                "Proposal kegiatan ditandatangani ketua",
                "Akta pendirian dan pengesahan badan hukum",
                "Surat keterangan domisili",
                "Rekening bank atas nama lembaga",
            ]
        ),
        "report_due_days": 30,
        "separation_of_duties": True,
    }


def regulation_initial(template: str) -> dict:
    if template != "permendagri":
        return {}
    return {
        "title": (
            "Pedoman Pemberian Hibah dan Bantuan Sosial yang Bersumber dari "
            "Anggaran Pendapatan dan Belanja Daerah"
        ),
        "number": "Peraturan Menteri Dalam Negeri Nomor 32 Tahun 2011",
        "year": 2011,
    }
