"""integra/core/prepared.py: a queryset compiled once per shape gives the rows the ORM gives,
and falls back to the ORM when a value does not reach the SQL as a parameter of its own."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL

from integra.core.prepared import PreparedQuery
from integra.organizations.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizations() -> list[Organization]:
    return [OrganizationFactory(name=f"Ente {n}", code=f"ente-{n}") for n in range(3)]


def test_rows_and_annotations_as_the_orm_gives_them(organizations, django_assert_num_queries):
    prepared = PreparedQuery[Organization]("pk")

    def build(*, pk: int):
        return Organization.objects.filter(Q(pk=pk) | Q(pk=pk + 0)).annotate(n=Count("memberships"))

    for organization in organizations:
        (row,) = prepared.run("one shape", build, pk=organization.pk)
        assert (row.pk, row.name, row.n) == (organization.pk, organization.name, 0)
        assert row._state.adding is False and row._state.db == "default"
    with django_assert_num_queries(1):
        prepared.run("one shape", build, pk=organizations[0].pk)
    assert len(prepared._templates) == 1 and prepared._templates[("default", "one shape")]


def test_a_value_in_an_in_list_is_a_parameter_of_its_own(organizations) -> None:
    prepared = PreparedQuery[Organization]("pk")

    def build(*, pk: int):
        return Organization.objects.filter(pk__in=[pk])

    for organization in organizations:
        assert [o.pk for o in prepared.run("in", build, pk=organization.pk)] == [organization.pk]
    assert prepared._templates[("default", "in")] is not None


def test_a_value_written_into_the_sql_falls_back_to_the_orm(organizations) -> None:
    prepared = PreparedQuery[Organization]("pk")

    def build(*, pk: int):
        return Organization.objects.filter(pk=RawSQL(str(pk), []))  # noqa: S611 - an int

    for organization in organizations:
        assert [o.pk for o in prepared.run("inlined", build, pk=organization.pk)] == [
            organization.pk
        ]
    assert prepared._templates[("default", "inlined")] is None


def test_a_query_that_compiles_to_nothing_falls_back(organizations) -> None:
    prepared = PreparedQuery[Organization]("pk")
    assert prepared.run("none", lambda *, pk: Organization.objects.none(), pk=1) == []
    assert prepared._templates[("default", "none")] is None
