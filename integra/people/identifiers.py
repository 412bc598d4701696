"""Identifiers of persons: codice fiscale, provisional codice fiscale, STP, ENI and TEAM.

Pure functions (no database access) except :func:`describe_place`, which prefers our own
``Municipality`` table for the name of a current Comune. Everything is validated and decoded,
never guessed: the codice fiscale holds only two digits of the birth year, so the report lists
every possible birth date instead of picking one.

Sources:
- codice fiscale: DM 23 dicembre 1976 n. 13813 (structure, month letters, day + 40 for women,
  check character from the odd/even tables, omocodia) and DPR 605/1973;
- provisional codice fiscale (11 digits): the check digit of the numeric codice fiscale, the
  same algorithm as the partita IVA (DM 23 dicembre 1976, allegato; DPR 633/1972 art. 35);
- STP and ENI: Ministero della Salute, circolari 3 agosto 2007 and 19 febbraio 2008; INMP wiki;
- TEAM: Commissione amministrativa per il coordinamento dei sistemi di sicurezza sociale,
  decisione S2 del 12 giugno 2009 (the card's fields).
"""

from __future__ import annotations

import calendar
import functools
import string
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integra.people.errors import IdentifierError, IdentifierErrorCode, MismatchField

Sex = Literal["M", "F"]


class IdentifierKind(models.TextChoices):
    CF = "cf", gettext_lazy("Codice fiscale")
    CF_PROVISIONAL = "cf_provisional", gettext_lazy("Codice fiscale provvisorio")
    STP = "stp", gettext_lazy("Codice STP (straniero temporaneamente presente)")
    ENI = "eni", gettext_lazy("Codice ENI (europeo non iscritto)")
    # The personal identification number on the European health insurance card (TEAM, field
    # 6 of the card per decision S2) is each issuing state's own national identifier: there is
    # no common structure or check digit, so all we can verify is a plausible number (1-20
    # letters and digits) together with the state that issued the card.
    TEAM = "team", gettext_lazy("Tessera europea di assicurazione malattia (TEAM)")


class PlaceKind(models.TextChoices):
    COMUNE = "comune", gettext_lazy("Comune italiano")
    FOREIGN_COUNTRY = "foreign_country", gettext_lazy("Stato estero")


def normalise(code: str) -> str:
    """Strip, remove spaces (also inner ones: codes are often written in groups), uppercase."""
    return "".join(code.split()).upper()


# --- codice fiscale: the tables of DM 23/12/1976 ------------------------------------------------

CF_LENGTH = 16
MONTH_LETTERS = "ABCDEHLMPRST"
# Omocodia: a digit d is replaced by OMOCODIA_LETTERS[d], starting from the rightmost of the
# seven numeric positions (0-based indexes 6, 7, 9, 10, 12, 13, 14).
OMOCODIA_LETTERS = "LMNPQRSTUV"
NUMERIC_POSITIONS = (6, 7, 9, 10, 12, 13, 14)
_LETTER_POSITIONS = (0, 1, 2, 3, 4, 5, 11, 15)
_MONTH_POSITION = 8
_ALNUM = frozenset(string.ascii_uppercase + string.digits)

# Values of a character in an odd position (1st, 3rd, … 15th, counting from 1); a digit is
# worth the same as the letter in the same place of the alphabet (0 = A, 1 = B, … 9 = J).
# fmt: off
_ODD_VALUES = {
    "A": 1, "B": 0, "C": 5, "D": 7, "E": 9, "F": 13, "G": 15, "H": 17, "I": 19, "J": 21,
    "K": 2, "L": 4, "M": 18, "N": 20, "O": 11, "P": 3, "Q": 6, "R": 8, "S": 12, "T": 14,
    "U": 16, "V": 10, "W": 22, "X": 25, "Y": 24, "Z": 23,
}
# fmt: on
_ODD_VALUES.update({d: _ODD_VALUES[string.ascii_uppercase[int(d)]] for d in string.digits})
# Even positions (2nd, 4th, … 14th): A-Z are worth 0-25, digits their own value.
_EVEN_VALUES = {ch: i for i, ch in enumerate(string.ascii_uppercase)}
_EVEN_VALUES.update({d: int(d) for d in string.digits})


