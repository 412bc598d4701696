"""The UVM API (tag "UVM"), mounted at /api/v1/: ``/uvm-sessions`` and ``/user-classes``.

Reading a session needs it in the actor's scope (the convening organisation, an organisation
with a member in the team, or the PUA whose request it answers) and the person's content
visible; otherwise 404. Writing needs ``UVM_PARTICIPATE`` or ``ASSESSMENT_PERFORM`` and to be
the convening organisation or a member's organisation (403). A session without a member present
from both the Comune/Ambito side and the health side cannot be concluded: 409
``uvm_composition`` naming what is missing. No ``from __future__ import annotations`` here
(``@paginate`` must see the query schema as a class).
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.assessments import uvm
from integra.assessments.uvm_minutes import minutes_pdf
from integra.assessments.uvm_models import (
    CareIntensity,
    NeedDomain,
    Profession,
    UserClass,
    UvmState,
)
from integra.core.concurrency import etag, expected_version_from_if_match, if_match_openapi
from integra.people.schemas import PersonRefOut

router = Router(tags=["UVM"])

MAX_ID = 2**31 - 1


class UserClassOut(Schema):
    code: str
    label: str
    description: str
    review_months: int


@router.get(
    "/user-classes",
    response=list[UserClassOut],
    summary="Le classi di utenza",
    description="Le classi di utenza omogenee (prevenzione, intercettazione precoce, basso "
    "carico e alta dinamicità, alto carico e bassa dinamicità) con la frequenza di "
    "rivalutazione configurata.",
)
def user_class_list(request: HttpRequest) -> list[UserClass]:
    actor_of(request)
    return uvm.user_classes()


class MemberOut(Schema):
    id: int
    organization_id: int
    organization: str
    user_id: int | None
    full_name: str
    profession: str
    side: str
    present: bool


class SessionOut(Schema):
    id: int
    person_id: int
    person: PersonRefOut
    organization_id: int
    intake_request_id: int | None
    scheduled_for: datetime
    place: str
    state: str
    user_class: str | None
    care_intensity: str
    next_review_on: date | None
    concluded_at: datetime | None

    @staticmethod
    def resolve_user_class(obj: Any) -> str | None:
        if isinstance(obj, dict):
            return obj.get("user_class")
        return obj.user_class.code if obj.user_class_id else None

    @staticmethod
    def resolve_person(obj: Any) -> Any:
        if isinstance(obj, dict):
            return obj["person"]
        return obj.person_ref

    @staticmethod
    def resolve_intake_request_id(obj: Any) -> int | None:
        """No link to a request hidden from the actor at the person's request."""
        if isinstance(obj, dict):
            return obj.get("intake_request_id")
        return None if getattr(obj, "intake_request_hidden", False) else obj.intake_request_id


class SessionDetailOut(SessionOut):
    members: list[MemberOut]
    assessment_ids: list[int]
    hidden_assessments: int
    needs_summary: dict[str, str]
    proposed_interventions: str
    proposed_case_manager_id: int | None
    eligibility: dict[str, Any]
    outcome_notes: str
    composition_problems: list[str]
    repeat_reason: str
    reschedules: list[dict[str, str]]


def _detail(view: uvm.SessionView) -> dict[str, Any]:
    s = view.session
    return {
        "id": s.pk,
        "person_id": s.person_id,
        "person": view.person,
        "organization_id": s.organization_id,
        "intake_request_id": s.intake_request_id,
        "scheduled_for": s.scheduled_for,
        "place": s.place,
        "state": s.state,
        "user_class": s.user_class.code if s.user_class else None,
        "care_intensity": s.care_intensity,
        "next_review_on": s.next_review_on,
        "concluded_at": s.concluded_at,
        "members": [
            {
                "id": m.pk,
                "organization_id": m.organization_id,
                "organization": m.organization.name,
                "user_id": m.user_id,
                "full_name": m.full_name,
                "profession": m.profession,
                "side": m.side,
                "present": m.present,
            }
            for m in view.members
        ],
        "assessment_ids": [a.pk for a in view.assessments],
        "hidden_assessments": view.hidden_assessments,
        "needs_summary": view.needs_summary,
        "proposed_interventions": s.proposed_interventions,
        "proposed_case_manager_id": s.proposed_case_manager_id,
        "eligibility": view.eligibility,
        "outcome_notes": s.outcome_notes,
        "composition_problems": view.composition_problems,
        "repeat_reason": s.repeat_reason,
        "reschedules": s.reschedules,
    }


def _reply(
    request: HttpRequest,
    session_id: int,
    status: int = 200,
    response: HttpResponse | None = None,
) -> Any:
    """The session as it is now; with ``response``, its ``ETag`` too."""
    view = uvm.session_get(actor=actor_of(request), session_id=session_id)
    if response is not None:
        response["ETag"] = etag(view.session)
    return Status(status, _detail(view))


