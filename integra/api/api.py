"""The Integra API (django-ninja) under /api/v1/, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from integra.api.auth import ActorSessionAuth, TokenAuth
from integra.api.errors import ApiErrorCode, not_found, problem
from integra.core.access import PermissionRequired

api = NinjaAPI(
    title="Integra API",
    version="1",
    description=(
        "API di Integra, sistema informativo per la presa in carico integrata sociosanitaria. "
        "Errori in formato RFC 9457 (application/problem+json); lingua dei messaggi secondo "
        "Accept-Language (it, en)."
    ),
    auth=[TokenAuth(), ActorSessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ())]
        field = ".".join(p for p in loc if p not in {"body", "query", "path", "payload"}) or "-"
        errors.append({"field": field, "code": err.get("type", "invalid"), "message": err.get("msg", "")})
    return problem(
        request,
        status=422,
        code=ApiErrorCode.VALIDATION,
        title=_("Dati non validi"),
        detail=_("Uno o più campi non sono validi."),
        errors=errors,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(
        request,
        status=401,
        code=ApiErrorCode.UNAUTHENTICATED,
        title=_("Autenticazione richiesta"),
        detail=_("Fornisci un token valido nell'intestazione Authorization: Bearer."),
        headers={"WWW-Authenticate": 'Bearer realm="integra"'},
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found(request)


@api.exception_handler(PermissionRequired)
def on_permission(request: HttpRequest, exc: PermissionRequired) -> HttpResponse:
    return problem(
        request,
        status=403,
        code=ApiErrorCode.PERMISSION,
        title=_("Operazione non consentita"),
        detail=_("Il tuo ruolo non consente questa operazione."),
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: ApiErrorCode.BAD_REQUEST,
        401: ApiErrorCode.UNAUTHENTICATED,
        403: ApiErrorCode.PERMISSION,
        404: ApiErrorCode.NOT_FOUND,
        405: ApiErrorCode.METHOD_NOT_ALLOWED,
        409: ApiErrorCode.CONFLICT,
        429: ApiErrorCode.RATE_LIMITED,
    }
    code = codes.get(exc.status_code, ApiErrorCode.BAD_REQUEST)
    return problem(request, status=exc.status_code, code=code, title=str(exc.message))


@api.get("/me", tags=["operatore"], summary="L'operatore e l'appartenenza con cui agisce")
def me(request: HttpRequest) -> dict[str, object]:
    from integra.api.auth import actor_of

    actor = actor_of(request)
    membership = actor.membership
    return {
        "username": actor.user.get_username(),
        "full_name": actor.user.get_full_name(),
        "organization": membership.organization.name if membership else None,
        "organization_id": membership.organization_id if membership else None,
        "roles": list(membership.roles) if membership else [],
        "permissions": sorted(str(p) for p in actor.permissions),
    }


# Domain routers are registered here, one per app.
def _register_routers() -> None:
    from integra.api import routers

    for prefix, router in routers.ROUTERS:
        api.add_router(prefix, router)


_register_routers()
