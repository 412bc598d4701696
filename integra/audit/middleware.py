"""Request id, pghistory context and access-log buffering for every request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pghistory
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from integra.audit.services import access_log_buffered

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
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


class AuditContextMiddleware:
    """Attach who/where/why to every database write (pghistory context) and buffer reads.

    Runs after the acting membership is known. The access-log buffer is written when the
    response is ready, in its own transaction, so denied attempts survive a rolled-back view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with access_log_buffered(), pghistory.context(**self.context_for(request)):
            return self.get_response(request)

    @staticmethod
    def context_for(request: HttpRequest) -> dict[str, object]:
        user = getattr(request, "user", None)
        actor = getattr(request, "actor", None)
        membership = getattr(actor, "membership", None)
        return {
            "user": user.pk if user is not None and user.is_authenticated else None,
            "username": user.get_username() if user is not None and user.is_authenticated else "",
            "membership": membership.pk if membership else None,
            "organization": membership.organization_id if membership else None,
            "request_id": getattr(request, "request_id", ""),
            "url": request.path,
            "method": request.method,
            "client_ip": client_ip(request),
        }
