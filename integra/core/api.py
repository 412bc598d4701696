"""Territory API (tag "territorio"), mounted at /api/v1/territory/."""

from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import field_validator

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.core import selectors
from integra.core.models import District, HealthAuthorityKind
from integra.core.selectors import Coincidence

router = Router(tags=["territorio"])

Enrich = Callable[[HttpRequest, list[Any]], list[Any]]


class EnrichedPagination(LimitOffset):
    """The shared limit/offset pagination; ``enrich`` adds derived data to the page of items
    (in a constant number of queries) before it is serialised."""

    def __init__(self, *, enrich: Enrich | None = None, **kwargs: Any) -> None:
        self.enrich = enrich
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        if self.enrich is not None:
            page["items"] = self.enrich(request, page["items"])
        return page


# --- schemas -------------------------------------------------------------------------------------


class RegionOut(Schema):
    id: int = Field(description="Identificativo interno.")
    istat_code: str = Field(description="Codice ISTAT della regione (2 cifre).")
    name: str = Field(description="Nome della regione.")
    municipality_count: int = Field(description="Numero di Comuni.")
    population: int = Field(description="Popolazione residente (somma dei Comuni con il dato).")


class HealthAuthorityOut(Schema):
    id: int = Field(description="Identificativo interno.")
    code: str = Field(description="Codice dell'azienda.")
    kind: HealthAuthorityKind = Field(description="Tipo: asl, ats o asst.")
    name: str = Field(description="Denominazione.")
    region_id: int = Field(description="Regione (identificativo).")
    region_name: str = Field(alias="region.name", description="Nome della regione.")
    parent_id: int | None = Field(description="ATS di riferimento di un'ASST (identificativo).")
    district_count: int = Field(description="Distretti (per un'ATS: quelli delle sue ASST).")
    ambito_count: int = Field(description="Ambiti territoriali sociali dei suoi Comuni.")
    municipality_count: int = Field(description="Comuni dei suoi distretti.")
    population: int = Field(description="Popolazione residente dei suoi Comuni.")


class CoincidenceOut(Schema):
    status: Coincidence = Field(
        description=(
            "Coincidenza tra distretto e ambiti (L. 328/2000 art. 8; D.Lgs. 147/2017): "
            "coincides = i Comuni del distretto sono esattamente quelli di un solo ambito; "
            "several_ambiti = il distretto comprende più ambiti; ambito_across_districts = un "
            "ambito del distretto ha Comuni anche fuori dal distretto; without_ambito = Comuni "
            "senza ambito; no_municipalities = distretto senza Comuni."
        )
    )
    label: str = Field(description="Descrizione della coincidenza, in parole.")
    ambito_ids: list[int] = Field(description="Ambiti dei Comuni del distretto.")
    straddling_ambito_ids: list[int] = Field(
        description="Ambiti del distretto con Comuni anche fuori dal distretto."
    )
    municipalities_without_ambito: int = Field(description="Comuni del distretto senza ambito.")

    @staticmethod
    def resolve_label(obj: selectors.DistrictCoincidence) -> str:
        return str(obj.status.label)

    @staticmethod
    def resolve_ambito_ids(obj: selectors.DistrictCoincidence) -> list[int]:
        return sorted(obj.ambito_ids)

    @staticmethod
    def resolve_straddling_ambito_ids(obj: selectors.DistrictCoincidence) -> list[int]:
        return sorted(obj.straddling_ambito_ids)


class DistrictOut(Schema):
    id: int = Field(description="Identificativo interno.")
    code: str = Field(description="Codice del distretto.")
    name: str = Field(description="Nome del distretto.")
    health_authority_id: int = Field(description="Azienda sanitaria (ASL o ASST).")
    health_authority_name: str = Field(
        alias="health_authority.name", description="Nome dell'azienda sanitaria."
    )
    municipality_count: int = Field(description="Numero di Comuni del distretto.")
    population: int = Field(description="Popolazione residente del distretto.")
    coincidence: CoincidenceOut = Field(description="Coincidenza del distretto con un ambito.")


class AmbitoOut(Schema):
    id: int = Field(description="Identificativo interno.")
    code: str = Field(description="Codice dell'ambito.")
    name: str = Field(description="Nome dell'ambito territoriale sociale.")
    region_id: int = Field(description="Regione (identificativo).")
    lead_municipality_istat_code: str | None = Field(
        description="Codice ISTAT del Comune capofila."
    )
    lead_municipality_name: str | None = Field(description="Nome del Comune capofila.")
    municipality_count: int = Field(description="Numero di Comuni dell'ambito.")
    population: int = Field(description="Popolazione residente dell'ambito.")
    district_count: int = Field(description="Numero di distretti in cui ricadono i suoi Comuni.")

    @staticmethod
    def resolve_lead_municipality_istat_code(obj: Any) -> str | None:
        lead = obj.lead_municipality
        return lead.istat_code if lead else None

    @staticmethod
    def resolve_lead_municipality_name(obj: Any) -> str | None:
        lead = obj.lead_municipality
        return lead.name if lead else None


