"""Login, lockout, membership switch, language switch, 2FA and API tokens in the browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.accounts.models import ApiToken
from integra.core.permissions import Role
from tests.accounts.helpers import confirmed_device, device_code
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory


def test_login_page_is_italian_and_accessible(page: Page, transactional_db) -> None:
    page.goto("/")
    assert "/account/login/" in page.url
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accedi a Integra")
    assert_accessible(page)


def test_login_reaches_the_desk(page: Page, transactional_db) -> None:
    MembershipFactory(
        user__username="as.login",
        organization=OrganizationFactory(name="Comune di Gamma"),
        roles=[Role.SOCIAL_WORKER],
    )
    login(page, "as.login", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrivania")
    expect(page.get_by_text("Stai operando per: Comune di Gamma")).to_be_visible()
    assert_accessible(page)


def test_wrong_password_then_lockout(page: Page, transactional_db) -> None:
    MembershipFactory(user__username="as.lock", roles=[Role.SOCIAL_WORKER])
    login(page, "as.lock", "sbagliata-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accedi a Integra")
    assert_accessible(page)
    login(page, "as.lock", "sbagliata-2")
    login(page, "as.lock", "sbagliata-3")  # AXES_FAILURE_LIMIT is 3 in tests
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso temporaneamente bloccato")
    assert_accessible(page)
    login(page, "as.lock", PASSWORD)  # the right password does not get in while locked
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso temporaneamente bloccato")


def test_membership_switch_changes_the_acting_organisation(page: Page, transactional_db) -> None:
    first = MembershipFactory(
        user__username="pua.switch",
        organization=OrganizationFactory(name="ASST Delta"),
        roles=[Role.PUA_OPERATOR],
    )
    MembershipFactory(
        user=first.user,
        organization=OrganizationFactory(name="Comune di Epsilon"),
        roles=[Role.AUDITOR],
    )
    login(page, "pua.switch", PASSWORD)
    expect(page.get_by_text("Stai operando per: ASST Delta")).to_be_visible()
    expect(page.get_by_role("link", name="Registro accessi")).to_have_count(0)
    page.get_by_label("Ente e ruolo con cui operi").select_option(
        label="Comune di Epsilon — Auditor"
    )
    expect(page.get_by_text("Stai operando per: Comune di Epsilon")).to_be_visible()
    # The auditor role of the new membership shows the access log in the navigation.
    expect(page.get_by_role("link", name="Registro accessi")).to_be_visible()
    assert_accessible(page)


def test_language_switch_to_english_and_back(page: Page, transactional_db) -> None:
    MembershipFactory(user__username="as.lang", roles=[Role.SOCIAL_WORKER])
    login(page, "as.lang", PASSWORD)
    page.get_by_label("Lingua").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    assert_accessible(page)
    page.get_by_label("Language").select_option("it")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrivania")


def test_admin_must_pass_the_second_factor(page: Page, transactional_db) -> None:
    membership = MembershipFactory(user__username="admin.e2e", roles=[Role.ORG_ADMIN])
    device = confirmed_device(membership.user)
    login(page, "admin.e2e", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifica in due passaggi")
    assert_accessible(page)
    page.goto("/territorio/")  # any page sends an unverified admin back to the check
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifica in due passaggi")
    page.get_by_label("Codice di verifica").fill(device_code(device))
    page.get_by_role("button", name="Verifica").click()
    # Verified, the admin lands on the page first asked for.
    expect(page.get_by_role("heading", level=1)).to_have_text("Territorio")


def test_profile_issues_and_revokes_an_api_token(page: Page, transactional_db) -> None:
    MembershipFactory(user__username="as.token", roles=[Role.SOCIAL_WORKER])
    login(page, "as.token", PASSWORD)
    page.goto("/account/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Il tuo profilo")
    assert_accessible(page)
    page.get_by_label("Nome del token").fill("Gestionale comunale")
    page.get_by_role("button", name="Crea il token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Token creato")
    raw = page.get_by_label("Token", exact=True).input_value()
    assert raw.startswith("itg_")
    assert_accessible(page)
    token = ApiToken.objects.get(name="Gestionale comunale")
    assert raw not in token.token_hash
    # The token works on the API as the membership it was issued for.
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status == 200 and me.json()["username"] == "as.token"

    page.goto("/account/profile/")
    page.get_by_role("button", name="Revoca Gestionale comunale").click()
    token.refresh_from_db()
    assert token.revoked_at is not None
