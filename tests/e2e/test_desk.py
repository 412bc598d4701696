"""The desk in the browser, for three roles, on a phone (390 px) and checked with axe: the PUA
operator's deadlines, the UVM member's sessions, a social worker's requests received from a PUA.
Each count leads to the list it counts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from integra.assessments.uvm_models import Profession, UvmMember, UvmSession
from integra.core.permissions import Role
from integra.intake.calendar import is_working_day
from integra.intake.models import IntakeState
from tests.e2e.conftest import assert_accessible, login
from tests.e2e.intake_steps import omega_pua
from tests.factories import PASSWORD, MembershipFactory
from tests.intake.factories import IntakeRequestFactory
from tests.people.factories import CareRelationshipFactory

PHONE = {"width": 390, "height": 844}


def _fits(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the desk is {width[0]} px wide on a {width[1]} px screen"


def _previous_working_day(pua):
    day = timezone.localdate() - timedelta(days=1)
    while not is_working_day(day, province=pua.holiday_province, closures=pua.closure_days):
        day -= timedelta(days=1)
    return day


def test_the_desk_of_three_roles(page: Page, transactional_db) -> None:
    pua, person = omega_pua()
    asst = pua.uvm_organization
    today = timezone.localdate()
    for due in (_previous_working_day(pua), today):
        IntakeRequestFactory(pua=pua, person=person, due_on=due)
    IntakeRequestFactory(
        pua=pua,
        person=person,
        state=IntakeState.SENT_TO_UVM,
        uvm_due=today + timedelta(days=30),
        due_on=today + timedelta(days=30),
        sent_to_organization=asst,
    )
    CareRelationshipFactory(person=person, organization=asst)
    member = MembershipFactory(
        user__username="uvm.omega", organization=asst, roles=[Role.UVM_MEMBER]
    )
    MembershipFactory(user__username="as.omega", organization=asst, roles=[Role.SOCIAL_WORKER])
    for days in (-1, 2):
        session = UvmSession.objects.create(
            person=person,
            organization=asst,
            scheduled_for=timezone.make_aware(
                datetime.combine(today + timedelta(days=days), time(10))
            ),
            created_by=member.user,
        )
        UvmMember.objects.create(
            session=session,
            organization=asst,
            user=member.user,
            full_name="Luca Neri",
            profession=Profession.DOCTOR,
        )
    page.set_viewport_size(PHONE)

    # The PUA operator: the overdue request and the one due today.
    login(page, "pua.omega", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrivania")
    panel = page.get_by_role("region", name="Richieste al PUA")
    expect(panel.get_by_role("link", name="Scadute")).to_be_visible()
    expect(panel.get_by_text("Verdi Giulia").first).to_be_visible()
    _fits(page)
    assert_accessible(page)
    panel.get_by_role("link", name="Scadute").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 richiesta")
    page.get_by_role("button", name="Esci").click()

    # The UVM member: the session held yesterday (outcome to write) and the next one.
    login(page, "uvm.omega", PASSWORD)
    panel = page.get_by_role("region", name="Le mie sedute UVM")
    expect(panel.get_by_text("Tenuta: esito da scrivere")).to_be_visible()
    _fits(page)
    assert_accessible(page)
    panel.get_by_role("link", name="Programmate da oggi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sedute UVM")
    sessions = page.get_by_role("table", name="Sedute UVM visibili al tuo ente")
    expect(sessions.locator("tbody tr")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("button", name="Esci").click()

    # A social worker of the ASST: the request the PUA sent to the UVM at her organisation.
    login(page, "as.omega", PASSWORD)
    panel = page.get_by_role("region", name="Richieste inviate al tuo ente da un PUA")
    expect(panel.get_by_text("Verdi Giulia")).to_be_visible()
    _fits(page)
    assert_accessible(page)
