"""Emergency access to a record (break-the-glass).

Our design (DOMAIN.md, Privacy: "emergency access (break-the-glass with a declared reason,
logged and shown to the person) [is] our design choice, following the Garante's inspections and
DHIS2/Primero practice"): an operator whose organisation does not have the person in charge
opens the record with a reason, for a limited time, after a warning; the grant is read only,
for that operator only, ends by itself, never uncovers an oscuramento, and every read during it
is flagged in the access log; the registering organisation and the auditors are told.

The world: Carla Neri, registered by the Comune (A) and in charge of it only, no sharing consent;
the ASST (B) has never met her.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog, AccessOutcome
from integra.core.access import Actor, NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.notices.models import Notice, NoticeKind
from integra.people.access import emergency_reads
from integra.people.concealment import concealment_record
from integra.people.dossier_errors import DossierError, DossierErrorCode
from integra.people.emergency import (
    EMERGENCY_PURPOSE,
    EmergencyFilters,
    emergency_access_get,
    emergency_access_list,
    emergency_access_open,
)
from integra.people.models import (
    ConcealedKind,
    ConcealmentAction,
    ConcealmentEvidence,
    DocumentKind,
    EmergencyAccess,
    PersonDocument,
)
from integra.people.selectors import documents_of, person_get
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory, PersonIdentifierFactory

pytestmark = pytest.mark.django_db

REASON = "Trovata incosciente in strada, serve sapere terapie e familiari da avvisare"
CODE = "NRECRL40A41H501X"


@pytest.fixture
def person(org_a):
    someone = PersonFactory(registered_by=org_a, family_names="Neri", given_names="Carla")
    CareRelationshipFactory(person=someone, organization=org_a)
    return someone


@pytest.fixture
def code(person):
    return PersonIdentifierFactory(person=person).value


@pytest.fixture
def doctor_b(org_b, make_membership):
    return make_membership(org_b, Role.DOCTOR)


def actor(membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


def open_by_code(membership, code, **kwargs):
    args = {"reason": REASON, "hours": 2, "confirmed": True} | kwargs
    return emergency_access_open(actor=actor(membership), code=code, **args)


def bearer(membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the grant -----------------------------------------------------------------------------------


def test_the_grant_is_for_that_operator_only_and_only_for_reads(
    person, code, doctor_b, org_b, make_membership
) -> None:
    b = actor(doctor_b)
    with emergency_reads(), pytest.raises(NotFound):
        person_get(actor=b, person_id=person.pk)
    access = open_by_code(doctor_b, code)
    assert (access.person_id, access.membership_id, access.found_by_code) == (
        person.pk,
        doctor_b.pk,
        code,
    )
    assert access.expires_at - access.opened_at == timedelta(hours=2)
    with emergency_reads():
        seen = person_get(actor=b, person_id=person.pk)
        assert seen.person == person and not seen.limited
        assert documents_of(actor=b, person_id=person.pk) == []
        # A colleague of the same organisation: nothing.
        with pytest.raises(NotFound):
            person_get(actor=actor(make_membership(org_b, Role.DOCTOR)), person_id=person.pk)
    # Outside a read (a write, a command), the grant does not count.
    with pytest.raises(NotFound):
        person_get(actor=b, person_id=person.pk)


def test_an_expired_access_grants_nothing(person, code, doctor_b) -> None:
    access = open_by_code(doctor_b, code)
    now = timezone.now()
    EmergencyAccess.objects.filter(pk=access.pk).update(
        opened_at=now - timedelta(hours=5), expires_at=now - timedelta(seconds=1)
    )
    with emergency_reads(), pytest.raises(NotFound):
        person_get(actor=actor(doctor_b), person_id=person.pk)


def test_pages_read_and_never_write(client, person, code, doctor_b) -> None:
    client.force_login(doctor_b.user)
    assert client.get(f"/persone/{person.pk}/").status_code == 404
    response = client.post(
        "/persone/accesso-di-emergenza/",
        {"code": code, "reason": REASON, "hours": "1", "confirm": "on"},
    )
    assert response.status_code == 302 and response["Location"] == f"/persone/{person.pk}/"
    page = text(client.get(f"/persone/{person.pk}/"))
    assert "Neri Carla" in page and "Accesso di emergenza attivo fino alle" in page
    assert "Modifica i dati" not in page
    assert client.get(f"/persone/{person.pk}/documenti/").status_code == 200
    # Writes: 404 as for a record never opened.
    refused = client.post(
        f"/persone/{person.pk}/documenti/", {"kind": DocumentKind.PASSPORT, "number": "X1"}
    )
    assert refused.status_code == 404
    assert client.post(f"/persone/{person.pk}/modifica/", {"family_names": "X"}).status_code == 404
    assert not PersonDocument.objects.exists()
    headers = bearer(doctor_b)
    assert client.get(f"/api/v1/persons/{person.pk}", **headers).json()["family_names"] == "Neri"
    patch = client.patch(
        f"/api/v1/persons/{person.pk}",
        {"phone": "3330000000"},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        **headers,
    )
    assert patch.status_code == 404
    person.refresh_from_db()
    assert person.phone == ""


def test_every_read_during_it_is_flagged(client, person, code, doctor_b, org_a) -> None:
    access = open_by_code(doctor_b, code)
    client.force_login(doctor_b.user)
    client.get(f"/persone/{person.pk}/")
    client.get(f"/persone/{person.pk}/documenti/")
    client.get(f"/api/v1/persons/{person.pk}", **bearer(doctor_b))
    rows = list(
        AccessLog.objects.filter(person_id=person.pk, membership_id=doctor_b.pk).order_by("seq")
    )
    views = [r.detail.get("view") for r in rows]
    assert views == ["apertura_accesso_emergenza", "anagrafica", "documenti", "anagrafica"]
    for row in rows:
        assert row.purpose == EMERGENCY_PURPOSE
        assert row.detail["emergency_access_id"] == access.pk
        assert row.detail["emergency_reason"] == REASON
    # The registering organisation's own reads are not flagged.
    a_worker = _a_worker(org_a)
    person_get(actor=actor(a_worker), person_id=person.pk)
    assert AccessLog.objects.filter(membership_id=a_worker.pk).get().purpose == ""


def _a_worker(org_a):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=org_a, roles=[Role.SOCIAL_WORKER])


def test_the_registering_organisation_is_told(person, code, doctor_b, org_a, org_b) -> None:
    access = open_by_code(doctor_b, code)
    [notice] = Notice.objects.all()
    assert (notice.organization_id, notice.kind, notice.person_id, notice.from_organization_id) == (
        org_a.pk,
        NoticeKind.EMERGENCY_ACCESS,
        person.pk,
        org_b.pk,
    )
    until = timezone.localtime(access.expires_at).strftime("%H:%M")
    assert f"fino alle {until}" in notice.text and REASON in notice.text
    assert "Neri" not in notice.text


def test_it_never_uncovers_a_hidden_item(person, code, doctor_b, org_a) -> None:
    a_worker = _a_worker(org_a)
    document = PersonDocument.objects.create(
        person=person, kind=DocumentKind.PASSPORT, number="YA1111111", uploaded_by=a_worker
    )
    concealment_record(
        actor=actor(a_worker),
        person_id=person.pk,
        item_kind=ConcealedKind.DOCUMENT,
        item_id=document.pk,
        action=ConcealmentAction.CONCEAL,
        requested_on=timezone.localdate(),
        evidence_kind=ConcealmentEvidence.PRESENCE_DECLARATION,
        evidence_note="persona presente allo sportello",
    )
    open_by_code(doctor_b, code)
    with emergency_reads():
        assert documents_of(actor=actor(doctor_b), person_id=person.pk) == []


# --- from the limited view ------------------------------------------------------------------------


def test_the_limited_view_offers_it(client, person, make_membership) -> None:
    pua_c = make_membership(OrganizationFactory(name="Comune di Delta"), Role.PUA_OPERATOR)
    client.force_login(pua_c.user)
    page = text(client.get(f"/persone/{person.pk}/"))
    assert "Persona nota al sistema" in page
    assert f'href="/persone/{person.pk}/accesso-di-emergenza/"' in page
    form = text(client.get(f"/persone/{person.pk}/accesso-di-emergenza/"))
    assert "Prima di continuare" in form
    refused = client.post(
        f"/persone/{person.pk}/accesso-di-emergenza/", {"reason": REASON, "hours": "4"}
    )
    assert refused.status_code == 422 and "Conferma di aver letto" in text(refused)
    done = client.post(
        f"/persone/{person.pk}/accesso-di-emergenza/",
        {"reason": REASON, "hours": "4", "confirm": "on"},
    )
    assert done.status_code == 302
    assert "Neri Carla" in text(client.get(f"/persone/{person.pk}/"))


def test_the_form_is_a_404_for_a_person_not_known(client, person, doctor_b) -> None:
    client.force_login(doctor_b.user)
    assert client.get(f"/persone/{person.pk}/accesso-di-emergenza/").status_code == 404
    assert client.get("/persone/999999/accesso-di-emergenza/").status_code == 404
    with pytest.raises(NotFound):
        emergency_access_open(
            actor=actor(doctor_b), person_id=person.pk, reason=REASON, hours=1, confirmed=True
        )


def test_a_search_by_code_offers_it_whatever_the_code(client, person, code, doctor_b) -> None:
    client.force_login(doctor_b.user)
    for query in (code, "ZZZZZZ00A01H501Z"):
        page = text(client.get("/persone/", {"q": query}))
        assert "/persone/accesso-di-emergenza/?codice=" in page, query


# --- refusals ----------------------------------------------------------------------------------


def test_refusals(person, code, doctor_b, org_a, settings) -> None:
    cases = [
        ({"reason": "urgente"}, "reason"),
        ({"hours": 0}, "hours"),
        ({"hours": 5}, "hours"),
        ({"confirmed": False}, "confirm"),
    ]
    for change, field in cases:
        with pytest.raises(DossierError) as exc:
            open_by_code(doctor_b, code, **change)
        assert field in exc.value.errors, change
    settings.EMERGENCY_ACCESS_MAX_HOURS = 8
    open_by_code(doctor_b, code, hours=8)
    with pytest.raises(DossierError) as exc:
        open_by_code(doctor_b, code)
    assert "già un accesso di emergenza aperto" in exc.value.errors["person_id"][0]
    # Whoever already reads the record does not need it.
    with pytest.raises(DossierError) as exc:
        open_by_code(_a_worker(org_a), code)
    assert exc.value.code == DossierErrorCode.EMERGENCY_NOT_NEEDED
    # Needs person.view.
    from tests.factories import MembershipFactory

    auditor = MembershipFactory(organization=doctor_b.organization, roles=[Role.AUDITOR])
    with pytest.raises(PermissionRequired):
        open_by_code(auditor, code)
    assert EmergencyAccess.objects.count() == 1


def test_a_code_that_names_nobody_is_refused_and_logged(doctor_b) -> None:
    with pytest.raises(DossierError) as exc:
        open_by_code(doctor_b, "ZZZZZZ00A01H501Z")
    assert exc.value.errors["code"] == ["Nessuna persona registrata con questo codice."]
    entry = AccessLog.objects.get()
    assert (entry.outcome, entry.purpose, entry.detail["code"]) == (
        AccessOutcome.DENIED,
        EMERGENCY_PURPOSE,
        "ZZZZZZ00A01H501Z",
    )


# --- the auditors --------------------------------------------------------------------------------


def test_auditors_of_both_organisations_list_it(person, code, doctor_b, org_a, org_b) -> None:
    from tests.factories import MembershipFactory

    access = open_by_code(doctor_b, code)
    auditor_a = actor(MembershipFactory(organization=org_a, roles=[Role.AUDITOR]))
    auditor_b = actor(MembershipFactory(organization=org_b, roles=[Role.AUDITOR]))
    auditor_c = actor(MembershipFactory(organization=OrganizationFactory(), roles=[Role.AUDITOR]))
    assert [a.pk for a in emergency_access_list(actor=auditor_a)] == [access.pk]
    assert [a.pk for a in emergency_access_list(actor=auditor_b)] == [access.pk]
    assert list(emergency_access_list(actor=auditor_c)) == []
    own = EmergencyFilters(side="own")
    assert list(emergency_access_list(actor=auditor_a, filters=own)) == []
    assert [a.pk for a in emergency_access_list(actor=auditor_b, filters=own)] == [access.pk]
    assert (
        list(emergency_access_list(actor=auditor_a, filters=EmergencyFilters(state="expired")))
        == []
    )
    # The auditor sees the person only as the gate gives them: by number.
    [row] = emergency_access_list(actor=auditor_a)
    assert (
        row.person_ref.limited
        and row.person_ref.label == f"Persona n. {person.pk} (scheda limitata)"
    )
    with pytest.raises(NotFound):
        emergency_access_get(actor=auditor_c, access_id=access.pk)
    assert emergency_access_get(actor=actor(doctor_b), access_id=access.pk) == access
    with pytest.raises(PermissionRequired):
        emergency_access_list(actor=actor(doctor_b))


def test_the_auditor_page_and_api(
    client, person, code, doctor_b, org_a, django_assert_max_num_queries
) -> None:
    from tests.factories import MembershipFactory

    open_by_code(doctor_b, code)
    auditor = MembershipFactory(organization=org_a, roles=[Role.AUDITOR])
    client.force_login(auditor.user)
    page = text(client.get("/audit/accessi-di-emergenza/"))
    assert REASON in page and f"Persona n. {person.pk}" in page and "Neri" not in page
    # The Comune registered Carla: its auditor prints her the list of accesses from here.
    assert f"/persone/{person.pk}/registro-accessi/" in page
    assert client.get(f"/persone/{person.pk}/registro-accessi/").status_code == 200
    assert (
        client.get(
            "/audit/accessi-di-emergenza/", {"dal": "2026-02-02", "al": "2026-01-01"}
        ).status_code
        == 400
    )
    listed = client.get("/api/v1/emergency-accesses", **bearer(auditor)).json()
    assert listed["count"] == 1 and listed["items"][0]["person"]["limited"] is True
    assert listed["items"][0]["reason"] == REASON
    client.force_login(doctor_b.user)
    assert client.get("/audit/accessi-di-emergenza/").status_code == 403
    assert client.get("/api/v1/emergency-accesses", **bearer(doctor_b)).status_code == 403
    # The number of queries does not grow with the rows.
    client.force_login(auditor.user)
    with django_assert_max_num_queries(40) as first:
        client.get("/audit/accessi-di-emergenza/")
    for _n in range(5):
        other = PersonFactory(registered_by=org_a)
        PersonIdentifierFactory(person=other)
        EmergencyAccess.objects.create(
            person=other,
            user=doctor_b.user,
            membership=doctor_b,
            organization=doctor_b.organization,
            reason=REASON,
            expires_at=timezone.now() + timedelta(hours=1),
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/audit/accessi-di-emergenza/")


def test_api_opens_by_id_and_by_code(client, person, code, doctor_b, make_membership) -> None:
    unknown = client.post(
        "/api/v1/emergency-accesses",
        {"code": "ZZZZZZ00A01H501Z", "reason": REASON, "hours": 1, "confirm": True},
        content_type="application/json",
        **bearer(doctor_b),
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "emergency_access_invalid"
    opened = client.post(
        "/api/v1/emergency-accesses",
        {"code": code, "reason": REASON, "hours": 1, "confirm": True},
        content_type="application/json",
        **bearer(doctor_b),
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert body["person"]["family_names"] == "" and body["person_id"] == person.pk
    pua_c = make_membership(OrganizationFactory(), Role.PUA_OPERATOR)
    by_id = client.post(
        f"/api/v1/persons/{person.pk}/emergency-access",
        {"reason": REASON, "hours": 3, "confirm": True},
        content_type="application/json",
        **bearer(pua_c),
    )
    assert by_id.status_code == 201
    missing = client.post(
        "/api/v1/persons/999999/emergency-access",
        {"reason": REASON, "hours": 3, "confirm": True},
        content_type="application/json",
        **bearer(pua_c),
    )
    assert missing.status_code == 404
    mine = client.get(f"/api/v1/emergency-accesses/{body['id']}", **bearer(doctor_b))
    assert mine.status_code == 200
    assert (
        client.get(f"/api/v1/emergency-accesses/{body['id']}", **bearer(pua_c)).status_code == 404
    )