def fiscal_code_check_character(first_fifteen: str) -> str:
    """The check character (16th) of a codice fiscale from its first 15 characters."""
    total = 0
    for index, char in enumerate(first_fifteen):
        # index 0 is the 1st character, an odd position.
        total += _ODD_VALUES[char] if index % 2 == 0 else _EVEN_VALUES[char]
    return string.ascii_uppercase[total % 26]


def _omocodia_digit(char: str) -> str:
    return str(OMOCODIA_LETTERS.index(char)) if char in OMOCODIA_LETTERS else char


# --- places (Belfiore codes), from python-codicefiscale's data files ----------------------------


@dataclass(frozen=True)
class PlaceInfo:
    code: str
    name: str
    province: str | None
    country: str | None
    kind: PlaceKind


@functools.cache
def _library_places() -> dict[str, PlaceInfo]:
    """Every Belfiore code known to python-codicefiscale: Comuni current and ceased, foreign
    countries current and ceased. Loaded once per process (about 19,000 rows)."""
    from codicefiscale import data  # the library's own loaders of its JSON files

    municipalities: list[dict[str, Any]] = data.get_municipalities_data()
    countries: list[dict[str, Any]] = data.get_countries_data()
    places: dict[str, PlaceInfo] = {}
    best: dict[str, tuple[bool, str]] = {}
    for row in municipalities:
        code = str(row["code"]).upper()
        # A code reused over time: prefer the active row, then the most recently ceased one.
        rank = (bool(row["active"]), str(row["date_deleted"] or ""))
        if code in best and best[code] >= rank:
            continue
        best[code] = rank
        places[code] = PlaceInfo(
            code=code,
            name=str(row["name"]),
            province=str(row["province"]),
            country=None,
            kind=PlaceKind.COMUNE,
        )
    for row in countries:
        code = str(row["code"]).upper()
        rank = (bool(row["active"]), str(row["date_deleted"] or ""))
        if code in best and best[code] >= rank:
            continue
        best[code] = rank
        places[code] = PlaceInfo(
            code=code,
            name=str(row["name"]),
            province=None,
            country=str(row["name"]),
            kind=PlaceKind.FOREIGN_COUNTRY,
        )
    return places


def is_known_place(code: str) -> bool:
    """Whether a Belfiore code is an Italian Comune (current or ceased) or a foreign country."""
    return code.upper() in _library_places()


def foreign_country_code(name: str) -> str | None:
    """The Belfiore (Z) code of the foreign country called ``name`` (case ignored); of the
    current country when the name was also used by a ceased one."""
    wanted = name.strip().upper()
    codes = sorted(
        p.code
        for p in _library_places().values()
        if p.kind == PlaceKind.FOREIGN_COUNTRY and p.name.upper() == wanted
    )
    return codes[0] if codes else None


def describe_place(code: str) -> PlaceInfo | None:
    """Name and province (or country) of a Belfiore code; ``None`` if unknown.

    A current Comune comes from our territory table (one query: it holds the current names);
    ceased Comuni and foreign countries (``Z…``) come from the library's data.
    """
    from integra.core.models import Municipality

    code = normalise(code)
    if not code.startswith("Z"):
        row = (
            Municipality.objects.filter(belfiore_code=code)
            .values("belfiore_code", "name", "province_code")
            .first()
        )
        if row is not None:
            return PlaceInfo(
                code=row["belfiore_code"],
                name=row["name"],
                province=row["province_code"],
                country=None,
                kind=PlaceKind.COMUNE,
            )
    return _library_places().get(code)


# --- codice fiscale --------------------------------------------------------------------------


@dataclass(frozen=True)
class FiscalCodeReport:
    valid: bool
    normalised: str
    errors: list[IdentifierError] = field(default_factory=list)
    omocodia: bool = False
    # The code with the omocodic letters turned back into digits and the check character
    # recomputed; ``None`` when the code is not omocodic (or too malformed to decode).
    omocodia_normalised: str | None = None
    sex: Sex | None = None
    birth_day: int | None = None
    birth_month: int | None = None
    birth_year_two_digits: int | None = None
    # Every real date in 1900-2099 not after today that the code may stand for: never pick one.
    birth_date_candidates: list[date] = field(default_factory=list)
    birth_place_code: str | None = None

    @property
    def error_codes(self) -> list[str]:
        return [str(e.code) for e in self.errors]


