"""Search of the registry and duplicate detection (integra/people/matching.py, selectors.py).

Scores worked by hand with the optimal string alignment distance d and
similarity = 1 - d / length of the longer string (names normalised: accents and case folded,
apostrophes as spaces — integra.organizations.search.normalize):

- "rosi" vs "rossi": one deletion, d = 1, longer = 5 → 0.8;
- "guiseppe" vs "giuseppe": one swap of adjacent letters (ui/iu), d = 1, longer = 8 → 0.875;
- query "Rossi Guiseppe" vs Rossi Giuseppe: per word, weighted by length,
  (5 × 1 + 8 × 0.875) / 13 = 12 / 13 = 0.923; the whole string "rossiguiseppe" vs
  "rossigiuseppe" is also d = 1 over 13 → 0.923;
- "Nicolo" = "Nicolò", "DANGELO" = "D'Angelo" = "D Angelo" (particle joined): 1.0.

Codes (DM 23/12/1976 n. 13813): RSSMRA80A01H501U = Rossi Mario, 01/01/1980, Rome. Its first
omocodic form replaces the rightmost digit (position 15, "1") with M (OMOCODIA_LETTERS[1]);
position 15 is odd, where "1" is worth 0 (as B) and "M" 18, so the check total grows by 18:
U (20) + 18 = 38 ≡ 12 (mod 26) = M → RSSMRA80A01H50MM.
"""

from __future__ import annotations

import importlib
import os
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.audit.models import AccessAction, AccessLog
from integra.core.access import PermissionRequired
from integra.core.permissions import Role
from integra.organizations.search import extension_installed
from integra.people import matching
from integra.people.matching import (
    MatchReason,
    PossibleDuplicate,
    name_keys,
    osa_distance,
    search_score,
    similarity,
)
from integra.people.models import Person
from integra.people.selectors import person_duplicate_candidates, person_search
from integra.people.services import person_create, person_update
from tests.db_roles import acting_as_owner
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db

ROSSI = "RSSMRA80A01H501U"
ROSSI_OMOCODIC = "RSSMRA80A01H50MM"
PATHS = ["trigram", "portable"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch) -> str:
    """Run the test on both candidate paths (the CI server has pg_trgm; force each one)."""
    if request.param == "trigram" and not extension_installed("pg_trgm"):
        if os.environ.get("CI"):
            pytest.fail("pg_trgm is expected on the CI server (migration 0002 installs it)")
        # The embedded PostgreSQL of `make test` has no pg_trgm: this run takes the portable
        # path as well, which is what the product does there.
        monkeypatch.setattr(matching, "trigram_enabled", lambda: False)
        return "portable"
    monkeypatch.setattr(matching, "trigram_enabled", lambda: request.param == "trigram")
    return request.param


@pytest.fixture
def pua(org_a, make_actor):
    return make_actor(org_a, Role.PUA_OPERATOR)


def person(family: str, given: str, born: date | None = date(1980, 1, 1), **kwargs) -> Person:
    made = PersonFactory(family_names=family, given_names=given, birth_date=born, **kwargs)
    made.save()  # the factory sets search_name; save() keeps search_keys in step
    # Searches here are made by a PUA of another organisation: with the person's consent to
    # sharing, the results show the record (without it they are limited, tested below).
    ConsentFactory(person=made)
    return made


def found(matches) -> list[tuple[str, str, float]]:
    return [(m.person.family_names, m.person.given_names, m.score) for m in matches]


# --- pure functions ---------------------------------------------------------------------------


def test_distance_counts_a_swap_as_one() -> None:
    assert osa_distance("giuseppe", "guiseppe") == 1
    assert osa_distance("rossi", "rosi") == 1
    assert osa_distance("", "abc") == 3
    assert similarity("rosi", "rossi") == 0.8


