"""The PUA API: points, inbox with filters, create, detail with timeline, transitions (409 for
an illegal move, 422 for missing data), pre-assessment, attachments; another organisation gets
404 on every endpoint that names a request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integra.accounts.services import api_token_create
from integra.intake.models import IntakeRequest, IntakeState
from tests.intake.factories import IntakeRequestFactory

BASE = "/api/v1/pua"
S = IntakeState


def bearer(actor) -> dict[str, str]:
    _token, raw = api_token_create(
        user=actor.user, membership=actor.membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


@pytest.fixture
def headers(pua_setting):
    return bearer(pua_setting.operator)


def _create(client, setting, headers, **extra):
    body = {
        "person_id": setting.person.pk,
        "channel": "mmg_pls",
        "requester_kind": "operatore",
        "requester_name": "Dott. Verdi",
        "need_areas": ["cure_domiciliari"],
        "urgency": "ordinaria",
        "description": "Paziente allettato dopo frattura di femore.",
        **extra,
    }
    return client.post(f"{BASE}/requests", body, content_type="application/json", **headers)


def test_points_are_listed(client, pua_setting, headers) -> None:
    response = client.get(f"{BASE}/points", **headers)
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["name"] == pua_setting.pua.name
    assert item["pre_assessment_days"] == 3
    assert item["partner_ids"] == [pua_setting.asst.pk]


def test_create_and_read_with_timeline(client, pua_setting, headers) -> None:
    response = _create(client, pua_setting, headers)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == "ricevuta"
    assert created["competent_pua_id"] == pua_setting.pua.pk
    detail = client.get(f"{BASE}/requests/{created['id']}", **headers).json()
    assert [t["to_state"] for t in detail["timeline"]] == ["ricevuta"]
    assert detail["allowed_moves"] == ["pre_valutazione", "non_competente"]


def test_create_validation_names_fields(client, pua_setting, headers) -> None:
    response = _create(client, pua_setting, headers, need_areas=[], channel="piccione")
    body = problem(response, 422, "validation_error")
    fields = {e["field"] for e in body["errors"]}
    assert {"need_areas", "channel"} <= fields
    # A person who does not exist: 422 naming person_id, nothing written.
    body = problem(
        _create(client, pua_setting, headers, person_id=999999), 422, "intake_request_invalid"
    )
    assert body["errors"][0]["field"] == "person_id"
    assert IntakeRequest.objects.count() == 0


def if_match(pk: int) -> dict[str, str]:
    """The request's current version (If-Match: tests/intake/test_concurrency.py)."""
    version = IntakeRequest.objects.filter(pk=pk).values_list("row_version", flat=True).first()
    return {"HTTP_IF_MATCH": f'"{version or 1}"'}


def test_transitions_legal_illegal_and_missing_data(client, pua_setting, headers) -> None:
    pk = _create(client, pua_setting, headers).json()["id"]
    url = f"{BASE}/requests/{pk}/transitions"
    illegal = client.post(
        url,
        {"to": "chiusa", "reason": "x"},
        content_type="application/json",
        **if_match(pk),
        **headers,
    )
    body = problem(illegal, 409, "intake_illegal_transition")
    assert "Non si può passare" in body["detail"]
    ok = client.post(
        url,
        {"to": "pre_valutazione", "reason": "Colloquio"},
        content_type="application/json",
        **if_match(pk),
        **headers,
    )
    assert ok.status_code == 200 and ok.json()["state"] == "pre_valutazione"
    missing = client.post(
        url,
        {"to": "inviata_uvm", "reason": "Complesso"},
        content_type="application/json",
        **if_match(pk),
        **headers,
    )
    body = problem(missing, 422, "intake_transition_invalid")
    assert body["errors"][0]["field"] == "need"
    uvm = client.post(
        url,
        {"to": "inviata_uvm", "reason": "Complesso", "need": "complex"},
        content_type="application/json",
        **if_match(pk),
        **headers,
    )
    assert uvm.status_code == 200
    assert uvm.json()["uvm_due"] is not None
    assert uvm.json()["uvm_sessions"] == []
    awaiting = client.get(f"{BASE}/awaiting-uvm", **headers).json()
    assert [r["id"] for r in awaiting["items"]] == [pk]
    # Convened: the request is no longer waiting, and its answer names the session.
    from datetime import timedelta

    from django.utils import timezone

    from integra.assessments.uvm_models import UvmSession

    session = UvmSession.objects.create(
        person=pua_setting.person,
        organization=pua_setting.asst,
        intake_request_id=pk,
        scheduled_for=timezone.now() + timedelta(days=2),
        created_by=pua_setting.asst_operator.user,
    )
    assert client.get(f"{BASE}/awaiting-uvm", **headers).json()["items"] == []
    (brief,) = client.get(f"{BASE}/requests/{pk}", **headers).json()["uvm_sessions"]
    assert (brief["id"], brief["state"], brief["user_class"]) == (session.pk, "programmata", None)


