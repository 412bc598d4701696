"""Reads of the territory and its one rule: does a Distretto coincide with an Ambito?

Rule 2 of Pesaresi's ten rules for social and health integration (seed document 002, "Il
territorio deve coincidere"): "L'integrazione si realizza a livello di ambito territoriale
sociale coincidente con i distretti sanitari" — L. 328/2000 art. 8 and D.Lgs. 147/2017 ask
for social Ambiti and health Distretti with the same boundaries. Here a Distretto *coincides*
when the set of its Comuni equals the set of Comuni of exactly one Ambito. Coincidence is
always derived from the Comuni, never stored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import (
    Case,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from integra.core.access import Actor, NotFound, get_visible, require, scoped
from integra.core.models import (
    Ambito,
    District,
    HealthAuthority,
    HealthAuthorityKind,
    Municipality,
    Region,
)
from integra.core.permissions import Permission

_DIGITS_RE = re.compile(r"^[0-9]{1,6}$")
_ISTAT_RE = re.compile(r"^[0-9]{6}$")
_BELFIORE_RE = re.compile(r"^[A-Za-z][0-9]{3}$")


class Coincidence(models.TextChoices):
    """How a Distretto's boundary relates to the Ambiti of its Comuni."""

    COINCIDES = "coincides", _("coincide")
    SEVERAL_AMBITI = "several_ambiti", _("più ambiti")
    AMBITO_ACROSS_DISTRICTS = "ambito_across_districts", _("ambito su più distretti")
    MUNICIPALITIES_WITHOUT_AMBITO = "without_ambito", _("comuni senza ambito")
    NO_MUNICIPALITIES = "no_municipalities", _("nessun comune")


@dataclass(frozen=True)
class DistrictCoincidence:
    status: Coincidence
    ambito_ids: frozenset[int]
    # Ambiti of this Distretto that also have Comuni outside it.
    straddling_ambito_ids: frozenset[int]
    municipalities_without_ambito: int

    @property
    def coincides(self) -> bool:
        return self.status == Coincidence.COINCIDES


def district_coincidence(
    *,
    ambito_of_municipality: Mapping[int, int | None],
    municipalities_of_ambito: Mapping[int, Iterable[int]],
) -> DistrictCoincidence:
    """Classify one Distretto (seed 002, rule 2).

    ``ambito_of_municipality`` maps each Comune of the Distretto to its Ambito (or None);
    ``municipalities_of_ambito`` maps each of those Ambiti to *all* its Comuni, wherever they are.
    An Ambito straddling Distretti wins over a Distretto split among Ambiti: it is the
    stronger departure from the rule, since no boundary of either can be kept as it is.
    """
    members = set(ambito_of_municipality)
    ambiti = frozenset(a for a in ambito_of_municipality.values() if a is not None)
    without = sum(1 for a in ambito_of_municipality.values() if a is None)
    straddling = frozenset(a for a in ambiti if set(municipalities_of_ambito.get(a, ())) - members)
    if not members:
        status = Coincidence.NO_MUNICIPALITIES
    elif len(ambiti) == 1 and not without and not straddling:
        status = Coincidence.COINCIDES
    elif straddling:
        status = Coincidence.AMBITO_ACROSS_DISTRICTS
    elif len(ambiti) > 1:
        status = Coincidence.SEVERAL_AMBITI
    else:
        status = Coincidence.MUNICIPALITIES_WITHOUT_AMBITO
    return DistrictCoincidence(status, ambiti, straddling, without)


# --- shared query pieces ------------------------------------------------------------------------


class _Count(Func):
    """COUNT(...) usable inside a Subquery without a GROUP BY."""

    function = "COUNT"
    output_field = IntegerField()


class _CountDistinct(Func):
    function = "COUNT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = IntegerField()


class _Sum(Func):
    function = "SUM"
    output_field = IntegerField()


def _scalar(qs: QuerySet[Any], expression: Func) -> Coalesce:
    return Coalesce(Subquery(qs.order_by().annotate(v=expression).values("v")[:1]), Value(0))


def _authority_municipalities() -> QuerySet[Municipality]:
    """Comuni of the outer authority: through its own Distretti, or its ASSTs' for an ATS."""
    return Municipality.objects.filter(
        Q(district__health_authority=OuterRef("pk"))
        | Q(district__health_authority__parent=OuterRef("pk"))
    )


