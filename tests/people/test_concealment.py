"""Oscuramento: the person hides a document or an episode from everyone but its producer.

Rule (Garante per la protezione dei dati personali, Linee guida in materia di Dossier sanitario,
4 June 2015, GU n. 164 of 17/7/2015): the person may hide an episode or a document (never part
of one), revocably; the hidden item stays visible to the unit that produced it; the others must
not be able to tell that anything was hidden ("oscuramento dell'oscuramento"); the dossier
warns that it may be incomplete. Each kind (document, assessment, PUA request, UVM session) is
checked in a list, a detail, the API and a PDF, for another organisation and for its producer.

The world: Anna Bianchi, registered by the Comune (A) and in charge of the Comune and of the
ASST (B), with the sharing consent given, so both read her record.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integra.accounts.services import api_token_create
from integra.assessments import uvm
from integra.assessments.selectors import assessment_get, person_assessments
from integra.assessments.services import record_assessment
from integra.assessments.uvm_minutes import minutes_html
from integra.assessments.uvm_models import UvmSession
from integra.core.access import Actor, NotFound, PermissionRequired, scoped
from integra.core.permissions import Role
from integra.intake import selectors as intake_selectors
from integra.intake.models import IntakeRequest
from integra.notices.models import Notice, NoticeKind
from integra.people.concealment import concealment_overview, concealment_record
from integra.people.dossier_errors import DossierError, DossierErrorCode
from integra.people.models import (
    ConcealedKind,
    ConcealmentAction,
    ConcealmentDecision,
    ConcealmentEvidence,
    DocumentKind,
    PersonDocument,
    RequestedBy,
)
from integra.people.selectors import documents_of
from integra.people.services import person_document_create
from integra.programs.models import EligibilityFact
from integra.programs.selectors import facts_of
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

NOTICE = "Il dossier potrebbe non essere completo"
MARK = "oscurato su richiesta della persona"
PASSPORT = "YA7654321"
WHEN = timezone.make_aware(datetime(2026, 12, 2, 10, 0))
SOCIAL_ANSWERS = {
    "housing": "inadequate",
    "family_network": "absent",
    "income": "none",
    "caregiver": "absent",
    "work": "unemployed",
}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def person(org_a, org_b):
    someone = PersonFactory(registered_by=org_a, family_names="Bianchi", given_names="Anna")
    CareRelationshipFactory(person=someone, organization=org_a)
    CareRelationshipFactory(person=someone, organization=org_b)
    ConsentFactory(person=someone)
    return someone


@pytest.fixture
def a_social(org_a, make_membership):
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def b_doctor(org_b, make_membership):
    return make_membership(org_b, Role.DOCTOR, Role.UVM_MEMBER)


def actor(membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


def conceal(membership, person, kind, item_id, action=ConcealmentAction.CONCEAL):
    return concealment_record(
        actor=actor(membership),
        person_id=person.pk,
        item_kind=kind,
        item_id=item_id,
        action=action,
        requested_on=timezone.localdate(),
        evidence_kind=ConcealmentEvidence.WRITTEN_REQUEST,
        evidence_note="richiesta scritta, protocollo n. 12/2026",
    )


def login(client, membership):
    client.force_login(membership.user)
    return client


def bearer(membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def document(person, b_doctor):
    """A passport recorded (with its scan) by the ASST: the ASST produced it."""
    return person_document_create(
        actor=actor(b_doctor),
        person_id=person.pk,
        kind=DocumentKind.PASSPORT,
        number=PASSPORT,
        upload=SimpleUploadedFile("passaporto.pdf", b"%PDF-1.4 scansione", "application/pdf"),
    )


# --- documents ---------------------------------------------------------------------------------


def test_a_hidden_document_leaves_no_trace_for_another_organisation(
    client, person, document, a_social, b_doctor
) -> None:
    api = f"/api/v1/persons/{person.pk}/documents"
    page = f"/persone/{person.pk}/documenti/"
    file_url = f"/persone/{person.pk}/documenti/{document.pk}/file/"
    login(client, a_social)
    assert PASSPORT in text(client.get(page))
    assert client.get(file_url).status_code == 200

    conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)

    # The Comune: not listed, not counted, 404 like a missing id — in pages and in the API.
    assert documents_of(actor=actor(a_social), person_id=person.pk) == []
    body = text(client.get(page))
    assert PASSPORT not in body and MARK not in body
    assert "Nessun documento registrato." in body
    assert NOTICE in body
    assert client.get(file_url).status_code == 404
    assert client.get(f"/persone/{person.pk}/documenti/999999/file/").status_code == 404
    listed = client.get(api, **bearer(a_social)).json()
    assert listed == {"count": 0, "count_capped": False, "next": None, "items": []}
    assert client.get(f"{api}/{document.pk}/file", **bearer(a_social)).status_code == 404
    # Nor in the history of the record.
    assert PASSPORT not in text(client.get(f"/persone/{person.pk}/storico/"))
    # The ASST, which produced it, still sees it — marked.
    login(client, b_doctor)
    body = text(client.get(page))
    assert PASSPORT in body and MARK in body
    assert PASSPORT in text(client.get(f"/persone/{person.pk}/storico/"))
    assert client.get(api, **bearer(b_doctor)).json()["count"] == 1


def test_evidence_keeps_no_link_to_a_hidden_document(person, document, a_social, b_doctor) -> None:
    fact = EligibilityFact.objects.create(
        person=person,
        kind="indennita_accompagnamento",
        value_flag=True,
        valid_from=date(2026, 1, 1),
        document=document,
        recorded_by=a_social,
        organization=a_social.organization,
    )
    conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)
    [seen] = facts_of(actor=actor(a_social), person_id=person.pk)
    assert (seen.pk, seen.document_id) == (fact.pk, None)
    [theirs] = facts_of(actor=actor(b_doctor), person_id=person.pk)
    assert theirs.document_id == document.pk


# --- assessments -------------------------------------------------------------------------------


@pytest.fixture
def social_assessment(person, b_doctor):
    return record_assessment(
        actor(b_doctor), person, "social", SOCIAL_ANSWERS, None, date(2026, 11, 3)
    )


@pytest.fixture
def a_session(person, a_social, b_doctor, org_b):
    """A UVM session convened by the Comune, with the ASST among its members."""
    session = uvm.session_create(
        actor=actor(a_social), data={"person_id": person.pk, "scheduled_for": WHEN}
    )
    uvm.member_add(
        actor=actor(a_social),
        session_id=session.pk,
        data={"organization_id": org_b.pk, "full_name": "Dott.ssa Neri", "profession": "medico"},
    )
    return session


def test_a_hidden_assessment_leaves_no_trace_for_another_organisation(
    client, person, social_assessment, a_session, a_social, b_doctor
) -> None:
    gcs = record_assessment(
        actor(b_doctor),
        person,
        "gcs",
        {"eyes": "spontaneous", "verbal": "oriented", "motor": "obeys"},
        None,
        date(2026, 11, 20),
    )
    a_session.assessments.add(social_assessment, gcs)
    view = uvm.session_get(actor=actor(a_social), session_id=a_session.pk)
    # Before: the social scale is shown; the GCS (health data) is counted, not shown.
    assert (view.assessments, view.hidden_assessments) == ([social_assessment], 1)

    conceal(b_doctor, person, ConcealedKind.ASSESSMENT, social_assessment.pk)
    conceal(b_doctor, person, ConcealedKind.ASSESSMENT, gcs.pk)

    a = actor(a_social)
    assert list(person_assessments(a, person)) == []
    with pytest.raises(NotFound):
        assessment_get(actor=a, assessment_id=social_assessment.pk)
    view = uvm.session_get(actor=a, session_id=a_session.pk)
    # Neither shown nor counted: no "1 result not reported" that would betray it.
    assert (view.assessments, view.hidden_assessments) == ([], 0)
    minutes = minutes_html(view)
    assert "Scheda di valutazione sociale" not in minutes
    assert "non riportat" not in minutes
    login(client, a_social)
    page = text(client.get(f"/valutazioni/persone/{person.pk}/"))
    assert f"/valutazioni/{social_assessment.pk}/" not in page and MARK not in page
    assert "Nessuna valutazione registrata." in page
    assert client.get(f"/valutazioni/{social_assessment.pk}/").status_code == 404
    headers = bearer(a_social)
    assert client.get(f"/api/v1/assessments/{social_assessment.pk}", **headers).status_code == 404
    listed = client.get(f"/api/v1/assessments?person_id={person.pk}", **headers).json()
    assert listed["count"] == 0
    detail = client.get(f"/api/v1/uvm-sessions/{a_session.pk}", **headers).json()
    assert (detail["assessment_ids"], detail["hidden_assessments"]) == ([], 0)
    pdf = client.get(f"/valutazioni/uvm/{a_session.pk}/verbale.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # Unlinking what one does not see changes nothing for those who see it.
    uvm.assessment_unlink(actor=a, session_id=a_session.pk, assessment_id=social_assessment.pk)
    assert set(a_session.assessments.values_list("pk", flat=True)) == {social_assessment.pk, gcs.pk}

    # The ASST administered both: it sees them, marked, and in the session's minutes.
    b = actor(b_doctor)
    assert {x.pk for x in person_assessments(b, person)} == {social_assessment.pk, gcs.pk}
    theirs = uvm.session_get(actor=b, session_id=a_session.pk)
    assert {x.pk for x in theirs.assessments} == {social_assessment.pk, gcs.pk}
    assert "Scheda di valutazione sociale" in minutes_html(theirs)
    login(client, b_doctor)
    assert MARK in text(client.get(f"/valutazioni/{social_assessment.pk}/"))
    assert MARK in text(client.get(f"/valutazioni/persone/{person.pk}/"))


def test_stored_results_lose_the_evidence_of_a_hidden_item(
    person, document, social_assessment, b_doctor, org_a, make_membership
) -> None:
    from integra.programs.redaction import screening_visible

    stored = {
        "criteria": [
            {
                "code": "condizione",
                "met": True,
                "evidence": [
                    {"kind": "punteggio", "id": social_assessment.pk, "label": "Scheda sociale"},
                    {"kind": "fatto", "id": 1, "label": "Invalidità", "document_id": document.pk},
                ],
            }
        ],
        "incompatibilities": [],
    }
    conceal(b_doctor, person, ConcealedKind.ASSESSMENT, social_assessment.pk)
    conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)
    doctor_a = actor(make_membership(org_a, Role.DOCTOR))
    [criterion] = screening_visible(doctor_a, stored)["criteria"]
    assert criterion["evidence"] == [
        {"kind": "fatto", "id": 1, "label": "Invalidità", "document_id": None}
    ]
    assert criterion["met"] is True  # the outcome stays: the decision the team acts on
    assert screening_visible(actor(b_doctor), stored) == stored


# --- PUA requests ------------------------------------------------------------------------------


@pytest.fixture
def pua_request(person, org_a, org_b, make_membership):
    """A request recorded at the Comune's PUA and sent to the ASST."""
    pua = PuaPointFactory(organization=org_a)
    return IntakeRequestFactory(
        pua=pua,
        person=person,
        created_by=make_membership(org_a, Role.PUA_OPERATOR),
        sent_to_organization=org_b,
    )


