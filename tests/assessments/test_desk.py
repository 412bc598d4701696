"""The UVM member's panel of the desk (integra/assessments/desk.py): the sessions the operator
sits on (``UvmMember.user``), held and still to conclude, and the next ones; counted like the
filtered sessions list they link to; one query budget at two data sizes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from integra.assessments import desk
from integra.assessments.uvm_models import Profession, UvmMember, UvmSession, UvmState
from integra.core.permissions import Role
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def _login(client, actor):
    client.force_login(actor.user)
    session = client.session
    session["integra_membership_id"] = actor.membership.pk
    session.save()


@pytest.fixture
def member_b(org_b, make_actor):
    return make_actor(org_b, Role.UVM_MEMBER)


@pytest.fixture
def person(org_b):
    person = PersonFactory(registered_by=org_b, family_names="Verdi", given_names="Giulia")
    CareRelationshipFactory(person=person, organization=org_b)
    return person


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _session(org, person, when, *, member=None, state=UvmState.SCHEDULED, creator=None):
    session = UvmSession.objects.create(
        person=person,
        organization=org,
        scheduled_for=when,
        state=state,
        created_by=creator or (member.user if member else org_creator(org)),
    )
    if member is not None:
        UvmMember.objects.create(
            session=session,
            organization=org,
            user=member.user,
            full_name="Componente",
            profession=Profession.SOCIAL_WORKER,
        )
    return session


def org_creator(org):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=org).user


def _counts(panel):
    return {c.label: c.value for c in panel.counts}


def test_the_member_sees_held_sessions_first_then_the_next(org_b, member_b, person) -> None:
    today = timezone.localdate()
    held = _session(org_b, person, _at(today - timedelta(days=2)), member=member_b)
    this_morning = _session(org_b, person, _at(today, 8), member=member_b)
    next_week = _session(org_b, person, _at(today + timedelta(days=7)), member=member_b)
    _session(  # concluded: nothing to do
        org_b, person, _at(today - timedelta(days=9)), member=member_b, state=UvmState.CONCLUDED
    )
    _session(  # cancelled
        org_b, person, _at(today + timedelta(days=1)), member=member_b, state=UvmState.CANCELLED
    )
    _session(org_b, person, _at(today + timedelta(days=3)))  # of the ASST, not a member

    panel = desk.uvm_member_panel(member_b, today)

    assert _counts(panel) == {"Tenute, esito da scrivere": 1, "Programmate da oggi": 2}
    assert [i.url for i in panel.items] == [
        f"/valutazioni/uvm/{s.pk}/" for s in (held, this_morning, next_week)
    ]
    assert [i.overdue for i in panel.items] == [True, False, False]
    assert panel.items[0].person.full_name == "Verdi Giulia"


def test_only_uvm_members_get_the_panel(org_b, make_actor) -> None:
    nurse = make_actor(org_b, Role.NURSE)
    assert desk.uvm_member_panel(nurse, timezone.localdate()) is None


def test_the_counts_match_the_sessions_list(client, org_b, member_b, person) -> None:
    today = timezone.localdate()
    for days in (-3, -1):
        _session(org_b, person, _at(today + timedelta(days=days)), member=member_b)
    for days in (0, 2, 5):
        _session(org_b, person, _at(today + timedelta(days=days)), member=member_b)
    _session(org_b, person, _at(today + timedelta(days=2)))  # not a member
    # Another organisation's session the member's user sits on is not in this scope.
    other = OrganizationFactory(name="ASST Lontana")
    stranger = PersonFactory(registered_by=other)
    _session(other, stranger, _at(today + timedelta(days=1)), member=member_b)
    _login(client, member_b)

    response = client.get("/")

    panel = next(p for p in response.context["panels"] if p.title == "Le mie sedute UVM")
    assert _counts(panel) == {"Tenute, esito da scrivere": 2, "Programmate da oggi": 3}
    for count in panel.counts:
        listed = client.get(count.url)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == count.value, count.label
    html = response.content.decode()
    for item in panel.items:
        assert client.get(item.url).status_code == 200
        assert item.url in html


def test_a_member_with_no_sessions_sees_the_empty_state(client, member_b) -> None:
    _login(client, member_b)
    response = client.get("/")
    html = response.content.decode()
    assert "Nessuna seduta in programma di cui sei componente." in html
    assert "Niente da fare adesso" in html


# Session, user, membership (middleware), the UVM panel (two counts, the rows, two for the
# persons), the received panel's count, the access log: fixed whatever the rows.
DESK_MAX_QUERIES = 20


def _desk_queries(client, django_assert_max_num_queries, org, member, n) -> int:
    today = timezone.localdate()
    for i in range(n):
        person = PersonFactory(registered_by=org)
        _session(org, person, _at(today + timedelta(days=(i % 5) - 2)), member=member)
    with django_assert_max_num_queries(DESK_MAX_QUERIES) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_desk_query_budget_does_not_grow(client, org_b, member_b, django_assert_max_num_queries):
    _login(client, member_b)
    five = _desk_queries(client, django_assert_max_num_queries, org_b, member_b, 5)
    sixty = _desk_queries(client, django_assert_max_num_queries, org_b, member_b, 55)
    assert five == sixty, (five, sixty)
