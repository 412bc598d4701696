"""The API documentation (Swagger UI, from django-ninja's bundled static files) works under the
site's Content-Security-Policy: the page fixture fails the test on any violation."""

from __future__ import annotations

from playwright.sync_api import Page, expect


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