def test_a_hidden_pua_request_leaves_no_trace_for_another_organisation(
    client, person, pua_request, a_social, b_doctor, org_a
) -> None:
    # The UVM session that followed it (convened by the ASST) names it.
    session = uvm.session_create(
        actor=actor(b_doctor), data={"person_id": person.pk, "scheduled_for": WHEN}
    )
    UvmSession.objects.filter(pk=session.pk).update(intake_request=pua_request)
    b = actor(b_doctor)
    assert intake_selectors.inbox_counts(actor=b, box="received")["open"] == 1
    assert f"<dd>n. {pua_request.pk}</dd>" in minutes_html(
        uvm.session_get(actor=b, session_id=session.pk)
    )

    pua_a = pua_request.created_by
    conceal(pua_a, person, ConcealedKind.INTAKE_REQUEST, pua_request.pk)

    filters = intake_selectors.InboxFilters(box="received")
    assert list(intake_selectors.request_inbox(actor=b, filters=filters)) == []
    assert intake_selectors.inbox_counts(actor=b, box="received")["open"] == 0
    assert not scoped(b, IntakeRequest).exists()
    minutes = minutes_html(uvm.session_get(actor=b, session_id=session.pk))
    # The request row, not the session number (which may equal the request id).
    assert f"<dd>n. {pua_request.pk}</dd>" not in minutes and "Richiesta al PUA" not in minutes
    login(client, b_doctor)
    assert client.get(f"/pua/richieste/{pua_request.pk}/").status_code == 404
    assert f"/pua/richieste/{pua_request.pk}/" not in text(client.get("/pua/?casella=received"))
    headers = bearer(b_doctor)
    assert client.get(f"/api/v1/pua/requests/{pua_request.pk}", **headers).status_code == 404
    assert client.get("/api/v1/pua/requests?box=received", **headers).json()["count"] == 0
    session_json = client.get(f"/api/v1/uvm-sessions/{session.pk}", **headers).json()
    assert session_json["intake_request_id"] is None
    listed = client.get("/api/v1/uvm-sessions", **headers).json()["items"]
    assert [s["intake_request_id"] for s in listed] == [None]
    page = text(client.get(f"/valutazioni/uvm/{session.pk}/"))
    assert f"/pua/richieste/{pua_request.pk}/" not in page
    # The Comune's PUA, which recorded it, still sees it — marked.
    login(client, pua_a)
    assert MARK in text(client.get(f"/pua/richieste/{pua_request.pk}/"))
    assert client.get(f"/api/v1/pua/requests/{pua_request.pk}", **bearer(pua_a)).status_code == 200


