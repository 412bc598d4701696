"""The state machine of a PUA request: every legal move, illegal moves refused with a clear
message, required data, who/when/why recorded, nothing written on refusal."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integra.core.access import NotFound
from integra.intake.errors import IntakeErrorCode, WorkflowError
from integra.intake.models import IntakeRequest, IntakeState, IntakeTransition, NeedLevel
from integra.intake.services import request_create
from integra.intake.workflow import MOVES, allowed_moves, transition
from integra.people.models import CareRelationship
from tests.factories import OrganizationFactory, ServiceFactory

S = IntakeState
ROME = ZoneInfo("Europe/Rome")


def _create(setting, **extra) -> IntakeRequest:
    data = {
        "person_id": setting.person.pk,
        "channel": "telefono",
        "requester_kind": "familiare",
        "requester_name": "Luca Bianchi",
        "need_areas": ["anziani", "caregiver"],
        "urgency": "ordinaria",
        "description": "La madre non esce più di casa.",
        **extra,
    }
    return request_create(actor=setting.operator, data=data)


def _walk(setting, request, steps):
    for step in steps:
        extra = {"need": "complex"} if step == S.SENT_TO_UVM else {}
        request = transition(setting.operator, request, step, "passo", **extra)
    return request


def _to_pre_assessment(setting, request):
    return transition(setting.operator, request, S.PRE_ASSESSMENT, "Colloquio fissato")


def test_every_state_is_reachable_and_closed_is_final() -> None:
    targets = {target for (_source, target) in MOVES}
    assert targets == set(S) - {S.RECEIVED}
    assert allowed_moves(S.CLOSED) == []


def test_create_computes_the_deadline_and_records_the_first_step(pua_setting) -> None:
    # Fri 20/11/2026 10:00 + 3 working days (default ordinaria): Mon 23, Tue 24, Wed 25.
    received = datetime(2026, 11, 20, 10, 0, tzinfo=ROME)
    request = _create(pua_setting, received_at=received)
    assert request.state == S.RECEIVED
    assert request.pua == pua_setting.pua
    assert request.competent_pua == pua_setting.pua
    assert request.pre_assessment_due == date(2026, 11, 25)
    assert request.due_on == date(2026, 11, 25)
    step = request.transitions.get()
    assert (step.from_state, step.to_state) == ("", S.RECEIVED)


def test_urgent_requests_have_a_shorter_deadline(pua_setting) -> None:
    # Fri 20/11/2026 + 1 working day (urgente, default 1): Mon 23.
    received = datetime(2026, 11, 20, 10, 0, tzinfo=ROME)
    request = _create(pua_setting, received_at=received, urgency="urgente")
    assert request.pre_assessment_due == date(2026, 11, 23)


def test_received_to_pre_assessment_to_uvm_to_closed(pua_setting) -> None:
    request = _create(pua_setting)
    request = _to_pre_assessment(pua_setting, request)
    assert request.state == S.PRE_ASSESSMENT
    request = transition(
        pua_setting.asst_operator, request, S.SENT_TO_UVM, "Bisogno complesso", need="complex"
    )
    assert request.state == S.SENT_TO_UVM
    assert request.outcome == S.SENT_TO_UVM
    assert request.decision_need == NeedLevel.COMPLEX
    assert request.uvm_due is not None and request.due_on == request.uvm_due
    # The UVM's organisation takes the person in charge, so it may open the record.
    assert CareRelationship.objects.filter(
        person=pua_setting.person, organization=pua_setting.asst
    ).exists()
    request = transition(pua_setting.operator, request, S.CLOSED, "Valutazione fissata")
    assert request.state == S.CLOSED
    assert request.closed_at is not None and request.due_on is None
    assert request.outcome == S.SENT_TO_UVM
    steps = list(request.transitions.order_by("at", "pk"))
    assert [(t.from_state, t.to_state) for t in steps] == [
        ("", S.RECEIVED),
        (S.RECEIVED, S.PRE_ASSESSMENT),
        (S.PRE_ASSESSMENT, S.SENT_TO_UVM),
        (S.SENT_TO_UVM, S.CLOSED),
    ]
    assert steps[2].by == pua_setting.asst_operator.membership
    assert steps[2].by_organization == pua_setting.asst
    assert steps[2].reason == "Bisogno complesso"
    assert steps[2].data["need"] == "complex"


def test_uvm_deadline_in_calendar_days(pua_setting, monkeypatch) -> None:
    # Thu 26/11/2026 + 30 calendar days = Sat 26/12 (Santo Stefano) -> Mon 28/12/2026.
    request = _to_pre_assessment(pua_setting, _create(pua_setting))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 26))
    request = transition(pua_setting.operator, request, S.SENT_TO_UVM, "UVM", need="complex")
    assert request.uvm_due == date(2026, 12, 28)


def test_sent_to_a_service_gives_its_provider_access(pua_setting) -> None:
    provider = OrganizationFactory(name="Cooperativa Aiuto")
    service = ServiceFactory(provider=provider, name="Assistenza domiciliare")
    request = _to_pre_assessment(pua_setting, _create(pua_setting))
    request = transition(
        pua_setting.operator,
        request,
        S.SENT_TO_SERVICE,
        "SAD",
        need="simple",
        service_id=service.pk,
    )
    assert request.outcome_service == service
    assert request.sent_to_organization == provider
    assert request.due_on is None
    assert CareRelationship.objects.filter(person=request.person, organization=provider).exists()


def test_informed_needs_the_information_given(pua_setting) -> None:
    request = _to_pre_assessment(pua_setting, _create(pua_setting))
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, request, S.INFORMED, "Info", need="simple")
    assert exc.value.code == IntakeErrorCode.TRANSITION_INVALID
    assert "information_given" in exc.value.errors
    request = transition(
        pua_setting.operator,
        request,
        S.INFORMED,
        "Info",
        need="simple",
        information_given="Indicati gli orari del CAF per l'ISEE.",
    )
    assert request.state == S.INFORMED


def test_not_competent_forwards_from_received(pua_setting) -> None:
    other = OrganizationFactory(name="Comune Altrove")
    request = transition(
        pua_setting.operator,
        _create(pua_setting),
        S.FORWARDED,
        "Risiede altrove",
        forwarded_to_id=other.pk,
    )
    assert request.forwarded_to == other
    assert request.sent_to_organization == other


def test_forwarding_to_the_pua_itself_is_refused(pua_setting) -> None:
    with pytest.raises(WorkflowError) as exc:
        transition(
            pua_setting.operator,
            _create(pua_setting),
            S.FORWARDED,
            "x",
            forwarded_to_id=pua_setting.asst.pk,
        )
    assert "forwarded_to_id" in exc.value.errors


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], S.CLOSED),
        ([], S.SENT_TO_UVM),
        ([], S.INFORMED),
        ([S.PRE_ASSESSMENT], S.CLOSED),
        ([S.PRE_ASSESSMENT], S.RECEIVED),
        ([S.PRE_ASSESSMENT, S.SENT_TO_UVM], S.INFORMED),
        ([S.PRE_ASSESSMENT, S.SENT_TO_UVM], S.PRE_ASSESSMENT),
        ([S.PRE_ASSESSMENT, S.SENT_TO_UVM, S.CLOSED], S.PRE_ASSESSMENT),
        ([S.PRE_ASSESSMENT, S.SENT_TO_UVM, S.CLOSED], S.CLOSED),
    ],
)
def test_illegal_moves_are_refused_and_nothing_is_written(pua_setting, path, target) -> None:
    request = _walk(pua_setting, _create(pua_setting), path)
    before_state = request.state
    before_steps = IntakeTransition.objects.count()
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, request, target, "illegale")
    assert exc.value.code == IntakeErrorCode.ILLEGAL_TRANSITION
    assert "Non si può passare da" in exc.value.message
    request.refresh_from_db()
    assert request.state == before_state
    assert IntakeTransition.objects.count() == before_steps


def test_illegal_move_message_names_the_allowed_ones(pua_setting) -> None:
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, _create(pua_setting), S.CLOSED, "chiudo")
    assert exc.value.message == (
        "Non si può passare da «Ricevuta» a «Chiusa». Da «Ricevuta» si può passare solo a: "
        "«In pre-valutazione», «Non competente, inoltrata»."
    )


def test_closed_message(pua_setting) -> None:
    request = _walk(pua_setting, _create(pua_setting), [S.PRE_ASSESSMENT, S.SENT_TO_UVM, S.CLOSED])
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, request, S.PRE_ASSESSMENT, "riapro")
    assert "La richiesta è chiusa" in exc.value.message


def test_data_not_needed_by_the_move_is_refused(pua_setting) -> None:
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, _create(pua_setting), S.PRE_ASSESSMENT, "x", need="simple")
    assert "need" in exc.value.errors


def test_need_is_required_and_the_forward_step_needs_no_reason(pua_setting) -> None:
    request = _to_pre_assessment(pua_setting, _create(pua_setting))
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, request, S.SENT_TO_UVM, "  ")
    assert set(exc.value.errors) == {"need"}
    moved = transition(pua_setting.operator, request, S.SENT_TO_UVM, "", need="complex")
    assert moved.state == S.SENT_TO_UVM
    assert moved.transitions.last().reason == ""


def test_forwarding_needs_a_reason(pua_setting) -> None:
    request = _create(pua_setting)
    with pytest.raises(WorkflowError) as exc:
        transition(
            pua_setting.operator, request, S.FORWARDED, "", forwarded_to_id=pua_setting.asst.pk
        )
    assert exc.value.errors["reason"] == ["Indica il motivo del passaggio."]


def test_the_next_move_is_the_obvious_step(pua_setting) -> None:
    from integra.intake.workflow import next_move

    request = _create(pua_setting)
    assert next_move(request).target == S.PRE_ASSESSMENT
    request = _to_pre_assessment(pua_setting, request)
    assert next_move(request) is None  # no triage yet: no suggestion to follow
    request.triage_suggestion = {"need": "simple", "route": "single_service"}
    assert next_move(request).target == S.SENT_TO_SERVICE


def test_unknown_state_is_refused(pua_setting) -> None:
    with pytest.raises(WorkflowError) as exc:
        transition(pua_setting.operator, _create(pua_setting), "boh", "x")
    assert exc.value.code == IntakeErrorCode.ILLEGAL_TRANSITION


def test_another_organisation_gets_404(pua_setting) -> None:
    request = _create(pua_setting)
    with pytest.raises(NotFound):
        transition(pua_setting.outsider, request, S.PRE_ASSESSMENT, "x")


def test_the_receiving_organisation_sees_but_does_not_move(pua_setting, make_actor) -> None:
    from integra.core.permissions import Role

    provider = OrganizationFactory(name="Servizio Alfa")
    service = ServiceFactory(provider=provider)
    request = _to_pre_assessment(pua_setting, _create(pua_setting))
    transition(
        pua_setting.operator,
        request,
        S.SENT_TO_SERVICE,
        "invio",
        need="simple",
        service_id=service.pk,
    )
    worker = make_actor(provider, Role.PUA_OPERATOR)
    with pytest.raises(NotFound):
        transition(worker, request, S.CLOSED, "chiudo")