def _osa_reference(a: str, b: str) -> int:
    """The textbook optimal string alignment (the dynamic programme the module used before
    rapidfuzz): the second implementation the library is checked against."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


@hypothesis_settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="abcdeor ", max_size=12), st.text(alphabet="abcdeor ", max_size=12))
def test_distance_is_the_textbook_optimal_string_alignment(a: str, b: str) -> None:
    # A small alphabet, so that repeated letters and adjacent swaps are frequent; OSA (not
    # unrestricted Damerau): "ca" → "abc" is 3, not 2.
    assert osa_distance(a, b) == _osa_reference(a, b)
    assert osa_distance("ca", "abc") == _osa_reference("ca", "abc") == 3


def test_keys_are_first_and_last_three_letters_with_particles_joined() -> None:
    # words: d, angelo, maria; joined: dangelo; pairs: dangelo, angelomaria.
    assert name_keys("D'Angelo", "Maria") == [
        "-elo",
        "-ria",
        "ang",
        "dan",
        "mar",
    ]


def test_search_score_for_typos_and_swapped_names() -> None:
    assert search_score("Rosi", family_names="Rossi", given_names="Mario") == (
        0.8,
        [MatchReason.NAME_SIMILAR],
    )
    assert search_score("Rossi Guiseppe", family_names="Rossi", given_names="Giuseppe") == (
        0.923,
        [MatchReason.NAME_SIMILAR],
    )
    assert search_score("Nicolo Bianchi", family_names="Bianchi", given_names="Nicolò") == (
        1.0,
        [MatchReason.NAME_EXACT, MatchReason.NAMES_SWAPPED],
    )


# --- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Rosi", [("Rossi", "Giuseppe", 0.8)]),
        ("Rossi Guiseppe", [("Rossi", "Giuseppe", 0.923)]),
        ("Guiseppe Rossi", [("Rossi", "Giuseppe", 0.923)]),
        ("nicolo bianchi", [("Bianchi", "Nicolò", 1.0)]),
        ("DANGELO", [("D'Angelo", "Maria", 1.0)]),
        ("D Angelo", [("D'Angelo", "Maria", 1.0)]),
        ("d'angelo maria", [("D'Angelo", "Maria", 1.0)]),
    ],
)
def test_search_by_name_tolerates_typos_accents_apostrophes(path, pua, query, expected) -> None:
    person("Rossi", "Giuseppe")
    person("Bianchi", "Nicolò")
    person("D'Angelo", "Maria")
    person("Verdi", "Anna")
    assert found(person_search(actor=pua, query=query)) == expected


def test_search_ranks_the_closest_first(path, pua) -> None:
    person("Rosi", "Mario")
    person("Rossi", "Mario")
    # "rossi mario" is exact for Rossi (1.0); Rosi Mario: "rossimario" vs "rosimario", d = 1
    # over 10 → 0.9.
    assert found(person_search(actor=pua, query="Rossi Mario")) == [
        ("Rossi", "Mario", 1.0),
        ("Rosi", "Mario", 0.9),
    ]


def test_search_narrowed_by_birth_year_and_date(path, pua) -> None:
    person("Rossi", "Mario", date(1980, 1, 1))
    person("Rossi", "Mario", date(1975, 6, 2))
    person("Rossi", "Mario", None)
    by_year = person_search(actor=pua, query="Rossi Mario", birth_year=1975)
    assert [m.person.birth_date for m in by_year] == [date(1975, 6, 2)]
    assert by_year[0].reasons == [MatchReason.NAME_EXACT, MatchReason.SAME_BIRTH_YEAR]
    by_date = person_search(actor=pua, query="Rossi Mario", birth_date=date(1980, 1, 1))
    assert [m.person.birth_date for m in by_date] == [date(1980, 1, 1)]
    assert len(person_search(actor=pua, query="Rossi Mario")) == 3


def test_search_by_codice_fiscale_exact_and_omocodic(pua) -> None:
    rossi = person("Rossi", "Mario")
    PersonIdentifierFactory(person=rossi, value=ROSSI)
    person("Rossi", "Marco")
    exact = person_search(actor=pua, query="rss mra 80a01 h501u")
    assert [(m.person.pk, m.score, m.reasons) for m in exact] == [
        (rossi.pk, 1.0, [MatchReason.SAME_CODE])
    ]
    omocodic = person_search(actor=pua, query=ROSSI_OMOCODIC)
    assert [(m.person.pk, m.reasons) for m in omocodic] == [(rossi.pk, [MatchReason.OMOCODIC_CODE])]


def test_search_by_stored_omocodic_code_finds_it_from_the_base_code(pua) -> None:
    homonym = person("Rossi", "Mario")
    PersonIdentifierFactory(person=homonym, value=ROSSI_OMOCODIC)
    assert [m.person.pk for m in person_search(actor=pua, query=ROSSI)] == [homonym.pk]


def test_search_by_stp_code(pua) -> None:
    """STP0301230000001: STP, Lombardy (030), issuer 123 (circolare Min. Salute 19/2/2008)."""
    foreign = person("Popescu", "Ion")
    PersonIdentifierFactory(person=foreign, kind="stp", value="STP0301230000001")
    assert [m.person.pk for m in person_search(actor=pua, query="stp 030 123 0000001")] == [
        foreign.pk
    ]


def test_search_never_returns_or_counts_an_invisible_person(path, org_a, org_b, make_actor):
    worker = make_actor(org_a, Role.SOCIAL_WORKER)
    mine = person("Rossi", "Mario")
    CareRelationshipFactory(person=mine, organization=org_a)
    theirs = person("Rossi", "Mario")
    CareRelationshipFactory(person=theirs, organization=org_b)
    PersonIdentifierFactory(person=theirs, value=ROSSI)
    assert [m.person.pk for m in person_search(actor=worker, query="Rossi Mario")] == [mine.pk]
    assert person_search(actor=worker, query=ROSSI) == []
    logs = list(AccessLog.objects.filter(action=AccessAction.SEARCH).order_by("pk"))
    assert [log.detail["result_count"] for log in logs] == [1, 0]
    assert logs[0].detail["filters"] == {"query": "Rossi Mario", "by": "name"}
    assert "Mario" not in str(logs[1].detail)


def test_search_query_count_does_not_grow(path, pua, django_assert_max_num_queries) -> None:
    for n in range(3):
        PersonIdentifierFactory(person=person("Rossi", f"Mario{n}"))
    person_search(actor=pua, query="Rossi")  # warm the extension cache
    # 3 reads (candidates, persons, identifiers) + 5 for the hash-chained access log entry, on
    # both paths (the word search sets no threshold: no savepoint).
    with django_assert_max_num_queries(8):
        assert len(person_search(actor=pua, query="Rossi")) == 3
    for n in range(3, 30):
        PersonIdentifierFactory(person=person("Rossi", f"Mario{n}"))
    with django_assert_max_num_queries(8):
        assert len(person_search(actor=pua, query="Rossi", limit=50)) == 30


def test_search_needs_person_view(org_a, make_actor) -> None:
    """The planning coordinator has no PERSON_VIEW (role table in integra/core/permissions.py)."""
    with pytest.raises(PermissionRequired):
        person_search(actor=make_actor(org_a, Role.PLANNING_COORDINATOR), query="Rossi")


def test_keys_follow_a_change_of_name(pua) -> None:
    renamed, _warnings = person_create(
        actor=pua, data={"family_names": "Rossi", "given_names": "Ada"}
    )
    person_update(
        expected_version=None, actor=pua, person_id=renamed.pk, data={"family_names": "Esposito"}
    )
    renamed.refresh_from_db()
    assert renamed.search_keys == ["-ada", "-ito", "ada", "esp"]
    # "Espositto": one insertion over 10 letters → 0.9 for the word, the keys "esp" in common.
    assert [m.person.pk for m in person_search(actor=pua, query="Espositto")] == [renamed.pk]


# --- duplicates -------------------------------------------------------------------------------


def rossi_data(**extra):
    return {
        "family_names": "Rossi",
        "given_names": "Mario",
        "birth_date": date(1980, 1, 1),
        "birth_place_code": "H501",
        **extra,
    }


def test_duplicate_by_same_code_is_certain(pua) -> None:
    existing = person("Bianchi", "Luca")
    PersonIdentifierFactory(person=existing, value=ROSSI)
    [candidate] = person_duplicate_candidates(
        actor=pua, data=rossi_data(identifiers=[{"value": ROSSI}])
    )
    assert (candidate.score, candidate.reasons, candidate.certain) == (
        1.0,
        [MatchReason.SAME_CODE],
        True,
    )
    assert candidate.person.pk == existing.pk


def test_duplicate_by_same_names_and_birth_date_even_swapped(pua) -> None:
    existing = person("Mario", "Rossi")  # names entered the wrong way round
    [candidate] = person_duplicate_candidates(actor=pua, data=rossi_data())
    assert (candidate.score, candidate.certain, candidate.person.pk) == (0.95, True, existing.pk)
    assert candidate.reasons == [MatchReason.SAME_NAME_AND_BIRTH_DATE, MatchReason.NAMES_SWAPPED]


def test_similar_name_with_same_birth_date_and_place(pua) -> None:
    person("Rosi", "Mario", birth_place_code="H501")
    person("Rosi", "Mario", date(1980, 1, 2), birth_place_code="H501")
    [candidate] = person_duplicate_candidates(actor=pua, data=rossi_data())
    # family 0.8, given 1.0 → 0.9; 0.75 + 0.2 × 0.9 = 0.93.
    assert (candidate.score, candidate.reasons) == (0.93, [MatchReason.SIMILAR_NAME_SAME_BIRTH])
    assert candidate.certain is True


def test_same_name_without_birth_date_is_only_a_hint(pua) -> None:
    person("Rossi", "Mario", None)
    [candidate] = person_duplicate_candidates(actor=pua, data=rossi_data(birth_date=None))
    assert (candidate.score, candidate.reasons, candidate.certain) == (
        0.6,
        [MatchReason.SAME_NAME],
        False,
    )


def test_homonyms_with_different_codes_are_never_certain(pua) -> None:
    """Same names, same birth date and place, two valid codes: the omocodic one is how the
    Agenzia delle Entrate tells two such persons apart (DM 23/12/1976)."""
    existing = person("Rossi", "Mario", birth_place_code="H501")
    PersonIdentifierFactory(person=existing, value=ROSSI)
    [candidate] = person_duplicate_candidates(
        actor=pua, data=rossi_data(identifiers=[{"value": ROSSI_OMOCODIC}])
    )
    # 0.95 capped at threshold 0.85 - 0.05.
    assert candidate.score == 0.8
    assert candidate.reasons == [
        MatchReason.SAME_NAME_AND_BIRTH_DATE,
        MatchReason.DIFFERENT_CODES,
    ]
    assert candidate.certain is False


def test_threshold_from_settings(pua, settings) -> None:
    person("Rossi", "Mario", None)
    settings.PEOPLE_DUPLICATE_THRESHOLD = 0.5
    [candidate] = person_duplicate_candidates(actor=pua, data=rossi_data(birth_date=None))
    assert candidate.certain is True  # 0.6 ≥ 0.5


def test_duplicates_cover_the_whole_registry_but_hide_who(org_a, org_b, make_actor) -> None:
    worker = make_actor(org_a, Role.SOCIAL_WORKER)
    theirs = person("Rossi", "Mario")
    CareRelationshipFactory(person=theirs, organization=org_b)
    [candidate] = person_duplicate_candidates(actor=worker, data=rossi_data())
    assert (candidate.visible, candidate.person, candidate.certain) == (False, None, True)


def test_create_refuses_a_likely_duplicate_without_reason(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person("Rossi", "Mario")
    with pytest.raises(PossibleDuplicate) as refused:
        person_create(actor=actor, data=rossi_data(confirm_new_person_reason="   "))
    # Not in the worker's scope: neither reasons nor score, only that registration is blocked.
    [candidate] = refused.value.candidates
    assert (candidate.reasons, candidate.score, candidate.certain) == ([], None, True)
    assert Person.objects.count() == 1


def test_a_visible_duplicate_shows_its_reasons(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    mine = person("Rossi", "Mario")
    mine.registered_by = org_a
    mine.save()
    CareRelationshipFactory(person=mine, organization=org_a)
    with pytest.raises(PossibleDuplicate) as refused:
        person_create(actor=actor, data=rossi_data())
    assert [c.reasons for c in refused.value.candidates] == [[MatchReason.SAME_NAME_AND_BIRTH_DATE]]
    assert refused.value.candidates[0].score == 0.95


def test_create_with_reason_records_it(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person("Rossi", "Mario")
    reason = "Gemello, verificato sul documento d'identità"
    created, _warnings = person_create(
        actor=actor, data=rossi_data(confirm_new_person_reason=reason)
    )
    assert Person.objects.count() == 2
    event = created.events.get(pgh_label="insert")
    assert event.pgh_context.metadata["confirm_new_person_reason"] == reason
    log = AccessLog.objects.get(action=AccessAction.SEARCH)
    assert log.detail["confirm_new_person_reason"] == reason
    assert log.detail["result_count"] == 1


def test_create_of_a_twin_with_another_code_needs_no_reason(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    existing = person("Rossi", "Mario", birth_place_code="H501")
    PersonIdentifierFactory(person=existing, value=ROSSI)
    created, _warnings = person_create(
        actor=actor, data=rossi_data(identifiers=[{"value": ROSSI_OMOCODIC}])
    )
    assert created.pk != existing.pk


# --- the trigram migration --------------------------------------------------------------------


def _trigram_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'person_search_name_trgm'")
        return cursor.fetchone() is not None


def test_trigram_index_exists_exactly_when_the_extension_does() -> None:
    assert _trigram_index_exists() == extension_installed("pg_trgm")


def test_trigram_migration_does_nothing_without_the_extension(monkeypatch) -> None:
    migration = importlib.import_module("integra.people.migrations.0002_person_search_trigram")
    monkeypatch.setattr(migration, "_installed", lambda cursor, name: False)
    monkeypatch.setattr(migration, "_available", lambda cursor, name: False)
    with acting_as_owner():  # migrations run as the owner of the tables
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS person_search_name_trgm")
        with connection.schema_editor() as editor:
            migration.trigram_index_create(None, editor)
    assert _trigram_index_exists() is False


# --- API --------------------------------------------------------------------------------------

PERSONS = "/api/v1/persons"


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def pua_api(org_a, make_membership) -> dict[str, str]:
    return bearer(make_membership(org_a, Role.PUA_OPERATOR))


@pytest.fixture
def worker_api(org_a, make_membership) -> dict[str, str]:
    return bearer(make_membership(org_a, Role.SOCIAL_WORKER))


def test_api_search_shape(client: Client, pua_api) -> None:
    rossi = person("Rossi", "Giuseppe")
    PersonIdentifierFactory(person=rossi, value=ROSSI)
    response = client.get(f"{PERSONS}/search", {"q": "Rosi Giuseppe"}, **pua_api)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    # "rosi" 0.8 × 4 + "giuseppe" 1.0 × 8 over 12 = 0.933.
    assert item["score"] == 0.933
    assert item["reasons"] == ["name_similar"]
    assert item["person"]["id"] == rossi.pk
    assert item["person"]["identifiers"][0]["value"] == ROSSI


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "''"}, "q"),
        ({"q": "Rossi", "limit": 0}, "limit"),
        ({"q": "Rossi", "birth_year": "abc"}, "birth_year"),
        ({"q": "Rossi", "birth_date": "1980-01-01", "birth_year": 1981}, None),
    ],
)
def test_api_search_bad_params_are_422_in_italian(client, pua_api, params, field) -> None:
    response = client.get(f"{PERSONS}/search", params, **pua_api)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    if field is not None:
        assert field in [e["field"] for e in body["errors"]]
    assert all(e["message"] for e in body["errors"])


def test_api_check_duplicates_hides_invisible(client, org_b, worker_api) -> None:
    theirs = person("Rossi", "Mario")
    CareRelationshipFactory(person=theirs, organization=org_b)
    data = {"family_names": "Rossi", "given_names": "Mario", "birth_date": "1980-01-01"}
    response = client.post(
        f"{PERSONS}/check-duplicates", data, content_type="application/json", **worker_api
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["threshold"], body["count"]) == (0.85, 1)
    [item] = body["items"]
    assert item["person"] is None and item["known"] is None
    # No score, no reasons: nothing to converge on (issue 9, oracles).
    assert (item["score"], item["reasons"], item["certain"], item["visible"]) == (
        None,
        [],
        True,
        False,
    )
    assert "PUA" in item["message"]
    assert "Rossi" not in response.content.decode()


def test_api_create_409_then_201_with_reason(client, worker_api) -> None:
    person("Rossi", "Mario")
    data = {"family_names": "Rossi", "given_names": "Mario", "birth_date": "1980-01-01"}
    refused = client.post(PERSONS, data, content_type="application/json", **worker_api)
    assert refused.status_code == 409, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "possible_duplicate"
    assert [c["reasons"] for c in body["candidates"]] == [[]]
    assert body["candidates"][0]["person"] is None  # not in the worker's scope
    assert Person.objects.count() == 1
    confirmed = client.post(
        PERSONS,
        {**data, "confirm_new_person_reason": "Omonimo: altro Comune di residenza"},
        content_type="application/json",
        **worker_api,
    )
    assert confirmed.status_code == 201, confirmed.content
    assert Person.objects.count() == 2


def test_search_without_sharing_consent_shows_only_whom_to_contact(
    org_a, org_b, make_actor
) -> None:
    """A PUA of another organisation finds the person by code but not the content: no names,
    only the registering organisation (Garante, Linee guida sul Dossier sanitario 4/6/2015);
    by name it finds nothing — names and scores work only within what it may read in full."""
    holder = PersonFactory(family_names="Bianchi", given_names="Anna", registered_by=org_b)
    code = PersonIdentifierFactory(person=holder).value
    pua = make_actor(org_a, Role.PUA_OPERATOR)
    assert person_search(actor=pua, query="Bianchi Anna") == []
    (match,) = person_search(actor=pua, query=code)
    assert match.limited and match.person is None and match.person_id == holder.pk
    assert match.contact.organization_id == org_b.pk
    # A wrong birth date does not hide it: filters apply only to records read in full.
    (same,) = person_search(actor=pua, query=code, birth_date=date(1901, 1, 1))
    assert same.person_id == holder.pk
    # The registering organisation sees its own record in full.
    (own,) = person_search(actor=make_actor(org_b, Role.PUA_OPERATOR), query="Bianchi Anna")
    assert not own.limited and own.person == holder
