"""Reads of the person registry: what an identifier says, and the persons an operator may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, get_visible, require, scoped
from integra.core.permissions import Permission
from integra.core.prepared import PreparedQuery
from integra.organizations.search import normalize
from integra.people import gate, matching
from integra.people.access import active_care_relationships, known_persons, mark_concealed
from integra.people.errors import IdentifierError
from integra.people.gate import OrganizationContact
from integra.people.identifiers import (
    CF_LENGTH,
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
    TRIGRAM_CANDIDATE_CAP,
    DuplicateCandidate,
    MatchReason,
    PersonMatch,
    code_prefix,
    duplicate_threshold,
    fiscal_code_forms,
    looks_like_code,
    looks_like_phone,
    name_candidates_filter,
    name_keys,
    name_similarity,
    name_words_filter,
    search_score,
)
from integra.people.models import (
    PERMIT_KINDS,
    CareRelationship,
    ConcealedKind,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    HouseholdMember,
    IseeDeclaration,
    IseeKind,
    Person,
    PersonDocument,
    PersonIdentifier,
    PersonSearchName,
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

    The content is shown only to an actor in ``person_scope`` (the registering organisation, or
    the person's sharing consent in force); an actor who may only know of the person (the PUA,
    or an organisation with the person in charge but without the consent) gets the limited view
    "this person is known, ask this organisation" (``PersonView.limited``), logged as such.
    """
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None  # require() refuses None
    known, readable = gate.person_detail(actor=actor, person_id=person_id)
    if known is None:
        # Not known: the same NotFound (and denial record) as any row outside the scope.
        get_visible(actor, Person, pk=person_id)
        raise NotFound()  # pragma: no cover - get_visible raised
    if readable:
        view = PersonView(person_id=known.pk, person=gate.stamp(known, actor))
        detail = {"view": "anagrafica"}
    else:
        view = PersonView(
            person_id=known.pk,
            person=None,
            contacts=[OrganizationContact.of(known.registered_by)],
            reason=str(_("Manca il consenso alla condivisione")),
        )
        detail = {"view": "limitata"}
    access_log_record(
        actor=actor,
        subject=known,
        action=AccessAction.VIEW,
        detail=detail,
        purpose=purpose,
    )
    return view


def person_list(*, actor: Actor | None, identifier: str = "") -> QuerySet[Person]:
    """The persons the actor may see, by family and given names; ``identifier`` matches one
    code exactly (spaces and case ignored). A record merged into another (an alias) is not
    listed: its codes now belong to the record that was kept, which is."""
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None  # require() refuses None
    related = ("birth_place_municipality", "residence_municipality", "domicile_municipality")
    persons = Person.objects.select_related(*related, "registered_by")
    qs = scoped(actor, persons.filter(status=PersonStatus.ACTIVE))
    code = normalise(identifier)
    if code:
        qs = qs.filter(pk__in=PersonIdentifier.objects.filter(value=code).values("person_id"))
    # Every listed person is readable (the scope): the codes come in the page's statement.
    return gate.with_codes(qs.order_by("family_names", "given_names", "pk"))


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


def consent_form_for_download(
    *, actor: Actor | None, person_id: object, consent_id: object
) -> Consent:
    """The signed form of one consent decision of a person whose record the actor reads;
    ``NotFound`` otherwise (also when the decision has no form). The read is logged."""
    person = person_with_content(actor=actor, person_id=person_id)
    consent = get_visible(actor, _consent_queryset().filter(person=person), pk=consent_id)
    if not consent.evidence_file:
        raise NotFound()
    access_log_record(
        actor=actor, subject=consent, action=AccessAction.VIEW, detail={"view": "modulo_consenso"}
    )
    return consent


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


