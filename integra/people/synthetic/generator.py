"""The synthetic population, built in memory from a seed (no database access).

Persons come in *units*: a household (couple, couple with children, single parent, one person
living alone, three generations) and, for some elderly persons living alone, an adult child
living elsewhere who is their caregiver. Each unit is generated whole, so a batch of units
never refers to a person of another batch.

The shares below are modelling choices that give a plausible shape (roughly the Italian one:
a third of households of one person, more women among the very old, about one resident in
ten born abroad); they are not statistics copied from a source.

Determinism: one ``random.Random(seed)`` drives everything, in a fixed order, and no draw
depends on ``today`` (a parameter) or on the order of a set: the same seed, size and
territory give the same units, persons, names, ages and counts on any day and in any process
(``PYTHONHASHSEED`` included); the dates are placed relative to ``today``, so the same day
also gives the same dates and the same codes (``seed_demo --as-of`` fixes the day).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from integra.organizations.search import normalize
from integra.people.identifiers import (
    NUMERIC_POSITIONS,
    fiscal_code_encode,
    fiscal_code_omocodic_variant,
    stp_valid_until,
)
from integra.people.matching import name_keys

DATA = Path(__file__).with_name("data")

# Shares of the population (see the module docstring: modelling choices).
FOREIGN_UNIT_SHARE = 0.14  # units of foreign-born adults: about 9% of persons born abroad
FOREIGN_WITHOUT_CF_SHARE = 0.2  # of foreign units: no codice fiscale, an STP or ENI code
NEAR_DUPLICATE_SHARE = 0.01  # persons registered a second time with a slip in the name
CARE_SHARE = 0.12  # persons taken in charge by a demo organisation
ISEE_SHARE = 0.2  # households with an ISEE declaration
PERMIT_EXPIRING_SHARE = 0.1  # permits expiring within 60 days
STP_ENI_REGION = "030"  # Lombardia (identifiers.STP_ENI_REGIONS)
# Issuer code used in every synthetic STP/ENI code (three digits; not checked against a list).
STP_ENI_ISSUER = "321"

_UNIT_KINDS = (
    ("alone_elderly", 17),
    ("alone_adult", 16),
    ("couple", 20),
    ("couple_children", 33),
    ("single_parent", 10),
    ("three_generations", 4),
)
_STREETS = (
    "Via Roma",
    "Via Giuseppe Garibaldi",
    "Via Giuseppe Mazzini",
    "Via Emilia",
    "Via Milano",
    "Via Cavour",
    "Via Giacomo Matteotti",
    "Via Alessandro Manzoni",
    "Via Dante Alighieri",
    "Via della Repubblica",
    "Via Vittorio Veneto",
    "Via IV Novembre",
    "Via Trieste",
    "Via San Francesco",
    "Piazza della Vittoria",
    "Via dei Mille",
    "Via Giuseppe Verdi",
    "Via Leonardo da Vinci",
    "Via Aldo Moro",
    "Via Papa Giovanni XXIII",
)
_ISEE_MEDIAN = 14_000.0
# The year the given-name cohorts and the birth-place shares are written for (data/README.md):
# a person's cohort follows their age as of this year, so that it does not move with ``today``.
COHORT_YEAR = 2026


def birth_date_of(age: int, days_since_birthday: int, today: date) -> date:
    """The birth date of a person who is ``age`` today and had a birthday
    ``days_since_birthday`` (0-364) days ago; 29 February becomes the 28th where needed."""
    birthday = today - timedelta(days=days_since_birthday)
    try:
        return birthday.replace(year=birthday.year - age)
    except ValueError:
        return birthday.replace(year=birthday.year - age, day=28)


# --- data files ------------------------------------------------------------------------------


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Weighted:
    """Values with cumulative weights, for ``rng.choices`` (bisect, no re-summing)."""

    values: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def zipf(cls, values: list[str], *, exponent: float = 1.0, offset: float = 2.0) -> Weighted:
        """Weights falling with the rank, 1 / (rank + offset) ** exponent (a Zipf law)."""
        weights = [1 / (rank + offset) ** exponent for rank in range(len(values))]
        return cls(tuple(values), tuple(itertools.accumulate(weights)))

    def pick(self, rng: random.Random) -> str:
        x = rng.random() * self.cumulative[-1]
        return self.values[bisect.bisect(self.cumulative, x)]


@dataclass(frozen=True)
class Country:
    iso: str
    place_code: str
    weight: float
    eu: bool
    language: str
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    surnames: tuple[str, ...]


@dataclass(frozen=True)
class NameData:
    surnames: Weighted
    given: dict[tuple[str, str], Weighted]  # (sex, cohort) → names
    countries: tuple[Country, ...]
    country_cumulative: tuple[float, ...]


@functools.cache
def name_data() -> NameData:
    head = _lines("surnames_head.txt")
    seen = set(head)
    tail = [name for name in _lines("surnames_tail.txt") if name not in seen]
    # The ranked head takes about a quarter of the population, the long tail the rest.
    surnames = Weighted.zipf(head + tail, exponent=0.75, offset=20)
    given_lists: dict[tuple[str, str], list[str]] = {}
    for line in _lines("given_names.tsv"):
        sex, cohort, name = line.split("\t")
        given_lists.setdefault((sex, cohort), []).append(name)
    given = {key: Weighted.zipf(names, exponent=0.9) for key, names in given_lists.items()}
    countries = []
    for line in _lines("foreign.tsv"):
        iso, code, weight, eu, language, male, female, family = line.split("\t")
        countries.append(
            Country(
                iso=iso,
                place_code=code,
                weight=float(weight),
                eu=eu == "1",
                language=language,
                given_male=tuple(male.split(",")),
                given_female=tuple(female.split(",")),
                surnames=tuple(family.split(",")),
            )
        )
    cumulative = tuple(itertools.accumulate(c.weight for c in countries))
    return NameData(surnames, given, tuple(countries), cumulative)


# --- the territory (passed in: the loader reads it from the database) --------------------------


@dataclass(frozen=True)
class Place:
    municipality_id: int
    belfiore_code: str
    population: int


@dataclass(frozen=True)
class PlacePool:
    places: tuple[Place, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, places: list[Place]) -> PlacePool:
        ordered = sorted(places, key=lambda p: p.belfiore_code)
        weights = [max(p.population, 1) for p in ordered]
        return cls(tuple(ordered), tuple(itertools.accumulate(weights)))

    def pick(self, rng: random.Random) -> Place:
        x = rng.random() * self.cumulative[-1]
        return self.places[bisect.bisect(self.cumulative, x)]


@dataclass(frozen=True)
class Territory:
    """Where persons live and were born, and who registers them.

    ``residence``: the demo territory's Comuni; ``milan``: the city of Milan (births in its
    hospitals); ``lombardy`` and ``italy``: other Comuni of Lombardy and of the rest of Italy.
    ``comune_orgs``: municipality id → organisation of that Comune (the demo ones).
    """

    residence: PlacePool
    lombardy: PlacePool
    italy: PlacePool
    milan: Place | None
    health_org_id: int
    third_sector_org_id: int | None
    comune_orgs: dict[int, int]
    membership_id: int  # who recorded households, ISEE, documents, consents (a demo operator)
    membership_org_id: int


# --- what is generated -----------------------------------------------------------------------


@dataclass
class Identifier:
    kind: str
    value: str
    issued_on: date | None = None
    valid_until: date | None = None
    is_primary: bool = True


@dataclass
class Permit:
    number: str
    issued_on: date
    expires_on: date
    reason: str


@dataclass
class SyntheticPerson:
    key: int  # position in the generated population, 0-based
    family_names: str
    given_names: str
    sex: str
    birth_date: date
    birth_place_code: str
    birth_municipality_id: int | None
    citizenships: list[str]
    languages: list[str]
    residence_municipality_id: int | None
    residence_address: str
    domicile_municipality_id: int | None = None
    domicile_address: str = ""
    marital_status: str = ""
    education: str = ""
    employment: str = ""
    living_situation: str = ""
    needs_cultural_mediator: bool = False
    phone: str = ""
    email: str = ""
    registered_by_id: int = 0
    identifiers: list[Identifier] = field(default_factory=list)
    permits: list[Permit] = field(default_factory=list)
    # A near-duplicate record: the key of the person it repeats, and the slip ("typo",
    # "swapped", "accents").
    duplicate_of: int | None = None
    duplicate_kind: str = ""

    @property
    def search_name(self) -> str:
        return _search_name(self.family_names, self.given_names)

    @property
    def search_keys(self) -> list[str]:
        return _search_keys(self.family_names, self.given_names)

    @property
    def cf(self) -> str | None:
        return next((i.value for i in self.identifiers if i.kind == "cf"), None)


@dataclass
class HouseholdLink:
    person: int  # keys
    member: int
    relationship: str
    cohabiting: bool
    is_caregiver: bool = False
    caregiver_needs: list[str] = field(default_factory=list)
    since: date | None = None


@dataclass
class Isee:
    person: int
    kind: str
    value: float
    protocol: str
    signed_on: date
    valid_until: date


@dataclass
class Care:
    person: int
    organization_id: int
    started_on: date
    ended_on: date | None
    reason: str
    sharing_consent: bool


@dataclass
class Unit:
    """One household (and a caregiver living elsewhere): everything that refers to its persons."""

    persons: list[SyntheticPerson] = field(default_factory=list)
    links: list[HouseholdLink] = field(default_factory=list)
    isee: list[Isee] = field(default_factory=list)
    care: list[Care] = field(default_factory=list)


# The search columns, computed exactly as the application does (services._apply_values for
# search_name, matching.name_keys for search_keys); cached because names repeat.
@functools.lru_cache(maxsize=200_000)
def _search_name(family: str, given: str) -> str:
    return normalize(f"{family} {given}")


@functools.lru_cache(maxsize=200_000)
def _search_keys(family: str, given: str) -> list[str]:
    return name_keys(family, given)


# --- slips for near-duplicates (also used by the benchmark to make misspelled queries) --------

_LETTERS = "abcdefghilmnoprstuvz"
_ACCENT_FOLD = str.maketrans("àáèéìíòóùúÀÈÉÌÒÙ", "aaeeiioouuAEEIOU")


def typo(word: str, rng: random.Random) -> str:
    """One edit (substitution, deletion, insertion or swap of adjacent letters) at a random
    position away from the first letter, keeping the capital initial."""
    if len(word) < 3:
        return word + rng.choice(_LETTERS)
    chars = list(word)
    position = rng.randrange(1, len(chars) - 1)
    edit = rng.randrange(4)
    if edit == 0:
        current = chars[position].lower()
        chars[position] = rng.choice([c for c in _LETTERS if c != current])
    elif edit == 1:
        del chars[position]
    elif edit == 2:
        chars.insert(position, rng.choice(_LETTERS))
    elif chars[position].lower() != chars[position + 1].lower():
        chars[position], chars[position + 1] = chars[position + 1], chars[position]
    else:
        chars[position] = rng.choice([c for c in _LETTERS if c != chars[position].lower()])
    return "".join(chars)


def typo_in_name(family: str, given: str, rng: random.Random) -> tuple[str, str]:
    """One typo in the longest word of the family or of the given names."""
    if rng.random() < 0.5:
        words = family.split(" ")
        index = max(range(len(words)), key=lambda i: len(words[i]))
        words[index] = typo(words[index], rng)
        return " ".join(words), given
    words = given.split(" ")
    index = max(range(len(words)), key=lambda i: len(words[i]))
    words[index] = typo(words[index], rng)
    return family, " ".join(words)


def without_accents(text: str) -> str:
    """ "Nicolò D'Angelo" as typed on a keyboard without accents: "Nicolo D Angelo"."""
    return text.translate(_ACCENT_FOLD).replace("'", " ")


# --- the generator ---------------------------------------------------------------------------


@dataclass
class Generator:
    seed: int
    territory: Territory
    today: date
    taken_codes: set[str] = field(default_factory=set)  # codici fiscali already in use
    stp_next: int = 1  # next progressive of the STP codes (7 digits)
    eni_next: int = 1
    omocodic: int = 0  # codes given in an omocodic form
    near_duplicates: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.names = name_data()
        self.next_key = 0
        self._unit_cumulative = tuple(itertools.accumulate(w for _k, w in _UNIT_KINDS))

    # --- public ---------------------------------------------------------------------------

    def units(self, persons: int) -> Iterator[Unit]:
        """Units until ``persons`` persons are made (the last unit is cut to fit)."""
        while self.next_key < persons:
            unit = self._unit()
            overflow = self.next_key - persons
            if overflow > 0:
                self._cut(unit, len(unit.persons) - overflow)
                self.next_key = persons
            yield unit

    # --- units ----------------------------------------------------------------------------

    def _cut(self, unit: Unit, keep: int) -> None:
        """Keep the first ``keep`` persons of ``unit`` and what refers only to them."""
        first = unit.persons[0].key
        kept = {p.key for p in unit.persons[:keep]}
        unit.persons = unit.persons[:keep]
        unit.links = [x for x in unit.links if x.person in kept and x.member in kept]
        unit.isee = [x for x in unit.isee if x.person in kept]
        unit.care = [x for x in unit.care if x.person in kept]
        self.near_duplicates = [d for d in self.near_duplicates if d[1] < first or d[1] in kept]

    def _unit(self) -> Unit:
        rng = self.rng
        kind = _UNIT_KINDS[bisect.bisect(self._unit_cumulative, rng.random() * 100)][0]
        country = self._country() if rng.random() < FOREIGN_UNIT_SHARE else None
        if country is not None and kind in ("alone_elderly", "three_generations"):
            kind = "alone_adult" if kind == "alone_elderly" else "couple_children"
        place = self.territory.residence.pick(rng)
        address = f"{rng.choice(_STREETS)} {rng.randint(1, 180)}"
        unit = Unit()
        undocumented = country is not None and rng.random() < FOREIGN_WITHOUT_CF_SHARE
        ctx = _UnitContext(unit, place, address, country, undocumented)
        if kind == "alone_elderly":
            sex = "F" if rng.random() < 0.7 else "M"
            age = min(65 + int(rng.expovariate(1 / 11)), 104)
            elder = self._adult(ctx, sex, age, marital="widowed" if rng.random() < 0.6 else "")
            elder.living_situation = "alone"
            if rng.random() < 0.5:
                self._caregiver(ctx, elder, age)
        elif kind == "alone_adult":
            sex = "M" if rng.random() < 0.55 else "F"
            adult = self._adult(ctx, sex, rng.randint(20, 64), marital="")
            adult.living_situation = "alone"
        elif kind == "couple":
            age = rng.randint(25, 90) if rng.random() < 0.5 else rng.randint(55, 90)
            self._couple(ctx, age)
        elif kind == "couple_children":
            father, mother = self._couple(ctx, rng.randint(28, 62))
            self._children(ctx, father, mother, rng.choices((1, 2, 3), (45, 42, 13))[0])
        elif kind == "single_parent":
            sex = "F" if rng.random() < 0.85 else "M"
            parent = self._adult(ctx, sex, rng.randint(26, 58), marital="")
            parent.marital_status = rng.choice(("separated", "divorced", "single", "widowed"))
            self._children(
                ctx,
                parent if sex == "M" else None,
                parent if sex == "F" else None,
                rng.choices((1, 2), (65, 35))[0],
            )
        else:
            father, mother = self._couple(ctx, rng.randint(35, 55))
            self._children(ctx, father, mother, rng.choices((1, 2), (55, 45))[0])
            grand_sex = "F" if rng.random() < 0.7 else "M"
            head = unit.persons[0]
            grand = self._adult(ctx, grand_sex, rng.randint(72, 96), marital="widowed")
            grand.family_names = head.family_names if grand_sex == "M" else grand.family_names
            self._recode(grand)
            self._link(ctx, head, grand, "parent")
        for person in list(unit.persons):
            if person.living_situation == "" and person.residence_municipality_id is not None:
                person.living_situation = "with_family" if len(unit.persons) > 1 else "alone"
        self._isee(ctx)
        self._care(ctx)
        self._duplicates(ctx)
        return unit

    def _country(self) -> Country:
        x = self.rng.random() * self.names.country_cumulative[-1]
        return self.names.countries[bisect.bisect(self.names.country_cumulative, x)]

    def _couple(self, ctx: _UnitContext, age: int) -> tuple[SyntheticPerson, SyntheticPerson]:
        rng = self.rng
        husband = self._adult(ctx, "M", age, marital="married")
        wife_age = max(20, min(104, age - round(rng.gauss(3, 3))))
        wife = self._adult(ctx, "F", wife_age, marital="married")
        if rng.random() < 0.12:  # not married: a partner
            husband.marital_status = wife.marital_status = ""
        self._link(ctx, husband, wife, "spouse")
        return husband, wife

    def _children(
        self,
        ctx: _UnitContext,
        father: SyntheticPerson | None,
        mother: SyntheticPerson | None,
        count: int,
    ) -> None:
        rng = self.rng
        parent = father or mother
        assert parent is not None
        youngest_parent = min(self._age(p) for p in (father, mother) if p is not None)
        family = parent.family_names
        for _ in range(count):
            age = youngest_parent - rng.randint(24, 40)
            if age < 0:
                continue  # not born yet
            sex = "M" if rng.random() < 0.515 else "F"
            child = self._person(ctx, sex, age, family_names=family, born_here=True)
            child.marital_status = "single" if age >= 18 else ""
            self._link(ctx, parent, child, "child")

    def _caregiver(self, ctx: _UnitContext, elder: SyntheticPerson, elder_age: int) -> None:
        """An adult child living at another address of the same Comune, who cares for them."""
        rng = self.rng
        sex = "F" if rng.random() < 0.65 else "M"
        age = max(25, elder_age - rng.randint(24, 38))
        family = elder.family_names if elder.sex == "M" else None
        child = self._person(ctx, sex, age, family_names=family, born_here=False)
        child.residence_address = f"{rng.choice(_STREETS)} {rng.randint(1, 180)}"
        child.marital_status = rng.choice(("married", "single", "divorced"))
        needs = sorted(
            rng.sample(
                ["respite", "training", "psychological", "information", "financial", "work_life"],
                rng.randint(1, 3),
            )
        )
        ctx.unit.links.append(
            HouseholdLink(
                person=elder.key,
                member=child.key,
                relationship="child",
                cohabiting=False,
                is_caregiver=True,
                caregiver_needs=needs,
                since=self.today - timedelta(days=rng.randint(60, 3000)),
            )
        )

    def _link(
        self, ctx: _UnitContext, person: SyntheticPerson, member: SyntheticPerson, relation: str
    ) -> None:
        ctx.unit.links.append(
            HouseholdLink(
                person=person.key, member=member.key, relationship=relation, cohabiting=True
            )
        )

    # --- persons --------------------------------------------------------------------------

    def _age(self, person: SyntheticPerson) -> int:
        born = person.birth_date
        return (
            self.today.year
            - born.year
            - ((self.today.month, self.today.day) < (born.month, born.day))
        )

    def _adult(self, ctx: _UnitContext, sex: str, age: int, *, marital: str) -> SyntheticPerson:
        person = self._person(ctx, sex, age, family_names=None, born_here=False)
        person.marital_status = marital
        return person

    def _person(
        self,
        ctx: _UnitContext,
        sex: str,
        age: int,
        *,
        family_names: str | None,
        born_here: bool,
    ) -> SyntheticPerson:
        rng = self.rng
        birth = birth_date_of(age, rng.randint(0, 364), self.today)
        country = ctx.country
        foreign_born = country is not None and not born_here
        cohort_year = COHORT_YEAR - age
        cohort = "old" if cohort_year < 1960 else ("middle" if cohort_year < 1990 else "young")
        if country is not None:
            pool = country.given_male if sex == "M" else country.given_female
            given = rng.choice(pool)
            if rng.random() < 0.15 and born_here:  # children born here: often an Italian name
                given = self.names.given[(sex, "young")].pick(rng)
            family = family_names or rng.choice(country.surnames)
        else:
            given = self.names.given[(sex, cohort)].pick(rng)
            if rng.random() < 0.04:  # a second given name
                second = self.names.given[(sex, cohort)].pick(rng)
                if second != given:
                    given = f"{given} {second}"
            family = family_names or self.names.surnames.pick(rng)
        if foreign_born:
            assert country is not None
            birth_code, birth_municipality = country.place_code, None
        else:
            place = self._birth_place(ctx, cohort_year)
            birth_code, birth_municipality = place.belfiore_code, place.municipality_id
        if country is None:
            citizenships, languages = ["IT"], ["it"]
        else:
            citizenships = [country.iso] if rng.random() < 0.75 else [country.iso, "IT"]
            languages = [country.language, "it"] if rng.random() < 0.7 else [country.language]
        person = SyntheticPerson(
            key=self.next_key,
            family_names=family,
            given_names=given,
            sex=sex,
            birth_date=birth,
            birth_place_code=birth_code,
            birth_municipality_id=birth_municipality,
            citizenships=citizenships,
            languages=languages,
            residence_municipality_id=ctx.place.municipality_id,
            residence_address=ctx.address,
            needs_cultural_mediator=country is not None
            and "it" not in languages
            and rng.random() < 0.6,
        )
        self.next_key += 1
        self._occupation(person, age)
        if rng.random() < 0.55 and age >= 16:
            person.phone = (
                f"3{rng.randint(20, 93)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            )
        if rng.random() < 0.15 and age >= 18:
            local = normalize(f"{given} {family}").replace(" ", ".")
            person.email = f"{local}{rng.randint(1, 99)}@example.it"
        registrar = self.territory.comune_orgs.get(ctx.place.municipality_id)
        person.registered_by_id = (
            registrar
            if registrar is not None and rng.random() < 0.5
            else self.territory.health_org_id
        )
        if ctx.undocumented and foreign_born:
            assert country is not None
            self._stp_eni(person, country)
            # Not resident: living here (domicile) with a temporary code.
            person.domicile_municipality_id = person.residence_municipality_id
            person.domicile_address = person.residence_address
            person.residence_municipality_id = None
            person.residence_address = ""
        else:
            self._recode(person)
            if country is not None and not country.eu and foreign_born:
                self._permit(person)
        ctx.unit.persons.append(person)
        return person

    def _birth_place(self, ctx: _UnitContext, year: int) -> Place:
        rng = self.rng
        x = rng.random()
        territory = self.territory
        # Shares born in the territory, in Milan, elsewhere in Lombardy (the rest: Italy).
        shares = (0.45, 0.3, 0.15) if year >= 1990 else (0.3, 0.2, 0.2)
        if x < shares[0]:
            return ctx.place if rng.random() < 0.5 else territory.residence.pick(rng)
        if x < shares[0] + shares[1] and territory.milan is not None:
            return territory.milan
        if x < sum(shares):
            return territory.lombardy.pick(rng)
        return territory.italy.pick(rng)

    def _occupation(self, person: SyntheticPerson, age: int) -> None:
        rng = self.rng
        if age < 6:
            return
        if age < 19:
            person.employment = "student"
            person.education = "primary" if age < 14 else "lower_secondary"
            return
        person.education = rng.choices(
            ("none", "primary", "lower_secondary", "vocational", "upper_secondary", "tertiary"),
            (1, 10, 28, 8, 36, 17) if age >= 60 else (0.5, 1, 22, 8, 43, 25),
        )[0]
        if age >= 67:
            person.employment = "retired"
        elif age < 25 and rng.random() < 0.5:
            person.employment = "student"
        else:
            person.employment = rng.choices(
                ("employed", "self_employed", "unemployed", "homemaker", "unable", ""),
                (58, 12, 8, 8, 2, 12),
            )[0]

    # --- codes and documents ---------------------------------------------------------------

    def _recode(self, person: SyntheticPerson) -> None:
        """Give (or give again, after a change of name) the codice fiscale; a code already
        taken gets the next omocodic form, as the Agenzia delle Entrate does."""
        previous = person.cf
        if previous is not None:
            self.taken_codes.discard(previous)
        base = fiscal_code_encode(
            family_names=person.family_names,
            given_names=person.given_names,
            sex=person.sex,  # type: ignore[arg-type]
            birth_date=person.birth_date,
            place_code=person.birth_place_code,
        )
        code = base
        level = 0
        while code in self.taken_codes:
            level += 1
            if level > len(NUMERIC_POSITIONS):
                raise RuntimeError(f"no free omocodic form of {base}")
            code = fiscal_code_omocodic_variant(base, level)
        if level:
            self.omocodic += 1
        self.taken_codes.add(code)
        person.identifiers = [Identifier("cf", code)]

    def _stp_eni(self, person: SyntheticPerson, country: Country) -> None:
        rng = self.rng
        issued = self.today - timedelta(days=rng.randint(0, 240))  # some expired already
        if country.eu:
            kind, number = "eni", self.eni_next
            self.eni_next += 1
        else:
            kind, number = "stp", self.stp_next
            self.stp_next += 1
        value = f"{kind.upper()}{STP_ENI_REGION}{STP_ENI_ISSUER}{number:07d}"
        person.identifiers = [Identifier(kind, value, issued, stp_valid_until(issued))]

    def _permit(self, person: SyntheticPerson) -> None:
        rng = self.rng
        if rng.random() < PERMIT_EXPIRING_SHARE:
            expires = self.today + timedelta(days=rng.randint(1, 60))
        else:
            expires = self.today + timedelta(days=rng.randint(-90, 720))
        years = rng.choice((1, 2))
        issued = expires - timedelta(days=365 * years)
        reason = rng.choices(
            ("work", "family", "study", "international_protection", "special_protection"),
            (45, 35, 5, 10, 5),
        )[0]
        number = f"I{rng.choice('ABCDEFGH')}{rng.randint(0, 9_999_999):07d}"
        person.permits.append(Permit(number, issued, expires, reason))

    # --- declarations and care -------------------------------------------------------------

    def _isee(self, ctx: _UnitContext) -> None:
        rng = self.rng
        if rng.random() >= ISEE_SHARE or not ctx.unit.persons:
            return
        head = ctx.unit.persons[0]
        has_minors = any(self._age(p) < 18 for p in ctx.unit.persons)
        if self._age(head) >= 65 and rng.random() < 0.5:
            kind = "sociosanitario"
        elif has_minors and rng.random() < 0.4:
            kind = "minorenni"
        else:
            kind = "ordinario"
        value = round(min(rng.lognormvariate(math.log(_ISEE_MEDIAN), 0.7), 150_000), 2)
        year = self.today.year
        start = date(year, 1, 15)
        span = max((self.today - start).days, 0)
        # One draw whatever the span, so that the day does not change the draws that follow.
        offset = int(rng.random() * (span + 1))
        signed = start + timedelta(days=offset) if span else self.today
        protocol = f"INPS-ISEE-{year}-{rng.randint(0, 999_999_999):09d}-00"
        ctx.unit.isee.append(Isee(head.key, kind, value, protocol, signed, date(year, 12, 31)))

    def _care(self, ctx: _UnitContext) -> None:
        rng = self.rng
        territory = self.territory
        for person in ctx.unit.persons:
            if rng.random() >= CARE_SHARE:
                continue
            municipality = person.residence_municipality_id or person.domicile_municipality_id
            comune = territory.comune_orgs.get(municipality or 0)
            choices = [territory.health_org_id]
            if comune is not None:
                choices.append(comune)
            if territory.third_sector_org_id is not None:
                choices.append(territory.third_sector_org_id)
            organization = rng.choice(choices)
            started = self.today - timedelta(days=rng.randint(0, 1500))
            ended = None
            if rng.random() < 0.2:
                ended = started + timedelta(days=rng.randint(30, 700))
                ended = min(ended, self.today)
            reason = rng.choice(
                (
                    "Valutazione multidimensionale",
                    "Assistenza domiciliare",
                    "Sostegno al reddito",
                    "Progetto individualizzato",
                    "Dimissione protetta",
                )
            )
            ctx.unit.care.append(
                Care(person.key, organization, started, ended, reason, rng.random() < 0.7)
            )

    def _duplicates(self, ctx: _UnitContext) -> None:
        """A second record of some persons: a slip in the name, no code, another registrar."""
        rng = self.rng
        for original in list(ctx.unit.persons):
            if original.cf is None or rng.random() >= NEAR_DUPLICATE_SHARE:
                continue
            kind = rng.choices(("typo", "swapped", "accents"), (60, 25, 15))[0]
            family, given = original.family_names, original.given_names
            if kind == "accents" and without_accents(family + given) == family + given:
                kind = "typo"
            if kind == "typo":
                family, given = typo_in_name(family, given, rng)
            elif kind == "swapped":
                family, given = given, family
            else:
                family, given = without_accents(family), without_accents(given)
            registrar = (
                self.territory.health_org_id
                if original.registered_by_id != self.territory.health_org_id
                else self.territory.comune_orgs.get(
                    original.residence_municipality_id or 0, self.territory.health_org_id
                )
            )
            duplicate = SyntheticPerson(
                key=self.next_key,
                family_names=family,
                given_names=given,
                sex=original.sex,
                birth_date=original.birth_date,
                birth_place_code=original.birth_place_code,
                birth_municipality_id=original.birth_municipality_id,
                citizenships=list(original.citizenships),
                languages=list(original.languages),
                residence_municipality_id=original.residence_municipality_id,
                residence_address=original.residence_address,
                domicile_municipality_id=original.domicile_municipality_id,
                domicile_address=original.domicile_address,
                registered_by_id=registrar,
                duplicate_of=original.key,
                duplicate_kind=kind,
            )
            self.next_key += 1
            ctx.unit.persons.append(duplicate)
            self.near_duplicates.append((original.key, duplicate.key, kind))


@dataclass
class _UnitContext:
    unit: Unit
    place: Place
    address: str
    country: Country | None
    undocumented: bool


def generate(
    *, seed: int, persons: int, territory: Territory, today: date
) -> tuple[list[Unit], Generator]:
    """The whole population in memory (tests and small sizes; the loader streams units)."""
    generator = Generator(seed=seed, territory=territory, today=today)
    return list(generator.units(persons)), generator
