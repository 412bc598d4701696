"""Reads of the person registry: what an identifier says, and the persons an operator may see."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import Prefetch, QuerySet

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, get_visible, require, scoped
from integra.core.permissions import Permission
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
    normalise,
)
from integra.people.models import CareRelationship, Person, PersonIdentifier


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


# --- the registry ------------------------------------------------------------------------------

# Fixed text: stored and hashed in the access log.
PERSON_LIST_SUBJECT = ("people.person", "", "Anagrafe delle persone")


def _person_queryset() -> QuerySet[Person]:
    return Person.objects.select_related(
        "birth_place_municipality",
        "residence_municipality",
        "domicile_municipality",
        "registered_by",
    ).prefetch_related(
        Prefetch(
            "identifiers",
            queryset=PersonIdentifier.objects.order_by("-is_primary", "kind", "pk"),
        )
    )


def person_get(*, actor: Actor | None, person_id: object, purpose: str = "") -> Person:
    """One person's record (same ``NotFound`` for missing and forbidden); the read is logged."""
    require(actor, Permission.PERSON_VIEW)
    person = get_visible(actor, _person_queryset(), pk=person_id)
    access_log_record(
        actor=actor,
        subject=person,
        action=AccessAction.VIEW,
        detail={"view": "anagrafica"},
        purpose=purpose,
    )
    return person


def person_list(*, actor: Actor | None, identifier: str = "") -> QuerySet[Person]:
    """The persons the actor may see, by family and given names; ``identifier`` matches one
    code exactly (spaces and case ignored)."""
    require(actor, Permission.PERSON_VIEW)
    qs = scoped(actor, _person_queryset())
    code = normalise(identifier)
    if code:
        qs = qs.filter(pk__in=PersonIdentifier.objects.filter(value=code).values("person_id"))
    return qs.order_by("family_names", "given_names", "pk")


def person_list_access_record(*, actor: Actor | None, identifier: str = "") -> None:
    """Log that the actor listed (or looked a code up in) the registry."""
    access_log_record(
        actor=actor,
        subject=PERSON_LIST_SUBJECT,
        action=AccessAction.SEARCH if identifier else AccessAction.LIST,
        detail={"filters": {"identifier": normalise(identifier)} if identifier else {}},
    )


def care_relationships_of(*, actor: Actor | None, person: Person) -> QuerySet[CareRelationship]:
    """The presa in carico records of a person the actor may see."""
    return (
        scoped(actor, CareRelationship)
        .filter(person=person)
        .select_related("organization")
        .order_by("-started_on", "pk")
    )
