"""The care plan in the browser: from a concluded UVM session the case manager opens the plan,
writes the strengths, a goal and an intervention with who pays, proposes it, records the
person's signature, activates it and starts its review (seed 002 rules 5 and 6, seed 003). Every
page is checked with axe-core."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from integra.assessments import uvm
from integra.careplans.models import CarePlan, PlanState
from integra.core.access import Actor
from integra.core.permissions import Role
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def _concluded_session(org_a, org_b):
    person = PersonFactory(registered_by=org_b, family_names="Verdi", given_names="Giulia")
    CareRelationshipFactory(person=person, organization=org_b)
    doctor = MembershipFactory(organization=org_b, roles=[Role.DOCTOR, Role.UVM_MEMBER])
    manager = MembershipFactory(
        user__username="cm.omega",
        user__first_name="Elena",
        user__last_name="Blu",
        organization=org_b,
        roles=[Role.CASE_MANAGER],
    )
    actor = Actor.for_membership(doctor.user, doctor)
    session = uvm.session_create(
        actor=actor,
        data={
            "person_id": person.pk,
            "scheduled_for": timezone.now() - timedelta(hours=2),
            "place": "CdC",
        },
    )
    for org, profession in ((org_b, "medico"), (org_a, "assistente_sociale")):
        uvm.member_add(
            actor=actor,
            session_id=session.pk,
            data={"organization_id": org.pk, "full_name": "Componente", "profession": profession},
        )
    return uvm.session_conclude(
        actor=actor,
        session_id=session.pk,
        data={
            "needs_summary": {"autonomia": "Dipendente nel bagno."},
            "user_class": "alto_carico_bassa_dinamicita",
            "care_intensity": "alta",
            "proposed_case_manager_id": manager.pk,
        },
    )


def _next(page: Page, name: str) -> None:
    page.locator("#azione-principale").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    assert_accessible(page)


def test_from_uvm_to_a_plan_under_review(page: Page, transactional_db, org_a, org_b) -> None:
    session = _concluded_session(org_a, org_b)
    ServiceFactory(provider=org_b, name="Assistenza domiciliare integrata")
    login(page, "cm.omega", PASSWORD)

    page.goto(f"/valutazioni/uvm/{session.pk}/")
    page.get_by_role("button", name="Apri il progetto individuale").click()
    expect(page.locator("#stato")).to_have_text("Bozza")
    assert_accessible(page)
    plan = CarePlan.objects.get(uvm_session=session)

    page.get_by_role("link", name="Modifica il progetto").click()
    assert_accessible(page)
    page.get_by_label("Risorse e capacità della persona").fill("Vuole restare a casa.")
    page.get_by_label("Impegni della persona e della famiglia").fill("La figlia la sera.")
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page.get_by_text("Progetto aggiornato.")).to_be_visible()

    page.get_by_role("link", name="Aggiungi un obiettivo").click()
    assert_accessible(page)
    page.get_by_label("Dimensione del bisogno").select_option("autonomia")
    page.get_by_label("Obiettivo").fill("Igiene personale in sicurezza")
    page.get_by_label("Indicatore").fill("Bagni assistiti alla settimana")
    page.get_by_label("Situazione di partenza").fill("0")
    page.get_by_label("Risultato atteso").fill("2")
    page.get_by_label("Entro il").fill((timezone.localdate() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Aggiungi l'obiettivo").click()
    expect(page.get_by_text("Obiettivo aggiunto.")).to_be_visible()

    page.get_by_role("link", name="Aggiungi un intervento").click()
    assert_accessible(page)
    page.get_by_label("Servizio del catalogo").select_option(
        label=f"Assistenza domiciliare integrata — {org_b.name}"
    )
    page.get_by_label("Frequenza").fill("due accessi a settimana")
    page.get_by_label("Costo mensile (€)").fill("600")
    page.get_by_label("A carico SSN (€)").fill("400")
    page.get_by_label("A carico del Comune (€)").fill("100")
    page.get_by_role("button", name="Aggiungi l'intervento").click()
    expect(page.locator("#riepilogo-errori")).to_contain_text("devono fare il costo mensile")
    assert_accessible(page)
    page.get_by_label("A carico del Comune (€)").fill("200")
    page.get_by_role("button", name="Aggiungi l'intervento").click()
    expect(page.locator("#totale-mese")).to_have_text(re.compile(r"600[,.]00"))
    assert_accessible(page)

    _next(page, "Proponi il progetto alla persona")
    page.get_by_role("button", name="Proponi e crea la versione").click()
    expect(page.locator("#stato")).to_have_text("Proposto alla persona")

    _next(page, "Registra la sottoscrizione")
    version = plan.versions.get()
    expect(page.locator("#impronta")).to_have_text(version.content_hash[:12])
    page.get_by_role("button", name="Registra la sottoscrizione").click()
    expect(page.locator("#stato")).to_have_text("Sottoscritto")

    _next(page, "Attiva il progetto")
    page.get_by_role("button", name="Attiva", exact=True).click()
    expect(page.locator("#stato")).to_have_text("Attivo")
    assert_accessible(page)

    _next(page, "Avvia la revisione")
    page.get_by_label("Motivo della revisione").fill("Verifica dopo un mese.")
    page.get_by_role("button", name="Avvia la revisione").click()
    expect(page.locator("#stato")).to_have_text("In revisione")
    plan.refresh_from_db()
    assert plan.state == PlanState.REVIEW

    for url in (
        f"/progetti/{plan.pk}/versioni/",
        f"/progetti/{plan.pk}/versioni/1/",
        f"/progetti/{plan.pk}/versioni/confronta/",
        f"/progetti/{plan.pk}/case-manager/",
        f"/progetti/{plan.pk}/equipe/nuovo/",
        f"/progetti/{plan.pk}/attivita/nuova/",
        f"/progetti/persone/{plan.person_id}/",
        "/progetti/casi/",
        "/progetti/attivita/",
    ):
        page.goto(url)
        assert_accessible(page)
