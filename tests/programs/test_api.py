"""/api/v1/measures: rule sets, screening, evidence (problem+json errors, 404 across
organisations, 422 naming each field in Italian)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.core.permissions import Role
from integra.programs.facts import FactKind
from integra.programs.models import EligibilityFact, ScreeningRecord
from tests.programs.factories import fact_of, isee_of, person_in_charge

pytestmark = pytest.mark.django_db
BASE = "/api/v1/measures"


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, url: str, data: dict, headers: dict):
    return client.post(url, data, content_type="application/json", **headers)


@pytest.fixture
def person(org_a):
    return person_in_charge(org_a)


@pytest.fixture
def doctor(org_a, make_membership):
    return bearer(make_membership(org_a, Role.DOCTOR, Role.SOCIAL_WORKER))


def fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"] for e in response.json()["errors"]}


def test_measures_and_rules(client, doctor) -> None:
    body = client.get(f"{BASE}?on=2025-06-01", **doctor).json()
    assert {m["code"]: m["rule_set"]["act"] for m in body} == {
        "B1": "DGR XII/3719 del 30/12/2024",
        "B2": "DGR XII/3719 del 30/12/2024",
    }
    after_bridge = {
        m["code"]: m["rule_set"] for m in client.get(f"{BASE}?on=2026-05-01", **doctor).json()
    }
    assert after_bridge["B1"] is None and after_bridge["B2"]["status"] == "suspended"
    rules = client.get(f"{BASE}/b1/rules?on=2025-06-01", **doctor).json()
    assert rules["parameters"]["isee"]["adult_max"] == "50000.00"
    assert client.get(f"{BASE}/B1/rules?on=2026-05-01", **doctor).status_code == 404
    assert client.get(f"{BASE}?on=ieri", **doctor).status_code == 422


def test_screen_and_record(client, person, doctor) -> None:
    isee_of(person, "50000.00")  # exactly the B1 adult limit (DGR XII/3719): eligible
    fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    fact_of(person, FactKind.GCS, number="10")
    response = post(
        client, f"{BASE}/B1/screen", {"person_id": person.pk, "on_date": "2025-06-01"}, doctor
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "eligible"
    assert body["rule_set"]["act"] == "DGR XII/3719 del 30/12/2024"
    assert [c["code"] for c in body["criteria"]][:3] == ["isee", "accompagnamento", "conditions"]
    assert body["criteria"][0]["evidence"][0]["value"] == "50000.00"
    assert body["record_id"] is None
    saved = post(
        client,
        f"{BASE}/B1/screen",
        {"person_id": person.pk, "on_date": "2025-06-01", "record": True},
        doctor,
    ).json()
    record = ScreeningRecord.objects.get()
    assert saved["record_id"] == record.pk and record.result["outcome"] == "eligible"


def test_screen_b2_2026_suspended(client, person, doctor) -> None:
    body = post(
        client, f"{BASE}/B2/screen", {"person_id": person.pk, "on_date": "2026-02-01"}, doctor
    ).json()
    assert body["outcome"] == "suspended"


def test_screen_errors(client, person, doctor, org_a, org_b, make_membership) -> None:
    url = f"{BASE}/B1/screen"
    bad_date = post(client, url, {"person_id": person.pk, "on_date": "2025-13-01"}, doctor)
    assert bad_date.status_code == 422 and fields(bad_date) == {"on_date"}
    assert "AAAA-MM-GG" in bad_date.json()["errors"][0]["message"]
    assert fields(post(client, url, {"person_id": "abc"}, doctor)) == {"person_id"}
    assert fields(post(client, url, {}, doctor)) == {"person_id"}
    no_rules = post(client, url, {"person_id": person.pk, "on_date": "2026-05-01"}, doctor)
    assert no_rules.status_code == 422
    assert no_rules.json()["code"] == "no_rules_in_force" and fields(no_rules) == {"on_date"}
    assert post(client, f"{BASE}/ZZ/screen", {"person_id": person.pk}, doctor).status_code == 404
    assert post(client, f"{BASE}/B%20/screen", {"person_id": person.pk}, doctor).status_code in {
        404,
        422,
    }
    missing = post(client, url, {"person_id": 999999}, doctor)
    assert missing.status_code == 404
    stranger = bearer(make_membership(org_b, Role.DOCTOR, Role.SOCIAL_WORKER))
    assert post(client, url, {"person_id": person.pk}, stranger).status_code == 404
    pua = bearer(make_membership(org_a, Role.PUA_OPERATOR))
    assert post(client, url, {"person_id": person.pk}, pua).status_code == 403


def test_evidence_api(client, person, doctor, org_a, org_b, make_membership) -> None:
    created = post(
        client,
        f"{BASE}/evidence",
        {"person_id": person.pk, "kind": "edss", "value": 9.5, "valid_from": "2025-01-10"},
        doctor,
    )
    assert created.status_code == 201, created.content
    assert created.json()["value"] == "9.5" or float(created.json()["value"]) == 9.5
    flag = post(
        client,
        f"{BASE}/evidence",
        {"person_id": person.pk, "kind": "rsa_aperta", "value": True, "valid_from": "2025-01-10"},
        doctor,
    ).json()
    assert flag["value"] is True
    social = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    listed = client.get(f"{BASE}/evidence?person_id={person.pk}", **social).json()
    assert [f["kind"] for f in listed] == ["rsa_aperta"]  # EDSS is health data
    assert len(client.get(f"{BASE}/evidence?person_id={person.pk}", **doctor).json()) == 2
    ended = post(client, f"{BASE}/evidence/{flag['id']}/end", {"valid_until": "2025-03-31"}, doctor)
    assert ended.json()["valid_until"] == "2025-03-31"
    stranger = bearer(make_membership(org_b, Role.DOCTOR, Role.SOCIAL_WORKER))
    assert client.get(f"{BASE}/evidence?person_id={person.pk}", **stranger).status_code == 404
    assert (
        post(
            client, f"{BASE}/evidence/{flag['id']}/end", {"valid_until": "2025-03-31"}, stranger
        ).status_code
        == 404
    )


def test_evidence_api_errors(client, person, doctor, org_a, make_membership) -> None:
    url = f"{BASE}/evidence"
    wrong = post(
        client,
        url,
        {"person_id": person.pk, "kind": "edss", "value": "molto", "valid_from": "2025-01-10"},
        doctor,
    )
    assert wrong.status_code == 422 and fields(wrong) == {"value"}
    assert wrong.json()["errors"][0]["message"] == "Serve un numero."
    unknown = post(
        client,
        url,
        {"person_id": person.pk, "kind": "boh", "value": 1, "valid_from": "2025-01-10"},
        doctor,
    )
    assert fields(unknown) == {"kind"}
    period = post(
        client,
        url,
        {
            "person_id": person.pk,
            "kind": "pro_vi",
            "value": False,
            "valid_from": "2025-01-10",
            "valid_until": "2024-01-01",
        },
        doctor,
    )
    assert fields(period) == {"valid_until"}
    social = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    health_by_social = post(
        client,
        url,
        {"person_id": person.pk, "kind": "gcs", "value": 8, "valid_from": "2025-01-10"},
        social,
    )
    assert health_by_social.status_code == 403
    assert not EligibilityFact.objects.exists()


def test_screening_query_count_does_not_grow(
    client, person, doctor, django_assert_max_num_queries
) -> None:
    isee_of(person, "1000.00")
    for _n in range(3):
        fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    url = f"{BASE}/B1/screen"
    post(client, url, {"person_id": person.pk, "on_date": "2025-06-01"}, doctor)  # warm-up
    with django_assert_max_num_queries(25) as few:
        post(client, url, {"person_id": person.pk, "on_date": "2025-06-01"}, doctor)
    baseline = len(few.captured_queries)
    for _n in range(20):
        fact_of(person, FactKind.GCS, number="9", valid_from=date(2024, 2, 1))
        isee_of(person, "2000.00")
    with django_assert_max_num_queries(baseline):
        post(client, url, {"person_id": person.pk, "on_date": "2025-06-01"}, doctor)


def test_upload_rules_api(client, org_a, make_membership) -> None:
    from tests.programs.test_rules import B2_2027

    admin = bearer(make_membership(org_a, Role.SYSTEM_ADMIN))
    url = f"{BASE}/rule-sets"
    created = post(client, url, {"text": B2_2027, "source_name": "b2_2027.toml"}, admin)
    assert created.status_code == 201 and created.json()["outcome"] == "created"
    again = post(client, url, {"text": B2_2027}, admin)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    bad = post(client, url, {"text": "measure = "}, admin)
    assert bad.status_code == 422 and bad.json()["code"] == "rules_invalid"
    assert fields(bad) == {"file"}
    social = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    assert post(client, url, {"text": B2_2027}, social).status_code == 403
