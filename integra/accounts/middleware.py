"""Establish ``request.actor``: the operator and the membership they act as."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from integra.accounts.selectors import membership_for_session
from integra.audit.middleware import client_ip
from integra.core.access import Actor

SESSION_MEMBERSHIP_KEY = "integra_membership_id"


def actor_for_request(request: HttpRequest) -> Actor | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    membership = membership_for_session(
        user=user,  # type: ignore[arg-type]
        membership_id=request.session.get(SESSION_MEMBERSHIP_KEY),
    )
    return Actor.for_membership(
        user,  # type: ignore[arg-type]
        membership,
        request_id=getattr(request, "request_id", ""),
        client_ip=client_ip(request),
    )


class ActingMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)
