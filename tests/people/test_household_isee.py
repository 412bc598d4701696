"""Household (nucleo familiare), caregivers and ISEE declarations.

Rules: the household and the ISEE are social data (``Permission.SOCIAL_RECORD_EDIT`` to write)
of a person whose content the actor may see (integra/people/access.py ``may_see_content``:
registering organisation, or the person's sharing consent — Garante, Linee guida sul Dossier
sanitario 4/6/2015); otherwise 404 like a missing person.

ISEE validity (DPCM 5/12/2013 n. 159 as amended by DL 34/2019 art. 28-bis): the DSU of an
ordinario / sociosanitario / minorenni ISEE is valid until 31 December of the year it is filed;
an ISEE corrente for six months.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog
from integra.core.access import NotFound, PermissionRequired, scoped
from integra.core.permissions import Role
from integra.people.errors import PersonError, PersonErrorCode
from integra.people.gate import with_person_ref
from integra.people.models import (
    CaregiverNeed,
    HouseholdMember,
    HouseholdRelationship,
    IseeDeclaration,
    IseeKind,
    PersonGateError,
)
from integra.people.selectors import (
    household_list,
    isee_current,
    isee_current_of,
    isee_history,
)
from integra.people.services import (
    household_member_add,
    household_member_end,
    household_member_update,
    isee_default_valid_until,
    isee_record,
)
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons"


@pytest.fixture
def person(org_a):
    """Registered by A, in charge of A."""
    someone = PersonFactory(registered_by=org_a, family_names="Bianchi", given_names="Anna")
    CareRelationshipFactory(person=someone, organization=org_a)
    return someone


@pytest.fixture
def worker_a(org_a, make_actor):
    return make_actor(org_a, Role.SOCIAL_WORKER)


def add(actor, person, **data):
    data.setdefault("relationship", HouseholdRelationship.CHILD)
    return household_member_add(actor=actor, person_id=person.pk, data=data)


def isee(actor, person, kind=IseeKind.ORDINARY, value="12500.00", signed_on=None, **extra):
    return isee_record(
        actor=actor,
        person_id=person.pk,
        kind=kind,
        value=Decimal(value),
        signed_on=signed_on or date(2026, 3, 15),
        **extra,
    )


# --- ISEE validity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "signed_on", "expected"),
    [
        # Filed 15/03/2026: valid until 31 December of the same year.
        (IseeKind.ORDINARY, date(2026, 3, 15), date(2026, 12, 31)),
        (IseeKind.SOCIOSANITARY, date(2026, 1, 1), date(2026, 12, 31)),
        (IseeKind.MINORS, date(2026, 12, 31), date(2026, 12, 31)),
        # Corrente: six months; 31 August + 6 months has no 31st: last day of February.
        (IseeKind.CURRENT, date(2026, 8, 31), date(2027, 2, 28)),
        (IseeKind.CURRENT, date(2026, 3, 15), date(2026, 9, 15)),
        (IseeKind.CURRENT, date(2027, 8, 31), date(2028, 2, 29)),  # 2028 is a leap year
    ],
)
def test_default_validity(kind, signed_on, expected) -> None:
    assert isee_default_valid_until(kind, signed_on) == expected


def test_recorded_declaration_gets_the_default_expiry(person, worker_a) -> None:
    ordinary = isee(worker_a, person, signed_on=date(2026, 3, 15), dsu_protocol="INPS-ISEE-2026-1")
    assert ordinary.valid_until == date(2026, 12, 31)
    assert ordinary.dsu_protocol == "INPS-ISEE-2026-1"
    assert ordinary.recorded_by == worker_a.membership
    current = isee(worker_a, person, kind=IseeKind.CURRENT, signed_on=date(2026, 8, 31))
    assert current.valid_until == date(2027, 2, 28)
    explicit = isee(worker_a, person, signed_on=date(2026, 1, 5), valid_until=date(2026, 6, 30))
    assert explicit.valid_until == date(2026, 6, 30)


def test_current_isee_by_date_and_kind(person, worker_a) -> None:
    old = isee(worker_a, person, value="9000", signed_on=date(2025, 2, 1))
    first = isee(worker_a, person, value="10000", signed_on=date(2026, 1, 20))
    later = isee(worker_a, person, value="11000", signed_on=date(2026, 5, 2))
    corrente = isee(
        worker_a, person, kind=IseeKind.CURRENT, value="4000", signed_on=date(2026, 8, 31)
    )
    assert isee_current(person=person, kind=IseeKind.ORDINARY, on=date(2025, 12, 31)) == old
    # 2025's DSU expired on 31/12/2025; on 1/1/2026 nothing was valid yet.
    assert isee_current(person=person, kind=IseeKind.ORDINARY, on=date(2026, 1, 1)) is None
    assert isee_current(person=person, kind=IseeKind.ORDINARY, on=date(2026, 3, 1)) == first
    assert isee_current(person=person, kind=IseeKind.ORDINARY, on=date(2026, 5, 2)) == later
    assert isee_current(person=person, kind=IseeKind.ORDINARY, on=date(2027, 1, 1)) is None
    assert isee_current(person=person, kind=IseeKind.CURRENT, on=date(2027, 2, 28)) == corrente
    assert isee_current(person=person, kind=IseeKind.CURRENT, on=date(2027, 3, 1)) is None
    assert isee_current(person=person, kind=IseeKind.SOCIOSANITARY, on=date(2026, 6, 1)) is None
    history = isee_history(actor=worker_a, person_id=person.pk)
    assert isee_current_of(history, kind=IseeKind.ORDINARY, on=date(2026, 6, 1)) == later
    assert isee_current_of(history, kind=IseeKind.CURRENT, on=date(2026, 6, 1)) is None


def test_isee_errors_save_nothing(person, worker_a) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(PersonError) as caught:
        isee(worker_a, person, value="-1", signed_on=tomorrow)
    assert caught.value.code == PersonErrorCode.ISEE_INVALID
    assert caught.value.errors == {
        "value": ["Il valore ISEE non può essere negativo."],
        "signed_on": ["La data della DSU non può essere nel futuro."],
    }
    with pytest.raises(PersonError) as caught:
        isee(worker_a, person, signed_on=date(2026, 3, 15), valid_until=date(2026, 3, 14))
    assert caught.value.errors == {
        "valid_until": ["La scadenza non può precedere la data della DSU."]
    }
    with pytest.raises(PersonError) as caught:
        isee(worker_a, person, value="1250.005")  # a third decimal: cents are the unit
    assert list(caught.value.errors) == ["value"]
    with pytest.raises(PersonError) as caught:
        isee(worker_a, person, kind="isee_universitario")
    assert list(caught.value.errors) == ["kind"]
    assert not IseeDeclaration.objects.exists()


# --- household ---------------------------------------------------------------------------------


def test_household_members_and_caregiver(person, worker_a, org_a) -> None:
    daughter = PersonFactory(registered_by=org_a, family_names="Bianchi", given_names="Carla")
    CareRelationshipFactory(person=daughter, organization=org_a)  # visible to the worker
    row = add(
        worker_a,
        person,
        member_id=daughter.pk,
        cohabiting=True,
        is_caregiver=True,
        caregiver_needs=[CaregiverNeed.RESPITE, CaregiverNeed.PSYCHOLOGICAL],
        caregiver_needs_note="Lavora a tempo pieno, chiede sollievo il sabato.",
        since=date(2020, 1, 1),
    )
    assert row.member == daughter
    assert row.is_caregiver
    assert row.caregiver_needs == ["respite", "psychological"]
    # The member's name comes only through the people gate.
    with pytest.raises(PersonGateError):
        _ = row.display_name
    assert with_person_ref(worker_a, row, field="member").display_name == "Bianchi Carla"
    other = add(worker_a, person, name="Luigi Bianchi", birth_year=1950, relationship="spouse")
    rows = list(household_list(actor=worker_a, person_id=person.pk))
    assert rows == [row, other]  # caregivers first
    household_member_end(actor=worker_a, person_id=person.pk, row_id=other.pk)
    other.refresh_from_db()
    assert other.until == timezone.localdate()
    assert list(household_list(actor=worker_a, person_id=person.pk)) == [row]
    assert len(household_list(actor=worker_a, person_id=person.pk, include_ended=True)) == 2
    updated = household_member_update(
        actor=worker_a,
        person_id=person.pk,
        row_id=row.pk,
        data={"is_caregiver": False, "caregiver_needs": [], "caregiver_needs_note": ""},
    )
    assert not updated.is_caregiver


def test_member_constraints(person, worker_a, org_b) -> None:
    with pytest.raises(PersonError) as caught:
        add(worker_a, person)
    assert caught.value.errors == {
        "name": ["Indica il componente: una persona dell'anagrafe o nome e cognome."]
    }
    with pytest.raises(PersonError) as caught:
        add(worker_a, person, member_id=person.pk)
    assert caught.value.errors == {
        "member_id": ["Una persona non può essere componente del proprio nucleo."]
    }
    # A person of B the actor does not see: the same answer as a missing one.
    hidden = PersonFactory(registered_by=org_b)
    for member_id in (hidden.pk, 999_999_999):
        with pytest.raises(PersonError) as caught:
            add(worker_a, person, member_id=member_id)
        assert caught.value.errors == {"member_id": ["Persona non trovata."]}
    future = timezone.localdate() + timedelta(days=1)
    with pytest.raises(PersonError) as caught:
        add(
            worker_a,
            person,
            name="Mario",
            since=future,
            caregiver_needs=[CaregiverNeed.TRAINING],
        )
    assert caught.value.code == PersonErrorCode.HOUSEHOLD_INVALID
    assert caught.value.errors == {
        "caregiver_needs": ["I bisogni si indicano solo per un caregiver familiare."],
        "since": ["La data di inizio non può essere nel futuro."],
    }
    with pytest.raises(PersonError) as caught:
        add(worker_a, person, name="Mario", since=date(2020, 5, 1), until=date(2020, 4, 30))
    assert caught.value.errors == {"until": ["La data di fine non può precedere quella di inizio."]}
    assert not HouseholdMember.objects.exists()


def test_cross_organisation_limited_and_permission(person, org_a, org_b, make_actor) -> None:
    b_worker = make_actor(org_b, Role.SOCIAL_WORKER)  # not in charge, not PUA
    with pytest.raises(NotFound):
        add(b_worker, person, name="Mario")
    with pytest.raises(NotFound):
        household_list(actor=b_worker, person_id=person.pk)
    with pytest.raises(NotFound):
        isee(b_worker, person)
    # In charge of B but without the sharing consent: the content stays hidden.
    CareRelationshipFactory(person=person, organization=org_b)
    with pytest.raises(NotFound):
        isee_history(actor=b_worker, person_id=person.pk)
    with pytest.raises(NotFound):
        add(b_worker, person, name="Mario")
    ConsentFactory(person=person)
    assert add(b_worker, person, name="Mario").name == "Mario"
    assert scoped(b_worker, HouseholdMember).count() == 1
    with pytest.raises(PermissionRequired):
        add(make_actor(org_a, Role.NURSE), person, name="Mario")
    with pytest.raises(PermissionRequired):
        isee(make_actor(org_a, Role.NURSE), person)


# --- API ---------------------------------------------------------------------------------------


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, url: str, data: dict, headers: dict):
    return client.post(url, data, content_type="application/json", **headers)


def test_api_household(client, person, org_a, make_membership) -> None:
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    headers = bearer(membership)
    url = f"{PERSONS}/{person.pk}/household"
    response = post(
        client,
        url,
        {
            "name": "Luigi Bianchi",
            "birth_year": 1950,
            "relationship": "spouse",
            "cohabiting": True,
            "is_caregiver": True,
            "caregiver_needs": ["respite"],
        },
        headers,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    row = HouseholdMember.objects.get()
    assert created == {
        "id": row.pk,
        "member_id": None,
        "display_name": "Luigi Bianchi",
        "member_visible": True,
        "name": "Luigi Bianchi",
        "birth_year": 1950,
        "relationship": "spouse",
        "relationship_label": "Coniuge / partner",
        "cohabiting": True,
        "is_caregiver": True,
        "caregiver_needs": ["respite"],
        "caregiver_needs_note": "",
        "since": None,
        "until": None,
        "current": True,
        "recorded_by_id": membership.pk,
        "created_at": created["created_at"],
    }
    body = client.get(url, **headers).json()
    assert body == {"count": 1, "count_capped": False, "next": None, "items": [created]}
    response = client.patch(
        f"{url}/{row.pk}", {"cohabiting": False}, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    assert (response.json()["cohabiting"], response.json()["is_caregiver"]) == (False, True)
    response = client.delete(f"{url}/{row.pk}", **headers)
    assert response.status_code == 200, response.content
    assert response.json()["until"] == timezone.localdate().isoformat()
    assert client.get(url, **headers).json()["count"] == 0
    assert client.get(f"{url}?include_ended=true", **headers).json()["count"] == 1
    response = client.delete(f"{url}/{row.pk}", **headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "Il componente non fa già più parte del nucleo."
    )
    logs = AccessLog.objects.filter(detail__view="nucleo")
    assert logs.count() == 3


def test_api_hides_the_name_of_a_member_the_actor_may_not_see(
    client, person, org_a, org_b, make_membership
) -> None:
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    shown = PersonFactory(registered_by=org_a, family_names="Verdi", given_names="Ada")
    CareRelationshipFactory(person=shown, organization=org_a)
    hidden = PersonFactory(registered_by=org_b, family_names="Neri", given_names="Ugo")
    for member in (shown, hidden):
        HouseholdMember.objects.create(
            person=person, member=member, relationship="sibling", recorded_by=membership
        )
    response = client.get(f"{PERSONS}/{person.pk}/household", **bearer(membership))
    items = response.json()["items"]
    assert [(i["member_id"], i["display_name"], i["member_visible"]) for i in items] == [
        (shown.pk, "Verdi Ada", True),
        (hidden.pk, "Persona registrata in anagrafe (scheda non consultabile)", False),
    ]
    assert "Neri" not in response.content.decode()


def test_api_household_errors(client, person, org_a, org_b, make_membership) -> None:
    url = f"{PERSONS}/{person.pk}/household"
    worker_a = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    response = post(client, url, {"relationship": "child", "member_id": person.pk}, worker_a)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "member_id",
            "in": "body",
            "code": "household_invalid",
            "message": "Una persona non può essere componente del proprio nucleo.",
        }
    ]
    nurse_a = bearer(make_membership(org_a, Role.NURSE))
    response = post(client, url, {"relationship": "child", "name": "Mario"}, nurse_a)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    worker_b = bearer(make_membership(org_b, Role.SOCIAL_WORKER))
    response = post(client, url, {"relationship": "child", "name": "Mario"}, worker_b)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get(url, **worker_b).status_code == 404
    # Limited: B has the person in charge but no sharing consent.
    CareRelationshipFactory(person=person, organization=org_b)
    assert client.get(url, **worker_b).status_code == 404
    assert client.get(f"{PERSONS}/{person.pk}/isee", **worker_b).status_code == 404
    assert not HouseholdMember.objects.exists()


def test_api_isee(client, person, org_a, org_b, make_membership) -> None:
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    headers = bearer(membership)
    url = f"{PERSONS}/{person.pk}/isee"
    signed = timezone.localdate().replace(month=1, day=1)
    response = post(
        client,
        url,
        {
            "kind": "ordinario",
            "value": "12500.50",
            "signed_on": signed.isoformat(),
            "dsu_protocol": "INPS-ISEE-2026-00001",
        },
        headers,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    declaration = IseeDeclaration.objects.get()
    assert created == {
        "id": declaration.pk,
        "kind": "ordinario",
        "kind_label": "ISEE ordinario",
        "value": "12500.50",
        "dsu_protocol": "INPS-ISEE-2026-00001",
        "signed_on": signed.isoformat(),
        "valid_until": f"{signed.year}-12-31",
        "recorded_by_id": membership.pk,
        "created_at": created["created_at"],
    }
    body = client.get(url, **headers).json()
    assert [(c["kind"], c["declaration"]) for c in body["current"]] == [
        ("ordinario", created),
        ("sociosanitario", None),
        ("minorenni", None),
        ("corrente", None),
    ]
    assert body["history"] == [created]
    assert AccessLog.objects.filter(detail__view="isee").count() == 1
    response = post(
        client, url, {"kind": "ordinario", "value": "-3", "signed_on": "2026-01-10"}, headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "value"
    nurse = bearer(make_membership(org_a, Role.NURSE))
    response = post(
        client, url, {"kind": "ordinario", "value": "3", "signed_on": "2026-01-10"}, nurse
    )
    assert response.status_code == 403
    worker_b = bearer(make_membership(org_b, Role.SOCIAL_WORKER))
    assert client.get(url, **worker_b).status_code == 404
    assert IseeDeclaration.objects.count() == 1


def test_api_list_query_counts_do_not_grow(
    client, person, org_a, make_membership, django_assert_max_num_queries
) -> None:
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    headers = bearer(membership)

    def rows(n: int) -> None:
        for i in range(n):
            member = PersonFactory(registered_by=org_a)
            HouseholdMember.objects.create(
                person=person, member=member, relationship="child", recorded_by=membership
            )
            IseeDeclaration.objects.create(
                person=person,
                kind=IseeKind.ORDINARY,
                value=Decimal(i),
                signed_on=date(2025, 1, 1) + timedelta(days=i),
                valid_until=date(2025, 12, 31),
                recorded_by=membership,
            )

    rows(3)
    household, isee_url = f"{PERSONS}/{person.pk}/household", f"{PERSONS}/{person.pk}/isee"
    client.get(household, **headers)  # warm caches (token, territory)
    with django_assert_max_num_queries(14) as small_h:
        assert client.get(household, **headers).json()["count"] == 3
    with django_assert_max_num_queries(14) as small_i:
        assert len(client.get(isee_url, **headers).json()["history"]) == 3
    rows(30)
    with django_assert_max_num_queries(len(small_h.captured_queries)):
        assert client.get(household, **headers).json()["count"] == 33
    with django_assert_max_num_queries(len(small_i.captured_queries)):
        assert len(client.get(isee_url, **headers).json()["history"]) == 33
