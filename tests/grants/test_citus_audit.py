"""On Citus the audit tables still refuse UPDATE and DELETE (issue 7, issue 16).

A tenant's grants_auditevent is a single-shard table on a worker; its
append-only trigger (core/db.py) exists there only because the cluster runs
with citus.enable_unsafe_triggers on (tools/citus_cluster.py). This proves the
trigger fires where the rows are.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from grants import services
from grants.models import AuditEvent
from tests.grants.conftest import make_applicant, make_program, make_proposal

pytestmark = [pytest.mark.django_db, pytest.mark.citus_only]


@pytest.fixture
def events(in_bandung, officials):
    program = make_program(in_bandung, officials["admin"])
    proposal = make_proposal(program, make_applicant(), tenant=in_bandung)
    services.proposal_transition(
        tenant=in_bandung,
        actor_user=officials["tata_usaha"],
        proposal=proposal,
        action="reject",
        note="Tidak memenuhi syarat",
    )
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


def test_the_audit_table_is_distributed(in_bandung, events):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM citus_shards WHERE table_name = %s::regclass",
            [f"{in_bandung.schema_name}.grants_auditevent"],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE grants_auditevent SET note = 'Memenuhi syarat' WHERE seq = %s",
        "DELETE FROM grants_auditevent WHERE seq = %s",
    ],
)
def test_audit_rows_cannot_be_changed_on_the_worker(in_bandung, events, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [events[-1]])
    assert AuditEvent.objects.filter(seq=events[-1]).exists()
