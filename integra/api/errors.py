"""RFC 9457 problem details for every API error, with a stable code and a translated message."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

import json


class ApiErrorCode:
    NOT_FOUND = "not_found"
    VALIDATION = "validation_error"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION = "permission_denied"
    BAD_REQUEST = "bad_request"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RATE_LIMITED = "rate_limited"
    CONFLICT = "conflict"
    SERVER_ERROR = "server_error"


def problem(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"https://integra.example/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    request_id = getattr(request, "request_id", "")
    if request_id:
        body["request_id"] = request_id
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        status=404,
        code=ApiErrorCode.NOT_FOUND,
        title=_("Risorsa non trovata"),
        detail=_("La risorsa richiesta non esiste o non è accessibile."),
    )
