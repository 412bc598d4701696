"""API authentication: Bearer tokens (act as the token's membership) and browser sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integra.accounts.models import ApiToken
from integra.core.permissions import Role
from tests.accounts.helpers import confirmed_device, device_code
from tests.api.conftest import assert_problem
from tests.factories import MembershipFactory

ME = "/api/v1/me"


def test_bearer_token_acts_as_its_membership(client: Client, social_worker, org_b, bearer) -> None:
    nurse = MembershipFactory(user=social_worker.user, organization=org_b, roles=[Role.NURSE])
    # The browser session acts as the social worker ...
    client.force_login(social_worker.user)
    client.post("/account/membership/", {"membership": social_worker.pk})
    assert client.get(ME).json()["membership_id"] == social_worker.pk
    # ... a token issued for the nurse membership acts as the nurse, whatever the session says.
    response = Client().get(ME, **bearer(nurse))
    assert response.status_code == 200
    body = response.json()
    assert body["membership_id"] == nurse.pk
    assert body["organization"] == "ASST Beta"
    assert body["roles"] == ["nurse"]
    assert "health.view" in body["permissions"]
    assert body["via_api_token"] is True
    assert body["username"] == social_worker.user.username


def test_bearer_scheme_is_case_insensitive_and_marks_last_use(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    raw = headers["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    assert Client().get(ME, HTTP_AUTHORIZATION=f"bearer {raw}").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def _unauthorized(response, *, token_sent: bool) -> None:
    body = assert_problem(response, 401, "unauthenticated")
    assert body["title"] == "Autenticazione richiesta"
    expected = (
        'Bearer realm="integra", error="invalid_token"' if token_sent else 'Bearer realm="integra"'
    )
    assert response["WWW-Authenticate"] == expected


@pytest.mark.django_db
def test_no_credentials_is_401(client: Client) -> None:
    _unauthorized(client.get(ME), token_sent=False)


@pytest.mark.django_db
def test_unknown_token_is_401(client: Client) -> None:
    _unauthorized(client.get(ME, HTTP_AUTHORIZATION="Bearer itg_nonesiste"), token_sent=True)


def test_revoked_token_is_401(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    ApiToken.objects.update(revoked_at=timezone.now())
    _unauthorized(Client().get(ME, **headers), token_sent=True)


def test_expired_token_is_401(social_worker, bearer) -> None:
    headers = bearer(social_worker, expires_at=timezone.now() + timedelta(hours=1))
    assert Client().get(ME, **headers).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _unauthorized(Client().get(ME, **headers), token_sent=True)


def test_token_of_a_deactivated_operator_or_ended_membership_is_401(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    social_worker.user.is_active = False
    social_worker.user.save()
    _unauthorized(Client().get(ME, **headers), token_sent=True)
    social_worker.user.is_active = True
    social_worker.user.save()
    social_worker.is_active = False
    social_worker.save()
    _unauthorized(Client().get(ME, **headers), token_sent=True)


def test_a_bad_token_is_not_rescued_by_the_session(client: Client, social_worker) -> None:
    client.force_login(social_worker.user)
    _unauthorized(client.get(ME, HTTP_AUTHORIZATION="Bearer itg_falso"), token_sent=True)


def test_session_works_for_reads_and_needs_csrf_for_writes(social_worker, bearer) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(social_worker.user)
    assert browser.get(ME).status_code == 200
    token = ApiToken.objects.get(pk=_issue(social_worker, bearer))

    refused = browser.delete(f"/api/v1/me/tokens/{token.pk}")
    body = assert_problem(refused, 403, "csrf_failed")
    assert "CSRF" in body["detail"]
    token.refresh_from_db()
    assert token.revoked_at is None

    browser.get("/account/profile/")  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.delete(f"/api/v1/me/tokens/{token.pk}", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None


def _issue(membership, bearer) -> int:
    bearer(membership)
    return ApiToken.objects.latest("created_at").pk


def test_token_writes_need_no_csrf(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    token = ApiToken.objects.get()
    client = Client(enforce_csrf_checks=True)
    assert client.delete(f"/api/v1/me/tokens/{token.pk}", **headers).status_code == 200


def test_unverified_admin_session_is_refused_but_admin_token_works(
    client: Client, org_a, make_membership, bearer
) -> None:
    admin = make_membership(org_a, Role.ORG_ADMIN)
    client.force_login(admin.user)
    body = assert_problem(client.get(ME), 403, "second_factor_required")
    assert "verifica in due passaggi" in body["detail"]

    device = confirmed_device(admin.user)
    client.post("/account/2fa/verify/", {"code": device_code(device)})
    assert client.get(ME).status_code == 200
    # A token is not asked for the second factor: it was issued from a verified session.
    assert Client().get(ME, **bearer(admin)).status_code == 200


def test_token_writes_carry_the_token_in_the_history_context(social_worker, bearer) -> None:
    from pghistory.models import Context

    headers = bearer(social_worker)
    token = ApiToken.objects.get()
    assert Client().delete(f"/api/v1/me/tokens/{token.pk}", **headers).status_code == 200
    event = token.events.order_by("-pgh_id").first()
    assert event.revoked_at is not None
    context = Context.objects.get(pk=event.pgh_context_id).metadata
    assert context["api_token"] == token.prefix
    assert context["user"] == social_worker.user.pk
    assert context["membership"] == social_worker.pk
    assert context["reason"] == "api_token_revoke"


# --- the usable-token check runs on every request; the operator's rows are reused until changed --


def test_revocation_expiry_and_deactivation_apply_to_the_next_request_after_a_good_one(
    social_worker, bearer
) -> None:
    """Each change right after a successful request (the operator is then kept in memory)."""
    checks = [
        ("revoked", lambda: ApiToken.objects.update(revoked_at=timezone.now())),
        (
            "expired",
            lambda: ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1)),
        ),
        ("user off", lambda: type(social_worker.user).objects.update(is_active=False)),
        ("membership off", lambda: type(social_worker).objects.update(is_active=False)),
        (
            "membership ended",
            lambda: type(social_worker).objects.update(
                valid_from=timezone.localdate() - timedelta(days=10),
                valid_until=timezone.localdate() - timedelta(days=1),
            ),
        ),
    ]
    for label, change in checks:
        ApiToken.objects.all().delete()
        type(social_worker.user).objects.update(is_active=True)
        type(social_worker).objects.update(is_active=True, valid_until=None)
        headers = bearer(social_worker)
        assert Client().get(ME, **headers).status_code == 200, label
        change()
        _unauthorized(Client().get(ME, **headers), token_sent=True)


def test_a_role_change_applies_to_the_next_request(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    assert Client().get(ME, **headers).json()["roles"] == ["social_worker"]
    social_worker.roles = [Role.CASE_MANAGER]
    social_worker.save()
    assert Client().get(ME, **headers).json()["roles"] == ["case_manager"]
    # An update that leaves the values as they were still counts as a change (new row version).
    type(social_worker).objects.update(roles=[Role.SOCIAL_WORKER])
    assert Client().get(ME, **headers).json()["roles"] == ["social_worker"]


def test_the_kept_operator_is_never_shared_across_operators(
    social_worker, org_a, make_membership, bearer
) -> None:
    other = make_membership(org_a, Role.CASE_MANAGER)
    mine, theirs = bearer(social_worker), bearer(other)
    for _ in range(2):
        me = Client().get(ME, **mine).json()
        them = Client().get(ME, **theirs).json()
        assert (me["membership_id"], me["username"]) == (
            social_worker.pk,
            social_worker.user.username,
        )
        assert (them["membership_id"], them["username"]) == (other.pk, other.user.username)


def test_each_request_gets_its_own_operator_instances(social_worker, bearer) -> None:
    from integra.accounts.selectors import api_token_authenticate

    raw = bearer(social_worker)["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    first = api_token_authenticate(raw_token=raw)
    first.membership.roles.append(Role.ORG_ADMIN)
    first.user.first_name = "Altro"
    second = api_token_authenticate(raw_token=raw)
    assert second.membership.roles == [Role.SOCIAL_WORKER]
    assert second.user.first_name == social_worker.user.first_name
    assert second.membership.organization is not first.membership.organization


def test_a_token_request_runs_one_statement_to_authenticate(
    social_worker, bearer, django_assert_num_queries
) -> None:
    from integra.accounts.selectors import api_token_authenticate

    raw = bearer(social_worker)["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    api_token_authenticate(raw_token=raw)  # the operator is read once ...
    with django_assert_num_queries(1):  # ... then only the usable-token check
        found = api_token_authenticate(raw_token=raw)
        assert found.membership.organization.name == social_worker.organization.name