# --- UVM sessions ------------------------------------------------------------------------------


def test_a_hidden_uvm_session_leaves_no_trace_for_another_organisation(
    client, person, a_social, b_doctor, org_a
) -> None:
    session = uvm.session_create(
        actor=actor(b_doctor), data={"person_id": person.pk, "scheduled_for": WHEN}
    )
    uvm.member_add(
        actor=actor(b_doctor),
        session_id=session.pk,
        data={
            "organization_id": org_a.pk,
            "full_name": "Luca Bruni",
            "profession": "assistente_sociale",
        },
    )
    a = actor(a_social)
    assert [s.pk for s in uvm.session_list(actor=a)] == [session.pk]

    conceal(b_doctor, person, ConcealedKind.UVM_SESSION, session.pk)

    assert list(uvm.session_list(actor=a)) == []
    with pytest.raises(NotFound):
        uvm.session_get(actor=a, session_id=session.pk)
    login(client, a_social)
    assert client.get(f"/valutazioni/uvm/{session.pk}/").status_code == 404
    assert client.get(f"/valutazioni/uvm/{session.pk}/verbale.pdf").status_code == 404
    assert f"/valutazioni/uvm/{session.pk}/" not in text(client.get("/valutazioni/uvm/"))
    headers = bearer(a_social)
    assert client.get(f"/api/v1/uvm-sessions/{session.pk}", **headers).status_code == 404
    assert (
        client.get(f"/api/v1/uvm-sessions/{session.pk}/minutes.pdf", **headers).status_code == 404
    )
    assert client.get("/api/v1/uvm-sessions", **headers).json()["count"] == 0
    # The ASST convened it: it sees it, marked, in the page and in the minutes.
    b = actor(b_doctor)
    view = uvm.session_get(actor=b, session_id=session.pk)
    assert view.concealed
    assert "oscurata su richiesta della persona" in minutes_html(view)
    login(client, b_doctor)
    assert MARK in text(client.get(f"/valutazioni/uvm/{session.pk}/"))