def _closest_name_candidates(base: QuerySet[Person], text: str) -> QuerySet[Person]:
    """The persons that may match ``text``, closest first, so that the cap read when a common
    name matches thousands are the likeliest ones (not the first by name).

    With ``pg_trgm``: found word by word on the search table (``PersonSearchName.words``, see
    ``matching.name_words_filter``: each query word one edit from a word of the name, in any
    order), ordered by trigram similarity of the whole name. Without it: by keys in common."""
    if matching.trigram_enabled():
        similar = PersonSearchName.objects.filter(name_words_filter(text))
        rows = base.filter(pk__in=similar.values("person_id"))
        words = normalize(text).split()
        closeness: Any = (
            TrigramWordSimilarity(words[0], "search_name")
            if len(words) == 1
            else TrigramSimilarity("search_name", " ".join(words))
        )
    else:
        rows = base.filter(name_candidates_filter(text))
        shared = "SELECT unnest(search_keys) INTERSECT SELECT unnest(%s::varchar[])"
        # The keys go as a query parameter, never into the SQL text.
        closeness = RawSQL(f"cardinality(ARRAY({shared}))", (name_keys(text),))  # noqa: S611
    return rows.annotate(closeness=closeness).order_by("-closeness", "pk")


# A page of search results holds this many persons unless asked otherwise.
SEARCH_PAGE_SIZE = 20
# Persons read by the ways that list without ranking (beginning of a code, phone number): at
# most this many are counted and paged; beyond it the answer says "more than" — at a million
# persons an exact count of a common prefix would cost more than the search.
SEARCH_COUNT_CAP = 1000


@dataclass(frozen=True)
class PersonSearchPage:
    """One page of a search: ``items`` in rank order; ``total`` the persons found (counted up to
    the caps of the ways that found them); ``more`` when some way was cut at its cap, so that
    more persons may match than ``total`` (the operator should narrow the search).

    Pages are cut from one deterministic ranking (score; for equal scores the closer whole name
    by trigrams, as the database ordered the name candidates; then family and given names, id),
    so the same search gives the same pages while the registry does not change."""

    items: list[PersonMatch]
    number: int
    page_size: int
    total: int
    more: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    # What the shared pagination control (includes/pagination.html) asks of a Django ``Page``.
    @property
    def num_pages(self) -> int:
        return self.pages

    @property
    def paginator(self) -> PersonSearchPage:
        return self

    def has_other_pages(self) -> bool:
        return self.pages > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        """Position (from 1) of the first item of the page in the whole ranking."""
        return (self.number - 1) * self.page_size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0


_Found = dict[int, tuple[float, list[str], str, str]]


def _found_add(
    found: _Found, pk: int, score: float, reasons: list[str], family: str, given: str
) -> None:
    """Keep a person's best score; the reasons of every way that found them."""
    if pk in found:
        best, known_reasons, _family, _given = found[pk]
        merged = known_reasons + [r for r in reasons if r not in known_reasons]
        found[pk] = (max(best, score), merged, family, given)
    else:
        found[pk] = (score, list(reasons), family, given)


def _listed_by(found: _Found, persons: QuerySet[Person], score: float, reason: str) -> bool:
    """Add ``persons``, at most ``SEARCH_COUNT_CAP`` in name order; True when there were more."""
    listed = list(
        persons.order_by("family_names", "given_names", "pk").values_list(
            "pk", "family_names", "given_names"
        )[: SEARCH_COUNT_CAP + 1]
    )
    for pk, family, given in listed[:SEARCH_COUNT_CAP]:
        _found_add(found, pk, score, [reason], family, given)
    return len(listed) > SEARCH_COUNT_CAP


def _found_by_code(
    found: _Found,
    actor: Actor,
    code: str,
    birth_date: date | None = None,
    birth_year: int | None = None,
) -> list[int]:
    """Add the persons holding ``code`` (or an omocodic form of it) whose content ``actor``
    reads and who pass the birth filters; return the ids of those ``actor`` may only know of
    and who hold exactly ``code`` (whatever the birth filters: they are never filtered, named
    or scored).

    One index lookup of the code first — no other query when nobody holds it — then the gate's
    verdict on the holders (``gate.holders_verdict``: known, readable; one prepared statement).
    """
    holders = list(
        PersonIdentifier.objects.filter(value__in=fiscal_code_forms(code)).values_list(
            "person_id", "value"
        )
    )
    if not holders:
        return []
    limited: set[int] = set()
    verdicts = gate.holders_verdict(
        actor=actor, person_ids=[person_id for person_id, _value in holders]
    )
    for person, content in verdicts:
        pk = person.pk
        values = {value for person_id, value in holders if person_id == pk}
        born = person.birth_date
        in_filters = (birth_date is None or born == birth_date) and (
            birth_year is None or (born is not None and born.year == birth_year)
        )
        if content and in_filters:
            reason = MatchReason.SAME_CODE if code in values else MatchReason.OMOCODIC_CODE
            _found_add(found, pk, 1.0, [reason], person.family_names, person.given_names)
        elif not content and code in values:
            # Known only in the limited form: the exact code (an omocodic form is another
            # person's code), never with names.
            limited.add(pk)
    return sorted(limited)


