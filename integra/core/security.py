"""Response headers that protect personal data, beside Django's SecurityMiddleware (HSTS,
nosniff, referrer policy) and django-csp's Content-Security-Policy, both configured in settings.

A body that cannot be parsed needs nothing here: Django answers a page 400 (templates/400.html)
for it, and the API does the same in its own error handling (integra/api/parser.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from integra.core.middleware import API_PREFIX

Handler = Callable[[HttpRequest], HttpResponse]


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (Django's never-cache set) on every API answer and on every
    answer to a logged-in operator.

    One rule rather than a list of pages that show a person: any answer behind a login can name
    one (a page, a JSON body, a PDF, a file), and the next feature would have to remember to be
    added to the list. What keeps its own caching is what anybody may see: static files (served by
    WhiteNoise before this middleware) and public pages such as the 404.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Checked after the view: a login or a logout in this request counts.
        if request.path.startswith(API_PREFIX) or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
