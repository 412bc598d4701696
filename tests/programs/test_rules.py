"""Rule sets as data: loaded idempotently, chosen by date, changed by a file — not by code.

DOMAIN.md "Rules change every year": 2024 = DGR XII/1669 of 28/12/2023; 2025 = DGR XII/3719 of
30/12/2024; 2026 = only the bridging DGR XII/5544/2025 (former B1 recipients to 30/4/2026, B2
excluded pending the PNNA 2026–28).
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integra.core.permissions import Role
from integra.programs.errors import ProgramError, ProgramErrorCode
from integra.programs.facts import FactKind
from integra.programs.models import MeasureRuleSet
from integra.programs.selectors import rule_set_in_force, rule_sets_in_force, screen
from integra.programs.services import SHIPPED_RULES_DIR, rule_set_load
from tests.programs.factories import fact_of, isee_of, person_in_charge

pytestmark = pytest.mark.django_db

B2_2027 = """
measure = "B2"
measure_name = "Misura B2 — nuovo atto"
act = "DGR XII/9999 del 20/12/2026"
effective_from = 2027-01-01
effective_to = 2027-12-31
min_conditions = 0

[isee]
adult_kinds = ["sociosanitario"]
adult_max = "30000.00"
minor_kinds = ["ordinario"]
minor_max = "45000.00"

[[criteria]]
code = "gravita"
group = "prerequisite"
label = "L. 104/1992 art. 3 c. 3"
[[criteria.any_of]]
all_of = [{ fact = "l104_art3c3" }]
"""


def test_shipped_acts_are_loaded_by_migrate() -> None:
    acts = set(MeasureRuleSet.objects.values_list("measure_code", "act"))
    assert acts == {
        ("B1", "DGR XII/1669 del 28/12/2023"),
        ("B1", "DGR XII/3719 del 30/12/2024"),
        ("B1", "DGR XII/5544/2025"),
        ("B2", "DGR XII/1669 del 28/12/2023"),
        ("B2", "DGR XII/3719 del 30/12/2024"),
        ("B2", "DGR XII/5544/2025"),
    }


@pytest.mark.parametrize(
    ("code", "day", "act", "status"),
    [
        ("B1", date(2024, 12, 31), "DGR XII/1669 del 28/12/2023", "active"),
        ("B1", date(2025, 1, 1), "DGR XII/3719 del 30/12/2024", "active"),
        ("B1", date(2026, 4, 30), "DGR XII/5544/2025", "active"),
        ("B1", date(2026, 5, 1), None, None),  # the bridge ends on 30/4/2026
        ("B2", date(2025, 12, 31), "DGR XII/3719 del 30/12/2024", "active"),
        ("B2", date(2026, 1, 1), "DGR XII/5544/2025", "suspended"),
    ],
)
def test_rule_set_in_force_by_date(code, day, act, status) -> None:
    rule_set = rule_set_in_force(measure_code=code, on=day)
    assert (rule_set.act if rule_set else None) == act
    assert (rule_set.status if rule_set else None) == status


def test_loading_is_idempotent() -> None:
    text = (SHIPPED_RULES_DIR / "b1_2025.toml").read_text()
    before = MeasureRuleSet.objects.count()
    first = rule_set_load(text=text)
    assert first.outcome == "unchanged"
    # Same rules, different layout and comments: same digest, nothing changes.
    assert rule_set_load(text="# commento\n" + text + "\n\n").outcome == "unchanged"
    changed = rule_set_load(text=text.replace('max = "900.00"', 'max = "950.00"'))
    assert changed.outcome == "updated"
    assert changed.rule_set.pk == first.rule_set.pk
    assert MeasureRuleSet.objects.count() == before


def test_invalid_rule_file_names_the_fault() -> None:
    with pytest.raises(ProgramError) as err:
        rule_set_load(text=B2_2027.replace('fact = "l104_art3c3"', 'fact = "sconosciuto"'))
    assert err.value.code == ProgramErrorCode.RULES_INVALID
    assert any("sconosciuto" in m for ms in err.value.errors.values() for m in ms)
    with pytest.raises(ProgramError):
        rule_set_load(text="measure = ")
    with pytest.raises(ProgramError):
        rule_set_load(
            text=B2_2027.replace("effective_to = 2027-12-31", "effective_to = 2026-12-31")
        )
    assert not MeasureRuleSet.objects.filter(act__contains="9999").exists()


def test_no_act_in_force_is_an_error(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person = person_in_charge(org_a)
    with pytest.raises(ProgramError) as err:
        screen(actor, person.pk, "B1", date(2026, 5, 1))  # after the 2026 bridge
    assert err.value.code == ProgramErrorCode.NO_RULES
    assert "on_date" in err.value.errors


def test_command_loads_a_file(tmp_path) -> None:
    path = tmp_path / "b2_2027.toml"
    path.write_text(B2_2027, encoding="utf-8")
    out = StringIO()
    call_command("load_measure_rules", str(path), stdout=out)
    assert "created" in out.getvalue()
    call_command("load_measure_rules", str(path), stdout=out)
    assert "unchanged" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load_measure_rules", str(tmp_path / "missing.toml"))


def test_a_new_act_changes_the_result_on_its_first_day(org_a, make_actor) -> None:
    """B2 is suspended in 2026 (DGR XII/5544/2025); a region loads next year's act as a file
    and from 1/1/2027 the same person, with the same evidence, is screened by the new rules —
    no code changed. The new act's adult limit is 30,000 euro: an ISEE of 28,000 is within it
    (it would exceed the 2025 limit of 25,000)."""
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person = person_in_charge(org_a)
    isee_of(person, "28000.00", signed_on=date(2026, 12, 1), valid_until=date(2027, 12, 31))
    fact_of(person, FactKind.L104_SEVERE, flag=True)

    assert screen(actor, person.pk, "B2", date(2026, 12, 31)).outcome == "suspended"
    # The suspension has no end date: it lasts until a new act is loaded.
    assert screen(actor, person.pk, "B2", date(2027, 1, 1)).outcome == "suspended"

    rule_set_load(text=B2_2027, source_name="b2_2027.toml")

    assert screen(actor, person.pk, "B2", date(2026, 12, 31)).outcome == "suspended"
    result = screen(actor, person.pk, "B2", date(2027, 1, 1))
    assert result.rule_set["act"] == "DGR XII/9999 del 20/12/2026"
    assert result.outcome == "eligible"
    assert {r.measure_code: r.act for r in rule_sets_in_force(on=date(2027, 1, 1))} == {
        "B2": "DGR XII/9999 del 20/12/2026"
    }
