"""Health data in a UVM session reaches only holders of the health permission (issue 9, finding
3): the health dimensions of the summary of needs, and the criteria of an eligibility check that
read health evidence (B1 conditions a-i, DM 26/9/2016 art. 3 c. 2: the Glasgow Coma Scale for
criterion a). The B1 check reads health evidence, so only health staff may run or overwrite it;
B2 (DOMAIN.md: L. 104/92 art. 3 c. 3, indennità di accompagnamento, ISEE) reads none.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from integra.accounts.services import api_token_create
from integra.assessments import uvm
from integra.assessments.uvm_minutes import minutes_html
from integra.core.access import PermissionRequired
from integra.core.permissions import Role
from integra.programs.facts import FactKind
from tests.assessments.test_uvm import WHEN, add
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory
from tests.programs.factories import fact_of

CANARY = "Zqx-canary-coma-vigile"
DAY = date(2025, 12, 2)


@pytest.fixture
def world(org_a, org_b, make_actor):
    person = PersonFactory(registered_by=org_b, family_names="Verdi", given_names="Giulia")
    CareRelationshipFactory(person=person, organization=org_b)
    ConsentFactory(person=person)  # the Comune's members read the record
    doctor = make_actor(org_b, Role.DOCTOR, Role.UVM_MEMBER)
    session = uvm.session_create(
        actor=doctor, data={"person_id": person.pk, "scheduled_for": WHEN, "place": "CdC"}
    )
    add(doctor, session, org_a, "assistente_sociale")
    fact_of(person, FactKind.GCS, number="7")
    fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    uvm.outcome_update(
        expected_version=None,
        actor=doctor,
        session_id=session.pk,
        data={"needs_summary": {"salute": CANARY, "rete": "Figlia convivente."}},
    )
    uvm.eligibility_record(actor=doctor, session_id=session.pk, measure_code="B1", on_date=DAY)
    social = make_actor(org_a, Role.SOCIAL_WORKER, Role.UVM_MEMBER)
    return {"doctor": doctor, "social": social, "session": session, "person": person}


def _gcs_criterion(view: uvm.SessionView) -> dict:
    criteria = view.eligibility["B1"]["criteria"]
    return next(c for c in criteria if c["code"] == "a")


def test_the_doctor_sees_what_they_recorded(world) -> None:
    view = uvm.session_get(actor=world["doctor"], session_id=world["session"].pk)
    assert view.needs_summary["salute"] == CANARY
    gcs = _gcs_criterion(view)
    assert gcs["met"] is True  # GCS 7 <= 10 (DM 26/9/2016 art. 3 c. 2 a)
    assert [e["value"] for e in gcs["evidence"]] == ["7"]


def test_a_social_member_sees_neither_the_health_needs_nor_the_health_criteria(world) -> None:
    view = uvm.session_get(actor=world["social"], session_id=world["session"].pk)
    assert view.needs_summary == {"rete": "Figlia convivente."}
    gcs = _gcs_criterion(view)
    assert (gcs["met"], gcs["evidence"], gcs.get("reserved")) == (None, [], True)
    shown = json.dumps(view.eligibility, ensure_ascii=False) + json.dumps(view.needs_summary)
    assert CANARY not in shown
    assert "Glasgow Coma Scale (punteggio)" not in shown
    html = minutes_html(view)
    assert CANARY not in html and "Glasgow Coma Scale (punteggio)" not in html
    # The outcome of the check is the administrative decision the team acts on.
    assert (
        view.eligibility["B1"]["outcome"]
        == uvm.session_get(actor=world["doctor"], session_id=world["session"].pk).eligibility["B1"][
            "outcome"
        ]
    )


def test_the_api_answer_is_filtered_as_well(world, client: Client) -> None:
    social = world["social"]
    _token, secret = api_token_create(user=social.user, membership=social.membership, name="prova")
    response = client.get(
        f"/api/v1/uvm-sessions/{world['session'].pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert CANARY not in body and "Glasgow Coma Scale (punteggio)" not in body
    assert response.json()["person"]["family_names"] == "Verdi"


def test_only_health_staff_run_or_overwrite_a_check_that_reads_health_evidence(world) -> None:
    with pytest.raises(PermissionRequired):
        uvm.eligibility_record(
            actor=world["social"], session_id=world["session"].pk, measure_code="B1", on_date=DAY
        )
    # B2 reads no health evidence: the social member runs it.
    uvm.eligibility_record(
        actor=world["social"], session_id=world["session"].pk, measure_code="B2", on_date=DAY
    )
    world["session"].refresh_from_db()
    assert set(world["session"].eligibility) == {"B1", "B2"}
    assert not uvm.may_run_check(world["social"], "B1", DAY)
    assert uvm.may_run_check(world["doctor"], "B1", DAY)
    assert uvm.may_run_check(world["social"], "B2", DAY)


def test_a_social_member_neither_writes_nor_erases_the_health_needs(world) -> None:
    with pytest.raises(uvm.UvmError) as refused:
        uvm.outcome_update(
            expected_version=None,
            actor=world["social"],
            session_id=world["session"].pk,
            data={"needs_summary": {"salute": "scritto dal sociale"}},
        )
    assert "needs_summary" in refused.value.errors
    uvm.outcome_update(
        expected_version=None,
        actor=world["social"],
        session_id=world["session"].pk,
        data={"needs_summary": {"abitazione": "Casa con barriere."}},
    )
    world["session"].refresh_from_db()
    assert world["session"].needs_summary == {"abitazione": "Casa con barriere.", "salute": CANARY}
