"""API authentication: Bearer personal access tokens, or the browser session.

The token is tried first and, when an ``Authorization`` header is present, decides alone: a
revoked, expired or unknown token is a 401 even if a session cookie travels with it. The
session is CSRF-checked for unsafe methods and, for an administrative membership, needs the
second factor (a token does not: it was issued from a verified session).
"""

from __future__ import annotations

import functools
from typing import Any

import pghistory
from django.conf import settings
from django.http import HttpRequest
from django_otp.middleware import is_verified as otp_is_verified
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from integra.accounts.middleware import is_verified
from integra.accounts.selectors import api_token_authenticate
from integra.accounts.services import api_token_touch
from integra.api.errors import CsrfFailed, PasswordChangeRequired, SecondFactorRequired
from integra.audit.middleware import client_ip
from integra.core.access import Actor

_BEARER_PRESENTED = "_integra_bearer_presented"


def bearer_challenge(request: HttpRequest) -> str:
    """``WWW-Authenticate`` for a 401 (RFC 6750 §3: ``invalid_token`` when one was sent)."""
    if getattr(request, _BEARER_PRESENTED, False):
        return 'Bearer realm="integra", error="invalid_token"'
    return 'Bearer realm="integra"'


class TokenAuth(HttpBearer):
    """``Authorization: Bearer itg_…`` — the token acts as the membership it was issued for."""

    openapi_description = "Token personale emesso dal profilo operatore o da `create_api_token`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        setattr(request, _BEARER_PRESENTED, True)
        found = api_token_authenticate(raw_token=token.strip())
        if found is None:
            return None
        api_token_touch(token=found)
        user = found.user
        # Same interface as a session user behind OTPMiddleware; a token is never "verified".
        user.otp_device = None  # type: ignore[attr-defined]
        user.is_verified = functools.partial(otp_is_verified, user)  # type: ignore[attr-defined]
        request.user = user
        request.actor = Actor.for_membership(  # type: ignore[attr-defined]
            user,
            found.membership,
            request_id=getattr(request, "request_id", ""),
            client_ip=client_ip(request),
            via_api_token=True,
        )
        # AuditContextMiddleware opened the request's history context before the token was
        # known: calling pghistory.context() without ``with`` adds to that open context.
        pghistory.context(
            user=user.pk,
            username=user.get_username(),
            membership=found.membership.pk,
            organization=found.membership.organization_id,
            api_token=found.prefix,
        )
        return user


class ActorSessionAuth(SessionAuth):
    """The logged-in browser session (CSRF-protected for unsafe methods)."""

    openapi_description = "Sessione del browser dopo l'accesso all'interfaccia web."

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            return None
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session to ride on, so nothing to protect from CSRF: plain 401.
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        try:
            return super()._get_key(request)
        except HttpError:
            raise CsrfFailed() from None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        actor = getattr(request, "actor", None)
        if user is None or actor is None:
            return None
        if actor.needs_second_factor and not is_verified(request):
            raise SecondFactorRequired()
        if getattr(user, "must_change_password", False):
            raise PasswordChangeRequired()
        return user


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert actor is not None, "authenticated API requests always carry an actor"
    return actor
