"""Browser tests: real headless Chromium from Debian (/usr/bin/chromium), driven by Playwright.

Never a downloaded browser. Every page visited in a test is checked with axe-core and must show
no serious or critical violation, and no page may break the Content-Security-Policy: the
browser's ``securitypolicyviolation`` events and its CSP console errors are collected for the
whole test and checked at every ``assert_accessible`` and when the test ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from weakref import WeakKeyDictionary

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's chromium is required at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


# Runs in every document before the page's own scripts (Playwright injects it through the
# DevTools protocol, which the page's CSP does not govern) and reports each violation.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__integraCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || document.location.href}:${event.lineNumber}` +
    (event.sample ? ` (${event.sample})` : "")
  );
});
"""

_csp_violations: WeakKeyDictionary[Page, list[str]] = WeakKeyDictionary()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="it-IT", extra_http_headers={"Accept-Language": "it"}
    )
    context.set_default_timeout(15_000)
    violations: list[str] = []
    context.expose_function("__integraCspViolation", lambda text: violations.append(text))
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    tab = context.new_page()
    tab.on(
        "console",
        lambda message: (
            violations.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    _csp_violations[tab] = violations
    yield tab
    context.close()
    assert_no_csp_violation(tab)


def assert_no_csp_violation(page: Page) -> None:
    """Nothing the page did since the test began was blocked by the Content-Security-Policy."""
    violations = _csp_violations.get(page, [])
    report = "\n".join(dict.fromkeys(violations))  # each distinct violation once
    violations.clear()
    assert not report, f"Content-Security-Policy violations (last page {page.url}):\n{report}"


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the current page."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:5])
        for v in blocking
    )
    assert not blocking, f"axe-core violations on {page.url}:\n{report}"
    assert_no_csp_violation(page)


def login(page: Page, username: str, password: str) -> None:
    page.goto("/account/login/")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