# The persons of a page of results, by how many they are (compiled once per count).
_RESULTS_MAX = 100
_RESULTS = PreparedQuery[Person](*(f"person_{n}" for n in range(_RESULTS_MAX)))


def _search_results(ids: list[int]) -> dict[int, Person]:
    """The persons of a page of results with what a result shows (names, sex, birth, codes):
    no joins, the codes in the same statement, prepared."""
    if not ids:
        return {}
    names = [f"person_{n}" for n in range(min(len(ids), _RESULTS_MAX))]

    def build(**values: int) -> QuerySet[Person]:
        return Person.objects.filter(pk__in=[values[name] for name in names]).annotate(
            codes=gate.codes_array(PersonIdentifier.objects.filter(person_id=OuterRef("pk")))
        )

    persons: dict[int, Person] = {}
    for first in range(0, len(ids), _RESULTS_MAX):
        chunk = ids[first : first + _RESULTS_MAX]
        values = {name: chunk[min(n, len(chunk) - 1)] for n, name in enumerate(names)}
        for person in _RESULTS.run(len(names), build, **values):  # type: ignore[arg-type]
            identifiers = gate.codes_from_array(person, person.__dict__.pop("codes", None))
            # What prefetch_related("identifiers") would have left: person.identifiers.all().
            person._prefetched_objects_cache = {"identifiers": identifiers}  # type: ignore[attr-defined]
            persons[person.pk] = person
    return persons


