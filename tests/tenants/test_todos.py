"""The to-do list (tenants/todos.py) for the kernel's and the catalog's items,
the platform operators' list, and the set-up page with its skippable steps
(#13): each item shows for who may act on it, links to where it is done, and
goes away once done."""

from __future__ import annotations

import re

import pytest
from django.test import TestCase

from catalog.models import Adoption
from tenants.models import Invitation, SetupStepSkip
from tests.catalog.conftest import make_agreement, make_app, verify
from tests.catalog.test_adoption_workflow import APPROVAL, request_adoption
from tests.conftest import host_client
from tests.factories import make_user
from tests.tenants.test_desk import (  # noqa: F401
    garut,
    garut_admin,
    garut_request,
    letter,
    media,
    staff_without_permission,
    verifier,
)

pytestmark = pytest.mark.django_db

BANDUNG = "bandung.localhost"
TANGERANG = "tangerang.localhost"


def todos(client, path="/dashboard/") -> dict[str, str]:
    """{kind: the line's html} of the to-do list on the page."""
    html = client.get(path).content.decode()
    return dict(re.findall(r'<li data-todo="([^"]+)">(.*?)</li>', html, re.S))


def link_of(line: str) -> str:
    return re.search(r'<a href="([^"]+)"', line).group(1)


def post(client, path, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data or {})


# --- the organisation's own items -----------------------------------------------------


def test_admins_see_the_getting_started_steps_until_done_and_staff_never(
    bandung, bandung_admin
):
    admin = host_client(BANDUNG, bandung_admin)
    items = todos(admin)
    assert link_of(items["setup.org.profile"]) == "/dashboard/profile/"
    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    staff_html = host_client(BANDUNG, staff).get("/dashboard/").content.decode()
    assert 'data-todo="setup.' not in staff_html
    assert "Getting started" not in staff_html
    # Staff cannot open the set-up page or skip a step either.
    assert host_client(BANDUNG, staff).get("/dashboard/setup/").status_code == 403
    refused = host_client(BANDUNG, staff).post(
        "/dashboard/setup/skip/", {"scope": "", "step": "profile"}
    )
    assert refused.status_code == 403 and not SetupStepSkip.objects.exists()


def test_inviting_staff_is_a_step_until_someone_is_invited(garut, garut_admin):  # noqa: F811
    admin = host_client("garut.localhost", garut_admin)
    line = todos(admin)["setup.org.invite"]
    assert link_of(line) == "/dashboard/members/invite/"
    post(
        admin,
        "/dashboard/members/invite/",
        {"email": "a@garutkab.go.id", "role": "staff"},
    )
    assert "setup.org.invite" not in todos(admin)


def test_a_skipped_step_leaves_the_list_and_can_be_taken_up_again(
    bandung, bandung_admin
):
    admin = host_client(BANDUNG, bandung_admin)
    page = admin.get("/dashboard/setup/").content.decode()
    assert "Complete the organisation" in page and "Skip for now" in page
    response = admin.post("/dashboard/setup/skip/", {"scope": "", "step": "profile"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/setup/"
    assert "setup.org.profile" not in todos(admin)
    page = admin.get("/dashboard/setup/").content.decode()
    assert "skipped" in page and "Put back on my to-do list" in page
    admin.post(
        "/dashboard/setup/skip/", {"scope": "", "step": "profile", "do": "resume"}
    )
    assert "setup.org.profile" in todos(admin)


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "", "step": "no-such-step"},
        {"scope": "nope", "step": "profile"},
        {"scope": "\x00", "step": "<script>alert(1)</script>"},
        {"scope": "x" * 5000, "step": "y" * 5000},
        {},
    ],
)
def test_hostile_skips_get_a_message_not_an_error(bandung, bandung_admin, data):
    admin = host_client(BANDUNG, bandung_admin)
    response = admin.post("/dashboard/setup/skip/", data, follow=True)
    assert response.status_code == 200
    assert "This step cannot be skipped." in response.content.decode()
    assert not SetupStepSkip.objects.exists()


def test_unknown_app_set_up_page_is_404(bandung, bandung_admin):
    admin = host_client(BANDUNG, bandung_admin)
    assert admin.get("/dashboard/setup/no-such-app/").status_code == 404
    # Sabilulungan exists but is not switched on in Bandung here.
    assert admin.get("/dashboard/setup/grants/").status_code == 404


