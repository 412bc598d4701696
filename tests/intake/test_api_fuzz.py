"""schemathesis on the PUA endpoints only, as a PUA operator whose organisation runs a PUA with
a request in it: no input gives a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from integra.accounts.services import api_token_create
from integra.intake.services import request_create
from integra.wsgi import application


@pytest.fixture
def openapi(db):
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_no_server_error_on_the_pua_api(openapi, pua_setting, settings, tmp_path) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    request_create(
        actor=pua_setting.operator,
        data={
            "person_id": pua_setting.person.pk,
            "channel": "telefono",
            "requester_kind": "persona",
            "need_areas": ["anziani"],
            "description": "x",
        },
    )
    actor = pua_setting.operator
    _, raw = api_token_create(
        user=actor.user, membership=actor.membership, name="fuzz", second_factor_verified=True
    )
    headers = {"Authorization": f"Bearer {raw}"}
    operations = [
        result.ok() for result in openapi.get_all_operations() if "/pua" in result.ok().path
    ]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        call()
