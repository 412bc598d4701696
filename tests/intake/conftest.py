from __future__ import annotations

from dataclasses import dataclass

import pytest

from integra.core.access import Actor
from integra.core.permissions import Role
from integra.intake.models import PuaPoint
from integra.organizations.models import Organization, OrganizationKind
from integra.people.models import Person
from tests.factories import AmbitoFactory, MunicipalityFactory, OrganizationFactory
from tests.intake.factories import PuaPointFactory
from tests.people.factories import PersonFactory


@dataclass
class PuaSetting:
    ambito_org: Organization
    asst: Organization
    pua: PuaPoint
    operator: Actor
    asst_operator: Actor
    person: Person
    outsider: Actor


@pytest.fixture
def pua_setting(db, make_actor) -> PuaSetting:
    """A PUA of an Ambito, run jointly with an ASST, serving the Ambito; one resident person."""
    ambito = AmbitoFactory(name="Ambito Sud")
    comune = MunicipalityFactory(name="Borgo Sud", ambito=ambito)
    ambito_org = OrganizationFactory(name="Ufficio di Piano Sud", kind=OrganizationKind.AMBITO)
    asst = OrganizationFactory(name="ASST Sud", kind=OrganizationKind.HEALTH_AUTHORITY)
    pua = PuaPointFactory(
        organization=ambito_org, name="PUA Casa della Comunità Sud", uvm_organization=asst
    )
    pua.partners.add(asst)
    pua.ambiti.add(ambito)
    person = PersonFactory(
        family_names="Bianchi",
        given_names="Anna",
        residence_municipality=comune,
        registered_by=ambito_org,
    )
    other = OrganizationFactory(name="Comune Lontano")
    return PuaSetting(
        ambito_org=ambito_org,
        asst=asst,
        pua=pua,
        operator=make_actor(ambito_org, Role.PUA_OPERATOR),
        asst_operator=make_actor(asst, Role.PUA_OPERATOR),
        person=person,
        outsider=make_actor(other, Role.PUA_OPERATOR),
    )
