"""The PUA pages: inbox with filters and counts (query count pinned), new request, request page
with timeline and moves, pre-assessment form, attachments; 404 for another organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integra.intake.models import IntakeRequest, IntakeState
from integra.intake.services import request_create
from integra.intake.workflow import transition
from tests.intake.factories import IntakeRequestFactory
from tests.people.factories import PersonFactory

S = IntakeState


def _data(setting, **extra):
    return {
        "person_id": setting.person.pk,
        "channel": "sportello",
        "requester_kind": "persona",
        "need_areas": ["anziani"],
        "description": "Chiede aiuto per la spesa.",
        **extra,
    }


def _login(client, actor):
    client.force_login(actor.user)
    session = client.session
    session["integra_membership_id"] = actor.membership.pk
    session.save()


@pytest.fixture
def logged(client, pua_setting):
    _login(client, pua_setting.operator)
    return client


def test_inbox_lists_open_requests_with_counts(logged, pua_setting) -> None:
    today = timezone.localdate()
    IntakeRequestFactory(
        pua=pua_setting.pua, person=pua_setting.person, due_on=today - timedelta(days=3)
    )
    IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person, due_on=today)
    IntakeRequestFactory(
        pua=pua_setting.pua,
        person=pua_setting.person,
        state=S.CLOSED,
        closed_at=timezone.now(),
        due_on=None,
    )
    response = logged.get("/pua/")
    assert response.status_code == 200
    assert response.context["counts"] == {"open": 2, "due_soon": 1, "overdue": 1}
    assert response.context["page"].paginator.count == 2
    overdue = logged.get("/pua/?scadenza=overdue")
    assert overdue.context["page"].paginator.count == 1
    closed = logged.get("/pua/?stato=chiusa")
    assert closed.context["page"].paginator.count == 1


def test_counts_are_capped(logged, pua_setting, monkeypatch) -> None:
    from integra.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    for _ in range(4):
        IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person)
    response = logged.get("/pua/")
    assert response.context["counts"]["open"] == 3  # "more than 2"
    assert response.context["page"].paginator.capped
    assert "Più di 2 richieste" in response.content.decode()


def test_inbox_filters_by_urgency_and_channel(logged, pua_setting) -> None:
    IntakeRequestFactory(pua=pua_setting.pua, urgency="urgente", channel="telefono")
    IntakeRequestFactory(pua=pua_setting.pua, urgency="ordinaria", channel="telefono")
    IntakeRequestFactory(pua=pua_setting.pua, urgency="urgente", channel="scuola")
    page = logged.get("/pua/?urgenza=urgente&canale=telefono").context["page"]
    assert page.paginator.count == 1


def _inbox_queries(client, django_assert_max_num_queries, n: int, setting) -> None:
    for _ in range(n):
        IntakeRequestFactory(
            pua=setting.pua, person=PersonFactory(registered_by=setting.ambito_org)
        )
    with django_assert_max_num_queries(INBOX_MAX_QUERIES) as captured:
        response = client.get("/pua/")
    assert response.status_code == 200
    return len(captured.captured_queries)


# Session, user, membership, PUAs (counts), counts, page count, page rows, access log
# (lock, head, insert) and the template's lookups: fixed whatever the number of rows.
INBOX_MAX_QUERIES = 20


def test_inbox_query_count_does_not_grow(client, pua_setting, django_assert_max_num_queries):
    _login(client, pua_setting.operator)
    one = _inbox_queries(client, django_assert_max_num_queries, 1, pua_setting)
    thirty = _inbox_queries(client, django_assert_max_num_queries, 29, pua_setting)
    assert one == thirty


def test_new_request_page_and_create(logged, pua_setting) -> None:
    page = logged.get("/pua/richieste/nuova/?cerca=Bianchi")
    assert page.status_code == 200
    assert any(m.person_id == pua_setting.person.pk for m in page.context["matches"])
    chosen = logged.get(f"/pua/richieste/nuova/?persona={pua_setting.person.pk}")
    assert chosen.context["chosen_id"] == pua_setting.person.pk
    response = logged.post(
        f"/pua/richieste/nuova/?persona={pua_setting.person.pk}",
        {
            "person_id": pua_setting.person.pk,
            "channel": "telefono",
            "requester_kind": "familiare",
            "requester_name": "Luca",
            "need_areas": ["anziani", "caregiver"],
            "urgency": "prioritaria",
            "description": "Madre sola.",
        },
    )
    assert response.status_code == 302
    created = IntakeRequest.objects.get()
    assert response["Location"] == f"/pua/richieste/{created.pk}/"
    assert created.need_areas == ["anziani", "caregiver"]


def test_new_request_errors_save_nothing(logged, pua_setting) -> None:
    response = logged.post("/pua/richieste/nuova/", {"channel": "telefono"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert IntakeRequest.objects.count() == 0


def test_request_page_shows_timeline_and_moves(logged, pua_setting) -> None:
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    response = logged.get(f"/pua/richieste/{request.pk}/")
    assert response.status_code == 200
    targets = [f.move.target for f in response.context["move_forms"]]
    assert targets == [S.PRE_ASSESSMENT, S.FORWARDED]
    assert "Cronologia" in response.content.decode()


def test_transition_form_and_illegal_move(logged, pua_setting) -> None:
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    url = f"/pua/richieste/{request.pk}/passaggio/"
    ok = logged.post(
        url,
        {
            "to": "pre_valutazione",
            "pre_valutazione-to": "pre_valutazione",
            "pre_valutazione-reason": "Colloquio",
            "row_version": "1",
        },
    )
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.state == S.PRE_ASSESSMENT
    missing = logged.post(
        url,
        {
            "to": "inviata_uvm",
            "inviata_uvm-to": "inviata_uvm",
            "inviata_uvm-reason": "",
            "row_version": "2",
        },
    )
    assert missing.status_code == 422
    illegal = logged.post(url, {"to": "chiusa", "chiusa-reason": "x"}, follow=True)
    assert "Non si può passare" in illegal.content.decode()
    request.refresh_from_db()
    assert request.state == S.PRE_ASSESSMENT


def test_triage_form_records_the_suggestion(logged, pua_setting) -> None:
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    page = logged.get(f"/pua/richieste/{request.pk}/pre-valutazione/")
    assert page.status_code == 200
    response = logged.post(
        f"/pua/richieste/{request.pk}/pre-valutazione/",
        {
            "health_need": "complex",
            "social_need": "complex",
            "autonomy": "dependent",
            "support_network": "absent",
            "urgency": "days",
            "row_version": "1",
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == S.PRE_ASSESSMENT
    assert request.triage_suggestion["route"] == "uvm"
    detail = logged.get(f"/pua/richieste/{request.pk}/")
    assert "Attivare l&#x27;UVM" in detail.content.decode()


def test_another_organisation_gets_404(client, pua_setting) -> None:
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    _login(client, pua_setting.outsider)
    assert client.get(f"/pua/richieste/{request.pk}/").status_code == 404
    assert client.get(f"/pua/richieste/{request.pk}/pre-valutazione/").status_code == 404
    assert (
        client.post(
            f"/pua/richieste/{request.pk}/passaggio/", {"to": "pre_valutazione"}
        ).status_code
        == 404
    )
    assert client.get("/pua/").context["page"].paginator.count == 0


def test_attachment_upload_and_download(logged, pua_setting, tmp_path, settings) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    pdf = SimpleUploadedFile("lettera MMG.pdf", b"%PDF-1.4 prova", content_type="application/pdf")
    logged.post(f"/pua/richieste/{request.pk}/allegati/", {"file": pdf, "description": "Lettera"})
    attachment = request.attachments.get()
    assert attachment.content_type == "application/pdf"
    response = logged.get(f"/pua/richieste/{request.pk}/allegati/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    logged.post(f"/pua/richieste/{request.pk}/allegati/", {"file": fake})
    assert request.attachments.count() == 1


def test_closed_requests_offer_no_moves(logged, pua_setting) -> None:
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    for step in (S.PRE_ASSESSMENT, S.SENT_TO_UVM, S.CLOSED):
        extra = {"need": "complex"} if step == S.SENT_TO_UVM else {}
        transition(pua_setting.operator, request, step, "passo", **extra)
    response = logged.get(f"/pua/richieste/{request.pk}/")
    assert response.context["move_forms"] == []


def test_inbox_filters_due_today_and_to_close(logged, pua_setting) -> None:
    """``scadenza=today``: open requests due today; ``scadenza=to_close``: sent to the UVM, whose
    session concluded (``services.request_uvm_concluded`` cleared the deadline)."""
    today = timezone.localdate()
    due_today = IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person, due_on=today)
    IntakeRequestFactory(
        pua=pua_setting.pua, person=pua_setting.person, due_on=today + timedelta(days=1)
    )
    IntakeRequestFactory(
        pua=pua_setting.pua,
        person=pua_setting.person,
        state=S.CLOSED,
        closed_at=timezone.now(),
        due_on=today,
    )
    waiting = IntakeRequestFactory(  # sent to the UVM, not yet assessed: has a deadline
        pua=pua_setting.pua, person=pua_setting.person, state=S.SENT_TO_UVM, uvm_due=today
    )
    to_close = IntakeRequestFactory(
        pua=pua_setting.pua,
        person=pua_setting.person,
        state=S.SENT_TO_UVM,
        uvm_due=today - timedelta(days=3),
        due_on=None,
    )
    today_page = logged.get("/pua/?scadenza=today").context["page"]
    assert [r.pk for r in today_page] == sorted([due_today.pk, waiting.pk])
    close_page = logged.get("/pua/?scadenza=to_close")
    assert [r.pk for r in close_page.context["page"]] == [to_close.pk]
    assert "UVM conclusa: da chiudere con l&#x27;esito" in close_page.content.decode()
