"""Factories of the registry: persons, their identifiers, the presa in carico."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from integra.organizations.search import normalize
from integra.people.identifiers import IdentifierKind, fiscal_code_check_character
from integra.people.matching import name_keys
from integra.people.models import (
    CareRelationship,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    Person,
    PersonIdentifier,
    Sex,
)
from tests.factories import MembershipFactory, OrganizationFactory


def fiscal_code_for(n: int) -> str:
    """A valid, distinct codice fiscale for a man born on 1 January 1980 in Rome (H501): the
    family-name letters vary with ``n``; the check character follows DM 23/12/1976."""
    letters = "BCDFGHLMNPRSTVZ"
    first = letters[n // 225 % 15] + letters[n // 15 % 15] + letters[n % 15]
    body = f"{first}MRA80A01H501"
    return body + fiscal_code_check_character(body)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    family_names = factory.Sequence(lambda n: f"Rossi{n}")
    given_names = "Mario"
    sex = Sex.MALE
    registered_by = factory.SubFactory(OrganizationFactory)
    search_name = factory.LazyAttribute(lambda p: normalize(f"{p.family_names} {p.given_names}"))
    search_keys = factory.LazyAttribute(lambda p: name_keys(p.family_names, p.given_names))


class PersonIdentifierFactory(DjangoModelFactory):
    class Meta:
        model = PersonIdentifier

    person = factory.SubFactory(PersonFactory)
    kind = IdentifierKind.CF
    value = factory.Sequence(fiscal_code_for)
    is_primary = True


class CareRelationshipFactory(DjangoModelFactory):
    class Meta:
        model = CareRelationship

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    reason = "presa in carico di prova"


class ConsentFactory(DjangoModelFactory):
    """A sharing consent given today by default, recorded at the registering organisation."""

    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentPurpose.SHARING
    status = ConsentStatus.GIVEN
    decided_on = factory.LazyFunction(timezone.localdate)
    recorded_by_organization = factory.LazyAttribute(lambda c: c.person.registered_by)
    recorded_by = factory.LazyAttribute(
        lambda c: MembershipFactory(organization=c.recorded_by_organization)
    )
    evidence_note = "modulo firmato, protocollo n. 123/2026"
