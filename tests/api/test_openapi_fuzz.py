"""The OpenAPI document is valid OpenAPI 3, and schemathesis finds no 5xx response on it.

Runs in-process through the WSGI application with a real token, so authenticated endpoints are
exercised with generated parameters, not only rejected at the door.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from integra.accounts.services import api_token_create
from integra.core.permissions import Role
from integra.wsgi import application


@pytest.fixture
def openapi(db):
    # Like Django's test client: keep the test's connection (and its transaction) open between
    # requests instead of closing it when a request finishes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(org_a, make_membership) -> dict[str, str]:
    membership = make_membership(org_a, Role.SOCIAL_WORKER, Role.AUDITOR, Role.PLANNING_COORDINATOR)
    _, raw = api_token_create(user=membership.user, membership=membership, name="fuzz")
    return {"Authorization": f"Bearer {raw}"}


def test_openapi_document_is_valid_openapi_3(openapi) -> None:
    assert openapi.raw_schema["openapi"].startswith("3.")
    openapi.validate()  # raises on any violation of the OpenAPI 3 meta-schema
    assert len(list(openapi.get_all_operations())) >= 5


def test_no_server_error_on_any_operation(openapi, bearer) -> None:
    """Every operation, fed generated valid and invalid input, answers without a 5xx."""
    operations = [result.ok() for result in openapi.get_all_operations()]
    assert operations
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            case.call_and_validate(headers=bearer, checks=[not_a_server_error])

        call()
