"""Kecamatan and kelurahan chosen from the Kemendagri register (issue #11)."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from grants import selectors, services
from grants.forms import ProposalForm
from grants.models import Applicant, AuditEvent, Proposal
from tests.conftest import assert_statements
from tests.grants.conftest import make_applicant, make_program
from tests.grants.test_pages import post
from tests.grants.test_portal import propose, publish_sabilulungan
from tests.grants.test_reports_and_pages import client, html_of, table_cells

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("grants.migrations.0007_place_codes_from_register")

SUMUR_BANDUNG, BRAGA = "32.73.19", "32.73.19.1001"
COBLONG, DAGO = "32.73.02", "32.73.02.1004"
KARAWACI, KARAWACI_BARU = "36.71.07", "36.71.07.1003"


def options(html: str, select_id: str) -> set[str]:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S)
    assert select, select_id
    return set(re.findall(r'<option value="([^"]+)"', select.group(0)))


@pytest.fixture
def portal(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    return in_bandung


def proposal_data(**overrides) -> dict:
    return {
        "title": "Festival Braga",
        "background": "Kegiatan pemuda",
        "purpose": "Ekonomi kreatif",
        "kecamatan_code": SUMUR_BANDUNG,
        "kelurahan_code": BRAGA,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
        "lines-0-item": "Tenda",
        "lines-0-quantity": "2",
        "lines-0-unit_cost": "1500000",
        **overrides,
    }


def test_choices_come_from_the_tenants_own_region(portal, officials, tangerang):
    connection.set_tenant(portal)
    program = make_program(portal, officials["admin"])
    applicant = make_applicant("Karang Taruna Braga")
    html = html_of(client(applicant).get(f"/grants/my/programs/{program.pk}/apply/"))
    kecamatan = options(html, "id_kecamatan_code")
    kelurahan = options(html, "id_kelurahan_code")
    assert len(kecamatan) == 30 and SUMUR_BANDUNG in kecamatan and COBLONG in kecamatan
    assert all(code.startswith("32.73.") for code in kecamatan | kelurahan)
    assert BRAGA in kelurahan and DAGO in kelurahan
    # The kelurahan are grouped by their kecamatan.
    assert re.search(
        r'<optgroup label="Sumur Bandung">.*?value="32\.73\.19\.1001"', html, re.S
    )
    # An external script narrows the list to the chosen kecamatan; without it
    # every group stays listed (the server checks the pair).
    assert 'src="/static/js/places.js"' in html
    profile = html_of(client(applicant).get("/grants/my/profile/"))
    assert options(profile, "id_kecamatan_code") == kecamatan

    connection.set_tenant(tangerang)
    form = ProposalForm()
    codes = {code for code, _name in form.fields["kecamatan_code"].widget.choices}
    assert KARAWACI in codes and SUMUR_BANDUNG not in codes
    groups = dict(form.fields["kelurahan_code"].widget.choices[1:])
    assert (KARAWACI_BARU, "Karawaci Baru") in groups["Karawaci"]
    connection.set_tenant(portal)


@pytest.mark.parametrize(
    "kelurahan, message",
    [
        (DAGO, "Dago is in kecamatan Coblong, not in Sumur Bandung."),
        (KARAWACI_BARU, "Karawaci Baru, Karawaci, Kota Tangerang, Banten is not in"),
    ],
)
def test_a_kelurahan_of_another_kecamatan_or_city_is_refused_with_the_input_kept(
    portal, officials, kelurahan, message
):
    program = make_program(portal, officials["admin"])
    applicant = make_applicant("Karang Taruna Braga")
    response = post(
        client(applicant),
        f"/grants/my/programs/{program.pk}/apply/",
        proposal_data(kelurahan_code=kelurahan),
    )
    assert response.status_code == 200
    html = html_of(response)
    assert message in html.replace("&#x27;", "'")
    assert 'value="Festival Braga"' in html
    assert f'<option value="{SUMUR_BANDUNG}" selected>' in html
    assert f'<option value="{kelurahan}" selected>' in html
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "kecamatan, kelurahan, field",
    [
        (KARAWACI, KARAWACI_BARU, "kecamatan_code"),  # both of another city
        ("32.73", BRAGA, "kecamatan_code"),  # a city is not a kecamatan
        ("x" * 5000, BRAGA, "kecamatan_code"),  # oversized
        ("32.73.19\x00", BRAGA, "kecamatan_code"),  # control character
        (SUMUR_BANDUNG, SUMUR_BANDUNG, "kelurahan_code"),  # not a village
        (SUMUR_BANDUNG, "", "kelurahan_code"),
    ],
)
def test_hostile_places_are_field_errors(
    portal, officials, kecamatan, kelurahan, field
):
    program = make_program(portal, officials["admin"])
    applicant = make_applicant("Karang Taruna Braga")
    response = post(
        client(applicant),
        f"/grants/my/programs/{program.pk}/apply/",
        proposal_data(kecamatan_code=kecamatan, kelurahan_code=kelurahan),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert not Proposal.objects.exists()


def test_the_service_refuses_a_place_outside_the_region(portal, officials):
    program = make_program(portal, officials["admin"])
    user = make_applicant("Karang Taruna Braga")
    with pytest.raises(ValidationError) as refused:
        services.proposal_save_draft(
            user=user,
            program=program,
            title="t",
            background="b",
            purpose="p",
            kecamatan_code=KARAWACI,
            kelurahan_code=KARAWACI_BARU,
            lines=[{"item": "Tenda", "quantity": 1, "unit_cost": 1}],
        )
    assert set(refused.value.message_dict) == {"kecamatan_code", "kelurahan_code"}


def test_saved_places_carry_codes_and_register_names(portal, officials):
    program = make_program(portal, officials["admin"])
    applicant = make_applicant("Karang Taruna Dago", **{"kecamatan": "Coblong"})
    response = post(
        client(applicant),
        f"/grants/my/programs/{program.pk}/apply/",
        proposal_data(kecamatan_code=COBLONG, kelurahan_code=DAGO),
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (
        proposal.kecamatan_code,
        proposal.kecamatan,
        proposal.kelurahan_code,
        proposal.kelurahan,
    ) == (COBLONG, "Coblong", DAGO, "Dago")


def _legacy(record, kecamatan, kelurahan):
    """Make a record look like one written before the register: free text, no codes."""
    type(record).objects.filter(pk=record.pk).update(
        kecamatan=kecamatan, kelurahan=kelurahan, kecamatan_code="", kelurahan_code=""
    )


def test_migration_matches_free_text_and_staff_fix_the_rest(portal, officials):
    program = make_program(portal, officials["admin"])
    matched_user = make_applicant("Yayasan Cocok")
    odd_user = make_applicant("Yayasan Salah Eja")
    matched = propose(portal, program, matched_user, amount=1_000_000)
    odd = propose(portal, program, odd_user, amount=2_000_000)
    _legacy(
        Applicant.objects.get(user_id=matched_user.pk), "kec. SUMUR  bandung", "braga"
    )
    _legacy(matched, "Kecamatan Coblong", "Kel. Dago")
    _legacy(Applicant.objects.get(user_id=odd_user.pk), "Sumurbandung", "Braga")
    _legacy(odd, "Coblong", "Dago Atas")  # the kecamatan matches, the village does not

    MIGRATION.match_free_text(apps, SimpleNamespace(connection=connection))

    applicant = Applicant.objects.get(user_id=matched_user.pk)
    assert (applicant.kecamatan_code, applicant.kecamatan) == (
        SUMUR_BANDUNG,
        "Sumur Bandung",
    )
    assert (applicant.kelurahan_code, applicant.kelurahan) == (BRAGA, "Braga")
    matched.refresh_from_db()
    assert (matched.kecamatan_code, matched.kelurahan_code) == (COBLONG, DAGO)
    assert (matched.kecamatan, matched.kelurahan) == ("Coblong", "Dago")
    odd_applicant = Applicant.objects.get(user_id=odd_user.pk)
    assert (odd_applicant.kecamatan, odd_applicant.kecamatan_code) == (
        "Sumurbandung",
        "",
    )
    odd.refresh_from_db()
    assert (odd.kecamatan_code, odd.kecamatan, odd.kelurahan, odd.kelurahan_code) == (
        COBLONG,
        "Coblong",
        "Dago Atas",
        "",
    )

    # The home page links the fix page; the fix page lists exactly the two.
    admin = client(officials["admin"])
    home = html_of(admin.get("/grants/staff/"))
    assert "2 applicants or proposals have a kecamatan/kelurahan to fix" in home
    # Session, user, module gate, membership; then the applicants and the
    # proposals; the header's to-do counter, kept since the page above, and its
    # unread notifications.
    with assert_statements(8):
        page = admin.get("/grants/staff/places/")
    html = html_of(page)
    assert f'id="applicant-{odd_applicant.pk}"' in html and "Sumurbandung" in html
    assert f'id="proposal-{odd.pk}"' in html and "Dago Atas" in html
    assert f'id="proposal-{matched.pk}"' not in html
    assert f'id="applicant-{applicant.pk}"' not in html

    # A wrong pick is a field error, the record unchanged.
    fix = f"/grants/staff/places/proposal/{odd.pk}/"
    bad = post(admin, fix, {"kecamatan_code": COBLONG, "kelurahan_code": BRAGA})
    assert bad.status_code == 200
    assert "Braga is in kecamatan Sumur Bandung, not in Coblong." in html_of(bad)
    odd.refresh_from_db()
    assert odd.kelurahan == "Dago Atas"

    # Staff pick the right places: codes and register names, audited.
    events = AuditEvent.objects.count()
    response = post(admin, fix, {"kecamatan_code": COBLONG, "kelurahan_code": DAGO})
    assert response.status_code == 302
    odd.refresh_from_db()
    assert (odd.kecamatan_code, odd.kelurahan_code, odd.kelurahan) == (
        COBLONG,
        DAGO,
        "Dago",
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == events + 1
    assert (event.action, event.proposal_id) == ("place_fixed", odd.pk)
    assert event.private["before"]["kelurahan"] == "Dago Atas"
    response = post(
        admin,
        f"/grants/staff/places/applicant/{odd_applicant.pk}/",
        {"kecamatan_code": SUMUR_BANDUNG, "kelurahan_code": BRAGA},
    )
    assert response.status_code == 302
    assert Applicant.objects.get(pk=odd_applicant.pk).kecamatan == "Sumur Bandung"
    assert "to fix" not in html_of(admin.get("/grants/staff/"))
    assert "Nothing to fix." in html_of(admin.get("/grants/staff/places/"))


def test_migration_skips_a_schema_without_a_tenant(portal):
    template = SimpleNamespace(schema_name="tenant_template", cursor=connection.cursor)
    assert MIGRATION._home_code(template) == ""
    MIGRATION.match_free_text(apps, SimpleNamespace(connection=template))


def test_staff_without_a_fixing_role_see_but_cannot_fix(portal, officials):
    program = make_program(portal, officials["admin"])
    proposal = propose(portal, program, make_applicant("Yayasan"), amount=1_000_000)
    _legacy(proposal, "Sumurbandung", "Braga")
    opd = client(officials["opd"])
    fix = f"/grants/staff/places/proposal/{proposal.pk}/"
    assert "Sumurbandung" in html_of(opd.get("/grants/staff/places/"))
    response = post(
        opd, fix, {"kecamatan_code": SUMUR_BANDUNG, "kelurahan_code": BRAGA}
    )
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.kecamatan_code == ""
    assert (
        client(officials["tata_usaha"])
        .post(fix, {"kecamatan_code": SUMUR_BANDUNG, "kelurahan_code": BRAGA})
        .status_code
        == 302
    )


def test_statistics_group_spellings_of_one_kecamatan(portal, officials):
    program = make_program(portal, officials["admin"])
    proposals = [
        propose(portal, program, make_applicant(f"Yayasan {i}"), amount=1_000_000)
        for i in range(3)
    ]
    for proposal, spelling in zip(
        proposals, ("Sumur Bandung", "kec. sumur bandung", "SUMUR BANDUNG"), strict=True
    ):
        _legacy(proposal, spelling, "Braga")
    MIGRATION.match_free_text(apps, SimpleNamespace(connection=connection))
    # One more spelled apart, stored with the code (as staff would have fixed it).
    Proposal.objects.filter(pk=proposals[0].pk).update(kecamatan="Sumur  Bandung")

    stats = selectors.portal_statistics()
    assert [(row["label"], row["proposal_count"]) for row in stats.by_kecamatan] == [
        ("Sumur Bandung", 3)
    ]
    html = html_of(client().get("/grants/statistics/"))
    assert table_cells(html, "by-kecamatan", "Sumur Bandung")[1] == "3"
    detail = selectors.program_detail(program.pk)
    assert [(r["kecamatan"], r["proposal_count"]) for r in detail.by_kecamatan] == [
        ("Sumur Bandung", 3)
    ]


def test_another_tenants_member_cannot_see_or_use_the_fix_page(
    portal, officials, tangerang_admin
):
    connection.set_tenant(portal)
    program = make_program(portal, officials["admin"])
    proposal = propose(portal, program, make_applicant("Yayasan"), amount=1_000_000)
    _legacy(proposal, "Sumurbandung", "Braga")
    applicant = make_applicant("Pemohon Biasa")
    paths = [
        "/grants/staff/places/",
        f"/grants/staff/places/proposal/{proposal.pk}/",
        f"/grants/staff/places/applicant/{proposal.applicant_id}/",
    ]
    data = {"kecamatan_code": SUMUR_BANDUNG, "kelurahan_code": BRAGA}
    for user in (tangerang_admin, applicant):
        for path in paths:
            assert client(user).get(path).status_code == 403, path
            assert client(user).post(path, data).status_code == 403, path
    proposal.refresh_from_db()
    assert proposal.kecamatan_code == ""
    staff = client(officials["admin"])
    assert staff.get("/grants/staff/places/proposal/999999999/").status_code == 404
    assert staff.get(f"/grants/staff/places/program/{program.pk}/").status_code == 404