def _position_list(positions: list[int]) -> str:
    return ", ".join(str(p + 1) for p in positions)


def check_fiscal_code(code: str, *, today: date | None = None) -> FiscalCodeReport:
    """Validate and decode a 16-character codice fiscale (DM 23/12/1976 n. 13813)."""
    norm = normalise(code)
    errors: list[IdentifierError] = []
    if len(norm) != CF_LENGTH:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.LENGTH,
                _("Il codice fiscale ha 16 caratteri, questo ne ha %(n)d.") % {"n": len(norm)},
            )
        )
    if any(ch not in _ALNUM for ch in norm):
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHARACTERS,
                _("Il codice fiscale contiene solo lettere e cifre."),
            )
        )
    if errors:
        return FiscalCodeReport(valid=False, normalised=norm, errors=errors)

    wrong_letter = [p for p in _LETTER_POSITIONS if not norm[p].isalpha()]
    wrong_numeric = [
        p for p in NUMERIC_POSITIONS if not (norm[p].isdigit() or norm[p] in OMOCODIA_LETTERS)
    ]
    if wrong_letter:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHARACTERS,
                _("In posizione %(positions)s ci vuole una lettera.")
                % {"positions": _position_list(wrong_letter)},
            )
        )
    if wrong_numeric:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHARACTERS,
                _(
                    "In posizione %(positions)s ci vuole una cifra (o, per omocodia, una delle "
                    "lettere LMNPQRSTUV)."
                )
                % {"positions": _position_list(wrong_numeric)},
            )
        )

    expected = fiscal_code_check_character(norm[:15])
    if norm[15] != expected:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHECK_CHARACTER,
                # The expected character is not shown: an operator would fix the last character
                # when the typo is elsewhere, and a wrong code would then pass as valid.
                _(
                    "Il carattere di controllo %(found)s non corrisponde al resto del codice: "
                    "ricontrolla tutti i caratteri sul documento."
                )
                % {"found": norm[15]},
            )
        )

    # Omocodia: letters in the numeric positions, which must replace digits from the right.
    substituted = [p for p in NUMERIC_POSITIONS if norm[p] in OMOCODIA_LETTERS]
    omocodia = bool(substituted)
    if omocodia and not wrong_numeric:
        leftmost = substituted[0]
        digits_to_the_right = [p for p in NUMERIC_POSITIONS if p > leftmost and norm[p].isdigit()]
        if digits_to_the_right:
            errors.append(
                IdentifierError(
                    IdentifierErrorCode.OMOCODIA_POSITION,
                    _(
                        "Omocodia non valida: le lettere sostituiscono le cifre a partire da "
                        "quella più a destra, ma qui la posizione %(letter)d è una lettera "
                        "mentre più a destra restano cifre (posizioni %(digits)s)."
                    )
                    % {"letter": leftmost + 1, "digits": _position_list(digits_to_the_right)},
                )
            )
    decoded = "".join(
        _omocodia_digit(ch) if i in NUMERIC_POSITIONS else ch for i, ch in enumerate(norm)
    )
    omocodia_normalised = None
    if omocodia and not wrong_numeric and not wrong_letter:
        omocodia_normalised = decoded[:15] + fiscal_code_check_character(decoded[:15])

    # Birth date: two-digit year, month letter, day (+ 40 for women).
    year = month = day = None
    sex: Sex | None = None
    month_char = norm[_MONTH_POSITION]
    if month_char in MONTH_LETTERS:
        month = MONTH_LETTERS.index(month_char) + 1
    else:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.MONTH,
                _(
                    "La lettera del mese (posizione 9) deve essere una di %(letters)s, non %(found)s."
                )
                % {"letters": MONTH_LETTERS, "found": month_char},
            )
        )
    if not any(p in wrong_numeric for p in (6, 7)):
        year = int(decoded[6:8])
    if not any(p in wrong_numeric for p in (9, 10)):
        raw_day = int(decoded[9:11])
        if 1 <= raw_day <= 31:
            day, sex = raw_day, "M"
        elif 41 <= raw_day <= 71:
            day, sex = raw_day - 40, "F"
        else:
            errors.append(
                IdentifierError(
                    IdentifierErrorCode.DAY,
                    _(
                        "Il giorno di nascita (posizioni 10-11) vale %(day)02d: deve essere "
                        "tra 01 e 31 per gli uomini, tra 41 e 71 per le donne."
                    )
                    % {"day": raw_day},
                )
            )
    candidates: list[date] = []
    if year is not None and month is not None and day is not None:
        candidates = birth_date_candidates(year, month, day, today=today)
        if not candidates:
            errors.append(
                IdentifierError(
                    IdentifierErrorCode.IMPOSSIBLE_DATE,
                    _("Il %(day)02d/%(month)02d/%(year)02d non è una data esistente.")
                    % {"day": day, "month": month, "year": year},
                )
            )

    place_code = None
    if not wrong_letter and not any(p in wrong_numeric for p in (12, 13, 14)):
        place_code = decoded[11:15]
        if not is_known_place(place_code):
            errors.append(
                IdentifierError(
                    IdentifierErrorCode.UNKNOWN_PLACE,
                    _(
                        "Il codice del luogo di nascita %(code)s non corrisponde a nessun Comune "
                        "italiano (attuale o soppresso) né a uno Stato estero."
                    )
                    % {"code": place_code},
                )
            )

    return FiscalCodeReport(
        valid=not errors,
        normalised=norm,
        errors=errors,
        omocodia=omocodia,
        omocodia_normalised=omocodia_normalised,
        sex=sex,
        birth_day=day,
        birth_month=month,
        birth_year_two_digits=year,
        birth_date_candidates=candidates,
        birth_place_code=place_code,
    )


