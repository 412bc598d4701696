"""Site-wide middleware: the 403 page for a missing permission (the denial is logged), and the
language choice."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from integra.core.access import PermissionRequired, permission_denial_record

API_PREFIX = "/api/"


class PermissionRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
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
