"""API of cost shares: /api/v1/cost-rules, /copayment-regulations, /cost-split/preview."""

from __future__ import annotations

import json

import pytest

from integra.costshares.models import CopaymentRegulation

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Regolamento assistenza domiciliare",
    "act": "Delibera C.C. n. 7/2025",
    "isee_kind": "sociosanitario",
    "periods": [
        {
            "valid_from": "2025-01-01",
            "shape": "bands",
            "source": "Regolamento art. 6, tabella A",
            "monthly_cap": "500.00",
            "bands": [
                {"isee_up_to": "6000.00", "person_percent": "0"},
                {"isee_up_to": "15000.00", "person_percent": "30"},
                {"isee_up_to": None, "person_percent": "100"},
            ],
        }
    ],
}


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def test_cost_rules_in_force_on_a_date(login, social_worker_a, django_assert_max_num_queries):
    client = login(social_worker_a)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/cost-rules", {"on": "2026-03-01"}).json()
    by_code = {s["code"]: s for s in body}
    # DPCM 12/1/2017 art. 22 c.4: two rules in force, 100% in the first 30 days, then 50%.
    aid = by_code["home-tutelary-aid"]["rules"]
    assert sorted((r["ssn_percent"], r["max_days_after_discharge"]) for r in aid) == [
        ("100.00", 30),
        ("50.00", None),
    ]
    # Before the DPCM was in force (19/3/2017) no rule applies.
    before = client.get("/api/v1/cost-rules", {"on": "2017-03-18"}).json()
    assert all(s["rules"] == [] for s in before)


def test_create_read_patch_a_regulation(login, coordinator_a, org_a):
    client = login(coordinator_a)
    response = post(client, "/api/v1/copayment-regulations", BODY)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["organization"]["id"] == org_a.pk
    assert [b["person_percent"] for b in created["periods"][0]["bands"]] == [
        "0.00",
        "30.00",
        "100.00",
    ]
    url = f"/api/v1/copayment-regulations/{created['id']}"
    assert client.get(url).json()["name"] == BODY["name"]
    response = patch(client, url, {"act": "Delibera C.C. n. 9/2025"})
    assert response.status_code == 200
    assert response.json()["act"] == "Delibera C.C. n. 9/2025"
    assert len(response.json()["periods"]) == 1


def test_overlapping_periods_answer_422_in_italian(login, coordinator_a):
    client = login(coordinator_a)
    body = dict(BODY)
    body["periods"] = [BODY["periods"][0], {**BODY["periods"][0], "valid_from": "2025-06-01"}]
    response = post(client, "/api/v1/copayment-regulations", body)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "si sovrappone" in fields["periods.1.valid_from"]
    assert not CopaymentRegulation.objects.exists()


def test_who_writes(login, social_worker_a, coordinator_a, regulation_d, org_d):
    worker = login(social_worker_a)
    assert post(worker, "/api/v1/copayment-regulations", BODY).status_code == 403
    url = f"/api/v1/copayment-regulations/{regulation_d.pk}"
    assert worker.get(url).status_code == 200  # reading is for every catalogue reader
    assert patch(worker, url, {"name": "X"}).status_code == 403
    coordinator = login(coordinator_a)
    assert patch(coordinator, url, {"name": "X"}).status_code == 404
    missing = patch(coordinator, "/api/v1/copayment-regulations/999999", {"name": "X"})
    assert missing.status_code == 404
    body = {**BODY, "organization_id": org_d.pk}
    assert post(coordinator, "/api/v1/copayment-regulations", body).status_code == 404


def test_preview_the_brief_example(login, social_worker_a, regulation_a, org_a):
    # DPCM 12/1/2017 art. 22 c.4: on day 31 after a protected discharge 50% of €1,200 = €600;
    # the Comune's linear scale (€8,000–€28,000) for ISEE €15,000: 35% → person €210.00.
    client = login(social_worker_a)
    response = post(
        client,
        "/api/v1/cost-split/preview",
        {
            "setting_code": "home-tutelary-aid",
            "monthly_tariff": "1200.00",
            "on": "2026-03-01",
            "days_since_protected_discharge": 31,
            "organization_id": org_a.pk,
            "isee_value": "15000.00",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["ssn_amount"],
        body["comune_amount"],
        body["person_amount"],
        body["other_amount"],
    ) == (
        "600.00",
        "390.00",
        "210.00",
        "0.00",
    )
    assert body["regulation_id"] == regulation_a.pk
    assert any("art. 22 c.4" in line for line in body["explanation"])


def test_preview_without_isee_warns(login, social_worker_a, regulation_a, org_a):
    client = login(social_worker_a)
    body = post(
        client,
        "/api/v1/cost-split/preview",
        {
            "setting_code": "residential-long-term",
            "monthly_tariff": "2400.00",
            "on": "2026-03-01",
            "organization_id": org_a.pk,
        },
    ).json()
    assert body["isee_missing"] is True
    assert body["person_amount"] == "1200.00"
    assert body["warnings"]


def test_preview_negative_tariff_is_refused(login, social_worker_a):
    client = login(social_worker_a)
    response = post(
        client,
        "/api/v1/cost-split/preview",
        {"setting_code": "social-only", "monthly_tariff": "-10", "on": "2026-03-01"},
    )
    assert response.status_code == 422
    assert "negativa" in response.json()["errors"][0]["message"]


def test_regulation_list_query_count(
    login, social_worker_a, make_actor, org_a, django_assert_max_num_queries
):
    from integra.core.permissions import Role
    from tests.costshares.conftest import make_regulation

    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    client = login(social_worker_a)
    make_regulation(actor, name="Uno")
    with django_assert_max_num_queries(14) as one:
        assert client.get("/api/v1/copayment-regulations").json()["count"] == 1
    for n in range(4):
        make_regulation(actor, name=f"Altro {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/api/v1/copayment-regulations").json()["count"] == 5
