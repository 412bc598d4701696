"""Request id, pghistory context and access-log buffering for every request."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from functools import partial

import pghistory
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from integra.audit.denials import (
    REFUSED_STATUSES,
    denials_deferred,
    denials_write_after_response,
)
from integra.audit.purposes import purpose_for_path
from integra.audit.services import access_log_buffered
from integra.core.access import Actor, Denial

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _trusted_proxies() -> int:
    """How many reverse proxies in front of us append to X-Forwarded-For (0: ignore it).

    ``TRUSTED_PROXY_COUNT`` in settings; the older ``USE_X_FORWARDED_FOR = True`` means one.
    """
    count = getattr(settings, "TRUSTED_PROXY_COUNT", None)
    if count is None:
        return 1 if getattr(settings, "USE_X_FORWARDED_FOR", False) else 0
    return int(count)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as seen by our outermost trusted proxy.

    The left part of X-Forwarded-For is written by the client and can be anything, so the
    address is taken from the right: the entry appended by the N-th proxy from us.
    """
    proxies = _trusted_proxies()
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from the proxy) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


def refused_request_denial(request: HttpRequest, status: int) -> Denial | None:
    """A 404 or 403 answered to a signed-in operator by a request that reported no denial of
    its own (an address that names nothing, a page's own refusal); ``None`` for a visitor."""
    actor: Actor | None = getattr(request, "actor", None)
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = Actor.for_membership(
            user,  # type: ignore[arg-type]
            None,
            request_id=getattr(request, "request_id", ""),
            client_ip=client_ip(request),
        )
    if actor is None:
        return None
    return Denial(actor=actor, method=request.method or "", path=request.path, status=status)


class AuditContextMiddleware:
    """Attach who/where/why to every database write (pghistory context) and buffer reads.

    Runs after the acting membership is known (``ActingMembershipMiddleware``). Every write in
    the request is linked by the pghistory triggers to one context row holding the metadata
    below. Code running later in the request adds to it by *calling* ``pghistory.context(...)``
    without entering it (the API's Bearer authentication adds the operator this way; a service
    adds ``reason`` with ``with pghistory.context(reason=...)``); pghistory merges the keys into
    the context entered here.

    Reads logged without a purpose get the one of the request's part of the service
    (``purposes.purpose_for_path``). The access-log buffer is written when the response is
    ready, in its own transaction, so a response is not delivered if its reads could not be
    recorded. Every 404 and 403 answered to a signed-in operator is a denied attempt: the one
    the access policy reported (a lookup, a permission) or else one naming the request. Denied
    attempts are written
    once the response has been handed over (its close), in their own transaction too: they
    survive a rolled-back view, and a forbidden id answers as fast as a missing one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with (
            denials_deferred() as denials,
            access_log_buffered(purpose=purpose_for_path(request.path_info)),
            pghistory.context(**self.context_for(request)),
        ):
            response = self.get_response(request)
        if not denials and response.status_code in REFUSED_STATUSES:
            refused = refused_request_denial(request, response.status_code)
            if refused is not None:
                denials.append(refused)
        if denials:
            # Django runs these when the server closes the response, after the client has its
            # answer (its own file responses close their files this way; there is no public
            # per-response hook).
            closers = response._resource_closers  # type: ignore[attr-defined]
            closers.append(partial(denials_write_after_response, denials))
        return response

    @staticmethod
    def context_for(request: HttpRequest) -> dict[str, object]:
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        actor = getattr(request, "actor", None)
        membership = getattr(actor, "membership", None)
        return {
            "user": user.pk if authenticated else None,  # type: ignore[union-attr]
            "username": user.get_username() if authenticated else "",  # type: ignore[union-attr]
            "membership": membership.pk if membership else None,
            "organization": membership.organization_id if membership else None,
            "request_id": getattr(request, "request_id", ""),
            "url": request.path,
            "method": request.method,
            "client_ip": client_ip(request),
        }
