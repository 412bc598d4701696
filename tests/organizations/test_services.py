"""Catalogue writes: a manager edits the services of their own organisation only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.organizations.models import Service, ServiceArea
from integra.organizations.services import service_create, service_update
from tests.factories import ServiceFactory
from tests.organizations.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_manager_creates_a_service_of_their_organisation(make_actor, org_a, melegnano) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    unit = UnitFactory(organization=org_a, name="Ufficio di Piano")
    service = service_create(
        actor=actor,
        fields={
            "name": "  Servizio per l'inclusione  ",
            "area": ServiceArea.POVERTY_INCLUSION,
            "unit": unit,
            "municipality": melegnano,
            "served_municipalities": [melegnano],
            "email": "inclusione@comune.example",
        },
    )
    service.refresh_from_db()
    assert service.provider_id == org_a.pk
    assert service.name == "Servizio per l'inclusione"
    assert service.search_name == "servizio per l inclusione"
    assert service.unit == unit
    assert list(service.served_municipalities.all()) == [melegnano]
    # Code assigned from the provider's code: org_a is "comune-alfa", first service → 001.
    assert service.code == "COMUNE-ALFA-001"
    event = service.events.get()  # pghistory: one insert event, with the reason
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["reason"] == "service_create"


def test_generated_code_skips_taken_codes(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.ORG_ADMIN)
    ServiceFactory(provider=org_a, code="COMUNE-ALFA-002")  # 1 existing → next would be 002
    service = service_create(actor=actor, fields={"name": "Nuovo", "area": ServiceArea.ELDERLY})
    assert service.code == "COMUNE-ALFA-003"


def test_role_without_catalogue_manage_is_refused(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(PermissionRequired):
        service_create(actor=actor, fields={"name": "X", "area": ServiceArea.ELDERLY})
    assert not Service.objects.exists()


def test_invalid_input_gives_italian_messages_and_saves_nothing(make_actor, org_a, org_b) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    foreign_unit = UnitFactory(organization=org_b)
    with pytest.raises(ValidationError) as exc:
        service_create(
            actor=actor,
            fields={
                "name": "   ",
                "area": "nessuna",
                "email": "non-una-email",
                "unit": foreign_unit,
            },
        )
    errors = exc.value.message_dict
    assert errors["name"] == ["Questo campo non può essere vuoto."]
    assert errors["area"] == ["Il valore 'nessuna' non è una scelta valida."]
    assert errors["email"] == ["Inserisci un indirizzo email valido."]
    assert errors["unit"] == ["L'unità scelta non appartiene all'ente erogatore del servizio."]
    assert not Service.objects.exists()


def test_duplicate_code_is_refused(make_actor, org_a, service_b) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    with pytest.raises(ValidationError) as exc:
        service_create(
            actor=actor, fields={"name": "Doppio", "area": ServiceArea.ELDERLY, "code": "B-CF"}
        )
    assert exc.value.message_dict["code"] == ["Servizio con questo Codice esiste già."]


def test_manager_updates_only_the_given_fields(make_actor, org_a, service_a, melegnano) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    service_a.served_municipalities.set([melegnano])
    updated = service_update(
        actor=actor, service_id=service_a.pk, fields={"opening_hours": "lun–ven 9–12"}
    )
    updated.refresh_from_db()
    assert updated.opening_hours == "lun–ven 9–12"
    assert updated.name == "Assistenza domiciliare"
    assert list(updated.served_municipalities.all()) == [melegnano]
    assert service_a.events.order_by("pgh_id").last().pgh_context.metadata["reason"] == (
        "service_update"
    )


def test_manager_of_a_cannot_update_service_of_b(make_actor, org_a, service_b) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    with pytest.raises(NotFound):
        service_update(actor=actor, service_id=service_b.pk, fields={"name": "Preso"})
    with pytest.raises(NotFound):
        service_update(actor=actor, service_id=999_999, fields={"name": "Nessuno"})
    service_b.refresh_from_db()
    assert service_b.name == "Consultorio familiare"


def test_update_without_permission_is_refused_even_for_own_service(
    make_actor, org_a, service_a
) -> None:
    actor = make_actor(org_a, Role.NURSE)
    with pytest.raises(PermissionRequired):
        service_update(actor=actor, service_id=service_a.pk, fields={"name": "Cambiato"})


def test_update_to_blank_code_is_refused(make_actor, org_a, service_a) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    with pytest.raises(ValidationError) as exc:
        service_update(actor=actor, service_id=service_a.pk, fields={"code": " "})
    assert exc.value.message_dict == {"code": ["Il codice non può essere vuoto."]}
    service_a.refresh_from_db()
    assert service_a.code == "A-SAD"


def test_unknown_field_is_a_programming_error(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    with pytest.raises(ValueError, match="provider"):
        service_create(actor=actor, fields={"name": "X", "area": "anziani", "provider": 1})
