"""GET /api/v1/me/tokens and DELETE /api/v1/me/tokens/{id}"""

from __future__ import annotations

from django.test import Client

from integra.accounts.services import api_token_create
from integra.core.permissions import Role
from tests.api.conftest import assert_problem
from tests.factories import OrganizationFactory

TOKENS = "/api/v1/me/tokens"


def test_list_shows_own_tokens_only_newest_first_without_secrets(
    social_worker, org_b, make_membership, bearer
) -> None:
    headers = bearer(social_worker)
    api_token_create(user=social_worker.user, membership=social_worker, name="secondo")
    stranger = make_membership(org_b, Role.NURSE)
    api_token_create(user=stranger.user, membership=stranger, name="altrui")

    response = Client().get(TOKENS, **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [t["name"] for t in body["items"]] == ["secondo", "test"]
    first = body["items"][0]
    assert set(first) == {
        "id",
        "name",
        "prefix",
        "membership_id",
        "organization",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "usable",
    }
    assert first["organization"] == "Comune di Alfa"
    assert first["usable"] is True
    assert "token_hash" not in response.content.decode()


def test_list_is_paginated_with_limit_and_offset(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    for i in range(4):
        api_token_create(user=social_worker.user, membership=social_worker, name=f"t{i}")
    body = Client().get(f"{TOKENS}?limit=2&offset=1", **headers).json()
    assert body["count"] == 5
    assert [t["name"] for t in body["items"]] == ["t2", "t1"]


def test_revoke_own_token(social_worker, bearer) -> None:
    headers = bearer(social_worker)
    other, raw = api_token_create(
        user=social_worker.user, membership=social_worker, name="da revocare"
    )
    response = Client().delete(f"{TOKENS}/{other.pk}", **headers)
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert response.json()["usable"] is False
    # The revoked token no longer authenticates.
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_revoke_another_operators_token_is_404(
    social_worker, org_b, make_membership, bearer
) -> None:
    stranger = make_membership(org_b, Role.NURSE)
    theirs, _ = api_token_create(user=stranger.user, membership=stranger, name="altrui")
    response = Client().delete(f"{TOKENS}/{theirs.pk}", **bearer(social_worker))
    assert_problem(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    # Same answer as for a token that does not exist.
    missing = Client().delete(f"{TOKENS}/999999999", **bearer(social_worker))
    assert missing.json()["detail"] == response.json()["detail"]


def test_list_query_count_does_not_grow(
    social_worker, bearer, django_assert_max_num_queries
) -> None:
    headers = bearer(social_worker)
    client = Client()

    def add(n: int) -> None:
        for _ in range(n):
            membership = social_worker.user.memberships.create(
                organization=OrganizationFactory(), roles=[Role.NURSE]
            )
            api_token_create(user=social_worker.user, membership=membership, name="t")

    add(3)
    client.get(TOKENS, **headers)
    with django_assert_max_num_queries(10) as small:
        assert client.get(TOKENS, **headers).json()["count"] == 4
    add(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(TOKENS, **headers).json()["items"]) == 34
