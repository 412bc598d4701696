"""The UVM API and pages: composition refused with 409, outcome, minutes, 404 across
organisations, constant queries. Rule: seed 002 rule 5 (both Comune and ASL in the UVMD)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integra.assessments import uvm
from integra.assessments.uvm_models import UvmState
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory

OUTCOME = {
    "needs_summary": {"autonomia": "Dipendente nelle ADL.", "rete": "Vive sola."},
    "user_class": "basso_carico_alta_dinamicita",
    "care_intensity": "media",
}


@pytest.fixture
def person(org_b):
    person = PersonFactory(registered_by=org_b, family_names="Gialli", given_names="Piero")
    CareRelationshipFactory(person=person, organization=org_b)
    return person


@pytest.fixture
def doctor(org_b, make_membership, client):
    membership = make_membership(org_b, Role.DOCTOR, Role.UVM_MEMBER)
    client.force_login(membership.user)
    return membership


def _create(client, person) -> dict:
    response = client.post(
        "/api/v1/uvm-sessions",
        {"person_id": person.pk, "scheduled_for": "2026-12-02T10:00:00+01:00", "place": "CdC"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _member(client, session_id, org, profession):
    return client.post(
        f"/api/v1/uvm-sessions/{session_id}/members",
        {"organization_id": org.pk, "full_name": "Nome Cognome", "profession": profession},
        content_type="application/json",
    )


def test_conclusion_without_the_social_side_is_a_409(client, doctor, person, org_b):
    session = _create(client, person)
    assert _member(client, session["id"], org_b, "medico").status_code == 201
    response = client.post(
        f"/api/v1/uvm-sessions/{session['id']}/conclude",
        OUTCOME,
        content_type="application/json",
        HTTP_IF_MATCH='"1"',  # the version created (members are rows of their own)
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "uvm_composition"
    assert any(e["field"] == "members" and "Comune" in e["message"] for e in body["errors"])


def test_conclusion_with_both_sides(client, doctor, person, org_a, org_b):
    session = _create(client, person)
    _member(client, session["id"], org_b, "medico")
    _member(client, session["id"], org_a, "assistente_sociale")
    response = client.post(
        f"/api/v1/uvm-sessions/{session['id']}/conclude",
        OUTCOME,
        content_type="application/json",
        HTTP_IF_MATCH='"1"',  # the version created (members are rows of their own)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == UvmState.CONCLUDED
    assert body["user_class"] == "basso_carico_alta_dinamicita"
    assert body["next_review_on"]
    assert body["composition_problems"] == []
    pdf = client.get(f"/api/v1/uvm-sessions/{session['id']}/minutes.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_bad_input_names_each_field(client, doctor, person):
    session = _create(client, person)
    response = client.post(
        f"/api/v1/uvm-sessions/{session['id']}/members",
        {"organization_id": 999999, "full_name": "", "profession": "medico"},
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"organization_id", "full_name"} <= fields
    response = client.patch(
        f"/api/v1/uvm-sessions/{session['id']}/outcome",
        {"user_class": "nessuna"},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "user_class"


def test_another_organisation_gets_404(client, doctor, person, make_membership):
    session = _create(client, person)
    other = make_membership(
        OrganizationFactory(kind=OrganizationKind.HEALTH_AUTHORITY), Role.DOCTOR
    )
    client.force_login(other.user)
    assert client.get(f"/api/v1/uvm-sessions/{session['id']}").status_code == 404
    assert client.get(f"/api/v1/uvm-sessions/{session['id']}/minutes.pdf").status_code == 404
    assert _member(client, session["id"], other.organization, "medico").status_code == 404
    assert client.get("/api/v1/uvm-sessions").json()["items"] == []


def test_user_classes_endpoint(client, doctor):
    body = client.get("/api/v1/user-classes").json()
    assert body[0]["code"] == "prevenzione"
    assert len(body) == 4


def test_pages_flow(client, doctor, person, org_a, org_b):
    response = client.post(
        reverse("assessments:uvm_create") + f"?persona={person.pk}",
        {"persona": person.pk, "scheduled_for": "2026-12-02T10:00", "place": "CdC"},
    )
    assert response.status_code == 302
    session_id = int(response["Location"].rstrip("/").split("/")[-1])
    detail = reverse("assessments:uvm_detail", args=[session_id])
    page = client.get(detail)
    assert page.status_code == 200
    assert "Manca un componente presente del Comune" in page.content.decode()
    client.post(
        reverse("assessments:uvm_member_add", args=[session_id]),
        {
            "organization_id": org_b.pk,
            "full_name": "Dott. Blu",
            "profession": "medico",
            "present": "on",
        },
    )
    # The conclusion is refused with the composition message, and nothing is saved.
    refused = client.post(
        reverse("assessments:uvm_outcome", args=[session_id]),
        {
            "need_autonomia": "Dipendente",
            "user_class": "prevenzione",
            "care_intensity": "bassa",
            "conclude": "1",
            "row_version": "1",
        },
    )
    assert refused.status_code == 422
    assert "Manca un componente presente del Comune" in refused.content.decode()
    client.post(
        reverse("assessments:uvm_member_add", args=[session_id]),
        {
            "organization_id": org_a.pk,
            "full_name": "AS Rosa",
            "profession": "assistente_sociale",
            "present": "on",
        },
    )
    done = client.post(
        reverse("assessments:uvm_outcome", args=[session_id]),
        {
            "need_autonomia": "Dipendente",
            "user_class": "prevenzione",
            "care_intensity": "bassa",
            "conclude": "1",
            "row_version": "1",
        },
    )
    assert done.status_code == 302
    page = client.get(detail).content.decode()
    assert "Conclusa" in page
    assert client.get(reverse("assessments:uvm_minutes", args=[session_id]))["Content-Type"] == (
        "application/pdf"
    )


def test_session_page_queries_do_not_grow_with_members(
    client, doctor, person, org_a, org_b, django_assert_max_num_queries
):
    actor = uvm.Actor.for_membership(doctor.user, doctor)
    session = uvm.session_create(
        actor=actor,
        data={"person_id": person.pk, "scheduled_for": uvm.timezone.now(), "place": ""},
    )
    url = reverse("assessments:uvm_detail", args=[session.pk])
    uvm.member_add(
        actor=actor,
        session_id=session.pk,
        data={"organization_id": org_b.pk, "full_name": "A", "profession": "medico"},
    )
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(8):
        uvm.member_add(
            actor=actor,
            session_id=session.pk,
            data={
                "organization_id": (org_a if n % 2 else org_b).pk,
                "full_name": f"M{n}",
                "profession": "infermiere",
            },
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