def _expected_version(request: HttpRequest) -> int:
    """The version an edit of a session was made on (If-Match), after the role check, so a role
    that may not edit sessions gets its 403 before a missing If-Match's 428."""
    uvm.require_participation(actor_of(request))
    return expected_version_from_if_match(request)


_IF_MATCH = (
    " Serve `If-Match` con l'ETag della lettura della seduta (senza: 428; se nel frattempo è "
    "cambiata: 412); la risposta porta il nuovo `ETag`."
)


class SessionQuery(Schema):
    state: UvmState | None = None
    person_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.get(
    "/uvm-sessions",
    response=list[SessionOut],
    summary="Le sedute UVM",
    description="Le sedute visibili (convocate dall'ente o con un suo componente), filtrabili "
    "per stato e persona. La consultazione è registrata.",
)
@paginate(LimitOffset)
def session_list_endpoint(request: HttpRequest, filters: Query[SessionQuery]) -> object:
    actor = actor_of(request)
    state = str(filters.state.value) if filters.state else ""
    qs = uvm.session_list(actor=actor, state=state, person_id=filters.person_id)
    uvm.session_list_access_record(
        actor=actor, filters={"state": state, "person_id": filters.person_id}
    )
    return qs


class SessionIn(Schema):
    person_id: int = Field(ge=1, le=MAX_ID)
    intake_request_id: int | None = Field(None, ge=1, le=MAX_ID)
    scheduled_for: datetime
    place: str = Field("", max_length=200)
    repeat_reason: str = Field(
        "",
        max_length=2000,
        description="Solo per una nuova seduta della stessa richiesta: senza motivo la "
        "richiesta con una seduta già programmata o conclusa è rifiutata (409 uvm_repeat).",
    )


@router.post(
    "/uvm-sessions",
    response={201: SessionDetailOut},
    summary="Convoca una seduta UVM",
    description="Per una persona visibile, eventualmente dalla richiesta al PUA inviata "
    "all'UVM. Serve uvm.participate o assessment.perform (o intake.manage). 422 per dati non "
    "validi.",
)
def session_create_endpoint(request: HttpRequest, payload: SessionIn) -> Any:
    session = uvm.session_create(actor=actor_of(request), data=payload.dict())
    return _reply(request, session.pk, 201)


@router.get(
    "/uvm-sessions/{session_id}",
    response=SessionDetailOut,
    summary="Una seduta UVM",
    description="Componenti, strumenti somministrati (i risultati sanitari solo con "
    "health.view: gli altri sono contati in hidden_assessments), sintesi dei bisogni ed esito. "
    "404 se non visibile. La lettura è registrata. L'intestazione `ETag` va rinviata in "
    "`If-Match` per registrare l'esito, concludere o spostare la seduta.",
)
def session_get_endpoint(request: HttpRequest, session_id: int, response: HttpResponse) -> Any:
    return _reply(request, session_id, response=response)


class MemberIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    membership_id: int | None = Field(None, ge=1, le=MAX_ID)
    full_name: str = Field("", max_length=200)
    profession: Profession
    present: bool = True


@router.post(
    "/uvm-sessions/{session_id}/members",
    response={201: SessionDetailOut},
    summary="Aggiunge un componente",
    description="L'ente del componente prende in carico la persona per la valutazione. 422 per "
    "dati non validi, 409 se la seduta non è più programmata.",
)
def member_add_endpoint(request: HttpRequest, session_id: int, payload: MemberIn) -> Any:
    data = payload.dict()
    data["profession"] = str(payload.profession.value)
    uvm.member_add(actor=actor_of(request), session_id=session_id, data=data)
    return _reply(request, session_id, 201)


@router.delete(
    "/uvm-sessions/{session_id}/members/{member_id}",
    response=SessionDetailOut,
    summary="Toglie un componente",
)
def member_remove_endpoint(request: HttpRequest, session_id: int, member_id: int) -> Any:
    uvm.member_remove(actor=actor_of(request), session_id=session_id, member_id=member_id)
    return _reply(request, session_id)


class AssessmentsIn(Schema):
    assessment_ids: list[int] = Field(min_length=1, max_length=50)


@router.post(
    "/uvm-sessions/{session_id}/assessments",
    response=SessionDetailOut,
    summary="Collega gli strumenti somministrati",
    description="Valutazioni della stessa persona registrate con /api/v1/assessments.",
)
def assessments_link_endpoint(request: HttpRequest, session_id: int, payload: AssessmentsIn) -> Any:
    uvm.assessments_link(
        actor=actor_of(request), session_id=session_id, assessment_ids=payload.assessment_ids
    )
    return _reply(request, session_id)


