"""Writes are captured by the pghistory triggers, whatever path they take, and events made in a
request carry who, where and why (``AuditContextMiddleware``, ``integra/api/auth.py``)."""

from __future__ import annotations

import pghistory
import pytest
from django.apps import apps
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST
from ninja import NinjaAPI

from integra.accounts.models import ApiToken, hash_token
from integra.api.auth import TokenAuth
from integra.core.permissions import Role
from integra.organizations.models import Service, ServiceArea
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

ServiceEvent = apps.get_model("organizations", "ServiceEvent")


def issue_token(membership) -> str:
    raw = "itg_history-test-token-" + str(membership.pk)
    ApiToken.objects.create(
        user=membership.user,
        membership=membership,
        name="integrazione",
        prefix=raw[:10],
        token_hash=hash_token(raw),
    )
    return raw


def events_of(service_id: int) -> list:
    return list(
        ServiceEvent.objects.filter(pgh_obj_id=service_id)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )


# --- a tiny site for these tests: one session view and one Bearer-token API endpoint ---------


@require_POST
def rename_service(request: HttpRequest, pk: int) -> HttpResponse:
    # What a service function does: its own transaction, and *why* as context.
    with transaction.atomic(), pghistory.context(reason="service_rename"):
        Service.objects.filter(pk=pk).update(name="Nome cambiato via sessione")
    return HttpResponse(status=204)


token_api = NinjaAPI(auth=[TokenAuth()], urls_namespace="audit_history_test_api")


@token_api.post("/services/{pk}/rename")
def rename_service_api(request: HttpRequest, pk: int) -> dict[str, bool]:
    service = Service.objects.get(pk=pk)
    service.name = "Nome cambiato via token"
    service.save()
    return {"ok": True}


urlpatterns = [
    path("rename/<int:pk>/", rename_service),
    path("api/", token_api.urls),
]


# --- every write path is captured -------------------------------------------------------------


def test_save_creates_insert_and_update_events(org_a) -> None:
    service = Service.objects.create(
        code="SAD-1", name="Assistenza domiciliare", area=ServiceArea.ELDERLY, provider=org_a
    )
    service.name = "Assistenza domiciliare (SAD)"
    service.save()

    events = events_of(service.pk)
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[0].name == "Assistenza domiciliare"
    assert events[1].name == "Assistenza domiciliare (SAD)"


def test_queryset_update_is_captured_per_row(org_a) -> None:
    first, second = ServiceFactory(provider=org_a), ServiceFactory(provider=org_a)

    changed = Service.objects.filter(pk__in=[first.pk, second.pk]).update(is_active=False)

    assert changed == 2
    for service in (first, second):
        labels_and_state = [(e.pgh_label, e.is_active) for e in events_of(service.pk)]
        assert labels_and_state == [("insert", True), ("update", False)]


def test_update_that_changes_nothing_makes_no_event(org_a) -> None:
    service = ServiceFactory(provider=org_a, name="Invariato")
    Service.objects.filter(pk=service.pk).update(name="Invariato")
    assert [e.pgh_label for e in events_of(service.pk)] == ["insert"]


def test_bulk_create_is_captured(org_a) -> None:
    created = Service.objects.bulk_create(
        [
            Service(
                code=f"BULK-{n}", name=f"Servizio {n}", area=ServiceArea.DISABILITY, provider=org_a
            )
            for n in range(3)
        ]
    )
    assert (
        ServiceEvent.objects.filter(
            pgh_obj_id__in=[s.pk for s in created], pgh_label="insert"
        ).count()
        == 3
    )


def test_delete_is_captured_with_the_last_values(org_a) -> None:
    service = ServiceFactory(provider=org_a, name="Da chiudere")
    service_id = service.pk

    service.delete()

    events = events_of(service_id)
    assert [e.pgh_label for e in events] == ["insert", "delete"]
    assert events[-1].name == "Da chiudere"


def test_queryset_delete_is_captured(org_a) -> None:
    services = [ServiceFactory(provider=org_a) for _ in range(2)]
    Service.objects.filter(pk__in=[s.pk for s in services]).delete()
    assert (
        ServiceEvent.objects.filter(
            pgh_obj_id__in=[s.pk for s in services], pgh_label="delete"
        ).count()
        == 2
    )


def test_write_outside_any_context_has_no_context(org_a) -> None:
    service = ServiceFactory(provider=org_a)
    assert events_of(service.pk)[0].pgh_context is None


# --- context from the request -------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_event_in_a_session_request_carries_who_where_and_why(
    client, org_a, make_membership
) -> None:
    membership = make_membership(org_a, Role.PLANNING_COORDINATOR)
    service = ServiceFactory(provider=org_a)
    client.force_login(membership.user)

    response = client.post(
        f"/rename/{service.pk}/",
        HTTP_X_REQUEST_ID="req-history-0001",
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 204
    update = events_of(service.pk)[-1]
    assert update.pgh_label == "update"
    assert update.name == "Nome cambiato via sessione"
    metadata = update.pgh_context.metadata
    assert metadata["user"] == membership.user.pk
    assert metadata["username"] == membership.user.username
    assert metadata["membership"] == membership.pk
    assert metadata["organization"] == org_a.pk
    assert metadata["request_id"] == "req-history-0001"
    assert metadata["url"] == f"/rename/{service.pk}/"
    assert metadata["method"] == "POST"
    assert metadata["client_ip"] == "10.1.2.3"
    assert metadata["reason"] == "service_rename"


@pytest.mark.urls(__name__)
def test_event_in_a_bearer_token_request_carries_the_token_operator(
    client, org_b, make_membership
) -> None:
    membership = make_membership(org_b, Role.PLANNING_COORDINATOR)
    raw = issue_token(membership)
    service = ServiceFactory(provider=org_b)

    response = client.post(
        f"/api/services/{service.pk}/rename",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_X_REQUEST_ID="req-history-0002",
    )

    assert response.status_code == 200, response.content
    update = events_of(service.pk)[-1]
    assert update.name == "Nome cambiato via token"
    metadata = update.pgh_context.metadata
    # No session: the middleware saw an anonymous request; TokenAuth added the operator later.
    assert metadata["user"] == membership.user.pk
    assert metadata["username"] == membership.user.username
    assert metadata["membership"] == membership.pk
    assert metadata["organization"] == org_b.pk
    assert metadata["api_token"] == raw[:10]
    assert metadata["request_id"] == "req-history-0002"
    assert metadata["url"] == f"/api/services/{service.pk}/rename"


def test_nested_reason_joins_the_open_context(org_a) -> None:
    """A service's ``with pghistory.context(reason=...)`` inside an open context adds to it."""
    with pghistory.context(url="/outer/"), pghistory.context(reason="service_close"):
        service = ServiceFactory(provider=org_a)
    assert events_of(service.pk)[0].pgh_context.metadata == {
        "url": "/outer/",
        "reason": "service_close",
    }
