"""Two operators on the same UVM session: an outcome, a conclusion or a new date made on a
version that has moved on is refused (integra/core/concurrency.py), nothing is lost."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from integra.accounts.services import api_token_create
from integra.assessments import uvm
from integra.assessments.uvm_models import UvmSession, UvmState
from integra.core.concurrency import StaleEdit
from integra.core.permissions import Role
from tests.people.factories import CareRelationshipFactory, PersonFactory

SESSIONS = "/api/v1/uvm-sessions"


@pytest.fixture
def person(org_b):
    person = PersonFactory(registered_by=org_b, family_names="Gialli", given_names="Piero")
    CareRelationshipFactory(person=person, organization=org_b)
    return person


@pytest.fixture
def doctors(org_b, make_membership):
    return (
        make_membership(org_b, Role.DOCTOR, Role.UVM_MEMBER),
        make_membership(org_b, Role.DOCTOR, Role.UVM_MEMBER),
    )


@pytest.fixture
def session(doctors, person) -> UvmSession:
    client = Client()
    client.force_login(doctors[0].user)
    response = client.post(
        SESSIONS,
        {"person_id": person.pk, "scheduled_for": "2026-12-02T10:00:00+01:00", "place": "CdC"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return UvmSession.objects.get(pk=response.json()["id"])


def bearer(membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="t", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _send(client, method, url, body, headers, if_match=None):
    extra = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.generic(
        method,
        url,
        json.dumps(body),
        content_type="application/json",
        **extra,
        **headers,
    )


def test_api_outcome_and_reschedule_need_the_version(client, doctors, session) -> None:
    first, second = bearer(doctors[0]), bearer(doctors[1])
    read = client.get(f"{SESSIONS}/{session.pk}", **first)
    assert read["ETag"] == '"1"'
    outcome_url = f"{SESSIONS}/{session.pk}/outcome"
    missing = _send(client, "PATCH", outcome_url, {"outcome_notes": "B"}, second)
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
    saved = _send(client, "PATCH", outcome_url, {"outcome_notes": "A"}, first, read["ETag"])
    assert (saved.status_code, saved["ETag"]) == (200, '"2"')
    stale = _send(client, "PATCH", outcome_url, {"outcome_notes": "B"}, second, read["ETag"])
    assert (stale.status_code, stale.json()["code"]) == (412, "stale_edit")
    move = {"scheduled_for": "2026-12-09T10:00:00+01:00", "reason": "Sala occupata"}
    reschedule_url = f"{SESSIONS}/{session.pk}/reschedule"
    assert _send(client, "POST", reschedule_url, move, second).status_code == 428
    assert _send(client, "POST", reschedule_url, move, second, read["ETag"]).status_code == 412
    moved = _send(client, "POST", reschedule_url, move, second, saved["ETag"])
    assert (moved.status_code, moved["ETag"]) == (200, '"3"')
    conclude_url = f"{SESSIONS}/{session.pk}/conclude"
    assert _send(client, "POST", conclude_url, {}, first, saved["ETag"]).status_code == 412
    session.refresh_from_db()
    assert (session.outcome_notes, session.row_version, session.state) == (
        "A",
        3,
        UvmState.SCHEDULED,
    )
    assert len(session.reschedules) == 1


def test_services_cancel_bumps_unchecked(doctors, session, make_actor, org_b) -> None:
    actor = make_actor(org_b, Role.DOCTOR, Role.UVM_MEMBER)
    uvm.session_cancel(actor=actor, session_id=session.pk, reason="Persona ricoverata")
    session.refresh_from_db()
    assert (session.state, session.row_version) == (UvmState.CANCELLED, 2)


def test_services_stale_outcome_writes_nothing(session, make_actor, org_b) -> None:
    actor = make_actor(org_b, Role.DOCTOR, Role.UVM_MEMBER)
    uvm.outcome_update(
        actor=actor, session_id=session.pk, data={"outcome_notes": "A"}, expected_version=1
    )
    with pytest.raises(StaleEdit):
        uvm.outcome_update(
            actor=actor, session_id=session.pk, data={"outcome_notes": "B"}, expected_version=1
        )
    session.refresh_from_db()
    assert (session.outcome_notes, session.row_version) == ("A", 2)


def _hidden(page: str, name: str, prefix: str = "") -> str:
    marker = f'name="{prefix}{name}" value="'
    return page.split(marker)[1].split('"')[0]


def test_page_stale_outcome_lists_changes_and_keeps_input(doctors, session) -> None:
    first, second = Client(), Client()
    first.force_login(doctors[0].user)
    second.force_login(doctors[1].user)
    detail = reverse("assessments:uvm_detail", args=[session.pk])
    url = reverse("assessments:uvm_outcome", args=[session.pk])
    opened = second.get(detail).content.decode()
    assert _hidden(opened, "row_version") == "1"
    snapshot = _hidden(opened, "opened_snapshot")
    saved = first.post(
        url, {"outcome_notes": "Proposta ADI", "care_intensity": "media", "row_version": "1"}
    )
    assert saved.status_code == 302
    stale = second.post(
        url,
        {
            "outcome_notes": "Proposta RSA",
            "proposed_interventions": "Ricovero di sollievo",
            "row_version": "1",
            "opened_snapshot": snapshot,
        },
    )
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Dati modificati da un altro operatore" in page
    # Two fields changed meanwhile (notes and intensity), each with the opened and the new value.
    assert '<th scope="row">Note</th><td>—</td><td>Proposta ADI</td>' in page
    assert '<th scope="row">Intensità assistenziale</th><td>—</td><td>Media</td>' in page
    assert page.count('<th scope="row">') == 2
    assert "Ricovero di sollievo" in page and "Proposta RSA" in page  # input kept
    session.refresh_from_db()
    assert (session.outcome_notes, session.row_version) == ("Proposta ADI", 2)


def test_page_stale_reschedule_shows_the_new_date(doctors, session) -> None:
    first, second = Client(), Client()
    first.force_login(doctors[0].user)
    second.force_login(doctors[1].user)
    detail = reverse("assessments:uvm_detail", args=[session.pk])
    url = reverse("assessments:uvm_reschedule", args=[session.pk])
    opened = second.get(detail).content.decode()
    snapshot = _hidden(opened, "opened_snapshot", "sposta-")
    moved = first.post(
        url,
        {
            "sposta-scheduled_for": "2026-12-09T10:00",
            "sposta-reason": "Sala occupata",
            "sposta-row_version": "1",
        },
    )
    assert moved.status_code == 302
    stale = second.post(
        url,
        {
            "sposta-scheduled_for": "2026-12-10T11:00",
            "sposta-reason": "Assente il medico",
            "sposta-row_version": "1",
            "sposta-opened_snapshot": snapshot,
        },
    )
    assert stale.status_code == 409
    page = stale.content.decode()
    assert '<th scope="row">Nuova data e ora</th>' in page
    assert "Assente il medico" in page
    session.refresh_from_db()
    assert (len(session.reschedules), session.row_version) == (1, 2)