def person_search_page(
    *,
    actor: Actor | None,
    query: str,
    birth_date: date | None = None,
    birth_year: int | None = None,
    page: int = 1,
    page_size: int = SEARCH_PAGE_SIZE,
) -> PersonSearchPage:
    """Persons matching ``query``, best first, one page at a time (a page past the last gives
    the last).

    The ways a query finds a person:

    - a whole code (codice fiscale, also in any omocodic form; provisional; STP; ENI) matches
      exactly;
    - the beginning of a codice fiscale, from ``CODE_PREFIX_MIN`` characters (``RSSMRA80``),
      matches the codes that start with it (score: the share of the code given);
    - a phone number (spaces, dashes, +39 or 0039 ignored) matches the same number;
    - a name tolerates typos, missing accents, apostrophes and swapped given/family names
      (integra/people/matching.py). Six letters may be a name or the start of a code: both.

    ``birth_date`` / ``birth_year`` narrow the results. Every way but the whole code applies
    only within what the actor may read in full (``person_scope``), so neither a score, a
    count nor a filter can confirm anything about anyone else. A whole code also finds a person
    the actor may only know of (the PUA; an organisation with the person in charge without the
    consent): then the match is limited — no names, no score beyond "same code" — says whom to
    contact, and comes after the readable ones. A constant number of queries whatever the
    number of results, and one SEARCH entry in the access log, with the query and the numbers
    of results (no names).
    """
    require(actor, Permission.PERSON_VIEW)
    text = query.strip()
    assert actor is not None  # require() refuses None
    birth = Q()
    if birth_date is not None:
        birth &= Q(birth_date=birth_date)
    if birth_year is not None:
        birth &= Q(birth_date__year=birth_year)
    found: _Found = {}
    closer: dict[int, int] = {}
    limited_ids: list[int] = []
    more = False
    ways: list[str] = []
    by_code = looks_like_code(text)
    phone = looks_like_phone(text)
    prefix = code_prefix(text)
    # Built only by the ways that need it (the scope costs milliseconds of Python to build;
    # a whole code, the commonest search at the desk, does without).
    base = Person.objects.none()
    if not by_code or phone or prefix:
        base = scoped(actor, Person.objects.filter(status=PersonStatus.ACTIVE)).filter(birth)
    if by_code:
        ways.append("code")
        limited_ids = _found_by_code(found, actor, normalise(text), birth_date, birth_year)
    if phone:
        ways.append("phone")
        same_phone = base.filter(search_phone=phone)
        more |= _listed_by(found, same_phone, 1.0, MatchReason.SAME_PHONE)
    if prefix:
        ways.append("code_prefix")
        starting = PersonIdentifier.objects.filter(
            person_id=OuterRef("pk"), value__startswith=prefix
        )
        share = round(len(prefix) / CF_LENGTH, 3)
        more |= _listed_by(found, base.filter(Exists(starting)), share, MatchReason.CODE_PREFIX)
    names_possible = not any(char.isdigit() for char in text)
    if text and not by_code and not phone and (names_possible or not prefix):
        ways.append("name")
        trigram = matching.trigram_enabled()
        cap = TRIGRAM_CANDIDATE_CAP if trigram else CANDIDATE_CAP
        closest = _closest_name_candidates(base, text).values_list(
            "pk", "family_names", "given_names"
        )[:cap]
        candidates = list(closest)
        closer = {pk: position for position, (pk, _family, _given) in enumerate(candidates)}
        passed = False
        for pk, family, given in candidates:
            score, reasons = search_score(text, family_names=family, given_names=given)
            passed = score >= SEARCH_MIN_SCORE
            if passed:
                _found_add(found, pk, score, reasons, family, given)
        # Only the closest ``cap`` were read: when even the least close of them matched, the
        # ones left unread may match as well.
        more |= len(candidates) >= cap and passed
    # Equal scores (homonyms, or one edit each way: "Marjo" is as far from "Mario" as from
    # "Marco") in the order of the whole name's trigram closeness; found by another way first.
    ranked = sorted(
        found.items(),
        key=lambda item: (-item[1][0], closer.get(item[0], -1), item[1][2], item[1][3], item[0]),
    )
    total = len(ranked) + len(limited_ids)
    size = max(page_size, 1)
    number = min(max(page, 1), max(1, -(-total // size)))
    first = (number - 1) * size
    chosen = ranked[first : first + size]
    persons = _search_results([pk for pk, _row in chosen])
    extra = []
    if birth_date is not None:
        extra.append(MatchReason.SAME_BIRTH_DATE)
    if birth_year is not None:
        extra.append(MatchReason.SAME_BIRTH_YEAR)
    matches = [
        PersonMatch(
            person=gate.stamp(persons[pk], actor),
            score=score,
            reasons=reasons + extra,
            person_id=pk,
        )
        for pk, (score, reasons, _family, _given) in chosen
        if pk in persons
    ]
    # The limited matches follow the readable ones in the same ranking.
    limited_first = max(first - len(ranked), 0)
    limited_page = limited_ids[limited_first : limited_first + size - len(chosen)]
    for pk, ref in gate.person_refs(actor, limited_page).items():
        # Known, but without the sharing consent: no names, only whom to contact.
        matches.append(
            PersonMatch(
                person=None,
                score=1.0,
                reasons=[MatchReason.SAME_CODE],
                person_id=pk,
                limited=True,
                contact=ref.contact,
            )
        )
    filters: dict[str, object] = {"query": text, "by": "+".join(ways) or "name"}
    if birth_date is not None:
        filters["birth_date"] = birth_date.isoformat()
    if birth_year is not None:
        filters["birth_year"] = birth_year
    detail: dict[str, object] = {"filters": filters, "result_count": len(matches)}
    if number > 1 or total > len(matches):
        detail.update(page=number, total=total, more=more)
    access_log_record(
        actor=actor,
        subject=PERSON_SEARCH_SUBJECT,
        action=AccessAction.SEARCH,
        detail=detail,
    )
    return PersonSearchPage(items=matches, number=number, page_size=size, total=total, more=more)


def person_search(
    *,
    actor: Actor | None,
    query: str,
    birth_date: date | None = None,
    birth_year: int | None = None,
    limit: int = SEARCH_PAGE_SIZE,
) -> list[PersonMatch]:
    """The first ``limit`` persons of ``person_search_page`` (for pickers that show one list)."""
    return person_search_page(
        actor=actor,
        query=query,
        birth_date=birth_date,
        birth_year=birth_year,
        page=1,
        page_size=max(limit, 0) or 1,
    ).items[: max(limit, 0)]


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
    (the fields of a registration), those the actor may read first, best first.

    Reasons: the same code (exactly: an omocodic form is another person's code); the same
    names (either order) and birth date; a
    similar name with the same birth date (and place). Twins and homonyms — same names and
    birth date but different valid codici fiscali — are never certain (``different_codes``,
    score below ``PEOPLE_DUPLICATE_THRESHOLD``). For a person the actor may not read, neither
    names nor score nor reasons are returned: only whether registration is blocked
    (``certain``) and, for a person the actor may know of, the limited reference.
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
    # Only the candidates the actor may read in full show their names, score and reasons; a
    # person the actor may only know of is named by id with whom to contact; anyone else is
    # "possibly registered already, ask the PUA" — nothing to converge on.
    visible = scoped(actor, _person_queryset()).in_bulk(list(scores))
    refs = gate.person_refs(
        actor,
        known_persons(actor, Person.objects.filter(pk__in=list(scores)))
        .exclude(pk__in=list(visible))
        .values_list("pk", flat=True),
    )
    candidates = [
        DuplicateCandidate(
            score=round(score, 3) if pk in visible else None,
            reasons=reasons if pk in visible else [],
            visible=pk in visible,
            person=gate.stamp(visible[pk], actor) if pk in visible else None,
            certain=score >= threshold,
            ref=refs.get(pk),
        )
        for pk, (score, reasons) in scores.items()
    ]
    candidates.sort(
        key=lambda c: (
            not c.visible,
            -(c.score or 0.0),
            not c.certain,
            getattr(c.person, "pk", 0) or getattr(c.ref, "id", 0),
        )
    )
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


# --- household and caregivers; ISEE -------------------------------------------------------------


def person_with_content(
    *, actor: Actor | None, person_id: object, permission: Permission = Permission.PERSON_VIEW
) -> Person:
    """A person whose content the actor may read (``person_scope``), read through the gate;
    else ``NotFound``: a record shown only in its limited form has no household, no ISEE."""
    return gate.person_full(actor=actor, person_id=person_id, permission=permission)


def household_list(
    *, actor: Actor | None, person_id: object, include_ended: bool = False
) -> QuerySet[HouseholdMember]:
    """The members of a person's household (current ones, or all with ``include_ended``),
    caregivers first; the read is logged (``{"view": "nucleo"}``).

    A registered member is shown through the people gate (``member_ref``): without the right to
    read the member's own record, not even the name (being known to the services is itself
    personal data of that member).
    """
    person = person_with_content(actor=actor, person_id=person_id)
    assert actor is not None  # person_with_content() refuses None
    qs = gate.gated(
        actor,
        scoped(actor, HouseholdMember).filter(person=person).select_related("recorded_by__user"),
        "person",
        "member",
    )
    if not include_ended:
        today = timezone.localdate()
        qs = qs.filter(Q(until__isnull=True) | Q(until__gt=today))
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "nucleo"}
    )
    return qs.order_by("-is_caregiver", "pk")


def isee_history(*, actor: Actor | None, person_id: object) -> list[IseeDeclaration]:
    """Every ISEE declaration of a person, by kind and latest first (a constant number of
    queries); the read is logged (``{"view": "isee"}``)."""
    person = person_with_content(actor=actor, person_id=person_id)
    rows = list(
        scoped(actor, IseeDeclaration)
        .filter(person=person)
        .select_related("person", "recorded_by__user")
        .order_by("kind", "-signed_on", "-pk")
    )
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "isee"}
    )
    return rows


