"""The UVM's demo data (integra/assessments/uvm_demo.py): the PUA → UVM → PUA loop is there to
be walked, made through the services."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integra.assessments.uvm_demo import seed_uvm_demo
from integra.assessments.uvm_models import UvmSession, UvmState
from integra.intake.demo import seed_intake_demo
from integra.intake.models import IntakeRequest, IntakeState
from integra.organizations.demo import demo_seed
from tests.organizations.factories import build_demo_territory
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_one_session_held_and_concluded_one_to_come_and_it_converges() -> None:
    comuni = build_demo_territory()
    demo_seed(seed=1)
    for i in range(8):
        PersonFactory(residence_municipality=comuni["Melegnano"], family_names=f"Demo{i}")
    seed_intake_demo()
    sent = list(IntakeRequest.objects.filter(state=IntakeState.SENT_TO_UVM).order_by("received_at"))
    assert len(sent) == 2  # the complex need of 9 days ago and the protected discharge
    assert seed_uvm_demo() == 2
    held, coming = (UvmSession.objects.get(intake_request=r) for r in sent)
    today = timezone.localdate()
    assert held.state == UvmState.CONCLUDED and held.user_class is not None
    assert (today - timezone.localdate(held.scheduled_for)).days == 2
    assert coming.state == UvmState.SCHEDULED
    assert (timezone.localdate(coming.scheduled_for) - today).days == 1
    for session in (held, coming):
        # Both sides of the composition rule (seed 002, rule 5): an ASST doctor and a
        # Comune's social worker, linked to their accounts.
        members = session.members.select_related("organization", "user")
        assert sorted(m.organization.kind for m in members) == ["asl", "comune"]
        assert all(m.user_id for m in members)
    assert seed_uvm_demo() == 0
    assert UvmSession.objects.count() == 2