def test_pre_assessment_scores_and_suggests(client, pua_setting, headers) -> None:
    pk = _create(client, pua_setting, headers).json()["id"]
    # pua_triage 2026.2: none 0 + simple 1 + autonomous 0 + adequate 0 + none 0 = 1 -> band
    # "information" (0-1) -> need simple, route information.
    answers = {
        "health_need": "none",
        "social_need": "simple",
        "autonomy": "autonomous",
        "support_network": "adequate",
        "urgency": "none",
    }
    response = client.post(
        f"{BASE}/requests/{pk}/pre-assessment",
        {"answers": answers},
        content_type="application/json",
        **if_match(pk),
        **headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"]["total"] == 1
    assert body["suggestion"]["route"] == "information"
    assert body["state"] == "pre_valutazione"
    assert body["version"] == "2026.2"
    stored = IntakeRequest.objects.get(pk=pk)
    assert stored.triage_answers == answers
    bad = client.post(
        f"{BASE}/requests/{pk}/pre-assessment",
        {"answers": {"health_need": "boh"}},
        content_type="application/json",
        **if_match(pk),
        **headers,
    )
    body = problem(bad, 422, "intake_triage_invalid")
    assert any(e["field"].startswith("answers.") for e in body["errors"])


def test_inbox_filters(client, pua_setting, headers) -> None:
    today = timezone.localdate()
    IntakeRequestFactory(pua=pua_setting.pua, due_on=today - timedelta(days=1), urgency="urgente")
    IntakeRequestFactory(pua=pua_setting.pua, due_on=today + timedelta(days=20))
    assert client.get(f"{BASE}/requests", **headers).json()["count"] == 2
    assert client.get(f"{BASE}/requests?due=overdue", **headers).json()["count"] == 1
    assert client.get(f"{BASE}/requests?urgency=urgente", **headers).json()["count"] == 1
    assert client.get(f"{BASE}/requests?due=soon", **headers).json()["count"] == 0
    problem(client.get(f"{BASE}/requests?due=ieri", **headers), 422, "validation_error")


def test_attachments(client, pua_setting, headers, settings, tmp_path) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    pk = _create(client, pua_setting, headers).json()["id"]
    png = SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    response = client.post(
        f"{BASE}/requests/{pk}/attachments", {"file": png, "description": "Foto"}, **headers
    )
    assert response.status_code == 201, response.content
    attachment_id = response.json()["id"]
    download = client.get(f"{BASE}/requests/{pk}/attachments/{attachment_id}/file", **headers)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    text = SimpleUploadedFile("nota.pdf", b"hello world", content_type="application/pdf")
    problem(
        client.post(f"{BASE}/requests/{pk}/attachments", {"file": text}, **headers),
        422,
        "intake_attachment_invalid",
    )


def test_another_organisation_gets_404_everywhere(
    client, pua_setting, headers, settings, tmp_path
) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    pk = _create(client, pua_setting, headers).json()["id"]
    png = SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    attachment_id = client.post(
        f"{BASE}/requests/{pk}/attachments", {"file": png}, **headers
    ).json()["id"]
    other = bearer(pua_setting.outsider)
    assert client.get(f"{BASE}/requests", **other).json()["count"] == 0
    problem(client.get(f"{BASE}/requests/{pk}", **other), 404, "not_found")
    problem(
        client.post(
            f"{BASE}/requests/{pk}/transitions",
            {"to": "pre_valutazione", "reason": "x"},
            content_type="application/json",
            **if_match(pk),
            **other,
        ),
        404,
        "not_found",
    )
    problem(
        client.post(
            f"{BASE}/requests/{pk}/pre-assessment",
            {"answers": {}},
            content_type="application/json",
            **if_match(pk),
            **other,
        ),
        404,
        "not_found",
    )
    png2 = SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    problem(
        client.post(f"{BASE}/requests/{pk}/attachments", {"file": png2}, **other), 404, "not_found"
    )
    problem(
        client.get(f"{BASE}/requests/{pk}/attachments/{attachment_id}/file", **other),
        404,
        "not_found",
    )


def test_a_role_without_intake_manage_gets_403_on_create(client, pua_setting, make_actor):
    from integra.core.permissions import Role

    nurse = make_actor(pua_setting.ambito_org, Role.NURSE)
    response = _create(client, pua_setting, bearer(nurse))
    problem(response, 403, "permission_denied")