def test_pending_invitations_show_for_admins_until_accepted_or_withdrawn(
    bandung, bandung_admin
):
    admin = host_client(BANDUNG, bandung_admin)
    post(
        admin,
        "/dashboard/members/invite/",
        {"email": "a@bandung.test", "role": "staff"},
    )
    post(
        admin,
        "/dashboard/members/invite/",
        {"email": "b@bandung.test", "role": "staff"},
    )
    line = todos(admin)["kernel.invitations"]
    assert '"badge">2<' in line and link_of(line) == "/dashboard/members/#invitations"
    assert 'id="invitations"' in admin.get("/dashboard/members/").content.decode()
    for invitation in Invitation.objects.all():
        post(admin, f"/dashboard/invitations/{invitation.pk}/revoke/")
    assert "kernel.invitations" not in todos(admin)


def test_the_invite_shortcut_preselects_the_role(bandung, bandung_admin):
    admin = host_client(BANDUNG, bandung_admin)
    html = admin.get("/dashboard/members/invite/?role=auditor").content.decode()
    assert re.search(
        r'value="auditor"[^>]*checked|<option value="auditor" selected', html
    )
    # A role that does not exist preselects nothing unusual.
    assert admin.get("/dashboard/members/invite/?role=<script>").status_code == 200


# --- the catalog's items --------------------------------------------------------------


@pytest.fixture
def sabilulungan(bandung):
    return make_app(
        bandung,
        slug="sabilulungan",
        name="Sabilulungan",
        delivery_mode="hosted",
        hosted_module="grants",
    )


def test_an_adoption_from_request_to_set_up_through_the_to_do_lists(
    sabilulungan, bandung, tangerang, bandung_admin, tangerang_admin
):
    bandung_client = host_client(BANDUNG, bandung_admin)
    tangerang_client = host_client(TANGERANG, tangerang_admin)
    adoption = request_adoption(tangerang_client)

    # The publisher's administrators are asked to decide; their staff are not.
    line = todos(bandung_client)["catalog.adoption_requests"]
    assert "Kota Tangerang asks to adopt Sabilulungan" in line
    assert link_of(line) == f"/apps/adoptions/{adoption.pk}/"
    staff = make_user("staf@bandung.test", tenant=bandung, role="staff")
    assert "catalog.adoption_requests" not in todos(host_client(BANDUNG, staff))
    assert "catalog.adoption_requests" not in todos(tangerang_client)

    post(bandung_client, f"/apps/adoptions/{adoption.pk}/approve/", APPROVAL)
    assert "catalog.adoption_requests" not in todos(bandung_client)

    # The adopter confirms the new agreement, then switches the app on.
    verify(tangerang)
    line = todos(tangerang_client)["catalog.agreements"]
    agreement = Adoption.objects.get(pk=adoption.pk).agreement
    assert link_of(line) == f"/apps/agreements/{agreement.pk}/"
    assert f"activate.{adoption.pk}" not in " ".join(todos(tangerang_client))
    post(tangerang_client, f"/apps/agreements/{agreement.pk}/do/confirm/")
    items = todos(tangerang_client)
    assert "catalog.agreements" not in items
    line = items[f"catalog.activate.{adoption.pk}"]
    assert "Sabilulungan was approved: switch it on now" in line
    assert link_of(line) == f"/apps/adoptions/{adoption.pk}/#activate"

    response = post(
        tangerang_client, f"/apps/adoptions/{adoption.pk}/activate/", {"usage": "pilot"}
    )
    # Switched on: the administrator lands on Sabilulungan's set-up page.
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/setup/grants/?activated=1"
    setup = tangerang_client.get(response["Location"]).content.decode()
    assert "Sabilulungan is switched on for your organisation" in setup
    for step in (
        "grants_roles",
        "grants_program",
        "grants_announcement",
        "grants_regulation",
    ):
        assert f'id="step-{step}"' in setup
    assert "/dashboard/members/invite/?role=staff" in setup
    assert "/grants/staff/programs/new/?template=sabilulungan" in setup

    items = todos(tangerang_client)
    assert f"catalog.activate.{adoption.pk}" not in items
    assert link_of(items["setup.grants.grants_roles"]) == "/dashboard/members/"
    # Staff of Tangerang see no set-up steps, and are told who gives roles.
    member = make_user("staf@tangerang.test", tenant=tangerang, role="staff")
    html = host_client(TANGERANG, member).get("/dashboard/").content.decode()
    assert 'data-todo="setup.' not in html
    assert "Sabilulungan is switched on here, but you have no role in it yet" in html


