"""The territory rule: a Distretto should coincide with one Ambito.

Source: seed document 002 (F. Pesaresi, "Dieci azioni/regole per l'integrazione
sociosanitaria"), rule 2 "Il territorio deve coincidere": "L'integrazione si realizza a livello
di ambito territoriale sociale coincidente con i distretti sanitari" — L. 328/2000 art. 8 and
D.Lgs. 147/2017. A Distretto coincides when the set of its Comuni equals the set of Comuni of
exactly one Ambito. Every expected value below is worked out by hand from the territory built
in the test.
"""

from __future__ import annotations

import pytest

from integra.core.access import Actor, NotFound, PermissionRequired
from integra.core.selectors import (
    Coincidence,
    MunicipalityFilters,
    district_coincidence,
    health_authority_list,
    health_authority_territory,
    municipality_list,
)
from tests.factories import (
    AmbitoFactory,
    DistrictFactory,
    HealthAuthorityFactory,
    MunicipalityFactory,
    RegionFactory,
)

# --- the rule alone (no database) ---------------------------------------------------------------


def test_rule_coincides_when_the_comuni_are_exactly_those_of_one_ambito() -> None:
    result = district_coincidence(
        ambito_of_municipality={1: 10, 2: 10, 3: 10},
        municipalities_of_ambito={10: [1, 2, 3]},
    )
    assert result.status == Coincidence.COINCIDES
    assert result.ambito_ids == {10}
    assert str(result.status.label) == "coincide"


def test_rule_district_split_among_several_ambiti() -> None:
    # Distretto {1,2,3,4} = Ambito 10 {1,2} + Ambito 11 {3,4}: each Ambito inside, two of them.
    result = district_coincidence(
        ambito_of_municipality={1: 10, 2: 10, 3: 11, 4: 11},
        municipalities_of_ambito={10: [1, 2], 11: [3, 4]},
    )
    assert result.status == Coincidence.SEVERAL_AMBITI
    assert result.ambito_ids == {10, 11}
    assert result.straddling_ambito_ids == frozenset()
    assert str(result.status.label) == "più ambiti"


def test_rule_one_ambito_larger_than_the_district_does_not_coincide() -> None:
    # Every Comune of the Distretto is in Ambito 10, but Ambito 10 also has Comune 9 elsewhere.
    result = district_coincidence(
        ambito_of_municipality={1: 10, 2: 10},
        municipalities_of_ambito={10: [1, 2, 9]},
    )
    assert result.status == Coincidence.AMBITO_ACROSS_DISTRICTS
    assert result.straddling_ambito_ids == {10}
    assert str(result.status.label) == "ambito su più distretti"


def test_rule_straddling_wins_over_split() -> None:
    result = district_coincidence(
        ambito_of_municipality={1: 10, 2: 11},
        municipalities_of_ambito={10: [1], 11: [2, 7]},
    )
    assert result.status == Coincidence.AMBITO_ACROSS_DISTRICTS
    assert result.ambito_ids == {10, 11}
    assert result.straddling_ambito_ids == {11}


def test_rule_comuni_without_ambito_and_empty_district() -> None:
    partial = district_coincidence(
        ambito_of_municipality={1: 10, 2: None},
        municipalities_of_ambito={10: [1]},
    )
    assert partial.status == Coincidence.MUNICIPALITIES_WITHOUT_AMBITO
    assert partial.municipalities_without_ambito == 1
    empty = district_coincidence(ambito_of_municipality={}, municipalities_of_ambito={})
    assert empty.status == Coincidence.NO_MUNICIPALITIES


# --- the rule on hand-built territories ---------------------------------------------------------


@pytest.fixture
def actor(make_actor, org_a) -> Actor:
    return make_actor(org_a)


@pytest.fixture
def mixed_territory(db):
    """An ATS with one ASST and three Distretti, each showing one case of rule 2:

    - D1 = {c1, c2} and Ambito A1 = {c1, c2}                      → coincide
    - D2 = {c3, c4, c5}, Ambito A2 = {c3, c4} and A3 = {c5}       → più ambiti
    - D3 = {c6, c7}, Ambito A4 = {c6, c7, c8}, c8 in D4 of another ASST → ambito su più distretti
    Populations: c1..c8 = 100, 200, ..., 800.
    """
    region = RegionFactory()
    ats = HealthAuthorityFactory(kind="ats", name="ATS Prova", region=region)
    asst = HealthAuthorityFactory(kind="asst", name="ASST Prova", parent=ats, region=region)
    other = HealthAuthorityFactory(kind="asst", name="ASST Altra", region=region)
    d1 = DistrictFactory(name="D1", health_authority=asst)
    d2 = DistrictFactory(name="D2", health_authority=asst)
    d3 = DistrictFactory(name="D3", health_authority=asst)
    d4 = DistrictFactory(name="D4", health_authority=other)
    a1, a2, a3, a4 = (AmbitoFactory(name=f"A{i}", region=region) for i in range(1, 5))
    layout = [(d1, a1), (d1, a1), (d2, a2), (d2, a2), (d2, a3), (d3, a4), (d3, a4), (d4, a4)]
    comuni = [
        MunicipalityFactory(name=f"c{i}", district=d, ambito=a, population=100 * i, region=region)
        for i, (d, a) in enumerate(layout, start=1)
    ]
    return {
        "ats": ats,
        "asst": asst,
        "other": other,
        "districts": (d1, d2, d3, d4),
        "ambiti": (a1, a2, a3, a4),
        "comuni": comuni,
    }


