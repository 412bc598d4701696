"""API of cost shares (tag "chi paga"): LEA rules, co-payment regulations, the split preview."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from integra.api.auth import actor_of
from integra.core.access import PermissionRequired, require
from integra.core.permissions import Permission
from integra.costshares.access import may_write_regulations
from integra.costshares.models import CareSetting, CopaymentRegulation, CopaymentShape
from integra.costshares.selectors import (
    care_settings,
    cost_split_preview,
    regulation_detail,
    regulation_for_edit,
    regulation_list,
)
from integra.costshares.services import (
    BandInput,
    PeriodInput,
    RegulationInput,
    regulation_create,
    regulation_update,
)
from integra.people.models import IseeKind

router = Router(tags=["chi paga"])


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- output --------------------------------------------------------------------------------------


class LeaRuleOut(Schema):
    ssn_percent: Decimal = Field(description="Quota a carico del SSN (%)")
    valid_from: date = Field(description="In vigore dal")
    valid_to: date | None = Field(None, description="In vigore fino al (vuoto: senza scadenza)")
    max_days_after_discharge: int | None = Field(
        None, description="Solo nei primi N giorni dopo una dimissione protetta"
    )
    source: str = Field(description="Fonte: atto, articolo e comma")


class CareSettingOut(Schema):
    code: str = Field(description="Codice del setting")
    name: str = Field(description="Nome del setting")
    article: str = Field(description="Articolo del DPCM 12/1/2017")
    description: str
    rules: list[LeaRuleOut] = Field(description="Quote LEA (in vigore alla data chiesta)")

    @staticmethod
    def resolve_rules(obj: CareSetting) -> list[Any]:
        return list(obj.rules.all())


class BandOut(Schema):
    isee_up_to: Decimal | None = Field(None, description="ISEE fino a (vuoto: fascia aperta)")
    person_percent: Decimal = Field(description="Quota a carico della persona (%)")


class PeriodOut(Schema):
    valid_from: date
    valid_to: date | None = None
    shape: CopaymentShape
    exemption_threshold: Decimal | None = None
    ceiling: Decimal | None = None
    monthly_cap: Decimal | None = None
    monthly_minimum: Decimal | None = None
    source: str
    bands: list[BandOut]

    @staticmethod
    def resolve_bands(obj: Any) -> list[Any]:
        return list(obj.bands.all())


class OrganizationRef(Schema):
    id: int
    name: str


class RegulationOut(Schema):
    id: int
    organization: OrganizationRef
    name: str
    act: str
    isee_kind: IseeKind
    periods: list[PeriodOut]

    @staticmethod
    def resolve_periods(obj: CopaymentRegulation) -> list[Any]:
        return list(obj.periods.all())


class RegulationPage(Schema):
    count: int
    items: list[RegulationOut]


class SplitOut(Schema):
    tariff: Decimal = Field(description="Tariffa mensile")
    # "…_amount", not "person": a field named "person" names a person (people gate's rule).
    ssn_amount: Decimal = Field(description="Quota del Servizio sanitario nazionale")
    comune_amount: Decimal = Field(description="Quota del Comune / Ambito")
    person_amount: Decimal = Field(description="Quota della persona")
    other_amount: Decimal = Field(description="Quota di altri soggetti")
    ssn_percent: Decimal
    person_percent: Decimal | None = Field(
        None, description="Percentuale della parte sociale a carico della persona"
    )
    setting_code: str
    regulation_id: int | None = None
    explanation: list[str] = Field(description="Le regole applicate, in ordine")
    warnings: list[str]
    isee_missing: bool
    regulation_missing: bool
    sources: list[str]


# --- input ---------------------------------------------------------------------------------------


class CostRuleFilters(Schema):
    on: date | None = Field(None, description="Data (default: oggi)")


class RegulationFilters(Schema):
    organization_id: int | None = Field(None, description="Solo i regolamenti di questo ente")
    on: date | None = Field(None, description="Solo quelli con un periodo in vigore alla data")


class BandIn(StrictSchema):
    isee_up_to: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    person_percent: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)


class PeriodIn(StrictSchema):
    valid_from: date
    valid_to: date | None = None
    shape: CopaymentShape
    exemption_threshold: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    ceiling: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    monthly_cap: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    monthly_minimum: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    source: str = Field(description="Articolo del regolamento")
    bands: list[BandIn] = Field(default_factory=list)


class RegulationCreateIn(StrictSchema):
    organization_id: int | None = Field(
        None, description="Ente (Comune o Ambito); default: l'ente per cui operi"
    )
    name: str
    act: str = Field(description="Atto di approvazione (delibera)")
    isee_kind: IseeKind
    periods: list[PeriodIn] = Field(description="Periodi di vigenza, senza sovrapposizioni")


class RegulationPatchIn(StrictSchema):
    name: str | None = None
    act: str | None = None
    isee_kind: IseeKind | None = None
    periods: list[PeriodIn] | None = Field(
        None, description="Se presenti, sostituiscono tutti i periodi"
    )


class SplitIn(StrictSchema):
    setting_code: str | None = Field(None, description="Setting assistenziale")
    service_id: int | None = Field(None, description="Servizio del catalogo (setting predefinito)")
    monthly_tariff: Decimal = Field(max_digits=12, description="Tariffa mensile in euro")
    on: date = Field(description="Data a cui applicare le regole")
    days_since_protected_discharge: int | None = Field(
        None, description="Giorni dalla dimissione protetta (il giorno dopo è il giorno 1)"
    )
    organization_id: int | None = Field(
        None, description="Comune o Ambito: il suo regolamento in vigore alla data"
    )
    regulation_id: int | None = Field(None, description="Regolamento da applicare")
    isee_value: Decimal | None = Field(None, max_digits=12, description="Valore ISEE")
    other_amount: Decimal | None = Field(None, max_digits=12, description="Quota di altri")


def _periods(items: list[PeriodIn] | None) -> tuple[PeriodInput, ...] | None:
    if items is None:
        return None
    return tuple(
        PeriodInput(
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            shape=p.shape,
            source=p.source,
            exemption_threshold=p.exemption_threshold,
            ceiling=p.ceiling,
            monthly_cap=p.monthly_cap,
            monthly_minimum=p.monthly_minimum,
            bands=tuple(BandInput(b.isee_up_to, b.person_percent) for b in p.bands),
        )
        for p in items
    )


# --- endpoints -----------------------------------------------------------------------------------


@router.get(
    "/cost-rules",
    response=list[CareSettingOut],
    summary="Quote LEA a carico del SSN",
    description="Ogni setting assistenziale con le quote LEA in vigore alla data (default oggi).",
)
def list_cost_rules(request: HttpRequest, filters: Query[CostRuleFilters]) -> list[CareSetting]:
    actor = actor_of(request)
    require(actor, Permission.CATALOGUE_VIEW)
    return list(care_settings(actor=actor, on=filters.on or timezone.localdate()))


@router.get(
    "/copayment-regulations",
    response=RegulationPage,
    summary="Regolamenti di compartecipazione",
)
def list_regulations(request: HttpRequest, filters: Query[RegulationFilters]) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, Permission.CATALOGUE_VIEW)
    items = list(
        regulation_list(actor=actor, organization_id=filters.organization_id, on=filters.on)
    )
    return {"count": len(items), "items": items}


@router.get(
    "/copayment-regulations/{regulation_id}",
    response=RegulationOut,
    summary="Un regolamento di compartecipazione",
)
def get_regulation(request: HttpRequest, regulation_id: int) -> CopaymentRegulation:
    return regulation_detail(actor=actor_of(request), regulation_id=regulation_id)


@router.post(
    "/copayment-regulations",
    response={201: RegulationOut},
    summary="Nuovo regolamento di compartecipazione",
    description="Riservato al coordinatore dell'Ufficio di Piano dell'ente (o all'amministratore).",
)
def create_regulation(
    request: HttpRequest, payload: RegulationCreateIn
) -> Status[CopaymentRegulation]:
    actor = actor_of(request)
    regulation = regulation_create(
        actor=actor,
        data=RegulationInput(
            organization_id=payload.organization_id,
            name=payload.name,
            act=payload.act,
            isee_kind=payload.isee_kind,
            periods=_periods(payload.periods),
        ),
    )
    return Status(201, regulation_detail(actor=actor, regulation_id=regulation.pk))


@router.patch(
    "/copayment-regulations/{regulation_id}",
    response=RegulationOut,
    summary="Modifica un regolamento del tuo ente",
    description="Cambia solo i campi inviati; i periodi inviati sostituiscono i precedenti.",
)
def update_regulation(
    request: HttpRequest, regulation_id: int, payload: RegulationPatchIn
) -> CopaymentRegulation:
    actor = actor_of(request)
    if not may_write_regulations(actor):
        raise PermissionRequired(Permission.PLANNING_COORDINATE)
    regulation_for_edit(actor=actor, regulation_id=regulation_id)  # 404 before the payload
    regulation_update(
        actor=actor,
        regulation_id=regulation_id,
        data=RegulationInput(
            name=payload.name,
            act=payload.act,
            isee_kind=payload.isee_kind,
            periods=_periods(payload.periods),
        ),
    )
    return regulation_detail(actor=actor, regulation_id=regulation_id)


@router.post(
    "/cost-split/preview",
    response=SplitOut,
    summary="Chi paga: anteprima della ripartizione di una tariffa",
    description=(
        "Quota SSN (LEA), del Comune, della persona (ISEE) e di altri per una tariffa mensile; "
        "importi al centesimo (arrotondamento half-up), la somma è sempre la tariffa."
    ),
)
def preview_split(request: HttpRequest, payload: SplitIn) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, Permission.CATALOGUE_VIEW)
    preview = cost_split_preview(
        actor=actor,
        monthly_tariff=payload.monthly_tariff,
        on=payload.on,
        setting_code=payload.setting_code,
        service_id=payload.service_id,
        organization_id=payload.organization_id,
        regulation_id=payload.regulation_id,
        isee_value=payload.isee_value,
        days_since_protected_discharge=payload.days_since_protected_discharge,
        other_amount=payload.other_amount,
    )
    split = preview.split
    return {
        "tariff": split.tariff,
        "ssn_amount": split.ssn,
        "comune_amount": split.comune,
        "person_amount": split.person,
        "other_amount": split.other,
        "ssn_percent": split.ssn_percent,
        "person_percent": split.person_percent,
        "setting_code": preview.setting.code,
        "regulation_id": preview.regulation.pk if preview.regulation else None,
        "explanation": list(split.explanation),
        "warnings": list(split.warnings),
        "isee_missing": split.isee_missing,
        "regulation_missing": split.regulation_missing,
        "sources": list(split.sources),
    }
