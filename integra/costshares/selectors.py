"""Reads of cost-share configuration, and the loaders that turn it into ``split`` terms.

The care plan calls, for an intervention::

    setting = care_setting_for(actor=actor, service_id=service.pk)  # or code="…"
    regulation = regulation_in_force(actor=actor, organization_id=comune.pk, on=day)
    isee = isee_value_for(person=person, regulation=regulation, on=day)
    split = split_cost(
        setting=setting_terms(setting),
        monthly_tariff=Decimal("1200.00"),
        on=day,
        days_since_protected_discharge=12,
        regulation=regulation_terms(regulation) if regulation else None,
        isee_value=isee,
        other_amount=None,
    )
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from integra.core.access import Actor, NotFound, get_visible, lookup_denial_record, scoped
from integra.costshares.access import writable_regulations
from integra.costshares.errors import CostShareError, CostShareErrorCode
from integra.costshares.models import (
    CareSetting,
    CopaymentBand,
    CopaymentPeriod,
    CopaymentRegulation,
    LeaCostRule,
    ServiceCostProfile,
)
from integra.costshares.split import (
    BandTerms,
    CostSplit,
    LeaRuleTerms,
    PeriodTerms,
    RegulationTerms,
    SettingTerms,
    split_cost,
)
from integra.organizations.models import Service
from integra.people.models import Person
from integra.people.selectors import isee_current

# --- LEA rules -------------------------------------------------------------------------------


def _rules_prefetch(on: date | None = None) -> Prefetch[Any]:
    rules = LeaCostRule.objects.order_by("max_days_after_discharge", "-valid_from", "pk")
    if on is not None:
        rules = rules.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return Prefetch("rules", queryset=rules)


def care_settings(*, actor: Actor | None, on: date | None = None) -> QuerySet[CareSetting]:
    """Every care setting with its LEA rules (only those in force on ``on`` when given). Two
    queries whatever the number of settings."""
    return scoped(actor, CareSetting).prefetch_related(_rules_prefetch(on)).order_by("code")


def care_setting_for(
    *, actor: Actor | None, code: str | None = None, service_id: int | None = None
) -> CareSetting:
    """The setting named by ``code``, or the default setting of a catalogue service."""
    qs = scoped(actor, CareSetting).prefetch_related(_rules_prefetch())
    if code:
        return get_visible(actor, qs, code=code)
    if service_id is None:
        raise CostShareError(
            CostShareErrorCode.SPLIT_INVALID,
            {"setting_code": [_("Indica il setting assistenziale o il servizio.")]},
        )
    service = get_visible(actor, Service, pk=service_id)
    profile = scoped(actor, ServiceCostProfile).filter(service=service).first()
    if profile is None:
        raise CostShareError(
            CostShareErrorCode.SPLIT_INVALID,
            {
                "service_id": [
                    _(
                        "Il servizio «%(service)s» non ha un setting assistenziale predefinito: "
                        "indica il setting."
                    )
                    % {"service": service.name}
                ]
            },
        )
    return qs.get(pk=profile.setting_id)


def setting_terms(setting: CareSetting) -> SettingTerms:
    """The plain terms of ``setting`` (its ``rules`` prefetched by the selectors above)."""
    return SettingTerms(
        code=setting.code,
        name=setting.name,
        rules=tuple(
            LeaRuleTerms(
                ssn_percent=r.ssn_percent,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
                source=r.source,
                max_days_after_discharge=r.max_days_after_discharge,
            )
            for r in setting.rules.all()
        ),
    )


# --- co-payment regulations ---------------------------------------------------------------------


def _periods_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "periods",
        queryset=CopaymentPeriod.objects.order_by("valid_from", "pk").prefetch_related(
            Prefetch("bands", queryset=CopaymentBand.objects.all())
        ),
    )


def regulation_list(
    *, actor: Actor | None, organization_id: int | None = None, on: date | None = None
) -> QuerySet[CopaymentRegulation]:
    """Regulations (of one organisation when given; with a period in force on ``on`` when
    given), with their periods and bands: four queries whatever their number."""
    qs = (
        scoped(actor, CopaymentRegulation)
        .select_related("organization")
        .prefetch_related(_periods_prefetch())
    )
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if on is not None:
        qs = qs.filter(
            Q(periods__valid_from__lte=on)
            & (Q(periods__valid_to__isnull=True) | Q(periods__valid_to__gte=on))
        ).distinct()
    return qs.order_by("organization__name", "name", "pk")


def regulation_detail(*, actor: Actor | None, regulation_id: object) -> CopaymentRegulation:
    qs = CopaymentRegulation.objects.select_related("organization").prefetch_related(
        _periods_prefetch()
    )
    return get_visible(actor, qs, pk=regulation_id)


def regulation_for_edit(*, actor: Actor, regulation_id: object) -> CopaymentRegulation:
    """A regulation the actor may change, or ``NotFound`` (missing, or another organisation's).
    The caller checks the write permission first (403 before 404)."""
    regulation = regulation_detail(actor=actor, regulation_id=regulation_id)
    if not writable_regulations(actor, CopaymentRegulation.objects.filter(pk=regulation.pk)):
        lookup_denial_record(actor, regulation, pk=regulation_id)
        raise NotFound()
    return regulation


def regulation_in_force(
    *,
    actor: Actor | None,
    organization_id: int,
    on: date,
    isee_kind: str | None = None,
) -> CopaymentRegulation | None:
    """The organisation's regulation with a period in force on ``on`` (of ``isee_kind`` when
    given). Several candidates: ``CostShareError`` asking for the regulation to use."""
    qs = regulation_list(actor=actor, organization_id=organization_id, on=on)
    if isee_kind:
        qs = qs.filter(isee_kind=isee_kind)
    found = list(qs[:2])
    if len(found) > 1:
        raise CostShareError(
            CostShareErrorCode.SPLIT_INVALID,
            {"regulation_id": [_("L'ente ha più regolamenti in vigore: indica quale applicare.")]},
        )
    return found[0] if found else None


def regulation_terms(regulation: CopaymentRegulation) -> RegulationTerms:
    """The plain terms of ``regulation`` (periods and bands prefetched by the selectors)."""
    return RegulationTerms(
        name=regulation.name,
        organization=regulation.organization.name,
        act=regulation.act,
        isee_kind=regulation.isee_kind,
        periods=tuple(
            PeriodTerms(
                valid_from=p.valid_from,
                valid_to=p.valid_to,
                shape=p.shape,
                source=p.source,
                exemption_threshold=p.exemption_threshold,
                ceiling=p.ceiling,
                monthly_cap=p.monthly_cap,
                monthly_minimum=p.monthly_minimum,
                bands=tuple(
                    BandTerms(isee_up_to=b.isee_up_to, person_percent=b.person_percent)
                    for b in p.bands.all()
                ),
            )
            for p in regulation.periods.all()
        ),
    )


def isee_value_for(
    *, person: Person, regulation: CopaymentRegulation | None, on: date
) -> Decimal | None:
    """The person's ISEE of the regulation's kind valid on ``on`` (people.selectors.isee_current:
    signed on or before that day, not expired), or ``None``. ``person`` must already have been
    read through the people gate by the caller."""
    if regulation is None:
        return None
    declaration = isee_current(person=person, kind=regulation.isee_kind, on=on)
    return declaration.value if declaration is not None else None


# --- the preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitPreview:
    split: CostSplit
    setting: CareSetting
    regulation: CopaymentRegulation | None


def cost_split_preview(
    *,
    actor: Actor | None,
    monthly_tariff: Decimal,
    on: date,
    setting_code: str | None = None,
    service_id: int | None = None,
    organization_id: int | None = None,
    regulation_id: int | None = None,
    isee_value: Decimal | None = None,
    days_since_protected_discharge: int | None = None,
    other_amount: Decimal | None = None,
) -> SplitPreview:
    """The split of a tariff for a setting (or a service's default one) under a regulation
    (named, or the one of ``organization_id`` in force on ``on``) for an ISEE value."""
    setting = care_setting_for(actor=actor, code=setting_code, service_id=service_id)
    regulation: CopaymentRegulation | None = None
    if regulation_id is not None:
        regulation = regulation_detail(actor=actor, regulation_id=regulation_id)
    elif organization_id is not None:
        regulation = regulation_in_force(actor=actor, organization_id=organization_id, on=on)
    split = split_cost(
        setting=setting_terms(setting),
        monthly_tariff=monthly_tariff,
        on=on,
        days_since_protected_discharge=days_since_protected_discharge,
        regulation=regulation_terms(regulation) if regulation is not None else None,
        isee_value=isee_value,
        other_amount=other_amount,
    )
    return SplitPreview(split=split, setting=setting, regulation=regulation)
