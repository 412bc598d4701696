"""The measures API (tag "misure"), mounted at /api/v1/measures.

Rule sets are regional configuration: any authenticated operator reads them. Screening a
person needs one of ASSESSMENT_PERFORM, UVM_PARTICIPATE or CASE_MANAGE (403 without) and a
person whose content the actor may see (404 otherwise, like a missing one). Evidence is read
with PERSON_VIEW (health kinds only with HEALTH_DATA_VIEW) and written with HEALTH_DATA_EDIT
(health kinds) or SOCIAL_RECORD_EDIT (the others). Bad input is a 422 naming each field.
No ``from __future__ import annotations``: django-ninja must see the schemas as classes.
"""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from integra.api.auth import actor_of
from integra.core.access import NotFound, require
from integra.core.permissions import Permission
from integra.programs import selectors, services
from integra.programs.facts import FactKind
from integra.programs.models import EligibilityFact, MeasureRuleSet

router = Router(tags=["misure"])

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,19}$"
MAX_ID = 2**31 - 1


# --- rule sets -----------------------------------------------------------------------------------


class OnQuery(Schema):
    on: date | None = Field(None, description="Data di riferimento (AAAA-MM-GG); oggi se assente.")


class RuleSetOut(Schema):
    id: int
    measure_code: str = Field(description="Codice della misura (B1, B2…).")
    measure_name: str
    act: str = Field(description="Atto regionale che fissa le regole (DGR).")
    effective_from: date
    effective_to: date | None
    status: Literal["active", "suspended"]
    sha256: str = Field(description="Impronta delle regole caricate.")
    parameters: dict[str, Any] = Field(description="Le regole: criteri, soglie ISEE, importi.")


class MeasureOut(Schema):
    code: str
    rule_set: RuleSetOut | None = Field(description="L'atto in vigore nella data, o null.")


@router.get(
    "",
    response=list[MeasureOut],
    summary="Le misure e le regole in vigore",
    description="Per ogni misura nota, l'atto regionale in vigore nella data `on` (oggi se "
    "assente), o null se nessun atto la copre.",
)
def measures_list(request: HttpRequest, query: Query[OnQuery]) -> Any:
    day = query.on or timezone.localdate()
    in_force = {r.measure_code: r for r in selectors.rule_sets_in_force(on=day)}
    return [{"code": c, "rule_set": in_force.get(c)} for c in selectors.measure_codes()]


class CodePath(Schema):
    code: str = Field(pattern=CODE_PATTERN, description="Codice della misura (B1, B2…).")


def _rule_set_in_force(code: str, day: date) -> MeasureRuleSet:
    rule_set = selectors.rule_set_in_force(measure_code=code.upper(), on=day)
    if rule_set is None:
        raise NotFound()
    return rule_set


@router.get(
    "/{code}/rules",
    response=RuleSetOut,
    summary="Le regole di una misura in una data",
    description="L'atto in vigore per la misura nella data `on` (oggi se assente); 404 se "
    "nessun atto la copre.",
)
def measure_rules(request: HttpRequest, path: Path[CodePath], query: Query[OnQuery]) -> Any:
    return _rule_set_in_force(path.code, query.on or timezone.localdate())


class RuleFileIn(Schema):
    text: str = Field(
        max_length=services.MAX_RULE_FILE_BYTES,
        description="Il file TOML delle regole di un atto (formato di integra/programs/rules).",
    )
    source_name: str = Field("", max_length=200, description="Nome del file di origine.")


class RuleSetLoadOut(Schema):
    outcome: Literal["created", "updated", "unchanged"]
    rule_set: RuleSetOut


@router.post(
    "/rule-sets",
    response={200: RuleSetLoadOut, 201: RuleSetLoadOut},
    summary="Carica le regole di un atto regionale",
    description="Solo l'amministratore di sistema (403). Le regole entrano in vigore dalle date "
    "del file, senza modifiche al programma; ricaricare lo stesso file non cambia nulla (200); "
    "un file non valido è un 422 che ne indica gli errori.",
)
def rule_set_upload(request: HttpRequest, payload: RuleFileIn) -> Any:
    require(actor_of(request), Permission.SYSTEM_ADMIN)
    loaded = services.rule_set_load(text=payload.text, source_name=payload.source_name)
    body = {"outcome": loaded.outcome, "rule_set": loaded.rule_set}
    return Status(201 if loaded.outcome == "created" else 200, body)


# --- screening -----------------------------------------------------------------------------------


class ScreenIn(Schema):
    person_id: int = Field(ge=1, le=MAX_ID, description="La persona da verificare.")
    on_date: date | None = Field(None, description="Data di riferimento; oggi se assente.")
    record: bool = Field(False, description="Se vero, la verifica è salvata e citabile.")


class EvidenceOut(Schema):
    kind: str = Field(description="fatto, punteggio o isee.")
    id: int
    label: str
    value: str
    date: date
    source: str
    document_id: int | None


class CriterionOut(Schema):
    code: str
    label: str
    group: str = Field(description="isee, prerequisite, conditions (riepilogo) o condition.")
    met: bool | None = Field(description="Soddisfatto, non soddisfatto, o null se non si sa.")
    evidence: list[EvidenceOut]
    notes: list[str]
    verification: str


