"""``GET /api/v1/audit/access-log`` (auditors) and ``GET /api/v1/audit/verify`` (system admins,
auditors)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integra.accounts.models import ApiToken, Membership, hash_token
from integra.audit.checkpoints import checkpoint_write
from integra.audit.history import history_event_models
from integra.audit.models import AccessAction, AccessLog
from integra.core.permissions import Role
from tests.audit.helpers import by, log_rows, tamper

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/audit/access-log"
VERIFY_URL = "/api/v1/audit/verify"


def bearer(membership: Membership) -> dict[str, str]:
    raw = f"itg_audit-api-{membership.pk}"
    ApiToken.objects.get_or_create(
        token_hash=hash_token(raw),
        defaults={
            "user": membership.user,
            "membership": membership,
            "name": "test",
            "prefix": raw[:10],
        },
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def auditor_a(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.AUDITOR)


def test_list_is_paginated_and_scoped(client, auditor_a, org_a, org_b, make_membership) -> None:
    worker_a = make_membership(org_a, Role.SOCIAL_WORKER)
    doctor_b = make_membership(org_b, Role.DOCTOR)
    log_rows(
        *({**by(worker_a), "subject_id": str(n)} for n in range(5)),
        {**by(doctor_b), "subject_id": "on-a", "subject_organization_id": org_a.pk},
        {**by(doctor_b), "subject_id": "on-b", "subject_organization_id": org_b.pk},
    )

    notes = {"subject_type": "policy_app.casenote"}  # leaves out the API's own list entries
    response = client.get(LIST_URL, {**notes, "limit": 4, "offset": 0}, **bearer(auditor_a))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 6  # 5 by A's operator, 1 by B's on A's record; never B on B
    assert [item["subject_id"] for item in body["items"]] == ["on-a", "4", "3", "2"]
    first = body["items"][0]
    assert first["username"] == doctor_b.user.username
    assert first["organization_name"] == "ASST Beta"
    assert first["subject_organization_id"] == org_a.pk
    assert first["client_ip"] == "198.51.100.7"
    assert first["action"] == "view" and first["outcome"] == "allowed"
    assert len(first["hash"]) == 64
    rest = client.get(LIST_URL, {**notes, "limit": 4, "offset": 4}, **bearer(auditor_a)).json()
    assert [item["subject_id"] for item in rest["items"]] == ["1", "0"]


def test_list_filters(client, auditor_a, org_a) -> None:
    log_rows(
        {
            "organization_id": org_a.pk,
            "subject_id": "1",
            "outcome": "denied",
            "at": datetime(2026, 7, 1, 21, 30, tzinfo=UTC),
        },
        {
            "organization_id": org_a.pk,
            "subject_id": "2",
            "at": datetime(2026, 7, 1, 22, 30, tzinfo=UTC),
        },
        {"organization_id": org_a.pk, "subject_id": "3", "action": "export", "username": "mrossi"},
    )
    headers = bearer(auditor_a)

    def ids(**params) -> list[str]:
        response = client.get(LIST_URL, params, **headers)
        assert response.status_code == 200, response.content
        return [item["subject_id"] for item in response.json()["items"]]

    assert ids(outcome="denied") == ["1"]
    assert ids(action="export") == ["3"]
    assert ids(username="MRossi") == ["3"]
    assert ids(subject_id="2") == ["2"]
    assert ids(date_from="2026-07-02", date_to="2026-07-02") == ["2"]  # 00:30 in Rome
    assert ids(subject_type="accounts.membership") == []


@pytest.mark.parametrize(
    "params",
    [{"outcome": "forse"}, {"limit": 0}, {"limit": 501}, {"offset": -1}, {"date_from": "ieri"}],
)
def test_list_refuses_bad_parameters(client, auditor_a, params) -> None:
    response = client.get(LIST_URL, params, **bearer(auditor_a))
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")


def test_list_reading_is_logged(client, auditor_a) -> None:
    client.get(LIST_URL, {"outcome": "denied"}, **bearer(auditor_a))
    entry = AccessLog.objects.get()
    assert (entry.user_id, entry.action) == (auditor_a.user.pk, AccessAction.LIST)
    assert entry.detail == {"filters": {"outcome": "denied"}, "offset": 0, "rows": 0, "via": "api"}


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR])
def test_list_is_for_auditors_only(client, org_a, make_membership, role) -> None:
    response = client.get(LIST_URL, **bearer(make_membership(org_a, role)))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_list_needs_authentication(client) -> None:
    assert client.get(LIST_URL).status_code == 401


def test_list_query_count_does_not_grow(client, auditor_a, org_a) -> None:
    headers = bearer(auditor_a)

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST_URL, {"limit": 500}, **headers).status_code == 200
        return len(ctx.captured_queries)

    measure()  # the token's first use notes its time once: not part of the steady state
    log_rows(*({"organization_id": org_a.pk} for _ in range(3)))
    few = measure()
    log_rows(*({"organization_id": org_a.pk} for _ in range(30)))
    assert measure() == few
    assert few <= 15


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSTEM_ADMIN])
def test_verify_reports_an_intact_trail(client, org_a, make_membership, role) -> None:
    rows = log_rows({}, {}, {})  # no operator, no organisation: chain 0
    checkpoint_write()
    response = client.get(VERIFY_URL, **bearer(make_membership(org_a, role)))
    assert response.status_code == 200
    body = response.json()
    assert body["last_checkpoint_at"] is not None
    assert body | {"last_checkpoint_at": None} == {
        "ok": True,
        "rows_checked": 3,
        "chains": [{"shard": 0, "rows_checked": 3, "head_seq": 3, "head_hash": rows[-1].hash}],
        "first_break": None,
        "breaks": [],
        "checkpoints_verified": 1,
        "last_checkpoint_at": None,
        "checkpoint_problems": [],
        "history_tables": len(history_event_models()),
        "history_problems": [],
    }


def test_verify_names_the_first_broken_row(client, org_a, make_membership) -> None:
    rows = log_rows({}, {}, {}, {})
    tamper("DELETE FROM audit_accesslog WHERE seq = 2")
    body = client.get(VERIFY_URL, **bearer(make_membership(org_a, Role.SYSTEM_ADMIN))).json()
    assert body["ok"] is False
    assert body["first_break"] == {
        "shard": 0,
        "seq": 2,
        "row_id": rows[2].pk,
        "reason": "missing_row",
        "message": "riga mancante",
    }
    assert body["breaks"] == [body["first_break"]]
    assert body["chains"] == [
        {"shard": 0, "rows_checked": 2, "head_seq": 1, "head_hash": rows[0].hash}
    ]


def test_verify_reports_a_cut_tail_and_a_forged_checkpoint(
    client, org_a, make_membership, checkpoint_file
) -> None:
    log_rows({}, {}, {})
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE seq = 3")
    with checkpoint_file.open("a") as handle:
        handle.write('{"v": 1, "at": "2026-01-01T00:00:00.000000Z", "mac": "00"}\n')
    body = client.get(VERIFY_URL, **bearer(make_membership(org_a, Role.AUDITOR))).json()
    assert body["ok"] is False
    assert body["first_break"] == {
        "shard": 0,
        "seq": 3,
        "row_id": None,
        "reason": "cut_tail",
        "message": "righe finali rimosse dopo un punto di controllo",
    }
    assert body["checkpoints_verified"] == 1
    assert body["checkpoint_problems"] == [
        {
            "line": 2,
            "reason": "bad_mac",
            "message": "firma non valida: punto di controllo falsificato o alterato",
        }
    ]


@pytest.mark.parametrize("role", [r for r in Role if r not in {Role.AUDITOR, Role.SYSTEM_ADMIN}])
def test_verify_is_refused_to_other_roles(client, org_a, make_membership, role) -> None:
    response = client.get(VERIFY_URL, **bearer(make_membership(org_a, role)))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, 200),
        ({"username": "a\x00b"}, 422),
        ({"subject_id": "\x00"}, 422),
        ({"offset": 10**19}, 422),
    ],
)
def test_list_edge_values_never_fail(client, auditor_a, params, status) -> None:
    assert client.get(LIST_URL, params, **bearer(auditor_a)).status_code == status
