"""Reads of the person registry. For now: what an identifier says, and where it was born."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from integra.people.errors import IdentifierError
from integra.people.identifiers import (
    IdentifierKind,
    Mismatch,
    PlaceInfo,
    Sex,
    StpEniReport,
    TeamReport,
    check_identifier,
    compare_with_person,
    describe_place,
    is_known_place,
)


@dataclass(frozen=True)
class IdentifierAnswer:
    """Everything the API says about one code: validity, decoded parts, warnings."""

    code: str
    normalised: str
    kind: IdentifierKind | None
    valid: bool
    errors: list[IdentifierError]
    omocodia: bool = False
    omocodia_normalised: str | None = None
    sex: Sex | None = None
    birth_day: int | None = None
    birth_month: int | None = None
    birth_year_two_digits: int | None = None
    birth_date_candidates: list[date] = field(default_factory=list)
    birth_place: PlaceInfo | None = None
    stp_eni: StpEniReport | None = None
    team: TeamReport | None = None
    mismatches: list[Mismatch] = field(default_factory=list)


def identifier_describe(
    *,
    code: str,
    sex: Sex | None = None,
    birth_date: date | None = None,
    birth_place_code: str | None = None,
    team_country: str | None = None,
) -> IdentifierAnswer:
    """Validate and decode ``code``; compare it with the person's data when given.

    At most one query: the name of the birth place when it is a current Comune.
    """
    report = check_identifier(code, team_country=team_country)
    answer = IdentifierAnswer(
        code=code,
        normalised=report.normalised,
        kind=report.kind,
        valid=report.valid,
        errors=report.errors,
        stp_eni=report.stp_eni,
        team=report.team,
    )
    cf = report.fiscal_code
    if cf is None:
        return answer
    place = None
    if cf.birth_place_code is not None and is_known_place(cf.birth_place_code):
        place = describe_place(cf.birth_place_code)
    return replace(
        answer,
        omocodia=cf.omocodia,
        omocodia_normalised=cf.omocodia_normalised,
        sex=cf.sex,
        birth_day=cf.birth_day,
        birth_month=cf.birth_month,
        birth_year_two_digits=cf.birth_year_two_digits,
        birth_date_candidates=cf.birth_date_candidates,
        birth_place=place,
        mismatches=compare_with_person(
            cf, sex=sex, birth_date=birth_date, birth_place_code=birth_place_code
        ),
    )