class MunicipalityOut(Schema):
    istat_code: str = Field(description="Codice ISTAT del Comune (6 cifre).")
    belfiore_code: str = Field(description="Codice catastale (Belfiore).")
    name: str = Field(description="Denominazione in italiano.")
    name_other_language: str = Field(description="Denominazione in altra lingua, se esiste.")
    province_code: str = Field(description="Sigla della provincia.")
    province_name: str = Field(description="Provincia o città metropolitana.")
    region_id: int = Field(description="Regione (identificativo).")
    region_name: str = Field(alias="region.name", description="Nome della regione.")
    population: int | None = Field(description="Popolazione residente.")
    population_year: int | None = Field(description="Anno (al 1° gennaio) della popolazione.")
    ambito_id: int | None = Field(description="Ambito territoriale sociale (identificativo).")
    ambito_name: str | None = Field(description="Nome dell'ambito.")
    district_id: int | None = Field(description="Distretto (identificativo).")
    district_name: str | None = Field(description="Nome del distretto.")

    @staticmethod
    def resolve_ambito_name(obj: Any) -> str | None:
        return obj.ambito.name if obj.ambito_id else None

    @staticmethod
    def resolve_district_name(obj: Any) -> str | None:
        return obj.district.name if obj.district_id else None


class MunicipalityRef(Schema):
    istat_code: str = Field(description="Codice ISTAT del Comune.")
    belfiore_code: str = Field(description="Codice Belfiore.")
    name: str = Field(description="Denominazione.")
    population: int | None = Field(description="Popolazione residente.")
    ambito_id: int | None = Field(description="Ambito del Comune (identificativo).")


class DistrictDetailOut(Schema):
    id: int = Field(description="Identificativo interno.")
    code: str = Field(description="Codice del distretto.")
    name: str = Field(description="Nome del distretto.")
    health_authority_id: int = Field(description="Azienda sanitaria del distretto.")
    population: int = Field(description="Popolazione residente del distretto.")
    coincidence: CoincidenceOut = Field(description="Coincidenza del distretto con un ambito.")
    municipalities: list[MunicipalityRef] = Field(description="Comuni del distretto.")

    @staticmethod
    def resolve_id(obj: selectors.DistrictTerritory) -> int:
        return obj.district.pk

    @staticmethod
    def resolve_code(obj: selectors.DistrictTerritory) -> str:
        return obj.district.code

    @staticmethod
    def resolve_name(obj: selectors.DistrictTerritory) -> str:
        return obj.district.name

    @staticmethod
    def resolve_health_authority_id(obj: selectors.DistrictTerritory) -> int:
        return obj.district.health_authority_id


class AmbitoDetailOut(Schema):
    id: int = Field(description="Identificativo interno.")
    code: str = Field(description="Codice dell'ambito.")
    name: str = Field(description="Nome dell'ambito.")
    lead_municipality_istat_code: str | None = Field(
        description="Codice ISTAT del Comune capofila."
    )
    district_ids: list[int] = Field(description="Distretti dell'azienda con Comuni dell'ambito.")
    municipality_count: int = Field(description="Comuni dell'ambito (anche fuori dall'azienda).")
    municipalities_elsewhere: int = Field(description="Comuni dell'ambito fuori dall'azienda.")
    population: int = Field(description="Popolazione residente dell'ambito.")
    status: Coincidence = Field(
        description="coincides, ambito_across_districts, several_ambiti o without_ambito."
    )
    coincident_district_id: int | None = Field(description="Distretto con cui coincide.")

    @staticmethod
    def resolve_id(obj: selectors.AmbitoTerritory) -> int:
        return obj.ambito.pk

    @staticmethod
    def resolve_code(obj: selectors.AmbitoTerritory) -> str:
        return obj.ambito.code

    @staticmethod
    def resolve_name(obj: selectors.AmbitoTerritory) -> str:
        return obj.ambito.name

    @staticmethod
    def resolve_lead_municipality_istat_code(obj: selectors.AmbitoTerritory) -> str | None:
        lead = obj.ambito.lead_municipality
        return lead.istat_code if lead else None

    @staticmethod
    def resolve_district_ids(obj: selectors.AmbitoTerritory) -> list[int]:
        return [d.pk for d in obj.districts]

    @staticmethod
    def resolve_coincident_district_id(obj: selectors.AmbitoTerritory) -> int | None:
        return obj.coincident_district.pk if obj.coincident_district else None


class HealthAuthorityDetailOut(HealthAuthorityOut):
    children: list[HealthAuthorityOut] = Field(description="Per un'ATS: le sue ASST.")
    districts: list[DistrictDetailOut] = Field(description="Distretti con Comuni e coincidenza.")
    ambiti: list[AmbitoDetailOut] = Field(description="Ambiti dei Comuni dei distretti.")
    coinciding_district_count: int = Field(description="Distretti che coincidono con un ambito.")


class _AuthorityDetail:
    """The authority's own fields, plus its territory, as one object for the schema."""

    def __init__(self, territory: selectors.AuthorityTerritory) -> None:
        self.children = territory.children
        self.districts = territory.districts
        self.ambiti = territory.ambiti
        self.coinciding_district_count = territory.coinciding_district_count
        self._authority = territory.authority

    def __getattr__(self, name: str) -> Any:
        return getattr(self._authority, name)


