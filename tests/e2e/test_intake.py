"""The PUA in the browser: a request is received, pre-assessed with the triage instrument,
sent to the UVM (the suggestion shown beside the operator's decision) and closed."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.intake.models import IntakeRequest, IntakeState
from tests.e2e.conftest import assert_accessible, login
from tests.e2e.intake_steps import omega_pua, pre_assess_complex, receive_request, send_to_uvm
from tests.factories import PASSWORD


def test_consent_recorded_with_the_request_and_the_obvious_step_first(
    page: Page, transactional_db
) -> None:
    from integra.people.models import Consent, ConsentEvidence

    _pua, person = omega_pua()
    login(page, "pua.omega", PASSWORD)
    page.goto(f"/pua/richieste/nuova/?persona={person.pk}")
    page.get_by_label("Canale").select_option("sportello")
    page.get_by_label("Urgenza").select_option("ordinaria")
    page.get_by_label("Chi presenta la richiesta").select_option("persona")
    page.get_by_text("Anziani e non autosufficienza", exact=True).click()
    page.get_by_label("Descrizione del bisogno").fill("Aiuto per l'igiene personale.")
    page.get_by_text("La persona ha deciso ora sulla condivisione").click()
    page.locator("#id_consenso-status").select_option("given")
    page.get_by_text("Dichiarazione dell'operatore", exact=False).click()
    page.get_by_label("Documentazione").fill("Presente allo sportello, ha acconsentito a voce.")
    assert_accessible(page)
    page.get_by_role("button", name="Registra la richiesta").click()
    expect(page.locator("#stato-richiesta")).to_have_text("Ricevuta")
    expect(page.locator("#consenso-stato")).to_contain_text("Prestato il")
    # The obvious step first, with no reason to type; the others on demand.
    primary = page.locator("#azione-principale")
    expect(primary.get_by_role("heading")).to_have_text("Avvia la pre-valutazione")
    expect(page.locator("#altre-azioni")).not_to_have_attribute("open", "")
    assert_accessible(page)
    primary.get_by_role("button", name="Avvia la pre-valutazione").click()
    expect(page.locator("#stato-richiesta")).to_have_text("In pre-valutazione")
    consent = Consent.objects.filter(person=person).latest("pk")
    assert consent.evidence_kind == ConsentEvidence.PRESENCE_DECLARATION
    assert IntakeRequest.objects.get().state == IntakeState.PRE_ASSESSMENT


def test_request_pre_assessment_uvm_and_closure(page: Page, transactional_db) -> None:
    omega_pua()
    login(page, "pua.omega", PASSWORD)
    page.goto("/pua/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Richieste al PUA")
    assert_accessible(page)

    receive_request(page)
    assert_accessible(page)

    pre_assess_complex(page)
    # 2 + 1 + 2 + 1 + 2 = 8: band "complex" (5-10) of pua_triage 2026.2 -> UVM.
    expect(page.locator("#suggerimento")).to_contain_text("punteggio 8")
    assert_accessible(page)

    send_to_uvm(page)
    expect(page.locator("#decisione")).to_contain_text("Bisogno complesso")
    assert_accessible(page)

    # Waiting for the UVM: no primary action; closing now is closing without the outcome, among
    # the other actions and with a reason.
    expect(page.locator("#azione-principale")).to_have_count(0)
    page.get_by_text("Altre azioni").click()
    close_form = page.locator("form").filter(
        has=page.get_by_role("heading", name="Chiudi la richiesta")
    )
    close_form.get_by_role("button", name="Chiudi la richiesta").click()
    expect(page.locator("#riepilogo-errori, .invalid-feedback").first).to_contain_text(
        "L'UVM non ha ancora concluso la valutazione"
    )
    close_form = page.locator("form").filter(
        has=page.get_by_role("heading", name="Chiudi la richiesta")
    )
    close_form.get_by_label("Motivo").fill("Seduta UVM fissata")
    close_form.get_by_role("button", name="Chiudi la richiesta").click()
    expect(page.locator("#stato-richiesta")).to_have_text("Chiusa")
    timeline = page.get_by_role("table").filter(has_text="Seduta UVM fissata")
    expect(timeline).to_contain_text("Bisogno sanitario e sociale complesso")
    expect(timeline.locator("tbody tr")).to_have_count(4)
    assert_accessible(page)

    request = IntakeRequest.objects.get()
    assert request.state == IntakeState.CLOSED
    assert request.outcome == IntakeState.SENT_TO_UVM
    assert request.triage_suggestion["route"] == "uvm"
    assert request.decision_need == "complex"
    assert request.uvm_due is not None

    page.goto("/pua/?stato=chiusa")
    expect(page.get_by_role("link", name=f"Richiesta {request.pk}")).to_be_visible()
    assert_accessible(page)
