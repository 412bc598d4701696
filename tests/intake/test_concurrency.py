"""Two PUA operators on the same request: the second move or pre-assessment made on a version
that has moved on is refused (integra/core/concurrency.py), nothing is lost."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from integra.accounts.services import api_token_create
from integra.core.concurrency import StaleEdit
from integra.core.permissions import Role
from integra.intake.models import IntakeRequest, IntakeState
from integra.intake.services import request_create, triage_record
from integra.intake.workflow import transition
from tests.intake.test_views import _data

BASE = "/api/v1/pua"
SIMPLE = {
    "health_need": "none",
    "social_need": "simple",
    "autonomy": "autonomous",
    "support_network": "adequate",
    "urgency": "none",
}
COMPLEX = {
    "health_need": "complex",
    "social_need": "complex",
    "autonomy": "dependent",
    "support_network": "absent",
    "urgency": "days",
}


def bearer(actor) -> dict[str, str]:
    _token, raw = api_token_create(
        user=actor.user, membership=actor.membership, name="t", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def logged(actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    session = client.session
    session["integra_membership_id"] = actor.membership.pk
    session.save()
    return client


@pytest.fixture
def second(pua_setting, make_actor):
    return make_actor(pua_setting.ambito_org, Role.PUA_OPERATOR)


@pytest.fixture
def item(pua_setting) -> IntakeRequest:
    return request_create(actor=pua_setting.operator, data=_data(pua_setting))


# --- services --------------------------------------------------------------------------------


def test_versions_count_every_change(pua_setting, second, item) -> None:
    assert item.row_version == 1
    # The first pre-assessment moves the request (received -> pre-assessment) and records the
    # answers: two changes, 1 -> 3 (the move inside the checked write bumps unchecked).
    done = triage_record(
        actor=pua_setting.operator, request_id=item.pk, answers=SIMPLE, expected_version=1
    )
    assert done.row_version == 3
    item.refresh_from_db()
    assert (item.row_version, item.state) == (3, IntakeState.PRE_ASSESSMENT)
    with pytest.raises(StaleEdit):
        triage_record(actor=second, request_id=item.pk, answers=COMPLEX, expected_version=1)
    with pytest.raises(StaleEdit):
        transition(second, item.pk, "chiusa", "x", expected_version=1)
    item.refresh_from_db()
    assert (item.row_version, item.triage_answers) == (3, SIMPLE)
    moved = transition(
        second,
        item.pk,
        IntakeState.INFORMED,
        "",
        expected_version=3,
        need="simple",
        information_given="Orari del centro diurno",
    )
    assert moved.row_version == 4


# --- API ---------------------------------------------------------------------------------------


def _post(client, url, body, headers, if_match=None):
    extra = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.post(url, body, content_type="application/json", **extra, **headers)


def test_api_if_match_on_moves_and_pre_assessment(client, pua_setting, second, item) -> None:
    first_h, second_h = bearer(pua_setting.operator), bearer(second)
    read = client.get(f"{BASE}/requests/{item.pk}", **first_h)
    assert read["ETag"] == '"1"'
    url = f"{BASE}/requests/{item.pk}/transitions"
    missing = _post(client, url, {"to": "pre_valutazione"}, second_h)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    moved = _post(client, url, {"to": "pre_valutazione"}, first_h, read["ETag"])
    assert (moved.status_code, moved["ETag"]) == (200, '"2"')
    stale = _post(client, url, {"to": "non_competente", "reason": "x"}, second_h, read["ETag"])
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_edit"
    triage_url = f"{BASE}/requests/{item.pk}/pre-assessment"
    assert _post(client, triage_url, {"answers": SIMPLE}, second_h).status_code == 428
    stale = _post(client, triage_url, {"answers": COMPLEX}, second_h, read["ETag"])
    assert stale.status_code == 412
    done = _post(client, triage_url, {"answers": SIMPLE}, second_h, moved["ETag"])
    assert (done.status_code, done["ETag"]) == (200, '"3"')
    item.refresh_from_db()
    assert (item.state, item.row_version, item.triage_answers) == (
        IntakeState.PRE_ASSESSMENT,
        3,
        SIMPLE,
    )


# --- pages ---------------------------------------------------------------------------------------


def test_page_stale_move_is_refused_with_the_input_kept(pua_setting, second, item) -> None:
    first_c, second_c = logged(pua_setting.operator), logged(second)
    url = f"/pua/richieste/{item.pk}/"
    page = second_c.get(url).content.decode()
    assert 'name="row_version" value="1"' in page
    first_c.post(
        f"{url}passaggio/",
        {"to": "pre_valutazione", "pre_valutazione-to": "pre_valutazione", "row_version": "1"},
    )
    stale = second_c.post(
        f"{url}passaggio/",
        {
            "to": "non_competente",
            "non_competente-to": "non_competente",
            "non_competente-reason": "Residente in un altro Ambito",
            "non_competente-forwarded_to": pua_setting.asst.pk,
            "non_competente-need": "simple",
            "row_version": "1",
        },
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Dati modificati da un altro operatore" in body
    assert "Residente in un altro Ambito" in body  # the reason typed is kept
    assert 'name="row_version" value="2"' in body  # the page now shows version 2
    item.refresh_from_db()
    assert (item.state, item.row_version) == (IntakeState.PRE_ASSESSMENT, 2)


def test_page_stale_pre_assessment_lists_the_answers_changed(pua_setting, second, item) -> None:
    transition(pua_setting.operator, item.pk, "pre_valutazione", "", expected_version=1)
    first_c, second_c = logged(pua_setting.operator), logged(second)
    url = f"/pua/richieste/{item.pk}/pre-valutazione/"
    page_second = second_c.get(url).content.decode()
    assert 'name="row_version" value="2"' in page_second
    snapshot = page_second.split('name="opened_snapshot" value="')[1].split('"')[0]
    saved = first_c.post(url, {**SIMPLE, "row_version": "2"})
    assert saved.status_code == 302
    stale = second_c.post(url, {**COMPLEX, "row_version": "2", "opened_snapshot": snapshot})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Dati modificati da un altro operatore" in body
    # Every item was unanswered when the second operator opened the form; the first answered
    # all five (pua_triage.yaml), so five rows, e.g. the social need now "simple".
    assert body.count('<th scope="row">') == 5
    assert "<td>—</td>" in body
    # The second operator's choices are still selected.
    assert len(re.findall(r'value="complex"[^>]*checked', body)) == 2  # health, social
    item.refresh_from_db()
    assert (item.triage_answers, item.row_version) == (SIMPLE, 3)