# --- handlers ------------------------------------------------------------------------------------


def _with_coincidence(request: HttpRequest, districts: list[District]) -> list[District]:
    rows = selectors.district_coincidences(actor=actor_of(request), districts=districts)
    for d in districts:
        d.coincidence = rows[d.pk].coincidence  # type: ignore[attr-defined]
    return districts


@router.get("regions", response=list[RegionOut], summary="Regioni")
@paginate(LimitOffset)
def regions(request: HttpRequest) -> Any:
    return selectors.region_list(actor=actor_of(request))


class HealthAuthorityFilters(Schema):
    region: int | None = Field(None, description="Regione (identificativo).")
    kind: HealthAuthorityKind | None = Field(None, description="Tipo: asl, ats o asst.")


@router.get(
    "health-authorities",
    response=list[HealthAuthorityOut],
    summary="Aziende sanitarie (ASL, ATS, ASST)",
)
@paginate(LimitOffset)
def health_authorities(request: HttpRequest, filters: Query[HealthAuthorityFilters]) -> Any:
    return selectors.health_authority_list(
        actor=actor_of(request), region_id=filters.region, kind=filters.kind
    )


@router.get(
    "health-authorities/{authority_id}",
    response=HealthAuthorityDetailOut,
    summary="Un'azienda sanitaria con distretti, ambiti e coincidenza territoriale",
)
def health_authority_detail(
    request: HttpRequest,
    authority_id: Annotated[int, Path(description="Identificativo dell'azienda sanitaria.")],
) -> Any:
    territory = selectors.health_authority_territory(
        actor=actor_of(request), authority_id=authority_id
    )
    return _AuthorityDetail(territory)


class DistrictFilters(Schema):
    health_authority: int | None = Field(
        None, description="Azienda sanitaria (per un'ATS: i distretti delle sue ASST)."
    )
    region: int | None = Field(None, description="Regione (identificativo).")


@router.get("districts", response=list[DistrictOut], summary="Distretti")
@paginate(EnrichedPagination, enrich=_with_coincidence)
def districts(request: HttpRequest, filters: Query[DistrictFilters]) -> Any:
    return selectors.district_list(
        actor=actor_of(request),
        health_authority_id=filters.health_authority,
        region_id=filters.region,
    )


class AmbitoFilters(Schema):
    region: int | None = Field(None, description="Regione (identificativo).")
    health_authority: int | None = Field(
        None, description="Ambiti dei Comuni dei distretti di questa azienda sanitaria."
    )
    district: int | None = Field(None, description="Ambiti dei Comuni di questo distretto.")


@router.get("ambiti", response=list[AmbitoOut], summary="Ambiti territoriali sociali")
@paginate(LimitOffset)
def ambiti(request: HttpRequest, filters: Query[AmbitoFilters]) -> Any:
    return selectors.ambito_list(
        actor=actor_of(request),
        region_id=filters.region,
        health_authority_id=filters.health_authority,
        district_id=filters.district,
    )


class MunicipalityFiltersIn(Schema):
    q: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description=(
            "Testo nel nome (prima i nomi che iniziano così), inizio del codice ISTAT o "
            "codice Belfiore."
        ),
    )
    istat_code: str | None = Field(
        None, pattern=r"^[0-9]{6}$", description="Codice ISTAT esatto (6 cifre)."
    )
    belfiore_code: str | None = Field(
        None, pattern=r"^[A-Za-z][0-9]{3}$", description="Codice Belfiore esatto."
    )
    region: int | None = Field(None, description="Regione (identificativo).")
    ambito: int | None = Field(None, description="Ambito territoriale sociale (identificativo).")
    district: int | None = Field(None, description="Distretto (identificativo).")

    @field_validator("q")
    @classmethod
    def no_control_characters(cls, value: str | None) -> str | None:
        if value is not None and any(ord(ch) < 32 for ch in value):
            raise ValueError(_("Il testo di ricerca contiene caratteri di controllo."))
        return value


@router.get("municipalities", response=list[MunicipalityOut], summary="Comuni")
@paginate(LimitOffset)
def municipalities(request: HttpRequest, filters: Query[MunicipalityFiltersIn]) -> Any:
    return selectors.municipality_list(
        actor=actor_of(request),
        filters=selectors.MunicipalityFilters(
            q=filters.q or "",
            istat_code=filters.istat_code or "",
            belfiore_code=filters.belfiore_code or "",
            region_id=filters.region,
            ambito_id=filters.ambito,
            district_id=filters.district,
        ),
    )


@router.get(
    "municipalities/{istat_code}",
    response=MunicipalityOut,
    summary="Un Comune per codice ISTAT",
)
def municipality_detail(
    request: HttpRequest,
    istat_code: Annotated[str, Path(description="Codice ISTAT del Comune (6 cifre).")],
) -> Any:
    return selectors.municipality_get(actor=actor_of(request), istat_code=istat_code)
