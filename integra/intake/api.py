"""The PUA's API (tag "PUA"), mounted at /api/v1/pua.

Reading requests needs ``Permission.PERSON_VIEW`` and a request in the actor's scope (the PUA's
operators, or the organisation the request was sent to); a request outside it is a 404 like a
missing one. Writing needs ``Permission.INTAKE_MANAGE`` (403 without). Bad input is a 422
naming each field; an illegal move of the state machine is a 409 that says which moves are
allowed. No ``from __future__ import annotations`` here: django-ninja's ``@paginate`` must see
the query schema of the list as a class.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.core.access import require
from integra.core.concurrency import etag, expected_version_from_if_match, if_match_openapi
from integra.core.permissions import Permission
from integra.intake import selectors, services, workflow
from integra.intake.models import (
    Channel,
    IntakeAttachment,
    IntakeRequest,
    IntakeState,
    IntakeTransition,
    NeedArea,
    NeedLevel,
    PuaPoint,
    RequesterKind,
    Urgency,
)
from integra.people.gate import with_person_ref
from integra.people.schemas import PersonRefOut

router = Router(tags=["PUA"])

TEXT = 200
LONG_TEXT = 4000


# --- PUAs --------------------------------------------------------------------------------------


class PuaPointOut(Schema):
    id: int
    name: str
    address: str
    organization_id: int
    organization: str
    partner_ids: list[int]
    ambito_ids: list[int]
    municipality_ids: list[int]
    uvm_organization_id: int | None
    holiday_province: str
    pre_assessment_days: int
    pre_assessment_days_priority: int
    pre_assessment_days_urgent: int
    uvm_days: int
    uvm_day_kind: str
    due_soon_days: int
    closure_days: list[date]

    @staticmethod
    def resolve_organization(obj: PuaPoint) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_partner_ids(obj: PuaPoint) -> list[int]:
        return [o.pk for o in obj.partners.all()]

    @staticmethod
    def resolve_ambito_ids(obj: PuaPoint) -> list[int]:
        return [a.pk for a in obj.ambiti.all()]

    @staticmethod
    def resolve_municipality_ids(obj: PuaPoint) -> list[int]:
        return [m.pk for m in obj.municipalities.all()]


@router.get(
    "/points",
    response=list[PuaPointOut],
    summary="I PUA",
    description="I Punti Unici di Accesso attivi, con il territorio servito e le scadenze "
    "configurate (giorni lavorativi per la pre-valutazione secondo l'urgenza, giorni per "
    "l'UVM, preavviso, giorni di chiusura). Elenco pubblico per gli operatori.",
)
@paginate(LimitOffset)
def pua_point_list_endpoint(request: HttpRequest) -> object:
    return selectors.pua_point_list(actor=actor_of(request))


# --- requests ----------------------------------------------------------------------------------


class InboxQuery(Schema):
    state: IntakeState | None = Field(None, description="Solo le richieste in questo stato.")
    urgency: Urgency | None = None
    channel: Channel | None = None
    due: Literal["soon", "overdue"] | None = Field(
        None,
        description="soon: in scadenza (entro il preavviso del PUA); overdue: scadute. Solo "
        "richieste aperte, dalla scadenza più vicina.",
    )
    pua_id: int | None = Field(None, ge=1, le=2**31 - 1)
    box: Literal["pua", "received"] = Field(
        "pua",
        description="pua: le richieste dei PUA dell'ente; received: quelle inviate all'ente "
        "da un PUA (servizio, UVM, inoltro).",
    )


class TransitionOut(Schema):
    from_state: str
    to_state: str
    at: datetime
    by: str
    by_organization: str
    reason: str
    data: dict[str, Any]

    @staticmethod
    def resolve_by(obj: IntakeTransition) -> str:
        user = obj.by.user
        return user.get_full_name() or user.get_username()

    @staticmethod
    def resolve_by_organization(obj: IntakeTransition) -> str:
        return obj.by_organization.name


class AttachmentOut(Schema):
    id: int
    description: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class RequestOut(Schema):
    id: int
    pua_id: int
    competent_pua_id: int | None
    person_id: int
    person: PersonRefOut
    channel: str
    requester_kind: str
    requester_name: str
    requester_contact: str
    requester_organization_id: int | None
    need_areas: list[str]
    urgency: str
    description: str
    state: str
    outcome: str
    received_at: datetime
    pre_assessment_due: date
    uvm_due: date | None
    due_on: date | None
    closed_at: datetime | None
    outcome_service_id: int | None
    forwarded_to_id: int | None
    information_given: str
    sent_to_organization_id: int | None

    @staticmethod
    def resolve_person(obj: IntakeRequest) -> Any:
        return obj.person_ref


class TriageOut(Schema):
    instrument: str
    version: str
    answers: dict[str, Any]
    context: dict[str, Any]
    result: dict[str, Any]
    suggestion: dict[str, Any]
    at: datetime | None
    decision_need: str
    withheld: bool = Field(
        description="Vero quando le risposte sanitarie (e il punteggio che ne deriva) non sono "
        "mostrate: le leggono il PUA che lavora la richiesta e il personale sanitario."
    )


class UvmSessionBrief(Schema):
    """A UVM session of the request, as the actor may see it (the sessions the actor may not
    open are not listed)."""

    id: int
    state: str
    scheduled_for: datetime
    concluded_at: datetime | None
    user_class: str | None
    care_intensity: str
    next_review_on: date | None

    @staticmethod
    def resolve_user_class(obj: Any) -> str | None:
        return obj.user_class.code if obj.user_class else None


class RequestDetailOut(RequestOut):
    triage: TriageOut
    timeline: list[TransitionOut]
    attachments: list[AttachmentOut]
    allowed_moves: list[str]
    uvm_sessions: list[UvmSessionBrief] = Field(
        description="Le sedute UVM convocate per la richiesta (con l'esito, se concluse) che "
        "l'operatore può aprire."
    )

    @staticmethod
    def resolve_triage(obj: IntakeRequest) -> Any:
        return obj.triage_shown  # type: ignore[attr-defined]

    @staticmethod
    def resolve_timeline(obj: IntakeRequest) -> list[Any]:
        return list(obj.transitions.all())

    @staticmethod
    def resolve_attachments(obj: IntakeRequest) -> list[Any]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_uvm_sessions(obj: IntakeRequest) -> list[Any]:
        return list(obj.uvm_sessions_shown)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_allowed_moves(obj: IntakeRequest) -> list[str]:
        return [str(m.target) for m in workflow.allowed_moves(obj.state)]


@router.get(
    "/requests",
    response=list[RequestOut],
    summary="Le richieste al PUA",
    description="Le richieste visibili (i PUA dell'ente, o quelle inviate all'ente), aperte "
    "salvo filtro per stato, dalla più recente; con `due` dalla scadenza più vicina. Serve il "
    "permesso person.view. La consultazione è registrata.",
)
@paginate(LimitOffset)
def request_list_endpoint(request: HttpRequest, filters: Query[InboxQuery]) -> object:
    actor = actor_of(request)
    wanted = selectors.InboxFilters(
        state=str(filters.state.value) if filters.state else "",
        urgency=str(filters.urgency.value) if filters.urgency else "",
        channel=str(filters.channel.value) if filters.channel else "",
        due=filters.due or "",
        pua_id=filters.pua_id,
        box=filters.box,
    )
    qs = selectors.request_inbox(actor=actor, filters=wanted)
    selectors.request_list_access_record(actor=actor, filters=wanted)
    return qs


class RequestIn(Schema):
    person_id: int = Field(ge=1, le=2**31 - 1, description="La persona, registrata in anagrafe.")
    pua_id: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="Il PUA che riceve; se assente quello competente per residenza (o "
        "domicilio) se gestito dall'ente, altrimenti il primo PUA dell'ente.",
    )
    channel: Channel
    requester_kind: RequesterKind
    requester_name: str = Field("", max_length=TEXT)
    requester_contact: str = Field("", max_length=TEXT)
    requester_organization_id: int | None = Field(None, ge=1, le=2**31 - 1)
    need_areas: list[NeedArea] = Field(min_length=1, max_length=len(NeedArea.values))
    urgency: Urgency = Urgency.ORDINARY
    description: str = Field(min_length=1, max_length=LONG_TEXT)
    received_at: datetime | None = Field(
        None, description="Quando è arrivata (non nel futuro); se assente: adesso."
    )


@router.post(
    "/requests",
    response={201: RequestOut},
    summary="Registra una richiesta",
    description="Serve il permesso intake.manage (403). La persona va prima cercata o "
    "registrata in anagrafe (/api/v1/persons, con il controllo dei duplicati). La scadenza "
    "della pre-valutazione è calcolata in giorni lavorativi (festività nazionali e del santo "
    "patrono, giorni di chiusura del PUA) secondo l'urgenza. Dati non validi: 422.",
)
def request_create_endpoint(request: HttpRequest, payload: RequestIn) -> Any:
    data = payload.dict()
    for key in ("channel", "requester_kind", "urgency"):
        data[key] = str(data[key].value if hasattr(data[key], "value") else data[key])
    data["need_areas"] = [str(getattr(a, "value", a)) for a in data["need_areas"]]
    actor = actor_of(request)
    created = services.request_create(actor=actor, data=data)
    return Status(201, with_person_ref(actor, created))


@router.get(
    "/requests/{request_id}",
    response=RequestDetailOut,
    summary="Una richiesta con la sua cronologia",
    description="La richiesta, la pre-valutazione (risposte, versione dello strumento, "
    "risultato e suggerimento accanto alla decisione dell'operatore), la cronologia dei "
    "passaggi di stato (chi, quando, perché) e gli allegati. 404 se non visibile. La lettura "
    "è registrata. L'intestazione `ETag` va rinviata in `If-Match` per cambiare lo stato o "
    "registrare la pre-valutazione.",
)
def request_get_endpoint(request: HttpRequest, request_id: int, response: HttpResponse) -> Any:
    item = selectors.request_detail(actor=actor_of(request), request_id=request_id)
    response["ETag"] = etag(item)
    return item


class TransitionIn(Schema):
    to: IntakeState = Field(description="Lo stato di arrivo.")
    reason: str = Field(
        "",
        max_length=workflow.REASON_MAX_LENGTH,
        description="Obbligatorio per l'inoltro (non competente) e per chiudere una richiesta "
        "inviata all'UVM prima che l'UVM abbia concluso; facoltativo per i passi in avanti.",
    )
    need: NeedLevel | None = Field(
        None, description="Per gli esiti della pre-valutazione: bisogno semplice o complesso."
    )
    information_given: str | None = Field(None, max_length=workflow.INFORMATION_MAX_LENGTH)
    service_id: int | None = Field(None, ge=1, le=2**31 - 1)
    forwarded_to_id: int | None = Field(None, ge=1, le=2**31 - 1)


@router.post(
    "/requests/{request_id}/transitions",
    response=RequestDetailOut,
    summary="Cambia lo stato di una richiesta",
    description="Passaggi consentiti: ricevuta → pre_valutazione | non_competente; "
    "pre_valutazione → informata (need, information_given) | inviata_servizio (need, "
    "service_id) | inviata_uvm (need) | non_competente (need, forwarded_to_id); ogni esito → "
    "chiusa. Il motivo serve per l'inoltro e per chiudere senza l'esito dell'UVM. Un passaggio non consentito: 409 che indica "
    "quelli possibili; dati mancanti: 422. L'invio a un servizio o all'UVM dà all'ente "
    "destinatario la presa in carico della persona. Serve `If-Match` con l'ETag della lettura "
    "(senza: 428; se nel frattempo la richiesta è cambiata: 412); la risposta porta il nuovo "
    "`ETag`.",
    openapi_extra=if_match_openapi(),
)
def request_transition_endpoint(
    request: HttpRequest, request_id: int, payload: TransitionIn, response: HttpResponse
) -> Any:
    actor = actor_of(request)
    require(actor, Permission.INTAKE_MANAGE)  # a 403 comes before a missing If-Match's 428
    expected = expected_version_from_if_match(request)
    data = {
        key: value
        for key, value in {
            "need": str(payload.need.value) if payload.need else None,
            "information_given": payload.information_given,
            "service_id": payload.service_id,
            "forwarded_to_id": payload.forwarded_to_id,
        }.items()
        if value is not None
    }
    workflow.transition(
        actor,
        request_id,
        str(payload.to.value),
        payload.reason,
        expected_version=expected,
        **data,
    )
    item = selectors.request_detail(actor=actor, request_id=request_id)
    response["ETag"] = etag(item)
    return item


class TriageIn(Schema):
    answers: dict[str, str] = Field(description="Per codice di item: il codice dell'opzione.")
    context: dict[str, str] = Field(default_factory=dict)


class TriageResultOut(Schema):
    instrument: str
    version: str
    state: str
    result: dict[str, Any]
    suggestion: dict[str, Any]


@router.post(
    "/requests/{request_id}/pre-assessment",
    response=TriageResultOut,
    summary="Registra la pre-valutazione",
    description="Calcola la scheda di pre-valutazione del PUA (strumento pua_triage) sulle "
    "risposte, conserva risposte, versione, risultato e suggerimento (bisogno semplice o "
    "complesso, percorso); una richiesta ricevuta passa in pre-valutazione. Il suggerimento "
    "non decide: l'esito lo sceglie l'operatore. Risposte mancanti o sconosciute: 422 per item. "
    "Serve `If-Match` con l'ETag della lettura della richiesta (senza: 428; se nel frattempo è "
    "cambiata: 412); la risposta porta il nuovo `ETag`.",
    openapi_extra=if_match_openapi(),
)
def request_triage_endpoint(
    request: HttpRequest, request_id: int, payload: TriageIn, response: HttpResponse
) -> Any:
    actor = actor_of(request)
    require(actor, Permission.INTAKE_MANAGE)  # a 403 comes before a missing If-Match's 428
    updated = services.triage_record(
        actor=actor,
        request_id=request_id,
        answers=payload.answers,
        context=payload.context,
        expected_version=expected_version_from_if_match(request),
    )
    response["ETag"] = etag(updated)
    return {
        "instrument": updated.triage_instrument,
        "version": updated.triage_version,
        "state": updated.state,
        "result": updated.triage_result,
        "suggestion": updated.triage_suggestion,
    }


class AttachmentIn(Schema):
    description: str = Field("", max_length=TEXT)


@router.post(
    "/requests/{request_id}/attachments",
    response={201: AttachmentOut},
    summary="Allega un file",
    description="multipart/form-data con `file` (PDF, JPEG o PNG riconosciuti dal contenuto) "
    "e una descrizione facoltativa. File troppo grande 413, tipo non ammesso 422.",
)
def attachment_create_endpoint(
    request: HttpRequest,
    request_id: int,
    payload: Form[AttachmentIn],
    file: UploadedFile = File(..., description="Il file: PDF, JPEG o PNG."),  # noqa: B008
) -> Any:
    attachment = services.attachment_add(
        actor=actor_of(request),
        request_id=request_id,
        upload=file,
        description=payload.description,
    )
    return Status(201, attachment)


def _download(attachment: IntakeAttachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file_name or "allegato",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/requests/{request_id}/attachments/{attachment_id}/file",
    summary="Scarica un allegato",
    description="Il file come allegato; 404 se la richiesta o l'allegato non sono visibili. Lo "
    "scaricamento è registrato.",
)
def attachment_file_endpoint(request: HttpRequest, request_id: int, attachment_id: int) -> Any:
    attachment = selectors.attachment_for_download(
        actor=actor_of(request), request_id=request_id, attachment_id=attachment_id
    )
    return _download(attachment)


@router.get(
    "/awaiting-uvm",
    response=list[RequestOut],
    summary="Richieste in attesa di UVM",
    description="Le richieste inviate all'UVM, non chiuse e senza una seduta programmata o "
    "conclusa, dalla scadenza UVM più vicina (visibili al PUA e all'ente che convoca l'UVM).",
)
@paginate(LimitOffset)
def awaiting_uvm_endpoint(request: HttpRequest) -> object:
    return selectors.requests_awaiting_uvm(actor=actor_of(request))
