"""Who sees a person (integra/people/access.py), for every role, written out by hand.

The rule: ``PERSON_VIEW`` and either ``INTAKE_MANAGE`` (the PUA sees the registry) or an active
presa in carico of the actor's organisation (Garante privacy, Linee guida sul Dossier
sanitario, 4/6/2015: access only by staff caring for the person while in charge). From the
role table in integra/core/permissions.py: the six care roles hold PERSON_VIEW; only the PUA
operator holds INTAKE_MANAGE.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integra.audit.models import AccessLog, AccessOutcome
from integra.core.access import NotFound, get_visible, scoped
from integra.core.permissions import Role
from integra.people.models import CareRelationship, ConsentPurpose, Person, PersonIdentifier
from integra.people.selectors import person_get
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db

ALL = {"in_charge_a", "ends_today_a", "ended_a", "in_charge_b", "nobody"}
IN_CHARGE_OF_A = {"in_charge_a", "ends_today_a"}
# Expected for an operator of organisation A, role by role.
EXPECTED: dict[Role, set[str]] = {
    Role.PUA_OPERATOR: ALL,
    Role.SOCIAL_WORKER: IN_CHARGE_OF_A,
    Role.NURSE: IN_CHARGE_OF_A,
    Role.DOCTOR: IN_CHARGE_OF_A,
    Role.CASE_MANAGER: IN_CHARGE_OF_A,
    Role.UVM_MEMBER: IN_CHARGE_OF_A,
    Role.PLANNING_COORDINATOR: set(),
    Role.STEERING_MEMBER: set(),
    Role.AUDITOR: set(),
    Role.ORG_ADMIN: set(),
    Role.SYSTEM_ADMIN: set(),
}


def test_every_role_is_in_the_table() -> None:
    assert set(EXPECTED) == set(Role)


@pytest.fixture
def persons(org_a, org_b) -> dict[str, Person]:
    today = timezone.localdate()
    made = {name: PersonFactory(family_names=name, registered_by=org_a) for name in sorted(ALL)}
    CareRelationshipFactory(person=made["in_charge_a"], organization=org_a)
    # Active up to and including its last day.
    CareRelationshipFactory(person=made["ends_today_a"], organization=org_a, ended_on=today)
    CareRelationshipFactory(
        person=made["ended_a"],
        organization=org_a,
        started_on=today - timedelta(days=30),
        ended_on=today - timedelta(days=1),
    )
    CareRelationshipFactory(person=made["in_charge_b"], organization=org_b)
    for person in made.values():
        PersonIdentifierFactory(person=person)
    return made


@pytest.mark.parametrize("role", list(Role))
def test_persons_visible_to_each_role(role, org_a, persons, make_actor) -> None:
    actor = make_actor(org_a, role)
    seen = set(scoped(actor, Person).values_list("family_names", flat=True))
    assert seen == EXPECTED[role]


@pytest.mark.parametrize("role", list(Role))
def test_identifiers_follow_their_person(role, org_a, persons, make_actor) -> None:
    actor = make_actor(org_a, role)
    seen = set(scoped(actor, PersonIdentifier).values_list("person__family_names", flat=True))
    assert seen == EXPECTED[role]


@pytest.mark.parametrize("role", list(Role))
def test_care_relationships_follow_their_person(role, org_a, persons, make_actor) -> None:
    actor = make_actor(org_a, role)
    seen = set(scoped(actor, CareRelationship).values_list("person__family_names", flat=True))
    # "nobody" has no relationship at all.
    assert seen == EXPECTED[role] - {"nobody"}


def test_registering_organisation_alone_gives_no_access(org_a, make_actor) -> None:
    """Having registered a person is not a presa in carico: once it ends, the record hides."""
    person = PersonFactory(registered_by=org_a)
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(NotFound):
        get_visible(actor, Person, pk=person.pk)


def test_the_other_organisations_relationship_does_not_open_the_record(
    org_a, org_b, make_actor
) -> None:
    person = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=person, organization=org_b)
    with pytest.raises(NotFound):
        get_visible(make_actor(org_a, Role.DOCTOR), Person, pk=person.pk)
    # B has the person in charge: it knows of them, and reads the record once the person
    # consents to the sharing between bodies (Garante, Linee guida 4/6/2015).
    with pytest.raises(NotFound):
        get_visible(make_actor(org_b, Role.DOCTOR), Person, pk=person.pk)
    ConsentFactory(person=person, purpose=ConsentPurpose.SHARING)
    assert get_visible(make_actor(org_b, Role.DOCTOR), Person, pk=person.pk) == person


def test_person_get_hides_and_logs(org_a, org_b, make_actor) -> None:
    """The selector of the record: 404 outside the scope, one access-log row per read."""
    person = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=person, organization=org_a)
    # The PUA of another organisation reads the content only with the sharing consent
    # (tests/people/test_consent.py covers the limited view without it).
    ConsentFactory(person=person, purpose=ConsentPurpose.SHARING)
    with pytest.raises(NotFound):
        person_get(actor=make_actor(org_b, Role.SOCIAL_WORKER), person_id=person.pk)
    seen = person_get(
        actor=make_actor(org_b, Role.PUA_OPERATOR), person_id=person.pk, purpose="Accoglienza"
    )
    assert seen.person == person
    rows = list(
        AccessLog.objects.filter(person_id=person.pk)
        .order_by("seq")
        .values_list("outcome", "organization_id", "purpose", "detail")
    )
    assert rows == [
        (AccessOutcome.DENIED, org_b.pk, "", {"lookup": {"pk": str(person.pk)}}),
        (AccessOutcome.ALLOWED, org_b.pk, "Accoglienza", {"view": "anagrafica"}),
    ]
