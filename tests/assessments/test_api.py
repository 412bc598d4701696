"""/api/v1/instruments and /api/v1/assessments (integra/assessments/api.py)."""

from __future__ import annotations

import pytest

from integra.accounts.services import api_token_create
from integra.assessments.models import Assessment
from integra.core.permissions import Role
from tests.api.conftest import assert_problem
from tests.assessments.conftest import fill, shipped
from tests.people.factories import CareRelationshipFactory, PersonFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def bearer():
    def make(membership):
        _token, raw = api_token_create(
            user=membership.user, membership=membership, name="test", second_factor_verified=True
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


@pytest.fixture
def nurse(org_a, make_membership, bearer):
    return bearer(make_membership(org_a, Role.NURSE))


def test_instrument_list(client, nurse):
    response = client.get(f"{API}/instruments", **nurse)
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()}
    assert {"barthel", "katz", "lawton", "spmsq", "norton", "gcs", "social", "pua_triage"} <= codes
    barthel = next(r for r in response.json() if r["code"] == "barthel")
    assert (barthel["min_total"], barthel["max_total"]) == (0, 100)


def test_instrument_list_needs_authentication(client):
    assert_problem(client.get(f"{API}/instruments"), 401, "unauthenticated")


def test_instrument_detail_has_items_options_scores(client, nurse):
    body = client.get(f"{API}/instruments/katz", **nurse).json()
    assert [i["code"] for i in body["items"]] == [
        "bathing",
        "dressing",
        "toileting",
        "transferring",
        "continence",
        "feeding",
    ]
    assert body["items"][0]["options"][0] == {
        "code": "independent",
        "label": body["items"][0]["options"][0]["label"],
        "score": 1,
    }
    assert body["scoring"]["grading"]["otherwise"]["code"] == "other"
    assert client.get(f"{API}/instruments/katz?version=1970.1", **nurse).status_code == 200
    assert_problem(client.get(f"{API}/instruments/katz?version=9", **nurse), 404, "not_found")
    assert_problem(client.get(f"{API}/instruments/mmse", **nurse), 404, "not_found")


def test_score_spmsq_with_education(client, nurse):
    answers = {item.code: "correct" for item in shipped("spmsq").items}
    answers.update({"date": "error", "weekday": "error"})
    # Pfeiffer 1975: 2 errors beyond high school count as 3 (mild).
    response = client.post(
        f"{API}/instruments/spmsq/score",
        {"answers": answers, "context": {"education": "beyond_secondary"}},
        content_type="application/json",
        **nurse,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["raw_total"], body["correction"]) == (3, 2, 1)
    assert body["band"]["code"] == "mild"
    assert not Assessment.objects.exists()  # nothing is stored


def test_score_katz_grade_and_triage_suggestion(client, nurse):
    answers = fill(shipped("katz"), best=True) | {"bathing": "dependent"}
    body = client.post(
        f"{API}/instruments/katz/score",
        {"answers": answers},
        content_type="application/json",
        **nurse,
    ).json()
    assert (body["total"], body["grade"]["code"], body["band"]) == (5, "B", None)
    triage = fill(shipped("pua_triage"), best=True)
    body = client.post(
        f"{API}/instruments/pua_triage/score",
        {"answers": triage},
        content_type="application/json",
        **nurse,
    ).json()
    assert body["suggestion"] == {"need": "complex", "route": "uvm", "label": "Attivare l'UVM"}


def test_score_422_names_each_bad_item(client, nurse):
    answers = fill(shipped("barthel"))
    del answers["stairs"]
    answers["feeding"] = "eleven"
    response = client.post(
        f"{API}/instruments/barthel/score",
        {"answers": answers, "context": {"mood": "x"}},
        content_type="application/json",
        **nurse,
    )
    body = assert_problem(response, 422, "validation_error")
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"answers.stairs", "answers.feeding", "context.mood"}
    assert "Salire e scendere le scale" in fields["answers.stairs"]


@pytest.fixture
def person(org_a):
    person = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=person, organization=org_a)
    return person


def test_create_list_get_assessment(client, nurse, person):
    payload = {
        "person_id": person.pk,
        "instrument_code": "gcs",
        "answers": {"eyes": "to_pain", "verbal": "confused", "motor": "localises"},
        "administered_on": "2026-01-10",
    }
    response = client.post(f"{API}/assessments", payload, content_type="application/json", **nurse)
    assert response.status_code == 201, response.content
    created = response.json()
    # Teasdale & Jennett 1974: 2 + 4 + 5 = 11, moderate (9-12).
    assert (created["total"], created["band_code"], created["subscores"]) == (
        11,
        "moderate",
        {"e": 2, "v": 4, "m": 5},
    )
    assert created["instrument_version"] == "1974.1"
    listed = client.get(f"{API}/assessments?person_id={person.pk}", **nurse).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == created["id"]
    detail = client.get(f"{API}/assessments/{created['id']}", **nurse).json()
    assert detail["total"] == 11


def test_create_422_names_items(client, nurse, person):
    payload = {
        "person_id": person.pk,
        "instrument_code": "gcs",
        "answers": {"eyes": "to_pain"},
        "administered_on": "2026-01-10",
    }
    response = client.post(f"{API}/assessments", payload, content_type="application/json", **nurse)
    body = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"answers.verbal", "answers.motor"}
    assert not Assessment.objects.exists()


def test_create_without_permission_is_403(client, org_a, make_membership, bearer, person):
    pua = bearer(make_membership(org_a, Role.PUA_OPERATOR))
    payload = {
        "person_id": person.pk,
        "instrument_code": "barthel",
        "answers": fill(shipped("barthel")),
        "administered_on": "2026-01-10",
    }
    response = client.post(f"{API}/assessments", payload, content_type="application/json", **pua)
    assert_problem(response, 403, "permission_denied")


def test_other_organisation_gets_404(client, nurse, person, org_b, make_membership, bearer):
    payload = {
        "person_id": person.pk,
        "instrument_code": "norton",
        "answers": fill(shipped("norton")),
        "administered_on": "2026-01-10",
    }
    created = client.post(
        f"{API}/assessments", payload, content_type="application/json", **nurse
    ).json()
    nurse_b = bearer(make_membership(org_b, Role.NURSE))
    assert_problem(client.get(f"{API}/assessments/{created['id']}", **nurse_b), 404, "not_found")
    assert_problem(
        client.get(f"{API}/assessments?person_id={person.pk}", **nurse_b), 404, "not_found"
    )
    response = client.post(
        f"{API}/assessments", payload, content_type="application/json", **nurse_b
    )
    assert_problem(response, 404, "not_found")
    assert_problem(client.get(f"{API}/assessments/999999999", **nurse), 404, "not_found")


def test_list_query_count_does_not_grow(client, nurse, person, django_assert_max_num_queries):
    payload = {
        "person_id": person.pk,
        "instrument_code": "norton",
        "answers": fill(shipped("norton")),
        "administered_on": "2026-01-10",
    }
    for _ in range(5):
        client.post(f"{API}/assessments", payload, content_type="application/json", **nurse)
    with django_assert_max_num_queries(20):
        response = client.get(f"{API}/assessments?person_id={person.pk}", **nurse)
    assert response.json()["count"] == 5
