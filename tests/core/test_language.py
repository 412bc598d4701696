"""Pages speak Italian unless the operator picks English; the API follows Accept-Language."""

from __future__ import annotations

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_login_page_is_italian_even_for_an_english_browser(client) -> None:
    response = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="it">' in response.content.decode()
    assert response["Content-Language"] == "it"


@pytest.mark.django_db
def test_the_language_switch_sets_english_for_pages(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/account/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/account/login/")
    assert '<html lang="en">' in page.content.decode()


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_italian(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    page = client.get("/account/login/")
    assert '<html lang="it">' in page.content.decode()


@pytest.mark.django_db
def test_the_api_follows_accept_language(client) -> None:
    english = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    italian = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="it")
    assert english.status_code == italian.status_code == 401
    assert english["Content-Language"] == "en"
    assert italian["Content-Language"] == "it"
    assert english.json()["code"] == italian.json()["code"] == "unauthenticated"