def birth_date_candidates(
    year_two_digits: int, month: int, day: int, *, today: date | None = None
) -> list[date]:
    """Real dates in the 1900s and 2000s, not after today, for a two-digit year.

    Both centuries are kept when both are possible: a woman born in 1925 and a girl born in
    2025 have the same date part in their codice fiscale.
    """
    today = today or timezone.localdate()
    found = []
    for century in (1900, 2000):
        try:
            candidate = date(century + year_two_digits, month, day)
        except ValueError:
            continue
        if candidate <= today:
            found.append(candidate)
    return found


@dataclass(frozen=True)
class Mismatch:
    """The codice fiscale disagrees with what was entered for the person: a warning."""

    field: MismatchField
    message: str


def compare_with_person(
    report: FiscalCodeReport,
    *,
    sex: Sex | None = None,
    birth_date: date | None = None,
    birth_place_code: str | None = None,
) -> list[Mismatch]:
    """Warnings where the decoded code disagrees with the person's sex, birth date or place."""
    found: list[Mismatch] = []
    if sex is not None and report.sex is not None and sex != report.sex:
        found.append(
            Mismatch(
                MismatchField.SEX,
                _("Il codice fiscale indica il sesso %(code)s, ma è stato indicato %(entered)s.")
                % {"code": report.sex, "entered": sex},
            )
        )
    if (
        birth_date is not None
        and report.birth_day is not None
        and report.birth_month is not None
        and report.birth_year_two_digits is not None
    ):
        decoded = (report.birth_day, report.birth_month, report.birth_year_two_digits)
        if decoded != (birth_date.day, birth_date.month, birth_date.year % 100):
            found.append(
                Mismatch(
                    MismatchField.BIRTH_DATE,
                    _(
                        "Il codice fiscale indica la nascita il %(day)02d/%(month)02d/"
                        "…%(year)02d, ma è stata indicata la data %(entered)s."
                    )
                    % {
                        "day": decoded[0],
                        "month": decoded[1],
                        "year": decoded[2],
                        "entered": birth_date.strftime("%d/%m/%Y"),
                    },
                )
            )
    if birth_place_code and report.birth_place_code is not None:
        entered = normalise(birth_place_code)
        if entered != report.birth_place_code:
            found.append(
                Mismatch(
                    MismatchField.BIRTH_PLACE,
                    _(
                        "Il codice fiscale indica il luogo di nascita %(code)s, ma è stato "
                        "indicato %(entered)s."
                    )
                    % {"code": report.birth_place_code, "entered": entered},
                )
            )
    return found


# --- provisional codice fiscale (11 digits) ----------------------------------------------------


