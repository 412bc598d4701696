"""Views of the accounts app: login, acting membership, second factor, profile and tokens."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integra.accounts.errors import AccountError
from integra.accounts.forms import ApiTokenCreateForm, LoginForm, OtpCodeForm
from integra.accounts.middleware import SESSION_MEMBERSHIP_KEY, is_verified
from integra.accounts.models import User
from integra.accounts.qr import qr_svg
from integra.accounts.selectors import (
    api_tokens_of,
    memberships_of,
    second_factor_enrolled,
)
from integra.accounts.services import (
    acting_membership_switch,
    api_token_create,
    api_token_revoke,
    second_factor_verify,
    totp_device_confirm,
    totp_device_prepare,
)
from integra.core.access import Actor, PermissionRequired
from integra.core.permissions import Permission


def safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    """``candidate`` if it points back to this site, else ``None`` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _next_from(request: HttpRequest) -> str | None:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert actor is not None, "login_required views always carry an actor"
    return actor


def _user(request: HttpRequest) -> User:
    assert request.user.is_authenticated, "login_required views always carry an operator"
    return request.user  # type: ignore[return-value]


class IntegraLoginView(LoginView):
    """Django's login view: ``AuthenticationForm`` gets ``request``, so django-axes counts
    failures per username and address and refuses a locked account even with the right
    password (the lockout page comes from ``AxesMiddleware``)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}

    def get_success_url(self) -> str:
        """An operator holding a temporary password chooses their own first (no middleware:
        the login is where a temporary password is used)."""
        url = super().get_success_url()
        if getattr(self.request.user, "must_change_password", False):
            return _with_next(reverse("accounts:password_change"), url)
        return url


class IntegraLogoutView(LogoutView):
    """POST only (Django 5); back to the login page."""


@require_POST
@login_required
def switch_membership(request: HttpRequest) -> HttpResponse:
    """Act as another of one's own current memberships; any other value is a 404."""
    actor = _actor(request)
    membership = acting_membership_switch(
        user=_user(request),
        membership_id=request.POST.get("membership", ""),
        previous_membership_id=actor.membership.pk if actor.membership else None,
    )
    request.session[SESSION_MEMBERSHIP_KEY] = membership.pk
    messages.success(
        request,
        _("Ora operi per %(organization)s come %(roles)s.")
        % {
            "organization": membership.organization.name,
            "roles": ", ".join(membership.role_labels()),
        },
    )
    return redirect(safe_next(request, request.POST.get("next")) or "home")


def _profile_context(request: HttpRequest, token_form: ApiTokenCreateForm) -> dict[str, Any]:
    actor = _actor(request)
    user = _user(request)
    memberships = list(memberships_of(user=user))
    return {
        "memberships": memberships,
        "can_issue_tokens": any(m.is_current() for m in memberships),
        "acting_permissions": sorted(str(Permission(p).label) for p in actor.permissions),
        "tokens": list(api_tokens_of(actor=actor)),
        "token_form": token_form,
        "second_factor_enrolled": second_factor_enrolled(user=user),
        "second_factor_verified": is_verified(request),
    }


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ApiTokenCreateForm(user=_user(request))
    return render(request, "accounts/profile.html", _profile_context(request, form))


@require_POST
@login_required
@sensitive_post_parameters()
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    """Issue a token and show its secret on this response only: it is never stored in clear."""
    user = _user(request)
    form = ApiTokenCreateForm(request.POST, user=user)
    if form.is_valid():
        try:
            token, raw = api_token_create(
                user=user,
                membership=form.cleaned_data["membership"],
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                second_factor_verified=is_verified(request),
            )
        except AccountError as exc:
            form.add_error(None, exc.message)
        except PermissionRequired:
            form.add_error(None, _("Il ruolo scelto non consente di emettere token per l'API."))
        else:
            # never_cache: the page holding the secret is not kept by browser or proxies.
            return render(
                request, "accounts/token_created.html", {"token": token, "raw_token": raw}
            )
    return render(request, "accounts/profile.html", _profile_context(request, form))


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_revoke(actor=_actor(request), token_id=token_id)
    messages.success(request, _("Il token «%(name)s» è stato revocato.") % {"name": token.name})
    return redirect("accounts:profile")


def _after_second_factor(request: HttpRequest, device: Any) -> HttpResponseRedirect:
    django_otp.login(request, device)
    # A new session key once the second factor is proven (no fixation of a verified session).
    request.session.cycle_key()
    messages.success(request, _("Verifica in due passaggi completata."))
    return redirect(_next_from(request) or "home")


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, then a code to confirm."""
    user = _user(request)
    next_url = _next_from(request)
    device = totp_device_prepare(user=user)
    if device is None:
        if is_verified(request):
            messages.info(request, _("La verifica in due passaggi è già attiva."))
            return redirect("accounts:profile")
        return redirect(_with_next(reverse("accounts:otp_verify"), next_url))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = totp_device_confirm(
            user=user, device_id=device.pk, code=form.cleaned_data["code"]
        )
        if confirmed is not None:
            return _after_second_factor(request, confirmed)
        form.add_error(
            "code",
            _(
                "Codice non valido o scaduto. Controlla l'ora del telefono e inserisci il "
                "nuovo codice."
            ),
        )
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr_svg(
            device.config_url,
            label=_("Codice QR per configurare l'app di autenticazione"),
        ),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }
    return render(request, "accounts/otp_setup.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Enter the 6-digit code from the authenticator app (``django_otp.login`` on success)."""
    user = _user(request)
    next_url = _next_from(request)
    if is_verified(request):
        return redirect(next_url or "home")
    if not second_factor_enrolled(user=user):
        return redirect(_with_next(reverse("accounts:otp_setup"), next_url))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            return _after_second_factor(request, device)
        form.add_error(
            "code",
            _(
                "Codice non valido o scaduto. Attendi il codice successivo e riprova; dopo "
                "diversi errori l'attesa tra un tentativo e l'altro aumenta."
            ),
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})
