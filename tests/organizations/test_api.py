"""API of enti and services: /api/v1/organizations, /api/v1/services."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integra.organizations.models import OrganizationKind, Service, ServiceArea
from tests.factories import OrganizationFactory, ServiceFactory
from tests.organizations.factories import UnitFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_anonymous_gets_401(client) -> None:
    response = client.get("/api/v1/services")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_list_services_with_filters(login, social_worker_a, org_a, org_b, melegnano) -> None:
    ServiceFactory(
        provider=org_a, name="Servizio per l'inclusione", area=ServiceArea.POVERTY_INCLUSION
    )
    located = ServiceFactory(
        provider=org_b, name="Centro diurno", area=ServiceArea.DISABILITY, municipality=melegnano
    )
    ServiceFactory(provider=org_b, name="ASSISTENZA DOMICILIARE", area=ServiceArea.ELDERLY)
    client = login(social_worker_a)

    body = client.get("/api/v1/services", {"q": "inclusione"}).json()
    assert body["count"] == 1
    assert body["items"][0]["name"] == "Servizio per l'inclusione"
    assert body["items"][0]["area_label"] == "Povertà e inclusione"
    assert body["items"][0]["provider"] == {"id": org_a.pk, "name": org_a.name, "kind": "comune"}

    body = client.get("/api/v1/services", {"q": "assistenza domiciliare"}).json()
    assert [s["name"] for s in body["items"]] == ["ASSISTENZA DOMICILIARE"]

    body = client.get("/api/v1/services", {"municipality": melegnano.istat_code}).json()
    assert [s["id"] for s in body["items"]] == [located.pk]
    assert body["items"][0]["municipality"] == {"istat_code": "015140", "name": "Melegnano"}

    body = client.get("/api/v1/services", {"provider": org_b.pk, "area": "anziani"}).json()
    assert [s["name"] for s in body["items"]] == ["ASSISTENZA DOMICILIARE"]


def test_list_services_paginates(login, social_worker_a, org_a) -> None:
    for i in range(5):
        ServiceFactory(provider=org_a, name=f"Servizio {i}")
    body = login(social_worker_a).get("/api/v1/services", {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5
    assert [s["name"] for s in body["items"]] == ["Servizio 2", "Servizio 3"]


def test_bad_filters_are_422_in_italian(login, social_worker_a) -> None:
    response = login(social_worker_a).get(
        "/api/v1/services", {"area": "marziani", "municipality": "12", "limit": 0}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    errors = fields_of(response)
    assert errors["area"].startswith("Valore non ammesso.")
    assert errors["municipality"] == "Formato non valido."
    assert errors["limit"] == "Deve essere maggiore o uguale a 1."


def test_list_query_count_does_not_grow(
    login, social_worker_a, org_a, melegnano, django_assert_max_num_queries
) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            provider = OrganizationFactory()
            ServiceFactory(
                provider=provider, municipality=melegnano, unit=UnitFactory(organization=provider)
            )
            OrganizationFactory(parent=provider)

    client = login(social_worker_a)
    make(3)
    for url in ("/api/v1/services?limit=100", "/api/v1/organizations?limit=100"):
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        make(30)
        with django_assert_max_num_queries(len(few)):
            body = client.get(url).json()
        assert len(body["items"]) >= 33


def test_service_detail_and_404(login, social_worker_a, org_b, melegnano) -> None:
    service = ServiceFactory(provider=org_b, name="Ser.D", area=ServiceArea.ADDICTION)
    service.served_municipalities.set([melegnano])
    hidden = ServiceFactory(provider=org_b, is_active=False)
    client = login(social_worker_a)
    body = client.get(f"/api/v1/services/{service.pk}").json()
    assert body["served_municipalities"] == [{"istat_code": "015140", "name": "Melegnano"}]
    assert body["area"] == "dipendenze"
    for pk in (hidden.pk, 999_999):
        response = client.get(f"/api/v1/services/{pk}")
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM


def test_organizations_list_and_detail(login, social_worker_a, org_b, melegnano) -> None:
    coop = OrganizationFactory(name="Cooperativa Città Aperta", kind=OrganizationKind.THIRD_SECTOR)
    coop.served_municipalities.set([melegnano])
    UnitFactory(organization=coop, name="Servizi domiciliari")
    ServiceFactory(provider=coop, name="Emporio solidale", area=ServiceArea.POVERTY_INCLUSION)
    ServiceFactory(provider=coop, name="Chiuso", is_active=False)
    client = login(social_worker_a)

    body = client.get("/api/v1/organizations", {"kind": "third_sector"}).json()
    assert [o["id"] for o in body["items"]] == [coop.pk]
    body = client.get("/api/v1/organizations", {"q": "citta", "municipality": "015140"}).json()
    assert [o["name"] for o in body["items"]] == ["Cooperativa Città Aperta"]
    assert body["items"][0]["kind_label"] == "Ente del Terzo Settore"

    detail = client.get(f"/api/v1/organizations/{coop.pk}").json()
    assert [u["name"] for u in detail["units"]] == ["Servizi domiciliari"]
    assert detail["served_municipalities"] == [{"istat_code": "015140", "name": "Melegnano"}]
    assert [s["name"] for s in detail["services"]] == ["Emporio solidale"]
    assert client.get("/api/v1/organizations/999999").status_code == 404


def test_manager_creates_service(login, manager_a, org_a, melegnano, pioltello) -> None:
    unit = UnitFactory(organization=org_a, name="Ufficio di Piano")
    response = post(
        login(manager_a),
        "/api/v1/services",
        {
            "name": "Servizio per l'inclusione",
            "area": "poverta_inclusione",
            "unit_id": unit.pk,
            "municipality": "015140",
            "served_municipalities": ["015140", "015175"],
            "opening_hours": "lun–ven 9–12",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"]["id"] == org_a.pk
    assert body["unit"] == {"id": unit.pk, "name": "Ufficio di Piano"}
    assert [m["name"] for m in body["served_municipalities"]] == ["Melegnano", "Pioltello"]
    service = Service.objects.get()
    assert service.code == "COMUNE-ALFA-001"
    assert service.events.get().pgh_context.metadata["reason"] == "service_create"


def test_role_without_permission_gets_403(login, social_worker_a, service_a) -> None:
    client = login(social_worker_a)
    response = post(client, "/api/v1/services", {"name": "X", "area": "anziani"})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "permission_denied"
    assert patch(client, f"/api/v1/services/{service_a.pk}", {"name": "Y"}).status_code == 403
    assert Service.objects.count() == 1
    service_a.refresh_from_db()
    assert service_a.name == "Assistenza domiciliare"


def test_manager_of_a_gets_404_for_service_of_b(login, manager_a, service_b) -> None:
    client = login(manager_a)
    response = patch(client, f"/api/v1/services/{service_b.pk}", {"name": "Preso"})
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"
    # The body's shape is checked before the handler runs: a malformed body gets the same 422
    # for another organisation's service and for a missing one, so nothing leaks either way.
    foreign = patch(client, f"/api/v1/services/{service_b.pk}", {"name": 5}).json()
    missing = patch(client, "/api/v1/services/999999", {"name": 5}).json()
    assert foreign["status"] == missing["status"] == 422
    assert foreign["errors"] == missing["errors"]
    service_b.refresh_from_db()
    assert service_b.name == "Consultorio familiare"


def test_manager_patches_own_service(login, manager_a, service_a, melegnano) -> None:
    service_a.served_municipalities.set([melegnano])
    response = patch(
        login(manager_a),
        f"/api/v1/services/{service_a.pk}",
        {"phone": "02 1234 5678", "is_active": False},
    )
    assert response.status_code == 200, response.content
    service_a.refresh_from_db()
    assert service_a.phone == "02 1234 5678"
    assert service_a.is_active is False
    assert service_a.name == "Assistenza domiciliare"
    assert list(service_a.served_municipalities.all()) == [melegnano]  # not sent: kept


def test_invalid_create_names_each_field_in_italian(login, manager_a, org_b) -> None:
    client = login(manager_a)
    response = post(client, "/api/v1/services", {"area": "marziani", "provider_id": org_b.pk})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    errors = fields_of(response)
    assert errors["name"] == "Campo obbligatorio."
    assert errors["area"].startswith("Valore non ammesso.")
    assert errors["provider_id"] == "Campo non previsto."

    response = post(
        client,
        "/api/v1/services",
        {
            "name": "Servizio",
            "area": "anziani",
            "email": "non-una-email",
            "municipality": "999999",
            "served_municipalities": ["015140", "888888"],
            "unit_id": UnitFactory(organization=org_b).pk,
        },
    )
    assert response.status_code == 422
    errors = fields_of(response)
    assert errors["municipality"] == "Comune non trovato: codice ISTAT 999999."
    assert errors["served_municipalities"] == "Comuni non trovati: codici ISTAT 015140, 888888."

    # With the Comuni fixed, the service layer's checks speak (email, unit of another ente).
    response = post(
        client,
        "/api/v1/services",
        {
            "name": "Servizio",
            "area": "anziani",
            "email": "non-una-email",
            "unit_id": UnitFactory(organization=org_b).pk,
        },
    )
    assert response.status_code == 422
    errors = fields_of(response)
    assert errors == {
        "email": "Inserisci un indirizzo email valido.",
        "unit_id": "L'unità scelta non appartiene all'ente erogatore del servizio.",
    }
    assert not Service.objects.exists()


def test_invalid_patch_saves_nothing(login, manager_a, service_a) -> None:
    response = patch(
        login(manager_a), f"/api/v1/services/{service_a.pk}", {"name": "  ", "website": "x y"}
    )
    assert response.status_code == 422
    errors = fields_of(response)
    assert errors == {
        "name": "Questo campo non può essere vuoto.",
        "website": "Inserisci un URL valido.",
    }
    service_a.refresh_from_db()
    assert service_a.name == "Assistenza domiciliare"


def test_openapi_tag_and_paths() -> None:
    from integra.api.api import api

    spec = api.get_openapi_schema()
    for path, method in (
        ("/api/v1/organizations", "get"),
        ("/api/v1/organizations/{organization_id}", "get"),
        ("/api/v1/services", "get"),
        ("/api/v1/services", "post"),
        ("/api/v1/services/{service_id}", "get"),
        ("/api/v1/services/{service_id}", "patch"),
    ):
        assert spec["paths"][path][method]["tags"] == ["enti e servizi"]


def test_nul_characters_and_malformed_codes_are_422(login, manager_a) -> None:
    """Found by schemathesis: PostgreSQL cannot store NUL, and a malformed ISTAT code must not
    reach the database."""
    client = login(manager_a)
    response = post(
        client,
        "/api/v1/services",
        {
            "name": "Servizio\x00",
            "area": "anziani",
            "code": "X\x00",
            "served_municipalities": ["1\x00"],
        },
    )
    assert response.status_code == 422
    nul = "Il testo contiene un carattere nullo (NUL), che non è ammesso."
    # Every NUL is named by the API's parser before the service runs.
    assert fields_of(response) == {"name": nul, "code": nul, "served_municipalities.0": nul}
    response = post(client, "/api/v1/services", {"name": "Servizio\x00", "area": "anziani"})
    assert response.status_code == 422
    assert fields_of(response) == {"name": nul}
    response = client.get("/api/v1/services", {"offset": 10**30})
    assert response.status_code == 422
    assert not Service.objects.exists()
