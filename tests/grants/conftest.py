"""Sabilulungan fixtures: a program in Bandung's schema, people with grant roles."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from grants import services
from grants.roles import GrantRole
from tenants import hosted
from tests.factories import make_user
from tests.grants.factories import (  # noqa: F401 -- where tests import them from
    PDF,
    make_applicant,
    make_program,
    make_proposal,
    place,
)

_n = itertools.count(1)


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
