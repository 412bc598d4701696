"""/api/v1/staff (integra/accounts/api.py, ``staff_router``)."""

from __future__ import annotations

import pytest
from django.test import Client

from integra.accounts.models import Membership, User
from integra.accounts.services import api_token_create
from integra.audit.models import AccessAction, AccessLog
from integra.core.permissions import Role
from integra.organizations.models import Unit
from tests.factories import MembershipFactory

STAFF = "/api/v1/staff"


def bearer(membership: Membership) -> dict[str, str]:
    """Headers with a fresh personal token acting as ``membership`` (issued as from a session
    that passed the second factor, which administrative roles need)."""
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


def post_json(client: Client, url: str, data: dict, headers: dict) -> object:
    return client.post(url, data, content_type="application/json", **headers)


def patch_json(client: Client, url: str, data: dict, headers: dict) -> object:
    return client.patch(url, data, content_type="application/json", **headers)


@pytest.fixture
def as_admin(org_admin) -> dict[str, str]:
    return bearer(org_admin)


NEW = {
    "username": "lbianchi",
    "first_name": "Laura",
    "last_name": "Bianchi",
    "roles": ["social_worker"],
}


# --- list and detail ---------------------------------------------------------------------------


def test_list_shows_the_acting_organisation_only(
    client, org_a, org_b, social_worker, make_membership
) -> None:
    make_membership(org_a, Role.NURSE, user__last_name="Verdi", job_title="Infermiera")
    make_membership(org_b, Role.DOCTOR, user__last_name="Estraneo")
    response = client.get(STAFF, **bearer(social_worker))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_name = {item["last_name"]: item for item in body["items"]}
    assert set(by_name) == {"Verdi", social_worker.user.last_name}
    verdi = by_name["Verdi"]
    assert verdi["roles"] == ["nurse"] and verdi["role_labels"] == ["Infermiere"]
    assert verdi["organization"] == "Comune di Alfa" and verdi["status"] == "current"
    assert verdi["job_title"] == "Infermiera"
    # Colleagues see each other, but the fiscal code only those who manage the staff.
    assert verdi["fiscal_code"] is None
    assert "temporary_password" not in verdi
    entry = AccessLog.objects.get(action=AccessAction.LIST, subject_type="accounts.membership")
    assert entry.detail["via"] == "api"


def test_list_filters_by_role_and_active(client, org_a, org_admin, make_membership) -> None:
    make_membership(org_a, Role.NURSE, user__last_name="Verdi")
    make_membership(org_a, Role.NURSE, user__last_name="Neri", is_active=False)
    headers = bearer(org_admin)
    names = lambda **q: [i["last_name"] for i in client.get(STAFF, q, **headers).json()["items"]]  # noqa: E731
    assert sorted(names(role="nurse")) == ["Neri", "Verdi"]
    assert names(role="nurse", active="true") == ["Verdi"]
    assert names(active="false") == ["Neri"]
    problem_of(client.get(STAFF, {"role": "astronauta"}, **headers), 422, "validation_error")


def test_list_of_another_organisation_only_for_a_system_admin(
    client, org_a, org_b, org_admin, make_membership
) -> None:
    make_membership(org_b, Role.DOCTOR, user__last_name="Estraneo")
    problem_of(
        client.get(STAFF, {"organization_id": org_b.pk}, **bearer(org_admin)), 404, "not_found"
    )
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    body = client.get(STAFF, {"organization_id": org_b.pk}, **bearer(root)).json()
    assert [i["last_name"] for i in body["items"]] == ["Estraneo"]


def test_list_query_count_does_not_grow_with_rows(
    client, org_a, org_admin, django_assert_max_num_queries
) -> None:
    headers = bearer(org_admin)
    unit = Unit.objects.create(organization=org_a, name="Segretariato sociale")
    MembershipFactory.create_batch(3, organization=org_a, unit=unit, roles=[Role.NURSE])
    client.get(STAFF, **headers)
    with django_assert_max_num_queries(20) as few:
        assert client.get(STAFF, **headers).json()["count"] == 4
    MembershipFactory.create_batch(30, organization=org_a, unit=unit, roles=[Role.NURSE])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(STAFF, **headers).json()["count"] == 34


def test_detail_of_another_organisation_is_404(client, org_b, as_admin, make_membership) -> None:
    nurse_b = make_membership(org_b, Role.NURSE)
    problem_of(client.get(f"{STAFF}/{nurse_b.pk}", **as_admin), 404, "not_found")
    problem_of(client.get(f"{STAFF}/999999", **as_admin), 404, "not_found")


def test_detail_shows_the_fiscal_code_to_an_admin(client, org_a, as_admin, make_membership) -> None:
    nurse = make_membership(org_a, Role.NURSE, user__fiscal_code="RSSMRA80A01F205X")
    body = client.get(f"{STAFF}/{nurse.pk}", **as_admin).json()
    assert body["id"] == nurse.pk and body["fiscal_code"] == "RSSMRA80A01F205X"


# --- create ------------------------------------------------------------------------------------


def test_create_returns_the_temporary_password_once(client, org_a, as_admin) -> None:
    response = post_json(client, STAFF, {**NEW, "fiscal_code": "rssmra80a01f205x"}, as_admin)
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(username="lbianchi")
    assert user.check_password(body["temporary_password"])
    assert body["password_change_pending"] is True
    assert body["organization_id"] == org_a.pk and body["roles"] == ["social_worker"]
    assert body["fiscal_code"] == "RSSMRA80A01F205X"
    again = client.get(f"{STAFF}/{body['id']}", **as_admin).json()
    assert "temporary_password" not in again


