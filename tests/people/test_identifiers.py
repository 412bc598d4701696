"""Identifiers of persons: codice fiscale, provisional code, STP, ENI, TEAM.

Expected values are computed by hand from the rules; sources:
- codice fiscale: DM 23 dicembre 1976 n. 13813 (Ministero delle Finanze), allegati: month
  letters ABCDEHLMPRST, day + 40 for women, Belfiore code of the Comune or Z + 3 digits for a
  foreign country, check character = (sum of the odd-position values + sum of the even-position
  values) mod 26 → A-Z; omocodia: digits replaced by LMNPQRSTUV from the rightmost of the
  seven numeric positions (Agenzia delle Entrate, "Omocodia").
- 11-digit code: check digit of the numeric codice fiscale / partita IVA (DM 23/12/1976; DPR
  633/1972 art. 35): odd positions summed, even positions doubled minus 9 if > 9, check =
  (10 − sum mod 10) mod 10.
- STP/ENI: Ministero della Salute, circolari 3/8/2007 and 19/2/2008; INMP wiki: prefix + region
  (3) + ASL/hospital (3) + progressive (7), no check character, valid 6 months.
"""

from __future__ import annotations

from datetime import date

import codicefiscale
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from integra.people.errors import IdentifierErrorCode, MismatchField
from integra.people.identifiers import (
    NUMERIC_POSITIONS,
    IdentifierKind,
    PlaceKind,
    check_fiscal_code,
    check_identifier,
    check_provisional_code,
    check_stp_eni,
    check_team,
    classify,
    compare_with_person,
    describe_place,
    fiscal_code_check_character,
    normalise,
    numeric_check_digit,
    stp_valid_until,
)
from tests.factories import MunicipalityFactory

TODAY = date(2026, 11, 23)


def codes(report) -> list[str]:
    return [str(e.code) for e in report.errors]


# --- codice fiscale ----------------------------------------------------------------------------


def test_valid_male_code_check_character_by_hand() -> None:
    # Mario Rossi, born in Roma (H501) on 1 January 1980 (DM 23/12/1976 n. 13813).
    # Odd positions (table "caratteri dispari"): R=8, S=12, R=8, 8=19, A=1, 1=0, 5=13, 1=0 → 61
    # Even positions (A-Z = 0-25, digits as such): S=18, M=12, A=0, 0=0, 0=0, H=7, 0=0 → 37
    # 61 + 37 = 98; 98 mod 26 = 20 → U.
    assert fiscal_code_check_character("RSSMRA80A01H501") == "U"
    report = check_fiscal_code("RSSMRA80A01H501U", today=TODAY)
    assert report.valid
    assert report.errors == []
    assert report.sex == "M"
    assert (report.birth_day, report.birth_month, report.birth_year_two_digits) == (1, 1, 80)
    assert report.birth_date_candidates == [date(1980, 1, 1)]
    assert report.birth_place_code == "H501"
    assert report.omocodia is False
    assert report.omocodia_normalised is None


def test_valid_female_code_day_plus_40_by_hand() -> None:
    # Anna Bianchi, born in Milano (F205) on 22 July 1985: July = L (ABCDEHLMPRST), day 22 + 40.
    # Odd: B=0, C=5, N=20, 8=19, L=4, 2=5, 2=5, 5=13 → 71
    # Even: N=13, N=13, A=0, 5=5, 6=6, F=5, 0=0 → 42
    # 71 + 42 = 113; 113 mod 26 = 9 → J.
    assert fiscal_code_check_character("BNCNNA85L62F205") == "J"
    report = check_fiscal_code("BNCNNA85L62F205J", today=TODAY)
    assert report.valid
    assert report.sex == "F"
    assert (report.birth_day, report.birth_month, report.birth_year_two_digits) == (22, 7, 85)
    assert report.birth_date_candidates == [date(1985, 7, 22)]


def test_foreign_birth_z_code() -> None:
    # Born in Albania (Z100, Agenzia delle Entrate table of foreign states) on 15 March 1990.
    report = check_fiscal_code("HXHRBN90C15Z100X", today=TODAY)
    assert report.valid
    assert report.birth_place_code == "Z100"
    assert report.birth_month == 3


