"""Turn a missing permission raised anywhere in a page view into the site's 403 page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integra.core.access import PermissionRequired


class PermissionRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionRequired):
            return render(
                request,
                "403.html",
                {"permission_label": exception.permission.label},
                status=403,
            )
        return None