def isee_current_of(
    declarations: list[IseeDeclaration], *, kind: str, on: date | None = None
) -> IseeDeclaration | None:
    """Among ``declarations``, the latest (by signed_on, then id) of ``kind`` valid on ``on``."""
    day = on or timezone.localdate()
    valid = [d for d in declarations if d.kind == kind and d.is_valid_on(day)]
    return max(valid, key=lambda d: (d.signed_on, d.pk), default=None)


def isee_current(*, person: Person, kind: str, on: date | None = None) -> IseeDeclaration | None:
    """The declaration of ``kind`` in force on ``on`` (default today): signed on or before that
    day and still valid, the latest by (signed_on, id). ``person`` must already have been read
    through the access policy (this is for other domains' services). One query."""
    day = on or timezone.localdate()
    return (
        IseeDeclaration.objects.filter(
            person=person, kind=kind, signed_on__lte=day, valid_until__gte=day
        )
        .order_by("-signed_on", "-pk")
        .first()
    )


def isee_current_by_kind(
    declarations: list[IseeDeclaration], *, on: date | None = None
) -> list[tuple[IseeKind, IseeDeclaration | None]]:
    """For each kind (in the order of ``IseeKind``), the declaration in force on ``on``."""
    return [(kind, isee_current_of(declarations, kind=kind, on=on)) for kind in IseeKind]


