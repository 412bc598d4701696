"""Territory API: filters, pagination, problem+json errors, constant query counts."""

from __future__ import annotations

import pytest

from integra.core.models import Region
from tests.factories import (
    AmbitoFactory,
    HealthAuthorityFactory,
    MunicipalityFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/territory"


def test_requires_authentication(client) -> None:
    response = client.get(f"{BASE}/regions")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_operator_without_membership_is_refused(client) -> None:
    client.force_login(UserFactory())
    # Logged in, but acting for no organisation: no permission to view the territory.
    response = client.get(f"{BASE}/regions")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_regions_paginated(operator_client) -> None:
    RegionFactory(istat_code="01", name="Piemonte")
    lombardia = RegionFactory(istat_code="03", name="Lombardia")
    MunicipalityFactory(region=lombardia, population=1500)
    MunicipalityFactory(region=lombardia, population=None)
    body = operator_client.get(f"{BASE}/regions", {"limit": 1, "offset": 1}).json()
    assert body["count"] == 2
    assert body["items"] == [
        {
            "id": lombardia.pk,
            "istat_code": "03",
            "name": "Lombardia",
            "municipality_count": 2,
            "population": 1500,
        }
    ]


def test_health_authorities_filters(operator_client, build_territory) -> None:
    lombardia = RegionFactory(istat_code="03", name="Lombardia")
    lazio = RegionFactory(istat_code="12", name="Lazio")
    ats = HealthAuthorityFactory(kind="ats", name="ATS Uno", region=lombardia)
    built = build_territory(
        districts=2,
        per_district=2,
        authority=HealthAuthorityFactory(
            kind="asst", name="ASST Uno", parent=ats, region=lombardia
        ),
    )
    HealthAuthorityFactory(kind="asl", name="ASL Roma", region=lazio)

    body = operator_client.get(f"{BASE}/health-authorities", {"region": lombardia.pk}).json()
    assert body["count"] == 2
    assert [a["name"] for a in body["items"]] == ["ATS Uno", "ASST Uno"]
    ats_row = body["items"][0]
    assert ats_row["kind"] == "ats"
    assert ats_row["region_name"] == "Lombardia"
    # The ATS counts the Distretti and Comuni of its ASST: 2 Distretti, 4 Comuni × 1,000.
    assert (ats_row["district_count"], ats_row["municipality_count"]) == (2, 4)
    assert (ats_row["ambito_count"], ats_row["population"]) == (2, 4000)
    assert body["items"][1]["parent_id"] == ats.pk
    assert built.authority.pk == body["items"][1]["id"]

    body = operator_client.get(f"{BASE}/health-authorities", {"kind": "asl"}).json()
    assert [a["name"] for a in body["items"]] == ["ASL Roma"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("health-authorities", {"region": "lombardia"}),
        ("health-authorities", {"kind": "ospedale"}),
        ("districts", {"health_authority": "x"}),
        ("ambiti", {"district": "1.5"}),
        ("municipalities", {"region": "abc"}),
        ("municipalities", {"istat_code": "15140"}),
        ("municipalities", {"belfiore_code": "F10"}),
        ("municipalities", {"limit": 0}),
        ("municipalities", {"limit": 501}),
        ("municipalities", {"offset": -1}),
        ("municipalities", {"offset": 10**20}),  # would overflow PostgreSQL's bigint
        ("municipalities", {"q": "\x00"}),  # PostgreSQL text cannot hold NUL
        ("municipalities", {"q": "x" * 101}),
        ("health-authorities/abc", {}),
    ],
)
def test_bad_filters_are_422_problems(operator_client, path, params) -> None:
    response = operator_client.get(f"{BASE}/{path}", params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "health-authorities/999999",
        "health-authorities/99999999999999999999",
        "municipalities/999999",
        "municipalities/xyz",
        "municipalities/%00",
    ],
)
def test_missing_is_404_problem(operator_client, path) -> None:
    response = operator_client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_health_authority_detail_with_coincidence(operator_client, build_territory) -> None:
    built = build_territory(districts=2, per_district=2)
    # Comune 3 (of the second Distretto) moves to the first Ambito: the first Ambito straddles
    # two Distretti (seed 002, rule 2 broken) and the second Distretto has two Ambiti.
    moved = built.municipalities[2]
    moved.ambito = built.ambiti[0]
    moved.save()
    body = operator_client.get(f"{BASE}/health-authorities/{built.authority.pk}").json()
    assert body["id"] == built.authority.pk
    assert body["children"] == []
    assert body["coinciding_district_count"] == 0
    first, second = body["districts"]
    assert first["coincidence"]["status"] == "ambito_across_districts"
    assert first["coincidence"]["label"] == "ambito su più distretti"
    assert first["coincidence"]["straddling_ambito_ids"] == [built.ambiti[0].pk]
    assert second["coincidence"]["status"] == "ambito_across_districts"
    assert sorted(second["coincidence"]["ambito_ids"]) == sorted(a.pk for a in built.ambiti)
    assert [m["istat_code"] for m in first["municipalities"]] == sorted(
        m.istat_code for m in built.municipalities[:2]
    )
    ambiti = {a["id"]: a for a in body["ambiti"]}
    first_ambito = ambiti[built.ambiti[0].pk]
    assert first_ambito["status"] == "ambito_across_districts"
    assert first_ambito["district_ids"] == [d.pk for d in built.districts]
    assert first_ambito["municipality_count"] == 3
    assert first_ambito["population"] == 3000


