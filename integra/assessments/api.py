"""The assessments API (tag "valutazioni"), mounted at the root of /api/v1/.

``/instruments``: the catalogue and the score calculator. Any authenticated operator may read
the definitions and score answers (nothing is stored: the calculator holds no personal data).
Scores are computed on the server only, from the instrument's definition.

``/assessments``: assessments recorded for a person. Reading follows the person's visibility
and, for health instruments, ``HEALTH_DATA_VIEW`` (integra/assessments/access.py); an
assessment or person outside it is a 404 like a missing one. Recording needs the permission of
the instrument's domain (403 without). Incomplete or invalid answers are a 422 naming each bad
item. No ``from __future__ import annotations``: ``@paginate`` must see the schemas as classes.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.assessments import selectors, services
from integra.assessments.definitions import InstrumentDefinition
from integra.assessments.models import Assessment, InstrumentVersion
from integra.assessments.scoring import score, total_range
from integra.core.access import NotFound
from integra.people.models import Person

router = Router(tags=["valutazioni"])

MAX_ID = 2**63 - 1
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"


class OptionOut(Schema):
    code: str = Field(description="Codice dell'opzione, da usare nelle risposte.")
    label: str = Field(description="Testo dell'opzione.")
    score: int = Field(description="Punteggio dell'opzione.")


class ItemOut(Schema):
    code: str = Field(description="Codice dell'item, chiave delle risposte.")
    label: str = Field(description="Testo dell'item.")
    help: str = Field(description="Istruzioni per chi somministra.")
    icf: str | None = Field(description="Codice ICF del dominio informato dall'item.")
    required: bool = Field(description="Risposta obbligatoria.")
    options: list[OptionOut] = Field(description="Le opzioni, nell'ordine della fonte.")


class ContextChoiceOut(Schema):
    code: str
    label: str


class ContextFieldOut(Schema):
    code: str = Field(description="Chiave del contesto (per esempio education).")
    label: str
    help: str
    required: bool
    choices: list[ContextChoiceOut]


class BandOut(Schema):
    code: str
    label: str
    min: int | None = None
    max: int | None = None


class InstrumentOut(Schema):
    code: str = Field(description="Codice dello strumento (barthel, katz, lawton, spmsq...).")
    version: str = Field(description="Versione della definizione.")
    title: str
    short_title: str
    description: str
    domain: Literal["health", "social"] = Field(description="Ambito: sanitario o sociale.")
    source: str = Field(description="Fonte originale citata.")
    licence: str = Field(description="Nota sulla licenza d'uso.")
    scoring_rule: str = Field(description="sum, sum_with_correction, count o none.")
    min_total: int | None = Field(description="Totale minimo possibile.")
    max_total: int | None = Field(description="Totale massimo possibile.")
    bands: list[BandOut] = Field(description="Fasce del totale (estremi inclusi).")


class InstrumentDetailOut(InstrumentOut):
    items: list[ItemOut]
    context: list[ContextFieldOut] = Field(description="Dati di contesto per il punteggio.")
    scoring: dict[str, Any] = Field(description="La regola di punteggio completa.")
    is_current: bool = Field(description="È la versione in uso.")


def _instrument_data(version: InstrumentVersion, *, detail: bool) -> dict[str, Any]:
    definition = version.parsed()
    bounds = total_range(definition)
    data: dict[str, Any] = {
        "code": definition.code,
        "version": definition.version,
        "title": definition.title,
        "short_title": definition.short_title,
        "description": definition.description,
        "domain": definition.domain,
        "source": definition.source,
        "licence": definition.licence,
        "scoring_rule": definition.scoring.rule,
        "min_total": bounds[0] if bounds else None,
        "max_total": bounds[1] if bounds else None,
        "bands": [b.model_dump() for b in definition.scoring.bands],
    }
    if detail:
        data["items"] = [i.model_dump() for i in definition.items]
        data["context"] = [c.model_dump() for c in definition.context]
        data["scoring"] = definition.scoring.model_dump(mode="json")
        data["is_current"] = version.is_current
    return data


class CodeOut(Schema):
    code: str
    label: str


class SuggestionOut(Schema):
    need: Literal["simple", "complex"] = Field(description="Bisogno semplice o complesso.")
    route: Literal["information", "single_service", "uvm"] = Field(description="Percorso.")
    label: str


class ScoreOut(Schema):
    instrument_code: str
    version: str = Field(description="Versione della definizione usata.")
    total: int | None = Field(description="Totale (corretto, se lo strumento lo prevede).")
    raw_total: int | None = Field(description="Totale prima delle correzioni.")
    correction: int = Field(description="Correzione applicata dal contesto.")
    min_total: int | None
    max_total: int | None
    subscores: dict[str, int] = Field(description="Sottopunteggi per codice.")
    band: CodeOut | None = Field(description="Fascia del totale; null se non definita.")
    grade: CodeOut | None = Field(description="Grado (Katz 1963: A-G o altro).")
    suggestion: SuggestionOut | None = Field(description="Percorso suggerito (triage PUA).")


class ScoreIn(Schema):
    answers: dict[str, Any] = Field(description="{codice item: codice opzione}.")
    context: dict[str, Any] = Field(
        default_factory=dict, description='Contesto, per esempio {"education": "primary"}.'
    )


class VersionQuery(Schema):
    version: str | None = Field(
        None, max_length=40, description="Una versione precisa (predefinita: quella in uso)."
    )


def _score_data(definition: InstrumentDefinition, result: Any) -> dict[str, Any]:
    return {"instrument_code": definition.code, "version": definition.version, **result.as_dict()}


@router.get(
    "/instruments",
    response=list[InstrumentOut],
    summary="Gli strumenti di valutazione",
    description="La versione in uso di ogni strumento, per titolo. Nessun dato personale.",
)
def instrument_list_endpoint(request: HttpRequest) -> Any:
    actor_of(request)
    return [_instrument_data(v, detail=False) for v in selectors.instrument_list()]


@router.get(
    "/instruments/{code}",
    response=InstrumentDetailOut,
    summary="La definizione di uno strumento",
    description="Item e opzioni con codici e punteggi, contesto, regola, fasce. `version` "
    "sceglie una versione precedente (per rileggere valutazioni passate).",
)
def instrument_get_endpoint(request: HttpRequest, code: str, filters: Query[VersionQuery]) -> Any:
    actor_of(request)
    version = selectors.instrument_version_get(code=code[:50], version=filters.version)
    return _instrument_data(version, detail=True)


@router.post(
    "/instruments/{code}/score",
    response=ScoreOut,
    summary="Calcola il punteggio",
    description="Calcola totale, sottopunteggi, fascia (e grado o percorso suggerito dove "
    "previsti) con la versione in uso. Nulla è registrato. Risposte mancanti, item o opzioni "
    "sconosciuti e contesto non valido: 422 che nomina ciascun item (`answers.<item>`) o dato "
    "di contesto (`context.<campo>`).",
)
def instrument_score_endpoint(request: HttpRequest, code: str, payload: ScoreIn) -> Any:
    actor_of(request)
    definition = selectors.instrument_version_get(code=code[:50]).parsed()
    result = score(definition, payload.answers, payload.context)
    return _score_data(definition, result)


class AssessmentIn(Schema):
    person_id: int = Field(ge=1, le=MAX_ID, description="La persona valutata.")
    instrument_code: str = Field(pattern=CODE_PATTERN, description="Codice dello strumento.")
    answers: dict[str, Any] = Field(description="{codice item: codice opzione}.")
    context: dict[str, Any] = Field(default_factory=dict, description="Contesto del punteggio.")
    administered_on: date = Field(description="Data della somministrazione (non futura).")
    notes: str = Field("", max_length=5000)


class AssessmentOut(Schema):
    id: int
    person_id: int
    instrument_code: str
    instrument_version: str = Field(description="Versione con cui è stata calcolata.")
    instrument_title: str
    domain: str
    organization_id: int
    administered_by: str = Field(description="Nome utente di chi l'ha somministrata.")
    administered_on: date
    answers: dict[str, Any]
    context: dict[str, Any]
    total: int | None
    subscores: dict[str, Any]
    band_code: str
    band_label: str
    notes: str
    created_at: datetime

    @staticmethod
    def resolve_instrument_version(obj: Assessment) -> str:
        return obj.instrument_version.version

    @staticmethod
    def resolve_instrument_title(obj: Assessment) -> str:
        return obj.instrument_version.instrument.title

    @staticmethod
    def resolve_domain(obj: Assessment) -> str:
        return obj.instrument_version.instrument.domain

    @staticmethod
    def resolve_administered_by(obj: Assessment) -> str:
        return obj.administered_by.get_username()


class AssessmentQuery(Schema):
    person_id: int = Field(ge=1, le=MAX_ID, description="La persona.")
    instrument_code: str | None = Field(None, pattern=CODE_PATTERN, description="Solo questo.")


@router.post(
    "/assessments",
    response={201: AssessmentOut},
    summary="Registra una valutazione",
    description="Calcola il punteggio sul server con la versione in uso dello strumento e lo "
    "registra; la valutazione conserva quella versione. Serve il permesso dell'ambito "
    "(sanitario: health.edit o assessment.perform; sociale: social.edit o assessment.perform), "
    "altrimenti 403; una persona non visibile è 404. Risposte non valide: 422 che nomina "
    "ciascun item.",
)
def assessment_create_endpoint(request: HttpRequest, payload: AssessmentIn) -> Any:
    actor = actor_of(request)
    person = Person(pk=payload.person_id)
    assessment = services.record_assessment(
        actor,
        person,
        payload.instrument_code,
        payload.answers,
        payload.context,
        payload.administered_on,
        payload.notes,
    )
    fresh = selectors.assessment_get(actor=actor, assessment_id=assessment.pk)
    return Status(201, fresh)


@router.get(
    "/assessments",
    response=list[AssessmentOut],
    summary="Le valutazioni di una persona",
    description="Dalla più recente. Le valutazioni con strumenti sanitari si vedono solo con "
    "il permesso health.view. Una persona non visibile è 404. La consultazione è registrata.",
)
@paginate(LimitOffset)
def assessment_list_endpoint(request: HttpRequest, filters: Query[AssessmentQuery]) -> Any:
    actor = actor_of(request)
    qs = selectors.person_assessments(actor, Person(pk=filters.person_id))
    if filters.instrument_code:
        qs = qs.filter(instrument_code=filters.instrument_code)
    return qs


@router.get(
    "/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="Una valutazione",
    description="Una valutazione non visibile risponde 404 come una inesistente.",
)
def assessment_get_endpoint(request: HttpRequest, assessment_id: int) -> Any:
    if not 1 <= assessment_id <= MAX_ID:
        raise NotFound()
    return selectors.assessment_get(actor=actor_of(request), assessment_id=assessment_id)
