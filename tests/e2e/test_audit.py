"""The auditor's access log in the browser, with its filters."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.audit.services import access_log_record
from integra.core.access import Actor
from integra.core.permissions import Role
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ServiceFactory


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
