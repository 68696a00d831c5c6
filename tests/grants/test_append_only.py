"""The grants audit table refuses UPDATE and DELETE in the database, in the
session's tenants and in a tenant provisioned now (cloned from the template)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from grants import audit
from grants.models import AuditEvent
from tests.dbadmin import triggers_disabled
from tests.factories import make_tenant


def _append_one() -> AuditEvent:
    with transaction.atomic():
        return audit.append(action="program_create", actor_label="Tester", note="first")


def _refused(statement: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE grants_auditevent SET note = 'rewritten'",
        "UPDATE grants_auditevent SET hash = repeat('0', 64)",
        "DELETE FROM grants_auditevent",
    ],
)
def test_audit_table_refuses_update_and_delete(in_bandung, statement):
    with tenant_context(in_bandung):
        event = _append_one()
        _refused(statement)
        assert AuditEvent.objects.get(pk=event.pk).note == "first"
        assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused_too(in_bandung):
    with tenant_context(in_bandung):
        event = _append_one()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(note="x")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk, note="first").exists()


@pytest.mark.django_db
def test_freshly_provisioned_tenant_refuses_update_and_delete():
    tenant = make_tenant("rsud-kalteng", "RSUD Kalteng", kind="lembaga")
    with tenant_context(tenant):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace "
                "AND c.relname = 'grants_auditevent' AND NOT t.tgisinternal"
            )
            assert cursor.fetchone()[0] == 1
        _append_one()
        _refused("UPDATE grants_auditevent SET note = 'rewritten'")
        _refused("DELETE FROM grants_auditevent")
        # Only a database administrator who switches the trigger off gets through.
        with triggers_disabled("grants_auditevent"), connection.cursor() as cursor:
            cursor.execute("UPDATE grants_auditevent SET note = 'rewritten'")
        assert not audit.verify_stored().ok
