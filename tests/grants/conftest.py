"""Sabilulungan fixtures: a program in Bandung's schema, people with grant roles."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from grants import places, services
from grants.models import ProposalDocument
from grants.roles import GrantRole
from tenants import hosted
from tests.factories import make_user

_n = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def in_bandung(bandung):
    """Run the test on Bandung's schema, back to public afterwards."""
    connection.set_tenant(bandung)
    yield bandung
    connection.set_schema_to_public()


def give_roles(user, tenant, *roles: str) -> None:
    """Replace the user's Sabilulungan roles in `tenant` (grants.MemberRole, in
    the tenant's schema), as the members page does."""
    with hosted.in_schema(tenant):
        hosted.get("grants").roles.store(user.pk, frozenset(roles))


def official(tenant, role: str, email: str | None = None):
    user = make_user(
        email or f"{role}{next(_n)}@bandung.test", tenant=tenant, role="staff"
    )
    give_roles(user, tenant, role)
    return user


@pytest.fixture
def officials(in_bandung, bandung_admin):
    people = {role: official(in_bandung, role) for role in GrantRole.values}
    give_roles(bandung_admin, in_bandung, GrantRole.PROGRAM_MANAGER)
    people["admin"] = bandung_admin
    return people


def make_program(
    tenant, admin, *, budget=100_000_000, stages=None, required=("Proposal",), **fields
):
    today = timezone.localdate()
    program = services.program_create(
        tenant=tenant,
        actor_user=admin,
        stages=stages,
        name=fields.pop("name", f"Hibah Kegiatan Kemasyarakatan {next(_n)}"),
        kind=fields.pop("kind", "hibah"),
        fiscal_year=today.year,
        budget=budget,
        responsible_unit="Bagian Kesejahteraan Rakyat",
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=30),
        required_documents=list(required),
        **fields,
    )
    services.program_set_status(
        tenant=tenant, actor_user=admin, program=program, status="open"
    )
    program.refresh_from_db()
    return program


def place(kecamatan: str = "", kelurahan: str = "") -> dict:
    """Register codes of a kecamatan and kelurahan of the current tenant's region, by name.

    Without names: Sumur Bandung/Braga in Bandung, the first ones elsewhere; a
    kecamatan without a kelurahan: its first kelurahan."""
    from tenants import register

    home = places.home_region()
    districts = places.districts(home)
    names = {d.name: d for d in districts}
    district = (
        names[kecamatan] if kecamatan else names.get("Sumur Bandung", districts[0])
    )
    villages = {v.name: v for v in register.children(district.code)}
    village = (
        villages[kelurahan]
        if kelurahan
        else villages.get("Braga", register.children(district.code)[0])
    )
    return {"kecamatan_code": district.code, "kelurahan_code": village.code}


def make_applicant(name="Yayasan Sabilulungan Mandiri", kind="organisation", **fields):
    user = make_user(f"pemohon{next(_n)}@example.test")
    defaults = {
        "kind": kind,
        "name": name,
        "address": "Jl. Asia Afrika No. 1",
        "bank_name": "Bank BJB",
        "bank_account": "0012345678901",
        "bank_account_name": name,
    }
    if kind == "individual":
        defaults["nik"] = "3273010101900001"
    defaults.update(
        place(fields.pop("kecamatan", ""), fields.pop("kelurahan", "")), **fields
    )
    services.applicant_save(user=user, **defaults)
    return user


def make_proposal(
    program, applicant_user, *, amount=10_000_000, submit=True, tenant=None
):
    proposal = services.proposal_save_draft(
        user=applicant_user,
        program=program,
        title=f"Renovasi balai warga {next(_n)}",
        background="Balai warga rusak.",
        purpose="Kegiatan warga.",
        **place(),
        lines=[{"item": "Material", "quantity": 1, "unit_cost": amount}],
    )
    for requirement in program.required_documents:
        ProposalDocument.objects.create(
            proposal=proposal,
            kind="required",
            requirement=requirement,
            file=ContentFile(PDF, name="x.pdf"),
            content_type="application/pdf",
            size=len(PDF),
            uploaded_by_id=applicant_user.pk,
        )
    if submit:
        proposal = services.proposal_transition(
            tenant=tenant or program_tenant(),
            actor_user=applicant_user,
            proposal=proposal,
            action="submit",
        )
    return proposal


def program_tenant():
    return connection.tenant


def checklist_for(stage) -> dict:
    return {item: True for item in stage.checklist}


def pass_stage(tenant, officials, proposal, *, amount=None, unit="Dinas Sosial"):
    stage = proposal.stage
    return services.proposal_transition(
        tenant=tenant,
        actor_user=officials[stage.role],
        proposal=proposal,
        action="pass",
        checklist=checklist_for(stage),
        amount=amount if stage.sets_amount else None,
        unit=unit if stage.assigns_unit else "",
    )


def through_review(tenant, officials, proposal, amount):
    while proposal.status == "in_review":
        proposal = pass_stage(tenant, officials, proposal, amount=amount)
    return proposal


@pytest.fixture
def applicant_user(in_bandung):
    return make_applicant()


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def module_on(bandung):
    connection.set_schema_to_public()
    from tests.catalog.conftest import make_app

    make_app(
        bandung, slug="sabilulungan", delivery_mode="hosted", hosted_module="grants"
    )
    connection.set_tenant(bandung)
    yield bandung
    connection.set_schema_to_public()
