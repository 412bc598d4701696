"""Factories of the organisations tests (shared ones are in tests/factories.py)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from integra.core.models import Municipality
from integra.organizations.demo import AMBITO_NAME, ASST_NAME, ATS_NAME, REQUIRED_COMUNI
from integra.organizations.models import Unit
from tests.factories import (
    AmbitoFactory,
    DistrictFactory,
    HealthAuthorityFactory,
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
)


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Unità {n}")


def build_demo_territory(extra_comuni: int = 0) -> dict[str, Municipality]:
    """The smallest territory seed_demo accepts: ATS → ASST → one Distretto and the Ambito Sud
    Est Milano holding the Comuni the demo names (plus ``extra_comuni`` more)."""
    region = RegionFactory()
    ats = HealthAuthorityFactory(kind="ats", code="ATS-T", name=ATS_NAME, region=region)
    asst = HealthAuthorityFactory(
        kind="asst", code="ASST-T", name=ASST_NAME, region=region, parent=ats
    )
    district = DistrictFactory(name="Distretto Sud Est Milano", health_authority=asst)
    ambito = AmbitoFactory(name=AMBITO_NAME, region=region)
    names = [*REQUIRED_COMUNI, *(f"Comune di prova {i}" for i in range(extra_comuni))]
    return {
        name: MunicipalityFactory(name=name, region=region, ambito=ambito, district=district)
        for name in names
    }
