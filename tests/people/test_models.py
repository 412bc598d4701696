"""The registry's models: derived properties and the constraints the database enforces."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from integra.people.identifiers import IdentifierKind
from integra.people.models import PersonStatus
from tests.factories import MunicipalityFactory
from tests.people.factories import PersonFactory, PersonIdentifierFactory

pytestmark = pytest.mark.django_db


def test_competent_municipality_is_residence_else_domicile() -> None:
    residence = MunicipalityFactory(name="Bergamo")
    domicile = MunicipalityFactory(name="Brescia")
    person = PersonFactory(residence_municipality=residence, domicile_municipality=domicile)
    assert person.competent_municipality == residence
    person.residence_municipality = None
    assert person.competent_municipality == domicile
    person.domicile_municipality = None
    assert person.competent_municipality is None


def test_incomplete_without_identifier_or_birth_date() -> None:
    person = PersonFactory(birth_date=None)
    assert person.is_incomplete
    person.birth_date = datetime.date(1980, 1, 1)
    assert person.is_incomplete  # still no identifier
    PersonIdentifierFactory(person=person)
    assert not person.is_incomplete


def test_audit_properties(org_a) -> None:
    person = PersonFactory(registered_by=org_a)
    assert person.audit_person_id == person.pk
    assert person.audit_owner_organization_id == org_a.pk


def test_two_persons_never_share_a_code() -> None:
    PersonIdentifierFactory(value="RSSMRA80A01H501U")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonIdentifierFactory(value="RSSMRA80A01H501U")


def test_same_value_of_another_kind_is_another_code() -> None:
    """A TEAM number is unique only within its issuing state."""
    PersonIdentifierFactory(kind=IdentifierKind.TEAM, value="123456", issuing_country="DE")
    PersonIdentifierFactory(kind=IdentifierKind.TEAM, value="123456", issuing_country="FR")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonIdentifierFactory(kind=IdentifierKind.TEAM, value="123456", issuing_country="DE")


def test_one_primary_identifier_per_person() -> None:
    first = PersonIdentifierFactory(is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonIdentifierFactory(person=first.person, is_primary=True)


def test_merged_record_points_somewhere() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(status=PersonStatus.MERGED)