def _with_authority_totals(qs: QuerySet[HealthAuthority]) -> QuerySet[HealthAuthority]:
    districts = District.objects.filter(
        Q(health_authority=OuterRef("pk")) | Q(health_authority__parent=OuterRef("pk"))
    )
    return qs.annotate(
        district_count=_scalar(districts, _Count(F("id"))),
        municipality_count=_scalar(_authority_municipalities(), _Count(F("id"))),
        ambito_count=_scalar(_authority_municipalities(), _CountDistinct(F("ambito_id"))),
        population=_scalar(_authority_municipalities(), _Sum(F("population"))),
        child_count=_scalar(HealthAuthority.objects.filter(parent=OuterRef("pk")), _Count(F("id"))),
    )


# --- regions and health authorities -------------------------------------------------------------


def region_list(*, actor: Actor) -> QuerySet[Region]:
    require(actor, Permission.TERRITORY_VIEW)
    comuni = Municipality.objects.filter(region=OuterRef("pk"))
    return (
        scoped(actor, Region)
        .annotate(
            municipality_count=_scalar(comuni, _Count(F("id"))),
            population=_scalar(comuni, _Sum(F("population"))),
        )
        .order_by("istat_code")
    )


def health_authority_list(
    *, actor: Actor, region_id: int | None = None, kind: str | None = None
) -> QuerySet[HealthAuthority]:
    """Health authorities by region, each with its counts of Distretti, Ambiti, Comuni and
    population (an ATS counts those of its ASSTs)."""
    require(actor, Permission.TERRITORY_VIEW)
    qs = scoped(actor, HealthAuthority).select_related("region", "parent")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if kind:
        qs = qs.filter(kind=kind)
    kind_order = Case(
        When(kind=HealthAuthorityKind.ATS, then=Value(0)),
        When(kind=HealthAuthorityKind.ASL, then=Value(1)),
        default=Value(2),
    )
    return _with_authority_totals(qs).order_by("region__istat_code", kind_order, "name", "pk")


@dataclass
class DistrictTerritory:
    district: District
    municipalities: list[Municipality]
    ambiti: list[Ambito]
    coincidence: DistrictCoincidence
    population: int
    municipalities_without_population: int

    @property
    def coincident_ambito(self) -> Ambito | None:
        return self.ambiti[0] if self.coincidence.coincides else None


@dataclass
class AmbitoTerritory:
    ambito: Ambito
    # Distretti of this authority (or of its ASSTs) holding Comuni of the Ambito.
    districts: list[District]
    municipality_count: int
    population: int
    # Comuni of the Ambito outside this authority's Distretti, or in no Distretto.
    municipalities_elsewhere: int
    # Distinct Distretti, anywhere, holding Comuni of the Ambito.
    district_count: int
    coincident_district: District | None
    # Seen from the Ambito: coincides, straddles Distretti, or shares its Distretto.
    status: Coincidence

    @property
    def spans_several_districts(self) -> bool:
        return self.district_count > 1


@dataclass
class AuthorityTerritory:
    authority: HealthAuthority
    children: list[HealthAuthority]
    districts: list[DistrictTerritory]
    ambiti: list[AmbitoTerritory]
    municipality_count: int = 0
    population: int = 0
    municipalities_without_population: int = 0
    coinciding_district_count: int = 0


