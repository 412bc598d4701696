"""The care plans' demo data (integra/careplans/demo.py): a plan in force with its team, an
overdue task for the ASST's nurse, one to come for the Comune's social worker, a review next
month; the demo's concluded UVM session stays without a plan (opened from there by a user)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integra.accounts.models import Membership
from integra.assessments.uvm_demo import seed_uvm_demo
from integra.careplans.demo import seed_careplans_demo
from integra.careplans.models import CarePlan, CareTask, PlanState
from integra.careplans.selectors import plan_get
from integra.core.access import Actor
from integra.intake.demo import seed_intake_demo
from integra.organizations.demo import demo_seed
from tests.organizations.factories import build_demo_territory
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_plan_in_force_with_work_for_two_operators_and_it_converges() -> None:
    comuni = build_demo_territory()
    demo_seed(seed=1)
    for i in range(8):
        PersonFactory(residence_municipality=comuni["Melegnano"], family_names=f"Demo{i}")
    seed_intake_demo()
    seed_uvm_demo()
    assert seed_careplans_demo() == 1
    assert seed_careplans_demo() == 0
    plan = CarePlan.objects.get()
    today = timezone.localdate()
    assert plan.state == PlanState.ACTIVE and plan.uvm_session_id is None
    assert plan.starts_on == today - timedelta(days=160)
    assert today < plan.next_review_on <= today + timedelta(days=31)
    tasks = {t.assignee.user.username: t for t in CareTask.objects.select_related("assignee__user")}
    assert tasks["infermiere"].due_on < today < tasks["assistente.sociale"].due_on
    # the nurse of the ASST reads the plan as a member of the team
    nurse = Membership.objects.get(user__username="infermiere")
    view = plan_get(actor=Actor.for_membership(nurse.user, nurse), plan_id=plan.pk)
    assert not view.person.limited and view.interventions[0].person_amount == 71.5
