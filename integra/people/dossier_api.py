"""The API of the Garante's dossier rules (tag "fascicolo"): oscuramento, emergency access, the
report of accesses for the person, the auditor's anomalies.

Every operation goes through the same services and selectors as the pages, so the same access
policy: a person, an item or an emergency access out of the caller's reach is a 404 like a
missing one; a missing permission a 403; bad input a 422 problem+json naming each field. No
``from __future__ import annotations`` here: django-ninja's ``@paginate`` must see the query
schema as a class.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.errors import problem
from integra.api.pagination import LimitOffset
from integra.people.access_report import (
    access_report,
    access_report_file_name,
    access_report_pdf,
)
from integra.people.anomalies import audit_anomalies
from integra.people.concealment import concealment_overview, concealment_record
from integra.people.dossier_errors import DossierError
from integra.people.emergency import (
    REASON_MAX_LENGTH,
    EmergencyFilters,
    emergency_access_get,
    emergency_access_list,
    emergency_access_open,
    emergency_list_access_record,
)
from integra.people.gate import with_person_ref
from integra.people.models import (
    ConcealedKind,
    ConcealmentAction,
    ConcealmentEvidence,
    RequestedBy,
)
from integra.people.schemas import PersonRefOut

persons_router = Router(tags=["fascicolo"])
emergency_router = Router(tags=["fascicolo"])
anomalies_router = Router(tags=["audit"])

MAX_ID = 2**63 - 1
_NO_NUL = r"^[^\x00]*$"


def _problem(request: HttpRequest, exc: DossierError) -> HttpResponse:
    """A refused operation: 422 with one entry per bad field."""
    return problem(
        request,
        status=422,
        code=str(exc.code),
        title=str(exc.code.label),
        detail=exc.message,
        errors=[
            {"field": field, "in": "body", "code": str(exc.code), "message": message}
            for field, messages in exc.errors.items()
            for message in messages
        ],
    )


# --- oscuramento -------------------------------------------------------------------------------


class ConcealableItemOut(Schema):
    kind: str = Field(description="document, assessment, intake_request o uvm_session.")
    kind_label: str = Field(description="Il tipo di elemento, in parole.")
    id: int = Field(description="Identificativo dell'elemento.")
    label: str = Field(description="Descrizione breve dell'elemento.")
    author: str = Field(description="L'ente che ha prodotto l'elemento.")
    concealed: bool = Field(
        description="Oscurato su richiesta della persona (lo vede solo chi l'ha prodotto)."
    )


class ConcealmentDecisionOut(Schema):
    id: int
    person_id: int
    item_kind: str
    item_id: int
    author_organization_id: int = Field(description="Ente che ha prodotto l'elemento.")
    action: str = Field(description="conceal (oscuramento) o reveal (revoca).")
    requested_on: date
    requested_by: str
    guardian_name: str
    evidence_kind: str
    evidence_note: str
    recorded_by_organization_id: int
    created_at: datetime


class RevocableOut(Schema):
    item_kind: str
    item_id: int
    author_organization_id: int


class ConcealmentOverviewOut(Schema):
    items: list[ConcealableItemOut] = Field(
        description="Gli elementi della persona che chi chiede vede (massimo 100 per tipo)."
    )
    revocable_elsewhere: list[RevocableOut] = Field(
        description="Oscuramenti registrati dal proprio ente su elementi prodotti da altri enti "
        "(non più visibili, ma revocabili)."
    )
    decisions: list[ConcealmentDecisionOut] = Field(
        description="Le decisioni che chi chiede può vedere (sugli elementi del proprio ente o "
        "registrate dal proprio ente), dalla più recente."
    )


class ConcealmentIn(Schema):
    item_kind: ConcealedKind = Field(description="Tipo di elemento.")
    item_id: int = Field(ge=1, le=MAX_ID, description="Identificativo dell'elemento.")
    action: ConcealmentAction = Field(description="conceal (oscura) o reveal (revoca).")
    requested_on: date = Field(description="Data della richiesta della persona.")
    requested_by: RequestedBy = Field(RequestedBy.PERSON, description="person o guardian.")
    guardian_name: str = Field("", max_length=200, pattern=_NO_NUL)
    evidence_kind: ConcealmentEvidence = Field(
        description="written_request (richiesta scritta) o presence_declaration."
    )
    evidence_note: str = Field(
        max_length=2000, pattern=_NO_NUL, description="Come è documentata la richiesta."
    )


@persons_router.get(
    "/{person_id}/concealments",
    response=ConcealmentOverviewOut,
    summary="Gli oscuramenti di una persona",
    description="Gli elementi della persona che si vedono (con quelli oscurati prodotti dal "
    "proprio ente) e le decisioni visibili. Serve leggere la scheda della persona (404 "
    "altrimenti). La lettura è registrata.",
)
def concealment_list_endpoint(request: HttpRequest, person_id: int) -> Any:
    overview = concealment_overview(actor=actor_of(request), person_id=person_id)
    return {
        "items": overview.items,
        "revocable_elsewhere": overview.revocable_elsewhere,
        "decisions": overview.decisions,
    }


@persons_router.post(
    "/{person_id}/concealments",
    response={201: ConcealmentDecisionOut},
    summary="Registra una richiesta di oscuramento (o la sua revoca)",
    description="La persona chiede di oscurare un documento o un episodio (valutazione, "
    "richiesta al PUA, seduta UVM): da quel momento lo vede solo l'ente che l'ha prodotto, e "
    "per gli altri è come se non esistesse (Garante privacy, Linee guida sul Dossier sanitario, "
    "4/6/2015). Serve il permesso person.edit (403) e un elemento visibile della persona "
    "(404); dati non validi, un elemento già oscurato o non oscurato: 422. L'ente che ha "
    "registrato la persona riceve un avviso che nomina solo il tipo di elemento.",
)
def concealment_create_endpoint(
    request: HttpRequest, person_id: int, payload: ConcealmentIn
) -> Any:
    try:
        decision = concealment_record(
            actor=actor_of(request),
            person_id=person_id,
            item_kind=payload.item_kind.value,
            item_id=payload.item_id,
            action=payload.action.value,
            requested_on=payload.requested_on,
            requested_by=payload.requested_by.value,
            guardian_name=payload.guardian_name,
            evidence_kind=payload.evidence_kind.value,
            evidence_note=payload.evidence_note,
        )
    except DossierError as exc:
        return _problem(request, exc)
    return Status(201, decision)


# --- the report of accesses -------------------------------------------------------------------


class ReportQuery(Schema):
    date_from: date | None = Field(None, description="Dal giorno (incluso; di default 24 mesi fa).")
    date_to: date | None = Field(None, description="Al giorno (incluso; di default oggi).")


@persons_router.get(
    "/{person_id}/access-report.pdf",
    summary="Il registro degli accessi alla scheda, da consegnare alla persona (PDF)",
    description="Chi ha consultato la scheda e i dati della persona: ente, unità e ruolo "
    "dell'operatore in quel momento, data e ora, che cosa, finalità, accesso di emergenza "
    "(GDPR art. 15; Garante, Linee guida sul Dossier sanitario 2015). Senza il nome "
    "dell'operatore. Solo per l'ente che ha registrato la persona: operatori con person.view o "
    "auditor; per gli altri 404. La stampa è registrata.",
)
def access_report_endpoint(request: HttpRequest, person_id: int, query: Query[ReportQuery]) -> Any:
    try:
        report = access_report(
            actor=actor_of(request),
            person_id=person_id,
            date_from=query.date_from,
            date_to=query.date_to,
        )
    except DossierError as exc:
        return _problem(request, exc)
    response = HttpResponse(access_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{access_report_file_name(report)}"'
    return response


# --- emergency access --------------------------------------------------------------------------


class EmergencyAccessOut(Schema):
    id: int
    person_id: int
    person: PersonRefOut = Field(description="La persona, come la vede chi chiede.")
    user_id: int
    username: str
    membership_id: int
    organization_id: int
    organization: str
    reason: str
    found_by_code: str
    opened_at: datetime
    expires_at: datetime

    @staticmethod
    def resolve_person(obj: Any) -> Any:
        return obj.person_ref

    @staticmethod
    def resolve_username(obj: Any) -> str:
        return str(obj.user.username)

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.name)


class EmergencyIn(Schema):
    reason: str = Field(
        max_length=REASON_MAX_LENGTH,
        pattern=_NO_NUL,
        description="Il motivo dell'emergenza (almeno 20 caratteri).",
    )
    hours: int = Field(ge=1, le=24, description="Durata in ore (al massimo quella configurata).")
    confirm: bool = Field(
        description="Conferma di aver letto l'avviso: l'accesso è registrato e segnalato."
    )


class EmergencyByCodeIn(EmergencyIn):
    code: str = Field(
        max_length=32,
        pattern=r"^[A-Za-z0-9 ]+$",
        description="Codice fiscale, provvisorio, STP, ENI o TEAM della persona (esatto).",
    )


def _opened(request: HttpRequest, **kwargs: Any) -> Any:
    actor = actor_of(request)
    try:
        access = emergency_access_open(actor=actor, **kwargs)
    except DossierError as exc:
        return _problem(request, exc)
    return Status(201, with_person_ref(actor, access))


@persons_router.post(
    "/{person_id}/emergency-access",
    response={201: EmergencyAccessOut},
    summary="Apre in emergenza la scheda di una persona nota",
    description="Per chi vede la persona solo in forma limitata o non la ha in carico: lettura "
    "della scheda per `hours` ore, solo per chi la apre, senza modifiche e senza gli elementi "
    "oscurati. Servono il motivo (almeno 20 caratteri) e `confirm`. Registrato, segnalato "
    "all'ente che ha registrato la persona e agli auditor, visibile alla persona. 404 per una "
    "persona non nota; 422 se la scheda è già leggibile o un accesso è già aperto.",
)
def emergency_open_endpoint(request: HttpRequest, person_id: int, payload: EmergencyIn) -> Any:
    return _opened(
        request,
        person_id=person_id,
        reason=payload.reason,
        hours=payload.hours,
        confirmed=payload.confirm,
    )


@emergency_router.post(
    "",
    response={201: EmergencyAccessOut},
    summary="Apre in emergenza la scheda della persona con un codice",
    description="Come /persons/{id}/emergency-access, per una persona trovata con il suo "
    "codice esatto (anche non nota a chi chiede). Un codice che non corrisponde a nessuno: 422 "
    "sul campo `code`, e il tentativo è registrato come negato.",
)
def emergency_open_by_code_endpoint(request: HttpRequest, payload: EmergencyByCodeIn) -> Any:
    return _opened(
        request,
        code=payload.code,
        reason=payload.reason,
        hours=payload.hours,
        confirmed=payload.confirm,
    )


class EmergencyQuery(Schema):
    date_from: date | None = Field(None, description="Aperti dal giorno (incluso, ora di Roma).")
    date_to: date | None = Field(None, description="Al giorno (incluso).")
    state: str = Field("", pattern=r"^(|active|expired)$", description="active o expired.")
    side: str = Field(
        "",
        pattern=r"^(|own|records)$",
        description="own: aperti dagli operatori del proprio ente; records: sulle schede "
        "registrate dal proprio ente.",
    )

    def filters(self) -> EmergencyFilters:
        return EmergencyFilters(
            date_from=self.date_from, date_to=self.date_to, state=self.state, side=self.side
        )


@emergency_router.get(
    "",
    response=list[EmergencyAccessOut],
    summary="Gli accessi di emergenza (auditor)",
    description="Aperti dagli operatori del proprio ente o sulle schede registrate dal proprio "
    "ente, dal più recente. Serve audit.view (403). La consultazione è registrata.",
)
@paginate(LimitOffset)
def emergency_list_endpoint(request: HttpRequest, filters: Query[EmergencyQuery]) -> Any:
    actor = actor_of(request)
    chosen = filters.filters()
    rows = emergency_access_list(actor=actor, filters=chosen)
    emergency_list_access_record(actor=actor, filters=chosen)
    return rows


@emergency_router.get(
    "/{access_id}",
    response=EmergencyAccessOut,
    summary="Un accesso di emergenza",
    description="Per chi l'ha aperto e per gli auditor dei due enti; 404 per gli altri.",
)
def emergency_get_endpoint(request: HttpRequest, access_id: int) -> Any:
    return emergency_access_get(actor=actor_of(request), access_id=access_id)


# --- anomalies ---------------------------------------------------------------------------------


class OutOfChargeOut(Schema):
    user_id: int | None
    username: str
    organization_id: int | None
    organization: str
    person_id: int
    reads: int
    emergency_reads: int
    first_at: datetime
    last_at: datetime


class SpikeOut(Schema):
    user_id: int
    username: str
    organization_id: int | None
    organization: str
    reads: int
    median: float
    active_days: int


class DeniedOut(Schema):
    user_id: int | None
    username: str
    organization_id: int | None
    organization: str
    attempts: int
    subjects: int


class AnomaliesOut(Schema):
    day: date
    count: int
    out_of_charge: list[OutOfChargeOut]
    spikes: list[SpikeOut]
    denied: list[DeniedOut]


class AnomaliesQuery(Schema):
    day: date = Field(description="Il giorno da esaminare (ora di Roma).")


@anomalies_router.get(
    "",
    response=AnomaliesOut,
    summary="Gli accessi anomali di un giorno (auditor)",
    description="Letture di persone non in carico all'ente dell'operatore (accessi di "
    "emergenza compresi e segnalati), letture molto sopra il consueto, tentativi negati "
    "ripetuti; nella parte del registro che l'auditor vede. Serve audit.view (403).",
)
def anomalies_endpoint(request: HttpRequest, query: Query[AnomaliesQuery]) -> Any:
    report = audit_anomalies(actor=actor_of(request), day=query.day)
    return {
        "day": report.day,
        "count": report.count,
        "out_of_charge": report.out_of_charge,
        "spikes": report.spikes,
        "denied": report.denied,
    }
