"""The person's contact diary and timeline (issue 12, deliver 4).

The world: Anna Bianchi, registered by the Comune (A), in charge of the Comune and of the ASST
(B), with the sharing consent given, so both read her record; a cooperative (C) of no concern to
her. Rules checked: a health note is health data (integra/core/health.py: read only with
``health.view``, written only with ``health.edit``); a note the person asked to hide is seen
only by the organisation that wrote it (Garante, Linee guida sul Dossier sanitario, 4/6/2015);
notes are append-only; the timeline's keyset pagination neither repeats nor skips an item, equal
timestamps included; a page costs the same number of queries whatever the history's length.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integra.accounts.services import api_token_create
from integra.assessments import uvm
from integra.assessments.services import record_assessment
from integra.audit.models import AccessLog
from integra.core.access import Actor, NotFound, PermissionRequired, scoped
from integra.core.health import health_declarations
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.concealment import concealment_record
from integra.people.models import (
    ConcealedKind,
    ConcealmentAction,
    ConcealmentEvidence,
    ConsentPurpose,
    DocumentKind,
    PersonDocument,
)
from integra.timeline.errors import TimelineError, TimelineErrorCode
from integra.timeline.models import CaseNote, NoteDomain, NoteKind
from integra.timeline.selectors import note_get, person_notes, person_timeline
from integra.timeline.services import case_note_create
from integra.timeline.sources import Cursor, TimelineFilters
from tests.factories import OrganizationFactory
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

SOCIAL_TEXT = "Colloquio con la figlia: chiede aiuto per la spesa."
HEALTH_TEXT = "Hqzdiariotest: medicazione della lesione al tallone."
# Ten days ago at midnight UTC: the instant a consent decided that day stands at in the timeline
# (a date is placed at the midnight UTC of its day).
DAY = timezone.localdate() - timedelta(days=10)
T = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
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
def org_c(db):
    return OrganizationFactory(
        name="Cooperativa Gamma", code="coop-gamma", kind=OrganizationKind.THIRD_SECTOR
    )


@pytest.fixture
def person(org_a, org_b):
    someone = PersonFactory(registered_by=org_a, family_names="Bianchi", given_names="Anna")
    CareRelationshipFactory(person=someone, organization=org_a)
    CareRelationshipFactory(person=someone, organization=org_b)
    ConsentFactory(person=someone, decided_on=DAY - timedelta(days=30))
    return someone


@pytest.fixture
def a_social(org_a, make_membership):
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def b_social(org_b, make_membership):
    return make_membership(org_b, Role.SOCIAL_WORKER)


@pytest.fixture
def b_doctor(org_b, make_membership):
    return make_membership(org_b, Role.DOCTOR)


@pytest.fixture
def c_social(org_c, make_membership):
    return make_membership(org_c, Role.SOCIAL_WORKER)


def actor(membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


def note(membership, person, *, domain=NoteDomain.SOCIAL, text=SOCIAL_TEXT, when=None, **kw):
    return case_note_create(
        actor=actor(membership),
        person_id=person.pk,
        occurred_at=when or timezone.now() - timedelta(hours=1),
        kind=kw.pop("kind", NoteKind.INTERVIEW),
        domain=domain,
        text=text,
        **kw,
    )


def bearer(membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def keys(page) -> list[tuple[str, int]]:
    return [(item.kind, item.id) for item in page.items]


# --- writing -----------------------------------------------------------------------------------


def test_a_social_worker_writes_a_social_note(person, a_social) -> None:
    written = note(a_social, person, follow_up_on=timezone.localdate() + timedelta(days=7))
    assert (written.organization_id, written.author_id) == (a_social.organization_id, a_social.pk)
    assert written.text == SOCIAL_TEXT and written.domain == NoteDomain.SOCIAL


def test_a_health_note_needs_the_health_edit_permission(person, a_social, b_doctor) -> None:
    with pytest.raises(PermissionRequired):
        note(a_social, person, domain=NoteDomain.HEALTH, text=HEALTH_TEXT)
    assert not CaseNote.objects.exists()
    assert note(b_doctor, person, domain=NoteDomain.HEALTH, text=HEALTH_TEXT).pk


def test_a_doctor_without_social_edit_writes_no_social_note(person, b_doctor) -> None:
    with pytest.raises(PermissionRequired):
        note(b_doctor, person)


def test_bad_input_is_refused_and_nothing_written(person, a_social) -> None:
    with pytest.raises(TimelineError) as refused:
        note(
            a_social,
            person,
            text="   ",
            when=timezone.now() + timedelta(days=1),
            kind="lunch",
        )
    assert refused.value.code == TimelineErrorCode.NOTE_INVALID
    assert set(refused.value.errors) == {"occurred_at", "kind", "text"}
    with pytest.raises(TimelineError) as refused:
        note(a_social, person, when=T, follow_up_on=DAY - timedelta(days=1))
    assert set(refused.value.errors) == {"follow_up_on"}
    assert not CaseNote.objects.exists()


def test_a_person_out_of_reach_is_not_found(person, c_social) -> None:
    with pytest.raises(NotFound):
        note(c_social, person)
    assert not CaseNote.objects.exists()


def test_notes_are_append_only_but_move_with_a_merge(person, a_social, org_a) -> None:
    written = note(a_social, person)
    for change in ({"text": "Riscritto"}, {"domain": NoteDomain.HEALTH}, {"occurred_at": T}):
        with pytest.raises(DatabaseError), transaction.atomic():
            CaseNote.objects.filter(pk=written.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseNote.objects.filter(pk=written.pk).delete()
    # A merge moves every row naming the person: the person is the one field that may change.
    survivor = PersonFactory(registered_by=org_a)
    CaseNote.objects.filter(pk=written.pk).update(person=survivor)
    written.refresh_from_db()
    assert (written.person_id, written.text) == (survivor.pk, SOCIAL_TEXT)


# --- the health filter -------------------------------------------------------------------------


def test_the_health_note_is_declared_health_data() -> None:
    assert any(d.where == "timeline.CaseNote" for d in health_declarations())


def test_a_health_note_is_invisible_to_a_social_worker(
    client, person, a_social, b_social, b_doctor
) -> None:
    social = note(a_social, person)
    health = note(b_doctor, person, domain=NoteDomain.HEALTH, text=HEALTH_TEXT)
    for reader in (a_social, b_social):
        who = actor(reader)
        assert list(scoped(who, CaseNote)) == [social]
        assert list(person_notes(actor=who, person_id=person.pk)) == [social]
        with pytest.raises(NotFound):
            note_get(actor=who, note_id=health.pk)
        page = person_timeline(actor=who, person_id=person.pk)
        assert ("case_note", health.pk) not in keys(page)
        assert ("case_note", social.pk) in keys(page)
        client.force_login(reader.user)
        assert "Hqzdiariotest" not in text(client.get(f"/persone/{person.pk}/diario/"))
        api = client.get(f"/api/v1/persons/{person.pk}/notes", **bearer(reader)).json()
        assert [n["id"] for n in api["items"]] == [social.pk]
        timeline = client.get(f"/api/v1/persons/{person.pk}/timeline", **bearer(reader))
        assert "Hqzdiariotest" not in timeline.content.decode()
        missing = client.get("/api/v1/notes/999999999", **bearer(reader))
        hidden = client.get(f"/api/v1/notes/{health.pk}", **bearer(reader))
        assert missing.status_code == hidden.status_code == 404
    # The doctor reads both, marked as health data in the timeline.
    who = actor(b_doctor)
    assert {n.pk for n in person_notes(actor=who, person_id=person.pk)} == {social.pk, health.pk}
    [item] = [i for i in person_timeline(actor=who, person_id=person.pk).items if i.id == health.pk]
    assert item.is_health and item.summary == HEALTH_TEXT
    client.force_login(b_doctor.user)
    assert "Hqzdiariotest" in text(client.get(f"/persone/{person.pk}/diario/"))


# --- oscuramento and other organisations -------------------------------------------------------


def test_a_hidden_note_is_seen_only_by_the_organisation_that_wrote_it(
    client, person, a_social, b_social
) -> None:
    hidden = note(a_social, person, text="Zqxnotaoscurata")
    concealment_record(
        actor=actor(a_social),
        person_id=person.pk,
        item_kind=ConcealedKind.CASE_NOTE,
        item_id=hidden.pk,
        action=ConcealmentAction.CONCEAL,
        requested_on=timezone.localdate(),
        evidence_kind=ConcealmentEvidence.WRITTEN_REQUEST,
        evidence_note="richiesta scritta, protocollo n. 12/2026",
    )
    b = actor(b_social)
    assert list(person_notes(actor=b, person_id=person.pk)) == []
    assert ("case_note", hidden.pk) not in keys(person_timeline(actor=b, person_id=person.pk))
    with pytest.raises(NotFound):
        note_get(actor=b, note_id=hidden.pk)
    client.force_login(b_social.user)
    assert "Zqxnotaoscurata" not in text(client.get(f"/persone/{person.pk}/diario/"))
    assert client.get(f"/api/v1/notes/{hidden.pk}", **bearer(b_social)).status_code == 404
    # The Comune, which wrote it, still reads it.
    a = actor(a_social)
    assert [n.pk for n in person_notes(actor=a, person_id=person.pk)] == [hidden.pk]
    assert ("case_note", hidden.pk) in keys(person_timeline(actor=a, person_id=person.pk))


def test_another_organisations_note_answers_like_a_missing_one(
    client, person, a_social, c_social
) -> None:
    written = note(a_social, person)
    headers = bearer(c_social)
    hidden = client.get(f"/api/v1/notes/{written.pk}", **headers)
    missing = client.get("/api/v1/notes/999999999", **headers)
    assert hidden.status_code == missing.status_code == 404

    def body(response) -> dict:
        return {k: v for k, v in response.json().items() if k not in ("request_id", "instance")}

    assert body(hidden) == body(missing)
    for url in (f"/api/v1/persons/{person.pk}/notes", f"/api/v1/persons/{person.pk}/timeline"):
        assert client.get(url, **headers).status_code == 404
    client.force_login(c_social.user)
    assert client.get(f"/persone/{person.pk}/diario/").status_code == 404


def test_a_limited_record_has_no_diary(client, org_a, org_b, make_membership) -> None:
    """Known to the ASST (in charge) without the sharing consent: the limited form, and so no
    diary — a 404 like the other tabs of the record."""
    someone = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=someone, organization=org_b)
    reader = make_membership(org_b, Role.SOCIAL_WORKER)
    client.force_login(reader.user)
    assert client.get(f"/persone/{someone.pk}/").status_code == 200  # the limited form
    assert client.get(f"/persone/{someone.pk}/diario/").status_code == 404
    assert client.get(f"/api/v1/persons/{someone.pk}/timeline", **bearer(reader)).status_code == 404


# --- the timeline ------------------------------------------------------------------------------


def test_every_source_appears(person, org_a, make_membership) -> None:
    """A PUA operator who is also a social worker and a UVM member of the Comune sees the
    request, its pre-assessment, an assessment, a UVM session, a document, the consent and a
    note, each once."""
    member = make_membership(org_a, Role.PUA_OPERATOR, Role.SOCIAL_WORKER, Role.UVM_MEMBER)
    who = actor(member)
    pua = PuaPointFactory(organization=org_a)
    request = IntakeRequestFactory(
        pua=pua, person=person, received_at=T - timedelta(days=5), triage_at=T - timedelta(days=4)
    )
    assessment = record_assessment(who, person, "social", SOCIAL_ANSWERS, None, DAY)
    session = uvm.session_create(
        actor=who, data={"person_id": person.pk, "scheduled_for": T + timedelta(hours=9)}
    )
    document = PersonDocument.objects.create(
        person=person, kind=DocumentKind.PASSPORT, number="YA1", uploaded_by=member
    )
    written = note(member, person)
    [consent] = person.consents.all()
    page = person_timeline(actor=who, person_id=person.pk)
    assert sorted(keys(page)) == sorted(
        [
            ("intake_request", request.pk),
            ("pre_assessment", request.pk),
            ("assessment", assessment.pk),
            ("uvm_session", session.pk),
            ("document", document.pk),
            ("consent", consent.pk),
            ("case_note", written.pk),
        ]
    )
    assert page.next_cursor is None
    # Newest first: the note (an hour ago), the document (registered now), ... the consent.
    assert [item.when for item in page.items] == sorted(
        (item.when for item in page.items), reverse=True
    )
    assert all(item.organisation == org_a.name for item in page.items)


def _equal_timestamps(person, member):
    """Hand-built: three notes, two consents (decided on DAY: midnight UTC, T) and a document
    all at T; a note an hour after T and one a day before; the person's sharing consent, forty
    days before. The timeline's order is (when, kind, id) descending — kinds compare as text,
    "document" > "consent" > "case_note" — so, by hand:"""
    notes_at_t = [note(member, person, when=T) for _ in range(3)]
    consents_at_t = [
        ConsentFactory(person=person, purpose=ConsentPurpose.TAKING_IN_CHARGE, decided_on=DAY)
        for _ in range(2)
    ]
    document = PersonDocument.objects.create(
        person=person, kind=DocumentKind.PASSPORT, number="YA1", uploaded_by=member
    )
    PersonDocument.objects.filter(pk=document.pk).update(created_at=T)
    later = note(member, person, when=T + timedelta(hours=1))
    earlier = note(member, person, when=T - timedelta(days=1))
    sharing = person.consents.get(purpose=ConsentPurpose.SHARING)
    return [
        ("case_note", later.pk),
        ("document", document.pk),
        *[("consent", c.pk) for c in reversed(consents_at_t)],
        *[("case_note", n.pk) for n in reversed(notes_at_t)],
        ("case_note", earlier.pk),
        ("consent", sharing.pk),
    ]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 9, 10])
def test_pages_neither_repeat_nor_skip_with_equal_timestamps(person, a_social, limit) -> None:
    expected = _equal_timestamps(person, a_social)
    who = actor(a_social)
    seen: list[tuple[str, int]] = []
    after = None
    for _ in range(20):
        page = person_timeline(actor=who, person_id=person.pk, after=after, limit=limit)
        assert len(page.items) <= limit
        seen += keys(page)
        after = page.next_cursor
        if after is None:
            break
    assert seen == expected


def test_filters_by_kind_and_organisation(person, a_social, b_social) -> None:
    expected = _equal_timestamps(person, a_social)
    from_b = note(b_social, person, when=T - timedelta(days=2))
    who = actor(a_social)
    only_notes = person_timeline(
        actor=who, person_id=person.pk, filters=TimelineFilters(kinds=frozenset({"case_note"}))
    )
    assert keys(only_notes) == [
        *[k for k in expected if k[0] == "case_note"],
        ("case_note", from_b.pk),
    ]
    of_b = person_timeline(
        actor=who,
        person_id=person.pk,
        filters=TimelineFilters(organization_id=b_social.organization_id),
    )
    assert keys(of_b) == [("case_note", from_b.pk)]
    # Kinds and organisation together, through the API, paged one by one.
    url = f"/api/v1/persons/{person.pk}/timeline"
    from django.test import Client

    api = Client()
    headers = bearer(a_social)
    seen, after = [], None
    while True:
        query = {"kind": ["consent", "document"], "organization_id": a_social.organization_id}
        query |= {"limit": 1} | ({"after": after} if after else {})
        answer = api.get(url, query, **headers).json()
        seen += [(i["kind"], i["id"]) for i in answer["items"]]
        after = answer["next"]
        if after is None:
            break
    # The sharing consent was recorded by the registering organisation (A), like the others.
    assert seen == [k for k in expected if k[0] in ("consent", "document")]


def test_a_forged_cursor_is_refused(person, a_social, client) -> None:
    forged = Cursor(when=T, kind="case_note", id=1).encode()[:-2] + "xx"
    with pytest.raises(TimelineError):
        person_timeline(actor=actor(a_social), person_id=person.pk, after=forged)
    answer = client.get(
        f"/api/v1/persons/{person.pk}/timeline", {"after": forged}, **bearer(a_social)
    )
    assert answer.status_code == 422
    # The page shows the first page instead.
    client.force_login(a_social.user)
    assert client.get(f"/persone/{person.pk}/diario/", {"dopo": forged}).status_code == 200


def _queries_for_a_page(who, person) -> int:
    with CaptureQueriesContext(connection) as captured:
        person_timeline(actor=who, person_id=person.pk, limit=10)
    return len(captured.captured_queries)


def test_a_page_costs_the_same_queries_whatever_the_history(
    person, a_social, django_assert_max_num_queries
) -> None:
    who = actor(a_social)

    def grow(n: int) -> None:
        for i in range(n):
            note(a_social, person, when=T - timedelta(minutes=i))
            ConsentFactory(
                person=person,
                purpose=ConsentPurpose.TAKING_IN_CHARGE,
                decided_on=DAY - timedelta(days=i),
            )
            PersonDocument.objects.create(
                person=person, kind=DocumentKind.PASSPORT, number=f"YA{i}", uploaded_by=a_social
            )

    grow(3)
    small = _queries_for_a_page(who, person)
    grow(40)
    large = _queries_for_a_page(who, person)
    assert small == large
    # The person read through the gate, one query per source (seven), the access log entry.
    with django_assert_max_num_queries(12):
        person_timeline(actor=who, person_id=person.pk, limit=10)


def test_the_page_query_count_does_not_grow(client, person, a_social) -> None:
    client.force_login(a_social.user)
    url = f"/persone/{person.pk}/diario/"
    for i in range(3):
        note(a_social, person, when=T - timedelta(minutes=i))
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(40):
        note(a_social, person, when=T - timedelta(hours=1, minutes=i))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)


# --- the page and the API ----------------------------------------------------------------------


def test_the_diary_page_adds_a_note_and_logs_every_read(client, person, a_social) -> None:
    client.force_login(a_social.user)
    url = f"/persone/{person.pk}/diario/"
    assert f'href="{url}"' in text(client.get(f"/persone/{person.pk}/"))
    before = AccessLog.objects.filter(detail__view="diario").count()
    body = text(client.get(url))
    assert "Aggiungi una nota" in body and "Sanitaria" not in body  # social domain only
    assert AccessLog.objects.filter(detail__view="diario").count() == before + 1
    answer = client.post(
        url,
        {
            "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "kind": NoteKind.HOME_VISIT,
            "domain": NoteDomain.SOCIAL,
            "text": "Visita: casa in ordine, frigorifero vuoto.",
        },
    )
    assert answer.status_code == 302
    assert "frigorifero vuoto" in text(client.get(url))
    assert client.post(url, {"kind": NoteKind.HOME_VISIT}).status_code == 400
    assert CaseNote.objects.count() == 1


def test_a_role_that_may_not_write_gets_no_form(client, person, org_a, make_membership) -> None:
    member = make_membership(org_a, Role.UVM_MEMBER)  # reads the record, writes no note
    client.force_login(member.user)
    url = f"/persone/{person.pk}/diario/"
    assert "Aggiungi una nota" not in text(client.get(url))
    assert client.post(url, {"text": "x"}).status_code == 403
    assert not CaseNote.objects.exists()


def test_the_api_writes_and_reads_a_note(client, person, b_doctor, a_social) -> None:
    payload = {
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "kind": "phone_call",
        "domain": "health",
        "text": HEALTH_TEXT,
    }
    url = f"/api/v1/persons/{person.pk}/notes"
    created = client.post(url, payload, content_type="application/json", **bearer(b_doctor))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["person"]["family_names"] == "Bianchi" and body["domain"] == "health"
    read = client.get(f"/api/v1/notes/{body['id']}", **bearer(b_doctor)).json()
    assert read["text"] == HEALTH_TEXT
    refused = client.post(url, payload, content_type="application/json", **bearer(a_social))
    assert refused.status_code == 403
    bad = client.post(
        url, {**payload, "text": ""}, content_type="application/json", **bearer(b_doctor)
    )
    assert bad.status_code == 422
    assert CaseNote.objects.count() == 1
