"""The service catalogue and the directory of organisations in the browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind, Service, ServiceArea
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ServiceFactory


def test_search_the_catalogue_and_open_a_service(page: Page, transactional_db) -> None:
    comune = OrganizationFactory(name="Comune di Zeta", kind=OrganizationKind.MUNICIPALITY)
    ServiceFactory(
        name="Servizio per l'inclusione sociale",
        area=ServiceArea.POVERTY_INCLUSION,
        provider=comune,
        phone="02 1234567",
        opening_hours="lunedì e giovedì 9-12",
    )
    ServiceFactory(name="Assistenza domiciliare anziani", area=ServiceArea.ELDERLY, provider=comune)
    MembershipFactory(user__username="as.catalogo", organization=comune, roles=[Role.SOCIAL_WORKER])

    login(page, "as.catalogo", PASSWORD)
    page.get_by_role("link", name="Servizi ed enti").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogo dei servizi")
    assert_accessible(page)

    page.get_by_label("Nome del servizio").fill("INCLUSIONE")
    page.get_by_role("button", name="Cerca").click()
    results = page.locator("#risultati")
    expect(results).to_contain_text("Servizio per l'inclusione sociale")
    expect(results).not_to_contain_text("Assistenza domiciliare")

    page.get_by_role("link", name="Servizio per l'inclusione sociale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Servizio per l'inclusione sociale")
    expect(page.get_by_text("lunedì e giovedì 9-12")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Comune di Zeta").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comune di Zeta")
    assert_accessible(page)


def test_catalogue_manager_adds_a_service_after_fixing_errors(page: Page, transactional_db) -> None:
    udp = OrganizationFactory(name="Ufficio di Piano Eta", kind=OrganizationKind.AMBITO)
    MembershipFactory(
        user__username="udp.catalogo", organization=udp, roles=[Role.PLANNING_COORDINATOR]
    )
    login(page, "udp.catalogo", PASSWORD)
    page.goto("/enti/servizi/")
    page.get_by_role("link", name="Nuovo servizio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuovo servizio")
    page.get_by_role("button", name="Salva").click()  # empty form: errors, nothing saved
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuovo servizio")
    assert Service.objects.count() == 0
    assert_accessible(page)

    page.get_by_label("Nome del servizio").fill("Sportello caregiver")
    page.get_by_label(re.compile(r"^Area")).select_option(ServiceArea.ELDERLY.value)
    page.get_by_role("button", name="Salva").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sportello caregiver")
    assert Service.objects.get().provider == udp
