"""Second factor (TOTP, RFC 6238) for administrative roles and the Django admin."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.core.permissions import Role
from tests.accounts.helpers import confirmed_device, device_code
from tests.factories import MembershipFactory

SETUP = "/account/2fa/setup/"
VERIFY = "/account/2fa/verify/"


def test_org_admin_without_device_is_sent_to_enrolment(logged_in, org_admin) -> None:
    response = logged_in(org_admin).get("/account/profile/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={quote('/account/profile/', safe='')}"


def test_system_admin_with_device_is_sent_to_code_entry(logged_in, org_a, make_membership) -> None:
    admin = make_membership(org_a, Role.SYSTEM_ADMIN)
    confirmed_device(admin.user)
    response = logged_in(admin).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2F"


def test_social_worker_is_not_asked_for_a_second_factor(logged_in, social_worker) -> None:
    client = logged_in(social_worker)
    assert client.get("/").status_code == 200
    assert client.get("/account/profile/").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/account/2fa/setup/", "/static/integra/favicon.svg"])
def test_exempt_paths_stay_reachable_for_an_unverified_admin(logged_in, org_admin, path) -> None:
    response = logged_in(org_admin).get(path)
    assert response.status_code == 200


def test_unverified_admin_can_log_out_and_change_language(logged_in, org_admin) -> None:
    client = logged_in(org_admin)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_htmx_requests_get_a_full_page_redirect(logged_in, org_admin) -> None:
    response = logged_in(org_admin).get("/account/profile/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(SETUP)


def test_post_requests_are_stopped_too(logged_in, org_admin) -> None:
    # Any token id: the request must not reach the view (which would answer 404).
    response = logged_in(org_admin).post("/account/tokens/1/revoke/")
    assert response.status_code == 302
    assert response["Location"] == SETUP


def test_enrolment_shows_qr_and_secret_and_confirms_with_a_real_code(logged_in, org_admin) -> None:
    client = logged_in(org_admin)
    page = client.get(f"{SETUP}?next=/account/profile/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=org_admin.user)
    assert device.confirmed is False
    html = page.content.decode()
    # The QR code is an inline SVG made on the server, with a text alternative.
    assert '<svg role="img" aria-label="Codice QR per configurare l' in html
    assert "<img" not in html.split('id="main-content"')[1].split("</main>")[0]
    # The base32 secret, in groups of four, is the device key.
    secret = b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    # A second visit shows the same device (not a new secret each time).
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=org_admin.user).count() == 1

    wrong = client.post(SETUP, {"code": "000000" if device_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "Codice non valido o scaduto" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    device.throttle_reset()  # django-otp waits 1 s after a failure before it accepts a code

    old_session = client.session.session_key
    response = client.post(SETUP, {"code": device_code(device), "next": "/account/profile/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/profile/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session.session_key != old_session  # new key once verified
    profile = client.get("/account/profile/")
    assert profile.status_code == 200
    assert "In questa sessione la verifica è già stata fatta." in profile.content.decode()


def test_enrolment_is_refused_once_a_device_is_confirmed(logged_in, org_admin) -> None:
    """Otherwise anyone with the password could add their own phone and skip the factor."""
    confirmed_device(org_admin.user)
    response = logged_in(org_admin).get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=org_admin.user).count() == 1


def test_verification_with_a_code_computed_from_the_device_key(logged_in, org_admin) -> None:
    device = confirmed_device(org_admin.user)
    client = logged_in(org_admin)
    page = client.get(f"{VERIFY}?next=/account/profile/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html

    response = client.post(VERIFY, {"code": device_code(device), "next": "/account/profile/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/profile/"
    assert client.get("/account/profile/").status_code == 200
    # Verified: the code page sends the operator on.
    assert client.get(VERIFY).status_code == 302


def test_a_code_is_not_accepted_twice(logged_in, org_admin, client) -> None:
    device = confirmed_device(org_admin.user)
    code = device_code(device)
    assert logged_in(org_admin).post(VERIFY, {"code": code}).status_code == 302
    other = type(client)()
    other.force_login(org_admin.user)
    replay = other.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "Codice non valido o scaduto" in replay.content.decode()


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef"])
def test_malformed_codes_get_an_italian_message(logged_in, org_admin, code) -> None:
    confirmed_device(org_admin.user)
    response = logged_in(org_admin).post(VERIFY, {"code": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Inserisci il codice di 6 cifre." in html) or (
        "Il codice è formato da 6 cifre." in html
    )


def test_wrong_code_then_right_code_at_once_is_throttled(logged_in, org_admin) -> None:
    device = confirmed_device(org_admin.user)
    client = logged_in(org_admin)
    right = device_code(device)
    wrong = "000000" if right != "000000" else "111111"
    assert client.post(VERIFY, {"code": wrong}).status_code == 200
    # django-otp throttling: after a failure, 2^0 = 1 s must pass before any code is tried.
    assert client.post(VERIFY, {"code": right}).status_code == 200
    assert client.get("/account/profile/").status_code == 302


def test_verify_without_device_goes_to_enrolment(logged_in, org_admin) -> None:
    response = logged_in(org_admin).get(f"{VERIFY}?next=/x/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fx%2F"


def test_next_outside_the_site_is_ignored_after_verification(logged_in, org_admin) -> None:
    device = confirmed_device(org_admin.user)
    response = logged_in(org_admin).post(
        VERIFY, {"code": device_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_admin_may_switch_to_a_non_admin_membership_without_the_factor(
    logged_in, org_admin, org_b
) -> None:
    nurse = MembershipFactory(user=org_admin.user, organization=org_b, roles=[Role.NURSE])
    client = logged_in(org_admin)
    client.post("/account/membership/", {"membership": org_admin.pk})
    assert client.get("/").status_code == 302
    assert client.post("/account/membership/", {"membership": nurse.pk}).status_code == 302
    assert client.get("/").status_code == 200


def test_django_admin_requires_a_verified_staff_user(logged_in, social_worker) -> None:
    user = social_worker.user
    user.is_staff = user.is_superuser = True
    user.save()
    client = logged_in(social_worker)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)

    device = confirmed_device(user)
    response = client.get("/admin/")
    assert response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": device_code(device)})
    assert client.get("/admin/").status_code == 200
