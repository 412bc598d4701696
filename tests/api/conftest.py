from __future__ import annotations

from collections.abc import Callable

import pytest

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.core.permissions import Role


@pytest.fixture
def social_worker(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def bearer() -> Callable[..., dict[str, str]]:
    """Client headers with a fresh token for ``membership``."""

    def make(membership: Membership, **kwargs) -> dict[str, str]:
        kwargs.setdefault("second_factor_verified", True)
        _token, raw = api_token_create(
            user=membership.user, membership=membership, name="test", **kwargs
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def assert_problem(response, status: int, code: str) -> dict:
    """The RFC 9457 shape every API error has."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:integra:problem:{code}"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body.get("detail", ""), str)
    assert body["instance"] == response.wsgi_request.path
    assert body["request_id"] == response["X-Request-ID"]
    return body