def test_authority_territory_classifies_each_district(actor, mixed_territory) -> None:
    territory = health_authority_territory(actor=actor, authority_id=mixed_territory["asst"].pk)
    rows = {r.district.name: r for r in territory.districts}
    assert list(rows) == ["D1", "D2", "D3"]
    assert rows["D1"].coincidence.status == Coincidence.COINCIDES
    assert [a.name for a in rows["D1"].ambiti] == ["A1"]
    assert rows["D2"].coincidence.status == Coincidence.SEVERAL_AMBITI
    assert [a.name for a in rows["D2"].ambiti] == ["A2", "A3"]
    assert rows["D3"].coincidence.status == Coincidence.AMBITO_ACROSS_DISTRICTS
    # Populations: D1 = 100+200, D2 = 300+400+500, D3 = 600+700; total 2,800.
    assert [r.population for r in territory.districts] == [300, 1200, 1300]
    assert territory.population == 2800
    assert territory.municipality_count == 7
    assert territory.coinciding_district_count == 1
    assert [m.name for m in rows["D2"].municipalities] == ["c3", "c4", "c5"]


def test_authority_territory_ambiti_seen_from_the_ambito(actor, mixed_territory) -> None:
    territory = health_authority_territory(actor=actor, authority_id=mixed_territory["asst"].pk)
    ambiti = {r.ambito.name: r for r in territory.ambiti}
    assert list(ambiti) == ["A1", "A2", "A3", "A4"]
    assert ambiti["A1"].status == Coincidence.COINCIDES
    assert ambiti["A1"].coincident_district.name == "D1"
    assert ambiti["A2"].status == Coincidence.SEVERAL_AMBITI
    assert ambiti["A3"].status == Coincidence.SEVERAL_AMBITI
    a4 = ambiti["A4"]
    assert a4.status == Coincidence.AMBITO_ACROSS_DISTRICTS
    assert a4.spans_several_districts
    assert [d.name for d in a4.districts] == ["D3"]  # D4 belongs to another ASST
    assert (a4.municipality_count, a4.municipalities_elsewhere, a4.district_count) == (3, 1, 2)
    assert a4.population == 600 + 700 + 800


def test_ats_shows_its_assts_and_their_districts(actor, mixed_territory) -> None:
    territory = health_authority_territory(actor=actor, authority_id=mixed_territory["ats"].pk)
    assert [c.name for c in territory.children] == ["ASST Prova"]
    child = territory.children[0]
    assert (child.district_count, child.municipality_count, child.ambito_count) == (3, 7, 4)
    assert child.population == 2800
    assert [r.district.name for r in territory.districts] == ["D1", "D2", "D3"]


def test_authority_list_counts_roll_up_to_the_ats(actor, mixed_territory) -> None:
    rows = {a.name: a for a in health_authority_list(actor=actor)}
    ats, asst, other = rows["ATS Prova"], rows["ASST Prova"], rows["ASST Altra"]
    assert (ats.district_count, ats.ambito_count, ats.municipality_count) == (3, 4, 7)
    assert ats.population == 2800
    assert (asst.district_count, asst.ambito_count, asst.municipality_count) == (3, 4, 7)
    assert (other.district_count, other.ambito_count, other.municipality_count) == (1, 1, 1)
    assert other.population == 800
    # An ATS comes first in its region.
    assert next(iter(rows)) == "ATS Prova"
    assert [a.name for a in health_authority_list(actor=actor, kind="ats")] == ["ATS Prova"]


def test_authority_territory_queries_do_not_grow(
    actor, build_territory, count_queries, django_assert_max_num_queries
) -> None:
    small = build_territory(districts=2, per_district=2)
    big = build_territory(districts=12, per_district=6)

    def load(authority_id: int) -> None:
        territory = health_authority_territory(actor=actor, authority_id=authority_id)
        for row in territory.districts:
            [m.ambito.name for m in row.municipalities]
        for ambito_row in territory.ambiti:
            ambito_row.ambito.lead_municipality.name  # noqa: B018

    small_count = count_queries(lambda: load(small.authority.pk))
    with django_assert_max_num_queries(small_count):
        load(big.authority.pk)
    assert small_count <= 4


def test_missing_authority_is_not_found(actor) -> None:
    with pytest.raises(NotFound):
        health_authority_territory(actor=actor, authority_id=999_999)


def test_actor_without_membership_is_refused(django_user_model) -> None:
    user = django_user_model.objects.create(username="senza-ente")
    with pytest.raises(PermissionRequired):
        health_authority_list(actor=Actor.for_membership(user, None))


def test_municipality_search_puts_names_starting_with_the_text_first(actor) -> None:
    for name in ["Casalmelegnano", "Melegnano", "San Zenone"]:
        MunicipalityFactory(name=name)
    found = municipality_list(actor=actor, filters=MunicipalityFilters(q="melegn"))
    assert [m.name for m in found] == ["Melegnano", "Casalmelegnano"]


def test_municipality_search_by_codes(actor) -> None:
    m = MunicipalityFactory(name="Prova", istat_code="015140", belfiore_code="F100")
    MunicipalityFactory(name="Altro", istat_code="016001", belfiore_code="F101")
    assert list(municipality_list(actor=actor, filters=MunicipalityFilters(q="0151"))) == [m]
    assert list(municipality_list(actor=actor, filters=MunicipalityFilters(q="f100"))) == [m]
    by_code = MunicipalityFilters(istat_code="015140", belfiore_code="F100")
    assert list(municipality_list(actor=actor, filters=by_code)) == [m]
