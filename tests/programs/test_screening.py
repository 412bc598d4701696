"""The screening engine on hand-computed cases (pure: no database).

Sources: DM 26/9/2016 art. 3 (B1 prerequisite and conditions a–i); Lombardy DGR XII/3719 of
30/12/2024 for 2025 (B1: ISEE sociosanitario ≤ 50,000 euro for adults, ISEE ordinario ≤ 65,000
for minors; B2: ≤ 25,000 / ≤ 40,000 — DOMAIN.md "Misura B1", "Misura B2"); the limits are
inclusive ("non superiore a", "fino a un massimo di"). One is an adult from the 18th birthday.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integra.programs.facts import FACT_KINDS, FactKind
from integra.programs.screening import (
    EvidenceBundle,
    FactRecord,
    IseeRecord,
    ScoreRecord,
    age_on,
    evaluate,
)
from tests.programs.factories import shipped_rules

B1_2025 = shipped_rules("b1_2025.toml")  # DGR XII/3719 del 30/12/2024
B2_2025 = shipped_rules("b2_2025.toml")
B1_2026 = shipped_rules("b1_2026.toml")  # DGR XII/5544/2025, provvedimento ponte
DAY = date(2025, 6, 1)
ADULT = date(1950, 3, 1)
INFO = {"id": 1, "act": "test"}


def isee(value: str, kind: str = "sociosanitario", *, until: date = date(2025, 12, 31)):
    return IseeRecord(
        id=1, kind=kind, value=Decimal(value), signed_on=date(2025, 1, 15), valid_until=until
    )


def fact(kind: FactKind, value, n: int = 1, **kw) -> FactRecord:
    spec = FACT_KINDS[kind]
    if spec.value_type == "number":
        value = Decimal(str(value))
    return FactRecord(
        id=n,
        kind=kind,
        value=value,
        valid_from=kw.get("valid_from", date(2024, 1, 1)),
        valid_until=kw.get("valid_until"),
    )


ACCOMPAGNAMENTO = fact(FactKind.ACCOMPAGNAMENTO, True, 100)
GCS_8 = fact(FactKind.GCS, 8, 101)


def run(rules, *, birth=ADULT, isee_rows=(), facts=(), scores=(), on=DAY, health=True):
    bundle = EvidenceBundle(
        birth_date=birth,
        isee=list(isee_rows),
        facts=list(facts),
        scores=list(scores),
        health_visible=health,
    )
    return evaluate(rules, bundle, on, rule_set_info=INFO)


def criterion(result, code):
    return next(c for c in result.criteria if c.code == code)


def test_b1_eligible_with_every_criterion_listed() -> None:
    result = run(B1_2025, isee_rows=[isee("20000.00")], facts=[ACCOMPAGNAMENTO, GCS_8])
    assert result.outcome == "eligible"
    codes = [c.code for c in result.criteria]
    # ISEE, prerequisite, the summary of the conditions, then each condition a)–i): all listed.
    assert codes == ["isee", "accompagnamento", "conditions", *"abcdefghi"]
    assert criterion(result, "a").met is True
    assert criterion(result, "a").evidence[0].value == "8"
    assert criterion(result, "b").met is None  # no evidence about ventilation: unknown, listed
    assert criterion(result, "isee").evidence[0].kind == "isee"
    assert result.age_group == "adult"
    assert {a["code"] for a in result.amounts} >= {"buono_caregiver", "buono_personale"}


@pytest.mark.parametrize(
    ("rules", "value", "met"),
    [
        (B1_2025, "50000.00", True),  # exactly at the B1 adult limit: within (≤)
        (B1_2025, "50000.01", False),  # one cent above
        (B2_2025, "25000.00", True),  # B2 adult limit
        (B2_2025, "25000.01", False),
    ],
)
def test_isee_adult_boundary(rules, value, met) -> None:
    facts = [ACCOMPAGNAMENTO, GCS_8] if rules is B1_2025 else [fact(FactKind.L104_SEVERE, True)]
    result = run(rules, isee_rows=[isee(value)], facts=facts)
    assert criterion(result, "isee").met is met
    assert result.outcome == ("eligible" if met else "not_eligible")


@pytest.mark.parametrize(
    ("rules", "value", "met"),
    [
        (B1_2025, "65000.00", True),  # B1 minors: ISEE ordinario ≤ 65,000
        (B1_2025, "65000.01", False),
        (B2_2025, "40000.00", True),  # B2 minors: ≤ 40,000
        (B2_2025, "40000.01", False),
    ],
)
def test_isee_minor_boundary(rules, value, met) -> None:
    child = date(2015, 5, 5)
    result = run(rules, birth=child, isee_rows=[isee(value, "ordinario")])
    assert result.age_group == "minor"
    assert criterion(result, "isee").met is met


def test_adult_from_the_18th_birthday() -> None:
    born = date(2007, 6, 1)
    assert age_on(born, date(2025, 5, 31)) == 17
    assert age_on(born, date(2025, 6, 1)) == 18
    ordinario = isee("60000.00", "ordinario")
    # The day before the 18th birthday: a minor, the ISEE ordinario ≤ 65,000 counts (B1).
    before = run(B1_2025, birth=born, isee_rows=[ordinario], on=date(2025, 5, 31))
    assert (before.age_group, criterion(before, "isee").met) == ("minor", True)
    # On the birthday: an adult, who needs the ISEE sociosanitario — the ordinario does not count.
    on_day = run(B1_2025, birth=born, isee_rows=[ordinario], on=date(2025, 6, 1))
    assert on_day.age_group == "adult"
    assert criterion(on_day, "isee").met is None
    assert "ISEE sociosanitario" in " ".join(criterion(on_day, "isee").notes)


def test_isee_kind_mismatch_for_an_adult_is_incomplete() -> None:
    result = run(B1_2025, isee_rows=[isee("10000.00", "ordinario")], facts=[ACCOMPAGNAMENTO, GCS_8])
    isee_check = criterion(result, "isee")
    assert isee_check.met is None and isee_check.evidence == []
    assert "ISEE ordinario" in isee_check.notes[0]
    assert result.outcome == "incomplete"


def test_expired_isee() -> None:
    old = isee("10000.00", until=date(2024, 12, 31))
    result = run(B1_2025, isee_rows=[old], facts=[ACCOMPAGNAMENTO, GCS_8], on=date(2025, 3, 1))
    assert criterion(result, "isee").met is None
    assert "scaduto il 31/12/2024" in criterion(result, "isee").notes[0]
    assert result.outcome == "incomplete"


def test_latest_valid_isee_counts() -> None:
    first = IseeRecord(1, "sociosanitario", Decimal("60000"), date(2025, 1, 10), date(2025, 12, 31))
    second = IseeRecord(
        2, "sociosanitario", Decimal("40000"), date(2025, 3, 10), date(2025, 12, 31)
    )
    result = run(B1_2025, isee_rows=[first, second], facts=[ACCOMPAGNAMENTO, GCS_8])
    assert criterion(result, "isee").met is True
    assert criterion(result, "isee").evidence[0].id == 2


def test_unknown_birth_date_leaves_the_isee_undetermined() -> None:
    result = run(B1_2025, birth=None, isee_rows=[isee("1.00")], facts=[ACCOMPAGNAMENTO, GCS_8])
    assert result.age_group is None
    assert criterion(result, "isee").met is None


@pytest.mark.parametrize(("gcs", "met"), [(10, True), (11, False)])
def test_gcs_condition_a(gcs, met) -> None:
    # DM 26/9/2016 art. 3 c. 2 a): Glasgow Coma Scale ≤ 10.
    result = run(
        B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, fact(FactKind.GCS, gcs)]
    )
    assert criterion(result, "a").met is met
    # With GCS 11 the other conditions are still unknown: the result is incomplete, not a "no".
    assert result.outcome == ("eligible" if met else "incomplete")


@pytest.mark.parametrize(("total", "met"), [(10, True), (11, False)])
def test_gcs_from_the_latest_instrument_score(total, met) -> None:
    scores = [
        ScoreRecord(id=1, instrument="gcs", total=3, administered_on=date(2025, 1, 5)),
        ScoreRecord(id=2, instrument="gcs", total=total, administered_on=date(2025, 5, 5)),
        ScoreRecord(id=3, instrument="gcs", total=3, administered_on=date(2025, 7, 5)),  # after
    ]
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO], scores=scores)
    assert criterion(result, "a").met is met
    assert criterion(result, "a").evidence[0].kind == "punteggio"
    assert criterion(result, "a").evidence[0].id == 2


def test_all_conditions_ruled_out_is_not_eligible() -> None:
    negative = [
        fact(FactKind.GCS, 15, 1),
        fact(FactKind.VENTILATION_24H, False, 2),
        fact(FactKind.CDRS, 3, 3),
        fact(FactKind.SPINAL_LESION_ASIA, "C", 4),
        fact(FactKind.MRC_FOUR_LIMBS, 2, 5),
        fact(FactKind.EDSS, "8.5", 6),
        fact(FactKind.HOEHN_YAHR, 4, 7),
        fact(FactKind.SEVERE_VISION_LOSS, False, 8),
        fact(FactKind.AUTISM_LEVEL, 2, 9),
        fact(FactKind.IQ, 35, 10),
        fact(FactKind.VITAL_DEPENDENCY_24H, False, 11),
    ]
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, *negative])
    assert [criterion(result, c).met for c in "abcdefghi"] == [False] * 9
    assert criterion(result, "conditions").met is False
    assert result.outcome == "not_eligible"


@pytest.mark.parametrize(
    ("facts", "met"),
    [
        ([fact(FactKind.EDSS, 9)], True),  # e) EDSS ≥ 9
        ([fact(FactKind.EDSS, "8.5")], None),  # EDSS < 9 but MRC and Hoehn-Yahr unknown
        ([fact(FactKind.HOEHN_YAHR, 5)], True),
        ([fact(FactKind.MRC_FOUR_LIMBS, 1)], True),  # MRC ≤ 1
        ([fact(FactKind.SPINAL_LESION_ASIA, "b")], True),  # grade A or B (case ignored)
    ],
)
def test_conditions_with_alternatives(facts, met) -> None:
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, *facts])
    code = "d" if facts[0].kind == FactKind.SPINAL_LESION_ASIA else "e"
    assert criterion(result, code).met is met


def test_condition_h_needs_both_iq_and_lapmer() -> None:
    # h) QI ≤ 34 AND LAPMER ≤ 8
    both = run(B1_2025, facts=[fact(FactKind.IQ, 34, 1), fact(FactKind.LAPMER, 8, 2)])
    only_iq = run(B1_2025, facts=[fact(FactKind.IQ, 34, 1), fact(FactKind.LAPMER, 9, 2)])
    assert criterion(both, "h").met is True
    assert criterion(only_iq, "h").met is False


def test_missing_prerequisite_is_not_eligible() -> None:
    # DM 26/9/2016 art. 3: the indennità di accompagnamento (or DPCM 159/2013 non-self-
    # sufficiency) is required: recorded as absent ("no") for both → not eligible.
    no = [fact(FactKind.ACCOMPAGNAMENTO, False, 1), fact(FactKind.NON_SELF_SUFFICIENT, False, 2)]
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[*no, GCS_8])
    assert criterion(result, "accompagnamento").met is False
    assert result.outcome == "not_eligible"
    # Nothing recorded about it: unknown, so the evidence is incomplete.
    unknown = run(B1_2025, isee_rows=[isee("1000.00")], facts=[GCS_8])
    assert criterion(unknown, "accompagnamento").met is None
    assert unknown.outcome == "incomplete"
    # Either one suffices.
    alt = run(
        B1_2025,
        isee_rows=[isee("1000.00")],
        facts=[fact(FactKind.NON_SELF_SUFFICIENT, True, 3), GCS_8],
    )
    assert alt.outcome == "eligible"


def test_expired_fact_does_not_count() -> None:
    ended = fact(FactKind.ACCOMPAGNAMENTO, True, 1, valid_until=date(2025, 5, 31))
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ended, GCS_8])
    assert criterion(result, "accompagnamento").met is None


TRIGGERS = {
    FactKind.SEMI_RESIDENTIAL_HOURS: 18,  # ≥ 18 hours a week
}


@pytest.mark.parametrize("item", B1_2025.incompatibilities, ids=lambda i: i.code)
def test_each_b1_incompatibility_is_flagged(item) -> None:
    kind = FactKind(item.test.fact)
    trigger = fact(kind, TRIGGERS.get(kind, True), 50)
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, GCS_8, trigger])
    found = [i.code for i in result.incompatibilities_found]
    assert found == [item.code]
    assert result.outcome == "incompatible"


def test_semi_residential_below_18_hours_is_compatible() -> None:
    hours = fact(FactKind.SEMI_RESIDENTIAL_HOURS, 17, 50)
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, GCS_8, hours])
    semi = next(i for i in result.incompatibilities if i.code == "semiresidenziale")
    assert semi.found is False
    assert result.outcome == "eligible"


def test_b2_flags_a_b1_recipient() -> None:
    facts = [fact(FactKind.L104_SEVERE, True, 1), fact(FactKind.B1_RECIPIENT, True, 2)]
    result = run(B2_2025, isee_rows=[isee("1000.00")], facts=facts)
    assert [i.code for i in result.incompatibilities_found] == ["b1"]
    assert result.outcome == "incompatible"


def test_health_evidence_not_visible_is_unknown() -> None:
    result = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, GCS_8], health=False)
    assert criterion(result, "a").met is None
    assert "non visibile" in criterion(result, "a").notes[0]
    assert criterion(result, "accompagnamento").met is True  # administrative status: visible
    assert result.outcome == "incomplete"


def test_2026_bridge_only_for_recipients_on_31_12_2025() -> None:
    # DGR XII/5544/2025: continuation for persons in charge of B1 on 31/12/2025 only.
    on = date(2026, 2, 1)
    isee_2026 = IseeRecord(
        1, "sociosanitario", Decimal("1000"), date(2026, 1, 10), date(2026, 12, 31)
    )
    recipient = fact(
        FactKind.B1_RECIPIENT, True, 9, valid_from=date(2025, 3, 1), valid_until=date(2025, 12, 31)
    )
    kept = run(B1_2026, isee_rows=[isee_2026], facts=[ACCOMPAGNAMENTO, GCS_8, recipient], on=on)
    assert criterion(kept, "in_carico_2025").met is True
    assert kept.outcome == "eligible"
    new = run(
        B1_2026,
        isee_rows=[isee_2026],
        facts=[ACCOMPAGNAMENTO, GCS_8, fact(FactKind.B1_RECIPIENT, False, 9)],
        on=on,
    )
    assert criterion(new, "in_carico_2025").met is False
    assert new.outcome == "not_eligible"


def test_result_is_json() -> None:
    data = run(B1_2025, isee_rows=[isee("1000.00")], facts=[ACCOMPAGNAMENTO, GCS_8]).as_json()
    assert data["outcome"] == "eligible"
    assert data["criteria"][0]["evidence"][0]["date"] == "2025-01-15"
