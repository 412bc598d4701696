"""A nurse fills a Barthel Index form with the keyboard and sees the running score."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.assessments.models import Assessment
from integra.core.permissions import Role
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def test_barthel_form_with_keyboard_and_running_score(page: Page, transactional_db) -> None:
    comune = OrganizationFactory(name="Comune di Kappa")
    MembershipFactory(user__username="infermiera.kappa", organization=comune, roles=[Role.NURSE])
    person = PersonFactory(registered_by=comune, family_names="Verdi", given_names="Lucia")
    CareRelationshipFactory(person=person, organization=comune)
    login(page, "infermiera.kappa", PASSWORD)

    page.goto(f"/valutazioni/persone/{person.pk}/nuova/barthel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indice di Barthel")
    assert_accessible(page)

    # Keyboard only: Space selects the focused option, Tab moves to the next item.
    page.locator("#risposta-feeding-0").focus()
    page.keyboard.press("Space")  # feeding: independent, 10 (Mahoney & Barthel 1965)
    running = page.locator("#running-score")
    expect(running).to_contain_text("10")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # transfers: minimal help, 10
    expect(running).to_contain_text("20")
    expect(running).to_contain_text("2 su 10")
    assert running.get_attribute("aria-live") == "polite"

    # Submitting now names the missing items and saves nothing.
    page.get_by_role("button", name="Registra la valutazione").click()
    expect(page.locator("#riepilogo-errori")).to_contain_text("Igiene personale")
    assert_accessible(page)
    assert not Assessment.objects.exists()

    # The remaining items at their top scores: 100 - 5 (transfers with minimal help) = 95.
    for code in (
        "grooming",
        "toilet_use",
        "bathing",
        "mobility",
        "stairs",
        "dressing",
        "bowels",
        "bladder",
    ):
        page.locator(f"label[for='risposta-{code}-0']").click()
    expect(running).to_contain_text("95")
    expect(running).to_contain_text("Dipendenza lieve")
    page.get_by_role("button", name="Registra la valutazione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indice di Barthel")
    expect(page.locator("main")).to_contain_text("Dipendenza lieve")
    assert Assessment.objects.get().total == 95
    assert_accessible(page)

    page.goto(f"/valutazioni/persone/{person.pk}/")
    expect(page.locator("canvas.score-chart")).to_have_count(1)
    expect(page.get_by_role("table").nth(1)).to_contain_text("95")  # the chart's data table
    assert_accessible(page)

    page.goto("/valutazioni/")
    page.get_by_role(
        "link", name="Short Portable Mental Status Questionnaire (SPMSQ) di Pfeiffer"
    ).click()
    expect(page.locator("main")).to_contain_text("Pfeiffer E.")
    assert_accessible(page)
