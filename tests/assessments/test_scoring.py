"""Scores of every shipped instrument, computed by hand from the sources cited.

Sources: Mahoney F.I., Barthel D.W., Md State Med J 1965;14:61-65 (bands: Shah, Vanclay,
Cooper, J Clin Epidemiol 1989;42:703); Katz S. et al., JAMA 1963;185:914 (grades A-G) and
Gerontologist 1970;10:20 (sum 0-6; bands 6/4/<=2 from Hartford Institute "Try This" n. 2);
Lawton M.P., Brody E.M., Gerontologist 1969;9:179; Pfeiffer E., J Am Geriatr Soc 1975;23:433;
Norton D., McLaren R., Exton-Smith A.N. 1962; Teasdale G., Jennett B., Lancet 1974;2:81.
"""

from __future__ import annotations

import pytest

from integra.assessments.scoring import ScoringError, score
from tests.assessments.conftest import fill, shipped

# --- Barthel (Mahoney & Barthel 1965) --------------------------------------------------------


def test_barthel_all_minimum_is_0_total_dependence():
    result = score(shipped("barthel"), fill(shipped("barthel")))
    assert result.total == 0
    assert result.band == ("total", "Dipendenza totale")
    assert (result.min_total, result.max_total) == (0, 100)


def test_barthel_all_maximum_is_100_independent():
    # 10 + 15 + 5 + 10 + 5 + 15 + 10 + 10 + 10 + 10 = 100 (Mahoney & Barthel 1965).
    result = score(shipped("barthel"), fill(shipped("barthel"), best=True))
    assert result.total == 100
    assert result.band_code == "independent"


@pytest.mark.parametrize(
    ("chosen", "total", "band"),
    [
        # feeding 10 + grooming 5 + bowels 5 = 20: the top of "total" (Shah 1989: 0-20).
        (
            {"feeding": "independent", "grooming": "independent", "bowels": "occasional_accident"},
            20,
            "total",
        ),
        # + bathing 5 = 25: the lowest reachable "severe" (21-60; scores move by 5).
        (
            {
                "feeding": "independent",
                "grooming": "independent",
                "bowels": "occasional_accident",
                "bathing": "independent",
            },
            25,
            "severe",
        ),
        # 15 + 15 + 10 + 10 + 10 = 60: top of "severe".
        (
            {
                "transfers": "independent",
                "mobility": "walks_independently",
                "feeding": "independent",
                "bowels": "continent",
                "bladder": "continent",
            },
            60,
            "severe",
        ),
        # 60 + grooming 5 = 65: the lowest reachable "moderate" (61-90).
        (
            {
                "transfers": "independent",
                "mobility": "walks_independently",
                "feeding": "independent",
                "bowels": "continent",
                "bladder": "continent",
                "grooming": "independent",
            },
            65,
            "moderate",
        ),
    ],
)
def test_barthel_band_boundaries(chosen, total, band):
    result = score(shipped("barthel"), fill(shipped("barthel"), chosen))
    assert (result.total, result.band_code) == (total, band)


def test_barthel_90_moderate_95_slight():
    best = fill(shipped("barthel"), best=True)
    # 100 - stairs 10 = 90 (moderate, 61-90); 100 - bathing 5 = 95 (slight, 91-99).
    assert score(shipped("barthel"), {**best, "stairs": "unable"}).band_code == "moderate"
    assert score(shipped("barthel"), {**best, "bathing": "needs_help"}).band_code == "slight"


def test_barthel_band_table_has_exact_integer_edges():
    bands = {b.code: (b.min, b.max) for b in shipped("barthel").scoring.bands}
    assert bands == {
        "total": (0, 20),
        "severe": (21, 60),
        "moderate": (61, 90),
        "slight": (91, 99),
        "independent": (100, 100),
    }


# --- Katz (1963 grades, 1970 sum) ------------------------------------------------------------

KATZ_ITEMS = ["bathing", "dressing", "toileting", "transferring", "continence", "feeding"]


def katz(*dependent: str):
    answers = {code: "dependent" if code in dependent else "independent" for code in KATZ_ITEMS}
    return score(shipped("katz"), answers)


@pytest.mark.parametrize(
    ("dependent", "grade"),
    [
        ((), "A"),
        (("feeding",), "B"),
        (("bathing",), "B"),
        (("bathing", "feeding"), "C"),
        (("bathing", "dressing", "continence"), "D"),
        (("bathing", "dressing", "toileting", "feeding"), "E"),
        (("bathing", "dressing", "toileting", "transferring", "continence"), "F"),
        (tuple(KATZ_ITEMS), "G"),
        # Two dependent functions without bathing: not C (Katz 1963, "Other").
        (("dressing", "feeding"), "other"),
        # Three, with bathing but without dressing: not D.
        (("bathing", "toileting", "feeding"), "other"),
        # Five, with bathing, dressing and toileting but not transferring: not F.
        (("bathing", "dressing", "toileting", "continence", "feeding"), "other"),
    ],
)
def test_katz_grades(dependent, grade):
    assert katz(*dependent).grade[0] == grade


