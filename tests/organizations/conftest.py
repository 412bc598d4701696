from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from integra.accounts.models import Membership
from integra.core.models import Municipality
from integra.core.permissions import Role
from integra.organizations.models import Organization, Service, ServiceArea
from tests.factories import MunicipalityFactory, ServiceFactory


@pytest.fixture
def melegnano(db) -> Municipality:
    return MunicipalityFactory(name="Melegnano", istat_code="015140", belfiore_code="F100")


@pytest.fixture
def pioltello(db) -> Municipality:
    return MunicipalityFactory(name="Pioltello", istat_code="015175", belfiore_code="G686")


@pytest.fixture
def manager_a(org_a: Organization, make_membership) -> Membership:
    """A catalogue manager of org A (the planning coordinator holds CATALOGUE_MANAGE and, unlike
    the admin roles, needs no second factor)."""
    return make_membership(org_a, Role.PLANNING_COORDINATOR)


@pytest.fixture
def social_worker_a(org_a: Organization, make_membership) -> Membership:
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def service_a(org_a: Organization) -> Service:
    return ServiceFactory(
        provider=org_a, name="Assistenza domiciliare", area=ServiceArea.ELDERLY, code="A-SAD"
    )


@pytest.fixture
def service_b(org_b: Organization) -> Service:
    return ServiceFactory(
        provider=org_b,
        name="Consultorio familiare",
        area=ServiceArea.CHILDREN_FAMILIES,
        code="B-CF",
    )


@pytest.fixture
def login(client: Client) -> Callable[[Membership], Client]:
    def do(membership: Membership) -> Client:
        client.force_login(membership.user)
        return client

    return do