def _territory_of_districts(
    *, actor: Actor, districts: list[District]
) -> tuple[list[DistrictTerritory], list[AmbitoTerritory]]:
    """Comuni, Ambiti and coincidence of these Distretti, in two queries whatever their size."""
    district_ids = [d.pk for d in districts]
    # One query: the Comuni of the Distretti, and every Comune of the Ambiti they touch.
    touched_ambiti = Municipality.objects.filter(
        district_id__in=district_ids, ambito__isnull=False
    ).values("ambito_id")
    rows = (
        list(
            scoped(actor, Municipality)
            .filter(Q(district_id__in=district_ids) | Q(ambito_id__in=Subquery(touched_ambiti)))
            .only(
                "id",
                "name",
                "istat_code",
                "belfiore_code",
                "province_code",
                "population",
                "ambito_id",
                "district_id",
            )
            .order_by("name", "istat_code")
        )
        if district_ids
        else []
    )
    ambito_ids = {m.ambito_id for m in rows if m.ambito_id is not None}
    ambiti = (
        {
            a.pk: a
            for a in scoped(actor, Ambito)
            .filter(pk__in=ambito_ids)
            .select_related("lead_municipality")
        }
        if ambito_ids
        else {}
    )

    by_district: dict[int, list[Municipality]] = defaultdict(list)
    members_of_ambito: dict[int, list[Municipality]] = defaultdict(list)
    for m in rows:
        if m.ambito_id in ambiti:
            m.ambito = ambiti[m.ambito_id]  # already fetched: no query per Comune
        if m.district_id is not None:
            by_district[m.district_id].append(m)
        if m.ambito_id is not None:
            members_of_ambito[m.ambito_id].append(m)
    member_ids = {a: [m.pk for m in ms] for a, ms in members_of_ambito.items()}

    district_rows: list[DistrictTerritory] = []
    for d in districts:
        comuni = by_district.get(d.pk, [])
        coincidence = district_coincidence(
            ambito_of_municipality={m.pk: m.ambito_id for m in comuni},
            municipalities_of_ambito=member_ids,
        )
        district_rows.append(
            DistrictTerritory(
                district=d,
                municipalities=comuni,
                ambiti=sorted(
                    (ambiti[a] for a in coincidence.ambito_ids if a in ambiti), key=lambda a: a.name
                ),
                coincidence=coincidence,
                population=sum(m.population or 0 for m in comuni),
                municipalities_without_population=sum(1 for m in comuni if m.population is None),
            )
        )

    district_by_id = {d.pk: d for d in districts}
    coincident = {
        next(iter(row.coincidence.ambito_ids)): row.district
        for row in district_rows
        if row.coincidence.coincides
    }
    ambito_rows = []
    ambiti_of_district = {row.district.pk: row.coincidence.ambito_ids for row in district_rows}
    for a in sorted(ambiti.values(), key=lambda a: a.name):
        members = members_of_ambito[a.pk]
        spanned = {m.district_id for m in members if m.district_id is not None}
        if a.pk in coincident:
            status = Coincidence.COINCIDES
        elif len(spanned) > 1 or any(m.district_id is None for m in members):
            status = Coincidence.AMBITO_ACROSS_DISTRICTS
        elif len(ambiti_of_district[next(iter(spanned))]) > 1:
            status = Coincidence.SEVERAL_AMBITI
        else:
            # Alone in its Distretto, which also holds Comuni without an Ambito.
            status = Coincidence.MUNICIPALITIES_WITHOUT_AMBITO
        inside = sorted(
            {m.district_id for m in members if m.district_id in district_by_id},
            key=lambda pk: district_by_id[pk].name,
        )
        ambito_rows.append(
            AmbitoTerritory(
                ambito=a,
                districts=[district_by_id[pk] for pk in inside],
                municipality_count=len(members),
                population=sum(m.population or 0 for m in members),
                municipalities_elsewhere=sum(
                    1 for m in members if m.district_id not in district_by_id
                ),
                district_count=len(spanned),
                coincident_district=coincident.get(a.pk),
                status=status,
            )
        )
    return district_rows, ambito_rows


def health_authority_territory(*, actor: Actor, authority_id: int) -> AuthorityTerritory:
    """A health authority with its Distretti, their Comuni, the Ambiti of those Comuni and the
    coincidence of each Distretto with one Ambito (seed 002, rule 2). For an ATS: its ASSTs,
    and the Distretti of all of them. A constant number of queries."""
    require(actor, Permission.TERRITORY_VIEW)
    authority = get_visible(
        actor,
        _with_authority_totals(HealthAuthority.objects.select_related("region", "parent")),
        pk=authority_id,
    )
    children: list[HealthAuthority] = []
    if authority.kind == HealthAuthorityKind.ATS:
        children = list(
            _with_authority_totals(
                scoped(actor, HealthAuthority).filter(parent=authority).select_related("region")
            ).order_by("name")
        )
    districts = list(
        scoped(actor, District)
        .filter(Q(health_authority=authority) | Q(health_authority__parent=authority))
        .select_related("health_authority")
        .order_by("health_authority__name", "name")
    )
    district_rows, ambito_rows = _territory_of_districts(actor=actor, districts=districts)
    return AuthorityTerritory(
        authority=authority,
        children=children,
        districts=district_rows,
        ambiti=ambito_rows,
        municipality_count=sum(len(r.municipalities) for r in district_rows),
        population=sum(r.population for r in district_rows),
        municipalities_without_population=sum(
            r.municipalities_without_population for r in district_rows
        ),
        coinciding_district_count=sum(1 for r in district_rows if r.coincidence.coincides),
    )


# --- Distretti, Ambiti, Comuni ------------------------------------------------------------------


