"""Two operators editing the same person: the second save is refused, nothing is lost.

The mechanism is integra/core/concurrency.py: ``row_version`` counts the changes; the API's
PATCH needs ``If-Match`` with the ETag of the read (428 without, 412 when stale); the edit page
carries the version it was opened on and answers 409 with what changed meanwhile.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from integra.accounts.services import api_token_create
from integra.core.concurrency import StaleEdit
from integra.core.permissions import Role
from integra.people.merging import person_merge
from integra.people.models import Person
from integra.people.services import person_update
from tests.people.factories import CareRelationshipFactory, PersonFactory, PersonIdentifierFactory

PERSONS = "/api/v1/persons"


@pytest.fixture
def person(org_a):
    someone = PersonFactory(
        registered_by=org_a,
        family_names="Diallo",
        given_names="Awa",
        birth_date=date(1990, 5, 4),
        phone="02 111",
        email="",
    )
    CareRelationshipFactory(person=someone, organization=org_a)
    PersonIdentifierFactory(person=someone)
    return someone


def bearer(membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="t", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _patch(client: Client, pk: int, body: dict, headers: dict, if_match: str | None):
    extra = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.patch(
        f"{PERSONS}/{pk}", body, content_type="application/json", **extra, **headers
    )


# --- services --------------------------------------------------------------------------------


def test_the_second_edit_on_the_same_version_is_refused(org_a, make_actor, person) -> None:
    first, second = make_actor(org_a, Role.SOCIAL_WORKER), make_actor(org_a, Role.PUA_OPERATOR)
    assert person.row_version == 1
    updated, _ = person_update(
        actor=first, person_id=person.pk, data={"phone": "02 222"}, expected_version=1
    )
    assert updated.row_version == 2
    with pytest.raises(StaleEdit) as caught:
        person_update(
            actor=second, person_id=person.pk, data={"phone": "02 333"}, expected_version=1
        )
    assert caught.value.status == 412
    assert "un altro operatore" in caught.value.message
    person.refresh_from_db()
    assert (person.phone, person.row_version) == ("02 222", 2)
    # A refused edit (bad data) leaves the version where it was: the bump is rolled back.
    with pytest.raises(Exception):  # noqa: B017 - the service's PersonError
        person_update(
            actor=second, person_id=person.pk, data={"birth_date": "x"}, expected_version=2
        )
    person.refresh_from_db()
    assert person.row_version == 2


def test_history_shows_no_event_for_the_version_alone(org_a, make_actor, person) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    events = Person.pgh_event_model.objects.filter(pgh_obj_id=person.pk)
    before = events.count()
    person_update(actor=actor, person_id=person.pk, data={"phone": "02 9"}, expected_version=1)
    # One update event (the change), not two (the bump is not tracked).
    assert events.count() == before + 1


def test_a_merge_moves_both_versions_on_without_a_check(org_a, make_actor, person) -> None:
    """Internal writes bump without checking: an edit opened before the merge is then stale."""
    pua = make_actor(org_a, Role.PUA_OPERATOR)
    twin = PersonFactory(registered_by=org_a, family_names="Diallo", given_names="Awa")
    CareRelationshipFactory(person=twin, organization=org_a)
    person_merge(actor=pua, survivor_id=person.pk, merged_id=twin.pk, reason="Doppione certo")
    person.refresh_from_db()
    twin.refresh_from_db()
    assert (person.row_version, twin.row_version) == (2, 2)
    with pytest.raises(StaleEdit):
        person_update(actor=pua, person_id=person.pk, data={"phone": "1"}, expected_version=1)


# --- API ---------------------------------------------------------------------------------------


def test_api_etag_and_if_match(client, org_a, make_membership, person) -> None:
    first = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    second = bearer(make_membership(org_a, Role.PUA_OPERATOR))
    read = client.get(f"{PERSONS}/{person.pk}", **first)
    assert read.status_code == 200
    assert read["ETag"] == '"1"'
    # Without If-Match: 428, in the API's problem format, nothing written.
    missing = _patch(client, person.pk, {"phone": "02 5"}, second, None)
    assert missing.status_code == 428
    assert missing["Content-Type"] == "application/problem+json"
    body = missing.json()
    assert (body["status"], body["code"]) == (428, "precondition_required")
    assert "If-Match" in body["detail"]
    # The first operator saves on the version read: 200 and the new ETag.
    saved = _patch(client, person.pk, {"phone": "02 5"}, first, read["ETag"])
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] == '"2"'
    # The second, on the same read: 412, and the first one's change stays.
    stale = _patch(client, person.pk, {"phone": "02 6"}, second, read["ETag"])
    assert stale.status_code == 412
    body = stale.json()
    assert (body["status"], body["code"]) == (412, "stale_edit")
    assert "un altro operatore" in body["detail"]
    person.refresh_from_db()
    assert (person.phone, person.row_version) == ("02 5", 2)
    # Reading again and retrying works.
    again = client.get(f"{PERSONS}/{person.pk}", **second)
    assert again["ETag"] == '"2"'
    retried = _patch(client, person.pk, {"phone": "02 6"}, second, again["ETag"])
    assert (retried.status_code, retried["ETag"]) == (200, '"3"')


@pytest.mark.parametrize("if_match", ['W/"1"', '"1", "2"', "1", '"abc"', '"0"'])
def test_api_a_tag_not_ours_is_a_failed_precondition(
    client, org_a, make_membership, person, if_match
) -> None:
    headers = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    response = _patch(client, person.pk, {"phone": "02 5"}, headers, if_match)
    assert response.status_code == 412
    person.refresh_from_db()
    assert (person.phone, person.row_version) == ("02 111", 1)


def test_api_star_names_no_version(client, org_a, make_membership, person) -> None:
    headers = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    assert _patch(client, person.pk, {"phone": "02 5"}, headers, "*").status_code == 428


def test_api_rights_come_before_the_precondition(client, org_a, make_membership, person) -> None:
    uvm = bearer(make_membership(org_a, Role.UVM_MEMBER))  # may read, not edit persons
    assert _patch(client, person.pk, {"phone": "1"}, uvm, None).status_code == 403


def test_openapi_documents_if_match_and_the_answers(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][f"{PERSONS}/{{person_id}}"]["patch"]
    assert any(p["in"] == "header" and p["name"] == "If-Match" for p in operation["parameters"])
    assert {"412", "428"} <= set(operation["responses"])


# --- page --------------------------------------------------------------------------------------


def _form(page: str, **changes: str) -> dict[str, str]:
    """The data a browser would send for the edit form as shown, with ``changes``."""
    import re

    data: dict[str, str] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page):
        data[name] = value
    data.update(
        family_names="Diallo",
        given_names="Awa",
        sex="F",
        birth_date="1990-05-04",
        birth_place="",
        citizenships="IT",
        languages="it",
        phone="02 111",
    )
    data.update(changes)
    return data


def test_page_stale_submit_shows_what_changed_and_keeps_the_input(
    org_a, make_membership, person
) -> None:
    first, second = Client(), Client()
    first.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    second.force_login(make_membership(org_a, Role.PUA_OPERATOR).user)
    url = f"/persone/{person.pk}/modifica/"
    page_first = first.get(url).content.decode()
    page_second = second.get(url).content.decode()
    assert 'name="row_version" value="1"' in page_second
    saved = first.post(url, _form(page_first, phone="02 222", email="awa@example.org"))
    assert saved.status_code == 302
    stale = second.post(url, _form(page_second, family_names="Diallo-Ba"))
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Dati modificati da un altro operatore" in page
    assert "le tue modifiche non sono state salvate" in page
    # What the first operator changed: the value the form was opened on and the one now stored.
    assert '<th scope="row">Telefono</th><td>02 111</td><td>02 222</td>' in page
    assert "awa@example.org" in page
    # The second operator's input is kept; the form now points at the current version.
    assert 'value="Diallo-Ba"' in page
    assert 'name="row_version" value="2"' in page
    person.refresh_from_db()
    assert (person.family_names, person.phone, person.row_version) == ("Diallo", "02 222", 2)
    # Submitting again, knowingly, saves (on version 2).
    again = second.post(url, _form(page, family_names="Diallo-Ba", phone="02 222"))
    assert again.status_code == 302
    person.refresh_from_db()
    assert (person.family_names, person.row_version) == ("Diallo-Ba", 3)


def test_page_without_a_version_saves_nothing(org_a, make_membership, person) -> None:
    client = Client()
    client.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    url = f"/persone/{person.pk}/modifica/"
    data = _form("", phone="02 999")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "quale versione dei dati hai aperto" in response.content.decode()
    person.refresh_from_db()
    assert person.phone == "02 111"


def test_page_a_forged_snapshot_shows_only_the_message(org_a, make_membership, person) -> None:
    first, second = Client(), Client()
    first.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    second.force_login(make_membership(org_a, Role.PUA_OPERATOR).user)
    url = f"/persone/{person.pk}/modifica/"
    page_second = second.get(url).content.decode()
    assert first.post(url, _form(first.get(url).content.decode(), phone="02 3")).status_code == 302
    stale = second.post(url, _form(page_second, opened_snapshot="forged"))
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Dati modificati da un altro operatore" in page
    assert "Cosa è cambiato" not in page
