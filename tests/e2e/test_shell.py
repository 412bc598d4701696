"""The page shell on a phone (390 px) and on a desktop (1280 px), with the demo's data.

On a phone the main menu is Bootstrap Italia's side panel, opened by its toggler; no page is
wider than the screen. On a desktop every menu entry is one line. The data is the demo's own
(``demo_seed``, synthetic persons, the demo PUAs' requests) plus a UVM session, seen by one
operator of the demo ASST who holds every role that opens a page of the menu.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from integra.accounts.models import Membership
from integra.core.access import Actor
from integra.core.permissions import Role
from integra.organizations.demo import ASST_NAME
from tests.accounts.helpers import confirmed_device, device_code
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

EVERY_MENU_ROLE = [
    Role.PUA_OPERATOR,
    Role.SOCIAL_WORKER,
    Role.DOCTOR,
    Role.UVM_MEMBER,
    Role.AUDITOR,
    Role.ORG_ADMIN,
    Role.SYSTEM_ADMIN,
]
MENU = [
    "Scrivania",
    "Territorio",
    "Servizi ed enti",
    "Persone",
    "PUA",
    "Valutazioni UVM",
    "I miei casi",
    "Misure e graduatorie",
    "Operatori",
    "Registro accessi",
]


@pytest.fixture
def demo(transactional_db) -> dict[str, object]:
    """The demo's organisations, operators, 60 synthetic persons and the PUAs' requests, a UVM
    session, and ``tutto``: an operator of the demo ASST with every role of the menu."""
    from integra.assessments import uvm
    from integra.intake.demo import seed_intake_demo
    from integra.intake.models import IntakeRequest
    from integra.organizations.demo import demo_seed
    from integra.people.synthetic.loader import population_load
    from tests.organizations.factories import build_demo_territory

    build_demo_territory()
    demo_seed(seed=1)
    population_load(persons=60, seed=1, stream=None)
    seed_intake_demo()
    asst_pua = Membership.objects.get(
        user__username="operatore.pua", organization__name=ASST_NAME
    ).organization
    everyone = MembershipFactory(
        user__username="tutto",
        user__first_name="Maria Vittoria",
        user__last_name="Bianchi Castiglioni",
        user__is_staff=True,
        organization=asst_pua,
        roles=list(EVERY_MENU_ROLE),
    )
    request = IntakeRequest.objects.order_by("pk").first()
    assert request is not None, "the demo has PUA requests"
    actor = Actor.for_membership(everyone.user, everyone)
    session = uvm.session_create(
        actor=actor,
        data={
            "person_id": request.person_id,
            "scheduled_for": timezone.now(),
            "place": "Sala riunioni del Distretto, via Giuseppe Verdi 12, Melzo",
        },
    )
    return {
        "device": confirmed_device(everyone.user),
        "request": request,
        "person_id": request.person_id,
        "session": session,
    }


def _login_everyone(page: Page, demo: dict[str, object]) -> None:
    login(page, "tutto", PASSWORD)
    page.get_by_label("Codice di verifica").fill(device_code(demo["device"]))  # type: ignore[arg-type]
    page.get_by_role("button", name="Verifica").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrivania")


def _open_menu(page: Page) -> None:
    """Click the toggler and wait until the panel has finished sliding in (Bootstrap Italia
    ignores a close asked for during the opening transition)."""
    page.evaluate(
        """() => { window.__menuShown = false;
        document.getElementById("main-nav").addEventListener(
            "shown.bs.navbarcollapsible", () => { window.__menuShown = true; }, {once: true}); }"""
    )
    page.get_by_role("button", name="Apri il menu").click()
    page.wait_for_function("() => window.__menuShown === true")


_WIDEST = """() => {
    const wide = e => e.getBoundingClientRect().right > window.innerWidth + 1;
    const clipped = e => {
        for (let a = e.parentElement; a; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== "visible" && !wide(a)) return true;
        }
        return false;
    };
    return [...document.querySelectorAll("body *")]
        .filter(e => wide(e) && !wide(e.parentElement) && !clipped(e))
        .slice(0, 5).map(e => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 40)}`);
}"""


def _assert_fits(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (
        f"{page.url} is {width[0]} px wide on a {width[1]} px screen: {page.evaluate(_WIDEST)}"
    )


def test_on_a_phone_the_menu_opens_from_the_toggler(page: Page, demo) -> None:
    page.set_viewport_size(PHONE)
    _login_everyone(page, demo)
    toggler = page.get_by_role("button", name="Apri il menu")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-controls", "main-nav")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    for name, heading in [
        ("PUA", "Richieste al PUA"),
        ("Persone", "Anagrafe delle persone"),
        ("Valutazioni UVM", "Sedute UVM"),
    ]:
        link = page.locator("#main-nav").get_by_role("link", name=name, exact=True)
        expect(link).not_to_be_in_viewport()
        _open_menu(page)
        expect(toggler).to_have_attribute("aria-expanded", "true")
        expect(link).to_be_in_viewport()
        assert_accessible(page)
        link.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(link).not_to_be_in_viewport()
    # The panel closes with its close button too.
    _open_menu(page)
    close = page.get_by_role("button", name="Chiudi il menu")
    expect(close).to_be_visible()
    close.click()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(
        page.locator("#main-nav").get_by_role("link", name="PUA", exact=True)
    ).not_to_be_in_viewport()


def test_no_page_is_wider_than_a_phone(page: Page, demo) -> None:
    page.set_viewport_size(PHONE)
    _login_everyone(page, demo)
    # The slim header's controls stay on the screen, each reachable.
    for control in [
        page.get_by_label("Lingua"),
        page.get_by_role("link", name="Maria Vittoria Bianchi Castiglioni"),
        page.get_by_role("button", name="Esci"),
    ]:
        expect(control).to_be_in_viewport()
    person_id = demo["person_id"]
    pages = [
        "/",
        "/persone/?q=a",
        f"/persone/{person_id}/",
        "/pua/",
        f"/pua/richieste/{demo['request'].pk}/",  # type: ignore[attr-defined]
        "/valutazioni/uvm/",
        f"/valutazioni/uvm/{demo['session'].pk}/",  # type: ignore[attr-defined]
        "/misure/",
        "/audit/accessi/",
        "/account/operatori/",
    ]
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        _assert_fits(page)
        assert_accessible(page)


def test_on_a_desktop_every_menu_entry_is_one_line(page: Page, demo) -> None:
    page.set_viewport_size(DESKTOP)
    _login_everyone(page, demo)
    expect(page.get_by_role("button", name="Apri il menu")).to_be_hidden()
    links = page.locator("#main-nav a.nav-link")
    expect(links).to_have_text(MENU)
    heights = links.evaluate_all(
        """links => links.map(link => {
            const style = getComputedStyle(link);
            const text = link.getBoundingClientRect().height
                - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
            return [link.textContent.trim(), text, parseFloat(style.lineHeight)];
        })"""
    )
    for label, text_height, line_height in heights:
        assert text_height < 1.5 * line_height, f"{label!r} takes more than one line"
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(len(MENU)))}  # type: ignore[index]
    assert len(tops) == 1, "at 1280 px the whole menu is one row"
    _assert_fits(page)
    # The Django admin is linked for system administrators.
    page.get_by_role("link", name="Amministrazione").click()
    expect(page).to_have_title("Amministrazione del sistema | Integra")
    expect(page.locator("#site-name")).to_have_text("Integra")
    expect(page.get_by_role("link", name="Visualizza il sito")).to_be_visible()  # in Italian
