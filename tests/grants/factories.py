"""Factories of Sabilulungan's records (factory_boy), made through its services
as the people in the workflow would, on the current tenant schema:

    program = ProgramFactory(tenant=bandung, admin=manager)              # open
    applicant = ApplicantFactory(name="Karang Taruna Braga")             # its profile
    proposal = ProposalFactory(program=program, user=applicant_user)     # submitted

`make_program`, `make_applicant` (returns the person) and `make_proposal` are
the shortcuts most tests call.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from grants import places, services
from grants.models import ProposalDocument
from tests.tenants.factories import UserFactory

_applicant_emails = (f"pemohon{n}@example.test" for n in itertools.count(1))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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


class ProgramFactory(factory.Factory):
    """A program created and opened by `admin` (a program manager) in `tenant`,
    taking proposals from ten days ago to thirty days ahead."""

    class Meta:
        model = "grants.Program"

    tenant = None
    admin = None
    stages = None  # None: Sabilulungan's default review stages
    name = factory.Sequence(lambda n: f"Hibah Kegiatan Kemasyarakatan {n}")
    kind = "hibah"
    fiscal_year = factory.LazyFunction(lambda: timezone.localdate().year)
    budget = 100_000_000
    responsible_unit = "Bagian Kesejahteraan Rakyat"
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    required_documents = factory.LazyFunction(lambda: ["Proposal"])

    @classmethod
    def _create(cls, model_class, *, tenant, admin, **fields):
        program = services.program_create(tenant=tenant, actor_user=admin, **fields)
        services.program_set_status(
            tenant=tenant, actor_user=admin, program=program, status="open"
        )
        program.refresh_from_db()
        return program


class ApplicantFactory(factory.Factory):
    """An applicant profile saved by its person (`user`, a new one by default):
    an organisation unless `kind="individual"` (then with a NIK), living in
    Sumur Bandung/Braga unless `kecamatan=`/`kelurahan=` name another place."""

    class Meta:
        model = "grants.Applicant"

    user = factory.SubFactory(
        UserFactory, email=factory.LazyFunction(lambda: next(_applicant_emails))
    )
    kind = "organisation"
    name = "Yayasan Sabilulungan Mandiri"
    address = "Jl. Asia Afrika No. 1"
    bank_name = "Bank BJB"
    bank_account = "0012345678901"
    bank_account_name = factory.SelfAttribute("name")
    kecamatan = ""
    kelurahan = ""

    @classmethod
    def _create(cls, model_class, *, user, kecamatan, kelurahan, **fields):
        if fields["kind"] == "individual":
            fields.setdefault("nik", "3273010101900001")
        fields.update(place(kecamatan, kelurahan))
        return services.applicant_save(user=user, **fields)


class ProposalFactory(factory.Factory):
    """A proposal `user` drafts with one budget line of `amount` rupiah and every
    required document, then submits (unless `submit=False`)."""

    class Meta:
        model = "grants.Proposal"

    program = None
    user = None
    tenant = None  # the program's tenant: the connection's by default
    amount = 10_000_000
    submit = True
    title = factory.Sequence(lambda n: f"Renovasi balai warga {n}")
    background = "Balai warga rusak."
    purpose = "Kegiatan warga."

    @classmethod
    def _create(cls, model_class, *, program, user, tenant, amount, submit, **fields):
        proposal = services.proposal_save_draft(
            user=user,
            program=program,
            **fields,
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
                uploaded_by_id=user.pk,
            )
        if submit:
            proposal = services.proposal_transition(
                tenant=tenant or connection.tenant,
                actor_user=user,
                proposal=proposal,
                action="submit",
            )
        return proposal


def make_program(
    tenant, admin, *, budget=100_000_000, stages=None, required=("Proposal",), **fields
):
    return ProgramFactory(
        tenant=tenant,
        admin=admin,
        budget=budget,
        stages=stages,
        required_documents=list(required),
        **fields,
    )


def make_applicant(name="Yayasan Sabilulungan Mandiri", kind="organisation", **fields):
    """The person (a User) with a saved applicant profile."""
    user = UserFactory(email=next(_applicant_emails))
    ApplicantFactory(user=user, name=name, kind=kind, **fields)
    return user


def make_proposal(
    program, applicant_user, *, amount=10_000_000, submit=True, tenant=None
):
    return ProposalFactory(
        program=program,
        user=applicant_user,
        amount=amount,
        submit=submit,
        tenant=tenant,
    )
