"""The territory API on the real ISTAT list and the demo configuration."""

from __future__ import annotations

import pytest

from integra.core.models import HealthAuthority

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_territory")]

BASE = "/api/v1/territory"


def test_melegnano_by_istat_code(operator_client) -> None:
    body = operator_client.get(f"{BASE}/municipalities/015140").json()
    assert body["name"] == "Melegnano"
    assert body["belfiore_code"] == "F100"
    assert body["population"] == 17964
    assert body["population_year"] == 2023
    assert body["ambito_name"] == "Ambito Sud Est Milano"
    assert body["district_name"] == "Distretto Sud Est Milano"


def test_regions_and_search(operator_client) -> None:
    assert operator_client.get(f"{BASE}/regions").json()["count"] == 20
    body = operator_client.get(f"{BASE}/municipalities", {"q": "Cassina de'"}).json()
    assert [m["name"] for m in body["items"]] == ["Cassina de' Pecchi"]
    # 7,896 Comuni: the count stops at the cap (integra/api/pagination.py) and says so.
    body = operator_client.get(f"{BASE}/municipalities").json()
    assert (body["count"], body["count_capped"]) == (1000, True)


def test_demo_asst_districts_and_rule_2(operator_client) -> None:
    """Seed 002, rule 2: in the demo, Alta Martesana, Sud Est Milano and Visconteo coincide
    with one Ambito each; Adda (Melzo + Trezzo) and Bassa Martesana – Paullese (Pioltello +
    Paullo) hold two Ambiti each."""
    asst = HealthAuthority.objects.get(code="ASST-MM")
    body = operator_client.get(f"{BASE}/health-authorities/{asst.pk}").json()
    statuses = {d["name"]: d["coincidence"]["status"] for d in body["districts"]}
    assert statuses == {
        "Distretto Adda": "several_ambiti",
        "Distretto Alta Martesana": "coincides",
        "Distretto Bassa Martesana – Paullese": "several_ambiti",
        "Distretto Sud Est Milano": "coincides",
        "Distretto Visconteo": "coincides",
    }
    assert body["coinciding_district_count"] == 3
    assert body["municipality_count"] == 53
    sud_est = next(d for d in body["districts"] if d["name"] == "Distretto Sud Est Milano")
    # 4126 + 5137 + 17964 + 32014 + 39444 + 4429 + 3877 (CSV, population at 1/1/2023)
    assert sud_est["population"] == 106991
    assert len(body["ambiti"]) == 7
