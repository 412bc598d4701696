"""Establish ``request.actor`` (the operator and the membership they act as) and enforce the
second factor for administrative roles."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from integra.accounts.selectors import membership_for_session, second_factor_enrolled
from integra.audit.middleware import client_ip
from integra.core.access import Actor

SESSION_MEMBERSHIP_KEY = "integra_membership_id"


def actor_for_request(request: HttpRequest) -> Actor | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    membership = membership_for_session(
        user=user,  # type: ignore[arg-type]
        membership_id=request.session.get(SESSION_MEMBERSHIP_KEY),
    )
    return Actor.for_membership(
        user,  # type: ignore[arg-type]
        membership,
        request_id=getattr(request, "request_id", ""),
        client_ip=client_ip(request),
    )


class ActingMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)


# Always reachable without the second factor: signing in and out, the second-factor pages
# themselves, switching to a non-administrative membership, language, health check, static
# files. The API is left to its own authentication (integra.api.auth), which refuses an
# unverified administrative session with a problem+json response instead of a redirect.
_EXEMPT_URL_NAMES = (
    "accounts:login",
    "accounts:logout",
    "accounts:otp_setup",
    "accounts:otp_verify",
    "accounts:switch_membership",
    "healthz",
    "set_language",
    "javascript-catalog",
)
_EXEMPT_PREFIX_URL_NAMES = ("api:api-root",)


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _exempt_paths() -> tuple[frozenset[str], tuple[str, ...]]:
    """Exact paths and path prefixes, as ``reverse`` gives them (script prefix included)."""
    exact = {url for name in _EXEMPT_URL_NAMES if (url := _reverse_or_none(name))}
    prefixes = [url for name in _EXEMPT_PREFIX_URL_NAMES if (url := _reverse_or_none(name))]
    if settings.STATIC_URL:
        prefixes.append(str(settings.STATIC_URL))
    return frozenset(exact), tuple(prefixes)


def is_verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check is not None and check())


class SecondFactorMiddleware:
    """Administrative roles (``actor.needs_second_factor``) and the Django admin need TOTP;
    an operator holding a temporary password must change it before doing anything else.

    Until ``request.user.is_verified()``, every other page redirects to the code entry page,
    or to the enrolment page when the operator has no confirmed authenticator yet. Must come
    after ``OTPMiddleware`` and ``ActingMembershipMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[frozenset[str], tuple[str, ...]] | None = None
        self._admin: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect_to = self.redirect_for(request)
        if redirect_to is None:
            return self.get_response(request)
        if getattr(request, "htmx", False):
            # htmx would follow a redirect and swap the page into a fragment: ask for a full load.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to
            return response
        return HttpResponseRedirect(redirect_to)

    def redirect_for(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self._exempt is None:
            self._exempt = _exempt_paths()
            self._admin = _reverse_or_none("admin:index")
        exact, prefixes = self._exempt
        path = request.path
        if path in exact or path.startswith(prefixes):
            return None
        actor = getattr(request, "actor", None)
        in_admin = self._admin is not None and path.startswith(self._admin)
        needs_code = in_admin or (actor is not None and actor.needs_second_factor)
        if needs_code and not is_verified(request):
            enrolled = second_factor_enrolled(user=user)
            target = reverse("accounts:otp_verify" if enrolled else "accounts:otp_setup")
        elif getattr(user, "must_change_password", False):
            # A temporary password set by an administrator is good for one thing only.
            target = reverse("accounts:password_change")
            if path == target:
                return None
        else:
            return None
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return target
