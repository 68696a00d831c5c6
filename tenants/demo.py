"""Demo data: Kota Bandung, Kota Tangerang and 31 partner institutions.

Region codes are Kemendagri's. Demo accounts share one password, for the demo only.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "bagipakai-demo-2026"
OPERATOR_EMAIL = "operator@bagipakai.test"


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    kind: str
    province: str
    region_code: str
    description: str = ""
    address: str = ""
    website: str = ""

    @property
    def admin_email(self) -> str:
        return f"admin@{self.slug}.bagipakai.test"

    @property
    def staff_email(self) -> str:
        return f"staf@{self.slug}.bagipakai.test"


BANDUNG = DemoTenant(
    slug="bandung",
    name="Kota Bandung",
    kind="kota",
    province="32",
    region_code="32.73",
    description=(
        "Kota Bandung membangun Sabilulungan agar hibah dan bantuan sosial dapat "
        "dipertanggungjawabkan secara terbuka: setiap proposal, keputusan dan rupiah "
        "dapat dilihat dan diawasi publik."
    ),
    address="Jl. Wastukencana No. 2, Bandung 40117",
    website="https://www.bandung.go.id",
)
TANGERANG = DemoTenant(
    slug="tangerang",
    name="Kota Tangerang",
    kind="kota",
    province="36",
    region_code="36.71",
    description=(
        "Kota Tangerang membagikan aplikasinya — E-office, Laksa, SIAP, PPDB Online, "
        "E-Plesiran dan Sikda — kepada lebih dari 31 instansi lain, dan memakai "
        "Sabilulungan dari Kota Bandung sejak 2017."
    ),
    address="Jl. Satria Sudirman No. 1, Tangerang 15111",
    website="https://tangerangkota.go.id",
)

# Institutions that use Kota Tangerang's apps (slug, name, kind, province, code).
PARTNERS = [
    DemoTenant("kab-tangerang", "Kabupaten Tangerang", "kabupaten", "36", "36.03"),
    DemoTenant("tangsel", "Kota Tangerang Selatan", "kota", "36", "36.74"),
    DemoTenant("serang", "Kota Serang", "kota", "36", "36.73"),
    DemoTenant("cilegon", "Kota Cilegon", "kota", "36", "36.72"),
    DemoTenant("kab-serang", "Kabupaten Serang", "kabupaten", "36", "36.04"),
    DemoTenant("lebak", "Kabupaten Lebak", "kabupaten", "36", "36.02"),
    DemoTenant("pandeglang", "Kabupaten Pandeglang", "kabupaten", "36", "36.01"),
    DemoTenant("banten", "Provinsi Banten", "provinsi", "36", "36"),
    DemoTenant("bekasi", "Kota Bekasi", "kota", "32", "32.75"),
    DemoTenant("depok", "Kota Depok", "kota", "32", "32.76"),
    DemoTenant("bogor", "Kota Bogor", "kota", "32", "32.71"),
    DemoTenant("kab-bogor", "Kabupaten Bogor", "kabupaten", "32", "32.01"),
    DemoTenant("cimahi", "Kota Cimahi", "kota", "32", "32.77"),
    DemoTenant("sukabumi", "Kota Sukabumi", "kota", "32", "32.72"),
    DemoTenant("cirebon", "Kota Cirebon", "kota", "32", "32.74"),
    DemoTenant("tasikmalaya", "Kota Tasikmalaya", "kota", "32", "32.78"),
    DemoTenant("banjar", "Kota Banjar", "kota", "32", "32.79"),
    DemoTenant("kab-bandung", "Kabupaten Bandung", "kabupaten", "32", "32.04"),
    DemoTenant("semarang", "Kota Semarang", "kota", "33", "33.74"),
    DemoTenant("surakarta", "Kota Surakarta", "kota", "33", "33.72"),
    DemoTenant("yogyakarta", "Kota Yogyakarta", "kota", "34", "34.71"),
    DemoTenant("surabaya", "Kota Surabaya", "kota", "35", "35.78"),
    DemoTenant("malang", "Kota Malang", "kota", "35", "35.73"),
    DemoTenant("denpasar", "Kota Denpasar", "kota", "51", "51.71"),
    DemoTenant("makassar", "Kota Makassar", "kota", "73", "73.71"),
    DemoTenant("medan", "Kota Medan", "kota", "12", "12.71"),
    DemoTenant("palembang", "Kota Palembang", "kota", "16", "16.71"),
    DemoTenant("pekanbaru", "Kota Pekanbaru", "kota", "14", "14.71"),
    DemoTenant("balikpapan", "Kota Balikpapan", "kota", "64", "64.71"),
    DemoTenant("padang", "Kota Padang", "kota", "13", "13.71"),
    DemoTenant("batam", "Kota Batam", "kota", "21", "21.71"),
]

ALL_TENANTS = [BANDUNG, TANGERANG, *PARTNERS]
