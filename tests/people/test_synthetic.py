"""The synthetic population (integra/people/synthetic/) and seed_demo --persons.

Codes are checked with the application's own validation (integra.people.identifiers): every
codice fiscale valid and decoding to the person's sex, birth date and birth place; STP/ENI
codes with the 16-character layout of the Ministero della Salute (prefix, region, issuer,
progressive). The encoder is checked against python-codicefiscale and a code worked by hand
(tests/people/test_search.py: RSSMRA80A01H501U, its first omocodic form RSSMRA80A01H50MM).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import codicefiscale.codicefiscale as cflib
import pytest
from django.core.management import call_command

from integra.core.permissions import Role
from integra.organizations.demo import demo_seed
from integra.organizations.search import normalize
from integra.people.errors import IdentifierErrorCode
from integra.people.identifiers import (
    check_fiscal_code,
    check_stp_eni,
    fiscal_code_encode,
    fiscal_code_omocodic_variant,
)
from integra.people.matching import name_keys
from integra.people.models import (
    CareRelationship,
    Consent,
    HouseholdMember,
    IseeDeclaration,
    Person,
    PersonDocument,
    PersonIdentifier,
)
from integra.people.selectors import person_search
from integra.people.synthetic.generator import (
    Generator,
    Place,
    PlacePool,
    Territory,
    birth_date_of,
    generate,
    typo,
)
from integra.people.synthetic.loader import PopulationError, population_load, territory_load
from tests.organizations.factories import build_demo_territory

TODAY = date(2026, 11, 23)
SIZE = 300


def fake_territory() -> Territory:
    """A territory in memory (no database): three Comuni of residence, two elsewhere."""
    residence = PlacePool.of(
        [Place(1, "F100", 17000), Place(2, "G686", 36000), Place(3, "H930", 3000)]
    )
    return Territory(
        residence=residence,
        lombardy=PlacePool.of([Place(10, "B157", 196000)]),
        italy=PlacePool.of([Place(20, "H501", 2750000), Place(21, "F839", 910000)]),
        milan=Place(30, "F205", 1370000),
        health_org_id=100,
        third_sector_org_id=101,
        comune_orgs={1: 102, 2: 103},
        membership_id=1,
        membership_org_id=100,
    )


def snapshot(units) -> list[tuple]:
    return [
        (
            p.family_names,
            p.given_names,
            p.sex,
            p.birth_date,
            p.birth_place_code,
            [(i.kind, i.value) for i in p.identifiers],
        )
        for unit in units
        for p in unit.persons
    ]


# --- the encoder (identifiers.py) -------------------------------------------------------------


def test_encoder_matches_the_hand_worked_code_and_its_omocodic_form() -> None:
    code = fiscal_code_encode(
        family_names="Rossi",
        given_names="Mario",
        sex="M",
        birth_date=date(1980, 1, 1),
        place_code="H501",
    )
    assert code == "RSSMRA80A01H501U"
    assert fiscal_code_omocodic_variant(code, 1) == "RSSMRA80A01H50MM"


@pytest.mark.parametrize(
    ("family", "given", "sex", "born"),
    [
        ("D'Angelo", "Nicolò", "M", date(1955, 7, 31)),
        ("Fo", "Li", "F", date(2001, 2, 3)),
        ("De Luca", "Maria Luisa", "F", date(1938, 12, 9)),
        ("Viganò", "Gianfranco", "M", date(1990, 10, 10)),
    ],
)
def test_encoder_agrees_with_python_codicefiscale(family, given, sex, born) -> None:
    mine = fiscal_code_encode(
        family_names=family, given_names=given, sex=sex, birth_date=born, place_code="F205"
    )
    theirs = cflib.encode(
        lastname=family,
        firstname=given,
        gender=sex,
        birthdate=born.strftime("%d/%m/%Y"),
        birthplace="F205",
    )
    assert mine == theirs
    assert check_fiscal_code(mine).valid


# --- the generator (no database) ---------------------------------------------------------------


def test_same_seed_same_population_other_seed_another() -> None:
    one, _g = generate(seed=5, persons=SIZE, territory=fake_territory(), today=TODAY)
    two, _g = generate(seed=5, persons=SIZE, territory=fake_territory(), today=TODAY)
    other, _g = generate(seed=6, persons=SIZE, territory=fake_territory(), today=TODAY)
    assert snapshot(one) == snapshot(two)
    assert snapshot(one) != snapshot(other)
    assert sum(len(u.persons) for u in one) == SIZE


def test_the_day_moves_the_dates_never_the_persons() -> None:
    """No draw depends on the day: on another day (a leap day included) the same seed gives the
    same units, names, ages and kinds of code; only the dates move with the day."""

    def persons(today: date) -> list[tuple]:
        units, _g = generate(seed=3, persons=3000, territory=fake_territory(), today=today)
        return [
            (
                p.family_names,
                p.given_names,
                p.sex,
                today.year
                - p.birth_date.year
                - ((today.month, today.day) < (p.birth_date.month, p.birth_date.day)),
                p.birth_place_code,
                [i.kind for i in p.identifiers],
                len(unit.persons),
                len(unit.links),
                len(unit.isee),
                len(unit.care),
            )
            for unit in units
            for p in unit.persons
        ]

    reference = persons(TODAY)
    assert persons(date(2027, 4, 9)) == reference
    assert persons(date(2028, 2, 29)) == reference
    assert persons(date(2025, 1, 1)) == reference


def test_birth_date_of_gives_the_age_on_the_day() -> None:
    # Hand-worked: 80 today (23/11/2026), birthday 0 and 364 days ago; 29/2 on a common year.
    assert birth_date_of(80, 0, date(2026, 11, 23)) == date(1946, 11, 23)
    assert birth_date_of(80, 364, date(2026, 11, 23)) == date(1945, 11, 24)
    assert birth_date_of(3, 0, date(2028, 2, 29)) == date(2025, 2, 28)
    assert birth_date_of(4, 0, date(2028, 2, 29)) == date(2024, 2, 29)


def test_generation_does_not_depend_on_the_process() -> None:
    """Two processes with different string hashing (set and dict order) give the same 10,000
    persons: nothing in the generator iterates a set or a hash-ordered structure."""
    script = (
        "import hashlib, sys;"
        "from tests.people.test_synthetic import fake_territory, snapshot, TODAY;"
        "from integra.people.synthetic.generator import generate;"
        "units, _g = generate(seed=1, persons=10000, territory=fake_territory(), today=TODAY);"
        "print(hashlib.sha256(repr(snapshot(units)).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {script}"],
            env={**env, "DJANGO_SETTINGS_MODULE": "integra.settings"},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        digests.add(out.stdout.strip().splitlines()[-1])
    assert len(digests) == 1


def test_every_code_is_valid_and_tells_the_persons_data() -> None:
    units, _g = generate(seed=1, persons=2000, territory=fake_territory(), today=TODAY)
    persons = [p for u in units for p in u.persons]
    codes = [i.value for p in persons for i in p.identifiers]
    assert len(codes) == len(set(codes))
    kinds = Counter(i.kind for p in persons for i in p.identifiers)
    assert kinds["cf"] > 0 and kinds["stp"] > 0 and kinds["eni"] > 0
    for p in persons:
        for ident in p.identifiers:
            if ident.kind == "cf":
                report = check_fiscal_code(ident.value, today=TODAY)
                assert report.valid, (ident.value, report.errors)
                base = report.omocodia_normalised or ident.value
                decoded = check_fiscal_code(base, today=TODAY)
                assert decoded.sex == p.sex
                assert p.birth_date in decoded.birth_date_candidates
                assert decoded.birth_place_code == p.birth_place_code
            else:
                report = check_stp_eni(ident.value)
                assert report.valid and report.kind == ident.kind
                assert report.region_code == "030"
                assert ident.valid_until is not None and ident.issued_on is not None
                assert ident.valid_until > ident.issued_on
                # STP/ENI holders are foreign-born and have no codice fiscale.
                assert p.birth_place_code.startswith("Z") and p.cf is None


def test_two_persons_with_the_same_code_get_the_omocodic_form() -> None:
    gen = Generator(seed=1, territory=fake_territory(), today=TODAY)
    base = fiscal_code_encode(
        family_names="Rossi",
        given_names="Mario",
        sex="M",
        birth_date=date(1980, 1, 1),
        place_code="H501",
    )
    gen.taken_codes.add(base)
    gen.taken_codes.add(fiscal_code_omocodic_variant(base, 1))
    person = next(gen.units(1)).persons[0]
    person.family_names, person.given_names, person.sex = "Rossi", "Mario", "M"
    person.birth_date, person.birth_place_code = date(1980, 1, 1), "H501"
    gen._recode(person)
    assert person.cf == fiscal_code_omocodic_variant(base, 2)
    report = check_fiscal_code(person.cf)
    assert report.valid and report.omocodia and report.omocodia_normalised == base
    assert gen.omocodic == 1


def test_population_shape() -> None:
    units, gen = generate(seed=3, persons=5000, territory=fake_territory(), today=TODAY)
    persons = [p for u in units for p in u.persons]
    women = sum(p.sex == "F" for p in persons) / len(persons)
    assert 0.48 < women < 0.56
    foreign = sum(p.birth_place_code.startswith("Z") for p in persons) / len(persons)
    assert 0.06 < foreign < 0.13
    ages = [(TODAY - p.birth_date).days // 365 for p in persons]
    assert 0.1 < sum(a >= 70 for a in ages) / len(ages) < 0.3
    assert 0.05 < sum(a < 10 for a in ages) / len(ages) < 0.15
    # Names by frequency: the commonest surname is far commoner than the median one.
    counts = Counter(p.family_names for p in persons)
    assert counts.most_common(1)[0][1] >= 20
    permits = [d for p in persons for d in p.permits]
    assert permits and any(0 < (d.expires_on - TODAY).days <= 60 for d in permits)
    assert sum(len(u.isee) for u in units) > 0
    # Near-duplicates: about 1%, same birth date, a slip in the name, no code.
    by_key = {p.key: p for p in persons}
    assert 0.005 < len(gen.near_duplicates) / len(persons) < 0.02
    assert {kind for _o, _d, kind in gen.near_duplicates} >= {"typo", "swapped"}
    for original_key, duplicate_key, kind in gen.near_duplicates:
        original, duplicate = by_key[original_key], by_key[duplicate_key]
        assert duplicate.duplicate_of == original_key and duplicate.duplicate_kind == kind
        assert duplicate.birth_date == original.birth_date and not duplicate.identifiers
        assert (duplicate.family_names, duplicate.given_names) != (
            original.family_names,
            original.given_names,
        )


def test_households_are_consistent() -> None:
    units, _g = generate(seed=4, persons=3000, territory=fake_territory(), today=TODAY)
    by_key = {p.key: p for u in units for p in u.persons}
    caregivers = 0
    for unit in units:
        keys = {p.key for p in unit.persons}
        for link in unit.links:
            assert link.person in keys and link.member in keys and link.person != link.member
            person, member = by_key[link.person], by_key[link.member]
            if link.relationship == "child":
                assert member.birth_date > person.birth_date
            if link.relationship == "spouse":
                assert {person.sex, member.sex} == {"M", "F"}
            if link.cohabiting:
                # Same address: the residence, or the domicile of those with an STP/ENI code.
                here = person.residence_address or person.domicile_address
                assert (member.residence_address or member.domicile_address) == here
            if link.is_caregiver:
                caregivers += 1
                assert not link.cohabiting and link.caregiver_needs
    assert caregivers > 0


def test_a_typo_is_one_edit() -> None:
    from integra.people.matching import osa_distance

    rng = random.Random(1)
    for word in ("Brambilla", "Giuseppe", "Colombo", "Anna"):
        for _ in range(30):
            slip = typo(word, rng)
            assert osa_distance(normalize(slip), normalize(word)) <= 1


# --- the loader and seed_demo --persons (database) ----------------------------------------


@pytest.fixture
def demo(db):
    build_demo_territory(extra_comuni=3)
    demo_seed(seed=1)


@pytest.mark.django_db
def test_seed_demo_persons_writes_a_deterministic_population(demo) -> None:
    err = StringIO()
    call_command("seed_demo", "--persons", str(SIZE), "--seed", "9", stdout=StringIO(), stderr=err)
    assert Person.objects.count() == SIZE
    assert "100.0%" in err.getvalue()  # the progress bar
    first = list(
        Person.objects.order_by("pk").values_list(
            "family_names", "given_names", "birth_date", "search_name", "search_keys"
        )
    )
    for family, given, _born, search_name, keys in first:
        # What the application computes (services: normalize; matching: name_keys).
        assert search_name == normalize(f"{family} {given}")
        assert keys == name_keys(family, given)
    for value in PersonIdentifier.objects.filter(kind="cf").values_list("value", flat=True):
        # The test territory's Comuni have made-up Belfiore codes: only that may be wrong.
        errors = {e.code for e in check_fiscal_code(value).errors}
        assert errors <= {IdentifierErrorCode.UNKNOWN_PLACE}, (value, errors)
    assert HouseholdMember.objects.exists() and IseeDeclaration.objects.exists()
    assert PersonDocument.objects.filter(kind="residence_permit").exists() or SIZE < 500


@pytest.mark.django_db
def test_same_seed_twice_is_refused_another_seed_appends(demo) -> None:
    population_load(persons=200, seed=2, stream=None, today=TODAY)
    with pytest.raises(PopulationError):
        population_load(persons=200, seed=2, stream=None, today=TODAY)
    population_load(persons=200, seed=3, stream=None, today=TODAY)
    assert Person.objects.count() == 400
    values = list(PersonIdentifier.objects.values_list("kind", "value"))
    assert len(values) == len(set(values))


@pytest.mark.django_db
def test_loading_again_gives_the_same_persons(demo) -> None:
    population_load(persons=150, seed=4, stream=None, today=TODAY)
    rows = list(
        Person.objects.order_by("pk").values_list("family_names", "given_names", "birth_date")
    )
    codes = sorted(PersonIdentifier.objects.values_list("value", flat=True))
    HouseholdMember.objects.all().delete()  # member is a protected reference
    Person.objects.all().delete()
    population_load(persons=150, seed=4, stream=None, today=TODAY)
    assert rows == list(
        Person.objects.order_by("pk").values_list("family_names", "given_names", "birth_date")
    )
    assert codes == sorted(PersonIdentifier.objects.values_list("value", flat=True))


def _population_rows() -> dict[str, list[tuple]]:
    """Every row the loader writes, with persons named by their rank (ids differ per run)."""
    rank = {
        pk: n for n, pk in enumerate(Person.objects.order_by("pk").values_list("pk", flat=True))
    }
    skip = {"id", "created_at", "updated_at", "pgh_context_id"}

    def rows(model, *person_fields: str) -> list[tuple]:
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in skip or f.attname in person_fields
        ]
        out = []
        for values in model.objects.values_list(*names):
            row = dict(zip(names, values, strict=True))
            for name in person_fields:
                row[name] = rank.get(row[name])
            out.append(tuple(sorted(row.items(), key=lambda kv: kv[0])))
        return sorted(out, key=repr)

    return {
        "persons": rows(Person, "id"),
        "identifiers": rows(PersonIdentifier, "person_id"),
        "documents": rows(PersonDocument, "person_id"),
        "households": rows(HouseholdMember, "person_id", "member_id"),
        "isee": rows(IseeDeclaration, "person_id"),
        "care": rows(CareRelationship, "person_id"),
        "consents": rows(Consent, "person_id"),
    }


@pytest.mark.django_db
def test_two_loads_of_ten_thousand_give_the_same_rows_counts_and_codes(demo) -> None:
    """Issue 11, deliver 4: the same seed gives the same rows, counts and codes on any run."""
    first = population_load(persons=10_000, seed=7, stream=None, today=TODAY)
    rows = _population_rows()
    for model in (HouseholdMember, IseeDeclaration, Consent, CareRelationship, PersonDocument):
        model.objects.all().delete()
    PersonIdentifier.objects.all().delete()
    Person.objects.all().delete()
    second = population_load(persons=10_000, seed=7, stream=None, today=TODAY)
    assert _population_rows() == rows
    assert (first.persons, first.identifiers, first.omocodic, first.near_duplicates) == (
        second.persons,
        second.identifiers,
        second.omocodic,
        second.near_duplicates,
    )
    assert len(rows["persons"]) == 10_000


@pytest.mark.django_db
def test_the_app_finds_generated_persons_by_code_and_by_name(demo, make_actor) -> None:
    from integra.core.access import scoped
    from integra.organizations.models import Organization
    from integra.people.models import Person

    seen: dict[int, object] = {}

    def remember(units, ids) -> None:
        for unit in units:
            for p in unit.persons:
                seen[ids[p.key]] = p

    population_load(persons=SIZE, seed=11, stream=None, today=TODAY, on_batch=remember)
    asst = Organization.objects.get(code="asst-melegnano-martesana")
    actor = make_actor(asst, Role.PUA_OPERATOR)
    rng = random.Random(0)
    # Names are searched only among the records the PUA may read in full (its own, or shared
    # with consent); a code finds any person, in the limited form when not readable.
    readable = set(scoped(actor, Person).values_list("pk", flat=True))
    with_code = [(pk, p) for pk, p in seen.items() if p.identifiers]
    for pk, p in rng.sample(with_code, 10):
        code = p.identifiers[0].value
        assert pk in [m.person_id for m in person_search(actor=actor, query=code)]
    for pk, p in rng.sample([(pk, p) for pk, p in with_code if pk in readable], 10):
        by_name = person_search(actor=actor, query=f"{p.family_names} {p.given_names}", limit=50)
        assert pk in [m.person_id for m in by_name]


@pytest.mark.django_db
def test_territory_is_read_from_the_demo_data(demo) -> None:
    territory = territory_load()
    assert territory.residence.places and territory.comune_orgs
