"""API authentication: Bearer personal access tokens, or the browser session."""

from __future__ import annotations

from typing import Any

import pghistory
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from integra.accounts.selectors import api_token_authenticate
from integra.accounts.services import api_token_touch
from integra.audit.middleware import client_ip
from integra.core.access import Actor


class TokenAuth(HttpBearer):
    """``Authorization: Bearer itg_…`` — the token acts as the membership it was issued for."""

    openapi_description = "Token personale emesso dal profilo operatore o da `create_api_token`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(raw_token=token)
        if found is None:
            return None
        api_token_touch(token=found)
        request.user = found.user
        request.actor = Actor.for_membership(  # type: ignore[attr-defined]
            found.user,
            found.membership,
            request_id=getattr(request, "request_id", ""),
            client_ip=client_ip(request),
            via_api_token=True,
        )
        pghistory.context(
            user=found.user.pk,
            username=found.user.get_username(),
            membership=found.membership.pk,
            organization=found.membership.organization_id,
            api_token=found.prefix,
        )
        return found.user


class ActorSessionAuth(SessionAuth):
    """The logged-in browser session (CSRF-protected for unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or getattr(request, "actor", None) is None:
            return None
        return user


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert actor is not None, "authenticated API requests always carry an actor"
    return actor
