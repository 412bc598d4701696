"""Reads of the person registry: what an identifier says, and the persons an operator may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, get_visible, require, scoped
from integra.core.permissions import Permission
from integra.organizations.models import Organization
from integra.organizations.search import normalize
from integra.people.access import may_see_content, with_content_visible
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
from integra.people.matching import (
    CANDIDATE_CAP,
    SEARCH_MIN_SCORE,
    SIMILAR_NAME_MIN,
    DuplicateCandidate,
    MatchReason,
    PersonMatch,
    duplicate_threshold,
    fiscal_code_forms,
    looks_like_code,
    name_candidates_filter,
    name_similarity,
    search_score,
)
from integra.people.models import (
    CareRelationship,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    Person,
    PersonIdentifier,
    PersonStatus,
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


# --- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationContact:
    """Whom to contact about a person whose record the actor may not read."""

    organization_id: int
    name: str
    phone: str
    email: str
    pec: str

    @classmethod
    def of(cls, organization: Organization) -> OrganizationContact:
        return cls(
            organization_id=organization.pk,
            name=organization.name,
            phone=organization.phone,
            email=organization.email,
            pec=organization.pec,
        )


@dataclass(frozen=True)
class PersonView:
    """What ``person_get`` shows: the full record, or (``limited``) only that the person is
    known and whom to contact — ``person`` is then ``None``, so nothing of it can leak."""

    person_id: int
    person: Person | None
    contacts: list[OrganizationContact] = field(default_factory=list)
    reason: str = ""

    @property
    def limited(self) -> bool:
        return self.person is None


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


def person_get(*, actor: Actor | None, person_id: object, purpose: str = "") -> PersonView:
    """One person's record (same ``NotFound`` for missing and forbidden); the read is logged.

    The content is shown only when ``may_see_content`` allows it (the registering organisation,
    or the person's sharing consent in force); otherwise the view is limited to "this person is
    known, ask this organisation" (``PersonView.limited``), logged as such.
    """
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None  # require() refuses None
    person = get_visible(actor, _person_queryset(), pk=person_id)
    if may_see_content(actor, person):
        view = PersonView(person_id=person.pk, person=person)
        detail = {"view": "anagrafica"}
    else:
        view = PersonView(
            person_id=person.pk,
            person=None,
            contacts=[OrganizationContact.of(person.registered_by)],
            reason=str(_("Manca il consenso alla condivisione")),
        )
        detail = {"view": "limitata"}
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail=detail, purpose=purpose
    )
    return view


def person_list(*, actor: Actor | None, identifier: str = "") -> QuerySet[Person]:
    """The persons the actor may see, by family and given names; ``identifier`` matches one
    code exactly (spaces and case ignored)."""
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None  # require() refuses None
    qs = with_content_visible(actor, scoped(actor, _person_queryset()))
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


# --- consent by purpose ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    """The current state of one purpose: the latest decision, or none (``status`` None)."""

    purpose: ConsentPurpose
    decision: Consent | None

    @property
    def status(self) -> ConsentStatus | None:
        return ConsentStatus(self.decision.status) if self.decision is not None else None

    @property
    def in_force(self) -> bool:
        return self.decision is not None and self.decision.is_in_force()


def _consent_queryset() -> QuerySet[Consent]:
    return Consent.objects.select_related(
        "person", "recorded_by__user", "recorded_by_organization"
    ).order_by("purpose", "-decided_on", "-pk")


def consent_history(*, actor: Actor | None, person_id: object) -> list[Consent]:
    """Every decision on a visible person, per purpose, latest first (a constant number of
    queries); reading it is logged."""
    require(actor, Permission.PERSON_VIEW)
    person = get_visible(actor, Person, pk=person_id)
    rows = list(scoped(actor, _consent_queryset()).filter(person=person))
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "consensi"}
    )
    return rows


def consents_current_of(history: list[Consent]) -> list[ConsentState]:
    """Per purpose (in the order of ``ConsentPurpose``), the latest decision of ``history``."""
    latest: dict[str, Consent] = {}
    for consent in history:
        best = latest.get(consent.purpose)
        if best is None or (consent.decided_on, consent.pk) > (best.decided_on, best.pk):
            latest[consent.purpose] = consent
    return [ConsentState(purpose=p, decision=latest.get(p.value)) for p in ConsentPurpose]


def consents_current(*, actor: Actor | None, person_id: object) -> list[ConsentState]:
    """Per purpose: state, date, who recorded it and the evidence (the latest decision)."""
    return consents_current_of(consent_history(actor=actor, person_id=person_id))


# --- search and duplicates ---------------------------------------------------------------------

# Fixed text: stored and hashed in the access log.
PERSON_SEARCH_SUBJECT = ("people.person", "", "Ricerca nell'anagrafe delle persone")
PERSON_DUPLICATE_SUBJECT = ("people.person", "", "Controllo dei possibili duplicati")


def person_search(
    *,
    actor: Actor | None,
    query: str,
    birth_date: date | None = None,
    birth_year: int | None = None,
    limit: int = 20,
) -> list[PersonMatch]:
    """Persons the actor may see matching ``query``, best first, at most ``limit``.

    A code (codice fiscale, also in any omocodic form; provisional; STP; ENI) matches exactly;
    a name tolerates typos, missing accents, apostrophes and swapped given/family names
    (integra/people/matching.py). ``birth_date`` / ``birth_year`` narrow the results. The scope
    comes first: a person the actor may not see is never read, returned or counted. One SEARCH
    entry in the access log, with the query and the number of results (no names).
    """
    require(actor, Permission.PERSON_VIEW)
    text = query.strip()
    assert actor is not None  # require() refuses None
    base = scoped(actor, Person.objects.filter(status=PersonStatus.ACTIVE))
    if birth_date is not None:
        base = base.filter(birth_date=birth_date)
    if birth_year is not None:
        base = base.filter(birth_date__year=birth_year)
    found: dict[int, tuple[float, list[str], str, str]] = {}
    by_code = looks_like_code(text)
    if by_code:
        code = normalise(text)
        rows = PersonIdentifier.objects.filter(
            value__in=fiscal_code_forms(code), person__in=base
        ).values_list("person_id", "value", "person__family_names", "person__given_names")
        for person_id, value, family, given in rows:
            reason = MatchReason.SAME_CODE if value == code else MatchReason.OMOCODIC_CODE
            found[person_id] = (1.0, [reason], family, given)
    elif text:
        candidates = base.filter(name_candidates_filter(text)).values_list(
            "pk", "family_names", "given_names"
        )[:CANDIDATE_CAP]
        for pk, family, given in candidates:
            score, reasons = search_score(text, family_names=family, given_names=given)
            if score >= SEARCH_MIN_SCORE:
                found[pk] = (score, reasons, family, given)
    best = sorted(found.items(), key=lambda item: (-item[1][0], item[1][2], item[1][3], item[0]))
    chosen = best[: max(limit, 0)]
    chosen_ids = [pk for pk, _row in chosen]
    persons = with_content_visible(actor, scoped(actor, _person_queryset())).in_bulk(chosen_ids)
    hidden_ids = [pk for pk in chosen_ids if pk not in persons]
    holders = (
        dict(Person.objects.filter(pk__in=hidden_ids).values_list("pk", "registered_by_id"))
        if hidden_ids
        else {}
    )
    holder_orgs = Organization.objects.in_bulk(set(holders.values())) if holders else {}
    matches: list[PersonMatch] = []
    for pk, (score, reasons, _family, _given) in chosen:
        extra = []
        if birth_date is not None:
            extra.append(MatchReason.SAME_BIRTH_DATE)
        if birth_year is not None:
            extra.append(MatchReason.SAME_BIRTH_YEAR)
        if pk in persons:
            matches.append(
                PersonMatch(person=persons[pk], score=score, reasons=reasons + extra, person_id=pk)
            )
        elif pk in holders:
            # Known, but without the sharing consent: no names, only whom to contact.
            matches.append(
                PersonMatch(
                    person=None,
                    score=score,
                    reasons=reasons + extra,
                    person_id=pk,
                    limited=True,
                    contact=OrganizationContact.of(holder_orgs[holders[pk]]),
                )
            )
    filters: dict[str, object] = {"query": text, "by": "code" if by_code else "name"}
    if birth_date is not None:
        filters["birth_date"] = birth_date.isoformat()
    if birth_year is not None:
        filters["birth_year"] = birth_year
    access_log_record(
        actor=actor,
        subject=PERSON_SEARCH_SUBJECT,
        action=AccessAction.SEARCH,
        detail={"filters": filters, "result_count": len(matches)},
    )
    return matches


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def person_duplicate_candidates(
    *, actor: Actor | None, data: Mapping[str, Any]
) -> list[DuplicateCandidate]:
    """Who in the WHOLE registry (not only the actor's scope) may be the person in ``data``
    (the fields of a registration), best first.

    Reasons: the same code (exactly: an omocodic form is another person's code); the same
    names (either order) and birth date; a
    similar name with the same birth date (and place). Twins and homonyms — same names and
    birth date but different valid codici fiscali — are never certain (``different_codes``,
    score below ``PEOPLE_DUPLICATE_THRESHOLD``). For a person outside the actor's scope only the
    score and reasons are returned: no name, no id (someone is registered: ask the PUA).
    Four queries whatever the number of persons.
    """
    require(actor, Permission.PERSON_EDIT)
    assert actor is not None  # require() refuses None
    family = str(data.get("family_names") or "").strip()
    given = str(data.get("given_names") or "").strip()
    birth_date = _as_date(data.get("birth_date"))
    birth_place = normalise(str(data.get("birth_place_code") or ""))
    codes: set[str] = set()
    new_fiscal_codes: set[str] = set()
    for item in data.get("identifiers") or []:
        value = normalise(str(item.get("value") or ""))
        if not value or item.get("kind") == IdentifierKind.TEAM:
            continue  # a TEAM number is unique only with its issuing state: not compared
        codes.add(value)
        report = check_identifier(value)
        if report.kind == IdentifierKind.CF and report.valid:
            new_fiscal_codes.add(value)
    threshold = duplicate_threshold()
    scores: dict[int, tuple[float, list[str]]] = {}
    active = Person.objects.filter(status=PersonStatus.ACTIVE)
    if codes:
        same_code = PersonIdentifier.objects.filter(
            value__in=codes, person__status=PersonStatus.ACTIVE
        ).exclude(kind=IdentifierKind.TEAM)
        for person_id in same_code.values_list("person_id", flat=True):
            scores[person_id] = (1.0, [MatchReason.SAME_CODE])
    if family or given:
        exact = {normalize(f"{family} {given}"), normalize(f"{given} {family}")}
        near = Q(search_name__in=exact)
        if birth_date is not None:
            near |= Q(birth_date=birth_date) & name_candidates_filter(f"{family} {given}")
        rows = active.filter(near).values_list(
            "pk", "family_names", "given_names", "birth_date", "birth_place_code"
        )[:CANDIDATE_CAP]
        for pk, their_family, their_given, their_birth, their_place in rows:
            if pk in scores:
                continue
            sim, crossed = name_similarity(family, given, their_family, their_given)
            swapped = [MatchReason.NAMES_SWAPPED] if crossed else []
            if birth_date is not None and their_birth == birth_date:
                if sim >= 1.0:
                    scores[pk] = (0.95, [MatchReason.SAME_NAME_AND_BIRTH_DATE, *swapped])
                elif sim >= SIMILAR_NAME_MIN and birth_place and their_place == birth_place:
                    scores[pk] = (0.75 + 0.2 * sim, [MatchReason.SIMILAR_NAME_SAME_BIRTH, *swapped])
                elif sim >= SIMILAR_NAME_MIN:
                    scores[pk] = (
                        0.5 + 0.3 * sim,
                        [MatchReason.SIMILAR_NAME_SAME_BIRTH_DATE, *swapped],
                    )
            elif sim >= 1.0:
                scores[pk] = (0.6, [MatchReason.SAME_NAME, *swapped])
    if not scores:
        return []
    if new_fiscal_codes:
        theirs: dict[int, set[str]] = {}
        for person_id, value in PersonIdentifier.objects.filter(
            person_id__in=list(scores), kind=IdentifierKind.CF
        ).values_list("person_id", "value"):
            theirs.setdefault(person_id, set()).add(value)
        for pk, their_codes in theirs.items():
            score, reasons = scores[pk]
            if MatchReason.SAME_CODE not in reasons and not (their_codes & new_fiscal_codes):
                # Twins and homonyms: two valid codici fiscali are two persons — also when one
                # is an omocodic form of the other, which is how the Agenzia delle Entrate tells
                # apart two persons whose data give the same code (DM 23/12/1976).
                capped = min(score, max(threshold - 0.05, 0.0))
                scores[pk] = (capped, [*reasons, MatchReason.DIFFERENT_CODES])
    visible = with_content_visible(actor, scoped(actor, Person.objects.all())).in_bulk(list(scores))
    candidates = [
        DuplicateCandidate(
            score=round(score, 3),
            reasons=reasons,
            visible=pk in visible,
            person=visible.get(pk),
            certain=score >= threshold,
        )
        for pk, (score, reasons) in scores.items()
    ]
    candidates.sort(key=lambda c: (-c.score, c.person is None, getattr(c.person, "pk", 0)))
    return candidates


def person_duplicate_check_access_record(
    *, actor: Actor | None, candidates: list[DuplicateCandidate]
) -> None:
    """Log that the actor was shown the possible duplicates (how many, how many visible)."""
    access_log_record(
        actor=actor,
        subject=PERSON_DUPLICATE_SUBJECT,
        action=AccessAction.SEARCH,
        detail={
            "check": "duplicates",
            "result_count": len(candidates),
            "visible_count": sum(1 for c in candidates if c.visible),
        },
    )
