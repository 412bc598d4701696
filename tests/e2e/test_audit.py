"""The auditor's access log in the browser, with its filters."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.audit.services import access_log_record
from integra.core.access import Actor
from integra.core.permissions import Role
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ServiceFactory
from tests.people.factories import PersonFactory, PersonIdentifierFactory


def test_auditor_sees_and_filters_accesses(page: Page, transactional_db) -> None:
    org = OrganizationFactory(name="ASST Audit")
    MembershipFactory(user__username="auditor.e2e", organization=org, roles=[Role.AUDITOR])
    worker = MembershipFactory(
        user__username="as.e2e", organization=org, roles=[Role.SOCIAL_WORKER]
    )
    actor = Actor.for_membership(worker.user, worker, client_ip="192.0.2.10")
    for service in ServiceFactory.create_batch(3, provider=org):
        access_log_record(actor=actor, subject=service, purpose="presa in carico")

    login(page, "auditor.e2e", PASSWORD)
    page.get_by_role("link", name="Registro accessi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registro degli accessi")
    expect(page.get_by_role("cell", name="192.0.2.10").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Utente", exact=True).fill("nessuno")
    page.get_by_role("button", name="Filtra").click()
    expect(page.get_by_role("cell", name="192.0.2.10")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Registro degli accessi")


def test_auditor_filters_by_person_and_reads_names_of_operators(
    page: Page, transactional_db
) -> None:
    org = OrganizationFactory(name="ASST Audit")
    MembershipFactory(user__username="auditor.persona", organization=org, roles=[Role.AUDITOR])
    worker = MembershipFactory(
        user__username="as.persona",
        user__first_name="Lucia",
        user__last_name="Ferri",
        organization=org,
        roles=[Role.SOCIAL_WORKER],
    )
    person = PersonFactory(registered_by=org)
    PersonIdentifierFactory(person=person, value="RSSMRA80A01H501U")
    other = PersonFactory(registered_by=org)
    actor = Actor.for_membership(worker.user, worker, client_ip="192.0.2.10")
    access_log_record(actor=actor, subject=person, purpose="presa in carico")
    access_log_record(actor=actor, subject=other, purpose="presa in carico")

    login(page, "auditor.persona", PASSWORD)
    page.goto("/audit/accessi/")
    page.get_by_label("Persona interessata").fill("RSSMRA80A01H501U")
    page.get_by_role("button", name="Filtra").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lucia Ferri")
    expect(rows.first).to_contain_text("as.persona")
    expect(rows.first).to_contain_text("Assistente sociale")
    expect(rows.first).to_contain_text(f"Persona n. {person.pk} (scheda limitata)")
    assert_accessible(page)