def district_list(
    *,
    actor: Actor,
    health_authority_id: int | None = None,
    region_id: int | None = None,
) -> QuerySet[District]:
    require(actor, Permission.TERRITORY_VIEW)
    qs = scoped(actor, District).select_related("health_authority", "health_authority__region")
    if health_authority_id is not None:
        qs = qs.filter(
            Q(health_authority_id=health_authority_id)
            | Q(health_authority__parent_id=health_authority_id)
        )
    if region_id is not None:
        qs = qs.filter(health_authority__region_id=region_id)
    comuni = Municipality.objects.filter(district=OuterRef("pk"))
    return qs.annotate(
        municipality_count=_scalar(comuni, _Count(F("id"))),
        population=_scalar(comuni, _Sum(F("population"))),
    ).order_by("health_authority__name", "name", "pk")


def district_coincidences(
    *, actor: Actor, districts: list[District]
) -> dict[int, DistrictTerritory]:
    """Coincidence (seed 002, rule 2) of each of these Distretti, in constant queries."""
    require(actor, Permission.TERRITORY_VIEW)
    rows, _ambiti = _territory_of_districts(actor=actor, districts=districts)
    return {row.district.pk: row for row in rows}


def ambito_list(
    *,
    actor: Actor,
    region_id: int | None = None,
    health_authority_id: int | None = None,
    district_id: int | None = None,
) -> QuerySet[Ambito]:
    require(actor, Permission.TERRITORY_VIEW)
    qs = scoped(actor, Ambito).select_related("region", "lead_municipality")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if health_authority_id is not None:
        qs = qs.filter(
            pk__in=Municipality.objects.filter(
                Q(district__health_authority_id=health_authority_id)
                | Q(district__health_authority__parent_id=health_authority_id),
                ambito__isnull=False,
            ).values("ambito_id")
        )
    if district_id is not None:
        qs = qs.filter(
            pk__in=Municipality.objects.filter(
                district_id=district_id, ambito__isnull=False
            ).values("ambito_id")
        )
    comuni = Municipality.objects.filter(ambito=OuterRef("pk"))
    return qs.annotate(
        municipality_count=_scalar(comuni, _Count(F("id"))),
        population=_scalar(comuni, _Sum(F("population"))),
        district_count=_scalar(comuni, _CountDistinct(F("district_id"))),
    ).order_by("name", "pk")


@dataclass(frozen=True)
class MunicipalityFilters:
    q: str = ""
    istat_code: str = ""
    belfiore_code: str = ""
    region_id: int | None = None
    ambito_id: int | None = None
    district_id: int | None = None


def municipality_list(*, actor: Actor, filters: MunicipalityFilters) -> QuerySet[Municipality]:
    """Comuni matching the filters. ``q`` matches the name (those starting with it first), or an
    ISTAT code by prefix, or a Belfiore code exactly."""
    require(actor, Permission.TERRITORY_VIEW)
    qs = scoped(actor, Municipality).select_related("region", "ambito", "district")
    q = filters.q.strip()
    ordering: list[str | Case] = ["name", "istat_code"]
    if q:
        match = Q(name__icontains=q) | Q(name_other_language__icontains=q)
        if _DIGITS_RE.match(q):
            match |= Q(istat_code__startswith=q)
        if _BELFIORE_RE.match(q):
            match |= Q(belfiore_code=q.upper())
        qs = qs.filter(match)
        ordering.insert(
            0,
            Case(
                When(name__istartswith=q, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    if filters.istat_code:
        qs = qs.filter(istat_code=filters.istat_code)
    if filters.belfiore_code:
        qs = qs.filter(belfiore_code=filters.belfiore_code.upper())
    if filters.region_id is not None:
        qs = qs.filter(region_id=filters.region_id)
    if filters.ambito_id is not None:
        qs = qs.filter(ambito_id=filters.ambito_id)
    if filters.district_id is not None:
        qs = qs.filter(district_id=filters.district_id)
    return qs.order_by(*ordering)


def municipality_get(*, actor: Actor, istat_code: str) -> Municipality:
    require(actor, Permission.TERRITORY_VIEW)
    if not _ISTAT_RE.match(istat_code):
        raise NotFound()
    return get_visible(
        actor,
        Municipality.objects.select_related(
            "region",
            "ambito",
            "ambito__lead_municipality",
            "district",
            "district__health_authority",
        ),
        istat_code=istat_code,
    )


def territory_filter_choices(
    *, actor: Actor
) -> tuple[QuerySet[Region], QuerySet[Ambito], QuerySet[District]]:
    """Regions, Ambiti and Distretti for the filters of the Comuni list (small tables)."""
    require(actor, Permission.TERRITORY_VIEW)
    return (
        scoped(actor, Region).order_by("istat_code"),
        scoped(actor, Ambito).order_by("name"),
        scoped(actor, District).select_related("health_authority").order_by("name"),
    )
