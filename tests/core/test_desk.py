"""The desk's registry of panels (integra/core/desk.py): the apps register their panels, the
desk calls them in order and leaves out those that do not apply to the actor."""

from __future__ import annotations

from datetime import date

import pytest

from integra.core import desk
from integra.core.desk import DeskCount, DeskPanel, Tone, desk_panels, register_panel
from integra.core.permissions import Role


@pytest.fixture
def only_these_panels(monkeypatch):
    monkeypatch.setattr(desk, "_PANELS", {})


def test_the_apps_register_their_panels() -> None:
    """In their order (other apps, e.g. careplans, add theirs between)."""
    ours = ["intake.pua", "assessments.uvm_member", "intake.received"]
    assert [key for key in desk.registered_panels() if key in ours] == ours


def test_panels_in_order_and_only_those_that_apply(only_these_panels, org_a, make_actor):
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    seen = []

    def second(a, today):
        seen.append((a, today))
        return DeskPanel(title="Seconda")

    register_panel("b", second, order=20)
    register_panel("a", lambda a, today: DeskPanel(title="Prima"), order=10)
    register_panel("c", lambda a, today: None, order=5)

    panels = desk_panels(actor=actor, today=date(2026, 12, 4))

    assert [p.title for p in panels] == ["Prima", "Seconda"]
    assert seen == [(actor, date(2026, 12, 4))]
    register_panel("a", lambda a, today: None, order=10)  # registering again replaces
    assert [p.title for p in desk_panels(actor=actor, today=date(2026, 12, 4))] == ["Seconda"]


def test_a_count_above_the_cap_is_capped() -> None:
    assert DeskCount(label="x", value=1_001, url="/", tone=Tone.BAD).capped
    assert not DeskCount(label="x", value=1_000, url="/").capped


def test_a_panel_with_zero_counts_and_no_rows_has_no_work() -> None:
    assert not DeskPanel(title="t", counts=[DeskCount(label="x", value=0, url="/")]).has_work
    assert DeskPanel(title="t", counts=[DeskCount(label="x", value=2, url="/")]).has_work
