"""Seeding the grants benchmark: the tenant and programs through the services,
applicants in bulk, proposals and hash-chained audit events with COPY."""

from __future__ import annotations

import array
import csv
import heapq
import io
import json
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bench.grants_bench.constants import COPY_BATCH, DAY, SLUG
from bench.grants_bench.data import (
    BANKS,
    CURRENT_YEAR,
    FIRST_NAMES,
    KECAMATAN,
    LAST_NAMES,
    ORG_KINDS,
    PROGRAMS,
    ApplicantInfo,
    Context,
    ProgramInfo,
    StageInfo,
    _codes,
    build,
    proposal_text,
)

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
