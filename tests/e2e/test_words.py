"""Words, not codes, in the browser: citizenship and language picked by name and shown by name,
the storico in Italian, the measures list and an act's page saying the same. axe-core on each."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.models import Person
from integra.programs.models import MeasureRuleSet
from integra.programs.services import load_shipped_rule_sets
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory


def test_register_with_citizenship_and_language_by_name(page: Page, transactional_db) -> None:
    comune = OrganizationFactory(name="Comune di Zeta", kind=OrganizationKind.MUNICIPALITY)
    MembershipFactory(user__username="as.parole", organization=comune, roles=[Role.SOCIAL_WORKER])
    login(page, "as.parole", PASSWORD)
    page.goto("/persone/nuova/")
    page.get_by_label(re.compile("^Cognome")).fill("Diop")
    page.get_by_label(re.compile("^Nome")).first.fill("Awa")
    page.get_by_label("Sesso").select_option("F")
    page.get_by_label("Data di nascita").fill("1938-12-09")
    page.get_by_label("Cittadinanze").select_option(label=["Senegal", "Italia"])
    page.get_by_label("Lingue parlate").select_option(label=["volof", "francese"])
    assert_accessible(page)
    page.get_by_role("button", name="Salva").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Diop Awa")
    person = Person.objects.get()
    assert sorted(person.citizenships) == ["IT", "SN"] and sorted(person.languages) == ["fr", "wo"]
    main = page.locator("main")
    expect(main).to_contain_text("Italia, Senegal")
    expect(main).to_contain_text("francese, volof")
    page.get_by_role("navigation", name="Sezioni della scheda").get_by_role(
        "link", name="Storico", exact=True
    ).click()
    expect(main).to_contain_text("data di nascita: 9 dicembre 1938")
    expect(main).to_contain_text("registrata da: Comune di Zeta")
    expect(main).to_contain_text("registrazione della persona")
    expect(main).not_to_contain_text("1938-12-09")
    assert_accessible(page)


def test_measures_list_and_act_page_agree(page: Page, transactional_db) -> None:
    load_shipped_rule_sets()
    asst = OrganizationFactory(name="ASST Lambda")
    MembershipFactory(user__username="medico.parole", organization=asst, roles=[Role.DOCTOR])
    login(page, "medico.parole", PASSWORD)
    act = MeasureRuleSet.objects.get(measure_code="B2", act="DGR XII/5544/2025")
    page.goto("/misure/")
    row = page.get_by_role("row").filter(has_text="DGR XII/5544/2025").filter(has_text="B2")
    expect(row).to_contain_text("dal 1 gennaio 2026 fino a un nuovo atto")
    state = row.get_by_role("cell").last.inner_text().strip()
    assert_accessible(page)
    row.get_by_role("link", name="DGR XII/5544/2025").click()
    expect(page).to_have_url(re.compile(f"/misure/regole/{act.pk}/$"))
    expect(page.locator("dt", has_text="Stato oggi").locator("+ dd")).to_have_text(state)
    expect(page.locator("main")).not_to_contain_text(".toml")
    assert_accessible(page)