@dataclass(frozen=True)
class ProvisionalCodeReport:
    valid: bool
    normalised: str
    errors: list[IdentifierError] = field(default_factory=list)


def numeric_check_digit(first_ten: str) -> int:
    """Check digit of an 11-digit codice fiscale (and partita IVA): digits in odd positions
    are summed; digits in even positions are doubled, minus 9 if over 9; the check digit is
    (10 − sum mod 10) mod 10.

    The same steps, with the worked example 86334519757, are published in "Verifica della
    correttezza formale del numero di partita IVA" (riolab.org, 2005) and "Verificare la
    correttezza di un numero di partita IVA" (losapevi.it, 2007).
    """
    total = 0
    for index, char in enumerate(first_ten):
        value = int(char)
        if index % 2 == 1:  # 2nd, 4th, … counting from 1
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def check_provisional_code(code: str) -> ProvisionalCodeReport:
    norm = normalise(code)
    errors: list[IdentifierError] = []
    if len(norm) != 11:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.LENGTH,
                _("Il codice fiscale provvisorio ha 11 cifre, questo ha %(n)d caratteri.")
                % {"n": len(norm)},
            )
        )
    if not norm.isdigit() or not norm.isascii():
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHARACTERS,
                _("Il codice fiscale provvisorio contiene solo cifre."),
            )
        )
    if not errors:
        expected = numeric_check_digit(norm[:10])
        if int(norm[10]) != expected:
            errors.append(
                IdentifierError(
                    IdentifierErrorCode.CHECK_CHARACTER,
                    _(
                        "La cifra di controllo %(found)s non corrisponde al resto del codice: "
                        "ricontrolla tutte le cifre sul documento."
                    )
                    % {"found": norm[10]},
                )
            )
    return ProvisionalCodeReport(valid=not errors, normalised=norm, errors=errors)


# --- STP and ENI ------------------------------------------------------------------------------

STP_ENI_LENGTH = 16
# The 3-digit region codes of the Ministry of Health's information flows (NSIS; e.g. the SDO
# and the FLS models): the 2-digit ISTAT region code followed by 0, except the autonomous
# provinces, which have their own codes 041 (Bolzano) and 042 (Trento) in place of the
# region Trentino-Alto Adige (040). STP/ENI codes use the code of the issuing region or
# autonomous province (Ministero della Salute, circolare 19 febbraio 2008; INMP wiki, "STP
# Code": "3 characters for the ISTAT code related to the Region"). The list below is the one
# HL7 Italia publishes as the CodeSystem "MDS - Codici Regioni / PPAA" (minsan-regione,
# repository hl7-it/terminology, input/fsh/codesystems/codeSystems.fsh): 21 codes, 010-200.
STP_ENI_REGIONS: dict[str, str] = {
    "010": "Piemonte",
    "020": "Valle d'Aosta",
    "030": "Lombardia",
    "041": "Provincia autonoma di Bolzano",
    "042": "Provincia autonoma di Trento",
    "050": "Veneto",
    "060": "Friuli-Venezia Giulia",
    "070": "Liguria",
    "080": "Emilia-Romagna",
    "090": "Toscana",
    "100": "Umbria",
    "110": "Marche",
    "120": "Lazio",
    "130": "Abruzzo",
    "140": "Molise",
    "150": "Campania",
    "160": "Puglia",
    "170": "Basilicata",
    "180": "Calabria",
    "190": "Sicilia",
    "200": "Sardegna",
}
_STP_ENI_PREFIXES = {"STP": IdentifierKind.STP, "ENI": IdentifierKind.ENI}


@dataclass(frozen=True)
class StpEniReport:
    valid: bool
    normalised: str
    errors: list[IdentifierError] = field(default_factory=list)
    kind: IdentifierKind | None = None
    region_code: str | None = None
    region: str | None = None
    issuer_code: str | None = None
    progressive: str | None = None


