"""Site-wide middleware: Integra's own 404 and 403 pages (a missing permission's denial is
logged), and the language choice."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from integra.core.access import PermissionRequired, permission_denial_record

API_PREFIX = "/api/"


def not_found_page(request: HttpRequest) -> HttpResponse:
    return render(request, "404.html", status=404)


class PermissionRequiredMiddleware:
    """The 403 page for ``PermissionRequired``, and Integra's 404 page in every mode.

    With ``DEBUG`` on (``make demo``), Django answers a 404 with its technical page, in English,
    listing every URL pattern; this middleware renders ``404.html`` instead, for an ``Http404``
    raised by a view and for an address that names no view, so the demo shows what production
    shows. Django's 403 page already comes from ``403.html`` whatever ``DEBUG`` says; server
    errors keep Django's technical page in development, where the traceback is wanted.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            # No view matched: the technical 404 page came from Django's own exception handler.
            return not_found_page(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            # API answers are problem+json, made by the API's own handler before this one.
            return not_found_page(request)
        # A page may turn the missing permission into Django's PermissionDenied with a message
        # of its own (Django renders that 403): the denial is logged all the same.
        required = exception if isinstance(exception, PermissionRequired) else None
        if isinstance(exception, PermissionDenied) and isinstance(
            exception.__cause__, PermissionRequired
        ):
            required = exception.__cause__
        if required is not None:
            permission_denial_record(
                getattr(request, "actor", None),
                required.permission,
                method=request.method or "",
                path=request.path,
            )
        if isinstance(exception, PermissionRequired):
            return render(
                request,
                "403.html",
                {"permission_label": exception.permission.label},
                status=403,
            )
        return None


class LanguageMiddleware(LocaleMiddleware):
    """Italian by default on every page; English only when the operator chooses it.

    Pages follow the language chosen with the switcher (the language cookie), never the
    browser's Accept-Language: a public-administration service speaks Italian unless asked
    otherwise. The API follows Accept-Language, as HTTP clients expect.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(API_PREFIX):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