# --- the decision, its revocation, its notice ----------------------------------------------------


def test_a_revocation_is_a_new_decision_and_shows_the_item_again(
    person, document, a_social, b_doctor
) -> None:
    first = conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)
    assert documents_of(actor=actor(a_social), person_id=person.pk) == []
    second = conceal(
        b_doctor, person, ConcealedKind.DOCUMENT, document.pk, action=ConcealmentAction.REVEAL
    )
    assert [d.pk for d in documents_of(actor=actor(a_social), person_id=person.pk)] == [document.pk]
    # History kept: two rows, the first unchanged.
    rows = list(ConcealmentDecision.objects.order_by("pk").values_list("pk", "action"))
    assert rows == [(first.pk, "conceal"), (second.pk, "reveal")]
    first.refresh_from_db()
    assert (first.action, first.author_organization_id) == ("conceal", b_doctor.organization_id)
    # And hidden again on a new request.
    conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)
    assert documents_of(actor=actor(a_social), person_id=person.pk) == []


def test_the_office_that_recorded_a_concealment_may_revoke_it(
    person, document, a_social, b_doctor
) -> None:
    # The person asks at the Comune to hide the ASST's document; the Comune no longer sees it.
    conceal(a_social, person, ConcealedKind.DOCUMENT, document.pk)
    overview = concealment_overview(actor=actor(a_social), person_id=person.pk)
    assert [i.id for i in overview.items if i.kind == "document"] == []
    assert [(d.item_kind, d.item_id) for d in overview.revocable_elsewhere] == [
        ("document", document.pk)
    ]
    conceal(a_social, person, ConcealedKind.DOCUMENT, document.pk, action=ConcealmentAction.REVEAL)
    assert len(documents_of(actor=actor(a_social), person_id=person.pk)) == 1


