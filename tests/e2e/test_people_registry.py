"""The person registry in the browser: search as you type, register, the duplicate warning, the
person's page and its tabs. Every page is checked with axe-core."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.models import Person
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def _operator(username: str):
    comune = OrganizationFactory(name="Comune di Zeta", kind=OrganizationKind.MUNICIPALITY)
    MembershipFactory(user__username=username, organization=comune, roles=[Role.SOCIAL_WORKER])
    return comune


def test_search_nothing_found_then_register(page: Page, transactional_db) -> None:
    _operator("as.anagrafe")
    login(page, "as.anagrafe", PASSWORD)
    page.goto("/persone/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anagrafe delle persone")
    assert_accessible(page)

    page.get_by_label("Codice o nome").fill("Traore")  # htmx: results as you type
    results = page.locator("#risultati")
    expect(results).to_contain_text("Nessuna persona corrisponde alla ricerca.")
    assert_accessible(page)
    results.get_by_role("link", name="Registra una nuova persona").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nuova persona")
    expect(page.get_by_label(re.compile("^Cognome"))).to_have_value("Traore")
    assert_accessible(page)
    page.get_by_role("button", name="Salva").click()  # no given name: nothing saved
    expect(page.locator("#riepilogo-errori")).to_contain_text("Nome")
    assert Person.objects.count() == 0
    assert_accessible(page)

    page.get_by_label("Codice fiscale o altro identificativo").fill("RSSMRA80A01H501X")
    expect(page.locator("#verifica-codice")).to_contain_text("carattere di controllo")
    assert_accessible(page)
    page.get_by_label("Codice fiscale o altro identificativo").fill("")
    page.get_by_label(re.compile("^Nome")).first.fill("Moussa")
    page.get_by_label("Sesso").select_option("M")
    page.get_by_label("Data di nascita").fill("1995-03-12")
    page.get_by_label("Luogo di nascita").fill("Mali")
    page.get_by_role("button", name="Salva").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Traore Moussa")
    person = Person.objects.get()
    assert person.birth_place_code.startswith("Z")
    assert_accessible(page)


def test_duplicate_warning_confirm_or_open_existing(page: Page, transactional_db) -> None:
    comune = _operator("as.duplicati")
    existing = PersonFactory(
        registered_by=comune,
        family_names="Bianchi",
        given_names="Anna",
        birth_date=date(1970, 2, 3),
    )
    CareRelationshipFactory(person=existing, organization=comune)
    login(page, "as.duplicati", PASSWORD)
    page.goto("/persone/nuova/")
    page.get_by_label(re.compile("^Cognome")).fill("Bianchi")
    page.get_by_label(re.compile("^Nome")).first.fill("Anna")
    page.get_by_label("Data di nascita").fill("1970-02-03")
    page.get_by_role("button", name="Salva").click()

    dialog = page.get_by_role("alert").filter(has_text="potrebbe essere già registrata")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("stesso nome e stessa data di nascita")
    assert_accessible(page)
    page.get_by_role("button", name="È una persona diversa: registra comunque").click()
    expect(page.get_by_text("Indica perché è una persona diversa").first).to_be_visible()
    assert Person.objects.count() == 1

    page.get_by_label("Perché è una persona diversa").fill("Omonima: madre di nome diverso")
    page.get_by_role("button", name="È una persona diversa: registra comunque").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bianchi Anna")
    assert Person.objects.count() == 2

    # The same again, but this time the operator opens the existing record.
    page.goto("/persone/nuova/")
    page.get_by_label(re.compile("^Cognome")).fill("Bianchi")
    page.get_by_label(re.compile("^Nome")).first.fill("Anna")
    page.get_by_label("Data di nascita").fill("1970-02-03")
    page.get_by_role("button", name="Salva").click()
    page.get_by_role("link", name="Apri la scheda di Bianchi Anna").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bianchi Anna")
    assert Person.objects.count() == 2


def test_person_tabs_are_reachable_and_accessible(page: Page, transactional_db) -> None:
    comune = _operator("as.schede")
    person = PersonFactory(registered_by=comune, family_names="Esposito", given_names="Lucia")
    CareRelationshipFactory(person=person, organization=comune)
    login(page, "as.schede", PASSWORD)
    page.goto("/persone/")
    page.get_by_label("Codice o nome").fill("esposito lucia")
    page.get_by_role("link", name="Esposito Lucia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Esposito Lucia")
    assert_accessible(page)
    tabs = page.get_by_role("navigation", name="Sezioni della scheda")
    for label, heading in [
        ("Documenti", "Documenti"),
        ("Nucleo e caregiver", "Nucleo familiare e caregiver"),
        ("ISEE", "ISEE in corso di validità"),
        ("Consensi", "Consensi in vigore"),
        ("Storico", "Storico delle modifiche"),
        ("Anagrafica", "Anagrafica"),
    ]:
        tabs.get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=2).first).to_have_text(heading)
        expect(tabs.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        assert_accessible(page)

    tabs.get_by_role("link", name="Consensi", exact=True).click()
    page.get_by_label(re.compile("^Finalità")).select_option("sharing")
    page.locator("#id_status").select_option("given")
    page.locator("label[for=id_evidence_kind_1]").click()
    page.get_by_label(re.compile("^Documentazione")).fill("modulo firmato prot. 9/2026")
    page.get_by_role("button", name="Registra la decisione").click()
    expect(page.get_by_text("Decisione sul consenso registrata.")).to_be_visible()
    tabs.get_by_role("link", name="Storico", exact=True).click()
    expect(page.locator("main")).to_contain_text("as.schede")
    assert_accessible(page)

    page.goto("/persone/permessi-in-scadenza/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Permessi di soggiorno in scadenza")
    assert_accessible(page)


def test_search_pages_and_finds_by_phone(page: Page, transactional_db) -> None:
    """23 "Rossi": 20 on the first page, 3 on the next (htmx swaps only the results); a phone
    number written another way finds its person."""
    comune = _operator("as.pagine")
    for n in range(23):
        rossi = PersonFactory(
            family_names="Rossi",
            given_names=f"{chr(ord('A') + n)}lberto",
            registered_by=comune,
            phone="+39 333 123 4567" if n == 0 else "",
        )
        rossi.save()
        CareRelationshipFactory(person=rossi, organization=comune)
    login(page, "as.pagine", PASSWORD)
    page.goto("/persone/")
    page.get_by_label("Codice o nome").fill("Rossi")
    results = page.locator("#risultati")
    expect(results).to_contain_text("23 persone trovate")
    expect(results).to_contain_text("Risultati da 1 a 20")
    assert_accessible(page)
    results.get_by_role("link", name="Pagina successiva").click()
    expect(results).to_contain_text("Risultati da 21 a 23")
    expect(results.get_by_role("link", name="Rossi Wlberto")).to_be_visible()
    assert "pagina=2" in page.url
    assert_accessible(page)

    page.get_by_label("Codice o nome").fill("333-1234567")
    expect(results).to_contain_text("1 persona trovata")
    expect(results.get_by_role("link", name="Rossi Alberto")).to_be_visible()
    expect(results).to_contain_text("stesso numero di telefono")
