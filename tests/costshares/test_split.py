"""``split_cost``: expected values computed by hand, with the rule they come from.

LEA: DPCM 12/1/2017 (GU n. 65 del 18/3/2017, S.O. n. 15), in force from 19/3/2017.
The regulation used in the worked examples is a test regulation of our own, with the linear
scale of the brief: exemption threshold €8,000, ceiling €28,000 (DPCM 159/2013 leaves the
figures to each Comune).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integra.costshares.errors import CostShareError, CostShareErrorCode
from integra.costshares.split import (
    BandTerms,
    LeaRuleTerms,
    PeriodTerms,
    RegulationTerms,
    SettingTerms,
    split_cost,
)

LEA_START = date(2017, 3, 19)
D = Decimal

# DPCM 12/1/2017 art. 22 c.4: 100% SSN for the first thirty days after a protected discharge,
# then 50%.
TUTELARY_AID = SettingTerms(
    code="home-tutelary-aid",
    name="Aiuto infermieristico e assistenza tutelare professionale a domicilio",
    rules=(
        LeaRuleTerms(D(100), LEA_START, None, "art. 22 c.4 (primi 30 giorni)", 30),
        LeaRuleTerms(D(50), LEA_START, None, "art. 22 c.4 (giorni successivi)"),
    ),
)
# art. 30 c.2: long-term residential care, 50% of the daily tariff.
LONG_TERM = SettingTerms(
    code="residential-long-term",
    name="Lungoassistenza",
    rules=(LeaRuleTerms(D(50), LEA_START, None, "art. 30 c.2"),),
)
# art. 34 c.3: residential socio-rehabilitative care for severe disability, 70%.
DISABILITY_SEVERE = SettingTerms(
    code="disability-residential-severe",
    name="Socio-riabilitativa disabilità grave",
    rules=(LeaRuleTerms(D(70), LEA_START, None, "art. 34 c.3"),),
)
SOCIAL = SettingTerms(
    code="social-only",
    name="Sociale",
    rules=(LeaRuleTerms(D(0), LEA_START, None, "fuori LEA"),),
)


def linear(**extra) -> RegulationTerms:
    period = PeriodTerms(
        valid_from=date(2024, 1, 1),
        valid_to=None,
        shape="linear",
        source="Regolamento art. 5",
        exemption_threshold=D("8000.00"),
        ceiling=D("28000.00"),
        **extra,
    )
    return RegulationTerms(
        "Regolamento SAD", "Comune di Prova", "DCC 1/2024", "sociosanitario", (period,)
    )


BANDS = RegulationTerms(
    "Regolamento a fasce",
    "Ambito di Prova",
    "DA 3/2024",
    "sociosanitario",
    (
        PeriodTerms(
            valid_from=date(2024, 1, 1),
            valid_to=None,
            shape="bands",
            source="Regolamento art. 7, tabella A",
            bands=(
                BandTerms(D("6000.00"), D(0)),
                BandTerms(D("15000.00"), D(30)),
                BandTerms(D("25000.00"), D(60)),
                BandTerms(None, D(100)),
            ),
        ),
    ),
)


def test_tutelary_aid_day_12_after_protected_discharge_is_all_ssn() -> None:
    # art. 22 c.4: day 12 is within the first thirty days: SSN 100% of €1,200.
    split = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        days_since_protected_discharge=12,
        regulation=linear(),
        isee_value=D("15000.00"),
    )
    assert (split.ssn, split.comune, split.person, split.other) == (
        D("1200.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert "art. 22 c.4 (primi 30 giorni)" in split.lea_source


def test_tutelary_aid_day_31_half_ssn_then_linear_scale() -> None:
    # art. 22 c.4: from day 31, SSN 50% = €600. Linear scale: (15,000 − 8,000) / (28,000 −
    # 8,000) = 35% of €600 = €210.00 to the person, €390.00 to the Comune.
    split = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        days_since_protected_discharge=31,
        regulation=linear(),
        isee_value=D("15000.00"),
    )
    assert (split.ssn, split.person, split.comune, split.other) == (
        D("600.00"),
        D("210.00"),
        D("390.00"),
        D("0.00"),
    )
    assert split.person_percent == D("35.00")
    assert any("35%" in line for line in split.explanation)
    assert not split.isee_missing


def test_day_30_is_still_within_the_first_thirty_days() -> None:
    split = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        days_since_protected_discharge=30,
    )
    assert split.ssn == D("1200.00")


def test_without_a_protected_discharge_tutelary_aid_is_half_ssn() -> None:
    split = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        regulation=linear(),
        isee_value=D("8000.00"),
    )
    # art. 22 c.4, 50%; ISEE at the exemption threshold: the Comune pays the rest.
    assert (split.ssn, split.person, split.comune) == (D("600.00"), D("0.00"), D("600.00"))


def test_isee_above_the_ceiling_pays_the_whole_social_share() -> None:
    # art. 30 c.2 lungoassistenza 50% of €2,400 = €1,200; ISEE ≥ ceiling: person €1,200.
    split = split_cost(
        setting=LONG_TERM,
        monthly_tariff=D("2400.00"),
        on=date(2026, 3, 1),
        regulation=linear(),
        isee_value=D("30000.00"),
    )
    assert (split.ssn, split.person, split.comune) == (D("1200.00"), D("1200.00"), D("0.00"))


def test_no_isee_the_person_pays_the_whole_social_share_and_is_warned() -> None:
    split = split_cost(
        setting=LONG_TERM,
        monthly_tariff=D("2400.00"),
        on=date(2026, 3, 1),
        regulation=linear(),
        isee_value=None,
    )
    assert split.isee_missing
    assert (split.person, split.comune) == (D("1200.00"), D("0.00"))
    assert "ISEE" in split.warnings[0]


def test_no_regulation_in_force_is_said() -> None:
    split = split_cost(
        setting=LONG_TERM,
        monthly_tariff=D("2400.00"),
        on=date(2023, 6, 1),
        regulation=linear(),
        isee_value=D("10000.00"),
    )  # the regulation starts on 1/1/2024
    assert split.regulation_missing
    assert split.person == D("1200.00")


def test_bands() -> None:
    # art. 34 c.3: 70% SSN of €3,000 = €2,100; €900 social. Band "up to €15,000": 30% → €270.
    split = split_cost(
        setting=DISABILITY_SEVERE,
        monthly_tariff=D("3000.00"),
        on=date(2026, 3, 1),
        regulation=BANDS,
        isee_value=D("15000.00"),
    )
    assert (split.ssn, split.person, split.comune) == (D("2100.00"), D("270.00"), D("630.00"))
    # €15,000.01 falls in the next band, 60% → €540.
    split = split_cost(
        setting=DISABILITY_SEVERE,
        monthly_tariff=D("3000.00"),
        on=date(2026, 3, 1),
        regulation=BANDS,
        isee_value=D("15000.01"),
    )
    assert split.person == D("540.00")
    # Above the last bound: the open band, 100%.
    split = split_cost(
        setting=DISABILITY_SEVERE,
        monthly_tariff=D("3000.00"),
        on=date(2026, 3, 1),
        regulation=BANDS,
        isee_value=D("90000"),
    )
    assert (split.person, split.comune) == (D("900.00"), D("0.00"))


def test_monthly_cap_and_minimum() -> None:
    # Social share €600 (art. 22 c.4, 50% of €1,200). ISEE €26,000: (26,000 − 8,000) / 20,000
    # = 90% → €540, capped at €400: the Comune pays €200.
    capped = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        regulation=linear(monthly_cap=D("400.00")),
        isee_value=D("26000"),
    )
    assert (capped.person, capped.comune) == (D("400.00"), D("200.00"))
    # ISEE €8,200: 1% → €6.00, raised to the minimum €25.00.
    raised = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        regulation=linear(monthly_minimum=D("25.00")),
        isee_value=D("8200"),
    )
    assert (raised.person, raised.comune) == (D("25.00"), D("575.00"))
    # Below the threshold the person is exempt: no minimum.
    exempt = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        regulation=linear(monthly_minimum=D("25.00")),
        isee_value=D("7000"),
    )
    assert exempt.person == D("0.00")


def test_effective_dates_a_rule_that_changed_on_a_date() -> None:
    # A hypothetical later act raising the share to 60% from 1/7/2026: the old rule ends the day
    # before. On 30/6 the 50% rule applies, on 1/7 the 60% one.
    changed = SettingTerms(
        code="x",
        name="Lungoassistenza",
        rules=(
            LeaRuleTerms(D(50), LEA_START, date(2026, 6, 30), "art. 30 c.2"),
            LeaRuleTerms(D(60), date(2026, 7, 1), None, "atto successivo"),
        ),
    )
    before = split_cost(setting=changed, monthly_tariff=D("1000.00"), on=date(2026, 6, 30))
    after = split_cost(setting=changed, monthly_tariff=D("1000.00"), on=date(2026, 7, 1))
    assert (before.ssn, after.ssn) == (D("500.00"), D("600.00"))
    # Before the DPCM was in force there is no rule: a clear refusal.
    with pytest.raises(CostShareError) as refused:
        split_cost(setting=changed, monthly_tariff=D("1000.00"), on=date(2017, 3, 18))
    assert refused.value.code == CostShareErrorCode.NO_LEA_RULE


def test_other_amount_comes_out_of_the_social_part() -> None:
    # €600 social (art. 22 c.4); a foundation pays €100; €500 left, 35% → €175 person.
    split = split_cost(
        setting=TUTELARY_AID,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        days_since_protected_discharge=45,
        regulation=linear(),
        isee_value=D("15000"),
        other_amount=D("100.00"),
    )
    assert (split.ssn, split.other, split.person, split.comune) == (
        D("600.00"),
        D("100.00"),
        D("175.00"),
        D("325.00"),
    )


def test_rounding_always_sums_to_the_tariff() -> None:
    # 50% of €1,000.01 = €500.005 → €500.01 (half up); social €500.00; ISEE €9,000: 5% → €25.00.
    split = split_cost(
        setting=LONG_TERM,
        monthly_tariff=D("1000.01"),
        on=date(2026, 3, 1),
        regulation=linear(),
        isee_value=D("9000"),
    )
    assert (split.ssn, split.person, split.comune) == (D("500.01"), D("25.00"), D("475.00"))
    assert split.total == D("1000.01")


@given(
    tariff=st.decimals(min_value=0, max_value=100000, places=2),
    isee=st.decimals(min_value=0, max_value=60000, places=2),
    percent=st.sampled_from([D(0), D(40), D(50), D(70), D(100), D("33.33")]),
    other_share=st.decimals(min_value=0, max_value=1, places=2),
)
def test_the_shares_always_sum_exactly(tariff, isee, percent, other_share) -> None:
    setting = SettingTerms("p", "p", (LeaRuleTerms(percent, LEA_START, None, "p"),))
    social = tariff - (tariff * percent / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    other = (social * other_share).quantize(D("0.01"), rounding="ROUND_DOWN")
    for regulation in (linear(monthly_cap=D("300"), monthly_minimum=D("20")), BANDS):
        split = split_cost(
            setting=setting,
            monthly_tariff=tariff,
            on=date(2026, 3, 1),
            regulation=regulation,
            isee_value=isee,
            other_amount=other,
        )
        assert split.total == tariff
        assert min(split.ssn, split.comune, split.person, split.other) >= 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"monthly_tariff": D("-1")}, "monthly_tariff"),
        ({"monthly_tariff": D("10.001")}, "monthly_tariff"),
        ({"other_amount": D("-5")}, "other_amount"),
        ({"other_amount": D("700.00")}, "other_amount"),  # more than the €600 social part
        ({"isee_value": D("-1")}, "isee_value"),
        ({"days_since_protected_discharge": -1}, "days_since_protected_discharge"),
    ],
)
def test_bad_input_is_refused_in_italian(kwargs, field) -> None:
    arguments = {
        "setting": TUTELARY_AID,
        "monthly_tariff": D("1200.00"),
        "on": date(2026, 3, 1),
        "regulation": linear(),
        "isee_value": D("15000"),
    } | kwargs
    with pytest.raises(CostShareError) as refused:
        split_cost(**arguments)
    assert refused.value.code == CostShareErrorCode.SPLIT_INVALID
    assert list(refused.value.errors) == [field]
