"""Catalog adoptions declared once (catalog/workflow.py): the table checks itself,
every label reads in both languages, and the sides act as declared."""

from __future__ import annotations

import re

import pytest

from catalog.models import Adoption
from catalog.workflow import (
    ADOPTER,
    EITHER,
    PUBLISHER,
    WORKFLOW,
    action_choices,
    sides_for,
)
from tests.conftest import host_client

SAME_IN_BOTH: set[str] = set()


def test_the_adoption_table_checks_itself():
    assert WORKFLOW.problems() == []
    assert WORKFLOW.reachable() == set(Adoption.Status.values)
    assert [s.key for s in WORKFLOW.states] == list(Adoption.Status.values)
    for state in WORKFLOW.states:
        if not state.terminal:
            assert WORKFLOW.acting(state.key), state.key
    assert {t.actor for t in WORKFLOW.transitions} <= {ADOPTER, PUBLISHER, EITHER}


def test_every_adoption_label_exists_in_both_languages():
    assert WORKFLOW.untranslated(same=SAME_IN_BOTH) == []


def test_the_side_that_acts_in_each_step():
    assert sides_for("approve") == (PUBLISHER,)
    assert sides_for("reject") == (PUBLISHER,)
    assert sides_for("withdraw") == (ADOPTER,)
    assert sides_for("activate") == (ADOPTER,)
    assert sides_for("end") == (ADOPTER, PUBLISHER)
    # Events a side takes as a step of its own, declared with their actor.
    assert sides_for("update") == (ADOPTER,)
    assert sides_for("agreement") == (ADOPTER, PUBLISHER)
    # Recorded by the service only, or not declared: nobody's step.
    assert sides_for("request") == ()
    assert sides_for("usage") == ()
    steps = {
        status: {
            side: sorted(t.key for t in WORKFLOW.available(status, {side, EITHER}))
            for side in (ADOPTER, PUBLISHER)
        }
        for status in Adoption.Status.values
    }
    assert steps["requested"] == {
        ADOPTER: ["withdraw"],
        PUBLISHER: ["approve", "reject"],
    }
    assert steps["approved"] == {
        ADOPTER: ["activate", "end", "withdraw"],
        PUBLISHER: ["end"],
    }
    assert steps["active"] == {ADOPTER: ["end"], PUBLISHER: ["end"]}
    for over in ("ended", "rejected", "withdrawn"):
        assert steps[over] == {ADOPTER: [], PUBLISHER: []}


def test_every_recorded_adoption_action_has_a_plain_label():
    keys = [key for key, _label in action_choices()]
    assert set(keys) == {
        "request",
        "withdraw",
        "approve",
        "reject",
        "activate",
        "update",
        "agreement",
        "end",
    }
    for key in keys:
        assert str(WORKFLOW.done_label(key)) != key


@pytest.mark.django_db
def test_the_page_offers_each_side_its_declared_steps_and_plain_history(
    sabilulungan, tangerang, bandung_admin, tangerang_admin
):
    from tests.catalog.test_adoption_workflow import post, request_adoption

    adopter = host_client("tangerang.localhost", tangerang_admin)
    publisher = host_client("bandung.localhost", bandung_admin)
    adoption = request_adoption(adopter)
    path = f"/apps/adoptions/{adoption.pk}/"

    def forms(client) -> set[str]:
        html = client.get(path).content.decode()
        return set(re.findall(rf"/apps/adoptions/{adoption.pk}/(\w+)/", html))

    assert forms(publisher) == {"approve", "reject"}
    assert forms(adopter) == {"withdraw"}
    # The other side's step is refused before the service is even asked.
    assert adopter.post(f"{path}approve/", {}).status_code == 403
    page = adopter.get(path).content.decode()
    assert "administrators approve or reject the request" in page

    response = post(publisher, f"{path}reject/", {"reason": "Belum ada anggaran"})
    assert response.status_code == 302
    assert forms(publisher) == set() and forms(adopter) == set()
    history = publisher.get(path).content.decode()
    history = history[history.index('<ol class="timeline">') :]
    history = history[: history.index("</ol>")]
    assert "Adoption requested" in history and "Rejected" in history
    assert "→" not in history and "requested" not in history.replace(
        "Adoption requested", ""
    )
