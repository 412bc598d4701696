"""The PUA demo data: PUAs of the demo territory and requests in several states."""

from __future__ import annotations

import pytest

from integra.intake.demo import PUA_PIOLTELLO, PUA_SOUTH_EAST, seed_intake_demo
from integra.intake.models import IntakeRequest, IntakeState, PuaPoint
from integra.organizations.demo import demo_seed
from tests.organizations.factories import build_demo_territory
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_seed_intake_demo_creates_points_and_requests_and_converges() -> None:
    comuni = build_demo_territory()
    demo_seed(seed=1)
    for i in range(8):
        PersonFactory(residence_municipality=comuni["Melegnano"], family_names=f"Demo{i}")
    result = seed_intake_demo()
    assert result.pua_points == 2 and result.requests == 8
    assert set(PuaPoint.objects.values_list("name", flat=True)) == {PUA_SOUTH_EAST, PUA_PIOLTELLO}
    states = set(IntakeRequest.objects.values_list("state", flat=True))
    assert {IntakeState.RECEIVED, IntakeState.SENT_TO_UVM, IntakeState.CLOSED} <= states
    again = seed_intake_demo()
    assert again.requests == 0
    assert IntakeRequest.objects.count() == 8
