"""Security in the browser: the API documentation (Swagger UI, from django-ninja's bundled static
files) works under the site's Content-Security-Policy — the page fixture fails a test on any
violation — and htmx keeps no copy of a page with personal data in the browser's storage."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def test_swagger_ui_renders_the_operations_under_the_policy(page: Page, transactional_db) -> None:
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'report-sample'" in policy and "unsafe" not in policy
    # Swagger UI built the page from /api/v1/openapi.json: its scripts ran and fetched the spec.
    expect(page.get_by_role("heading", name="Integra API")).to_be_visible()
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/persons/{person_id}")
    expect(operation.first).to_be_visible()
    operation.first.click()  # expanding an operation renders its parameters and schemas
    expect(page.get_by_text("person_id").first).to_be_visible()


def test_search_results_are_not_kept_in_the_browser_storage(page: Page, transactional_db) -> None:
    """htmx would save the page in sessionStorage before each pushed URL (for the back button),
    beyond the reach of no-store and of the logout: historyCacheSize 0 in base.html."""
    org = OrganizationFactory(name="Comune di Eta")
    MembershipFactory(user__username="as.storage", organization=org, roles=[Role.SOCIAL_WORKER])
    person = PersonFactory(family_names="Esposito", given_names="Carla", registered_by=org)
    CareRelationshipFactory(person=person, organization=org)
    login(page, "as.storage", PASSWORD)
    page.goto("/persone/")
    search = page.get_by_label("Codice o nome")
    search.fill("Esposito")  # htmx shows the results and pushes ?q=Esposito
    expect(page.locator("#risultati")).to_contain_text("Carla")
    expect(page).to_have_url(re.compile(r"q=Esposito"))
    search.fill("Bianchi")  # before pushing ?q=Bianchi htmx would store the page above
    expect(page).to_have_url(re.compile(r"q=Bianchi"))
    expect(page.locator("#risultati")).not_to_contain_text("Carla")
    stored = page.evaluate(
        "JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])"
    )
    assert "Carla" not in stored and "Esposito" not in stored, stored[:300]
    page.go_back()  # nothing stored: the page comes from the server again
    expect(page).to_have_url(re.compile(r"q=Esposito"))
    expect(page.locator("#risultati")).to_contain_text("Carla")
