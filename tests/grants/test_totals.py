"""grants_proposaltotal, kept by the database (grants/totals.py), always equals
the public proposals grouped on the spot (issue 16)."""

from __future__ import annotations

import pytest
from django.db import connection

from grants import selectors, totals
from grants.models import Proposal, ProposalTotal
from tests.grants.test_portal import (
    BANSOS_STAGES,
    add_proposals,
    approve,
    make_applicant,
    make_program,
    propose,
    publish_sabilulungan,
)

pytestmark = pytest.mark.django_db

KEYS = ("program_id", "kecamatan_code", "kecamatan")


def assert_totals_match():
    for keys in ((), ("program_id",), KEYS):
        kept = selectors._grouped_totals(*keys)
        counted = selectors._grouped(selectors.public_proposals(), *keys)
        # The same figures per group (one aggregate row per group on each side).
        merged: dict = {}
        for row in kept:
            key = tuple(row[k] for k in (*keys, "status"))
            merged[key] = {k: row[k] for k in selectors._FIGURE_NAMES}
        expected = {
            tuple(row[k] for k in (*keys, "status")): {
                k: row[k] for k in selectors._FIGURE_NAMES
            }
            for row in counted
        }
        assert merged == expected, keys


@pytest.fixture
def programs(in_bandung, officials):
    publish_sabilulungan(in_bandung)
    admin = officials["admin"]
    return [
        make_program(in_bandung, admin, budget=1_000_000_000),
        make_program(
            in_bandung,
            admin,
            budget=1_000_000_000,
            kind="bansos",
            stages=BANSOS_STAGES,
            required=("KTP",),
        ),
    ]


def test_every_write_path_keeps_the_totals_equal_to_a_fresh_count(
    in_bandung, officials, programs
):
    assert ProposalTotal.objects.count() == 0
    add_proposals(in_bandung, officials, programs, 8)
    assert_totals_match()
    assert ProposalTotal.objects.exclude(n=0).exists()

    # A draft is not public; submitting it makes it count.
    draft = propose(
        in_bandung,
        programs[0],
        make_applicant("Yayasan Draf"),
        amount=7_000_000,
        submit=False,
    )
    assert_totals_match()
    proposal = propose(
        in_bandung, programs[0], make_applicant("Yayasan Baru"), amount=3_000_000
    )
    approve(in_bandung, officials, proposal, 2_500_000)
    assert_totals_match()

    # Bulk and raw writes the services never make count the same.
    Proposal.objects.filter(kecamatan="Andir").update(
        kecamatan="Coblong", kecamatan_code="32.73.15"
    )
    assert_totals_match()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE grants_proposal SET requested_amount = requested_amount + 1"
            " WHERE id IN (SELECT id FROM grants_proposal ORDER BY id LIMIT 3)"
        )
        cursor.execute(
            "INSERT INTO grants_proposal (program_id, applicant_id, title, background,"
            " purpose, kecamatan, kelurahan, kecamatan_code, kelurahan_code,"
            " requested_amount, disbursed_amount, status, assigned_unit, public_reason,"
            " nphd_number, created_at, submitted_at, updated_at)"
            " SELECT program_id, applicant_id, title || ' (salinan)', background,"
            " purpose, kecamatan, kelurahan, kecamatan_code, kelurahan_code,"
            " requested_amount, 0, 'in_review', '', '', '', now(), now(), now()"
            " FROM grants_proposal WHERE status <> 'draft'"
        )
    assert_totals_match()
    Proposal.objects.filter(pk=draft.pk).delete()
    copies = Proposal.objects.filter(title__endswith="(salinan)")
    copies.filter(pk__in=list(copies.values_list("pk", flat=True)[:2])).delete()
    assert_totals_match()


def test_an_edit_that_moves_no_figure_touches_no_total(in_bandung, officials, programs):
    add_proposals(in_bandung, officials, programs, 3)
    before = list(ProposalTotal.objects.order_by("pk").values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM grants_proposaltotal ORDER BY id")
        versions = cursor.fetchall()
        cursor.execute("UPDATE grants_proposal SET title = title || '!'")
        cursor.execute("SELECT xmin::text FROM grants_proposaltotal ORDER BY id")
        assert cursor.fetchall() == versions  # no row was rewritten (or locked)
    assert list(ProposalTotal.objects.order_by("pk").values()) == before


def test_rebuild_gives_the_same_table(in_bandung, officials, programs):
    add_proposals(in_bandung, officials, programs, 6)

    def table():
        return sorted(
            ProposalTotal.objects.exclude(n=0).values_list(
                "program_id",
                "status",
                "kecamatan_code",
                "kecamatan",
                "n",
                "requested",
                "approved",
                "disbursed",
                "spent",
            )
        )

    kept = table()
    with connection.cursor() as cursor:
        for statement in totals.rebuild_sql():
            cursor.execute(statement)
    assert table() == kept
    assert_totals_match()


def test_pages_show_the_kept_totals(in_bandung, officials, programs):
    from tests.conftest import host_client

    add_proposals(in_bandung, officials, programs, 4)
    assert (
        host_client("bandung.localhost").get("/grants/statistics/").status_code == 200
    )
    counted = selectors._totals_of(selectors._grouped(selectors.public_proposals()))
    stats = selectors.portal_statistics()
    assert stats.totals["proposal_count"] == counted["proposal_count"] == 4
    assert stats.totals["requested"] == counted["requested"] > 0
    assert stats.totals["approved"] == counted["approved"] > 0
    overview = selectors.portal_overview()["totals"]
    assert {k: overview[k] for k in counted} == counted


def test_a_restored_archive_gets_its_totals_recounted(in_bandung, officials, programs):
    """tenants/archive/ calls this after the rows are back: however the proposals
    and the totals table were copied in, the totals equal a fresh count."""
    from tenants.archive.registry import after_import_hooks

    add_proposals(in_bandung, officials, programs, 4)
    assert totals.rebuild_after_import in after_import_hooks()
    ProposalTotal.objects.update(n=999, requested=1)  # what a double count leaves
    totals.rebuild_after_import(in_bandung, None)
    assert_totals_match()
