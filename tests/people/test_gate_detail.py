"""``gate.person_detail``: the person of a detail and whether the content is readable, from SQL
compiled once per shape of the actor (integra/core/prepared.py). Its answers must be those of
the scopes themselves (``known_persons``, ``person_scope``) for every actor, in any order: the
compiled statement is reused across operators, organisations, persons and emergency grants."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from integra.core.access import Actor, scoped
from integra.core.permissions import Role
from integra.people import gate
from integra.people.access import emergency_reads, known_persons
from integra.people.dossier_models import EmergencyAccess
from integra.people.models import ConsentPurpose, Person
from tests.factories import OrganizationFactory
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db


def expected(actor: Actor, pk: int) -> tuple[bool, bool]:
    return (
        known_persons(actor).filter(pk=pk).exists(),
        scoped(actor, Person).filter(pk=pk).exists(),
    )


def answered(actor: Actor, pk: int) -> tuple[bool, bool]:
    person, readable = gate.person_detail(actor=actor, person_id=pk)
    assert person is None or person.pk == pk
    return person is not None, readable


@pytest.fixture
def world(org_a, org_b, make_actor):
    org_c = OrganizationFactory(name="Comune di Gamma", code="comune-gamma")
    today = timezone.localdate()
    persons = {
        "of_a": PersonFactory(registered_by=org_a),
        "of_b_in_charge_a": PersonFactory(registered_by=org_b),
        "of_b_in_charge_a_consent": PersonFactory(registered_by=org_b),
        "of_b_consent_expired": PersonFactory(registered_by=org_b),
        "of_b_consent_withdrawn": PersonFactory(registered_by=org_b),
        "of_c_nobody": PersonFactory(registered_by=org_c),
        "of_b_emergency": PersonFactory(registered_by=org_b),
    }
    for name, person in persons.items():
        PersonIdentifierFactory(person=person)
        if "in_charge_a" in name or "consent_" in name:
            CareRelationshipFactory(person=person, organization=org_a)
    ConsentFactory(person=persons["of_b_in_charge_a_consent"], purpose=ConsentPurpose.SHARING)
    ConsentFactory(
        person=persons["of_b_consent_expired"],
        purpose=ConsentPurpose.SHARING,
        decided_on=today - timedelta(days=10),
        expires_on=today - timedelta(days=1),
    )
    ConsentFactory(person=persons["of_b_consent_withdrawn"], purpose=ConsentPurpose.SHARING)
    ConsentFactory(
        person=persons["of_b_consent_withdrawn"],
        purpose=ConsentPurpose.SHARING,
        status="withdrawn",
        decided_on=today,
    )
    # A merged alias: its survivor is in charge of A.
    alias = PersonFactory(registered_by=org_b)
    alias.status, alias.merged_into = "merged", persons["of_b_in_charge_a_consent"]
    alias.save()
    persons["alias"] = alias
    actors = {
        "pua_a": make_actor(org_a, Role.PUA_OPERATOR),
        "social_a": make_actor(org_a, Role.SOCIAL_WORKER),
        "social_a_2": make_actor(org_a, Role.CASE_MANAGER),
        "doctor_b": make_actor(org_b, Role.DOCTOR),
        "pua_c": make_actor(org_c, Role.PUA_OPERATOR),
        "auditor_a": make_actor(org_a, Role.AUDITOR),
    }
    doctor = actors["doctor_b"]
    EmergencyAccess.objects.create(
        person=persons["of_c_nobody"],
        user=doctor.user,
        membership=doctor.membership,
        organization=doctor.membership.organization,
        reason="Pronto soccorso",
        expires_at=timezone.now() + timedelta(hours=2),
    )
    return actors, persons


@pytest.mark.parametrize("emergency", [False, True])
def test_the_prepared_detail_answers_as_the_scopes_for_every_actor_and_person(
    world, emergency
) -> None:
    actors, persons = world
    with emergency_reads(emergency):
        # Twice over, in two orders: whoever compiled the statement first, the answers hold.
        pairs = list(product(actors.items(), persons.items()))
        for (who, actor), (name, person) in pairs + pairs[::-1]:
            assert answered(actor, person.pk) == expected(actor, person.pk), (who, name)
        # The case the grant decides: the doctor of B, a person of C nobody has in charge.
        assert answered(actors["doctor_b"], persons["of_c_nobody"].pk) == (emergency, emergency)


def test_a_missing_or_malformed_id_is_nobody(world) -> None:
    actors, _persons = world
    for value in (0, -1, "abc", 2**63, None, 999_999_999):
        assert gate.person_detail(actor=actors["pua_a"], person_id=value) == (None, False)


def test_the_codes_come_with_the_content_only(world, django_assert_num_queries) -> None:
    actors, persons = world
    gate.person_detail(actor=actors["pua_c"], person_id=persons["of_a"].pk)  # compiled
    with django_assert_num_queries(2):  # the person with the flag, then the codes
        person, readable = gate.person_detail(actor=actors["pua_a"], person_id=persons["of_a"].pk)
        codes = [code.value for code in person.identifiers.all()]
    assert readable and codes == list(persons["of_a"].identifiers.values_list("value", flat=True))
    assert person.residence_municipality_id == persons["of_a"].residence_municipality_id
    with django_assert_num_queries(1):  # limited: no codes read
        person, readable = gate.person_detail(
            actor=actors["pua_c"], person_id=persons["of_b_in_charge_a"].pk
        )
    assert person is not None and not readable
    assert person.registered_by.name == "ASST Beta"
