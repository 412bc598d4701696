from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from integra.accounts.models import Membership
from integra.core.permissions import Role
from integra.costshares.models import CopaymentRegulation
from integra.costshares.services import PeriodInput, RegulationInput, regulation_create
from integra.organizations.models import Organization, OrganizationKind
from tests.factories import OrganizationFactory


@pytest.fixture
def org_d(db) -> Organization:
    return OrganizationFactory(
        name="Comune di Delta", code="comune-delta", kind=OrganizationKind.MUNICIPALITY
    )


@pytest.fixture
def coordinator_a(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.PLANNING_COORDINATOR)


@pytest.fixture
def coordinator_d(org_d, make_membership) -> Membership:
    return make_membership(org_d, Role.PLANNING_COORDINATOR)


@pytest.fixture
def social_worker_a(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def login(client: Client) -> Callable[[Membership], Client]:
    def do(membership: Membership) -> Client:
        client.force_login(membership.user)
        return client

    return do


# The brief's worked example: a linear scale between €8,000 and €28,000 (a test regulation).
LINEAR_2024 = PeriodInput(
    valid_from=date(2024, 1, 1),
    shape="linear",
    source="Regolamento art. 5 c.2",
    exemption_threshold=Decimal("8000.00"),
    ceiling=Decimal("28000.00"),
)


def make_regulation(actor, *, name="Regolamento SAD", periods=(LINEAR_2024,), **extra):
    return regulation_create(
        actor=actor,
        data=RegulationInput(
            name=name,
            act="Delibera C.C. n. 12/2024",
            isee_kind="sociosanitario",
            periods=periods,
            **extra,
        ),
    )


@pytest.fixture
def regulation_a(coordinator_a, make_actor, org_a) -> CopaymentRegulation:
    return make_regulation(make_actor(org_a, Role.PLANNING_COORDINATOR))


@pytest.fixture
def regulation_d(org_d, make_actor) -> CopaymentRegulation:
    return make_regulation(make_actor(org_d, Role.PLANNING_COORDINATOR), name="Regolamento Delta")
