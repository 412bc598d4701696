"""A planning coordinator records the Comune's co-payment regulation in the browser: the
overview with the LEA shares and their sources, the form (with an error shown in words), the
regulation's page, a new period with ISEE bands. axe-core on each page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.costshares.services import load_shipped_lea_rules
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory


def test_record_a_copayment_regulation(page: Page, transactional_db) -> None:
    load_shipped_lea_rules()  # the transactional database is emptied between tests
    comune = OrganizationFactory(name="Comune di Kappa")
    MembershipFactory(
        user__username="coordinatrice", organization=comune, roles=[Role.PLANNING_COORDINATOR]
    )
    login(page, "coordinatrice", PASSWORD)

    page.goto("/chi-paga/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chi paga")
    expect(page.get_by_text("DPCM 12/1/2017, art. 22 c.4").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Nuovo regolamento").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nuovo regolamento di compartecipazione"
    )
    page.get_by_label("Nome del regolamento").fill("Regolamento assistenza domiciliare")
    page.get_by_label("Atto di approvazione").fill("Delibera C.C. n. 12/2024")
    page.get_by_label("Tipo di ISEE").select_option("sociosanitario")
    page.get_by_label("In vigore dal").fill("2024-01-01")
    page.get_by_text("Scala lineare tra soglia di esenzione e soglia massima", exact=True).click()
    page.get_by_label("Soglia di esenzione (ISEE, euro)").fill("8000")
    page.get_by_label("Soglia massima (ISEE, euro)").fill("6000")  # below the threshold
    page.get_by_label("Articolo del regolamento").fill("art. 5, comma 2")
    assert_accessible(page)
    page.get_by_role("button", name="Salva").click()
    expect(
        page.get_by_text("La soglia massima deve superare la soglia di esenzione.").first
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Soglia massima (ISEE, euro)").fill("28000")
    page.get_by_role("button", name="Salva").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regolamento assistenza domiciliare")
    expect(page.get_by_text("Regolamento salvato.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Modifica questo periodo").click()
    page.get_by_label("In vigore fino al").fill("2024-12-31")
    page.get_by_role("button", name="Salva").click()
    page.get_by_role("link", name="Aggiungi un periodo di vigenza").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuovo periodo di vigenza")
    page.get_by_label("In vigore dal").fill("2025-01-01")
    # Bootstrap Italia draws the radio button on its label: the label is what one clicks.
    page.get_by_text("Fasce ISEE con percentuale fissa", exact=True).click()
    page.get_by_label("Fascia 1: ISEE fino a (euro)").fill("10000")
    page.get_by_label("Fascia 1: quota della persona (%)").fill("0")
    page.get_by_label("Fascia 2: quota della persona (%)").fill("50")
    page.get_by_label("Articolo del regolamento").fill("art. 6, tabella A")
    assert_accessible(page)
    page.get_by_role("button", name="Salva").click()
    expect(page.get_by_text("Periodo di vigenza salvato.")).to_be_visible()
    expect(page.get_by_role("heading", level=3)).to_have_count(2)
    assert_accessible(page)