def test_the_registering_organisation_is_told_only_the_kind(
    person, document, b_doctor, org_a, org_b
) -> None:
    conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)
    [notice] = Notice.objects.all()
    assert (notice.organization_id, notice.kind, notice.person_id) == (
        org_a.pk,
        NoticeKind.CONCEALMENT,
        person.pk,
    )
    assert notice.from_organization_id == org_b.pk
    assert "tipo: Documento" in notice.text
    for detail in (PASSPORT, "Passaporto", str(document.pk), "Bianchi"):
        assert detail not in notice.text


def test_the_registering_organisation_recording_gets_no_notice(person, pua_request, org_a) -> None:
    conceal(pua_request.created_by, person, ConcealedKind.INTAKE_REQUEST, pua_request.pk)
    assert not Notice.objects.exists()


def test_decisions_are_seen_only_by_the_producer_and_the_recorder(
    person, document, a_social, b_doctor, org_a, make_membership
) -> None:
    # A third organisation in charge of the person, reading the record: sees no decision.
    from tests.factories import OrganizationFactory

    org_c = OrganizationFactory(name="Cooperativa Gamma")
    CareRelationshipFactory(person=person, organization=org_c)
    c_worker = actor(make_membership(org_c, Role.SOCIAL_WORKER))
    conceal(b_doctor, person, ConcealedKind.DOCUMENT, document.pk)
    assert scoped(c_worker, ConcealmentDecision).count() == 0
    assert concealment_overview(actor=c_worker, person_id=person.pk).decisions == []
    assert scoped(actor(b_doctor), ConcealmentDecision).count() == 1
    # The Comune neither produced nor recorded it: not even the decision.
    assert scoped(actor(a_social), ConcealmentDecision).count() == 0


# --- what the others see of the record -----------------------------------------------------------


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_limited_view_and_the_warning_do_not_change(
    client, person, document, a_social, b_doctor, org_a, make_membership
) -> None:
    """The limited form (a PUA of another body, no consent) is the same before and after; the
    record warns everyone that it may be incomplete — always, so the warning tells nothing."""
    from tests.factories import OrganizationFactory

    stranger = OrganizationFactory(name="Comune di Delta")
    pua_d = make_membership(stranger, Role.PUA_OPERATOR)
    person.consents.all().delete()
    login(client, pua_d)
    before = _without_tokens(client.get(f"/persone/{person.pk}/").content.decode())
    assert NOTICE in before
    # The Comune registered the person: it reads the record without the consent.
    conceal(a_social, person, ConcealedKind.DOCUMENT, document.pk)
    after = _without_tokens(client.get(f"/persone/{person.pk}/").content.decode())
    assert before == after
    api = client.get(f"/api/v1/persons/{person.pk}", **bearer(pua_d)).json()
    assert api["limited"] is True and "conceal" not in str(api)
    login(client, a_social)
    assert NOTICE in text(client.get(f"/persone/{person.pk}/"))


# --- refusals ----------------------------------------------------------------------------------


def test_refusals(person, document, a_social, b_doctor, org_b, make_membership) -> None:
    b = actor(b_doctor)
    base = {
        "actor": b,
        "person_id": person.pk,
        "item_kind": ConcealedKind.DOCUMENT,
        "item_id": document.pk,
        "action": ConcealmentAction.CONCEAL,
        "requested_on": timezone.localdate(),
        "evidence_kind": ConcealmentEvidence.PRESENCE_DECLARATION,
        "evidence_note": "persona presente allo sportello",
    }
    cases = [
        ({"evidence_note": "  "}, "evidence_note"),
        ({"requested_on": timezone.localdate() + timedelta(days=1)}, "requested_on"),
        ({"requested_by": RequestedBy.GUARDIAN}, "guardian_name"),
        ({"action": ConcealmentAction.REVEAL}, "action"),
        ({"item_kind": "careplan"}, "item_kind"),
    ]
    for change, field in cases:
        with pytest.raises(DossierError) as exc:
            concealment_record(**(base | change))
        assert exc.value.code == DossierErrorCode.CONCEALMENT_INVALID
        assert field in exc.value.errors, change
    concealment_record(**base)
    with pytest.raises(DossierError) as exc:
        concealment_record(**base)
    assert exc.value.errors["action"] == ["L'elemento è già oscurato."]
    # An item of another person, or one the actor does not see: 404 like a missing one.
    other = PersonFactory(registered_by=org_b)
    CareRelationshipFactory(person=other, organization=org_b)
    with pytest.raises(NotFound):
        concealment_record(**(base | {"person_id": other.pk}))
    with pytest.raises(NotFound):
        concealment_record(**(base | {"actor": actor(a_social), "item_id": document.pk}))
    with pytest.raises(NotFound):
        concealment_record(**(base | {"item_id": 10**12}))
    # Recording needs person.edit.
    uvm_only = actor(make_membership(org_b, Role.UVM_MEMBER))
    with pytest.raises(PermissionRequired):
        concealment_record(**(base | {"actor": uvm_only}))
    assert ConcealmentDecision.objects.count() == 1
    assert PersonDocument.objects.count() == 1