class IncompatibilityOut(Schema):
    code: str
    label: str
    found: bool | None
    evidence: list[EvidenceOut]
    notes: list[str]


class AmountOut(Schema):
    code: str
    label: str
    min: Decimal | None
    max: Decimal | None
    unit: str
    isee_max: Decimal | None
    verification: str
    source: str


class RuleSetRef(Schema):
    id: int
    act: str
    effective_from: date
    effective_to: date | None
    status: str
    sha256: str


class ScreeningOut(Schema):
    person_id: int
    measure_code: str
    measure_name: str
    on_date: date
    rule_set: RuleSetRef
    outcome: Literal["eligible", "incompatible", "not_eligible", "incomplete", "suspended"]
    outcome_label: str
    age_group: Literal["adult", "minor"] | None
    criteria: list[CriterionOut]
    incompatibilities: list[IncompatibilityOut] = Field(
        description="Ogni incompatibilità prevista: found vero se già nota."
    )
    amounts: list[AmountOut]
    record_id: int | None = Field(None, description="La verifica salvata, se richiesto.")


@router.post(
    "/{code}/screen",
    response=ScreeningOut,
    summary="Verifica i requisiti di una persona per una misura",
    description="Ogni criterio, soddisfatto o no, con le evidenze lette (ISEE, punteggi, "
    "documenti), le incompatibilità note e gli importi dell'atto in vigore nella data. Serve "
    "uno dei permessi assessment.perform, uvm.participate o case.manage (403); persona non "
    "visibile 404; nessun atto in vigore nella data 422. La lettura è registrata.",
)
def measure_screen(request: HttpRequest, path: Path[CodePath], payload: ScreenIn) -> Any:
    actor = actor_of(request)
    code = path.code.upper()
    day = payload.on_date or timezone.localdate()
    if not selectors.rule_sets_all(measure_code=code).exists():
        raise NotFound()
    result = selectors.screen(actor, payload.person_id, code, day)
    data = result.as_json()
    if payload.record:
        record = services.screening_save(
            actor=actor, person_id=payload.person_id, measure_code=code, on_date=day, result=data
        )
        data["record_id"] = record.pk
    return data


# --- evidence ------------------------------------------------------------------------------------


class EvidenceQuery(Schema):
    person_id: int = Field(ge=1, le=MAX_ID, description="La persona.")
    include_ended: bool = Field(True, description="Anche le evidenze non più valide.")


class FactOut(Schema):
    id: int
    person_id: int
    kind: FactKind
    kind_label: str
    value: bool | Decimal | str | None
    valid_from: date
    valid_until: date | None
    document_id: int | None
    source: str
    organization_id: int
    recorded_by_id: int

    @staticmethod
    def resolve_kind_label(obj: EligibilityFact) -> str:
        return str(obj.get_kind_display())


class FactIn(Schema):
    person_id: int = Field(ge=1, le=MAX_ID)
    kind: FactKind = Field(description="Tipo di evidenza.")
    value: bool | Decimal | str = Field(
        description="Sì/no (true/false), un numero o un grado secondo il tipo."
    )
    valid_from: date
    valid_until: date | None = None
    document_id: int | None = Field(None, ge=1, le=MAX_ID, description="Documento di prova.")
    source: str = Field("", max_length=200, description="Fonte (verbale, certificato…).")


class FactEndIn(Schema):
    valid_until: date = Field(description="Ultimo giorno in cui l'evidenza vale.")


class FactPath(Schema):
    fact_id: int = Field(ge=1, le=MAX_ID)


@router.get(
    "/evidence",
    response=list[FactOut],
    summary="Le evidenze di una persona",
    description="Serve person.view e una persona di cui si vede il contenuto (404). I dati "
    "sanitari solo con health.view. La lettura è registrata.",
)
def evidence_list(request: HttpRequest, query: Query[EvidenceQuery]) -> Any:
    return selectors.facts_of(
        actor=actor_of(request), person_id=query.person_id, include_ended=query.include_ended
    )


@router.post(
    "/evidence",
    response={201: FactOut},
    summary="Registra un'evidenza",
    description="Dati sanitari con health.edit, gli altri con social.edit (403); persona non "
    "visibile 404; valore non adatto al tipo 422.",
)
def evidence_create(request: HttpRequest, payload: FactIn) -> Any:
    fact = services.fact_record(
        actor=actor_of(request),
        person_id=payload.person_id,
        kind=str(payload.kind.value),
        value=payload.value,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        document_id=payload.document_id,
        source=payload.source,
    )
    return Status(201, fact)


@router.post(
    "/evidence/{fact_id}/end",
    response=FactOut,
    summary="Chiude la validità di un'evidenza",
    description="L'evidenza resta nella storia; vale fino al giorno indicato.",
)
def evidence_end(request: HttpRequest, path: Path[FactPath], payload: FactEndIn) -> Any:
    return services.fact_end(
        actor=actor_of(request), fact_id=path.fact_id, valid_until=payload.valid_until
    )
