"""The health item of the PUA triage (``health_need``, ``health: true`` in
integra/assessments/instruments/pua_triage.yaml) is read by the PUA that works the request and
by health staff; the organisation the request is sent to without the health permission sees the
other answers, not the health one, and neither the total nor the band nor the suggestion, which
would give it back (issue 9, finding 3: "the triage item health_need sits in the social
domain")."""

from __future__ import annotations

from integra.core.permissions import Role
from integra.intake.models import IntakeState as S
from integra.intake.selectors import request_detail, triage_view
from integra.intake.services import request_create, triage_record
from integra.intake.triage import triage_health_items
from integra.intake.workflow import transition
from tests.factories import OrganizationFactory, ServiceFactory
from tests.intake.test_services import _data

ANSWERS = {
    "health_need": "complex",
    "social_need": "simple",
    "autonomy": "partial",
    "support_network": "adequate",
    "urgency": "none",
}


def test_the_health_items_are_declared_by_the_definition(db) -> None:
    assert triage_health_items() == frozenset({"health_need"})


def _sent_to_a_provider(pua_setting):
    provider = OrganizationFactory(name="Servizio sociale")
    service = ServiceFactory(provider=provider)
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting.person))
    triage_record(
        expected_version=None, actor=pua_setting.operator, request_id=request.pk, answers=ANSWERS
    )
    transition(
        pua_setting.operator,
        request.pk,
        S.SENT_TO_SERVICE,
        "x",
        need="complex",
        service_id=service.pk,
    )
    return request, provider


def test_the_receiving_social_worker_does_not_see_the_health_need(pua_setting, make_actor) -> None:
    request, provider = _sent_to_a_provider(pua_setting)
    worker = make_actor(provider, Role.SOCIAL_WORKER)
    shown = request_detail(actor=worker, request_id=request.pk).triage_shown
    assert "health_need" not in shown.answers
    assert shown.answers["social_need"] == "simple"
    # 2 + 1 + 1 + 0 + 0 = 4: the total would give the health answer back (4 - 2 = 2).
    assert (shown.result, shown.suggestion, shown.withheld) == ({}, {}, True)


def test_the_pua_and_health_staff_see_it(pua_setting, make_actor) -> None:
    request, provider = _sent_to_a_provider(pua_setting)
    for actor in (pua_setting.operator, make_actor(provider, Role.NURSE)):
        shown = triage_view(actor=actor, request=request_detail(actor=actor, request_id=request.pk))
        assert shown.answers["health_need"] == "complex"
        assert shown.result["total"] == 4 and not shown.withheld


def test_the_request_page_and_api_of_the_receiver_hide_it(pua_setting, make_membership, client):
    from integra.accounts.services import api_token_create

    request, provider = _sent_to_a_provider(pua_setting)
    membership = make_membership(provider, Role.SOCIAL_WORKER)
    client.force_login(membership.user)
    page = client.get(f"/pua/richieste/{request.pk}/").content.decode()
    assert "Bisogno sanitario" not in page and "Complesso (più prestazioni" not in page
    _token, secret = api_token_create(user=membership.user, membership=membership, name="t")
    body = client.get(
        f"/api/v1/pua/requests/{request.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    assert "health_need" not in body["triage"]["answers"]
    assert body["triage"]["withheld"] is True and body["triage"]["result"] == {}