def check_stp_eni(code: str) -> StpEniReport:
    """``STP``/``ENI`` + region (3 digits) + ASL or hospital (3) + progressive (7): 16
    characters with no check character."""
    norm = normalise(code)
    errors: list[IdentifierError] = []
    kind = _STP_ENI_PREFIXES.get(norm[:3])
    if kind is None:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.PREFIX,
                _("Un codice STP o ENI inizia con STP o ENI, non con %(found)s.")
                % {"found": norm[:3]},
            )
        )
    if len(norm) != STP_ENI_LENGTH:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.LENGTH,
                _("Un codice STP o ENI ha 16 caratteri, questo ne ha %(n)d.") % {"n": len(norm)},
            )
        )
    body = norm[3:]
    if not (body.isdigit() and body.isascii()):
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHARACTERS,
                _("Dopo il prefisso STP o ENI un codice contiene solo cifre."),
            )
        )
    region_code = region = issuer_code = progressive = None
    if len(norm) == STP_ENI_LENGTH and body.isdigit() and body.isascii():
        region_code, issuer_code, progressive = body[:3], body[3:6], body[6:]
        region = STP_ENI_REGIONS.get(region_code)
        if region is None:
            errors.append(
                IdentifierError(
                    IdentifierErrorCode.REGION,
                    _(
                        "Il codice regione %(code)s (posizioni 4-6) non corrisponde a nessuna regione."
                    )
                    % {"code": region_code},
                )
            )
    return StpEniReport(
        valid=not errors,
        normalised=norm,
        errors=errors,
        kind=kind,
        region_code=region_code,
        region=region,
        issuer_code=issuer_code,
        progressive=progressive,
    )


def stp_valid_until(issued_on: date) -> date:
    """Last day of validity of an STP code: six calendar months after issue (renewable), on
    the last day of the month when that month is shorter (31 August → 28/29 February)."""
    month_index = issued_on.month - 1 + 6
    year, month = issued_on.year + month_index // 12, month_index % 12 + 1
    day = min(issued_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


# --- TEAM ------------------------------------------------------------------------------------

# States that issue the European health insurance card, by ISO 3166-1 alpha-2 code: the EU
# member states, the EEA states Iceland, Liechtenstein and Norway, Switzerland and the United
# Kingdom.
# fmt: off
TEAM_COUNTRIES = frozenset([
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    "IS", "LI", "NO", "CH", "GB",
])
# fmt: on
TEAM_MAX_LENGTH = 20


@dataclass(frozen=True)
class TeamReport:
    valid: bool
    normalised: str
    country: str
    errors: list[IdentifierError] = field(default_factory=list)


def check_team(number: str, *, country: str) -> TeamReport:
    norm = normalise(number)
    country = normalise(country)
    errors: list[IdentifierError] = []
    if not 1 <= len(norm) <= TEAM_MAX_LENGTH:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.LENGTH,
                _("Il numero personale della TEAM ha da 1 a 20 caratteri, questo ne ha %(n)d.")
                % {"n": len(norm)},
            )
        )
    if any(ch not in _ALNUM for ch in norm):
        errors.append(
            IdentifierError(
                IdentifierErrorCode.CHARACTERS,
                _("Il numero personale della TEAM contiene solo lettere e cifre."),
            )
        )
    if country not in TEAM_COUNTRIES:
        errors.append(
            IdentifierError(
                IdentifierErrorCode.COUNTRY,
                _(
                    "%(country)s non è il codice ISO 3166-1 di uno Stato che emette la TEAM "
                    "(Stati dell'Unione europea, Islanda, Liechtenstein, Norvegia, Svizzera, "
                    "Regno Unito)."
                )
                % {"country": country or "—"},
            )
        )
    return TeamReport(valid=not errors, normalised=norm, country=country, errors=errors)


# --- any identifier ----------------------------------------------------------------------------


def classify(code: str, *, team_country: str | None = None) -> IdentifierKind | None:
    """The kind of identifier a code looks like, or ``None``.

    A TEAM number has no recognisable shape (see :class:`IdentifierKind`): it is a TEAM only
    when the caller says which state issued the card.
    """
    norm = normalise(code)
    if not norm:
        return None
    if team_country is not None:
        return IdentifierKind.TEAM
    # "STP…" or "ENI…" followed by a digit: a codice fiscale has letters in positions 4-6,
    # so a surname coded STP (Stoppa) does not make a codice fiscale an STP code.
    if norm[:3] in _STP_ENI_PREFIXES and (len(norm) == 3 or norm[3].isdigit()):
        return _STP_ENI_PREFIXES[norm[:3]]
    if norm.isdigit():
        return IdentifierKind.CF_PROVISIONAL
    if len(norm) == CF_LENGTH or (len(norm) >= 6 and norm[:6].isalpha()):
        return IdentifierKind.CF
    return None


