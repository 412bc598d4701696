"""``gate.person_detail``: the person of a detail and whether the content is readable, from SQL
compiled once per shape of the actor (integra/core/prepared.py). Its answers must be those of
the scopes themselves (``known_persons``, ``person_scope``) for every actor, in any order: the
compiled statement is reused across operators, organisations, persons and emergency grants."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest
from django.utils import timezone

from integra.core.access import Actor, scoped
from integra.core.permissions import Role
from integra.people import gate
from integra.people.access import emergency_reads, known_persons
from integra.people.dossier_models import EmergencyAccess
from integra.people.identifiers import IdentifierKind
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
    with django_assert_num_queries(1):  # the person with the flag and the codes (issue 11)
        person, readable = gate.person_detail(actor=actors["pua_a"], person_id=persons["of_a"].pk)
        codes = [code.value for code in person.identifiers.all()]
        assert all(code.person is person for code in person.identifiers.all())
    assert readable and codes == list(persons["of_a"].identifiers.values_list("value", flat=True))
    stored = persons["of_a"].identifiers.get(value=codes[0])
    read = person.identifiers.all()[0]
    assert (read.pk, read.kind, read.issued_on, read.valid_until, read.created_at) == (
        stored.pk,
        stored.kind,
        stored.issued_on,
        stored.valid_until,
        stored.created_at,
    )
    assert person.residence_municipality_id == persons["of_a"].residence_municipality_id
    with django_assert_num_queries(1):  # limited: no codes read
        person, readable = gate.person_detail(
            actor=actors["pua_c"], person_id=persons["of_b_in_charge_a"].pk
        )
    assert person is not None and not readable
    assert person.registered_by.name == "ASST Beta"
    assert "codes_read" not in person.__dict__
    assert "identifiers" not in getattr(person, "_prefetched_objects_cache", {})


def test_the_codes_read_with_the_person_are_the_stored_ones_in_the_record_order(world) -> None:
    """The codes travel inside the detail's one statement as JSON: dates, flags and the order
    (primary first, then by kind) come back exactly as stored."""
    actors, persons = world
    person = persons["of_a"]
    team = PersonIdentifierFactory(
        person=person,
        kind=IdentifierKind.TEAM,
        value="80380000001234567890",
        issuing_country="DE",
        issued_on=date(2024, 2, 29),
        valid_until=date(2029, 2, 28),
        is_primary=False,
    )
    stp = PersonIdentifierFactory(
        person=person, kind=IdentifierKind.STP, value="STP030001234567", is_primary=False
    )
    read, readable = gate.person_detail(actor=actors["pua_a"], person_id=person.pk)
    assert readable
    codes = list(read.identifiers.all())
    primary = person.identifiers.get(is_primary=True)
    # -is_primary, kind ("stp" < "team"), pk
    assert [c.pk for c in codes] == [primary.pk, stp.pk, team.pk]
    got = codes[2]
    assert (got.kind, got.value, got.issuing_country, got.issued_on, got.valid_until) == (
        "team",
        "80380000001234567890",
        "DE",
        date(2024, 2, 29),
        date(2029, 2, 28),
    )
    assert got.created_at == team.created_at and got.is_primary is False
    assert not got._state.adding


@pytest.mark.parametrize("emergency", [False, True])
def test_the_holders_verdict_answers_as_the_scopes(world, emergency) -> None:
    """The search by code asks the gate about a code's holders in one prepared statement; for
    every actor, whatever set of persons and in whatever order, the verdict is the scopes'.
    Merged aliases are not active: never a holder."""
    actors, persons = world
    everyone = [person.pk for person in persons.values()]
    with emergency_reads(emergency):
        for who, actor in actors.items():
            for ids in (everyone, everyone[::-1], everyone[:1], everyone[2:5]):
                got = {
                    person.pk: readable
                    for person, readable in gate.holders_verdict(actor=actor, person_ids=ids)
                }
                wanted = {}
                for pk in ids:
                    known, readable = expected(actor, pk)
                    if known and pk != persons["alias"].pk:
                        wanted[pk] = readable
                assert got == wanted, who


def test_the_holders_verdict_reads_more_than_one_statement_holds(world) -> None:
    actors, _persons = world
    more = [PersonFactory(registered_by=actors["pua_a"].membership.organization) for _ in range(10)]
    got = gate.holders_verdict(actor=actors["pua_a"], person_ids=[p.pk for p in more] + [0, -3])
    assert [(person.pk, readable) for person, readable in got] == [(p.pk, True) for p in more]
    assert gate.holders_verdict(actor=actors["pua_a"], person_ids=[]) == []
