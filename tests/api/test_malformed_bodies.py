"""A body the API cannot read is a 400 problem+json on every operation, never a 500 (issue 9,
finding 7): integra/api/parser.py's ``unreadable_body``, registered once for the whole API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings

from integra.api.api import api
from integra.core.permissions import Role
from tests.api.conftest import assert_problem
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory

# A valid envelope around a part whose base64 content is cut short: Django's "Could not decode
# base64 data" surfaces only while the body is read.
BROKEN_PART = (
    b"--B\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
    b"Content-Type: application/pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVB\r\n"
    b"--B--\r\n"
)
MALFORMED_MULTIPART = {
    "multipart without boundary": ("multipart/form-data", b"--x\r\n"),
    "multipart with an invalid boundary": (
        'multipart/form-data; boundary="ends with a space "',
        b"--x\r\n",
    ),
    "multipart with a broken part": ("multipart/form-data; boundary=B", BROKEN_PART),
}
MALFORMED = {
    **MALFORMED_MULTIPART,
    "JSON that is not JSON": ("application/json", b'{"family_names": '),
    "binary garbage": ("application/octet-stream", bytes(range(256))),
}


@pytest.fixture
def operator(org_a, make_membership):
    return make_membership(
        org_a, Role.SOCIAL_WORKER, Role.PUA_OPERATOR, Role.PLANNING_COORDINATOR, Role.UVM_MEMBER
    )


@pytest.fixture
def person(org_a):
    person = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=person, organization=org_a)
    return person


@pytest.fixture
def reported_paths(org_a, person) -> list[str]:
    """The three operations of the finding, on objects the operator can see."""
    request = IntakeRequestFactory(pua=PuaPointFactory(organization=org_a), person=person)
    return [
        f"/api/v1/persons/{person.pk}/documents",
        f"/api/v1/pua/requests/{request.pk}/attachments",
        "/api/v1/measures/rule-sets",
    ]


@pytest.mark.parametrize("kind", MALFORMED_MULTIPART)
def test_the_reported_operations_answer_400_with_a_token(
    client: Client, operator, bearer, reported_paths, person, kind: str
) -> None:
    content_type, body = MALFORMED[kind]
    for path in reported_paths:
        response = client.post(path, body, content_type=content_type, **bearer(operator))
        problem = assert_problem(response, 400, "bad_request")
        assert problem["detail"]
    assert person.documents.count() == 0


def test_the_reported_operations_answer_400_with_the_browser_session(
    client: Client, operator, reported_paths
) -> None:
    """With the session, the CSRF check is the first to read the body."""
    client.force_login(operator.user)
    client.get("/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    for path in reported_paths:
        response = client.post(
            path, b"--x\r\n", content_type="multipart/form-data", HTTP_X_CSRFTOKEN=csrf
        )
        assert_problem(response, 400, "bad_request")


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=3)
def test_too_many_fields_is_a_400_not_a_500(
    client: Client, operator, bearer, reported_paths
) -> None:
    """Django's limits (SuspiciousOperation) are a 400 in the API as they are on pages."""
    fields = {f"campo{n}": "x" for n in range(10)}
    response = client.post(reported_paths[0], fields, **bearer(operator))
    assert_problem(response, 400, "bad_request")


def _path_value(name: str) -> str:
    # Codes where the path takes one; any id otherwise (the body is read before the handler
    # looks the object up, so a missing one still exercises the parsing).
    return {"code": "B1", "istat_code": "015146"}.get(name, "1")


def operations_with_a_body() -> list[tuple[str, str, bool]]:
    """(method, path with its parameters filled, takes multipart) from the OpenAPI document."""
    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                filled = path
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path":
                        name = parameter["name"]
                        filled = filled.replace("{" + name + "}", _path_value(name))
                multipart = "multipart/form-data" in operation["requestBody"]["content"]
                found.append((method, filled, multipart))
    return found


def test_every_operation_with_a_body_answers_malformed_ones_with_a_4xx(
    client: Client, operator, bearer
) -> None:
    """400 for a body that cannot be read; a multipart operation sent a body of another type
    reads an empty form, and says which fields are missing (422)."""
    operations = operations_with_a_body()
    assert len(operations) >= 30
    # documents, attachments, signed consent forms
    assert sum(multipart for _, _, multipart in operations) == 3
    headers = bearer(operator)
    failures = []
    for method, path, multipart in operations:
        for kind, (content_type, body) in MALFORMED.items():
            expected = 422 if multipart and kind not in MALFORMED_MULTIPART else 400
            response = getattr(client, method)(path, body, content_type=content_type, **headers)
            if response.status_code != expected or response["Content-Type"] != (
                "application/problem+json"
            ):
                failures.append(f"{method.upper()} {path} {kind}: {response.status_code}")
    assert failures == []
