"""The UVM in the browser: a request the PUA sent to the UVM is taken up by the ASST, the team
is formed (refused while only the health side is present: seed 002 rule 5), the outcome is
recorded with the user class (seed 000) and the minutes are downloaded."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import Page, expect

from integra.assessments.uvm_models import UvmSession, UvmState
from integra.core.permissions import Role
from integra.intake.models import IntakeState
from tests.e2e.conftest import assert_accessible, login
from tests.e2e.intake_steps import receive_and_send_to_uvm
from tests.factories import PASSWORD, MembershipFactory


def add_member(page: Page, organization: str, name: str, profession: str) -> None:
    page.get_by_text("Aggiungi un componente").click()
    page.locator("#id_organization_id").select_option(label=organization)
    page.get_by_label("Nome e cognome").fill(name)
    page.get_by_label("Profilo").select_option(label=profession)
    page.get_by_role("button", name="Aggiungi", exact=True).click()
    expect(page.get_by_role("row").filter(has_text=name)).to_be_visible()


def test_from_request_to_uvm_outcome(page: Page, transactional_db) -> None:
    request = receive_and_send_to_uvm(page)
    asst = request.pua.uvm_organization
    comune = request.pua.organization
    MembershipFactory(
        user__username="uvm.omega",
        user__first_name="Elena",
        user__last_name="Blu",
        organization=asst,
        roles=[Role.DOCTOR, Role.UVM_MEMBER, Role.CASE_MANAGER],
    )
    page.context.clear_cookies()
    login(page, "uvm.omega", PASSWORD)

    page.goto("/valutazioni/uvm/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sedute UVM")
    assert_accessible(page)
    page.get_by_role("link", name=f"Convoca UVM per la richiesta {request.pk}").click()
    page.get_by_label("Data e ora").fill(datetime(2026, 12, 2, 10, 0).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Luogo").fill("Casa della Comunità Omega")
    assert_accessible(page)
    page.get_by_role("button", name="Convoca").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Seduta UVM n.")
    expect(page.locator("#composizione")).to_contain_text("Manca un componente presente del Comune")
    assert_accessible(page)

    add_member(page, asst.name, "Elena Blu", "Medico")
    add_member(page, asst.name, "Paolo Viola", "Infermiere")

    page.get_by_label("Autonomia nelle attività quotidiane (ICF d5–d6)").fill(
        "Non autosufficiente nel bagno e nella vestizione."
    )
    page.get_by_label("Rete familiare e caregiver (ICF e3)").fill("Vive sola, figlia lontana.")
    page.get_by_label("Classe di utenza").select_option("alto_carico_bassa_dinamicita")
    page.get_by_label("Intensità assistenziale").select_option("alta")
    page.get_by_label("Interventi proposti").fill("ADI di secondo livello e SAD.")
    page.get_by_role("button", name="Concludi la seduta").click()
    alert = page.locator("#riepilogo-errori")
    expect(alert).to_contain_text("Manca un componente presente del Comune o dell'Ambito")
    assert_accessible(page)

    add_member(page, comune.name, "Rosa Neri", "Assistente sociale")
    expect(page.locator("#composizione")).to_have_count(0)
    page.get_by_label("Autonomia nelle attività quotidiane (ICF d5–d6)").fill(
        "Non autosufficiente nel bagno e nella vestizione."
    )
    page.get_by_label("Classe di utenza").select_option("alto_carico_bassa_dinamicita")
    page.get_by_label("Intensità assistenziale").select_option("alta")
    page.get_by_label("Case manager proposto").select_option(label=f"Elena Blu — {asst.name}")
    page.get_by_role("button", name="Concludi la seduta").click()
    expect(page.get_by_text("Seduta conclusa.")).to_be_visible()
    expect(page.get_by_text("Alto carico assistenziale, bassa dinamicità")).to_be_visible()
    assert_accessible(page)

    with page.expect_response(lambda r: r.url.endswith("verbale.pdf")) as pdf:
        page.evaluate(
            "url => fetch(url)",
            page.get_by_role("link", name="Verbale (PDF)").get_attribute("href"),
        )
    assert pdf.value.status == 200
    assert pdf.value.headers["content-type"] == "application/pdf"

    page.goto(f"/pua/richieste/{request.pk}/")
    expect(page.get_by_role("link", name="Seduta n.")).to_contain_text("Seduta n.")
    expect(page.locator("#titolo-uvm").locator("..")).to_contain_text("Conclusa")
    assert_accessible(page)

    session = UvmSession.objects.get()
    assert session.state == UvmState.CONCLUDED
    assert session.intake_request_id == request.pk
    assert session.proposed_case_manager.user.username == "uvm.omega"
    assert session.next_review_on is not None
    request.refresh_from_db()
    assert request.state == IntakeState.SENT_TO_UVM
    assert request.due_on is None  # the UVM deadline is met

    # The PUA learns the outcome on the request's page and closes it: the obvious step now.
    page.context.clear_cookies()
    login(page, "pua.omega", PASSWORD)
    page.goto(f"/pua/richieste/{request.pk}/")
    expect(page.locator("#sedute-uvm")).to_contain_text("Alto carico assistenziale")
    expect(page.locator("#uvm-conclusa")).to_be_visible()
    primary = page.locator("#azione-principale")
    expect(primary.get_by_role("heading")).to_have_text("Chiudi la richiesta")
    assert_accessible(page)
    primary.get_by_role("button", name="Chiudi la richiesta").click()
    expect(page.locator("#stato-richiesta")).to_have_text("Chiusa")
    request.refresh_from_db()
    assert request.state == IntakeState.CLOSED


def test_members_from_the_operators_time_kept_and_a_second_session_confirmed(
    page: Page, transactional_db
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    request = receive_and_send_to_uvm(page)
    asst = request.pua.uvm_organization
    comune = request.pua.organization
    MembershipFactory(
        user__username="uvm.omega",
        user__first_name="Elena",
        user__last_name="Blu",
        organization=asst,
        roles=[Role.DOCTOR, Role.UVM_MEMBER],
    )
    MembershipFactory(
        user__first_name="Rosa",
        user__last_name="Neri",
        organization=comune,
        roles=[Role.SOCIAL_WORKER],
    )
    page.context.clear_cookies()
    login(page, "uvm.omega", PASSWORD)
    page.goto(f"/valutazioni/uvm/nuova/?richiesta={request.pk}")
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.get_by_label("Data e ora").fill(tomorrow.strftime("%Y-%m-%dT10:00"))
    page.get_by_role("button", name="Convoca").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Seduta UVM n.")

    # Members picked among the operators: linked to their user, name and body from Integra.
    for label, profession in (
        ("Elena Blu (Medico, Componente UVM)", "Medico"),
        ("Rosa Neri (Assistente sociale)", "Assistente sociale"),
    ):
        page.get_by_text("Aggiungi un componente").click()
        page.get_by_label("Operatore", exact=True).select_option(label=label)
        page.get_by_label("Profilo").select_option(label=profession)
        page.get_by_role("button", name="Aggiungi", exact=True).click()
        expect(page.get_by_text("Componente aggiunto.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Rosa Neri")).to_contain_text(comune.name)
    assert_accessible(page)

    def fill_outcome() -> None:
        page.get_by_label("Autonomia nelle attività quotidiane (ICF d5–d6)").fill("Dipendente.")
        page.get_by_label("Classe di utenza").select_option("alto_carico_bassa_dinamicita")
        page.get_by_label("Intensità assistenziale").select_option("alta")
        page.get_by_label("Case manager proposto").select_option(label=f"Rosa Neri — {comune.name}")

    fill_outcome()
    page.get_by_role("button", name="Concludi la seduta").click()
    expect(page.locator("#riepilogo-errori")).to_contain_text(
        f"La seduta è programmata per il {tomorrow:%d/%m/%Y}: si conclude da quel giorno."
    )
    assert_accessible(page)

    # It met today: moved, with the reason; the earlier date stays in the history.
    page.locator("#sposta-seduta summary").click()
    earlier = timezone.localtime() - timedelta(hours=1)
    page.get_by_label("Nuova data e ora").fill(earlier.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Motivo dello spostamento").fill("Anticipata su richiesta della famiglia.")
    page.locator("#sposta-seduta").get_by_role("button", name="Sposta la seduta").click()
    expect(page.get_by_text("Seduta spostata")).to_be_visible()
    expect(page.locator("#spostamenti")).to_contain_text("Spostata 1 volta")
    fill_outcome()
    page.get_by_role("button", name="Concludi la seduta").click()
    expect(page.get_by_text("Seduta conclusa.")).to_be_visible()
    assert_accessible(page)

    # A second session for the same request: a warning first, then a confirmed reason.
    page.goto(f"/valutazioni/uvm/nuova/?richiesta={request.pk}")
    expect(page.locator("#seduta-ripetuta")).to_contain_text("c'è già una seduta UVM")
    page.get_by_label("Data e ora").fill(tomorrow.strftime("%Y-%m-%dT11:00"))
    page.get_by_role("button", name="Convoca").click()
    expect(page.locator("#riepilogo-errori")).to_contain_text("indica il motivo")
    assert_accessible(page)
    page.get_by_label("Motivo di una nuova seduta").fill("Peggioramento dopo una caduta.")
    page.get_by_role("button", name="Convoca").click()
    expect(page.get_by_text("Nuova seduta per la stessa richiesta")).to_be_visible()

    first, second = UvmSession.objects.order_by("pk")
    assert first.state == UvmState.CONCLUDED and len(first.reschedules) == 1
    assert {m.user.username for m in first.members.all() if m.user} >= {"uvm.omega"}
    assert first.proposed_case_manager.user.last_name == "Neri"
    assert second.repeat_reason == "Peggioramento dopo una caduta."
