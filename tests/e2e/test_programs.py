"""Screening a person for Misura B1 in the browser: every criterion with its outcome in words
(not colour only), the evidence it read, then adding a piece of evidence. axe-core on each page."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.programs.facts import FactKind
from integra.programs.services import load_shipped_rule_sets
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.programs.factories import fact_of, isee_of, person_in_charge


def test_screen_a_person_for_b1_and_add_evidence(page: Page, transactional_db) -> None:
    load_shipped_rule_sets()
    asst = OrganizationFactory(name="ASST Lambda")
    MembershipFactory(
        user__username="medico.uvm", organization=asst, roles=[Role.DOCTOR, Role.SOCIAL_WORKER]
    )
    person = person_in_charge(asst, birth_date=date(1948, 2, 2))
    isee_of(person, "50000.00")  # exactly the B1 adult limit of DGR XII/3719: within it
    fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)

    login(page, "medico.uvm", PASSWORD)
    page.goto("/misure/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Misure e regole")
    assert_accessible(page)

    page.goto(f"/misure/persone/{person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Verifica dei requisiti per le misure"
    )
    page.locator("#id_measure").select_option("B1")
    page.get_by_label("Data di riferimento").fill("2025-06-01")
    page.get_by_role("button", name="Verifica").click()
    expect(page.locator("#screening-outcome")).to_contain_text("Evidenze incomplete")
    expect(page.get_by_text("Non determinabile").first).to_be_visible()
    expect(page.get_by_text("DGR XII/3719 del 30/12/2024").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Aggiungi un'evidenza").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuova evidenza per le misure")
    page.get_by_label("Tipo di evidenza").select_option("gcs")
    page.get_by_label("Valore").fill("10")
    page.get_by_label("Valida dal").fill("2025-05-01")
    page.get_by_label("Fonte").fill("Pronto soccorso, scheda del 1/5/2025")
    assert_accessible(page)
    page.get_by_role("button", name="Salva").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Verifica dei requisiti per le misure"
    )
    expect(page.get_by_text("Evidenza registrata.")).to_be_visible()
    page.locator("#id_measure").select_option("B1")
    page.get_by_label("Data di riferimento").fill("2025-06-01")
    page.get_by_role("button", name="Verifica").click()
    expect(page.locator("#screening-outcome")).to_contain_text("Requisiti soddisfatti")
    expect(page.get_by_text("Pronto soccorso, scheda del 1/5/2025").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Salva la verifica per il verbale UVM").click()
    expect(page.get_by_text("Verifica salvata")).to_be_visible()