@dataclass(frozen=True)
class IdentifierReport:
    kind: IdentifierKind | None
    valid: bool
    normalised: str
    errors: list[IdentifierError] = field(default_factory=list)
    fiscal_code: FiscalCodeReport | None = None
    stp_eni: StpEniReport | None = None
    team: TeamReport | None = None


def check_identifier(
    code: str, *, team_country: str | None = None, today: date | None = None
) -> IdentifierReport:
    """Validate any identifier of a person, dispatching on :func:`classify`."""
    norm = normalise(code)
    kind = classify(norm, team_country=team_country)
    if kind == IdentifierKind.CF:
        cf = check_fiscal_code(norm, today=today)
        return IdentifierReport(kind, cf.valid, norm, cf.errors, fiscal_code=cf)
    if kind == IdentifierKind.CF_PROVISIONAL:
        provisional = check_provisional_code(norm)
        return IdentifierReport(kind, provisional.valid, norm, provisional.errors)
    if kind in (IdentifierKind.STP, IdentifierKind.ENI):
        stp_eni = check_stp_eni(norm)
        return IdentifierReport(kind, stp_eni.valid, norm, stp_eni.errors, stp_eni=stp_eni)
    if kind == IdentifierKind.TEAM:
        team = check_team(norm, country=team_country or "")
        return IdentifierReport(kind, team.valid, norm, team.errors, team=team)
    error = IdentifierError(
        IdentifierErrorCode.FORMAT,
        _(
            "Codice non riconosciuto: un codice fiscale ha 16 caratteri, un codice fiscale "
            "provvisorio 11 cifre, un codice STP o ENI 16 caratteri che iniziano con STP o ENI."
        ),
    )
    return IdentifierReport(None, False, norm, [error])


# --- codice fiscale: building one (DM 23/12/1976 n. 13813) ---------------------------------------

_VOWELS = frozenset("AEIOU")


def _cf_letters(text: str) -> str:
    """The letters A-Z of a name, accents folded (à → A), everything else dropped."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in decomposed if "A" <= ch <= "Z")


def _cf_name_part(text: str, *, given: bool) -> str:
    """Three letters of a name: consonants, then vowels, then X. For the given name, four or
    more consonants give the 1st, 3rd and 4th (DM 23/12/1976, allegato, punti 1-2)."""
    letters = _cf_letters(text)
    consonants = [ch for ch in letters if ch not in _VOWELS]
    vowels = [ch for ch in letters if ch in _VOWELS]
    if given and len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return ("".join(consonants) + "".join(vowels) + "XXX")[:3]


def fiscal_code_encode(
    *, family_names: str, given_names: str, sex: Sex, birth_date: date, place_code: str
) -> str:
    """The codice fiscale of a person (its base form, before any omocodia): three letters of
    the surname, three of the given name, year (2 digits), month letter, day (+40 for women),
    Belfiore or Z code of the birth place, check character."""
    day = birth_date.day + (40 if sex == "F" else 0)
    body = (
        _cf_name_part(family_names, given=False)
        + _cf_name_part(given_names, given=True)
        + f"{birth_date.year % 100:02d}"
        + MONTH_LETTERS[birth_date.month - 1]
        + f"{day:02d}"
        + place_code.upper()
    )
    return body + fiscal_code_check_character(body)


def fiscal_code_omocodic_variant(code: str, level: int) -> str:
    """The ``level``-th omocodic form of a base codice fiscale (1-7): the ``level`` rightmost
    digits replaced by LMNPQRSTUV and the check character recomputed, as the Agenzia delle
    Entrate assigns to the second, third… person who would get the same code."""
    if not 0 <= level <= len(NUMERIC_POSITIONS):
        raise ValueError(f"omocodia level {level} outside 0-{len(NUMERIC_POSITIONS)}")
    chars = list(normalise(code)[:15])
    for position in list(reversed(NUMERIC_POSITIONS))[:level]:
        chars[position] = OMOCODIA_LETTERS[int(chars[position])]
    body = "".join(chars)
    return body + fiscal_code_check_character(body)
