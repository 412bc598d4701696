"""The Integra API (django-ninja) under /api/v1/, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from integra.api.auth import ActorSessionAuth, TokenAuth, bearer_challenge
from integra.api.errors import (
    STATUS_CODES,
    ApiErrorCode,
    django_validation_errors,
    domain_error_problem,
    method_not_allowed,
    not_found,
    problem,
    server_error,
    validation_errors,
)
from integra.api.parser import UNREADABLE_BODY_ERRORS, IntegraParser, unreadable_body
from integra.core.access import PermissionRequired, permission_denial_record
from integra.core.errors import DomainError

logger = logging.getLogger("integra.api")


def _log_unexpected(request: HttpRequest) -> None:
    """Details go to the log with the request id, never to the client."""
    logger.exception(
        "unhandled API error: %s %s request_id=%s",
        request.method,
        request.path,
        getattr(request, "request_id", ""),
    )


def _problem_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn what django-ninja answers outside its exception handlers into problem+json: the
    plain-text 405 of a path without that method, the 404 of the API root, and an error while
    building the OpenAPI document."""

    @functools.wraps(view)  # keeps ``csrf_exempt`` (ninja checks CSRF itself, per auth)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        except Exception:
            _log_unexpected(request)
            return server_error(request)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(request, allowed=response["Allow"].split(", "))
        return response

    return wrapper


@csrf_exempt
def unknown_route(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    # A valid token names the operator, so the 404 is logged as their denied attempt (by the
    # audit middleware) like any other; the answer is the same with or without one.
    TokenAuth()(request)
    return not_found(request)


class IntegraAPI(NinjaAPI):
    """NinjaAPI whose every answer, including unknown routes under /api/v1/, is JSON."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = []
        for entry in super()._get_urls():
            if isinstance(entry, URLPattern):
                entry = URLPattern(
                    entry.pattern, _problem_view(entry.callback), entry.default_args, entry.name
                )
            urls.append(entry)
        # Last: anything else under the prefix is a problem+json 404, not Django's HTML page.
        urls.append(re_path(r"^.*$", unknown_route, name="unknown-route"))
        return urls


api = IntegraAPI(
    title="Integra API",
    version="1",
    description=(
        "API di Integra, sistema informativo per la presa in carico integrata sociosanitaria. "
        "Autenticazione con token personale (`Authorization: Bearer itg_…`, emesso dal profilo "
        "operatore) o con la sessione del browser (con token CSRF per i metodi che modificano). "
        "Errori in formato RFC 9457 (`application/problem+json`) con un `code` stabile; lingua "
        "dei messaggi secondo `Accept-Language` (it, en)."
    ),
    auth=[TokenAuth(), ActorSessionAuth()],
    urls_namespace="api",
    parser=IntegraParser(),
)


# A body Django cannot parse (multipart without a boundary...) is a 400, not on_unexpected's 500.
for _unreadable in UNREADABLE_BODY_ERRORS:
    api.exception_handler(_unreadable)(unreadable_body)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        request,
        status=422,
        code=ApiErrorCode.VALIDATION,
        detail=_("Uno o più campi non sono validi."),
        errors=validation_errors(exc.errors),
    )


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    message_dict = (
        exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}
    )
    return problem(
        request,
        status=422,
        code=ApiErrorCode.VALIDATION,
        detail=_("Uno o più campi non sono validi."),
        errors=django_validation_errors(message_dict),
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(
        request,
        status=401,
        code=ApiErrorCode.UNAUTHENTICATED,
        detail=_(
            "Serve un token personale valido nell'intestazione Authorization: Bearer, oppure "
            "una sessione attiva. Un token revocato o scaduto non è più valido."
        ),
        headers={"WWW-Authenticate": bearer_challenge(request)},
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found(request)


@api.exception_handler(PermissionRequired)
def on_permission(request: HttpRequest, exc: PermissionRequired) -> HttpResponse:
    permission_denial_record(
        getattr(request, "actor", None),
        exc.permission,
        method=request.method or "",
        path=request.path,
    )
    return problem(
        request,
        status=403,
        code=ApiErrorCode.PERMISSION,
        detail=_("Il ruolo con cui operi non consente questa operazione."),
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    if isinstance(exc.__cause__, PermissionRequired):
        on_permission(request, exc.__cause__)  # logs the denial; the answer is the same
    return problem(
        request,
        status=403,
        code=ApiErrorCode.PERMISSION,
        detail=_("Il ruolo con cui operi non consente questa operazione."),
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValidationError):
        # ninja wraps every parser failure as "cannot parse": ours (IntegraParser) is a 422.
        return on_validation_error(request, exc.__cause__)
    generic = STATUS_CODES.get(exc.status_code, ApiErrorCode.BAD_REQUEST)
    code = getattr(exc, "code", None) or generic
    headers = dict(getattr(exc, "headers", {}) or {})
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", bearer_challenge(request))
    return problem(
        request,
        status=exc.status_code,
        code=code,
        detail=_http_error_detail(exc),
        headers=headers,
    )


def _http_error_detail(exc: HttpError) -> str:
    """Our own messages are already translated; django-ninja's few fixed ones get ours."""
    if isinstance(exc, Throttled):
        return _("Troppe richieste in poco tempo: attendi e riprova.")
    if type(exc) is HttpError and exc.message.startswith("Cannot parse request body"):
        return _("Il corpo della richiesta non è JSON valido.")
    return str(exc.message) or _("La richiesta non può essere eseguita.")


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_error_problem(request, exc)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    _log_unexpected(request)
    return server_error(request)


# Domain routers are registered here, one per app.
def _register_routers() -> None:
    from integra.api import routers

    for prefix, router in routers.ROUTERS:
        api.add_router(prefix, router)


_register_routers()