def test_the_sabilulungan_steps_clear_as_they_are_done_or_skipped(
    sabilulungan, bandung, bandung_admin
):
    """Bandung publishes Sabilulungan, so it is on there: its four steps."""
    admin = host_client(BANDUNG, bandung_admin)
    items = todos(admin)
    steps = [kind for kind in items if kind.startswith("setup.grants.")]
    assert steps == [
        "setup.grants.grants_roles",
        "setup.grants.grants_program",
        "setup.grants.grants_announcement",
        "setup.grants.grants_regulation",
    ]
    # (a) roles, through the members page's form.
    staff = make_user("tu@bandung.test", tenant=bandung, role="staff")
    membership = staff.memberships.get(tenant=bandung)
    post(
        admin,
        f"/dashboard/members/{membership.pk}/roles/grants/",
        {"roles": ["tata_usaha", "program_manager"]},
    )
    assert "setup.grants.grants_roles" not in todos(admin)

    # (b) the first program, prefilled from the template, then opened.
    form = admin.get(
        "/grants/staff/programs/new/?template=sabilulungan"
    ).content.decode()
    assert 'value="Hibah Kegiatan Kemasyarakatan' in form
    assert "Akta pendirian" in form
    data = dict(
        re.findall(
            r'<input type="(?:text|number|date)" name="(\w+)" value="([^"]*)"', form
        )
    )
    data |= {
        "kind": "hibah",
        "applicants": "organisations",
        "budget": "500000000",
        "eligibility": "Lembaga kemasyarakatan",
        "required_documents": "Proposal",
        "separation_of_duties": "on",
    }
    created = post(admin, "/grants/staff/programs/new/", data)
    assert created.status_code == 302, created.content.decode()[:3000]
    program_path = created["Location"]
    # A draft is not done yet: the step now points at the draft.
    line = todos(admin)["setup.grants.grants_program"]
    assert link_of(line) == program_path
    from django.db import connection

    from grants.models import Program

    connection.set_tenant(bandung)
    program = Program.objects.get()
    assert program.stages.count() == 6 and program.report_due_days == 30
    connection.set_schema_to_public()
    post(admin, f"{program_path}status/", {"status": "open"})
    assert "setup.grants.grants_program" not in todos(admin)

    # (c) the regulation, prefilled; the announcement skipped.
    form = admin.get("/grants/staff/regulations/new/?template=permendagri")
    assert "Nomor 32 Tahun 2011" in form.content.decode()
    admin.post(
        "/dashboard/setup/skip/", {"scope": "grants", "step": "grants_announcement"}
    )
    items = todos(admin)
    assert "setup.grants.grants_announcement" not in items
    assert "setup.grants.grants_regulation" in items


# --- platform operators ---------------------------------------------------------------


def test_operators_see_the_verification_desk_on_their_list(
    garut_request,  # noqa: F811
    verifier,  # noqa: F811
    staff_without_permission,  # noqa: F811
):
    page = todos(host_client("localhost", verifier), "/orgs/")
    line = page["kernel.verification"]
    assert '"badge">1<' in line and link_of(line) == "/operator/verification/"
    assert "kernel.verification" not in todos(
        host_client("localhost", staff_without_permission), "/orgs/"
    )


def test_a_member_of_one_tenant_never_sees_anothers_items(
    sabilulungan, bandung, tangerang, bandung_admin, tangerang_admin
):
    request_adoption(host_client(TANGERANG, tangerang_admin))
    make_agreement(tangerang, bandung, confirmed=False)
    # Bandung is asked (adoption, agreement); Tangerang only sees its own.
    bandung_items = todos(host_client(BANDUNG, bandung_admin))
    assert {"catalog.adoption_requests", "catalog.agreements"} <= set(bandung_items)
    tangerang_items = todos(host_client(TANGERANG, tangerang_admin))
    assert not {"catalog.adoption_requests", "catalog.agreements"} & set(
        tangerang_items
    )
    # Bandung's admin on Tangerang's host is nobody.
    assert host_client(TANGERANG, bandung_admin).get("/dashboard/").status_code == 403


def test_the_admins_dashboard_has_a_pinned_query_count(
    sabilulungan, bandung, bandung_admin, tangerang, tangerang_admin
):
    """Every source counts in a fixed number of queries, however many items."""
    from tests.conftest import assert_statements

    admin = host_client(BANDUNG, bandung_admin)
    admin.get("/dashboard/")
    with assert_statements(ADMIN_DASHBOARD_STATEMENTS):
        assert admin.get("/dashboard/").status_code == 200
    request_adoption(host_client(TANGERANG, tangerang_admin))
    for n in range(3):
        post(
            admin,
            "/dashboard/members/invite/",
            {"email": f"p{n}@bandung.test", "role": "staff"},
        )
        make_agreement(tangerang, bandung, confirmed=False)
    admin.get("/dashboard/")
    with assert_statements(ADMIN_DASHBOARD_STATEMENTS):
        html = admin.get("/dashboard/").content.decode()
    assert 'data-todo="catalog.agreements"' in html
    assert 'data-todo="kernel.invitations"' in html


ADMIN_DASHBOARD_STATEMENTS = 25