class OutcomeIn(Schema):
    needs_summary: dict[NeedDomain, str] | None = None
    user_class: str | None = Field(None, max_length=50)
    care_intensity: CareIntensity | None = None
    proposed_interventions: str | None = Field(None, max_length=4000)
    proposed_case_manager_id: int | None = Field(None, ge=1, le=MAX_ID)
    outcome_notes: str | None = Field(None, max_length=4000)


def _outcome_data(payload: OutcomeIn | None) -> dict[str, Any]:
    if payload is None:
        return {}
    data = payload.dict(exclude_unset=True)
    if "needs_summary" in data and data["needs_summary"] is not None:
        data["needs_summary"] = {
            str(getattr(k, "value", k)): v for k, v in data["needs_summary"].items()
        }
    if data.get("care_intensity") is not None:
        data["care_intensity"] = str(
            getattr(data["care_intensity"], "value", data["care_intensity"])
        )
    return data


@router.patch(
    "/uvm-sessions/{session_id}/outcome",
    response=SessionDetailOut,
    summary="Registra la sintesi dei bisogni e l'esito proposto",
    description="La seduta resta aperta." + _IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def outcome_endpoint(
    request: HttpRequest, session_id: int, payload: OutcomeIn, response: HttpResponse
) -> Any:
    expected = _expected_version(request)
    uvm.outcome_update(
        actor=actor_of(request),
        session_id=session_id,
        data=_outcome_data(payload),
        expected_version=expected,
    )
    return _reply(request, session_id, response=response)


class EligibilityIn(Schema):
    measure_code: str = Field(min_length=1, max_length=20)
    on_date: date | None = None


@router.post(
    "/uvm-sessions/{session_id}/eligibility",
    response=SessionDetailOut,
    summary="Verifica i requisiti di una misura (B1, B2) e la allega alla seduta",
)
def eligibility_endpoint(request: HttpRequest, session_id: int, payload: EligibilityIn) -> Any:
    uvm.eligibility_record(
        actor=actor_of(request),
        session_id=session_id,
        measure_code=payload.measure_code,
        on_date=payload.on_date,
    )
    return _reply(request, session_id)


@router.post(
    "/uvm-sessions/{session_id}/conclude",
    response=SessionDetailOut,
    summary="Conclude la seduta",
    description="Con l'esito (facoltativo qui se già registrato). Serve almeno un componente "
    "presente del Comune/Ambito e uno dell'ASL/ASST: altrimenti 409 uvm_composition. Senza "
    "classe di utenza, intensità o sintesi dei bisogni: 422. La prossima rivalutazione segue la "
    "frequenza della classe." + _IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def conclude_endpoint(
    request: HttpRequest,
    session_id: int,
    response: HttpResponse,
    payload: OutcomeIn | None = None,
) -> Any:
    expected = _expected_version(request)
    uvm.session_conclude(
        actor=actor_of(request),
        session_id=session_id,
        data=_outcome_data(payload),
        expected_version=expected,
    )
    return _reply(request, session_id, response=response)


class RescheduleIn(Schema):
    scheduled_for: datetime
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/uvm-sessions/{session_id}/reschedule",
    response=SessionDetailOut,
    summary="Sposta la seduta",
    description="Nuova data e ora di una seduta programmata, con il motivo; la data "
    "precedente resta in `reschedules`. Una seduta si conclude solo dal giorno programmato "
    "(409 uvm_too_early)." + _IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def reschedule_endpoint(
    request: HttpRequest, session_id: int, payload: RescheduleIn, response: HttpResponse
) -> Any:
    expected = _expected_version(request)
    uvm.session_reschedule(
        actor=actor_of(request),
        session_id=session_id,
        scheduled_for=payload.scheduled_for,
        reason=payload.reason,
        expected_version=expected,
    )
    return _reply(request, session_id, response=response)


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/uvm-sessions/{session_id}/cancel", response=SessionDetailOut, summary="Annulla la seduta"
)
def cancel_endpoint(request: HttpRequest, session_id: int, payload: CancelIn) -> Any:
    uvm.session_cancel(actor=actor_of(request), session_id=session_id, reason=payload.reason)
    return _reply(request, session_id)


@router.get(
    "/uvm-sessions/{session_id}/minutes.pdf",
    summary="Il verbale della seduta (PDF)",
    description="Il verbale in italiano; la lettura è registrata.",
)
def minutes_endpoint(request: HttpRequest, session_id: int) -> HttpResponse:
    view = uvm.session_get(actor=actor_of(request), session_id=session_id, purpose="verbale")
    pdf = minutes_pdf(view)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="verbale-uvm-{view.session.pk}.pdf"'
    return response