@pytest.mark.parametrize(
    ("dependent", "total", "band"),
    [
        ((), 6, "full_function"),
        (("feeding",), 5, ""),  # 5: not defined by the sources
        (("bathing", "feeding"), 4, "moderate_impairment"),
        (("bathing", "dressing", "feeding"), 3, ""),  # 3: not defined
        (("bathing", "dressing", "toileting", "feeding"), 2, "severe_impairment"),
        (tuple(KATZ_ITEMS), 0, "severe_impairment"),
    ],
)
def test_katz_sum_and_bands(dependent, total, band):
    result = katz(*dependent)
    assert result.total == total
    assert result.band_code == band


# --- Lawton IADL (1969) ----------------------------------------------------------------------


def test_lawton_total_only_no_band():
    low = score(shipped("lawton"), fill(shipped("lawton")))
    high = score(shipped("lawton"), fill(shipped("lawton"), best=True))
    assert (low.total, high.total) == (0, 8)
    assert low.band is None and high.band is None


def test_lawton_scores_follow_the_original_options():
    # Lawton & Brody 1969: "answers telephone but does not dial" = 1; "shops independently
    # for small purchases" = 0; "needs help with all home maintenance tasks" = 1.
    answers = fill(
        shipped("lawton"),
        {
            "telephone": "answers_only",
            "shopping": "small_purchases",
            "housekeeping": "needs_help_all",
        },
    )
    assert score(shipped("lawton"), answers).total == 2


# --- SPMSQ (Pfeiffer 1975) -------------------------------------------------------------------

SPMSQ_ITEMS = [item.code for item in shipped("spmsq").items]


def spmsq(errors: int, education: str = "secondary"):
    answers = {code: "error" if i < errors else "correct" for i, code in enumerate(SPMSQ_ITEMS)}
    return score(shipped("spmsq"), answers, {"education": education})


@pytest.mark.parametrize(
    ("errors", "band"),
    [
        (0, "intact"),
        (2, "intact"),
        (3, "mild"),
        (4, "mild"),
        (5, "moderate"),
        (7, "moderate"),
        (8, "severe"),
        (10, "severe"),
    ],
)
def test_spmsq_bands_with_high_school(errors, band):
    result = spmsq(errors)
    assert (result.total, result.band_code) == (errors, band)


def test_spmsq_primary_education_allows_one_more_error():
    # 3 errors with grade-school education only count as 2: intact, not mild.
    result = spmsq(3, "primary")
    assert (result.raw_total, result.correction, result.total) == (3, -1, 2)
    assert result.band_code == "intact"
    assert spmsq(5, "primary").band_code == "mild"  # 5 - 1 = 4


def test_spmsq_beyond_high_school_allows_one_less_error():
    # 2 errors with education beyond high school count as 3: mild, not intact.
    result = spmsq(2, "beyond_secondary")
    assert (result.raw_total, result.correction, result.total) == (2, 1, 3)
    assert result.band_code == "mild"
    assert spmsq(7, "beyond_secondary").band_code == "severe"  # 7 + 1 = 8


def test_spmsq_corrected_total_stays_in_range():
    assert spmsq(0, "primary").total == 0
    assert spmsq(10, "beyond_secondary").total == 10


def test_spmsq_needs_education():
    with pytest.raises(ScoringError) as exc:
        score(shipped("spmsq"), dict.fromkeys(SPMSQ_ITEMS, "correct"), {})
    assert set(exc.value.errors) == {"education"}
    assert exc.value.context_keys == {"education"}
    with pytest.raises(ScoringError) as exc:
        score(shipped("spmsq"), dict.fromkeys(SPMSQ_ITEMS, "correct"), {"education": "phd"})
    assert "education" in exc.value.errors


# --- Norton (1962) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "total", "band"),
    [
        ({}, 5, "at_risk"),
        # 4 + 4 + 4 + 1 + 1 = 14: still at risk (<= 14).
        (
            {"physical_condition": "good", "mental_condition": "alert", "activity": "ambulant"},
            14,
            "at_risk",
        ),
        # 4 + 4 + 4 + 2 + 1 = 15: not at risk.
        (
            {
                "physical_condition": "good",
                "mental_condition": "alert",
                "activity": "ambulant",
                "mobility": "very_limited",
            },
            15,
            "not_at_risk",
        ),
    ],
)
def test_norton(chosen, total, band):
    result = score(shipped("norton"), fill(shipped("norton"), chosen))
    assert (result.total, result.band_code) == (total, band)


