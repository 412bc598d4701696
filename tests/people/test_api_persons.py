"""/api/v1/persons (integra/people/api.py, ``persons_router``).

Codes: RSSMRA80A01H501U = man born 01/01/1980 in Rome; BNCNNA85L62F205J = woman born 22/07/1985
in Milan (DM 23/12/1976 n. 13813; worked by hand in test_identifiers.py).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.core.permissions import Role
from integra.people.models import CareRelationship, Person
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons"
ROSSI = "RSSMRA80A01H501U"


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def problem_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def post(client: Client, data: dict, headers: dict):
    return client.post(PERSONS, data, content_type="application/json", **headers)


def patch(client: Client, person_id: int, data: dict, headers: dict):
    """A PATCH made on the current version (If-Match: tests/people/test_concurrency.py)."""
    version = Person.objects.filter(pk=person_id).values_list("row_version", flat=True).first()
    return client.patch(
        f"{PERSONS}/{person_id}",
        data,
        content_type="application/json",
        HTTP_IF_MATCH=f'"{version or 1}"',
        **headers,
    )


ROSSI_IN = {
    "family_names": "Rossi",
    "given_names": "Mario",
    "sex": "M",
    "birth_date": "1980-01-01",
    "identifiers": [{"value": ROSSI}],
}


@pytest.fixture
def worker_a(org_a, make_membership) -> dict[str, str]:
    return bearer(make_membership(org_a, Role.SOCIAL_WORKER))


@pytest.fixture
def worker_b(org_b, make_membership) -> dict[str, str]:
    return bearer(make_membership(org_b, Role.SOCIAL_WORKER))


@pytest.fixture
def pua_b(org_b, make_membership) -> dict[str, str]:
    return bearer(make_membership(org_b, Role.PUA_OPERATOR))


@pytest.fixture
def rossi_id(client, worker_a) -> int:
    response = post(client, ROSSI_IN, worker_a)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_requires_authentication(client) -> None:
    problem_of(client.get(PERSONS), 401, "unauthenticated")


def test_create_returns_the_person_and_no_warnings(client, org_a, worker_a) -> None:
    response = post(client, ROSSI_IN, worker_a)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["family_names"] == "Rossi"
    assert body["registered_by_id"] == org_a.pk
    assert body["registered_by"] == "Comune di Alfa"
    assert body["is_incomplete"] is False
    assert body["warnings"] == []
    assert [(i["kind"], i["value"], i["is_primary"]) for i in body["identifiers"]] == [
        ("cf", ROSSI, True)
    ]


def test_create_returns_mismatch_warnings(client, worker_a) -> None:
    """BNCNNA85L62F205J is a woman born on the 22nd (62 - 40): entered as a man born on the 23rd."""
    data = {
        "family_names": "Bianchi",
        "given_names": "Anna",
        "sex": "M",
        "birth_date": "1985-07-23",
        "identifiers": [{"value": "BNCNNA85L62F205J"}],
    }
    response = post(client, data, worker_a)
    assert response.status_code == 201, response.content
    assert [w["field"] for w in response.json()["warnings"]] == ["sex", "birth_date"]


def test_person_without_codes(client, worker_a) -> None:
    response = post(client, {"family_names": "Senza", "given_names": "Codici"}, worker_a)
    assert response.status_code == 201, response.content
    assert response.json()["identifiers"] == []
    assert response.json()["is_incomplete"] is True


def test_invalid_codice_fiscale_is_a_422_naming_the_identifier(client, worker_a) -> None:
    data = {**ROSSI_IN, "identifiers": [{"value": "RSSMRA80A01H501X"}]}
    body = problem_of(post(client, data, worker_a), 422, "identifier_invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("identifiers.0.value", "identifier_invalid")
    ]
    assert body["errors"][0]["message"] == (
        "Identificativo RSSMRA80A01H501X non valido: Il carattere di controllo X non "
        "corrisponde al resto del codice: ricontrolla tutti i caratteri sul documento."
    )
    assert Person.objects.count() == 0


def _numbers(value: object) -> list[int]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def test_duplicate_is_refused_without_naming_the_holder(client, rossi_id, worker_b) -> None:
    """The same 409 as any possible duplicate: no code of its own, no name, no id, no score."""
    body = problem_of(
        post(client, {**ROSSI_IN, "family_names": "Altro"}, worker_b), 409, "possible_duplicate"
    )
    [candidate] = body["candidates"]
    assert (candidate["person"], candidate["known"], candidate["score"]) == (None, None, None)
    assert candidate["reasons"] == [] and candidate["certain"] is True
    # The holder's id appears nowhere: not as a value, not in a link or a "n. N" label.
    assert rossi_id not in _numbers(body)
    text = json.dumps(body)
    assert f"/persons/{rossi_id}" not in text and f"n. {rossi_id}" not in text


def test_bad_fields_are_named_in_italian(client, worker_a) -> None:
    data = {"family_names": " ", "given_names": "Mario", "sex": "Q", "citizenships": ["ITA"]}
    body = problem_of(post(client, data, worker_a), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["sex"]
    body = problem_of(post(client, {**data, "sex": "M"}, worker_a), 422, "person_invalid")
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "family_names": "Campo obbligatorio.",
        "citizenships": "«ITA» non è un codice di Stato ISO 3166-1 di due lettere (es. IT).",
    }


def test_writes_need_person_edit(client, org_a, make_membership, rossi_id) -> None:
    uvm = bearer(make_membership(org_a, Role.UVM_MEMBER))  # PERSON_VIEW without PERSON_EDIT
    problem_of(post(client, ROSSI_IN, uvm), 403, "permission_denied")
    problem_of(patch(client, rossi_id, {"phone": "1"}, uvm), 403, "permission_denied")
    assert client.get(f"{PERSONS}/{rossi_id}", **uvm).status_code == 200


def test_other_organisation_gets_404_until_in_charge(
    client, org_b, rossi_id, worker_b, pua_b
) -> None:
    problem_of(client.get(f"{PERSONS}/{rossi_id}", **worker_b), 404, "not_found")
    problem_of(patch(client, rossi_id, {"phone": "1"}, worker_b), 404, "not_found")
    problem_of(client.get(f"{PERSONS}/{rossi_id + 999}", **worker_b), 404, "not_found")
    assert client.get(PERSONS, **worker_b).json() == {
        "count": 0,
        "count_capped": False,
        "next": None,
        "items": [],
    }
    # The PUA of B sees the registry.
    assert client.get(f"{PERSONS}/{rossi_id}", **pua_b).status_code == 200
    # A presa in carico for B opens the record to B.
    relationship = CareRelationshipFactory(person_id=rossi_id, organization=org_b)
    assert client.get(f"{PERSONS}/{rossi_id}", **worker_b).status_code == 200
    # Without the sharing consent B sees the limited record and cannot change it.
    problem_of(patch(client, rossi_id, {"phone": "02 555"}, worker_b), 404, "not_found")
    ConsentFactory(person_id=rossi_id)
    response = patch(client, rossi_id, {"phone": "02 555"}, worker_b)
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "02 555"
    # Ended yesterday: hidden again.
    yesterday = timezone.localdate() - timedelta(days=1)
    CareRelationship.objects.filter(pk=relationship.pk).update(
        started_on=yesterday, ended_on=yesterday
    )
    problem_of(client.get(f"{PERSONS}/{rossi_id}", **worker_b), 404, "not_found")


def test_denied_read_is_logged_as_denied(client, rossi_id, worker_b) -> None:
    client.get(f"{PERSONS}/{rossi_id}", **worker_b)
    assert list(AccessLog.objects.filter(person_id=rossi_id).values_list("outcome", flat=True)) == [
        AccessOutcome.DENIED
    ]


def test_each_get_writes_one_access_log_row(client, org_a, rossi_id, worker_a) -> None:
    before = AccessLog.objects.filter(person_id=rossi_id).count()
    client.get(f"{PERSONS}/{rossi_id}", **worker_a)
    client.get(f"{PERSONS}/{rossi_id}", **worker_a)
    rows = AccessLog.objects.filter(person_id=rossi_id).order_by("seq")[before:]
    assert [
        (r.action, r.outcome, r.subject_type, r.subject_organization_id, r.detail) for r in rows
    ] == [
        (
            AccessAction.VIEW,
            AccessOutcome.ALLOWED,
            "people.person",
            org_a.pk,
            {"view": "anagrafica"},
        )
    ] * 2


def test_patch_changes_only_what_is_sent(client, rossi_id, worker_a) -> None:
    response = patch(client, rossi_id, {"sex": "F", "languages": ["IT", "ar"]}, worker_a)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["family_names"], body["sex"], body["languages"]) == ("Rossi", "F", ["it", "ar"])
    assert [w["field"] for w in body["warnings"]] == ["sex"]


def test_list_is_ordered_and_filtered_by_identifier(client, org_a, worker_a) -> None:
    for family, given in [("Verdi", "Luca"), ("Bianchi", "Zoe"), ("Bianchi", "Anna")]:
        person = PersonFactory(family_names=family, given_names=given, registered_by=org_a)
        CareRelationshipFactory(person=person, organization=org_a)
        PersonIdentifierFactory(person=person)
    response = client.get(PERSONS, **worker_a)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    names = [(p["family_names"], p["given_names"]) for p in body["items"]]
    assert names == [("Bianchi", "Anna"), ("Bianchi", "Zoe"), ("Verdi", "Luca")]
    code = Person.objects.get(given_names="Zoe").identifiers.get().value
    found = client.get(PERSONS, {"identifier": code.lower()}, **worker_a).json()
    assert [p["given_names"] for p in found["items"]] == ["Zoe"]


def _people(org, n: int) -> None:
    for _ in range(n):
        person = PersonFactory(registered_by=org)
        CareRelationshipFactory(person=person, organization=org)
        PersonIdentifierFactory(person=person)
        PersonIdentifierFactory(person=person, is_primary=False)


def test_list_query_count_does_not_grow(
    client, org_a, worker_a, django_assert_max_num_queries
) -> None:
    _people(org_a, 3)
    client.get(PERSONS, **worker_a)  # warm up (token lookups, content types)
    with django_assert_max_num_queries(20) as small:
        assert client.get(PERSONS, **worker_a).json()["count"] == 3
    _people(org_a, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(PERSONS, **worker_a).json()["count"] == 30


def test_garbage_is_refused_not_a_server_error(client, worker_a) -> None:
    """PostgreSQL text cannot hold NUL: such input is a 422, never a 500."""
    problem_of(client.get(PERSONS, {"identifier": "RSS\x00"}, **worker_a), 422, "validation_error")
    body = problem_of(
        post(client, {"family_names": "Ros\x00si", "given_names": "M"}, worker_a),
        422,
        "validation_error",  # refused by the API's parser before any service runs
    )
    assert [e["field"] for e in body["errors"]] == ["family_names"]
    problem_of(client.get(f"{PERSONS}/99999999999999999999", **worker_a), 404, "not_found")
    huge = 2**63
    data = {"family_names": "R", "given_names": "M", "residence_municipality_id": huge}
    body = problem_of(post(client, data, worker_a), 422, "person_invalid")
    assert body["errors"][0]["field"] == "residence_municipality_id"
    stp = {"value": "STP0301230000001", "issued_on": "9999-12-31"}
    body = problem_of(
        post(client, {**data, "residence_municipality_id": None, "identifiers": [stp]}, worker_a),
        422,
        "identifier_invalid",
    )
    assert body["errors"][0]["field"] == "identifiers.0.issued_on"
