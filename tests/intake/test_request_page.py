"""The request's page: the next sensible action first, the others on demand; the sharing
consent collected there under the people app's rules."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integra.intake import services, workflow
from integra.intake.models import IntakeRequest, IntakeState
from integra.notices.models import Notice
from integra.people.models import Consent, ConsentPurpose, ConsentStatus
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _login(client, actor):
    client.force_login(actor.user)
    session = client.session
    session["integra_membership_id"] = actor.membership.pk
    session.save()


def _create(setting, person=None):
    return services.request_create(
        actor=setting.operator,
        data={
            "person_id": (person or setting.person).pk,
            "pua_id": setting.pua.pk,
            "channel": "sportello",
            "requester_kind": "persona",
            "need_areas": ["anziani"],
            "urgency": "ordinaria",
            "description": "Aiuto a domicilio.",
        },
    )


def test_the_obvious_step_is_first_and_needs_no_reason(client, pua_setting):
    request = _create(pua_setting)
    _login(client, pua_setting.operator)
    page = client.get(f"/pua/richieste/{request.pk}/").content.decode()
    primary = page[page.index('id="azione-principale"') : page.index('id="altre-azioni"')]
    assert "Avvia la pre-valutazione" in primary and "Nota (facoltativa)" in primary
    assert "Non competente: inoltra" not in primary
    others = page[page.index('id="altre-azioni"') :]
    assert "Non competente: inoltra" in others
    answer = client.post(
        f"/pua/richieste/{request.pk}/passaggio/",
        {"to": "pre_valutazione", "pre_valutazione-to": "pre_valutazione", "row_version": "1"},
    )
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.state == IntakeState.PRE_ASSESSMENT


def test_forwarding_from_the_page_without_a_reason_is_refused(client, pua_setting):
    request = _create(pua_setting)
    _login(client, pua_setting.operator)
    answer = client.post(
        f"/pua/richieste/{request.pk}/passaggio/",
        {
            "to": "non_competente",
            "non_competente-to": "non_competente",
            "non_competente-forwarded_to": pua_setting.asst.pk,
            "row_version": "1",
        },
    )
    assert answer.status_code == 422
    assert IntakeRequest.objects.get().state == IntakeState.RECEIVED
    # The failed form is shown open among the other actions.
    assert '<details id="altre-azioni" open>' in answer.content.decode()


def _consent_post(day=None):
    return {
        "status": ConsentStatus.GIVEN,
        "decided_on": (day or timezone.localdate()).isoformat(),
        "decided_by": "person",
        "evidence_kind": "presence_declaration",
        "evidence_note": "Presente allo sportello, ha acconsentito.",
    }


def test_the_pua_records_consent_on_the_request_page_and_the_registrar_is_told(client, pua_setting):
    from tests.factories import OrganizationFactory

    comune = OrganizationFactory(name="Comune Registrante")
    person = PersonFactory(
        registered_by=comune, residence_municipality=pua_setting.person.residence_municipality
    )
    request = _create(pua_setting, person)
    _login(client, pua_setting.operator)
    page = client.get(f"/pua/richieste/{request.pk}/").content.decode()
    assert "Non ancora raccolto" in page and "Registra la decisione della persona" in page
    answer = client.post(f"/pua/richieste/{request.pk}/consenso/", _consent_post())
    assert answer.status_code == 302
    consent = Consent.objects.get(person=person)
    assert (consent.purpose, consent.status) == (ConsentPurpose.SHARING, ConsentStatus.GIVEN)
    assert Notice.objects.filter(organization=comune).count() == 1
    assert "Prestato il" in client.get(f"/pua/richieste/{request.pk}/").content.decode()


def test_a_consent_without_evidence_is_refused_with_nothing_written(client, pua_setting):
    request = _create(pua_setting)
    _login(client, pua_setting.operator)
    answer = client.post(
        f"/pua/richieste/{request.pk}/consenso/", {**_consent_post(), "evidence_note": ""}
    )
    assert answer.status_code == 422
    assert "Indica la documentazione del consenso" in answer.content.decode() or (
        "obbligatorio" in answer.content.decode()
    )
    assert not Consent.objects.exists()


def test_another_pua_gets_a_404_for_the_consent_of_a_request(client, pua_setting):
    request = _create(pua_setting)
    _login(client, pua_setting.outsider)
    assert client.post(f"/pua/richieste/{request.pk}/consenso/", _consent_post()).status_code == 404
    assert not Consent.objects.exists()


def test_the_new_request_form_records_the_consent_with_the_request(client, pua_setting):
    _login(client, pua_setting.operator)
    data = {
        "person_id": pua_setting.person.pk,
        "channel": "sportello",
        "requester_kind": "persona",
        "need_areas": ["anziani"],
        "urgency": "ordinaria",
        "description": "Aiuto a domicilio.",
        "consenso-raccolto": "1",
        **{f"consenso-{k}": v for k, v in _consent_post().items()},
    }
    bad = client.post(
        f"/pua/richieste/nuova/?persona={pua_setting.person.pk}",
        {**data, "consenso-evidence_note": ""},
    )
    assert bad.status_code == 200  # the form again, nothing written
    assert not IntakeRequest.objects.exists() and not Consent.objects.exists()
    answer = client.post(f"/pua/richieste/nuova/?persona={pua_setting.person.pk}", data)
    assert answer.status_code == 302
    request = IntakeRequest.objects.get()
    assert Consent.objects.get(person=pua_setting.person).status == ConsentStatus.GIVEN
    assert request.person_id == pua_setting.person.pk
    # Without the box ticked, nothing about consent is recorded.
    client.post(
        f"/pua/richieste/nuova/?persona={pua_setting.person.pk}",
        {k: v for k, v in data.items() if k != "consenso-raccolto"},
    )
    assert IntakeRequest.objects.count() == 2 and Consent.objects.count() == 1


def test_next_move_after_the_uvm(pua_setting):
    request = _create(pua_setting)
    workflow.transition(pua_setting.operator, request, IntakeState.PRE_ASSESSMENT, "")
    workflow.transition(pua_setting.operator, request, IntakeState.SENT_TO_UVM, "", need="complex")
    request.refresh_from_db()
    assert workflow.next_move(request) is None
    close = workflow.MOVES[(IntakeState.SENT_TO_UVM, IntakeState.CLOSED)]
    assert workflow.reason_required(close, request) is True