def test_lowercase_and_spaced_input_is_normalised() -> None:
    assert normalise("  bnc nna 85l62\tf205j ") == "BNCNNA85L62F205J"
    report = check_fiscal_code(" bnc nna 85l62 f205j ", today=TODAY)
    assert report.valid
    assert report.normalised == "BNCNNA85L62F205J"


def test_wrong_check_character() -> None:
    report = check_fiscal_code("RSSMRA80A01H501X", today=TODAY)
    assert not report.valid
    assert codes(report) == ["check_character"]
    # The message names the wrong character but not the expected one (U): the operator must
    # re-read the whole code, not just change its last character.
    assert "X non corrisponde" in report.errors[0].message
    assert " U" not in report.errors[0].message


def test_omocodia_one_substitution() -> None:
    # The rightmost digit (position 15, "1") becomes M; check character recomputed:
    # 98 − 0 (odd "1") + 18 (odd "M") = 116; 116 mod 26 = 12 → M.
    report = check_fiscal_code("RSSMRA80A01H50MM", today=TODAY)
    assert report.valid
    assert report.omocodia is True
    assert report.omocodia_normalised == "RSSMRA80A01H501U"
    assert report.birth_place_code == "H501"


def test_omocodia_several_substitutions() -> None:
    # Two: positions 14-15 ("01" → "LM").
    two = check_fiscal_code("RSSMRA80A01H5LMX", today=TODAY)
    assert two.valid and two.omocodia
    assert two.omocodia_normalised == "RSSMRA80A01H501U"
    # All seven numeric positions substituted (8→U, 0→L, 0→L, 1→M, 5→R, 0→L, 1→M).
    seven = check_fiscal_code("RSSMRAULALMHRLMD", today=TODAY)
    assert seven.valid
    assert seven.omocodia_normalised == "RSSMRA80A01H501U"
    assert seven.birth_date_candidates == [date(1980, 1, 1)]
    assert seven.sex == "M"


def test_omocodia_not_from_the_right_is_an_error() -> None:
    # Position 8 substituted (0 → L) while the digits to its right are not: substitutions go
    # from the rightmost digit, so no such code is ever issued.
    report = check_fiscal_code("RSSMRA8LA01H501F", today=TODAY)
    assert not report.valid
    assert codes(report) == ["omocodia_position"]


def test_non_substitution_letter_in_a_numeric_position_is_an_error() -> None:
    # "A" is not one of LMNPQRSTUV: it cannot stand for a digit in position 8.
    report = check_fiscal_code("RSSMRA0AA01H501C", today=TODAY)
    assert not report.valid
    assert codes(report) == ["characters"]
    assert report.birth_year_two_digits is None
    # A digit where a letter belongs (position 1).
    assert "characters" in codes(check_fiscal_code("1SSMRA80A01H501U", today=TODAY))


@pytest.mark.parametrize(
    "code,expected",
    [
        ("RSSMRA80D31H501D", "31 April"),  # D = April, 30 days
        ("RSSMRA80B30H501X", "30 February"),
        ("RSSMRA23B29H501F", "29 February 1923/2023, neither a leap year"),
    ],
)
def test_impossible_dates(code: str, expected: str) -> None:
    report = check_fiscal_code(code, today=TODAY)
    assert codes(report) == ["impossible_date"], expected
    assert report.birth_date_candidates == []


def test_year_00_on_29_february_is_only_2000() -> None:
    # 1900 is not a leap year (divisible by 100, not by 400), 2000 is. Female: day 29 + 40.
    report = check_fiscal_code("RSSMRA00B69H501C", today=TODAY)
    assert report.valid
    assert report.birth_date_candidates == [date(2000, 2, 29)]


def test_month_letter_not_in_the_table() -> None:
    report = check_fiscal_code("RSSMRA80F01H501G", today=TODAY)
    assert codes(report) == ["month"]
    assert report.birth_month is None


