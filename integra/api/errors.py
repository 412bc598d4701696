"""RFC 9457 problem details for every API error, with a stable code and a translated message.

Every error body is ``application/problem+json`` with ``type``, ``title``, ``status``, ``code``
(stable, never translated: clients branch on it), ``detail`` and ``instance``; a 422 adds
``errors``, one entry per bad field. ``title`` and ``detail`` follow ``Accept-Language``.

A service's refusal is a :class:`integra.core.errors.DomainError` (each app subclasses it with its
own code enum) and becomes problem+json in :func:`domain_error_problem`, registered once on the
API; anything else that escapes a handler becomes a 500 without details (the traceback goes to
the log, the client gets the request id to quote).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError

from integra.core.errors import DomainError
from integra.core.validation import validation_errors as core_validation_errors

PROBLEM_CONTENT_TYPE = "application/problem+json"
# A URN rather than a made-up URL: stable, and honest about not being dereferenceable.
PROBLEM_TYPE_BASE = "urn:integra:problem:"


class ApiErrorCode(models.TextChoices):
    """Stable error codes; the label is the (translated) problem title."""

    BAD_REQUEST = "bad_request", _("Richiesta non valida")
    UNAUTHENTICATED = "unauthenticated", _("Autenticazione richiesta")
    PERMISSION = "permission_denied", _("Operazione non consentita")
    CSRF_FAILED = "csrf_failed", _("Verifica CSRF non superata")
    SECOND_FACTOR_REQUIRED = "second_factor_required", _("Verifica in due passaggi richiesta")
    PASSWORD_CHANGE_REQUIRED = "password_change_required", _("Cambio della password richiesto")
    NOT_FOUND = "not_found", _("Risorsa non trovata")
    METHOD_NOT_ALLOWED = "method_not_allowed", _("Metodo non consentito")
    CONFLICT = "conflict", _("Conflitto con lo stato attuale")
    VALIDATION = "validation_error", _("Dati non validi")
    RATE_LIMITED = "rate_limited", _("Troppe richieste")
    SERVER_ERROR = "server_error", _("Errore interno")


STATUS_CODES: dict[int, ApiErrorCode] = {
    400: ApiErrorCode.BAD_REQUEST,
    401: ApiErrorCode.UNAUTHENTICATED,
    403: ApiErrorCode.PERMISSION,
    404: ApiErrorCode.NOT_FOUND,
    405: ApiErrorCode.METHOD_NOT_ALLOWED,
    409: ApiErrorCode.CONFLICT,
    422: ApiErrorCode.VALIDATION,
    429: ApiErrorCode.RATE_LIMITED,
    500: ApiErrorCode.SERVER_ERROR,
}


class ApiHttpError(HttpError):
    """An ``HttpError`` that carries its stable code (and optional response headers)."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.headers = headers or {}


class CsrfFailed(ApiHttpError):
    def __init__(self) -> None:
        super().__init__(
            403,
            ApiErrorCode.CSRF_FAILED,
            gettext(
                "Richiesta con la sessione del browser senza un token CSRF valido: ricarica la "
                "pagina, oppure usa un token personale (Authorization: Bearer)."
            ),
        )


class SecondFactorRequired(ApiHttpError):
    def __init__(self) -> None:
        super().__init__(
            403,
            ApiErrorCode.SECOND_FACTOR_REQUIRED,
            gettext(
                "Il ruolo con cui operi richiede la verifica in due passaggi: completala "
                "nell'interfaccia web, poi riprova."
            ),
        )


class PasswordChangeRequired(ApiHttpError):
    def __init__(self) -> None:
        super().__init__(
            403,
            ApiErrorCode.PASSWORD_CHANGE_REQUIRED,
            gettext(
                "Stai usando una password temporanea: cambiala nell'interfaccia web, poi riprova."
            ),
        )


def problem(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str | None = None,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """An RFC 9457 response. ``title`` defaults to the label of ``code``."""
    if title is None:
        known = ApiErrorCode(code) if code in ApiErrorCode.values else None
        title = str((known or STATUS_CODES.get(status, ApiErrorCode.BAD_REQUEST)).label)
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_BASE}{code}",
        "title": str(title),
        "status": status,
        "code": str(code),
        "instance": request.path,
    }
    if detail:
        body["detail"] = str(detail)
    if errors is not None:
        body["errors"] = errors
    request_id = getattr(request, "request_id", "")
    if request_id:
        body["request_id"] = request_id
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        status=404,
        code=ApiErrorCode.NOT_FOUND,
        detail=gettext("La risorsa richiesta non esiste o non è accessibile."),
    )


def method_not_allowed(request: HttpRequest, *, allowed: Iterable[str]) -> HttpResponse:
    methods = ", ".join(sorted(allowed))
    return problem(
        request,
        status=405,
        code=ApiErrorCode.METHOD_NOT_ALLOWED,
        detail=gettext("Il metodo %(method)s non è consentito qui. Metodi ammessi: %(allowed)s.")
        % {"method": request.method, "allowed": methods},
        headers={"Allow": methods},
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        status=500,
        code=ApiErrorCode.SERVER_ERROR,
        detail=gettext(
            "Si è verificato un errore imprevisto. Se si ripete, comunica all'assistenza il "
            "codice della richiesta (request_id)."
        ),
    )


# --- 422: one entry per bad field, with an Italian message -----------------------------------

# The Italian messages of pydantic's errors live in the core (integra/core/validation.py), so
# that domain code validating its own data files gives the same ones without importing the API.
validation_errors = core_validation_errors


def django_validation_errors(message_dict: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Entries for a ``django.core.exceptions.ValidationError`` (``full_clean`` in services)."""
    return [
        {
            "field": "-" if field == "__all__" else field,
            "in": "body",
            "code": "invalid",
            "message": str(message),
        }
        for field, messages in message_dict.items()
        for message in messages
    ]


# --- domain errors ---------------------------------------------------------------------------


def domain_error_problem(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refusal of a service: its status, its code and title, and one entry per message."""
    return problem(
        request,
        status=exc.status,
        code=str(exc.code),
        title=exc.title,
        detail=exc.message,
        errors=exc.api_errors(),
    )