def test_norton_all_maximum_is_20():
    assert score(shipped("norton"), fill(shipped("norton"), best=True)).total == 20


# --- Glasgow Coma Scale (Teasdale & Jennett 1974) -------------------------------------------


@pytest.mark.parametrize(
    ("eyes", "verbal", "motor", "total", "band"),
    [
        ("none", "none", "none", 3, "severe"),
        ("to_pain", "incomprehensible_sounds", "withdraws", 8, "severe"),  # 2 + 2 + 4
        ("to_pain", "inappropriate_words", "withdraws", 9, "moderate"),  # 2 + 3 + 4
        ("to_speech", "inappropriate_words", "abnormal_flexion", 9, "moderate"),  # 3 + 3 + 3
        ("to_speech", "confused", "localises", 12, "moderate"),  # 3 + 4 + 5
        ("to_speech", "confused", "obeys", 13, "mild"),  # 3 + 4 + 6
        ("spontaneous", "oriented", "obeys", 15, "mild"),
    ],
)
def test_gcs(eyes, verbal, motor, total, band):
    result = score(shipped("gcs"), {"eyes": eyes, "verbal": verbal, "motor": motor})
    assert (result.total, result.band_code) == (total, band)
    assert sum(result.subscores.values()) == total


def test_gcs_subscores():
    result = score(
        shipped("gcs"), {"eyes": "to_speech", "verbal": "confused", "motor": "localises"}
    )
    assert result.subscores == {"e": 3, "v": 4, "m": 5}


# --- social assessment and PUA triage (Integra's own forms) ----------------------------------


@pytest.mark.parametrize(
    ("chosen", "total", "band"),
    [
        ({}, 0, "low"),
        ({"housing": "homeless"}, 3, "low"),
        ({"housing": "homeless", "income": "insufficient"}, 4, "medium"),
        ({"housing": "homeless", "income": "none", "work": "unemployed"}, 7, "medium"),
        (
            {
                "housing": "homeless",
                "income": "none",
                "work": "unemployed",
                "caregiver": "overloaded",
            },
            8,
            "high",
        ),
    ],
)
def test_social(chosen, total, band):
    answers = {item.code: item.options[0].code for item in shipped("social").items}
    result = score(shipped("social"), {**answers, **chosen})
    assert (result.total, result.band_code) == (total, band)
    assert score(shipped("social"), fill(shipped("social"), best=True)).total == 11


@pytest.mark.parametrize(
    ("chosen", "total", "route", "need"),
    [
        ({}, 0, "information", "simple"),
        ({"social_need": "simple"}, 1, "information", "simple"),
        ({"social_need": "complex"}, 2, "single_service", "simple"),
        ({"social_need": "complex", "health_need": "complex"}, 4, "single_service", "simple"),
        (
            {"social_need": "complex", "health_need": "complex", "autonomy": "partial"},
            5,
            "uvm",
            "complex",
        ),
    ],
)
def test_pua_triage_suggestions(chosen, total, route, need):
    result = score(shipped("pua_triage"), fill(shipped("pua_triage"), chosen))
    assert result.total == total
    assert result.suggestion is not None
    assert (result.suggestion["route"], result.suggestion["need"]) == (route, need)
    assert score(shipped("pua_triage"), fill(shipped("pua_triage"), best=True)).total == 10


# --- refused answers -------------------------------------------------------------------------


def test_missing_item_is_named():
    answers = fill(shipped("barthel"))
    del answers["stairs"]
    del answers["bladder"]
    with pytest.raises(ScoringError) as exc:
        score(shipped("barthel"), answers)
    assert set(exc.value.errors) == {"stairs", "bladder"}
    assert "mancante" in exc.value.item_messages["stairs"]


def test_out_of_range_option_and_unknown_item_are_named():
    answers = {**fill(shipped("gcs")), "motor": "seven", "pupils": "reactive"}
    with pytest.raises(ScoringError) as exc:
        score(shipped("gcs"), answers)
    assert set(exc.value.errors) == {"motor", "pupils"}
    assert "obeys" in exc.value.item_messages["motor"]  # the allowed codes are listed


def test_non_string_option_is_refused():
    with pytest.raises(ScoringError) as exc:
        score(shipped("gcs"), {**fill(shipped("gcs")), "eyes": 4})  # type: ignore[dict-item]
    assert set(exc.value.errors) == {"eyes"}


def test_partial_score_of_a_form_being_filled():
    result = score(shipped("barthel"), {"feeding": "independent"}, partial=True)
    assert result.total == 10
    assert result.band is None