@pytest.mark.parametrize("code", ["RSSMRA80A32H501C", "RSSMRA80A72H501G"])
def test_day_32_and_72_are_out_of_range(code: str) -> None:
    # Days are 01-31 (men) or 41-71 (women): 32 and 72 are neither.
    report = check_fiscal_code(code, today=TODAY)
    assert codes(report) == ["day"]
    assert report.sex is None


@pytest.mark.parametrize("code", ["RSSMRA80A01A000C", "RSSMRA80A01Z999Y"])
def test_unknown_place_code(code: str) -> None:
    report = check_fiscal_code(code, today=TODAY)
    assert codes(report) == ["unknown_place"]


def test_ceased_comune_is_a_known_place() -> None:
    # A726 = Bazzano (BO), merged into Valsamoggia on 1 January 2014 (L.R. Emilia-Romagna
    # 7 febbraio 2013 n. 1): people born there keep A726 in their code.
    code = "RSSMRA80A01A726"
    report = check_fiscal_code(code + fiscal_code_check_character(code), today=TODAY)
    assert report.valid


def test_1925_and_2025_both_candidates() -> None:
    # The code holds two digits of the year: a man born on 1 January 1925 and a boy born on
    # 1 January 2025 in Roma share RSSMRA25A01H501 (DOMAIN.md; DM 23/12/1976).
    report = check_fiscal_code("RSSMRA25A01H501L", today=TODAY)
    assert report.valid
    assert report.birth_date_candidates == [date(1925, 1, 1), date(2025, 1, 1)]
    # Before 1 January 2025 only 1925 was possible: a birth date is never in the future.
    earlier = check_fiscal_code("RSSMRA25A01H501L", today=date(2024, 12, 31))
    assert earlier.birth_date_candidates == [date(1925, 1, 1)]


def test_length_and_characters() -> None:
    assert codes(check_fiscal_code("RSSMRA80A01H501", today=TODAY)) == ["length"]
    assert codes(check_fiscal_code("RSSMRA80A01H501U-", today=TODAY)) == [
        "length",
        "characters",
    ]
    assert codes(check_fiscal_code("RSSMRA80A01H50-U", today=TODAY)) == ["characters"]


def test_compare_with_person() -> None:
    report = check_fiscal_code("BNCNNA85L62F205J", today=TODAY)
    assert (
        compare_with_person(report, sex="F", birth_date=date(1985, 7, 22), birth_place_code="f205")
        == []
    )
    mismatches = compare_with_person(
        report, sex="M", birth_date=date(1985, 7, 23), birth_place_code="H501"
    )
    assert [m.field for m in mismatches] == [
        MismatchField.SEX,
        MismatchField.BIRTH_DATE,
        MismatchField.BIRTH_PLACE,
    ]
    # Same day, month and last two digits of the year: the code cannot tell 1985 from 2085.
    assert compare_with_person(report, birth_date=date(2085, 7, 22)) == []
    assert compare_with_person(report, birth_date=date(1986, 7, 22))[0].field == "birth_date"


@pytest.mark.django_db
def test_describe_place_prefers_our_table(django_assert_max_num_queries) -> None:
    MunicipalityFactory(belfiore_code="F205", name="Milano", province_code="MI")
    with django_assert_max_num_queries(1):
        milano = describe_place("f205")
    assert milano is not None
    assert (milano.name, milano.province, milano.kind) == ("Milano", "MI", PlaceKind.COMUNE)
    # Not in our table (ceased): the library's data.
    bazzano = describe_place("A726")
    assert bazzano is not None and (bazzano.name, bazzano.province) == ("Bazzano", "BO")
    # A foreign country: no query at all.
    with django_assert_max_num_queries(0):
        albania = describe_place("Z100")
    assert albania is not None
    assert (albania.country, albania.kind) == ("Albania", PlaceKind.FOREIGN_COUNTRY)
    assert describe_place("Z999") is None


# --- provisional codice fiscale -----------------------------------------------------------------


