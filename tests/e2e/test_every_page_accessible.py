"""axe-core on every page of the application: no serious or critical violation anywhere.

One operator whose membership holds every role that opens a page (so the sweep reaches every
screen), plus the pages other people see: 2FA enrolment, the 403 and the 404 pages.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from tests.accounts.helpers import confirmed_device, device_code
from tests.e2e.conftest import assert_accessible, login
from tests.factories import (
    PASSWORD,
    AmbitoFactory,
    DistrictFactory,
    HealthAuthorityFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganizationFactory,
    ServiceFactory,
)

EVERY_ROLE_WITH_A_PAGE = [
    Role.ORG_ADMIN,
    Role.AUDITOR,
    Role.PLANNING_COORDINATOR,
    Role.SOCIAL_WORKER,
]


def test_every_page_has_no_serious_accessibility_violation(page: Page, transactional_db) -> None:
    asst = HealthAuthorityFactory(name="ASST Iota")
    district = DistrictFactory(health_authority=asst)
    ambito = AmbitoFactory()
    MunicipalityFactory(name="Alfaborgo", district=district, ambito=ambito)
    org = OrganizationFactory(name="Comune di Iota")
    service = ServiceFactory(provider=org, name="Segretariato sociale")
    admin = MembershipFactory(
        user__username="tutto", organization=org, roles=list(EVERY_ROLE_WITH_A_PAGE)
    )
    colleague = MembershipFactory(organization=org, roles=[Role.NURSE])
    device = confirmed_device(admin.user)
    login(page, "tutto", PASSWORD)
    page.get_by_label("Codice di verifica").fill(device_code(device))
    page.get_by_role("button", name="Verifica").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrivania")

    pages = [
        "/",
        "/territorio/",
        f"/territorio/aziende/{asst.pk}/",
        "/territorio/comuni/?q=Alfa",
        "/enti/",
        f"/enti/{org.pk}/",
        "/enti/servizi/",
        f"/enti/servizi/{service.pk}/",
        "/enti/servizi/nuovo/",
        f"/enti/servizi/{service.pk}/modifica/",
        "/account/profile/",
        "/account/password/",
        "/account/operatori/",
        "/account/operatori/nuovo/",
        "/account/operatori/aggiungi/",
        f"/account/operatori/{colleague.pk}/",
        "/audit/accessi/",
        "/enti/servizi/999999/",  # the 404 page
    ]
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status in (200, 404), path
        assert_accessible(page)


def test_enrolment_and_forbidden_pages_are_accessible(page: Page, transactional_db) -> None:
    MembershipFactory(user__username="nuovo.admin", roles=[Role.ORG_ADMIN])
    login(page, "nuovo.admin", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Attiva la verifica in due passaggi")
    assert_accessible(page)
    page.get_by_role("button", name="Esci").first.click()

    MembershipFactory(user__username="solo.pua", roles=[Role.PUA_OPERATOR])
    login(page, "solo.pua", PASSWORD)
    for path in ["/audit/accessi/", "/account/operatori/nuovo/"]:
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Accesso non consentito")
        assert_accessible(page)