def test_districts_list_carries_coincidence(operator_client, build_territory) -> None:
    built = build_territory(districts=2, per_district=2)
    body = operator_client.get(f"{BASE}/districts", {"health_authority": built.authority.pk}).json()
    assert body["count"] == 2
    assert [d["coincidence"]["status"] for d in body["items"]] == ["coincides", "coincides"]
    assert [d["municipality_count"] for d in body["items"]] == [2, 2]
    assert body["items"][0]["coincidence"]["label"] == "coincide"


def test_ambiti_filters(operator_client, build_territory) -> None:
    built = build_territory(districts=3, per_district=2)
    build_territory(districts=2, per_district=1)
    body = operator_client.get(f"{BASE}/ambiti", {"health_authority": built.authority.pk}).json()
    assert body["count"] == 3
    assert {a["id"] for a in body["items"]} == {a.pk for a in built.ambiti}
    body = operator_client.get(f"{BASE}/ambiti", {"district": built.districts[1].pk}).json()
    assert [a["id"] for a in body["items"]] == [built.ambiti[1].pk]
    item = body["items"][0]
    assert (item["municipality_count"], item["population"], item["district_count"]) == (2, 2000, 1)
    assert item["lead_municipality_istat_code"] == built.municipalities[2].istat_code


def test_municipalities_filters(operator_client, build_territory) -> None:
    built = build_territory(districts=2, per_district=2)
    other_region = RegionFactory(istat_code="12", name="Lazio")
    MunicipalityFactory(name="Melegnano", istat_code="015140", belfiore_code="F100")
    MunicipalityFactory(name="Casalmelegnano", region=other_region)

    def names(**params) -> list[str]:
        return [
            m["name"] for m in operator_client.get(f"{BASE}/municipalities", params).json()["items"]
        ]

    assert names(q="melegnano") == ["Melegnano", "Casalmelegnano"]
    assert names(istat_code="015140") == ["Melegnano"]
    assert names(belfiore_code="f100") == ["Melegnano"]
    assert names(region=other_region.pk) == ["Casalmelegnano"]
    assert names(ambito=built.ambiti[0].pk) == sorted(m.name for m in built.municipalities[:2])
    assert names(district=built.districts[1].pk) == sorted(m.name for m in built.municipalities[2:])
    assert names(region=999999) == []
    body = operator_client.get(f"{BASE}/municipalities", {"limit": 2, "offset": 0}).json()
    assert body["count"] == 6
    assert len(body["items"]) == 2


def test_municipality_detail(operator_client, build_territory) -> None:
    built = build_territory(districts=1, per_district=1)
    comune = built.municipalities[0]
    body = operator_client.get(f"{BASE}/municipalities/{comune.istat_code}").json()
    assert body["istat_code"] == comune.istat_code
    assert body["belfiore_code"] == comune.belfiore_code
    assert body["ambito_name"] == built.ambiti[0].name
    assert body["district_name"] == built.districts[0].name
    assert body["region_name"] == Region.objects.get(pk=comune.region_id).name


@pytest.mark.parametrize(
    "path",
    ["regions", "health-authorities", "districts", "ambiti", "municipalities", "detail"],
)
def test_list_queries_do_not_grow_with_rows(
    operator_client, build_territory, count_queries, django_assert_max_num_queries, path
) -> None:
    small = build_territory(districts=2, per_district=1)
    RegionFactory(istat_code="12", name="Lazio")

    def url(authority_id: int) -> str:
        if path == "detail":
            return f"{BASE}/health-authorities/{authority_id}"
        return f"{BASE}/{path}"

    def get(authority_id: int) -> None:
        assert operator_client.get(url(authority_id)).status_code == 200

    get(small.authority.pk)
    baseline = count_queries(lambda: get(small.authority.pk))
    big = build_territory(districts=25, per_district=4)
    for i in range(30):
        AmbitoFactory(region=big.authority.region, lead_municipality=big.municipalities[i])
    with django_assert_max_num_queries(baseline):
        get(big.authority.pk)
    assert baseline <= 12