def test_provisional_code_check_digit_by_hand() -> None:
    # 06363391001 is the codice fiscale of the Agenzia delle Entrate (an 11-digit code).
    # Odd positions 0,3,3,9,0 → 15; even positions 6,6,3,1,0 doubled → 12→3, 12→3, 6, 2, 0 → 14.
    # 15 + 14 = 29; (10 − 9) mod 10 = 1.
    assert numeric_check_digit("0636339100") == 1
    assert check_provisional_code("06363391001").valid
    # 1234567890: odd 1+3+5+7+9 = 25; even 2→4, 4→8, 6→3, 8→7, 0→0 = 22; 47 → (10 − 7) = 3.
    assert check_provisional_code("12345678903").valid
    # The worked example of losapevi.it ("Verificare la correttezza di un numero di partita
    # IVA", 2007): 8633451975 → odd 8+3+4+1+7 = 23; even 6→3, 3→6, 5→1, 9→9, 5→1 = 20;
    # 43 → (10 − 3) = 7.
    assert numeric_check_digit("8633451975") == 7
    assert check_provisional_code("86334519757").valid


def test_provisional_code_invalid() -> None:
    assert codes(check_provisional_code("12345678904")) == ["check_character"]
    assert codes(check_provisional_code("1234567890")) == ["length"]
    assert codes(check_provisional_code("1234567890A")) == ["characters"]


# --- STP and ENI -------------------------------------------------------------------------------


def test_stp_valid() -> None:
    report = check_stp_eni("stp 030 123 0000001")
    assert report.valid
    assert report.kind == IdentifierKind.STP
    assert (report.region_code, report.region) == ("030", "Lombardia")
    assert (report.issuer_code, report.progressive) == ("123", "0000001")


def test_eni_and_autonomous_provinces() -> None:
    report = check_stp_eni("ENI1201010000123")
    assert report.valid and report.kind == IdentifierKind.ENI
    assert report.region == "Lazio"
    assert check_stp_eni("STP0410010000001").region == "Provincia autonoma di Bolzano"
    assert check_stp_eni("STP0420010000001").region == "Provincia autonoma di Trento"


@pytest.mark.parametrize(
    "code,expected",
    [
        ("XYZ0301230000001", ["prefix"]),
        ("STP030123000001", ["length"]),
        ("STP030123000000A", ["characters"]),
        ("STP0431230000001", ["region"]),
        # Trentino-Alto Adige issues codes through its autonomous provinces (041, 042).
        ("STP0401230000001", ["region"]),
    ],
)
def test_stp_invalid(code: str, expected: list[str]) -> None:
    report = check_stp_eni(code)
    assert not report.valid
    assert codes(report) == expected


@pytest.mark.parametrize(
    "issued_on,until",
    [
        (date(2025, 1, 15), date(2025, 7, 15)),
        (date(2024, 8, 31), date(2025, 2, 28)),
        (date(2023, 8, 31), date(2024, 2, 29)),  # 2024 is a leap year
        (date(2025, 9, 30), date(2026, 3, 30)),
        (date(2025, 12, 31), date(2026, 6, 30)),
    ],
)
def test_stp_valid_until_six_calendar_months(issued_on: date, until: date) -> None:
    assert stp_valid_until(issued_on) == until


# --- TEAM --------------------------------------------------------------------------------------


def test_team() -> None:
    assert check_team("80380000120000000001", country="de").valid
    assert codes(check_team("8" * 21, country="DE")) == ["length"]
    assert codes(check_team("123", country="US")) == ["country"]
    report = check_identifier("ab 123", team_country="FR")
    assert report.kind == IdentifierKind.TEAM and report.valid
    assert report.team is not None and report.team.normalised == "AB123"


# --- classify / check_identifier ---------------------------------------------------------------


@pytest.mark.parametrize(
    "code,kind",
    [
        ("RSSMRA80A01H501U", IdentifierKind.CF),
        ("rssmra80a01h501", IdentifierKind.CF),  # too short, but clearly meant as one
        # A surname coded STP (e.g. Stoppa) does not make an STP code.
        ("STPMRA80A01H501U", IdentifierKind.CF),
        ("06363391001", IdentifierKind.CF_PROVISIONAL),
        ("STP0301230000001", IdentifierKind.STP),
        ("eni1201010000123", IdentifierKind.ENI),
        ("12AB", None),
        ("", None),
    ],
)
def test_classify(code: str, kind: IdentifierKind | None) -> None:
    assert classify(code) == kind


