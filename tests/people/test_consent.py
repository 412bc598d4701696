"""Consent by purpose and the consent-limited view of a person's record.

Rule (Garante per la protezione dei dati personali, Linee guida in materia di Dossier sanitario,
4 June 2015, GU n. 164 of 17/7/2015): the shared dossier needs a consent of its own, separate
from the consent to care. Our reading (DOMAIN.md, issue "Consent by purpose"): the registering
organisation always reads the record; any other organisation — one that has the person in
charge, or the PUA of another organisation — reads the content only while the person's
``sharing`` consent is given; otherwise it learns only that the person is known and whom to
contact. A decision is a new row; the current one is the latest by (decided_on, id).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog, AccessOutcome
from integra.core.access import NotFound, PermissionRequired, scoped
from integra.core.permissions import Role
from integra.people.errors import PersonError, PersonErrorCode
from integra.people.models import Consent, ConsentPurpose, ConsentStatus
from integra.people.selectors import consents_current, person_get
from integra.people.services import consent_record
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons"
NOTE = "modulo firmato, protocollo n. 4512/2026"


@pytest.fixture
def person(org_a):
    """Registered by A (Comune di Alfa), in charge of A and of B (ASST Beta)."""
    org_a.phone, org_a.email, org_a.pec = "0331 111222", "sociale@alfa.it", "alfa@pec.it"
    org_a.save()
    someone = PersonFactory(registered_by=org_a, family_names="Bianchi", given_names="Anna")
    CareRelationshipFactory(person=someone, organization=org_a)
    return someone


@pytest.fixture
def b_in_charge(person, org_b):
    return CareRelationshipFactory(person=person, organization=org_b)


def record(actor, person, status, *, days_ago=0, purpose=ConsentPurpose.SHARING, note=NOTE):
    return consent_record(
        actor=actor,
        person_id=person.pk,
        purpose=purpose,
        status=status,
        decided_on=timezone.localdate() - timedelta(days=days_ago),
        evidence_note=note,
    )


# --- the limited view --------------------------------------------------------------------------


def test_other_organisation_in_charge_needs_the_sharing_consent(
    person, b_in_charge, org_a, org_b, make_actor
) -> None:
    b_worker = make_actor(org_b, Role.SOCIAL_WORKER)
    assert person_get(actor=b_worker, person_id=person.pk).limited
    record(make_actor(org_a, Role.SOCIAL_WORKER), person, ConsentStatus.GIVEN, days_ago=2)
    seen = person_get(actor=b_worker, person_id=person.pk)
    assert not seen.limited
    assert seen.person == person
    # Withdrawn: back to the limited view, and nothing of the person is carried.
    record(make_actor(org_a, Role.SOCIAL_WORKER), person, ConsentStatus.WITHDRAWN)
    seen = person_get(actor=b_worker, person_id=person.pk)
    assert seen.limited
    assert seen.person is None
    assert seen.person_id == person.pk
    assert seen.reason == "Manca il consenso alla condivisione"
    assert [(c.organization_id, c.phone, c.email, c.pec) for c in seen.contacts] == [
        (org_a.pk, "0331 111222", "sociale@alfa.it", "alfa@pec.it")
    ]


def test_registering_organisation_always_sees_the_content(person, org_a, make_actor) -> None:
    a_worker = make_actor(org_a, Role.SOCIAL_WORKER)
    assert not person_get(actor=a_worker, person_id=person.pk).limited
    record(a_worker, person, ConsentStatus.WITHDRAWN)
    assert person_get(actor=a_worker, person_id=person.pk).person == person


def test_pua_of_another_organisation_is_limited_without_consent(
    person, org_a, org_b, make_actor
) -> None:
    pua_b = make_actor(org_b, Role.PUA_OPERATOR)
    assert person_get(actor=pua_b, person_id=person.pk).limited
    # Consent to care or research does not open the dossier: only "sharing" does.
    record(make_actor(org_a), person, ConsentStatus.GIVEN, purpose=ConsentPurpose.TAKING_IN_CHARGE)
    record(make_actor(org_a), person, ConsentStatus.GIVEN, purpose=ConsentPurpose.RESEARCH)
    assert person_get(actor=pua_b, person_id=person.pk).limited
    record(make_actor(org_a), person, ConsentStatus.GIVEN)
    assert not person_get(actor=pua_b, person_id=person.pk).limited


def test_an_expired_sharing_consent_limits_the_view(person, b_in_charge, org_b, make_actor) -> None:
    today = timezone.localdate()
    ConsentFactory(
        person=person,
        decided_on=today - timedelta(days=30),
        expires_on=today - timedelta(days=1),
    )
    assert person_get(actor=make_actor(org_b), person_id=person.pk).limited
    Consent.objects.update(expires_on=today)  # still in force on its last day
    assert not person_get(actor=make_actor(org_b), person_id=person.pk).limited


def test_the_latest_decision_is_by_date_then_by_order_of_recording(
    person, b_in_charge, org_a, org_b, make_actor
) -> None:
    a_worker, b_worker = make_actor(org_a), make_actor(org_b)
    record(a_worker, person, ConsentStatus.GIVEN, days_ago=1)
    # A withdrawal dated earlier, recorded later, does not undo the later consent.
    record(a_worker, person, ConsentStatus.WITHDRAWN, days_ago=5)
    assert not person_get(actor=b_worker, person_id=person.pk).limited
    # Same day as the consent, recorded after it: the withdrawal wins.
    record(a_worker, person, ConsentStatus.WITHDRAWN, days_ago=1)
    assert person_get(actor=b_worker, person_id=person.pk).limited


def test_reads_are_logged_with_the_kind_of_view(
    person, b_in_charge, org_a, org_b, make_actor
) -> None:
    person_get(actor=make_actor(org_b), person_id=person.pk)
    person_get(actor=make_actor(org_a), person_id=person.pk)
    rows = list(
        AccessLog.objects.filter(person_id=person.pk)
        .order_by("seq")
        .values_list("outcome", "organization_id", "detail")
    )
    assert rows == [
        (AccessOutcome.ALLOWED, org_b.pk, {"view": "limitata"}),
        (AccessOutcome.ALLOWED, org_a.pk, {"view": "anagrafica"}),
    ]


# --- recording decisions -----------------------------------------------------------------------


def test_a_withdrawal_is_a_new_row_and_history_is_kept(
    person, b_in_charge, org_a, org_b, make_actor
) -> None:
    a_worker = make_actor(org_a, Role.SOCIAL_WORKER)
    given = record(a_worker, person, ConsentStatus.GIVEN, days_ago=10)
    withdrawn = record(
        make_actor(org_b, Role.NURSE), person, ConsentStatus.WITHDRAWN, note="revoca verbale"
    )
    assert list(
        Consent.objects.filter(person=person)
        .order_by("pk")
        .values_list("pk", "status", "recorded_by_organization_id", "evidence_note")
    ) == [
        (given.pk, "given", org_a.pk, NOTE),
        (withdrawn.pk, "withdrawn", org_b.pk, "revoca verbale"),
    ]
    given.refresh_from_db()
    assert given.status == ConsentStatus.GIVEN  # the earlier decision is unchanged
    assert given.recorded_by == a_worker.membership
    states = {s.purpose: s for s in consents_current(actor=a_worker, person_id=person.pk)}
    assert list(states) == [
        ConsentPurpose.TAKING_IN_CHARGE,
        ConsentPurpose.SHARING,
        ConsentPurpose.RESEARCH,
    ]
    assert states[ConsentPurpose.SHARING].decision == withdrawn
    assert states[ConsentPurpose.SHARING].status == ConsentStatus.WITHDRAWN
    assert states[ConsentPurpose.RESEARCH].status is None


def test_future_date_and_missing_evidence_are_refused(person, org_a, make_actor) -> None:
    actor = make_actor(org_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(PersonError) as caught:
        consent_record(
            actor=actor,
            person_id=person.pk,
            purpose=ConsentPurpose.SHARING,
            status=ConsentStatus.GIVEN,
            decided_on=tomorrow,
            evidence_note="   ",
        )
    assert caught.value.code == PersonErrorCode.CONSENT_INVALID
    assert caught.value.errors == {
        "decided_on": ["La data della decisione non può essere nel futuro."],
        "evidence_note": [
            "Indica la documentazione del consenso (es. modulo firmato, protocollo n. …)."
        ],
    }
    assert not Consent.objects.exists()


def test_person_of_another_organisation_is_not_found(person, org_b, make_actor) -> None:
    b_worker = make_actor(org_b, Role.SOCIAL_WORKER)  # not in charge, not PUA
    with pytest.raises(NotFound):
        record(b_worker, person, ConsentStatus.GIVEN)
    with pytest.raises(NotFound):
        consents_current(actor=b_worker, person_id=person.pk)
    ConsentFactory(person=person)
    assert not scoped(b_worker, Consent).exists()
    assert not Consent.objects.filter(recorded_by_organization=org_b).exists()


def test_recording_needs_person_edit(person, org_a, make_actor) -> None:
    with pytest.raises(PermissionRequired):
        record(make_actor(org_a, Role.UVM_MEMBER), person, ConsentStatus.GIVEN)


# --- API ---------------------------------------------------------------------------------------


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_consent(client: Client, person_id: int, data: dict, headers: dict):
    return client.post(
        f"{PERSONS}/{person_id}/consents", data, content_type="application/json", **headers
    )


def test_api_limited_and_full_record(
    client, person, b_in_charge, org_a, org_b, make_membership
) -> None:
    b_worker = bearer(make_membership(org_b, Role.SOCIAL_WORKER))
    response = client.get(f"{PERSONS}/{person.pk}", **b_worker)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "limited": True,
        "known": True,
        "id": person.pk,
        "contacts": [
            {
                "organization_id": org_a.pk,
                "name": "Comune di Alfa",
                "phone": "0331 111222",
                "email": "sociale@alfa.it",
                "pec": "alfa@pec.it",
            }
        ],
        "reason": "Manca il consenso alla condivisione",
    }
    assert "Bianchi" not in response.content.decode()
    ConsentFactory(person=person)
    body = client.get(f"{PERSONS}/{person.pk}", **b_worker).json()
    assert (body["limited"], body["family_names"], body["given_names"]) == (
        False,
        "Bianchi",
        "Anna",
    )


def test_api_record_and_read_consents(client, person, org_a, make_membership) -> None:
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    membership.user.first_name, membership.user.last_name = "Giulia", "Verdi"
    membership.user.save()
    headers = bearer(membership)
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = post_consent(
        client,
        person.pk,
        {"purpose": "sharing", "status": "given", "decided_on": day, "evidence_note": NOTE},
        headers,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    consent = Consent.objects.get()
    assert created == {
        "id": consent.pk,
        "evidence_kind": "presence_declaration",
        "has_signed_form": False,
        "evidence_sha256": "",
        "decided_by": "person",
        "guardian_name": "",
        "purpose": "sharing",
        "purpose_label": "Condivisione tra enti (fascicolo integrato)",
        "status": "given",
        "status_label": "Prestato",
        "decided_on": day,
        "expires_on": None,
        "evidence_note": NOTE,
        "recorded_by_id": membership.pk,
        "recorded_by": "Giulia Verdi",
        "recorded_by_organization_id": org_a.pk,
        "recorded_by_organization": "Comune di Alfa",
        "created_at": created["created_at"],
    }
    body = client.get(f"{PERSONS}/{person.pk}/consents", **headers).json()
    assert [(s["purpose"], s["status"], s["in_force"]) for s in body["current"]] == [
        ("taking_in_charge", None, False),
        ("sharing", "given", True),
        ("research", None, False),
    ]
    assert body["current"][1]["decision"] == created
    assert body["current"][0]["decision"] is None
    assert body["history"] == [created]


def test_api_errors(client, person, org_a, org_b, make_membership) -> None:
    good = {
        "purpose": "sharing",
        "status": "given",
        "decided_on": "2026-01-10",
        "evidence_note": NOTE,
    }
    worker_a = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = post_consent(client, person.pk, {**good, "decided_on": tomorrow}, worker_a)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "consent_invalid"
    assert body["errors"] == [
        {
            "field": "decided_on",
            "in": "body",
            "code": "consent_invalid",
            "message": "La data della decisione non può essere nel futuro.",
        }
    ]
    assert post_consent(client, person.pk, {**good, "purpose": "x"}, worker_a).status_code == 422
    uvm_a = bearer(make_membership(org_a, Role.UVM_MEMBER))
    assert post_consent(client, person.pk, good, uvm_a).json()["code"] == "permission_denied"
    worker_b = bearer(make_membership(org_b, Role.SOCIAL_WORKER))
    response = post_consent(client, person.pk, good, worker_b)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = client.get(f"{PERSONS}/{person.pk}/consents", **worker_b)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not Consent.objects.exists()


def test_api_consents_query_count_does_not_grow(
    client, person, org_a, make_membership, django_assert_max_num_queries
) -> None:
    headers = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    ConsentFactory.create_batch(3, person=person)
    client.get(f"{PERSONS}/{person.pk}/consents", **headers)  # warm caches (token, territory)
    with django_assert_max_num_queries(12) as small:
        assert len(client.get(f"{PERSONS}/{person.pk}/consents", **headers).json()["history"]) == 3
    ConsentFactory.create_batch(30, person=person, status=ConsentStatus.WITHDRAWN)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(f"{PERSONS}/{person.pk}/consents", **headers).json()
    assert len(body["history"]) == 33


def test_openapi_documents_both_shapes_of_the_record(client, db) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    schema = spec["paths"]["/api/v1/persons/{person_id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    refs = {item["$ref"].rsplit("/", 1)[-1] for item in schema["anyOf"]}
    assert refs == {"PersonFullOut", "PersonLimitedOut"}
    assert set(spec["paths"]["/api/v1/persons/{person_id}/consents"]) == {"get", "post"}
