"""API of the directory of enti and of the service catalogue (tag "enti e servizi")."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.responses import Status
from pydantic import ConfigDict

from integra.api.auth import actor_of
from integra.core.access import Actor, require, scoped
from integra.core.models import Municipality
from integra.core.permissions import Permission
from integra.organizations.models import (
    Organization,
    OrganizationKind,
    Service,
    ServiceArea,
    Unit,
)
from integra.organizations.selectors import (
    municipalities_by_istat,
    organization_detail,
    organization_list,
    service_detail,
    service_for_edit,
    service_search,
    services_of_organization,
)
from integra.organizations.services import service_create, service_update

router = Router(tags=["enti e servizi"])

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000  # far beyond any catalogue; keeps OFFSET within a bigint


class StrictSchema(Schema):
    """Input schema refusing unknown fields (a typo or ``provider_id`` is an error, not a
    silent no-op). Messages of validation errors are made Italian by ``integra.api.errors``."""

    model_config = ConfigDict(extra="forbid")


def _invalid(errors: dict[str, list[str]]) -> ValidationError:
    """A 422 naming each field, from field → messages."""
    return ValidationError(
        [
            {"loc": ("body", field), "msg": message, "type": "invalid"}
            for field, messages in errors.items()
            for message in messages
        ]
    )


# --- output schemas ------------------------------------------------------------------------


class MunicipalityRef(Schema):
    istat_code: str = Field(description="Codice ISTAT del Comune")
    name: str = Field(description="Nome del Comune")


class OrganizationRef(Schema):
    id: int
    name: str = Field(description="Denominazione")
    kind: OrganizationKind = Field(description="Tipo di ente")


class UnitRef(Schema):
    id: int
    name: str = Field(description="Nome dell'unità organizzativa")


class UnitOut(UnitRef):
    district: str | None = Field(None, description="Distretto")
    phone: str = Field(description="Telefono")
    email: str = Field(description="Email")

    @staticmethod
    def resolve_district(obj: Unit) -> str | None:
        return obj.district.name if obj.district else None


class OrganizationOut(Schema):
    id: int
    code: str = Field(description="Codice dell'ente")
    name: str = Field(description="Denominazione")
    kind: OrganizationKind = Field(description="Tipo di ente")
    kind_label: str = Field(description="Tipo di ente, per esteso")
    parent: OrganizationRef | None = Field(None, description="Ente di appartenenza")
    municipality: MunicipalityRef | None = Field(None, description="Comune (se l'ente è un Comune)")
    address: str = Field(description="Indirizzo")
    phone: str = Field(description="Telefono")
    email: str = Field(description="Email")
    pec: str = Field(description="PEC")
    website: str = Field(description="Sito web")

    @staticmethod
    def resolve_kind_label(obj: Organization) -> str:
        return str(obj.get_kind_display())


class ServiceOut(Schema):
    id: int
    code: str = Field(description="Codice del servizio")
    name: str = Field(description="Nome del servizio")
    description: str = Field(description="Descrizione")
    area: ServiceArea = Field(description="Area di intervento")
    area_label: str = Field(description="Area di intervento, per esteso")
    provider: OrganizationRef = Field(description="Ente erogatore")
    unit: UnitRef | None = Field(None, description="Unità organizzativa")
    address: str = Field(description="Indirizzo della sede")
    municipality: MunicipalityRef | None = Field(None, description="Comune della sede")
    phone: str = Field(description="Telefono")
    email: str = Field(description="Email")
    website: str = Field(description="Sito web")
    opening_hours: str = Field(description="Orari di apertura")
    access_notes: str = Field(description="Modalità di accesso")
    is_active: bool = Field(description="Servizio attivo")

    @staticmethod
    def resolve_area_label(obj: Service) -> str:
        return str(obj.get_area_display())


class ServiceDetailOut(ServiceOut):
    served_municipalities: list[MunicipalityRef] = Field(
        description="Comuni i cui residenti possono rivolgersi al servizio"
    )

    @staticmethod
    def resolve_served_municipalities(obj: Service) -> list[Municipality]:
        return list(obj.served_municipalities.all())


class OrganizationDetailOut(OrganizationOut):
    units: list[UnitOut] = Field(description="Unità organizzative")
    served_municipalities: list[MunicipalityRef] = Field(description="Territorio servito")
    services: list[ServiceOut] = Field(description="Servizi offerti (visibili all'operatore)")

    @staticmethod
    def resolve_units(obj: Organization) -> list[Unit]:
        return list(obj.units.all())

    @staticmethod
    def resolve_served_municipalities(obj: Organization) -> list[Municipality]:
        return list(obj.served_municipalities.all())

    @staticmethod
    def resolve_services(obj: Organization) -> list[Service]:
        return list(getattr(obj, "services_visible", []))


class OrganizationPage(Schema):
    count: int = Field(description="Numero totale di enti trovati")
    items: list[OrganizationOut]


class ServicePage(Schema):
    count: int = Field(description="Numero totale di servizi trovati")
    items: list[ServiceOut]


# --- input schemas -------------------------------------------------------------------------

ISTAT_PATTERN = r"^[0-9]{6}$"
IstatCode = Annotated[str, Field(pattern=ISTAT_PATTERN, description="Codice ISTAT (6 cifre)")]


class PageQuery(StrictSchema):
    # Unknown query parameters are ignored, as browsers and proxies add their own.
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Quanti risultati (1–100)")
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description="Da quale risultato partire (0 = il primo)"
    )


class OrganizationFilters(PageQuery):
    q: str = Field("", max_length=200, description="Testo cercato nella denominazione")
    kind: OrganizationKind | None = Field(None, description="Tipo di ente")
    municipality: str | None = Field(
        None, pattern=ISTAT_PATTERN, description="Codice ISTAT di un Comune servito"
    )


class ServiceFilters(PageQuery):
    q: str = Field(
        "", max_length=200, description="Testo cercato nel nome (maiuscole e accenti ignorati)"
    )
    area: ServiceArea | None = Field(None, description="Area di intervento")
    municipality: str | None = Field(
        None,
        pattern=ISTAT_PATTERN,
        description="Codice ISTAT di un Comune: servizi rivolti ai suoi residenti o con sede lì",
    )
    provider: int | None = Field(None, description="Identificativo dell'ente erogatore")


class ServiceCreateIn(StrictSchema):
    name: str = Field(description="Nome del servizio (obbligatorio)")
    area: ServiceArea = Field(description="Area di intervento (obbligatoria)")
    code: str = Field("", description="Codice; se vuoto è assegnato dal sistema")
    description: str = Field("", description="Descrizione")
    unit_id: int | None = Field(None, description="Unità organizzativa dell'ente erogatore")
    address: str = Field("", description="Indirizzo della sede")
    municipality: str | None = Field(
        None, pattern=ISTAT_PATTERN, description="Codice ISTAT del Comune della sede"
    )
    served_municipalities: list[IstatCode] = Field(
        default_factory=list, description="Codici ISTAT dei Comuni serviti"
    )
    phone: str = Field("", description="Telefono")
    email: str = Field("", description="Email")
    website: str = Field("", description="Sito web")
    opening_hours: str = Field("", description="Orari di apertura")
    access_notes: str = Field("", description="Modalità di accesso")
    is_active: bool = Field(True, description="Servizio attivo")


class ServicePatchIn(StrictSchema):
    name: str | None = Field(None, description="Nome del servizio")
    area: ServiceArea | None = Field(None, description="Area di intervento")
    code: str | None = Field(None, description="Codice")
    description: str | None = Field(None, description="Descrizione")
    unit_id: int | None = Field(None, description="Unità organizzativa (null per toglierla)")
    address: str | None = Field(None, description="Indirizzo della sede")
    municipality: str | None = Field(
        None,
        pattern=ISTAT_PATTERN,
        description="Codice ISTAT del Comune della sede (null per toglierlo)",
    )
    served_municipalities: list[IstatCode] | None = Field(
        None, description="Codici ISTAT dei Comuni serviti (sostituiscono quelli presenti)"
    )
    phone: str | None = Field(None, description="Telefono")
    email: str | None = Field(None, description="Email")
    website: str | None = Field(None, description="Sito web")
    opening_hours: str | None = Field(None, description="Orari di apertura")
    access_notes: str | None = Field(None, description="Modalità di accesso")
    is_active: bool | None = Field(None, description="Servizio attivo")


# API field name → model field name, for the messages of the service layer.
_API_FIELD = {"unit": "unit_id"}


def _service_fields(actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """Turn API values (ids, ISTAT codes) into the model values the service layer takes."""
    fields = dict(payload)
    errors: dict[str, list[str]] = {}
    codes: list[str] = []
    if fields.get("municipality"):
        codes.append(fields["municipality"])
    codes.extend(fields.get("served_municipalities") or [])
    known = municipalities_by_istat(actor=actor, codes=codes) if codes else {}
    if "municipality" in fields:
        code = fields.pop("municipality")
        if code and code not in known:
            errors["municipality"] = [
                _("Comune non trovato: codice ISTAT %(code)s.") % {"code": code}
            ]
        fields["municipality"] = known.get(code) if code else None
    if "served_municipalities" in fields:
        served = fields.pop("served_municipalities") or []
        unknown = [c for c in served if c not in known]
        if unknown:
            errors["served_municipalities"] = [
                _("Comuni non trovati: codici ISTAT %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
        fields["served_municipalities"] = [known[c] for c in served if c in known]
    if "unit_id" in fields:
        unit_id = fields.pop("unit_id")
        unit = None
        if unit_id is not None:
            unit = scoped(actor, Unit).filter(pk=unit_id).first()
            if unit is None:
                errors["unit_id"] = [_("Unità organizzativa non trovata.")]
        fields["unit"] = unit
    if errors:
        raise _invalid(errors)
    return fields


def _raise_invalid(exc: DjangoValidationError) -> NoReturn:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"-": exc.messages}
    raise _invalid({_API_FIELD.get(k, k): list(v) for k, v in errors.items()}) from exc


# --- endpoints -----------------------------------------------------------------------------


@router.get(
    "/organizations",
    response=OrganizationPage,
    summary="Elenco degli enti",
    description="Enti attivi, filtrabili per tipo, Comune servito e denominazione; paginato.",
)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]) -> dict[str, Any]:
    qs = organization_list(
        actor=actor_of(request),
        query=filters.q,
        kind=filters.kind,
        municipality_istat=filters.municipality,
    )
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.get(
    "/organizations/{organization_id}",
    response=OrganizationDetailOut,
    summary="Un ente",
    description="Dati dell'ente con unità organizzative, territorio servito e servizi offerti.",
)
def get_organization(request: HttpRequest, organization_id: int) -> Organization:
    actor = actor_of(request)
    organization = organization_detail(actor=actor, organization_id=organization_id)
    organization.services_visible = list(  # type: ignore[attr-defined]
        services_of_organization(actor=actor, organization=organization).select_related("provider")
    )
    return organization


@router.get(
    "/services",
    response=ServicePage,
    summary="Catalogo dei servizi",
    description=(
        "Ricerca nel catalogo per nome (maiuscole e accenti ignorati), area, Comune "
        "(servizi rivolti ai suoi residenti o con sede lì) ed ente erogatore; paginato."
    ),
)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> dict[str, Any]:
    qs = service_search(
        actor=actor_of(request),
        query=filters.q,
        area=filters.area,
        municipality_istat=filters.municipality,
        provider_id=filters.provider,
    )
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.get(
    "/services/{service_id}",
    response=ServiceDetailOut,
    summary="Un servizio del catalogo",
)
def get_service(request: HttpRequest, service_id: int) -> Service:
    return service_detail(actor=actor_of(request), service_id=service_id)


@router.post(
    "/services",
    response={201: ServiceDetailOut},
    summary="Aggiungi un servizio al catalogo del tuo ente",
    description="Riservato a chi gestisce il catalogo; l'ente erogatore è l'ente per cui operi.",
)
def create_service(request: HttpRequest, payload: ServiceCreateIn) -> Status[Service]:
    actor = actor_of(request)
    require(actor, Permission.CATALOGUE_MANAGE)  # 403 before any word on the payload
    try:
        service = service_create(actor=actor, fields=_service_fields(actor, payload.model_dump()))
    except DjangoValidationError as exc:
        _raise_invalid(exc)
    return Status(201, service_detail(actor=actor, service_id=service.pk))


@router.patch(
    "/services/{service_id}",
    response=ServiceDetailOut,
    summary="Modifica un servizio del tuo ente",
    description="Cambia solo i campi inviati. Un servizio di un altro ente risulta non trovato.",
)
def update_service(request: HttpRequest, service_id: int, payload: ServicePatchIn) -> Service:
    actor = actor_of(request)
    # 403 without the permission, 404 for another organisation's service, before the payload.
    service_for_edit(actor=actor, service_id=service_id)
    try:
        service = service_update(
            actor=actor,
            service_id=service_id,
            fields=_service_fields(actor, payload.model_dump(exclude_unset=True)),
        )
    except DjangoValidationError as exc:
        _raise_invalid(exc)
    return service_detail(actor=actor, service_id=service.pk)
