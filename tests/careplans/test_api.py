"""The care plan API: the walk from the UVM outcome to an active plan, optimistic locking
(428 without If-Match, 412 with a stale one, the second of two edits refused), 404 across
organisations, the health filter, tasks and the caseload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integra.careplans.models import CarePlan, PlanState
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from tests.factories import OrganizationFactory

JSON = "application/json"


@pytest.fixture
def api(manager_b):
    client = Client()
    client.force_login(manager_b.user)
    return client


def _json(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def _post(client, url, data, etag=None, status=200):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return _json(client.post(url, data, content_type=JSON, **headers), status)


def _etag(client, plan_id):
    response = client.get(f"/api/v1/care-plans/{plan_id}")
    assert response.status_code == 200
    return response["ETag"]


def test_from_uvm_to_active_plan_through_the_api(api, concluded_session, service):
    plan = _post(
        api, "/api/v1/care-plans/from-uvm", {"uvm_session_id": concluded_session.pk}, status=201
    )
    assert plan["state"] == "bozza" and plan["needs_summary"]["autonomia"]
    assert "salute" not in plan["needs_summary"]  # a case manager has no health permission
    url = f"/api/v1/care-plans/{plan['id']}"
    plan = _json(
        api.patch(
            url,
            {
                "strengths_person": "Cucina da sola",
                "person_commitments": "Partecipa al centro diurno",
            },
            content_type=JSON,
            HTTP_IF_MATCH=_etag(api, plan["id"]),
        )
    )
    deadline = (timezone.localdate() + timedelta(days=60)).isoformat()
    plan = _post(
        api,
        f"{url}/goals",
        {
            "need_domain": "autonomia",
            "description": "Bagno assistito",
            "indicator": "Bagni a settimana",
            "target": "2",
            "deadline": deadline,
        },
        _etag(api, plan["id"]),
    )
    goal_id = plan["goals"][0]["id"]
    bad = api.post(
        f"{url}/interventions",
        {
            "service_id": service.pk,
            "goal_id": goal_id,
            "starts_on": timezone.localdate().isoformat(),
            "monthly_cost": "800.00",
            "ssn_amount": "400.00",
            "comune_amount": "300.00",
        },
        content_type=JSON,
        HTTP_IF_MATCH=_etag(api, plan["id"]),
    )
    assert bad.status_code == 422 and "monthly_cost" in str(bad.json()["errors"])
    # DPCM 12/1/2017 art. 22 c.4 after the first 30 days: 50% SSN; the rest Comune and person
    plan = _post(
        api,
        f"{url}/interventions",
        {
            "service_id": service.pk,
            "goal_id": goal_id,
            "starts_on": timezone.localdate().isoformat(),
            "monthly_cost": "800.00",
            "ssn_amount": "400.00",
            "comune_amount": "260.00",
            "person_amount": "140.00",
        },
        _etag(api, plan["id"]),
    )
    assert plan["interventions"][0]["person_amount"] == "140.00"
    plan = _post(api, f"{url}/propose", {"note": "Prima proposta"}, _etag(api, plan["id"]))
    assert plan["state"] == "proposto" and plan["versions"][0]["number"] == 1
    version = _json(api.get(f"{url}/versions/1"))
    assert len(version["content_hash"]) == 64
    plan = _post(
        api, f"{url}/sign", {"version_hash": version["content_hash"]}, _etag(api, plan["id"])
    )
    assert plan["state"] == "sottoscritto" and plan["versions"][0]["signed"] is True
    plan = _post(api, f"{url}/activate", {}, _etag(api, plan["id"]))
    assert plan["state"] == "attivo" and plan["starts_on"] == timezone.localdate().isoformat()
    plan = _post(api, f"{url}/review", {"reason": "Caduta in casa"}, _etag(api, plan["id"]))
    assert plan["state"] == "in_revisione"


def test_edits_need_if_match_and_a_stale_one_is_412(api, plan, make_membership, org_b):
    url = f"/api/v1/care-plans/{plan.pk}"
    missing = api.patch(url, {"title": "Nuovo"}, content_type=JSON)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    etag = _etag(api, plan.pk)
    first = api.patch(url, {"title": "Primo"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] != etag
    # a second operator who read the same version
    colleague = Client()
    colleague.force_login(make_membership(org_b, Role.CASE_MANAGER).user)
    second = colleague.patch(url, {"title": "Secondo"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert second.status_code in (404, 412)  # not their case: 404; the owner's stale edit: 412
    stale = api.patch(url, {"title": "Terzo"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "stale_edit"
    plan.refresh_from_db()
    assert plan.title == "Primo"


def test_a_colleague_of_the_holding_organisation_is_refused_when_stale(
    api, plan, make_membership, org_b
):
    url = f"/api/v1/care-plans/{plan.pk}"
    colleague = Client()
    colleague.force_login(make_membership(org_b, Role.SOCIAL_WORKER).user)
    etag = _etag(api, plan.pk)
    assert _etag(colleague, plan.pk) == etag
    assert api.patch(url, {"title": "A"}, content_type=JSON, HTTP_IF_MATCH=etag).status_code == 200
    refused = colleague.patch(url, {"title": "B"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert refused.status_code == 412
    assert CarePlan.objects.get(pk=plan.pk).title == "A"


def test_another_organisation_gets_404_like_a_missing_plan(plan, make_membership):
    other = OrganizationFactory(
        name="Comune di Zeta", code="comune-zeta", kind=OrganizationKind.MUNICIPALITY
    )
    client = Client()
    client.force_login(make_membership(other, Role.CASE_MANAGER).user)
    for url in (f"/api/v1/care-plans/{plan.pk}", f"/api/v1/care-plans/{plan.pk}/versions"):
        hidden, missing = client.get(url), client.get(url.replace(str(plan.pk), "999999"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["code"] == missing.json()["code"]
    assert _json(client.get("/api/v1/care-plans"))["items"] == []


def test_tasks_and_caseload(api, plan, manager_b, make_membership, org_b):
    nurse = make_membership(org_b, Role.NURSE)
    url = f"/api/v1/care-plans/{plan.pk}"
    _post(
        api,
        f"{url}/team",
        {"membership_id": nurse.pk, "profession": "infermiere"},
        _etag(api, plan.pk),
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    task = _post(
        api,
        f"{url}/tasks",
        {
            "assignee_id": nurse.pk,
            "title": "Medicazione",
            "due_on": timezone.localdate().isoformat(),
        },
        status=201,
    )
    nurse_client = Client()
    nurse_client.force_login(nurse.user)
    mine = _json(nurse_client.get("/api/v1/tasks"))
    assert [t["id"] for t in mine["items"]] == [task["id"]]
    assert _json(nurse_client.get("/api/v1/tasks?overdue=true"))["items"] == []
    from integra.careplans.models import CareTask

    CareTask.objects.filter(pk=task["id"]).update(due_on=yesterday)
    assert [t["id"] for t in _json(nurse_client.get("/api/v1/tasks?overdue=true"))["items"]] == [
        task["id"]
    ]
    done = _post(nurse_client, f"/api/v1/tasks/{task['id']}/done", {"outcome_notes": "ok"})
    assert done["state"] == "fatto"
    CarePlan.objects.filter(pk=plan.pk).update(next_review_on=yesterday)
    rows = _json(api.get("/api/v1/caseloads"))["items"]
    assert [(r["id"], r["review_state"]) for r in rows] == [(plan.pk, "overdue")]
    assert plan.state == PlanState.DRAFT
