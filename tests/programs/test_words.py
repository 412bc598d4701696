"""The measures pages say one thing about each act, in words (no internal names or codes).

The state of an act comes from one function (``selectors.rule_set_state``) for both the list
and the act's page. The acts shipped in integra/programs/rules/: B1 2024 (1/1–31/12/2024), B1
2025 (1/1–31/12/2025), B1 2026 (1/1–30/4/2026), B2 2024, B2 2025 (calendar years) and B2 2026
(DGR XII/5544/2025, from 1/1/2026 until a new act, measure suspended).
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from itertools import pairwise

import pytest
from django.utils import timezone

from integra.core.permissions import Role
from integra.programs import selectors, services
from integra.programs.models import MeasureRuleSet, RuleSetState
from integra.programs.services import SHIPPED_RULES_DIR
from tests.programs.factories import isee_of, person_in_charge
from tests.programs.test_rules import B2_2027

pytestmark = pytest.mark.django_db


def _act(code: str, year: int) -> MeasureRuleSet:
    return MeasureRuleSet.objects.get(measure_code=code, effective_from=date(year, 1, 1))


def _states(on: date) -> dict[tuple[str, int], RuleSetState]:
    return {
        (r.measure_code, r.effective_from.year): state
        for r, state in selectors.rule_sets_with_state(on=on)
    }


def test_state_of_each_act_on_a_day() -> None:
    states = _states(date(2025, 6, 1))
    assert states[("B1", 2024)] == RuleSetState.EXPIRED  # ended 31/12/2024
    assert states[("B1", 2025)] == RuleSetState.IN_FORCE
    assert states[("B1", 2026)] == RuleSetState.FUTURE
    assert states[("B2", 2026)] == RuleSetState.FUTURE
    states = _states(date(2026, 6, 1))
    assert states[("B1", 2026)] == RuleSetState.EXPIRED  # the bridging act ended on 30/4/2026
    # In force, and what it says is that the measure is suspended: one state, not two.
    assert states[("B2", 2026)] == RuleSetState.SUSPENDED
    assert states[("B2", 2025)] == RuleSetState.EXPIRED


def test_an_open_ended_act_is_superseded_by_the_next_one() -> None:
    services.rule_set_load(text=B2_2027)
    states = _states(date(2027, 3, 1))
    assert states[("B2", 2026)] == RuleSetState.SUPERSEDED
    assert states[("B2", 2027)] == RuleSetState.IN_FORCE
    act = _act("B2", 2026)
    assert selectors.rule_set_state_on(act, on=date(2027, 3, 1)) == RuleSetState.SUPERSEDED


@pytest.fixture
def doctor(client, org_a, make_membership):
    membership = make_membership(org_a, Role.DOCTOR, Role.SOCIAL_WORKER)
    client.force_login(membership.user)
    return membership


def _text(html: str) -> str:
    """The words a sighted reader sees (table captions are for screen readers)."""
    html = re.sub(r"<caption.*?</caption>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_list_and_each_page_agree(client, doctor) -> None:
    listing = _text(client.get("/misure/").content.decode())
    today = timezone.localdate()
    for act, state in selectors.rule_sets_with_state(on=today):
        page = _text(client.get(f"/misure/regole/{act.pk}/").content.decode())
        assert f"Stato oggi {state.label}" in page
        assert f"{act.act} " in listing and str(state.label) in listing
    # The list no longer says "Fino al: nuovo atto" beside a state of its own.
    assert "nuovo atto Sospesa" not in listing and "in vigore oggi" not in listing


def test_b2_2026_reads_the_same_in_list_and_page(client, doctor) -> None:
    act = _act("B2", 2026)
    page = _text(client.get(f"/misure/regole/{act.pk}/").content.decode())
    assert "Periodo di vigore dal 1 gennaio 2026 fino a un nuovo atto" in page
    listing = _text(client.get("/misure/").content.decode())
    assert "dal 1 gennaio 2026 fino a un nuovo atto" in listing


def test_pages_show_no_internal_names_and_no_doubled_words(client, doctor) -> None:
    for act in MeasureRuleSet.objects.all():
        page = _text(client.get(f"/misure/regole/{act.pk}/").content.decode())
        assert ".md" not in page and ".toml" not in page, act.act
        assert "da verificare da verificare" not in page, act.act
        words = page.split()
        doubled = [a for a, b in pairwise(words) if a == b and a.isalpha()]
        assert doubled == [], (act.act, doubled)
        # Criterion codes (``gravita``) are for the rule file, not for the page.
        assert " gravita " not in page


def test_shipped_rule_files_cite_acts_not_our_documents() -> None:
    for path in SHIPPED_RULES_DIR.glob("*.toml"):
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
        assert not [ln for ln in lines if "DOMAIN.md" in ln], path.name


def test_an_88_year_old_gets_the_isee_limit_of_adults(client, doctor, org_a) -> None:
    """B2 has two ISEE limits, by age of majority only: ≤ 25,000 euro ISEE sociosanitario for
    adults (maggiorenni, over 65 included), ≤ 40,000 euro ISEE ordinario for minors — DOMAIN.md
    "Misura B2" and Comune di Milano, "Contributo Misura B, beneficiari" (cited in b2_2025.toml:
    "in caso di richiedente maggiorenne … ISEE sociosanitario … ≤ 25.000,00"). There is no band
    for the elderly, so the page names the limit applied instead of calling the person
    "adulto"."""
    person = person_in_charge(org_a, birth_date=date(1937, 3, 1))  # 88 on 1 June 2025
    isee_of(person, "24000.00")
    url = f"/misure/persone/{person.pk}/"
    page = _text(client.get(url, {"measure": "B2", "on_date": "2025-06-01"}).content.decode())
    assert "Soglia ISEE applicata: quella per i maggiorenni." in page
    assert "Fascia di età: adulto" not in page
    assert "Esito per la misura B2 al 1 giugno 2025" in page


def test_a_day_without_an_act_does_not_say_nothing_was_saved(client, doctor, org_a) -> None:
    person = person_in_charge(org_a)
    url = f"/misure/persone/{person.pk}/"
    page = _text(client.get(url, {"measure": "B1", "on_date": "2026-05-01"}).content.decode())
    assert "Nessun atto regionale in vigore per la misura B1" in page
    assert "La verifica non è stata fatta." in page
    assert "salvato nulla" not in page
