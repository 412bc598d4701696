"""The query budget of the API's hot paths (issue 11, deliver 6): the statements each request
runs, named, whatever the size of the data. A new statement on one of these paths must be a
decision — this test names it — not a side effect.

Budgets (a request with a Bearer token, after one warm-up request):

- ``GET /api/v1/persons/{id}``: 3 — the token, the person (with whether the content is
  readable and the codes, in one statement), the access-log entry (one function call);
- ``GET /api/v1/persons?limit=25``: 4 — the token, the page (with each person's codes), the
  count (capped), the access-log entry;
- ``GET /api/v1/persons/search?q=<name>``: 4 — the token, the name candidates (the word
  search: people 0016), the page's persons, the entry;
- ``GET /api/v1/persons/search?q=<codice fiscale>``: 5 — the token, the code lookup, the
  holders' verdict, the page's persons, the entry;
- ``GET /api/v1/pua/requests?limit=25``: 7 — the token, the operator's PUA points, the page,
  its persons, their codes, the count (capped), the entry.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integra.core.permissions import Role
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import PersonFactory, PersonIdentifierFactory
from tests.people.test_api_persons import bearer

pytestmark = pytest.mark.django_db

ROSSI = "RSSMRA80A01H501U"

# What a statement is, by its text (the first pattern that matches names it).
KINDS = [
    ("token", r"FROM accounts_apitoken t"),
    ("access log", r"audit_access_log_append"),
    ("history context", r"set_config\('pghistory\.context_id'"),
    ("threshold", r"set_config\('pg_trgm\.similarity_threshold'"),
    ("savepoint", r"^(SAVEPOINT|RELEASE SAVEPOINT)"),
    ("count", r"^SELECT COUNT\(\*\)"),
    ("code lookup", r'^SELECT "people_personidentifier"\."person_id" AS "person_id", '),
    ("codes", r'^SELECT "people_personidentifier"\."id"'),
    ("person", r'^SELECT "people_person"\."id", "people_person"\."created_at"'),
    (
        "verdict",
        r'^SELECT "people_person"\."id", "people_person"\."family_names", '
        r'"people_person"\."given_names", "people_person"\."birth_date", EXISTS\(',
    ),
    ("candidates", r'^SELECT "people_person"\."id" AS "pk", [^()]*"given_names" FROM'),
    ("pua points", r'^SELECT "intake_puapoint"\.'),
    ("requests", r'^SELECT "intake_intakerequest"\.'),
]


def kind_of(sql: str) -> str:
    for name, pattern in KINDS:
        if re.search(pattern, sql.strip()):
            return name
    return f"unexpected: {sql[:120]}"


def statements(client, url: str, headers: dict) -> list[str]:
    client.get(url, **headers)  # warm-up: compiled templates, caches of the process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return [kind_of(query["sql"]) for query in captured.captured_queries]


@pytest.fixture
def world(org_a, make_membership):
    pua = make_membership(org_a, Role.PUA_OPERATOR)
    point = PuaPointFactory(organization=org_a)

    def grow(count: int) -> list:
        people = []
        for number in range(count):
            person = PersonFactory(
                registered_by=org_a, family_names="Rossi", given_names=f"Maria {'x' * number}"
            )
            PersonIdentifierFactory(person=person)
            IntakeRequestFactory(pua=point, person=person, created_by=pua)
            people.append(person)
        return people

    people = grow(3)
    PersonIdentifierFactory(person=people[0], value=ROSSI, is_primary=False)
    return bearer(pua), people, grow


BUDGETS = {
    "detail": ["token", "person", "access log"],
    "list": ["token", "person", "count", "access log"],
    "list, next page": ["token", "person", "count", "access log"],
    "search by name": ["token", "candidates", "person", "access log"],
    "search by code": ["token", "code lookup", "verdict", "person", "access log"],
    "PUA inbox": [
        "token",
        "pua points",
        "requests",
        "person",
        "codes",
        "count",
        "access log",
    ],
}


def urls(client, headers, people) -> dict[str, str]:
    first = client.get("/api/v1/persons?limit=2", **headers).json()
    return {
        "detail": f"/api/v1/persons/{people[0].pk}",
        "list": "/api/v1/persons?limit=25",
        "list, next page": f"/api/v1/persons?limit=25&after={first['next']}",
        "search by name": "/api/v1/persons/search?q=Rosi+Maria",
        "search by code": f"/api/v1/persons/search?q={ROSSI}",
        "PUA inbox": "/api/v1/pua/requests?limit=25",
    }


def test_each_hot_path_runs_its_budget_of_statements(client, world) -> None:
    headers, people, _grow = world
    for path, url in urls(client, headers, people).items():
        assert statements(client, url, headers) == BUDGETS[path], path


def test_the_budget_holds_as_the_data_grows(client, world) -> None:
    headers, people, grow = world
    grow(30)
    for path, url in urls(client, headers, people).items():
        assert statements(client, url, headers) == BUDGETS[path], path
