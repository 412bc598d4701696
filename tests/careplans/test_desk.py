"""The care plans' panels of the desk: the case manager's reviews overdue and due within 30 days
(and open cases), every operator's own tasks; each count equals the list it links to, and the
query count does not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integra.careplans import services
from integra.careplans.desk import case_manager_panel, tasks_panel
from integra.careplans.models import CarePlan, CareTask
from integra.core.permissions import Role
from tests.people.factories import CareRelationshipFactory, PersonFactory


def _plans(manager, org, n, review_in_days):
    plans = []
    for i in range(n):
        person = PersonFactory(registered_by=org, family_names=f"Caso{i}{review_in_days}")
        CareRelationshipFactory(person=person, organization=org)
        plan = services.plan_create(actor=manager, person_id=person.pk, data={"title": f"P{i}"})
        CarePlan.objects.filter(pk=plan.pk).update(
            next_review_on=timezone.localdate() + timedelta(days=review_in_days)
        )
        plans.append(plan)
    return plans


def _counts(panel):
    return {str(c.label): (c.value, c.url) for c in panel.counts}


def test_the_case_managers_panel_counts_what_the_caseload_lists(manager_b, org_b):
    _plans(manager_b, org_b, 2, -1)  # overdue (DOMAIN: review by the user class's interval)
    _plans(manager_b, org_b, 1, 10)  # due within 30 days
    _plans(manager_b, org_b, 1, 90)  # not yet
    panel = case_manager_panel(manager_b, timezone.localdate())
    counts = _counts(panel)
    assert counts["Verifiche scadute"][0] == 2
    assert counts["Verifiche entro 30 giorni"][0] == 1
    assert counts["Casi aperti"][0] == 4
    assert [i.overdue for i in panel.items] == [True, True, False]
    client = Client()
    client.force_login(manager_b.user)
    for label, (value, url) in counts.items():
        page = client.get(url)
        assert page.status_code == 200, label
        assert page.content.decode().count('<th scope="row">') == value, label


def test_my_tasks_panel_and_its_lists(plan, manager_b, make_actor, org_b):
    nurse = make_actor(org_b, Role.NURSE)
    assert tasks_panel(nurse, timezone.localdate()) is None  # nothing asked of the nurse
    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": nurse.membership.pk, "profession": "infermiere"},
        expected_version=plan.row_version,
    )
    today = timezone.localdate()
    for title, due in (("A", today), ("B", today + timedelta(days=3))):
        services.task_create(
            actor=manager_b,
            plan_id=plan.pk,
            data={"assignee_id": nurse.membership.pk, "title": title, "due_on": due},
        )
    CareTask.objects.filter(title="A").update(due_on=today - timedelta(days=1))
    counts = _counts(tasks_panel(nurse, today))
    assert counts["Scadute"][0] == 1 and counts["Da fare"][0] == 2
    client = Client()
    client.force_login(nurse.user)
    overdue_page = client.get(counts["Scadute"][1]).content.decode()
    assert ">A<" in overdue_page or "A</" in overdue_page


@pytest.mark.parametrize("size", [2, 12])
def test_the_desk_of_a_case_manager_keeps_its_query_count(
    size, manager_b, org_b, django_assert_max_num_queries
):
    _plans(manager_b, org_b, size, -1)
    client = Client()
    client.force_login(manager_b.user)
    with django_assert_max_num_queries(24):
        assert client.get("/").status_code == 200
