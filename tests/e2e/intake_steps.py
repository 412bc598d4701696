"""Browser steps of the PUA shared by the end-to-end tests: a request received at the front
desk, pre-assessed with the triage instrument and sent to the UVM."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.intake.models import IntakeRequest, PuaPoint
from integra.organizations.models import OrganizationKind
from integra.people.models import Person
from tests.e2e.conftest import assert_accessible, login
from tests.factories import (
    PASSWORD,
    AmbitoFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganizationFactory,
)
from tests.intake.factories import PuaPointFactory
from tests.people.factories import ConsentFactory, PersonFactory


def choose(page: Page, group: str, option: str) -> None:
    # Bootstrap Italia hides the radio itself: click its label.
    page.get_by_role("group", name=group).get_by_text(option, exact=True).click()


def omega_pua() -> tuple[PuaPoint, Person]:
    """The Ambito Omega with its PUA (run by the Ufficio di Piano, UVM at the ASST), a resident
    person who consented to the sharing between bodies, and a PUA operator ``pua.omega``."""
    ambito = AmbitoFactory(name="Ambito Omega")
    town = MunicipalityFactory(name="Omegaborgo", ambito=ambito)
    owner = OrganizationFactory(name="Ufficio di Piano Omega", kind=OrganizationKind.AMBITO)
    asst = OrganizationFactory(name="ASST Omega", kind=OrganizationKind.HEALTH_AUTHORITY)
    pua = PuaPointFactory(
        organization=owner, name="PUA Casa della Comunità Omega", uvm_organization=asst
    )
    pua.ambiti.add(ambito)
    person = PersonFactory(
        family_names="Verdi", given_names="Giulia", residence_municipality=town, registered_by=owner
    )
    ConsentFactory(person=person)
    MembershipFactory(user__username="pua.omega", organization=owner, roles=[Role.PUA_OPERATOR])
    return pua, person


def receive_request(page: Page) -> None:
    """On the new-request page: Verdi Giulia, from a hospital ward, protected discharge."""
    page.get_by_role("link", name="Nuova richiesta").click()
    page.get_by_label("Cerca la persona in anagrafe").fill("verdi giulia")
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Scegli Verdi Giulia").click()
    expect(page.locator("#persona-scelta")).to_have_text("Verdi Giulia")
    page.get_by_label("Canale").select_option("reparto")
    page.get_by_label("Urgenza").select_option("prioritaria")
    page.get_by_label("Chi presenta la richiesta").select_option("operatore")
    page.get_by_label("Nome del richiedente").fill("Reparto di medicina")
    page.get_by_text("Dimissione protetta", exact=True).click()
    page.get_by_text("Anziani e non autosufficienza", exact=True).click()
    page.get_by_label("Descrizione del bisogno").fill("Dimissione tra tre giorni, vive sola.")
    page.get_by_role("button", name="Registra la richiesta").click()
    expect(page.locator("#stato-richiesta")).to_have_text("Ricevuta")


def pre_assess_complex(page: Page) -> None:
    """Triage answers scoring 2 + 1 + 2 + 1 + 2 = 8: band "complex" (5-10) of pua_triage."""
    page.get_by_role("link", name="Compila la pre-valutazione").click()
    choose(page, "Bisogno sanitario", "Complesso (più prestazioni o continuità assistenziale)")
    choose(page, "Bisogno sociale", "Semplice (una prestazione sociale)")
    choose(page, "Autonomia nelle attività quotidiane", "Non autosufficiente")
    choose(page, "Rete di sostegno", "Insufficiente")
    choose(page, "Urgenza", "Da affrontare entro pochi giorni")
    page.get_by_role("button", name="Calcola e registra").click()
    expect(page.locator("#stato-richiesta")).to_have_text("In pre-valutazione")
    expect(page.locator("#suggerimento")).to_contain_text("Attivare l'UVM")


def send_to_uvm(page: Page, note: str = "Bisogno sanitario e sociale complesso") -> None:
    """The triage suggested the UVM: its form is the page's primary action, the reason is a
    note the operator may leave."""
    uvm_form = page.locator("#azione-principale form")
    expect(uvm_form.get_by_role("heading")).to_have_text("Invia all'UVM")
    uvm_form.get_by_text("Bisogno complesso", exact=True).click()
    uvm_form.get_by_label("Nota (facoltativa)").fill(note)
    uvm_form.get_by_role("button", name="Invia all'UVM").click()
    expect(page.locator("#stato-richiesta")).to_have_text("Inviata all'UVM")


def receive_and_send_to_uvm(page: Page) -> IntakeRequest:
    """The whole PUA part, as the PUA operator: returns the request sent to the UVM."""
    omega_pua()
    login(page, "pua.omega", PASSWORD)
    page.goto("/pua/")
    receive_request(page)
    assert_accessible(page)
    pre_assess_complex(page)
    send_to_uvm(page)
    return IntakeRequest.objects.get()