# --- the tab and the API -----------------------------------------------------------------------


def test_the_tab_records_a_request(client, person, document, b_doctor) -> None:
    login(client, b_doctor)
    url = f"/persone/{person.pk}/oscuramenti/"
    page = text(client.get(url))
    assert f'value="document:{document.pk}"' in page
    response = client.post(
        url,
        {
            "action": "conceal",
            "item": f"document:{document.pk}",
            "requested_on": timezone.localdate().isoformat(),
            "requested_by": "person",
            "evidence_kind": "written_request",
            "evidence_note": "richiesta scritta, protocollo n. 55/2026",
        },
    )
    assert response.status_code == 302
    decision = ConcealmentDecision.objects.get()
    assert (decision.item_kind, decision.item_id, decision.recorded_by_id) == (
        "document",
        document.pk,
        b_doctor.pk,
    )
    page = text(client.get(url))
    assert MARK in page and "protocollo n. 55/2026" in page
    bad = client.post(url, {"action": "reveal", "item": f"document:{document.pk}"})
    assert bad.status_code == 400


def test_the_tab_is_a_404_for_a_person_out_of_reach(client, person, org_b, make_membership) -> None:
    from tests.factories import OrganizationFactory

    outsider = make_membership(OrganizationFactory(), Role.SOCIAL_WORKER)
    login(client, outsider)
    assert client.get(f"/persone/{person.pk}/oscuramenti/").status_code == 404
    assert client.get("/persone/999999/oscuramenti/").status_code == 404


def test_api_records_and_lists(client, person, document, b_doctor, a_social) -> None:
    url = f"/api/v1/persons/{person.pk}/concealments"
    payload = {
        "item_kind": "document",
        "item_id": document.pk,
        "action": "conceal",
        "requested_on": timezone.localdate().isoformat(),
        "evidence_kind": "written_request",
        "evidence_note": "richiesta scritta, protocollo n. 56/2026",
    }
    created = client.post(url, payload, content_type="application/json", **bearer(b_doctor))
    assert created.status_code == 201, created.content
    assert created.json()["action"] == "conceal"
    again = client.post(url, payload, content_type="application/json", **bearer(b_doctor))
    assert again.status_code == 422
    assert again.json()["code"] == "concealment_invalid"
    listed = client.get(url, **bearer(b_doctor)).json()
    assert [(i["kind"], i["id"], i["concealed"]) for i in listed["items"]] == [
        ("document", document.pk, True)
    ]
    assert len(listed["decisions"]) == 1
    # The Comune: nothing to see, nothing to tell.
    theirs = client.get(url, **bearer(a_social)).json()
    assert theirs == {"items": [], "revocable_elsewhere": [], "decisions": []}
    missing = client.post(
        url,
        payload | {"item_id": document.pk, "action": "reveal"},
        content_type="application/json",
        **bearer(a_social),
    )
    assert missing.status_code == 404
    assert client.get("/api/v1/persons/999999/concealments", **bearer(b_doctor)).status_code == 404


def test_the_tab_reads_in_a_constant_number_of_queries(
    person, b_doctor, django_assert_max_num_queries
) -> None:
    b = actor(b_doctor)
    for n in range(3):
        PersonDocument.objects.create(
            person=person, kind=DocumentKind.PASSPORT, number=f"X{n}", uploaded_by=b_doctor
        )
    with django_assert_max_num_queries(16) as first:
        concealment_overview(actor=b, person_id=person.pk)
    for n in range(10):
        doc = PersonDocument.objects.create(
            person=person, kind=DocumentKind.PASSPORT, number=f"Y{n}", uploaded_by=b_doctor
        )
        conceal(b_doctor, person, ConcealedKind.DOCUMENT, doc.pk)
    with django_assert_max_num_queries(len(first.captured_queries)):
        concealment_overview(actor=b, person_id=person.pk)
