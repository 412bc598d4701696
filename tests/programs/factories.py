"""Helpers of the programs tests: a person in charge, rule sets from the shipped files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integra.people.models import IseeDeclaration, IseeKind, Person
from integra.programs.facts import FactKind
from integra.programs.models import EligibilityFact
from integra.programs.rules import RuleSet, parse_rule_text
from integra.programs.services import SHIPPED_RULES_DIR
from tests.factories import MembershipFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def shipped_rules(name: str) -> RuleSet:
    return parse_rule_text((SHIPPED_RULES_DIR / name).read_text(encoding="utf-8"))


def person_in_charge(organization, *, birth_date: date | None = date(1950, 3, 1)) -> Person:
    """Registered by ``organization`` and in its charge (so its operators see the content)."""
    person = PersonFactory(registered_by=organization, birth_date=birth_date)
    CareRelationshipFactory(person=person, organization=organization)
    return person


def isee_of(
    person: Person,
    value: str,
    *,
    kind: str = IseeKind.SOCIOSANITARY,
    signed_on: date = date(2025, 1, 15),
    valid_until: date = date(2025, 12, 31),
) -> IseeDeclaration:
    return IseeDeclaration.objects.create(
        person=person,
        kind=kind,
        value=Decimal(value),
        signed_on=signed_on,
        valid_until=valid_until,
        dsu_protocol="INPS-ISEE-2025-0001",
        recorded_by=MembershipFactory(organization=person.registered_by),
    )


def fact_of(
    person: Person,
    kind: FactKind,
    *,
    flag: bool | None = None,
    number: str | None = None,
    grade: str = "",
    valid_from: date = date(2024, 1, 1),
    valid_until: date | None = None,
) -> EligibilityFact:
    return EligibilityFact.objects.create(
        person=person,
        kind=kind,
        value_flag=flag,
        value_number=Decimal(number) if number is not None else None,
        value_text=grade,
        valid_from=valid_from,
        valid_until=valid_until,
        organization=person.registered_by,
        recorded_by=MembershipFactory(organization=person.registered_by),
    )
