"""Who pays for an intervention, computed from the rules held as configuration (integra/costshares)
and kept with the plan's intervention.

Hand-computed: DPCM 12/1/2017 art. 22 c.4 — home tutelary aid is 100% SSN for the first 30 days
after a protected discharge, then 50%: on day 31 a tariff of €1,200.00 gives SSN €600.00. The
remaining €600.00 follows the Comune's linear co-payment scale (DPCM 159/2013; the test
regulation: exempt below ISEE €8,000, full share above €28,000): ISEE €15,000 → (15,000 − 8,000)
/ (28,000 − 8,000) = 35% → person €210.00, Comune €390.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from integra.careplans import services
from integra.careplans.errors import PlanError
from integra.core.permissions import Role
from integra.costshares.models import CareSetting, ServiceCostProfile
from integra.people.models import IseeDeclaration, IseeKind
from tests.costshares.conftest import make_regulation
from tests.factories import ServiceFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


@pytest.fixture
def comune_plan(org_a, make_actor):
    social = make_actor(org_a, Role.SOCIAL_WORKER)
    person = PersonFactory(registered_by=org_a, family_names="Neri", given_names="Ada")
    CareRelationshipFactory(person=person, organization=org_a)
    today = timezone.localdate()
    IseeDeclaration.objects.create(
        person=person,
        kind=IseeKind.SOCIOSANITARY,
        value=Decimal("15000.00"),
        dsu_protocol="INPS-ISEE-2026-1",
        signed_on=date(today.year, 1, 10),
        valid_until=date(today.year, 12, 31),
        recorded_by=social.membership,
    )
    plan = services.plan_create(actor=social, person_id=person.pk, data={"title": "Rientro"})
    return social, plan


@pytest.fixture
def tutelary_service(org_a):
    service = ServiceFactory(provider=org_a, name="Assistenza tutelare a domicilio")
    ServiceCostProfile.objects.create(
        service=service, setting=CareSetting.objects.get(code="home-tutelary-aid")
    )
    return service


def _add(social, plan, service, **extra):
    return services.intervention_add(
        actor=social,
        plan_id=plan.pk,
        data={
            "service_id": service.pk,
            "starts_on": timezone.localdate().isoformat(),
            "monthly_cost": "1200.00",
            "compute_shares": True,
            **extra,
        },
        expected_version=plan.row_version,
    )


def test_shares_from_the_lea_rule_and_the_comunes_regulation(
    comune_plan, tutelary_service, org_a, make_actor
):
    social, plan = comune_plan
    make_regulation(make_actor(org_a, Role.PLANNING_COORDINATOR))
    item = _add(social, plan, tutelary_service, days_since_protected_discharge=31)
    assert (item.ssn_amount, item.person_amount, item.comune_amount, item.other_amount) == (
        Decimal("600.00"),
        Decimal("210.00"),
        Decimal("390.00"),
        Decimal("0.00"),
    )
    assert any("22" in line for line in item.cost_basis)  # the LEA rule is cited


def test_the_first_thirty_days_after_discharge_are_all_ssn(
    comune_plan, tutelary_service, org_a, make_actor
):
    social, plan = comune_plan
    make_regulation(make_actor(org_a, Role.PLANNING_COORDINATOR))
    item = _add(social, plan, tutelary_service, days_since_protected_discharge=12)
    assert item.ssn_amount == Decimal("1200.00") and item.person_amount == Decimal("0.00")


def test_without_a_regulation_the_person_bears_the_remainder_and_is_told(
    comune_plan, tutelary_service
):
    social, plan = comune_plan
    item = _add(social, plan, tutelary_service, days_since_protected_discharge=31)
    assert item.ssn_amount == Decimal("600.00") and item.person_amount == Decimal("600.00")
    assert item.cost_basis  # the warning is kept with the rules applied


def test_a_service_without_a_setting_is_refused_in_italian(comune_plan, org_a):
    social, plan = comune_plan
    with pytest.raises(PlanError) as refused:
        _add(social, plan, ServiceFactory(provider=org_a, name="Senza setting"))
    assert "setting" in str(refused.value.errors)