# --- documents ---------------------------------------------------------------------------------

PERMITS_EXPIRING_SUBJECT = ("people.persondocument", "", "Permessi di soggiorno in scadenza")
PERMITS_EXPIRING_DAYS = 60


def _document_queryset() -> QuerySet[PersonDocument]:
    return PersonDocument.objects.select_related("person", "uploaded_by__user").order_by(
        "kind", "-expires_on", "-pk"
    )


def documents_of(*, actor: Actor | None, person_id: object) -> list[PersonDocument]:
    """The documents of a person (constant number of queries); the read is logged."""
    person = person_with_content(actor=actor, person_id=person_id)
    rows = mark_concealed(
        ConcealedKind.DOCUMENT, list(scoped(actor, _document_queryset()).filter(person=person))
    )
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "documenti"}
    )
    return rows


def document_for_download(
    *, actor: Actor | None, person_id: object, document_id: object
) -> PersonDocument:
    """One document with a file, for download by an actor who may see the person's content;
    ``NotFound`` otherwise (also when the document has no file). The read is logged."""
    person = person_with_content(actor=actor, person_id=person_id)
    document = get_visible(actor, _document_queryset().filter(person=person), pk=document_id)
    if not document.file:
        raise NotFound()
    access_log_record(
        actor=actor, subject=document, action=AccessAction.VIEW, detail={"view": "documento"}
    )
    return document


def permits_expiring(
    *, actor: Actor | None, within_days: int = PERMITS_EXPIRING_DAYS, today: date | None = None
) -> QuerySet[PersonDocument]:
    """Residence permits (and receipts) expiring from ``today`` to ``today + within_days``
    included, of the persons the actor's organisation has in charge and whose content the actor
    may see; by expiry date. The number of queries does not grow with the rows."""
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None  # require() refuses None
    day = today or timezone.localdate()
    if actor.organization_id is None:
        return PersonDocument.objects.none()
    in_charge = active_care_relationships(today=day).filter(organization_id=actor.organization_id)
    persons = scoped(actor, Person.objects.all()).filter(pk__in=in_charge.values("person_id"))
    return (
        scoped(actor, PersonDocument.objects.select_related("person"))
        .filter(
            person__in=persons.values("pk"),
            kind__in=[k.value for k in PERMIT_KINDS],
            expires_on__gte=day,
            expires_on__lte=day + timedelta(days=within_days),
        )
        .order_by("expires_on", "person__family_names", "pk")
    )


def permits_expiring_access_record(*, actor: Actor | None, within_days: int) -> None:
    """Log that the actor listed the permits expiring."""
    access_log_record(
        actor=actor,
        subject=PERMITS_EXPIRING_SUBJECT,
        action=AccessAction.LIST,
        detail={"filters": {"within_days": within_days}},
    )


# --- pages of the registry (integra/people/views.py) -------------------------------------------


def person_for_tab(*, actor: Actor | None, person_id: object) -> Person:
    """The person shown above a tab of the person's page (documents, household, ISEE, consents,
    history): content readable by the actor, else ``NotFound``; identifiers prefetched. Not
    logged here: the tab's own selector logs the read of the person."""
    return gate.person_full(actor=actor, person_id=person_id, queryset=_person_queryset())
