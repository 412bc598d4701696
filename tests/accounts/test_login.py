"""Login, logout and the django-axes lockout (ASVS V2.2.1: anti-automation on login)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = "/account/login/"
WRONG = "password-sbagliata-1"
INVALID_LOGIN = "Nome utente o password non corretti"


def post_login(client: Client, username: str, password: str, **extra) -> object:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_url_names_are_the_fixed_ones() -> None:
    assert reverse("accounts:login") == "/account/login/"
    assert reverse("accounts:logout") == "/account/logout/"
    assert reverse("accounts:switch_membership") == "/account/membership/"
    assert reverse("accounts:profile") == "/account/profile/"


@pytest.mark.django_db
def test_login_page_is_italian_with_labels_and_autocomplete(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "<h1>Accedi a Integra</h1>" in html
    assert '<label for="id_username"' in html and "Nome utente" in html
    assert '<label for="id_password"' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_right_password_enters_and_goes_to_next(client: Client, social_worker) -> None:
    response = client.post(
        f"{LOGIN}?next=/account/profile/",
        {
            "username": social_worker.user.username,
            "password": PASSWORD,
            "next": "/account/profile/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/profile/"
    assert client.get("/account/profile/").status_code == 200


def test_login_refuses_an_external_next(client: Client, social_worker) -> None:
    response = post_login(client, social_worker.user.username, PASSWORD, follow=False)
    assert response["Location"] == reverse("home")
    client.logout()
    response = client.post(
        LOGIN,
        {
            "username": social_worker.user.username,
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_and_unknown_user_get_the_same_italian_message(
    client: Client, social_worker
) -> None:
    wrong = post_login(client, social_worker.user.username, WRONG)
    unknown = post_login(client, "nessuno-si-chiama-cosi", WRONG)
    for response in (wrong, unknown):
        assert response.status_code == 200
        html = response.content.decode()
        assert INVALID_LOGIN in html
        assert 'role="alert"' in html
        assert "_auth_user_id" not in client.session
    # Nothing in the page tells the two cases apart (the username is echoed back in the form).
    strip = lambda r, name: r.content.decode().replace(name, "")  # noqa: E731
    wrong_html = strip(wrong, social_worker.user.username)
    unknown_html = strip(unknown, "nessuno-si-chiama-cosi")
    assert wrong_html.count(INVALID_LOGIN) == unknown_html.count(INVALID_LOGIN) == 1


def test_inactive_operator_gets_the_same_message(client: Client, social_worker) -> None:
    social_worker.user.is_active = False
    social_worker.user.save()
    response = post_login(client, social_worker.user.username, PASSWORD)
    assert response.status_code == 200
    assert INVALID_LOGIN in response.content.decode()


def test_empty_form_asks_for_both_fields_in_italian(client: Client) -> None:
    response = post_login(client, "", "")
    html = response.content.decode()
    assert "Inserisci il nome utente." in html
    assert "Inserisci la password." in html
    assert 'aria-invalid="true"' in html


def test_lockout_after_the_failure_limit_even_with_the_right_password(
    client: Client, social_worker
) -> None:
    # tests/settings.py sets AXES_FAILURE_LIMIT = 3 (production: 5).
    assert settings.AXES_FAILURE_LIMIT == 3
    username = social_worker.user.username
    first, second = post_login(client, username, WRONG), post_login(client, username, WRONG)
    assert first.status_code == second.status_code == 200
    third = post_login(client, username, WRONG)
    # The third failure reaches the limit: django-axes answers with our lockout page.
    assert third.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in third.templates]
    html = third.content.decode()
    assert "Accesso temporaneamente bloccato" in html
    assert "dopo 3 tentativi non riusciti" in html
    # AXES_COOLOFF_TIME = 0.25 h.
    assert "Potrai riprovare tra 15 minuti." in html

    locked = post_login(client, username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # django-axes keeps the attempts, with the password masked.
    attempt = AccessAttempt.objects.get(username=username)
    assert attempt.failures_since_start >= 3
    assert WRONG not in attempt.post_data and PASSWORD not in attempt.post_data


def test_lockout_is_per_account_and_address(client: Client, social_worker) -> None:
    username = social_worker.user.username
    for _ in range(3):
        post_login(client, username, WRONG)
    # AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]: the same account from another
    # address is not locked (an attacker cannot lock a colleague out from elsewhere).
    other = Client(REMOTE_ADDR="10.1.2.3")
    response = post_login(other, username, PASSWORD)
    assert response.status_code == 302


def test_lock_ends_after_the_cool_off(client: Client, social_worker) -> None:
    username = social_worker.user.username
    for _ in range(3):
        post_login(client, username, WRONG)
    assert post_login(client, username, PASSWORD).status_code == 429
    # Move the failures back beyond the 15-minute cool-off.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16)
    )
    response = post_login(client, username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(social_worker.user.pk)


def test_success_before_the_limit_resets_the_count(client: Client, social_worker) -> None:
    username = social_worker.user.username
    post_login(client, username, WRONG)
    post_login(client, username, WRONG)
    assert post_login(client, username, PASSWORD).status_code == 302  # AXES_RESET_ON_SUCCESS
    client.logout()
    post_login(client, username, WRONG)
    post_login(client, username, WRONG)
    assert post_login(client, username, PASSWORD).status_code == 302


def test_logout_is_post_only_and_ends_the_session(logged_in, social_worker) -> None:
    client = logged_in(social_worker)
    assert client.get("/account/logout/").status_code == 405
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert client.get("/account/profile/").status_code == 302


def test_authenticated_operator_visiting_login_goes_home(logged_in, social_worker) -> None:
    response = logged_in(social_worker).get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
