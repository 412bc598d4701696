"""Reads of the organisations app: the directory of enti and the catalogue of services.

Every queryset goes through the access policy (``scoped`` / ``get_visible``); each selector
owns its joins so that list pages cost the same number of queries whatever their length.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import (
    Actor,
    NotFound,
    get_visible,
    lookup_denial_record,
    require,
    scoped,
)
from integra.core.models import Municipality
from integra.core.permissions import Permission
from integra.organizations.models import Organization, Service, Unit
from integra.organizations.search import name_matches

# --- organisations -------------------------------------------------------------------------


def _serves_municipality(model: type[Organization] | type[Service], istat_code: str) -> Q:
    """Rows whose served territory contains the Comune, or that are located in it."""
    through = model.served_municipalities.through
    owner = "organization_id" if model is Organization else "service_id"
    served = through.objects.filter(**{owner: OuterRef("pk")}, municipality__istat_code=istat_code)
    return Q(Exists(served)) | Q(municipality__istat_code=istat_code)


def organization_list(
    *,
    actor: Actor | None,
    query: str = "",
    kind: str | None = None,
    municipality_istat: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Organization]:
    """Organisations the actor may see, filtered by kind, by a Comune served and by name."""
    qs = scoped(actor, Organization).select_related("parent", "municipality")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if municipality_istat:
        qs = qs.filter(_serves_municipality(Organization, municipality_istat))
    if query:
        qs = qs.filter(name_matches(query))
    return qs.order_by("name", "pk")


def organization_detail(*, actor: Actor | None, organization_id: int) -> Organization:
    """One organisation with its units, served territory and sub-organisations."""
    qs = Organization.objects.select_related(
        "parent", "municipality", "ambito", "health_authority"
    ).prefetch_related(
        Prefetch("units", queryset=Unit.objects.select_related("district").order_by("name")),
        Prefetch(
            "served_municipalities", queryset=Municipality.objects.order_by("name", "istat_code")
        ),
        Prefetch("children", queryset=Organization.objects.filter(is_active=True).order_by("name")),
    )
    organization = get_visible(actor, qs, pk=organization_id)
    access_log_record(actor=actor, subject=organization, action=AccessAction.VIEW)
    return organization


def services_of_organization(
    *, actor: Actor | None, organization: Organization
) -> QuerySet[Service]:
    return (
        scoped(actor, Service)
        .filter(provider=organization)
        .select_related("unit", "municipality")
        .order_by("name", "pk")
    )


def providers_with_services(*, actor: Actor | None) -> QuerySet[Organization]:
    """Organisations offering at least one service the actor may see (search form choices)."""
    services = scoped(actor, Service).filter(provider_id=OuterRef("pk"))
    return scoped(actor, Organization).filter(Exists(services)).order_by("name", "pk")


# --- territory choices ---------------------------------------------------------------------


def municipalities_in_catalogue(*, actor: Actor | None) -> QuerySet[Municipality]:
    """Comuni that some organisation or service serves or is located in (search form choices).

    Only these can give a non-empty result, and they stay a short list even when the whole
    ISTAT list of ~7,900 Comuni is loaded.
    """
    through_service = Service.served_municipalities.through
    through_org = Organization.served_municipalities.through
    return (
        scoped(actor, Municipality)
        .filter(
            Exists(through_service.objects.filter(municipality_id=OuterRef("pk")))
            | Exists(through_org.objects.filter(municipality_id=OuterRef("pk")))
            | Exists(scoped(actor, Service).filter(municipality_id=OuterRef("pk")))
        )
        .order_by("name", "istat_code")
    )


def municipalities_for_provider(
    *, actor: Actor | None, provider: Organization, keep: list[int] | None = None
) -> QuerySet[Municipality]:
    """Comuni offered in the service form: the provider's territory, plus ``keep`` (those
    already linked). A provider without a declared territory gets the Comuni that belong to an
    Ambito, and failing that every Comune."""
    qs = scoped(actor, Municipality)
    territory = Q(serving_organizations=provider)
    if provider.municipality_id:
        territory |= Q(pk=provider.municipality_id)
    if not qs.filter(territory).exists():
        territory = Q(ambito__isnull=False)
        if not qs.filter(territory).exists():
            return qs.order_by("name", "istat_code")
    if keep:
        territory |= Q(pk__in=keep)
    # The join through the served territory may repeat a Comune: select by key instead.
    return qs.filter(pk__in=qs.filter(territory).values("pk")).order_by("name", "istat_code")


def municipalities_by_istat(*, actor: Actor | None, codes: list[str]) -> dict[str, Municipality]:
    """ISTAT code → Comune, for the Comuni the actor may see among ``codes``."""
    return {m.istat_code: m for m in scoped(actor, Municipality).filter(istat_code__in=codes)}


# --- services ------------------------------------------------------------------------------


def service_search(
    *,
    actor: Actor | None,
    query: str = "",
    area: str | None = None,
    municipality_istat: str | None = None,
    provider_id: int | None = None,
) -> QuerySet[Service]:
    """The catalogue: services the actor may see, by name (case and accents ignored), area,
    territory (served or located in a Comune) and provider."""
    qs = scoped(actor, Service).select_related("provider", "unit", "municipality")
    if query:
        qs = qs.filter(name_matches(query))
    if area:
        qs = qs.filter(area=area)
    if municipality_istat:
        qs = qs.filter(_serves_municipality(Service, municipality_istat))
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    return qs.order_by("name", "pk")


def _service_detail_queryset() -> QuerySet[Service]:
    return Service.objects.select_related(
        "provider", "unit", "unit__district", "municipality"
    ).prefetch_related(
        Prefetch(
            "served_municipalities", queryset=Municipality.objects.order_by("name", "istat_code")
        )
    )


def service_detail(*, actor: Actor | None, service_id: int) -> Service:
    service = get_visible(actor, _service_detail_queryset(), pk=service_id)
    access_log_record(actor=actor, subject=service, action=AccessAction.VIEW)
    return service


def can_manage_service(*, actor: Actor | None, service: Service) -> bool:
    return (
        actor is not None
        and actor.has(Permission.CATALOGUE_MANAGE)
        and service.provider_id == actor.organization_id
    )


def manageable_services(*, actor: Actor | None) -> QuerySet[Service]:
    """Services the actor may edit: those of the organisation they act for."""
    require(actor, Permission.CATALOGUE_MANAGE)
    assert actor is not None  # require() refuses None
    # Through the policy like every read, then narrowed to the actor's own services.
    return scoped(actor, Service).filter(provider_id=actor.organization_id)


def service_for_edit(*, actor: Actor | None, service_id: int) -> Service:
    """A service of the actor's own organisation; 403 without the permission, and the same 404
    for a missing service and for another organisation's one (that attempt is logged)."""
    manageable_services(actor=actor)  # the permission check
    assert actor is not None
    service = get_visible(
        actor, Service.objects.prefetch_related("served_municipalities"), pk=service_id
    )
    if service.provider_id != actor.organization_id:
        lookup_denial_record(actor, service, pk=service_id)
        raise NotFound()
    return service


def units_of(*, actor: Actor | None, organization: Organization) -> QuerySet[Unit]:
    return scoped(actor, Unit).filter(organization=organization).order_by("name")
