"""/api/v1/merges (integra/people/merge_api.py) and how an alias reads through /api/v1/persons."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.core.permissions import Role
from integra.people.identifiers import IdentifierKind
from integra.people.models import Person, PersonMerge, PersonStatus
from tests.people.factories import (
    CareRelationshipFactory,
    PersonFactory,
    PersonIdentifierFactory,
    fiscal_code_for,
)

pytestmark = pytest.mark.django_db

MERGES = "/api/v1/merges"
REASON = "Stessa persona: verificato il documento"


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


def registered(org, family: str, **kwargs) -> Person:
    person = PersonFactory(registered_by=org, family_names=family, given_names="Mario", **kwargs)
    CareRelationshipFactory(person=person, organization=org)
    return person


@pytest.fixture
def pua(org_a, make_membership) -> dict[str, str]:
    return bearer(make_membership(org_a, Role.PUA_OPERATOR))


@pytest.fixture
def pair(org_a):
    survivor = registered(org_a, "Rossi", birth_date=date(1980, 1, 1))
    PersonIdentifierFactory(person=survivor, value=fiscal_code_for(7))
    alias = PersonFactory(registered_by=org_a, family_names="Rosi", given_names="Mario")
    PersonIdentifierFactory(person=alias, kind=IdentifierKind.STP, value="STP0300107654321")
    return survivor, alias


def merge(client: Client, headers: dict, body: dict):
    return client.post(MERGES, body, content_type="application/json", **headers)


def test_preview_lists_differences_links_and_blockers(client: Client, pua, pair) -> None:
    survivor, alias = pair
    response = client.get(
        f"{MERGES}/preview", {"survivor_id": survivor.pk, "merged_id": alias.pk}, **pua
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["can_merge"] is True and body["blockers"] == []
    assert {d["field"]: d["default"] for d in body["differences"]} == {
        "family_names": "survivor",
        "birth_date": "survivor",
    }
    assert body["links"] == [
        {
            "kind": "people.personidentifier.person",
            "label": "identificativi",
            "to_move": 1,
            "kept": 0,
            "kept_reasons": [],
        }
    ]


def test_merge_then_read_list_detail_and_undo(client: Client, pua, pair) -> None:
    survivor, alias = pair
    response = merge(
        client,
        pua,
        {
            "survivor_id": survivor.pk,
            "merged_id": alias.pk,
            "reason": REASON,
            "keep": {"family_names": "merged"},
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["survivor"]["id"] == survivor.pk
    assert created["merged"] == {
        "id": alias.pk,
        "family_names": "Rosi",
        "given_names": "Mario",
        "status": "merged",
    }
    assert created["rows"][0]["kind"] == "people.personidentifier.person"
    assert created["rows"][0]["moved"] == 1
    assert {f["field"]: f["kept"] for f in created["fields"]} == {
        "family_names": "merged",
        "birth_date": "survivor",
    }

    # Reading the alias: 200, status merged and the record to use instead.
    alias_read = client.get(f"/api/v1/persons/{alias.pk}", **pua).json()
    assert (alias_read["status"], alias_read["merged_into_id"]) == ("merged", survivor.pk)
    found = client.get("/api/v1/persons/search", {"q": "STP0300107654321"}, **pua).json()
    assert [item["person_id"] for item in found["items"]] == [survivor.pk]

    listed = client.get(MERGES, **pua).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == created["id"]
    assert client.get(f"{MERGES}/{created['id']}", **pua).status_code == 200

    undo = client.post(
        f"{MERGES}/{created['id']}/undo",
        {"reason": "Due persone diverse"},
        content_type="application/json",
        **pua,
    )
    assert undo.status_code == 200, undo.content
    assert undo.json()["undone"] is True
    again = client.post(
        f"{MERGES}/{created['id']}/undo",
        {"reason": "Due persone diverse"},
        content_type="application/json",
        **pua,
    )
    problem_of(again, 409, "merge_already_undone")
    alias.refresh_from_db()
    assert alias.status == PersonStatus.ACTIVE


def test_twins_are_a_409_with_a_stable_code(client: Client, pua, org_a) -> None:
    one = registered(org_a, "Rossi")
    PersonIdentifierFactory(person=one, value=fiscal_code_for(8))
    twin = registered(org_a, "Rossi")
    PersonIdentifierFactory(person=twin, value=fiscal_code_for(9))
    body = problem_of(
        merge(client, pua, {"survivor_id": one.pk, "merged_id": twin.pk, "reason": REASON}),
        409,
        "merge_different_fiscal_codes",
    )
    assert "gemelli" in body["detail"]
    problem_of(
        merge(client, pua, {"survivor_id": one.pk, "merged_id": one.pk, "reason": REASON}),
        409,
        "merge_same_person",
    )
    assert not PersonMerge.objects.exists()


def test_bad_input_is_a_422_naming_each_field(client: Client, pua, pair) -> None:
    survivor, alias = pair
    body = problem_of(
        merge(
            client,
            pua,
            {
                "survivor_id": survivor.pk,
                "merged_id": alias.pk,
                "reason": " ",
                "keep": {"colour": "merged"},
            },
        ),
        422,
        "merge_invalid",
    )
    assert {e["field"] for e in body["errors"]} == {"reason", "keep.colour"}
    body = problem_of(
        merge(client, pua, {"survivor_id": survivor.pk, "merged_id": alias.pk}),
        422,
        "validation_error",
    )
    assert [e["field"] for e in body["errors"]] == ["reason"]
    body = problem_of(
        merge(
            client,
            pua,
            {
                "survivor_id": survivor.pk,
                "merged_id": alias.pk,
                "reason": "ok",
                "keep": {"phone": "both"},
            },
        ),
        422,
        "validation_error",
    )
    assert body["errors"][0]["field"] == "keep.phone"


def test_permission_and_visibility(client: Client, pair, org_a, org_b, make_membership) -> None:
    survivor, alias = pair
    worker = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    body = {"survivor_id": survivor.pk, "merged_id": alias.pk, "reason": REASON}
    problem_of(merge(client, worker, body), 403, "permission_denied")
    problem_of(client.get(MERGES, **worker), 403, "permission_denied")
    problem_of(
        client.get(f"{MERGES}/preview", {"survivor_id": survivor.pk, "merged_id": 1}, **worker),
        403,
        "permission_denied",
    )
    # The PUA of B sees the persons but not their content (no sharing consent): 404.
    pua_b = bearer(make_membership(org_b, Role.PUA_OPERATOR))
    problem_of(merge(client, pua_b, body), 404, "not_found")
    problem_of(
        client.get(
            f"{MERGES}/preview", {"survivor_id": survivor.pk, "merged_id": alias.pk}, **pua_b
        ),
        404,
        "not_found",
    )
    problem_of(client.get(f"{MERGES}/999999", **pua_b), 404, "not_found")


def test_no_server_error_on_any_merge_operation(org_a, make_membership, pair) -> None:
    """schemathesis on /merges with a holder of PERSON_MERGE (the shared fuzz test's operator
    has not that permission, so its requests stop at the 403)."""
    import schemathesis
    from django.core import signals
    from django.db import close_old_connections
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    from integra.wsgi import application

    membership = make_membership(org_a, Role.PUA_OPERATOR)
    _token, raw = api_token_create(user=membership.user, membership=membership, name="fuzz")
    headers = {"Authorization": f"Bearer {raw}"}
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        operations = [
            result.ok()
            for result in schema.get_all_operations()
            if result.ok().path.startswith("/api/v1/merges")
        ]
        assert len(operations) == 5
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=15,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            call()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