def test_social_worker_may_read_but_not_write(
    client, org_a, social_worker, make_membership
) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    headers = bearer(social_worker)
    assert client.get(f"{STAFF}/{nurse.pk}", **headers).status_code == 200
    problem_of(post_json(client, STAFF, NEW, headers), 403, "permission_denied")
    problem_of(
        patch_json(client, f"{STAFF}/{nurse.pk}", {"is_active": False}, headers),
        403,
        "permission_denied",
    )
    assert not User.objects.filter(username="lbianchi").exists()
    nurse.refresh_from_db()
    assert nurse.is_active is True


def test_a_role_without_staff_view_may_not_list(client, org_a, make_membership) -> None:
    steering = make_membership(org_a, Role.STEERING_MEMBER)
    problem_of(client.get(STAFF, **bearer(steering)), 403, "permission_denied")


def test_bad_fields_are_named_and_nothing_is_saved(
    client, org_a, org_b, as_admin, make_membership
) -> None:
    make_membership(org_a, Role.NURSE, user__username="lbianchi")
    foreign = Unit.objects.create(organization=org_b, name="CPS")
    users = User.objects.count()
    body = problem_of(
        post_json(
            client,
            STAFF,
            {
                **NEW,
                "fiscal_code": "ABC",
                "unit_id": foreign.pk,
                "roles": [],
                "valid_from": "2026-05-10",
                "valid_until": "2026-05-01",
            },
            as_admin,
        ),
        422,
        "staff_invalid",
    )
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert set(fields) == {"username", "fiscal_code", "unit_id", "roles", "valid_until"}
    assert fields["username"].startswith("Il nome utente «lbianchi» è già in uso")
    assert fields["roles"] == "Scegli almeno un ruolo."
    assert User.objects.count() == users


def test_duplicate_username_alone_has_its_own_code(client, org_a, as_admin, make_membership):
    make_membership(org_a, Role.NURSE, user__username="lbianchi")
    body = problem_of(post_json(client, STAFF, NEW, as_admin), 422, "username_taken")
    assert body["title"] == "Nome utente già in uso"
    assert body["errors"][0]["field"] == "username"


def test_unknown_role_is_a_schema_error_naming_the_field(client, as_admin) -> None:
    body = problem_of(
        post_json(client, STAFF, {**NEW, "roles": ["astronauta"]}, as_admin),
        422,
        "validation_error",
    )
    assert [error["field"] for error in body["errors"]] == ["roles.0"]


def test_only_a_system_admin_grants_system_admin(client, org_a, as_admin, make_membership):
    data = {**NEW, "roles": ["system_admin"]}
    problem_of(post_json(client, STAFF, data, as_admin), 403, "permission_denied")
    assert not User.objects.filter(username="lbianchi").exists()
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    assert post_json(client, STAFF, data, bearer(root)).status_code == 201


def test_system_admin_creates_in_another_organisation(client, org_a, org_b, make_membership):
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    response = post_json(client, STAFF, {**NEW, "organization_id": org_b.pk}, bearer(root))
    assert response.status_code == 201
    assert User.objects.get(username="lbianchi").memberships.get().organization == org_b


# --- update --------------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(client, org_a, as_admin, make_membership) -> None:
    nurse = make_membership(org_a, Role.NURSE, job_title="Infermiera")
    response = patch_json(client, f"{STAFF}/{nurse.pk}", {"valid_until": "2030-06-30"}, as_admin)
    assert response.status_code == 200, response.content
    assert response.json()["valid_until"] == "2030-06-30"
    nurse.refresh_from_db()
    assert (nurse.roles, nurse.job_title, str(nurse.valid_until)) == (
        [Role.NURSE],
        "Infermiera",
        "2030-06-30",
    )


def test_patch_of_another_organisation_is_404(client, org_b, as_admin, make_membership) -> None:
    nurse_b = make_membership(org_b, Role.NURSE)
    problem_of(
        patch_json(client, f"{STAFF}/{nurse_b.pk}", {"roles": ["doctor"]}, as_admin),
        404,
        "not_found",
    )
    nurse_b.refresh_from_db()
    assert nurse_b.roles == [Role.NURSE]


def test_patch_refuses_changing_ones_own_roles(client, org_admin, as_admin) -> None:
    body = problem_of(
        patch_json(client, f"{STAFF}/{org_admin.pk}", {"roles": ["auditor"]}, as_admin),
        403,
        "own_membership",
    )
    assert body["errors"][0]["field"] == "roles"
    assert "Non puoi cambiare i tuoi ruoli" in body["detail"]
    org_admin.refresh_from_db()
    assert org_admin.roles == [Role.ORG_ADMIN]


def test_patch_null_where_null_means_nothing_is_refused(
    client, org_a, as_admin, make_membership
) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    body = problem_of(
        patch_json(client, f"{STAFF}/{nurse.pk}", {"is_active": None, "unit_id": None}, as_admin),
        422,
        "validation_error",
    )
    assert [error["field"] for error in body["errors"]] == ["is_active"]
    nurse.refresh_from_db()
    assert nurse.is_active is True


def test_patch_deactivates_and_the_token_of_that_membership_stops(
    client, org_a, as_admin, make_membership
) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    nurse_headers = bearer(nurse)
    assert client.get("/api/v1/me", **nurse_headers).status_code == 200
    response = patch_json(client, f"{STAFF}/{nurse.pk}", {"is_active": False}, as_admin)
    assert response.json()["status"] == "inactive"
    assert client.get("/api/v1/me", **nurse_headers).status_code == 401
