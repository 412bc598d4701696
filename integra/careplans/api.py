"""The care plan API (tag "Progetti"), mounted at /api/v1/: ``/care-plans``, ``/tasks``,
``/caseloads``.

A plan is read with its person's content and only by the holding organisation, its case manager
and the members of its care team (404 otherwise, like a missing id); health goals and needs only
with ``health.view``. Every edit of a plan needs ``If-Match`` with the plan's ``ETag`` (the
``row_version`` the client read): without it 428 ``precondition_required``, with an older one 412
``precondition_failed`` — a second operator's stale edit is refused, never merged. No ``from
__future__ import annotations`` here (``@paginate`` must see the query schema as a class).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.assessments.uvm_models import CareIntensity, NeedDomain, Profession
from integra.careplans import selectors, services
from integra.careplans.errors import PlanError, PlanErrorCode
from integra.careplans.models import (
    CarePlan,
    CloseReason,
    GoalOutcome,
    PlanKind,
    PlanState,
    SignatureMethod,
    SignerRole,
    TaskState,
)
from integra.careplans.versions import compare
from integra.core.access import get_visible
from integra.core.concurrency import (
    StaleEdit,
    etag,
    expected_version_from_if_match,
    if_match_openapi,
)
from integra.people.schemas import PersonRefOut

router = Router(tags=["Progetti"])

MAX_ID = 2**31 - 1
IF_MATCH = (
    'Obbligatoria per ogni modifica: l\'ETag del progetto letto (es. "7"). Senza: 428; '
    "se il progetto è cambiato nel frattempo: 412."
)


# --- optimistic locking (integra/core/concurrency.py) ----------------------------------------


@contextmanager
def _precondition() -> Iterator[None]:
    """A stale edit found by the service (409 in the pages) is 412 in the API."""
    try:
        yield
    except PlanError as error:
        if error.code != PlanErrorCode.STALE:
            raise
        raise StaleEdit() from error


# --- schemas -----------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    person_id: int
    person: PersonRefOut
    organization_id: int
    kind: str
    state: str
    title: str
    uvm_session_id: int | None
    intake_request_id: int | None
    case_manager_id: int | None
    starts_on: date | None
    ends_on: date | None
    next_review_on: date | None
    version_number: int
    row_version: int

    @staticmethod
    def resolve_person(obj: Any) -> Any:
        if isinstance(obj, dict):
            return obj["person"]
        return obj.person_ref


class GoalOut(Schema):
    id: int
    need_domain: str
    description: str
    indicator: str
    baseline: str
    target: str
    deadline: date
    outcome: str
    outcome_notes: str


class InterventionOut(Schema):
    id: int
    goal_id: int | None
    service_id: int
    service: str
    provider_id: int
    provider: str
    frequency: str
    hours_per_month: Decimal | None
    starts_on: date
    ends_on: date | None
    monthly_cost: Decimal
    ssn_amount: Decimal
    comune_amount: Decimal
    person_amount: Decimal
    other_amount: Decimal
    other_payer: str
    cost_basis: list[str]


class TeamMemberOut(Schema):
    id: int
    membership_id: int
    name: str
    organization_id: int
    organization: str
    profession: str
    responsibilities: str
    started_at: datetime
    ended_at: datetime | None


class TaskOut(Schema):
    id: int
    plan_id: int
    assignee_id: int
    title: str
    details: str
    due_on: date
    state: str
    completed_at: datetime | None
    outcome_notes: str


class VersionOut(Schema):
    number: int
    content_hash: str
    note: str
    created_at: datetime
    signed: bool


class PlanDetailOut(PlanOut):
    user_class: str | None
    care_intensity: str
    needs_summary: dict[str, str]
    strengths_person: str
    strengths_family: str
    strengths_community: str
    person_commitments: str
    review_months: int | None
    closed_on: date | None
    close_reason: str
    close_notes: str
    goals: list[GoalOut]
    hidden_goals: int
    interventions: list[InterventionOut]
    team: list[TeamMemberOut]
    tasks: list[TaskOut]
    versions: list[VersionOut]
    next_states: list[str]


def _name(membership: Any) -> str:
    user = membership.user
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _detail(view: selectors.PlanView) -> dict[str, Any]:
    p = view.plan
    signed = {s.version_id for s in view.signatures}
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "person": view.person,
        "organization_id": p.organization_id,
        "kind": p.kind,
        "state": p.state,
        "title": p.title,
        "uvm_session_id": p.uvm_session_id,
        "intake_request_id": p.intake_request_id,
        "case_manager_id": p.case_manager_id,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "next_review_on": p.next_review_on,
        "version_number": p.version_number,
        "row_version": p.row_version,
        "user_class": p.user_class.code if p.user_class else None,
        "care_intensity": p.care_intensity,
        "needs_summary": view.needs_summary,
        "strengths_person": p.strengths_person,
        "strengths_family": p.strengths_family,
        "strengths_community": p.strengths_community,
        "person_commitments": p.person_commitments,
        "review_months": p.review_months,
        "closed_on": p.closed_on,
        "close_reason": p.close_reason,
        "close_notes": p.close_notes,
        "goals": view.goals,
        "hidden_goals": view.hidden_goals,
        "interventions": [
            {
                **{f: getattr(i, f) for f in InterventionOut.model_fields if hasattr(i, f)},
                "service": i.service.name,
                "provider": i.provider.name,
            }
            for i in view.interventions
        ],
        "team": [
            {
                "id": m.pk,
                "membership_id": m.membership_id,
                "name": _name(m.membership),
                "organization_id": m.membership.organization_id,
                "organization": m.membership.organization.name,
                "profession": m.profession,
                "responsibilities": m.responsibilities,
                "started_at": m.started_at,
                "ended_at": m.ended_at,
            }
            for m in view.team
        ],
        "tasks": view.tasks,
        "versions": [
            {
                "number": v.number,
                "content_hash": v.content_hash,
                "note": v.note,
                "created_at": v.created_at,
                "signed": v.pk in signed,
            }
            for v in view.versions
        ],
        "next_states": list(services.TRANSITIONS[p.state]) if view.may_manage else [],
    }


def _reply(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    view = selectors.plan_get(actor=actor_of(request), plan_id=plan_id)
    response["ETag"] = etag(view.plan)
    return _detail(view)


# --- plans -------------------------------------------------------------------------------------


class PlanQuery(Schema):
    state: PlanState | None = None
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = Field(False, description="Solo i progetti di cui sono case manager.")


@router.get(
    "/care-plans",
    response=list[PlanOut],
    summary="I progetti individuali",
    description="I progetti visibili (dell'ente titolare, di cui si è case manager o "
    "componente dell'équipe), filtrabili per stato, persona e «miei».",
)
@paginate(LimitOffset)
def plan_list_endpoint(request: HttpRequest, filters: Query[PlanQuery]) -> object:
    actor = actor_of(request)
    qs = selectors.plan_list(
        actor=actor, state=str(filters.state.value) if filters.state else "", mine=filters.mine
    )
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    selectors.plan_list_access_record(actor=actor, filters=filters.dict())
    return qs


class PlanFieldsIn(Schema):
    kind: PlanKind | None = None
    title: str | None = Field(None, max_length=200)
    strengths_person: str | None = Field(None, max_length=5000)
    strengths_family: str | None = Field(None, max_length=5000)
    strengths_community: str | None = Field(None, max_length=5000)
    person_commitments: str | None = Field(None, max_length=5000)
    care_intensity: CareIntensity | None = None
    needs_summary: dict[NeedDomain, str] | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    review_months: int | None = Field(None, ge=1, le=60)
    next_review_on: date | None = None


def _fields(payload: Schema) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    for key, value in list(data.items()):
        if hasattr(value, "value"):
            data[key] = str(value.value)
        if key == "needs_summary" and value is not None:
            data[key] = {str(getattr(k, "value", k)): v for k, v in value.items()}
    return data


class PlanCreateIn(PlanFieldsIn):
    person_id: int = Field(ge=1, le=MAX_ID)
    intake_request_id: int | None = Field(None, ge=1, le=MAX_ID)
    title: str = Field(min_length=1, max_length=200)


@router.post(
    "/care-plans",
    response={201: PlanDetailOut},
    summary="Apre un progetto per una persona",
    description="Bozza per un bisogno semplice (anche da una richiesta PUA): serve "
    "case.manage; chi lo apre ne è il case manager.",
)
def plan_create_endpoint(
    request: HttpRequest, response: HttpResponse, payload: PlanCreateIn
) -> Any:
    data = _fields(payload)
    person_id = data.pop("person_id")
    plan = services.plan_create(actor=actor_of(request), person_id=person_id, data=data)
    return 201, _reply(request, response, plan.pk)


class FromUvmIn(Schema):
    uvm_session_id: int = Field(ge=1, le=MAX_ID)
    kind: PlanKind | None = None
    title: str | None = Field(None, max_length=200)


@router.post(
    "/care-plans/from-uvm",
    response={201: PlanDetailOut},
    summary="Apre il progetto dall'esito di una seduta UVM conclusa",
    description="Bisogni, classe di utenza, intensità, frequenza della rivalutazione e case "
    "manager proposto sono ripresi dalla seduta. 409 se la seduta non è conclusa o ha già un "
    "progetto.",
)
def plan_from_uvm_endpoint(request: HttpRequest, response: HttpResponse, payload: FromUvmIn) -> Any:
    data = _fields(payload)
    session_id = data.pop("uvm_session_id")
    plan = services.plan_create_from_uvm(actor=actor_of(request), session_id=session_id, data=data)
    return 201, _reply(request, response, plan.pk)


@router.get(
    "/care-plans/{plan_id}",
    response=PlanDetailOut,
    summary="Un progetto",
    description="Con obiettivi (quelli sanitari solo con health.view: contati in hidden_goals), "
    "interventi e chi paga, équipe, attività, versioni. L'intestazione ETag serve per "
    "If-Match nelle modifiche. La lettura è registrata.",
)
def plan_get_endpoint(request: HttpRequest, response: HttpResponse, plan_id: int) -> Any:
    return _reply(request, response, plan_id)


def _edit(request: HttpRequest, response: HttpResponse, plan_id: int, call: Any) -> Any:
    # Another organisation's plan is a 404 like a missing one, before anything else.
    get_visible(actor_of(request), CarePlan, pk=plan_id)
    expected = expected_version_from_if_match(request)
    with _precondition():
        call(expected)
    return _reply(request, response, plan_id)


@router.patch(
    "/care-plans/{plan_id}",
    response=PlanDetailOut,
    summary="Modifica il progetto (in bozza o in revisione)",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def plan_update_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: PlanFieldsIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_update(
            actor=actor, plan_id=plan_id, data=_fields(payload), expected_version=v
        ),
    )


class GoalIn(Schema):
    need_domain: NeedDomain
    description: str = Field(min_length=1, max_length=5000)
    indicator: str = Field(min_length=1, max_length=300)
    baseline: str = Field("", max_length=300)
    target: str = Field(min_length=1, max_length=300)
    deadline: date
    outcome: GoalOutcome | None = None
    outcome_notes: str = Field("", max_length=5000)


@router.post(
    "/care-plans/{plan_id}/goals",
    response=PlanDetailOut,
    summary="Aggiunge un obiettivo misurabile",
    description=IF_MATCH + " Gli obiettivi sanitari li scrive chi ha health.edit.",
    openapi_extra=if_match_openapi(),
)
def goal_add_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: GoalIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.goal_add(
            actor=actor, plan_id=plan_id, data=_fields(payload), expected_version=v
        ),
    )


@router.put(
    "/care-plans/{plan_id}/goals/{goal_id}",
    response=PlanDetailOut,
    summary="Modifica un obiettivo (o, a progetto attivo, ne registra l'esito)",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def goal_update_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, goal_id: int, payload: GoalIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.goal_update(
            actor=actor, plan_id=plan_id, goal_id=goal_id, data=_fields(payload), expected_version=v
        ),
    )


@router.delete(
    "/care-plans/{plan_id}/goals/{goal_id}",
    response=PlanDetailOut,
    summary="Toglie un obiettivo",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def goal_remove_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, goal_id: int
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.goal_remove(
            actor=actor, plan_id=plan_id, goal_id=goal_id, expected_version=v
        ),
    )


class InterventionIn(Schema):
    service_id: int = Field(ge=1, le=MAX_ID)
    provider_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    frequency: str = Field("", max_length=200)
    hours_per_month: Decimal | None = Field(None, gt=0, le=744, decimal_places=1)
    starts_on: date
    ends_on: date | None = None
    monthly_cost: Decimal = Field(Decimal("0"), ge=0, decimal_places=2, max_digits=10)
    ssn_amount: Decimal = Field(Decimal("0"), ge=0, decimal_places=2, max_digits=10)
    comune_amount: Decimal = Field(Decimal("0"), ge=0, decimal_places=2, max_digits=10)
    person_amount: Decimal = Field(Decimal("0"), ge=0, decimal_places=2, max_digits=10)
    other_amount: Decimal = Field(Decimal("0"), ge=0, decimal_places=2, max_digits=10)
    other_payer: str = Field("", max_length=200)
    compute_shares: bool = Field(
        False,
        description="Calcola le quote dalle regole in configurazione: SSN dalla quota LEA del "
        "setting (DPCM 12/1/2017), persona dal regolamento ISEE dell'ente titolare; le quote "
        "inviate sono ignorate, tranne other_amount.",
    )
    setting_code: str | None = Field(
        None, max_length=60, description="Il setting assistenziale (predefinito: del servizio)."
    )
    days_since_protected_discharge: int | None = Field(None, ge=0, le=3650)


@router.post(
    "/care-plans/{plan_id}/interventions",
    response=PlanDetailOut,
    summary="Aggiunge un intervento con chi paga",
    description=IF_MATCH + " Le quote (SSN, Comune, persona, altri) devono fare il costo "
    "mensile: 422 altrimenti.",
    openapi_extra=if_match_openapi(),
)
def intervention_add_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: InterventionIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.intervention_add(
            actor=actor, plan_id=plan_id, data=payload.dict(), expected_version=v
        ),
    )


@router.put(
    "/care-plans/{plan_id}/interventions/{intervention_id}",
    response=PlanDetailOut,
    summary="Modifica un intervento",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def intervention_update_endpoint(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: int,
    intervention_id: int,
    payload: InterventionIn,
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.intervention_update(
            actor=actor,
            plan_id=plan_id,
            intervention_id=intervention_id,
            data=payload.dict(),
            expected_version=v,
        ),
    )


@router.delete(
    "/care-plans/{plan_id}/interventions/{intervention_id}",
    response=PlanDetailOut,
    summary="Toglie un intervento",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def intervention_remove_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, intervention_id: int
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.intervention_remove(
            actor=actor, plan_id=plan_id, intervention_id=intervention_id, expected_version=v
        ),
    )


# --- the plan's life ---------------------------------------------------------------------------


class NoteIn(Schema):
    note: str = Field("", max_length=5000)


@router.post(
    "/care-plans/{plan_id}/propose",
    response=PlanDetailOut,
    summary="Propone il progetto alla persona",
    description=IF_MATCH + " Congela una nuova versione (contenuto e impronta SHA-256). 409 se "
    "mancano obiettivi, interventi, risorse o il case manager.",
    openapi_extra=if_match_openapi(),
)
def propose_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: NoteIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_propose(
            actor=actor, plan_id=plan_id, note=payload.note, expected_version=v
        ),
    )


@router.post(
    "/care-plans/{plan_id}/rework",
    response=PlanDetailOut,
    summary="La persona chiede modifiche alla proposta",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def rework_endpoint(request: HttpRequest, response: HttpResponse, plan_id: int) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_rework(actor=actor, plan_id=plan_id, expected_version=v),
    )


class SignIn(Schema):
    signer_role: SignerRole = SignerRole.PERSON
    signer_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="La persona in anagrafe che firma per l'interessato."
    )
    method: SignatureMethod = SignatureMethod.IN_APP
    document_id: int | None = Field(None, ge=1, le=MAX_ID)
    signed_on: date | None = None
    version_hash: str = Field(
        "", max_length=64, description="L'impronta della versione letta: se diversa, 422."
    )


@router.post(
    "/care-plans/{plan_id}/sign",
    response=PlanDetailOut,
    summary="Registra la sottoscrizione della versione proposta",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def sign_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: SignIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_sign(
            actor=actor, plan_id=plan_id, data=_fields(payload), expected_version=v
        ),
    )


class ActivateIn(Schema):
    starts_on: date | None = None


@router.post(
    "/care-plans/{plan_id}/activate",
    response=PlanDetailOut,
    summary="Avvia il progetto sottoscritto",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def activate_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: ActivateIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_activate(
            actor=actor, plan_id=plan_id, starts_on=payload.starts_on, expected_version=v
        ),
    )


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=5000)


@router.post(
    "/care-plans/{plan_id}/review",
    response=PlanDetailOut,
    summary="Avvia la revisione del progetto in corso",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def review_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: ReasonIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_start_review(
            actor=actor, plan_id=plan_id, reason=payload.reason, expected_version=v
        ),
    )


class CloseIn(Schema):
    close_reason: CloseReason
    close_notes: str = Field("", max_length=5000)
    closed_on: date | None = None


@router.post(
    "/care-plans/{plan_id}/close",
    response=PlanDetailOut,
    summary="Chiude il progetto con il motivo",
    description=IF_MATCH + " Finiscono l'équipe e il suo accesso; le attività aperte sono "
    "annullate.",
    openapi_extra=if_match_openapi(),
)
def close_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: CloseIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.plan_close(
            actor=actor, plan_id=plan_id, data=_fields(payload), expected_version=v
        ),
    )


class HandoverIn(Schema):
    membership_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=5000)


@router.post(
    "/care-plans/{plan_id}/case-manager",
    response=PlanDetailOut,
    summary="Passa il caso a un altro case manager",
    description=IF_MATCH,
    openapi_extra=if_match_openapi(),
)
def handover_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: HandoverIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.case_manager_handover(
            actor=actor,
            plan_id=plan_id,
            membership_id=payload.membership_id,
            reason=payload.reason,
            expected_version=v,
        ),
    )


class TeamMemberIn(Schema):
    membership_id: int = Field(ge=1, le=MAX_ID)
    profession: Profession
    responsibilities: str = Field("", max_length=5000)


@router.post(
    "/care-plans/{plan_id}/team",
    response=PlanDetailOut,
    summary="Aggiunge un componente all'équipe",
    description=IF_MATCH + " Il componente conosce la persona finché resta nell'équipe (non "
    "il suo ente); il contenuto segue il consenso alla condivisione.",
    openapi_extra=if_match_openapi(),
)
def team_add_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: TeamMemberIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.team_member_add(
            actor=actor, plan_id=plan_id, data=_fields(payload), expected_version=v
        ),
    )


@router.post(
    "/care-plans/{plan_id}/team/{member_id}/end",
    response=PlanDetailOut,
    summary="Un componente esce dall'équipe",
    description=IF_MATCH + " Da subito non vede più il caso; le sue attività aperte passano al "
    "case manager.",
    openapi_extra=if_match_openapi(),
)
def team_end_endpoint(
    request: HttpRequest, response: HttpResponse, plan_id: int, member_id: int, payload: ReasonIn
) -> Any:
    actor = actor_of(request)
    return _edit(
        request,
        response,
        plan_id,
        lambda v: services.team_member_end(
            actor=actor,
            plan_id=plan_id,
            member_id=member_id,
            reason=payload.reason,
            expected_version=v,
        ),
    )


# --- versions ----------------------------------------------------------------------------------


class VersionDetailOut(VersionOut):
    content: dict[str, Any]


@router.get(
    "/care-plans/{plan_id}/versions",
    response=list[VersionOut],
    summary="Le versioni del progetto",
)
def versions_endpoint(request: HttpRequest, plan_id: int) -> Any:
    view = selectors.plan_get(actor=actor_of(request), plan_id=plan_id)
    return _detail(view)["versions"]


@router.get(
    "/care-plans/{plan_id}/versions/{number}",
    response=VersionDetailOut,
    summary="Una versione congelata",
    description="Il contenuto come proposto alla persona (senza i dati sanitari senza "
    "health.view) e la sua impronta SHA-256.",
)
def version_endpoint(request: HttpRequest, plan_id: int, number: int) -> Any:
    _plan, version, content = selectors.version_get(
        actor=actor_of(request), plan_id=plan_id, number=number
    )
    return {
        "number": version.number,
        "content_hash": version.content_hash,
        "note": version.note,
        "created_at": version.created_at,
        "signed": version.signatures.exists(),
        "content": content,
    }


class DifferenceOut(Schema):
    section: str
    before: str
    after: str


@router.get(
    "/care-plans/{plan_id}/versions/{before}/compare/{after}",
    response=list[DifferenceOut],
    summary="Confronta due versioni",
    description="Le righe che cambiano dalla versione `before` alla versione `after`.",
)
def compare_endpoint(request: HttpRequest, plan_id: int, before: int, after: int) -> Any:
    actor = actor_of(request)
    _p, _v, old = selectors.version_get(actor=actor, plan_id=plan_id, number=before)
    _p, _v, new = selectors.version_get(actor=actor, plan_id=plan_id, number=after)
    return compare(old, new)


# --- tasks -------------------------------------------------------------------------------------


class TaskIn(Schema):
    assignee_id: int = Field(ge=1, le=MAX_ID, description="Il case manager o un componente.")
    title: str = Field(min_length=1, max_length=200)
    details: str = Field("", max_length=5000)
    due_on: date


@router.post(
    "/care-plans/{plan_id}/tasks",
    response={201: TaskOut},
    summary="Assegna un'attività",
    description="All'assegnatario arriva un avviso; un promemoria per e-mail quando scade.",
)
def task_create_endpoint(request: HttpRequest, plan_id: int, payload: TaskIn) -> Any:
    task = services.task_create(actor=actor_of(request), plan_id=plan_id, data=payload.dict())
    return 201, task


class TaskQuery(Schema):
    state: TaskState | None = TaskState.OPEN
    overdue: bool = Field(False, description="Solo quelle scadute.")
    plan_id: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = Field(True, description="Solo le mie (predefinito).")


@router.get(
    "/tasks",
    response=list[TaskOut],
    summary="Le attività",
    description="Le mie attività (o, con mine=false, quelle dei progetti visibili), aperte per "
    "impostazione, filtrabili per scadute e progetto.",
)
@paginate(LimitOffset)
def task_list_endpoint(request: HttpRequest, filters: Query[TaskQuery]) -> object:
    from django.utils import timezone

    actor = actor_of(request)
    qs = selectors.tasks_of(
        actor=actor,
        assignee_id=actor.membership.pk if filters.mine and actor.membership else None,
        state=str(filters.state.value) if filters.state else "",
        overdue_on=timezone.localdate() if filters.overdue else None,
    )
    if filters.plan_id is not None:
        qs = qs.filter(plan_id=filters.plan_id)
    selectors.tasks_access_record(actor=actor, filters=filters.dict())
    return qs


class TaskCloseIn(Schema):
    outcome_notes: str = Field("", max_length=5000)


@router.post("/tasks/{task_id}/done", response=TaskOut, summary="Segna l'attività come fatta")
def task_done_endpoint(request: HttpRequest, task_id: int, payload: TaskCloseIn) -> Any:
    return services.task_close(
        actor=actor_of(request), task_id=task_id, done=True, outcome_notes=payload.outcome_notes
    )


@router.post("/tasks/{task_id}/cancel", response=TaskOut, summary="Annulla l'attività")
def task_cancel_endpoint(request: HttpRequest, task_id: int, payload: TaskCloseIn) -> Any:
    return services.task_close(
        actor=actor_of(request), task_id=task_id, done=False, outcome_notes=payload.outcome_notes
    )


# --- caseloads ---------------------------------------------------------------------------------


class CaseloadRowOut(PlanOut):
    review_state: str
    open_tasks: int
    overdue_tasks: int


class CaseloadQuery(Schema):
    membership_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Il case manager (predefinito: io)."
    )


@router.get(
    "/caseloads",
    response=list[CaseloadRowOut],
    summary="I casi di un case manager",
    description="Aperti, con la verifica scaduta o in scadenza (review_state) e le attività "
    "aperte e scadute.",
)
@paginate(LimitOffset)
def caseload_endpoint(request: HttpRequest, query: Query[CaseloadQuery]) -> object:
    from django.utils import timezone

    actor = actor_of(request)
    membership_id = query.membership_id or (actor.membership.pk if actor.membership else 0)
    selectors.caseload_access_record(actor=actor, membership_id=membership_id)
    return selectors.caseload(actor=actor, membership_id=membership_id, today=timezone.localdate())


class ReassignIn(Schema):
    from_membership_id: int = Field(ge=1, le=MAX_ID)
    to_membership_ids: list[int] = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=1, max_length=5000)


class ReassignOut(Schema):
    moved: list[int]


@router.post(
    "/caseloads/reassign",
    response=ReassignOut,
    summary="Riassegna tutti i casi aperti di un operatore",
    description="Per l'amministratore dell'ente (o il coordinamento): i casi passano a turno "
    "agli operatori indicati, ognuno registrato con il motivo come un passaggio singolo.",
)
def reassign_endpoint(request: HttpRequest, payload: ReassignIn) -> Any:
    moved = services.caseload_reassign(
        actor=actor_of(request),
        from_membership_id=payload.from_membership_id,
        to_membership_ids=payload.to_membership_ids,
        reason=payload.reason,
    )
    return {"moved": [p.pk for p in moved]}
