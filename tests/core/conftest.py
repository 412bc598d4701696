"""Fixtures of the territory tests: the real ISTAT list loaded once per module, operators, and
small hand-built territories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from integra.accounts.models import Membership
from integra.core.models import Ambito, District, HealthAuthority, Municipality
from integra.core.permissions import Role
from tests.db_roles import audit_triggers_off
from tests.factories import (
    AmbitoFactory,
    DistrictFactory,
    HealthAuthorityFactory,
    MunicipalityFactory,
)

_TERRITORY_TABLES = [
    "core_municipality",
    "core_ambito",
    "core_district",
    "core_healthauthority",
    "core_region",
    "core_municipalityevent",
    "core_ambitoevent",
    "core_districtevent",
    "core_healthauthorityevent",
    "core_regionevent",
]


@pytest.fixture(scope="module")
def real_territory(django_db_setup, django_db_blocker) -> Iterator[str]:
    """All 7,896 Comuni and the demo configuration, committed once for the whole module (each
    test still runs in its own rolled-back transaction) and removed when the module ends."""
    from io import StringIO

    out = StringIO()
    with django_db_blocker.unblock():
        _wipe_territory()  # leftovers of an interrupted run with --reuse-db
        call_command("load_territory", stdout=out)
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            _wipe_territory()


def _wipe_territory() -> None:
    # Committed rows, history included: test plumbing, done as the owner of the tables.
    with audit_triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_ambito SET lead_municipality_id = NULL")
        for table in _TERRITORY_TABLES:
            cursor.execute(f"DELETE FROM {table}")  # fixed table names


@pytest.fixture
def operator(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def operator_client(client: Client, operator: Membership) -> Client:
    client.force_login(operator.user)
    return client


@pytest.fixture
def count_queries() -> Callable[[Callable[[], object]], int]:
    def run(fn: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return run


@dataclass
class BuiltTerritory:
    authority: HealthAuthority
    districts: list[District]
    ambiti: list[Ambito]
    municipalities: list[Municipality]


@pytest.fixture
def build_territory(db) -> Callable[..., BuiltTerritory]:
    """An ASST with ``districts`` Distretti; each Distretto has its own Ambito (so they coincide)
    with ``per_district`` Comuni of 1,000 inhabitants."""

    def build(
        districts: int = 3, per_district: int = 2, authority: HealthAuthority | None = None
    ) -> BuiltTerritory:
        authority = authority or HealthAuthorityFactory(kind="asst")
        built = BuiltTerritory(authority, [], [], [])
        for _ in range(districts):
            district = DistrictFactory(health_authority=authority)
            ambito = AmbitoFactory(region=authority.region)
            comuni = [
                MunicipalityFactory(ambito=ambito, district=district, population=1000)
                for _ in range(per_district)
            ]
            ambito.lead_municipality = comuni[0]
            ambito.save()
            built.districts.append(district)
            built.ambiti.append(ambito)
            built.municipalities.extend(comuni)
        return built

    return build
