"""The issue-11 migrations carry existing rows over: adoption events get their
actors' names as snapshots, one-sided agreements wait for the other party."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import make_user

pytestmark = pytest.mark.django_db

BEFORE = [("catalog", "0003_publiccode_document_and_contractors")]
AFTER = [("catalog", "0005_agreement_confirmation_and_versions")]


def test_existing_rows_get_snapshots_and_agreements_await_confirmation(
    bandung, tangerang
):
    user = make_user("lama@tangerang.test", tenant=tangerang, role="admin")
    connection.set_schema_to_public()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    CatalogApp = old.get_model("catalog", "CatalogApp")
    Agreement = old.get_model("catalog", "Agreement")
    Adoption = old.get_model("catalog", "Adoption")
    AdoptionEvent = old.get_model("catalog", "AdoptionEvent")
    app = CatalogApp.objects.create(
        slug="lama",
        name="Lama",
        publisher_id=bandung.pk,
        short_description_id="x",
        development_status="stable",
        delivery_mode="source",
        license="MIT",
        url="https://code.example.test/lama",
    )
    agreement = Agreement.objects.create(
        kind="pks",
        number="PKS/LAMA",
        title="Lama",
        first_party_id=tangerang.pk,
        second_party_id=bandung.pk,
        signed_on=date(2020, 1, 1),
        signed_at_place="Tangerang",
        valid_from=date(2020, 1, 1),
        first_signatory="A",
        second_signatory="B",
        created_by_id=user.pk,
    )
    adoption = Adoption.objects.create(
        app_id=app.pk,
        adopter_id=tangerang.pk,
        purpose="x",
        contact_name="x",
        contact_email="x@t.test",
        agreement_id=agreement.pk,
    )
    AdoptionEvent.objects.create(
        adoption_id=adoption.pk,
        action="request",
        to_status="requested",
        actor_id=user.pk,
        actor_tenant_id=tangerang.pk,
    )

    with connection.cursor() as cursor:
        # The rows above were written in the test's transaction, not committed.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    event = new.get_model("catalog", "AdoptionEvent").objects.get(
        adoption_id=adoption.pk
    )
    assert (
        event.actor_id,
        event.actor_name,
        event.actor_tenant_id,
        event.actor_tenant_name,
    ) == (user.pk, user.full_name or user.email, tangerang.pk, tangerang.name)
    migrated = new.get_model("catalog", "Agreement").objects.get(pk=agreement.pk)
    assert (migrated.state, migrated.awaiting_party_id, migrated.version) == (
        "awaiting",
        bandung.pk,
        0,
    )
    (proposal,) = new.get_model("catalog", "AgreementEvent").objects.filter(
        agreement_id=agreement.pk
    )
    assert (proposal.version, proposal.action, proposal.actor_tenant_id) == (
        1,
        "propose",
        tangerang.pk,
    )
    assert proposal.terms["number"] == "PKS/LAMA"
    assert proposal.terms["signed_on"] == "2020-01-01"
    # Back to the latest state for the rest of the suite.
    MigrationExecutor(connection).migrate(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )


def test_check_messages_written_as_text_are_kept_by_0011(bandung):
    """Migration 0011 keeps a check's message as a sentence (#14); those
    recorded before keep their text, shown as it was written, and back."""
    from catalog.templatetags.catalog_tags import sentence
    from tests.catalog.factories import make_app

    app = make_app(bandung)
    before = [("catalog", "0010_name_words")]
    after = [("catalog", "0011_harvest_messages_as_sentences")]
    connection.set_schema_to_public()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    link = old.get_model("catalog", "RepositoryLink").objects.create(
        app_id=app.pk, repository_url="https://code.example.test/lama"
    )
    HarvestRun = old.get_model("catalog", "HarvestRun")
    failed = HarvestRun.objects.create(
        link_id=link.pk,
        trigger="schedule",
        outcome="failed",
        problem="unreachable",
        message="Repositori tidak menjawab dalam 60 detik.",
    )
    passed = HarvestRun.objects.create(
        link_id=link.pk, trigger="schedule", outcome="unchanged", message=""
    )

    with connection.cursor() as cursor:
        # The rows above were written in the test's transaction, not committed.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("catalog", "HarvestRun")
    assert new.objects.get(pk=failed.pk).message == (
        "Repositori tidak menjawab dalam 60 detik."
    )
    assert sentence(new.objects.get(pk=failed.pk).message) == (
        "Repositori tidak menjawab dalam 60 detik."
    )
    assert new.objects.get(pk=passed.pk).message == {}
    new.objects.filter(pk=passed.pk).update(
        message={"msgid": "Too many redirects.", "params": {}}
    )

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("catalog", "HarvestRun")
    assert old.objects.get(pk=failed.pk).message == (
        "Repositori tidak menjawab dalam 60 detik."
    )
    assert old.objects.get(pk=passed.pk).message == "Too many redirects."
    # Back to the latest state for the rest of the suite.
    MigrationExecutor(connection).migrate(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
