"""The loop between the PUA and the UVM: the PUA learns what the UVM decided, a second session
for a request is a confirmed choice, a session keeps time, members are operators where they
are, the case manager is offered from the team, consent is collected where the person is met.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integra.assessments import uvm
from integra.assessments.uvm_models import UvmState
from integra.core.access import NotFound
from integra.core.permissions import Role
from integra.intake import selectors, workflow
from integra.intake.consent import request_create_with_consent
from integra.intake.errors import WorkflowError
from integra.intake.models import IntakeRequest, IntakeState
from integra.notices.models import Notice
from integra.organizations.models import OrganizationKind
from integra.people.errors import PersonError
from integra.people.gate import person_ref
from integra.people.models import Consent, ConsentEvidence, ConsentPurpose, ConsentStatus
from tests.factories import OrganizationFactory
from tests.intake.factories import PuaPointFactory
from tests.people.factories import PersonFactory

NEEDS = {"autonomia": "Non autonoma nella vestizione.", "rete": "Vive sola."}
OUTCOME = {
    "needs_summary": NEEDS,
    "user_class": "alto_carico_bassa_dinamicita",
    "care_intensity": "alta",
}


@pytest.fixture
def world(db, make_actor):
    """A PUA of the ASST (the UVM is the ASST's), a Comune that joins the UVM, a third-sector
    cooperative; a person registered by the ASST without the sharing consent, with a request
    sent to the UVM."""
    asst = OrganizationFactory(name="ASST Est", kind=OrganizationKind.HEALTH_AUTHORITY)
    comune = OrganizationFactory(name="Comune di Borgo", kind=OrganizationKind.MUNICIPALITY)
    coop = OrganizationFactory(name="Cooperativa Sole", kind=OrganizationKind.THIRD_SECTOR)
    pua = PuaPointFactory(organization=asst, name="PUA Est", uvm_organization=asst)
    person = PersonFactory(registered_by=asst, family_names="Neri", given_names="Lina")
    actors = {
        "op": make_actor(asst, Role.PUA_OPERATOR),
        "doctor": make_actor(asst, Role.DOCTOR, Role.UVM_MEMBER),
        "social": make_actor(comune, Role.SOCIAL_WORKER),
        "coop": make_actor(coop, Role.SOCIAL_WORKER),
        "case_manager": make_actor(comune, Role.CASE_MANAGER),
        "nurse": make_actor(asst, Role.NURSE),
    }
    return {"asst": asst, "comune": comune, "coop": coop, "pua": pua, "person": person, **actors}


def _request_to_uvm(world, *, consent=None):
    request = request_create_with_consent(
        actor=world["op"],
        data={
            "person_id": world["person"].pk,
            "pua_id": world["pua"].pk,
            "channel": "sportello",
            "requester_kind": "persona",
            "need_areas": ["anziani"],
            "urgency": "ordinaria",
            "description": "Non riesce più a uscire di casa.",
        },
        consent=consent,
    )
    workflow.transition(world["op"], request, IntakeState.PRE_ASSESSMENT, "")
    workflow.transition(world["op"], request, IntakeState.SENT_TO_UVM, "", need="complex")
    request.refresh_from_db()
    return request


def _session(world, request, when=None, **extra):
    return uvm.session_create(
        actor=world["doctor"],
        data={
            "person_id": world["person"].pk,
            "intake_request_id": request.pk,
            "scheduled_for": when or timezone.now() - timedelta(hours=1),
            **extra,
        },
    )


def _team(world, session):
    for key, profession in (("doctor", "medico"), ("social", "assistente_sociale")):
        membership = world[key].membership
        uvm.member_add(
            actor=world["doctor"],
            session_id=session.pk,
            data={
                "organization_id": membership.organization_id,
                "membership_id": membership.pk,
                "profession": profession,
            },
        )


PRESENCE = {
    "status": ConsentStatus.GIVEN,
    "decided_on": None,  # filled with today
    "evidence_note": "Presente allo sportello, ha acconsentito a voce davanti a me.",
    "evidence_kind": ConsentEvidence.PRESENCE_DECLARATION,
}


def _presence():
    return {**PRESENCE, "decided_on": timezone.localdate()}


# --- 2. the PUA learns what the UVM decided ------------------------------------------------------


def test_the_concluded_session_reaches_the_request(world):
    request = _request_to_uvm(world)
    assert request.due_on == request.uvm_due
    assert list(selectors.requests_awaiting_uvm(actor=world["op"])) == [request]
    session = _session(world, request)
    # Convened: no longer waiting to be convened.
    assert list(selectors.requests_awaiting_uvm(actor=world["op"])) == []
    assert workflow.next_move(request) is None  # waiting for the UVM
    _team(world, session)
    uvm.session_conclude(actor=world["doctor"], session_id=session.pk, data=OUTCOME)
    request.refresh_from_db()
    assert request.state == IntakeState.SENT_TO_UVM
    assert request.due_on is None  # the UVM deadline is met
    detail = selectors.request_detail(actor=world["op"], request_id=request.pk)
    (shown,) = detail.uvm_sessions_shown
    assert (shown.pk, shown.state, shown.user_class.code, shown.care_intensity) == (
        session.pk,
        UvmState.CONCLUDED,
        "alto_carico_bassa_dinamicita",
        "alta",
    )
    move = workflow.next_move(detail)
    assert move is not None and move.target == IntakeState.CLOSED
    # With the outcome known, closing is the obvious step: no reason needed.
    workflow.transition(world["op"], request, IntakeState.CLOSED, "")
    request.refresh_from_db()
    assert request.state == IntakeState.CLOSED


def test_closing_before_the_uvm_concluded_needs_a_reason(world):
    request = _request_to_uvm(world)
    with pytest.raises(WorkflowError) as exc:
        workflow.transition(world["op"], request, IntakeState.CLOSED, "")
    assert "L'UVM non ha ancora concluso" in exc.value.errors["reason"][0]
    workflow.transition(world["op"], request, IntakeState.CLOSED, "La persona ha rinunciato.")


def test_forwarding_still_needs_a_reason(world):
    _request_to_uvm(world)  # received → pre-assessment → UVM with no reason at all
    other = PuaPointFactory(organization=world["comune"])
    fresh = request_create_with_consent(
        actor=world["op"],
        data={
            "person_id": world["person"].pk,
            "pua_id": world["pua"].pk,
            "channel": "sportello",
            "requester_kind": "persona",
            "need_areas": ["anziani"],
            "urgency": "ordinaria",
            "description": "Altro.",
        },
        consent=None,
    )
    with pytest.raises(WorkflowError) as exc:
        workflow.transition(
            world["op"], fresh, IntakeState.FORWARDED, "", forwarded_to_id=other.organization_id
        )
    assert set(exc.value.errors) == {"reason"}


def test_a_second_session_for_a_request_needs_a_confirmed_reason(world):
    request = _request_to_uvm(world)
    first = _session(world, request)
    with pytest.raises(uvm.UvmError) as exc:
        _session(world, request)
    assert exc.value.code == uvm.UvmErrorCode.REPEAT
    (message,) = exc.value.errors["repeat_reason"]
    assert f"n. {first.pk} del " in message and "programmata" in message
    assert uvm.UvmSession.objects.filter(intake_request=request).count() == 1
    second = _session(world, request, repeat_reason="Peggioramento dopo una caduta.")
    assert second.repeat_reason == "Peggioramento dopo una caduta."
    # A cancelled session does not count: the request is free again.
    uvm.session_cancel(actor=world["doctor"], session_id=first.pk, reason="Doppione")
    uvm.session_cancel(actor=world["doctor"], session_id=second.pk, reason="Rinviata")
    assert list(selectors.requests_awaiting_uvm(actor=world["op"])) == [request]
    assert _session(world, request).repeat_reason == ""


# --- 3. sessions keep time; members and case managers are operators ------------------------------


def test_a_session_is_not_concluded_before_its_day(world):
    request = _request_to_uvm(world)
    later = timezone.localtime() + timedelta(days=5)
    session = _session(world, request, when=later)
    _team(world, session)
    with pytest.raises(uvm.UvmError) as exc:
        uvm.session_conclude(actor=world["doctor"], session_id=session.pk, data=OUTCOME)
    assert exc.value.code == uvm.UvmErrorCode.TOO_EARLY
    assert exc.value.errors["scheduled_for"] == [
        f"La seduta è programmata per il {later:%d/%m/%Y}: si conclude da quel giorno. Se si è "
        "tenuta prima, sposta la data della seduta indicando il motivo."
    ]
    session.refresh_from_db()
    assert session.state == UvmState.SCHEDULED
    # It met earlier than planned: moved, with the reason, then concluded.
    with pytest.raises(uvm.UvmError) as exc:
        uvm.session_reschedule(
            expected_version=None,
            actor=world["doctor"],
            session_id=session.pk,
            scheduled_for=later,
            reason="",
        )
    assert exc.value.errors == {"reason": ["Indica il motivo dello spostamento."]}
    earlier = timezone.localtime().replace(microsecond=0) - timedelta(hours=2)
    uvm.session_reschedule(
        expected_version=None,
        actor=world["doctor"],
        session_id=session.pk,
        scheduled_for=earlier,
        reason="Anticipata: la figlia parte il 10.",
    )
    session.refresh_from_db()
    assert session.scheduled_for == earlier
    (moved,) = session.reschedules
    assert datetime.fromisoformat(moved["from"]) == later
    assert datetime.fromisoformat(moved["to"]) == earlier
    assert moved["reason"] == "Anticipata: la figlia parte il 10."
    uvm.session_conclude(actor=world["doctor"], session_id=session.pk, data=OUTCOME)


def test_members_are_linked_to_operators_and_case_managers_come_from_the_team(world):
    request = _request_to_uvm(world)
    session = _session(world, request)
    candidates = set(uvm.member_candidates(actor=world["doctor"]))
    for key in ("doctor", "social", "coop", "case_manager", "nurse"):
        assert world[key].membership in candidates, key
    assert world["op"].membership not in candidates  # a PUA operator does not assess
    # Before a Comune member joins, the ASST has no one who manages cases.
    assert list(uvm.case_manager_candidates(actor=world["doctor"], session=session)) == []
    _team(world, session)
    members = {m.user_id: m for m in session.members.all()}
    social = members[world["social"].user.pk]
    assert social.full_name == (
        world["social"].user.get_full_name() or world["social"].user.get_username()
    )
    assert social.organization_id == world["comune"].pk
    session.refresh_from_db()
    offered = set(uvm.case_manager_candidates(actor=world["doctor"], session=session))
    # CASE_MANAGE is granted to the case manager and the social worker (core/permissions.py).
    assert offered == {world["social"].membership, world["case_manager"].membership}
    uvm.outcome_update(
        expected_version=None,
        actor=world["doctor"],
        session_id=session.pk,
        data={"proposed_case_manager_id": world["case_manager"].membership.pk},
    )
    with pytest.raises(uvm.UvmError):
        uvm.outcome_update(
            expected_version=None,
            actor=world["doctor"],
            session_id=session.pk,
            data={"proposed_case_manager_id": world["nurse"].membership.pk},
        )


# --- 1. lists agree with pages -------------------------------------------------------------------


def test_every_listed_session_opens_and_links_only_to_what_opens(world):
    request = _request_to_uvm(world, consent=_presence())
    session = _session(world, request)
    _team(world, session)
    uvm.member_add(
        actor=world["doctor"],
        session_id=session.pk,
        data={
            "organization_id": world["coop"].organization_id,
            "full_name": "Dott. Esterno",
            "profession": "educatore",
        },
    )
    for key in ("op", "doctor", "social", "coop", "case_manager", "nurse"):
        actor = world[key]
        listed = list(uvm.session_list(actor=actor))
        for row in listed:
            view = uvm.session_get(actor=actor, session_id=row.pk)
            opens = view.session.intake_request_open
            try:
                selectors.request_detail(actor=actor, request_id=request.pk)
            except NotFound:
                assert not opens, key
            else:
                assert opens, key
    # The Comune's social worker is in the team but the request is the ASST's PUA's.
    social_view = uvm.session_get(actor=world["social"], session_id=session.pk)
    assert social_view.session.intake_request_open is False


# --- 4. consent where it is collected ------------------------------------------------------------


def test_consent_at_intake_opens_the_record_to_the_comune_at_the_joint_uvm(world):
    request = _request_to_uvm(world, consent=_presence())
    consent = Consent.objects.get(person=world["person"])
    assert (consent.purpose, consent.status, consent.evidence_kind) == (
        ConsentPurpose.SHARING,
        ConsentStatus.GIVEN,
        ConsentEvidence.PRESENCE_DECLARATION,
    )
    assert consent.recorded_by_organization_id == world["asst"].pk
    session = _session(world, request)
    _team(world, session)
    # The Comune's social worker, member of the joint UVM, reads the full record.
    ref = person_ref(world["social"], world["person"].pk)
    assert ref.limited is False and ref.full_name == "Neri Lina"
    assert uvm.session_get(actor=world["social"], session_id=session.pk).person.limited is False


def test_without_consent_the_comune_member_does_not_read_the_record(world):
    request = _request_to_uvm(world)
    session = _session(world, request)
    _team(world, session)
    assert person_ref(world["social"], world["person"].pk).limited is True
    with pytest.raises(NotFound):
        uvm.session_get(actor=world["social"], session_id=session.pk)
    assert list(uvm.session_list(actor=world["social"])) == []


def test_a_refused_consent_leaves_no_request_behind(world):
    bad = {**_presence(), "evidence_note": ""}
    with pytest.raises(PersonError):
        _request_to_uvm(world, consent=bad)
    assert IntakeRequest.objects.count() == 0


def test_consent_recorded_for_a_person_of_another_body_notifies_it(world, make_actor):
    comune_person = PersonFactory(registered_by=world["comune"], family_names="Gialli")
    before = Notice.objects.filter(organization=world["comune"]).count()
    request_create_with_consent(
        actor=world["op"],
        data={
            "person_id": comune_person.pk,
            "pua_id": world["pua"].pk,
            "channel": "sportello",
            "requester_kind": "persona",
            "need_areas": ["anziani"],
            "urgency": "ordinaria",
            "description": "Aiuto a domicilio.",
        },
        consent=_presence(),
    )
    assert Notice.objects.filter(organization=world["comune"]).count() == before + 1


def test_a_session_time_with_an_offset_postgresql_refuses_is_stored_in_utc() -> None:
    # Python accepts offsets up to 24 h, PostgreSQL up to 15:59: the service converts to UTC.
    from datetime import UTC
    from datetime import timezone as fixed_offset

    from integra.assessments.uvm import _session_time

    errors: dict[str, list[str]] = {}
    odd = datetime(2027, 7, 7, 16, 10, tzinfo=fixed_offset(-timedelta(hours=20, minutes=27)))
    stored = _session_time(odd, errors, "missing")
    assert errors == {}
    assert stored == odd and stored.utcoffset() == timedelta(0)
    assert (stored.day, stored.hour, stored.minute) == (8, 12, 37)  # 16:10 + 20:27
    _session_time(datetime(9129, 7, 7, tzinfo=UTC), errors, "missing")
    assert errors["scheduled_for"] == ["La data della seduta deve cadere tra il 2000 e il 2100."]


def test_the_request_page_drops_the_uvm_deadline_once_the_uvm_concluded(world, client):
    """Tried as a new user would: after the UVM's conclusion the page still said "Valutazione
    UVM entro il …" — a deadline already met — and the inbox row did not tell the request
    apart from one still awaiting the UVM. The deadline is shown only while the UVM is
    awaited; the row then says the request is to be closed with the outcome."""
    request = _request_to_uvm(world)
    client.force_login(world["op"].user)
    session_store = client.session
    session_store["integra_membership_id"] = world["op"].membership.pk
    session_store.save()
    page = reverse("intake:request_detail", args=[request.pk])
    inbox = reverse("intake:inbox")
    done = "UVM conclusa: da chiudere con l'esito"
    assert "Valutazione UVM entro il" in client.get(page).content.decode()
    assert done not in client.get(inbox).content.decode()
    session = _session(world, request)
    _team(world, session)
    uvm.session_conclude(actor=world["doctor"], session_id=session.pk, data=OUTCOME)
    html = client.get(page).content.decode()
    assert "Valutazione UVM entro il" not in html
    assert "Conclusa" in html or "conclusa" in html
    # The inbox row says so too: the request is still "Inviata all'UVM", to be closed.
    listed = client.get(inbox).content.decode()
    assert done in listed, listed[listed.find("<tbody>") : listed.find("</tbody>")]
