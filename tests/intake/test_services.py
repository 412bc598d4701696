"""Competence by residence (else domicile), deadlines with the PUA's own settings, access of
the receiving organisation, triage only before the outcome."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from integra.core.access import scoped
from integra.core.permissions import Role
from integra.intake.competence import competent_pua_for_municipality, competent_pua_for_person
from integra.intake.errors import IntakeError, IntakeErrorCode
from integra.intake.models import DayKind, IntakeRequest, IntakeState
from integra.intake.services import request_create, triage_record
from integra.intake.workflow import transition
from tests.factories import AmbitoFactory, MunicipalityFactory, OrganizationFactory, ServiceFactory
from tests.intake.factories import PuaPointFactory
from tests.people.factories import PersonFactory

ROME = ZoneInfo("Europe/Rome")
S = IntakeState
SIMPLE = {
    "health_need": "none",
    "social_need": "simple",
    "autonomy": "autonomous",
    "support_network": "adequate",
    "urgency": "none",
}


def _data(person, **extra):
    return {
        "person_id": person.pk,
        "channel": "sportello",
        "requester_kind": "persona",
        "need_areas": ["poverta"],
        "description": "Sfratto.",
        **extra,
    }


def test_competence_municipality_wins_over_ambito(db) -> None:
    ambito = AmbitoFactory()
    town = MunicipalityFactory(ambito=ambito)
    other_town = MunicipalityFactory(ambito=ambito)
    by_ambito = PuaPointFactory()
    by_ambito.ambiti.add(ambito)
    by_town = PuaPointFactory()
    by_town.municipalities.add(town)
    assert competent_pua_for_municipality(town) == by_town
    assert competent_pua_for_municipality(other_town) == by_ambito
    assert competent_pua_for_municipality(MunicipalityFactory()) is None
    inactive = PuaPointFactory(is_active=False)
    lonely = MunicipalityFactory()
    inactive.municipalities.add(lonely)
    assert competent_pua_for_municipality(lonely) is None


def test_competence_residence_first_then_domicile(db) -> None:
    home, stay = MunicipalityFactory(), MunicipalityFactory()
    pua_home, pua_stay = PuaPointFactory(), PuaPointFactory()
    pua_home.municipalities.add(home)
    pua_stay.municipalities.add(stay)
    assert (
        competent_pua_for_person(
            PersonFactory(residence_municipality=home, domicile_municipality=stay)
        )
        == pua_home
    )
    # No residence (e.g. a homeless person): the domicile decides.
    assert competent_pua_for_person(PersonFactory(domicile_municipality=stay)) == pua_stay
    assert competent_pua_for_person(PersonFactory()) is None


def test_request_outside_the_territory_is_received_and_flagged(pua_setting) -> None:
    far = MunicipalityFactory()
    other_pua = PuaPointFactory(name="PUA Lontano")
    other_pua.municipalities.add(far)
    stranger = PersonFactory(residence_municipality=far)
    request = request_create(actor=pua_setting.operator, data=_data(stranger))
    assert request.pua == pua_setting.pua
    assert request.competent_pua == other_pua


def test_deadline_uses_the_pua_province_and_closures(pua_setting) -> None:
    pua = pua_setting.pua
    pua.holiday_province = "MI"
    pua.closure_days = [date(2023, 12, 11)]
    pua.save()
    # Wed 06/12/2023 + 3 working days in Milan, office closed Mon 11: [Thu 7 Sant'Ambrogio,
    # Fri 8 Immacolata, weekend, Mon 11 closed], Tue 12, Wed 13, Thu 14.
    request = request_create(
        actor=pua_setting.operator,
        data=_data(pua_setting.person, received_at=datetime(2023, 12, 6, 9, 0, tzinfo=ROME)),
    )
    assert request.pre_assessment_due == date(2023, 12, 14)


def test_uvm_deadline_in_working_days(pua_setting, monkeypatch) -> None:
    from django.utils import timezone

    pua = pua_setting.pua
    pua.uvm_day_kind = DayKind.WORKING
    pua.uvm_days = 5
    pua.save()
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting.person))
    transition(pua_setting.operator, request, S.PRE_ASSESSMENT, "x")
    # Wed 23/12/2026 + 5 working days: Thu 24, [Fri 25, weekend], Mon 28, Tue 29, Wed 30, Thu 31.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 23))
    request = transition(pua_setting.operator, request, S.SENT_TO_UVM, "x", need="complex")
    assert request.uvm_due == date(2026, 12, 31)


def test_received_in_the_future_is_refused(pua_setting) -> None:
    with pytest.raises(IntakeError) as exc:
        request_create(
            actor=pua_setting.operator,
            data=_data(pua_setting.person, received_at=datetime(2999, 1, 1, tzinfo=ROME)),
        )
    assert "received_at" in exc.value.errors


def test_an_organisation_without_a_pua_cannot_receive(db, make_actor) -> None:
    actor = make_actor(OrganizationFactory(), Role.PUA_OPERATOR)
    with pytest.raises(IntakeError) as exc:
        request_create(actor=actor, data=_data(PersonFactory()))
    assert exc.value.code == IntakeErrorCode.NO_COMPETENT_PUA


def test_the_receiving_organisation_sees_the_request_and_the_person(pua_setting, make_actor):
    provider = OrganizationFactory(name="Consultorio")
    service = ServiceFactory(provider=provider)
    worker = make_actor(provider, Role.SOCIAL_WORKER)
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting.person))
    assert not scoped(worker, IntakeRequest).exists()
    transition(pua_setting.operator, request, S.PRE_ASSESSMENT, "x")
    transition(
        pua_setting.operator, request, S.SENT_TO_SERVICE, "x", need="simple", service_id=service.pk
    )
    assert list(scoped(worker, IntakeRequest)) == [request]
    from integra.people.access import known_persons
    from integra.people.models import Person

    # The provider now has the person in charge: it knows of them; it reads the record only
    # with the person's sharing consent (or if it registered them).
    assert known_persons(worker, Person.objects.filter(pk=pua_setting.person.pk)).exists()


def test_triage_keeps_result_and_is_closed_after_the_outcome(pua_setting) -> None:
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting.person))
    request = triage_record(
        expected_version=None, actor=pua_setting.operator, request_id=request.pk, answers=SIMPLE
    )
    assert request.state == S.PRE_ASSESSMENT
    assert request.triage_instrument == "pua_triage"
    assert request.triage_result["total"] == 1
    assert request.triage_suggestion == {
        "need": "simple",
        "route": "information",
        "label": "Informare e orientare",
    }
    # Re-scoring during the pre-assessment replaces it (one transition only).
    triage_record(
        expected_version=None, actor=pua_setting.operator, request_id=request.pk, answers=SIMPLE
    )
    assert request.transitions.filter(to_state=S.PRE_ASSESSMENT).count() == 1
    # The operator decides otherwise: the suggestion stays beside the decision.
    request = transition(
        pua_setting.operator, request, S.SENT_TO_UVM, "Rete fragile", need="complex"
    )
    request.refresh_from_db()
    assert request.decision_need == "complex"
    assert request.triage_suggestion["need"] == "simple"
    decided = request.transitions.get(to_state=S.SENT_TO_UVM)
    assert decided.data["need"] == "complex"
    assert decided.data["suggested"]["need"] == "simple"
    with pytest.raises(IntakeError) as exc:
        triage_record(
            expected_version=None, actor=pua_setting.operator, request_id=request.pk, answers=SIMPLE
        )
    assert exc.value.code == IntakeErrorCode.TRIAGE_INVALID


def test_received_box_lists_what_was_sent_to_the_organisation(pua_setting, make_actor) -> None:
    from integra.intake.selectors import Box, InboxFilters, request_inbox, requests_awaiting_uvm

    request = request_create(actor=pua_setting.operator, data=_data(pua_setting.person))
    transition(pua_setting.operator, request, S.PRE_ASSESSMENT, "x")
    transition(pua_setting.operator, request, S.SENT_TO_UVM, "x", need="complex")
    uvm_nurse = make_actor(pua_setting.asst, Role.NURSE)
    assert list(request_inbox(actor=uvm_nurse)) == [request]  # no PUA of its own: received
    assert list(requests_awaiting_uvm(actor=uvm_nurse)) == [request]
    # The ASST's PUA operators see it at the PUA they run jointly, and as received.
    asst = pua_setting.asst_operator
    assert list(request_inbox(actor=asst)) == [request]
    assert list(request_inbox(actor=asst, filters=InboxFilters(box=Box.RECEIVED))) == [request]
    assert list(request_inbox(actor=pua_setting.outsider)) == []
