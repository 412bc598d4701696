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


def test_every_care_page_has_no_serious_accessibility_violation(
    page: Page, transactional_db
) -> None:
    """The registry, the PUA, the assessments, the UVM and the measures, seen by one operator of
    an Ambito holding every care role (none of them asks for the second factor)."""
    from datetime import date

    from django.utils import timezone

    from integra.assessments import uvm
    from integra.assessments.services import record_assessment
    from integra.core.access import Actor
    from integra.organizations.models import OrganizationKind
    from integra.people.merging import person_merge
    from integra.programs.models import MeasureRuleSet
    from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
    from tests.people.factories import CareRelationshipFactory, PersonFactory

    org = OrganizationFactory(name="Ufficio di Piano Kappa", kind=OrganizationKind.AMBITO)
    operator = MembershipFactory(
        user__username="cura",
        organization=org,
        roles=[Role.PUA_OPERATOR, Role.DOCTOR, Role.UVM_MEMBER, Role.SOCIAL_WORKER],
    )
    actor = Actor.for_membership(operator.user, operator)
    person = PersonFactory(family_names="Rossi", given_names="Anna", registered_by=org)
    CareRelationshipFactory(person=person, organization=org)
    twin = PersonFactory(family_names="Rossi", given_names="Anna Maria", registered_by=org)
    merged = PersonFactory(family_names="Rosi", given_names="Anna", registered_by=org)
    merge = person_merge(
        actor=actor,
        survivor_id=person.pk,
        merged_id=merged.pk,
        reason="Stessa persona, registrata due volte",
        keep={},
    )
    request = IntakeRequestFactory(pua=PuaPointFactory(organization=org), person=person)
    assessment = record_assessment(
        actor,
        person,
        "gcs",
        {"eyes": "to_speech", "verbal": "confused", "motor": "localises"},
        None,
        date(2026, 11, 2),
    )
    session = uvm.session_create(
        actor=actor, data={"person_id": person.pk, "scheduled_for": timezone.now(), "place": ""}
    )
    rule_set = MeasureRuleSet.objects.order_by("pk").first()
    assert rule_set is not None
    login(page, "cura", PASSWORD)

    pages = [
        "/persone/",
        "/persone/?q=rossi",
        "/persone/nuova/",
        f"/persone/{person.pk}/",
        f"/persone/{person.pk}/modifica/",
        f"/persone/{person.pk}/documenti/",
        f"/persone/{person.pk}/nucleo/",
        f"/persone/{person.pk}/isee/",
        f"/persone/{person.pk}/consensi/",
        f"/persone/{person.pk}/storico/",
        "/persone/permessi-in-scadenza/",
        f"/persone/{person.pk}/unisci/?con={twin.pk}",
        "/persone/unioni/",
        f"/persone/unioni/{merge.pk}/",
        "/pua/",
        "/pua/richieste/nuova/",
        f"/pua/richieste/{request.pk}/",
        f"/pua/richieste/{request.pk}/pre-valutazione/",
        "/valutazioni/",
        "/valutazioni/strumenti/katz/",
        f"/valutazioni/persone/{person.pk}/",
        f"/valutazioni/persone/{person.pk}/nuova/spmsq/",
        f"/valutazioni/{assessment.pk}/",
        "/valutazioni/uvm/",
        "/valutazioni/uvm/nuova/",
        f"/valutazioni/uvm/{session.pk}/",
        "/misure/",
        f"/misure/regole/{rule_set.pk}/",
        f"/misure/persone/{person.pk}/",
        f"/misure/persone/{person.pk}/evidenze/nuova/",
    ]
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert_accessible(page)