def test_check_identifier_dispatches() -> None:
    cf = check_identifier("RSSMRA80A01H501X", today=TODAY)
    assert cf.kind == IdentifierKind.CF and not cf.valid
    assert cf.fiscal_code is not None and codes(cf) == ["check_character"]
    assert check_identifier("06363391001").valid
    stp = check_identifier("STP0301230000001")
    assert stp.valid and stp.stp_eni is not None and stp.stp_eni.region == "Lombardia"
    unknown = check_identifier("12AB")
    assert unknown.kind is None and codes(unknown) == [IdentifierErrorCode.FORMAT]


# --- cross-check with python-codicefiscale -------------------------------------------------------


def _library_places() -> list[str]:
    from codicefiscale import data

    comuni = [row["code"] for row in data.get_municipalities_data() if row["active"]]
    countries = [row["code"] for row in data.get_countries_data() if row["active"]]
    return sorted(set(comuni))[::7] + sorted(set(countries))


PLACES = _library_places()
_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzàèéìòù' ", min_size=1, max_size=14)


def _library_code(lastname: str, firstname: str, sex: str, born: date, place: str) -> str:
    try:
        return codicefiscale.encode(lastname, firstname, sex, born.isoformat(), place)  # type: ignore[arg-type]
    except ValueError:
        reject()  # the library does not map this place at this date


def _is_right_suffix(code: str) -> bool:
    """The omocodic letters replace the rightmost digits and no digit is left to their right."""
    letters = [not code[p].isdigit() for p in NUMERIC_POSITIONS]
    return letters == sorted(letters)


@settings(max_examples=200, deadline=None, database=None)
@given(
    lastname=_NAMES,
    firstname=_NAMES,
    sex=st.sampled_from(["M", "F"]),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
    place=st.sampled_from(PLACES),
    omocode_index=st.integers(min_value=0, max_value=127),
    position=st.integers(min_value=0, max_value=15),
    replacement=st.sampled_from("ABCDEHLMPRSTUVXZ0123456789"),
)
def test_agrees_with_python_codicefiscale(
    lastname: str,
    firstname: str,
    sex: str,
    born: date,
    place: str,
    omocode_index: int,
    position: int,
    replacement: str,
) -> None:
    code = _library_code(lastname, firstname, sex, born, place)
    ours = check_fiscal_code(code)
    assert codicefiscale.is_valid(code)
    assert ours.valid, ours.errors
    assert ours.sex == sex
    assert born in ours.birth_date_candidates
    assert ours.birth_place_code == place

    # Omocodic variants (the library makes all 128 combinations of the 7 positions).
    omocode = codicefiscale.decode(code)["omocodes"][omocode_index]
    assert codicefiscale.is_valid(omocode)
    variant = check_fiscal_code(omocode)
    if _is_right_suffix(omocode):
        assert variant.valid, variant.errors
        assert variant.omocodia_normalised in (None, code)
    else:
        # Deliberate difference: the Agenzia substitutes from the rightmost digit only.
        assert codes(variant) == ["omocodia_position"]

    # A wrong check character: both refuse it.
    wrong = code[:15] + ("A" if code[15] != "A" else "B")
    assert not codicefiscale.is_valid(wrong)
    assert codes(check_fiscal_code(wrong)) == ["check_character"]

    # One character changed anywhere: what the library accepts, we accept (but for the order
    # of omocodia); what we accept and the library refuses is only a place that did not exist
    # on that date (the library checks the date range of the Comune, we only that it existed).
    mutated = code[:position] + replacement + code[position + 1 :]
    mutated = mutated[:15] + fiscal_code_check_character(mutated[:15])
    ours_mutated = check_fiscal_code(mutated)
    if codicefiscale.is_valid(mutated):
        assert ours_mutated.valid or codes(ours_mutated) == ["omocodia_position"], (
            mutated,
            ours_mutated.errors,
        )
    elif ours_mutated.valid:
        with pytest.raises(ValueError, match="wrong birthplace code"):
            codicefiscale.decode(mutated)
