"""bench/scale.py's targets and sizes."""

from __future__ import annotations

TARGET_RATIO = 1.2
TARGET_LINE = (
    f"target: p50 at N tenants within {TARGET_RATIO - 1:.0%} of p50 at 10 tenants "
    "(ratio <= 1.2), with the same number of queries"
)
BASE_DOMAIN = "localhost"
SMALL = 10
BANDUNG = "bandung"
SABILULUNGAN = "sabilulungan"
# Every ADOPT_EVERY-th new tenant adopts Sabilulungan.
ADOPT_EVERY = 10
# Between timed calls: users made per batch, tenants per database connection.
BATCH = 500
# Tenant homes measured: this many hosts spread over all tenants.
HOME_HOSTS = 50
PROPOSALS = 50
PASSWORD = "bench-not-a-secret"
# Measuring processes per database, taking turns with the other database's.
ROUNDS = 6
# pg_dump runs per database (the median is reported).
DUMPS = 3
SEARCHES = ("hibah", "surat", "sekolah", "pajak", "sabilulungan", "pegawai")
SLUG_PREFIX = "kota-bench-"
