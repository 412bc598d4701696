"""The Garante's dossier rules in the browser: oscuramento from the record's tab, the emergency
access from a search by code, the report of accesses, the auditor's lists. Every page is checked
with axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.models import ConcealmentDecision, DocumentKind, EmergencyAccess, PersonDocument
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory, PersonIdentifierFactory


def _world():
    comune = OrganizationFactory(name="Comune di Zeta", kind=OrganizationKind.MUNICIPALITY)
    asst = OrganizationFactory(name="ASST Eta", kind=OrganizationKind.HEALTH_AUTHORITY)
    social = MembershipFactory(
        user__username="as.zeta", organization=comune, roles=[Role.SOCIAL_WORKER]
    )
    MembershipFactory(user__username="medico.eta", organization=asst, roles=[Role.DOCTOR])
    MembershipFactory(user__username="auditor.zeta", organization=comune, roles=[Role.AUDITOR])
    person = PersonFactory(registered_by=comune, family_names="Galli", given_names="Rita")
    CareRelationshipFactory(person=person, organization=comune)
    code = PersonIdentifierFactory(person=person).value
    document = PersonDocument.objects.create(
        person=person, kind=DocumentKind.PASSPORT, number="YA5550001", uploaded_by=social
    )
    return person, code, document


def test_conceal_a_document_and_print_the_accesses(page: Page, transactional_db) -> None:
    person, _code, document = _world()
    login(page, "as.zeta", PASSWORD)
    page.goto(f"/persone/{person.pk}/")
    expect(page.locator("#dossier-notice")).to_contain_text("potrebbe non essere completo")
    assert_accessible(page)
    page.get_by_role("link", name="Oscuramenti").click()
    expect(page.get_by_role("heading", level=2, name="Oscuramenti")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Elemento").select_option(f"document:{document.pk}")
    page.get_by_label("Documentazione").fill("richiesta scritta, protocollo n. 9/2026")
    page.get_by_role("button", name="Registra la richiesta").click()
    expect(page.locator(".alert-success")).to_contain_text("Oscuramento registrato")
    expect(page.get_by_text("oscurato su richiesta della persona").first).to_be_visible()
    assert ConcealmentDecision.objects.count() == 1
    assert_accessible(page)

    page.goto(f"/persone/{person.pk}/")
    page.get_by_role("link", name="Registro degli accessi (per la persona)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registro degli accessi alla scheda")
    assert_accessible(page)


def test_emergency_access_from_a_search_by_code(page: Page, transactional_db) -> None:
    person, code, _document = _world()
    login(page, "medico.eta", PASSWORD)
    page.goto("/persone/")
    page.get_by_label("Codice o nome").fill(code)
    results = page.locator("#risultati")
    expect(results).to_contain_text("Nessuna persona corrisponde alla ricerca.")
    assert_accessible(page)
    results.get_by_role("link", name="Accesso di emergenza").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso di emergenza")
    assert_accessible(page)
    page.get_by_label("Motivo dell'accesso di emergenza").fill(
        "Ricoverata in pronto soccorso incosciente: servono i contatti dei familiari"
    )
    page.get_by_label("Durata").select_option("1")
    page.get_by_role("button", name="Apri la scheda in emergenza").click()
    expect(page.locator("#riepilogo-errori")).to_contain_text("Conferma di aver letto")
    assert_accessible(page)
    page.get_by_label("Motivo dell'accesso di emergenza").fill(
        "Ricoverata in pronto soccorso incosciente: servono i contatti dei familiari"
    )
    page.locator("label[for='id_confirm']").click()
    page.get_by_role("button", name="Apri la scheda in emergenza").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Galli Rita")
    expect(page.get_by_text("Accesso di emergenza attivo fino alle").first).to_be_visible()
    assert EmergencyAccess.objects.filter(person=person).count() == 1
    assert_accessible(page)


def test_the_auditor_lists(page: Page, transactional_db) -> None:
    _world()
    login(page, "auditor.zeta", PASSWORD)
    page.goto("/audit/accessi/")
    page.get_by_role("link", name="Accessi di emergenza").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessi di emergenza")
    assert_accessible(page)
    page.get_by_role("link", name="Accessi anomali").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessi anomali")
    assert_accessible(page)
