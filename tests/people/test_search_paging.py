"""Search by pages, by phone number and by the beginning of a codice fiscale
(integra/people/selectors.py: person_search_page; integra/people/matching.py).

Expected values worked by hand:

- 23 persons "Rossi <given>" and a query "Rossi": every one scores 1.0 (the word "rossi" is
  one of theirs), so the ranking is by given name; at 20 a page, page 1 holds the first 20
  given names in order and page 2 the last 3 — 23 found, 2 pages.
- Phone numbers: "+39 333 123 4567", "0039-333-1234567" and "333.123.4567" are all
  3331234567 once the +39 / 0039 written at the start and every non-digit are dropped; a
  mobile number beginning with 393 (a TIM prefix) keeps its 39: "393 1234567" is 3931234567.
- Codes: RSSMRA80A01H501U (Rossi Mario, 1 January 1980, Rome; DM 23/12/1976) and
  RSSMRA85T10A562S (Rossi Mario, 10 December 1985, San Giuliano Terme) share "RSSMRA8"; the
  beginning "RSSMRA80" is 8 of the 16 characters: score 8 / 16 = 0.5.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integra.audit.models import AccessAction, AccessLog
from integra.core.permissions import Role
from integra.people import selectors
from integra.people.identifiers import fiscal_code_check_character
from integra.people.matching import MatchReason, code_prefix, looks_like_phone, phone_digits
from integra.people.models import Person
from integra.people.selectors import person_search, person_search_page
from tests.people import test_search
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db

# The fixtures of the search tests: both candidate paths, a PUA operator of organisation A.
path = test_search.path
pua = test_search.pua
bearer = test_search.bearer

ROSSI_80 = "RSSMRA80A01H501U"
ROSSI_85 = "RSSMRA85T10A562" + fiscal_code_check_character("RSSMRA85T10A562")
GIVEN = [f"{chr(ord('A') + n)}lberto" for n in range(23)]  # Alberto, Blberto, … Wlberto


def person(family: str, given: str, **kwargs) -> Person:
    """A person registered elsewhere, readable by the PUA thanks to the sharing consent."""
    made = PersonFactory(family_names=family, given_names=given, **kwargs)
    made.save()
    ConsentFactory(person=made)
    return made


def names(matches) -> list[str]:
    return [m.person.given_names for m in matches]


@pytest.fixture
def rossi23(db) -> list[Person]:
    made = [person("Rossi", given) for given in GIVEN]
    person("Bianchi", "Alberto")  # not a Rossi: never counted
    return made


# --- pure functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("+39 333 123 4567", "3331234567"),
        ("0039-333-1234567", "3331234567"),
        ("333.123.4567", "3331234567"),
        ("(02) 1234 5678", "0212345678"),
        ("393 1234567", "3931234567"),
    ],
)
def test_phone_digits(written: str, digits: str) -> None:
    assert phone_digits(written) == digits
    assert looks_like_phone(written) == digits


@pytest.mark.parametrize("query", ["12345", "Rossi 333", "333 abc 4567", "+39 12"])
def test_not_a_phone_number(query: str) -> None:
    assert looks_like_phone(query) == ""


@pytest.mark.parametrize(
    ("query", "prefix"),
    [
        ("rss mra", "RSSMRA"),
        ("RSSMRA80A", "RSSMRA80A"),
        ("RSSMRAU0A", "RSSMRAU0A"),  # omocodic letter in a numeric position
        ("RSSMR", ""),  # five characters: too short
        ("RSSMRA80Z", ""),  # Z is no month
        ("RSSMR180", ""),  # a digit among the letters of the names
        (ROSSI_80, ""),  # a whole code is looked up exactly, not as a beginning
    ],
)
def test_code_prefix(query: str, prefix: str) -> None:
    assert code_prefix(query) == prefix


# --- paging -----------------------------------------------------------------------------------


def test_twenty_three_rossi_in_two_pages(path, pua, rossi23) -> None:
    first = person_search_page(actor=pua, query="Rossi")
    assert (first.total, first.pages, first.more, first.number) == (23, 2, False, 1)
    assert names(first.items) == GIVEN[:20]
    assert (first.start_index, first.end_index, first.has_next) == (1, 20, True)
    second = person_search_page(actor=pua, query="Rossi", page=2)
    assert names(second.items) == ["Ulberto", "Vlberto", "Wlberto"]
    assert (second.start_index, second.end_index, second.has_next) == (21, 23, False)
    # Past the last page: the last page.
    assert names(person_search_page(actor=pua, query="Rossi", page=9).items) == GIVEN[20:]
    logs = list(AccessLog.objects.filter(action=AccessAction.SEARCH).order_by("pk"))
    assert [
        (log.detail["result_count"], log.detail["page"], log.detail["total"]) for log in logs
    ] == [(20, 1, 23), (3, 2, 23), (3, 2, 23)]


def test_a_page_costs_the_same_queries_whatever_the_rows(
    path, pua, rossi23, django_assert_max_num_queries
) -> None:
    person_search_page(actor=pua, query="Rossi")  # warm the extension cache
    # candidates, persons, identifiers; 5 for the access log; 3 for pg_trgm's local threshold.
    with django_assert_max_num_queries(11):
        assert len(person_search_page(actor=pua, query="Rossi", page=2).items) == 3
    for given in GIVEN:
        person("Rossi", given + "o")
    with django_assert_max_num_queries(11):
        found = person_search_page(actor=pua, query="Rossi", page=2, page_size=20)
    assert (found.total, len(found.items)) == (46, 20)


def test_cut_candidates_say_there_are_more(path, pua, rossi23, monkeypatch) -> None:
    """The name search ranks at most the closest candidates (CANDIDATE_CAP): when the cap is
    reached, the answer says more may exist. Cap forced to 10 of the 23 Rossi."""
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 10)
    monkeypatch.setattr(selectors, "TRIGRAM_CANDIDATE_CAP", 10)
    found = person_search_page(actor=pua, query="Rossi")
    assert (found.total, found.more, len(found.items)) == (10, True, 10)


def test_a_listing_way_counts_up_to_its_cap(pua, monkeypatch) -> None:
    """Seven persons share a phone; with the count capped at 5, five are listed (in name
    order) and the answer says there are more."""
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 5)
    for given in reversed(GIVEN[:7]):
        person("Verdi", given, phone="02 1234 5678")
    found = person_search_page(actor=pua, query="+39 02 12345678", page_size=3)
    assert (found.total, found.more, found.pages) == (5, True, 2)
    assert names(found.items) == GIVEN[:3]
    assert (
        names(person_search_page(actor=pua, query="0212345678", page=2, page_size=3).items)
        == (GIVEN[3:5])
    )


# --- phone and beginning of the code ------------------------------------------------------------


def test_search_by_phone_number_normalised(pua) -> None:
    anna = person("Bianchi", "Anna", phone="+39 333 123 4567")
    person("Bianchi", "Bruna", phone="333 123 4568")
    assert Person.objects.get(pk=anna.pk).search_phone == "3331234567"
    for query in ("333 1234567", "333-123-4567", "0039 3331234567", "+393331234567"):
        (match,) = person_search(actor=pua, query=query)
        assert (match.person.pk, match.score, match.reasons) == (
            anna.pk,
            1.0,
            [MatchReason.SAME_PHONE],
        )
    log = AccessLog.objects.filter(action=AccessAction.SEARCH).latest("pk")
    assert log.detail["filters"] == {"query": "+393331234567", "by": "phone"}


def test_search_by_the_beginning_of_a_codice_fiscale(pua) -> None:
    mario80 = person("Rossi", "Mario")
    PersonIdentifierFactory(person=mario80, value=ROSSI_80)
    mario85 = person("Rossi", "Mario")
    PersonIdentifierFactory(person=mario85, value=ROSSI_85)
    other = person("Verdi", "Mario")
    PersonIdentifierFactory(person=other, value="VRDMRA80A01H501" + "X")
    (match,) = person_search(actor=pua, query="rssmra 80")
    assert (match.person.pk, match.score, match.reasons) == (
        mario80.pk,
        0.5,
        [MatchReason.CODE_PREFIX],
    )
    both = person_search(actor=pua, query="RSSMRA8")
    assert sorted(m.person.pk for m in both) == sorted([mario80.pk, mario85.pk])
    assert person_search(actor=pua, query="RSSMR") == []  # five characters: a name, not found


def test_six_letters_are_a_name_and_the_beginning_of_a_code(pua) -> None:
    """ "Romano" is a family name and a possible beginning of a code: both ways search."""
    romano = person("Romano", "Anna")
    coded = person("Verdi", "Luca")
    PersonIdentifierFactory(person=coded, value="ROMANO80A01H501" + "X")
    found = person_search(actor=pua, query="Romano")
    assert [m.person.pk for m in found] == [romano.pk, coded.pk]
    assert [m.reasons for m in found] == [[MatchReason.NAME_EXACT], [MatchReason.CODE_PREFIX]]
    log = AccessLog.objects.filter(action=AccessAction.SEARCH).latest("pk")
    assert log.detail["filters"]["by"] == "code_prefix+name"


def test_limited_persons_are_found_only_by_the_whole_code(org_a, org_b, make_actor) -> None:
    """A person the PUA may only know of (registered elsewhere, no sharing consent) is found
    by the exact code only: not by its beginning, its phone number or its name — none of them
    may confirm anything about a record the operator cannot read (tests/security/test_oracles)."""
    holder = PersonFactory(
        family_names="Neri", given_names="Ada", registered_by=org_b, phone="347 000 1111"
    )
    PersonIdentifierFactory(person=holder, value=ROSSI_80)
    operator = make_actor(org_a, Role.PUA_OPERATOR)
    for query in ("RSSMRA80A", "347 0001111", "Neri Ada"):
        found = person_search_page(actor=operator, query=query)
        assert (found.items, found.total, found.more) == ([], 0, False), query
    (match,) = person_search(actor=operator, query=ROSSI_80)
    assert match.limited and match.person is None and match.person_id == holder.pk
    # A worker of org A with the person in charge but without the consent: the same.
    CareRelationshipFactory(person=holder, organization=org_a)
    worker = make_actor(org_a, Role.SOCIAL_WORKER)
    assert person_search_page(actor=worker, query="347-000-1111").total == 0
    (match,) = person_search(actor=worker, query=ROSSI_80)
    assert match.limited


def test_limited_matches_follow_the_readable_ones_across_pages(org_a, org_b, make_actor) -> None:
    """A code held in readable form by one person and in limited form by none other is rare;
    the limited tail is paged after the readable ones: one readable, one limited, a page of 1."""
    readable = person("Rossi", "Mario")
    PersonIdentifierFactory(person=readable, value=ROSSI_80)
    hidden = PersonFactory(registered_by=org_b)
    PersonIdentifierFactory(person=hidden, value=ROSSI_85)
    operator = make_actor(org_a, Role.PUA_OPERATOR)
    assert person_search_page(actor=operator, query=ROSSI_80, page_size=1).total == 1
    limited = person_search_page(actor=operator, query=ROSSI_85, page_size=1)
    assert (limited.total, [m.person_id for m in limited.items]) == (1, [hidden.pk])


# --- page and API -------------------------------------------------------------------------------


def test_search_page_shows_the_total_and_pages(client: Client, org_a, make_membership, rossi23):
    client.force_login(make_membership(org_a, Role.PUA_OPERATOR).user)
    url = reverse("people:search")
    first = client.get(url, {"q": "Rossi"}).content.decode()
    assert "23 persone trovate" in first
    assert "Risultati da 1 a 20" in first and "Pagina 1 di 2" in first
    assert "Tlberto" in first and "Ulberto" not in first
    second = client.get(url, {"q": "Rossi", "pagina": "2"}).content.decode()
    assert "Risultati da 21 a 23" in second and "Pagina 2 di 2" in second
    assert "Wlberto" in second and "Alberto" not in second
    # A page number that is no number is the first page.
    assert "Risultati da 1 a 20" in client.get(url, {"q": "Rossi", "pagina": "x"}).content.decode()


def test_search_page_says_when_there_are_more(
    client: Client, org_a, make_membership, rossi23, monkeypatch
) -> None:
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 10)
    monkeypatch.setattr(selectors, "TRIGRAM_CANDIDATE_CAP", 10)
    client.force_login(make_membership(org_a, Role.PUA_OPERATOR).user)
    page = client.get(reverse("people:search"), {"q": "Rossi"}).content.decode()
    assert "Più di 10 risultati: affina la ricerca" in page


def test_api_search_pages(client: Client, org_a, make_membership, rossi23) -> None:
    headers = bearer(make_membership(org_a, Role.PUA_OPERATOR))
    body = client.get("/api/v1/persons/search", {"q": "Rossi"}, **headers).json()
    assert {k: body[k] for k in ("count", "total", "more", "page", "pages", "has_next")} == {
        "count": 20,
        "total": 23,
        "more": False,
        "page": 1,
        "pages": 2,
        "has_next": True,
    }
    second = client.get("/api/v1/persons/search", {"q": "Rossi", "page": 2}, **headers).json()
    assert [item["person"]["given_names"] for item in second["items"]] == GIVEN[20:]
    assert (second["count"], second["has_next"]) == (3, False)
    refused = client.get("/api/v1/persons/search", {"q": "Rossi", "page": 0}, **headers)
    assert refused.status_code == 422


def test_api_search_by_phone(client: Client, org_a, make_membership) -> None:
    anna = person("Bianchi", "Anna", phone="+39 333 123 4567", birth_date=date(1950, 3, 1))
    headers = bearer(make_membership(org_a, Role.PUA_OPERATOR))
    body = client.get("/api/v1/persons/search", {"q": "333-1234567"}, **headers).json()
    assert [(i["person_id"], i["reasons"]) for i in body["items"]] == [(anna.pk, ["same_phone"])]


def test_cut_candidates_that_stop_matching_do_not_say_more(path, pua, monkeypatch) -> None:
    """Ten candidates read (the cap), the closest first: the 3 Rossi match, the 7 "Rossini
    Ugo" do not ("rossi" vs "rossini": 2 letters of 7 → 0.714 < 0.75), so nothing matching was
    left unread — 3 found, no "more"."""
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 10)
    monkeypatch.setattr(selectors, "TRIGRAM_CANDIDATE_CAP", 10)
    for given in GIVEN[:3]:
        person("Rossi", given)
    for _ in range(12):
        person("Rossini", "Ugo")
    found = person_search_page(actor=pua, query="Rossi")
    assert (found.total, found.more) == (3, False)


# --- codes: one index lookup first; results hydrated in one query -------------------------------


def _registry_queries(captured) -> list[str]:
    """The queries of a search that read the registry (not the access log's)."""
    return [q["sql"] for q in captured if "people_" in q["sql"]]


def test_a_code_nobody_holds_costs_one_index_lookup(pua) -> None:
    person("Rossi", "Mario")
    with CaptureQueriesContext(connection) as captured:
        assert person_search_page(actor=pua, query=ROSSI_80).items == []
    (lookup,) = _registry_queries(captured.captured_queries)
    assert 'FROM "people_personidentifier"' in lookup and 'people_person"' not in lookup


def test_a_code_found_costs_three_registry_queries(pua) -> None:
    """The lookup, the gate's verdict on the holders, the page's persons with their codes."""
    mario = person("Rossi", "Mario")
    PersonIdentifierFactory(person=mario, value=ROSSI_80)
    PersonIdentifierFactory(
        person=mario,
        kind="team",
        value="80380000123456789012",
        is_primary=False,
        issuing_country="IT",
        valid_until=date(2031, 5, 31),
    )
    with CaptureQueriesContext(connection) as captured:
        (match,) = person_search(actor=pua, query=ROSSI_80)
    assert len(_registry_queries(captured.captured_queries)) == 3
    # The codes as prefetch_related would give them: the main one first, typed values.
    codes = [(c.value, c.valid_until, c.is_primary) for c in match.person.identifiers.all()]
    assert codes == [(ROSSI_80, None, True), ("80380000123456789012", date(2031, 5, 31), False)]


def test_birth_filters_drop_a_readable_holder_but_never_turn_it_limited(
    org_a, org_b, make_actor
) -> None:
    """Born on 1 January 1980: a search for the code with birth year 1985 finds no readable
    record — and does not show the readable holder as "limited" either; a holder the operator
    may only know of is limited whatever the birth filters (they are never applied to it)."""
    readable = person("Rossi", "Mario", birth_date=date(1980, 1, 1))
    PersonIdentifierFactory(person=readable, value=ROSSI_80)
    hidden = PersonFactory(registered_by=org_b, birth_date=date(1985, 12, 10))
    PersonIdentifierFactory(person=hidden, value=ROSSI_85)
    operator = make_actor(org_a, Role.PUA_OPERATOR)
    assert person_search_page(actor=operator, query=ROSSI_80, birth_year=1985).items == []
    (match,) = person_search_page(actor=operator, query=ROSSI_80, birth_year=1980).items
    assert (match.person_id, match.limited) == (readable.pk, False)
    (match,) = person_search_page(actor=operator, query=ROSSI_85, birth_year=1980).items
    assert (match.person_id, match.limited) == (hidden.pk, True)
