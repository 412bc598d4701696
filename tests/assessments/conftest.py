from __future__ import annotations

from collections.abc import Callable

import pytest

from integra.assessments.definitions import INSTRUMENTS_DIR, InstrumentDefinition, load_file


def shipped(code: str) -> InstrumentDefinition:
    return load_file(INSTRUMENTS_DIR / f"{code}.yaml")


def fill(
    definition: InstrumentDefinition, chosen: dict[str, str] | None = None, *, best: bool = False
) -> dict[str, str]:
    """Answers: ``chosen`` as given, every other item at its lowest (or highest) scoring
    option."""
    answers = {}
    for item in definition.items:
        pick = max if best else min
        answers[item.code] = pick(item.options, key=lambda o: o.score).code
    answers.update(chosen or {})
    return answers


@pytest.fixture
def definition() -> Callable[[str], InstrumentDefinition]:
    return shipped


@pytest.fixture
def person(org_a):
    """A person registered by org_a and in its charge (visible to org_a's operators)."""
    from tests.people.factories import CareRelationshipFactory, PersonFactory

    person = PersonFactory(registered_by=org_a, family_names="Bianchi", given_names="Anna")
    CareRelationshipFactory(person=person, organization=org_a)
    return person


@pytest.fixture
def nurse_a(org_a, make_actor):
    from integra.core.permissions import Role

    return make_actor(org_a, Role.NURSE)


@pytest.fixture
def social_a(org_a, make_actor):
    from integra.core.permissions import Role

    return make_actor(org_a, Role.SOCIAL_WORKER)
