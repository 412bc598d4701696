"""Pages of the catalogue and of the directory of enti."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integra.audit.models import AccessLog
from integra.core.permissions import Role
from integra.organizations.models import Service, ServiceArea
from tests.factories import OrganizationFactory, ServiceFactory
from tests.organizations.factories import UnitFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("organizations:service_list", {}),
    ("organizations:organization_list", {}),
    ("organizations:service_create", {}),
]


@pytest.mark.parametrize(
    "url",
    [
        "/enti/",
        "/enti/servizi/",
        "/enti/servizi/nuovo/",
        "/enti/servizi/1/",
        "/enti/servizi/1/modifica/",
        "/enti/1/",
    ],
)
def test_anonymous_is_sent_to_login(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_url_names() -> None:
    assert reverse("organizations:service_list") == "/enti/servizi/"
    assert reverse("organizations:service_detail", args=[5]) == "/enti/servizi/5/"
    assert reverse("organizations:organization_list") == "/enti/"
    assert reverse("organizations:organization_detail", args=[5]) == "/enti/5/"


def test_service_list_searches_and_filters(login, social_worker_a, org_a, org_b, melegnano) -> None:
    ServiceFactory(
        provider=org_a, name="Servizio per l'inclusione", area=ServiceArea.POVERTY_INCLUSION
    )
    located = ServiceFactory(
        provider=org_b, name="Centro diurno", municipality=melegnano, area=ServiceArea.DISABILITY
    )
    ServiceFactory(provider=org_b, name="ASSISTENZA DOMICILIARE", area=ServiceArea.ELDERLY)
    client = login(social_worker_a)

    page = client.get("/enti/servizi/", {"q": "inclusione"}).content.decode()
    assert "Servizio per l&#x27;inclusione" in page
    assert "Centro diurno" not in page
    assert "1 servizio trovato" in page

    page = client.get("/enti/servizi/", {"q": "assistenza domiciliare"}).content.decode()
    assert "ASSISTENZA DOMICILIARE" in page

    page = client.get("/enti/servizi/", {"comune": melegnano.istat_code}).content.decode()
    assert reverse("organizations:service_detail", args=[located.pk]) in page
    assert "1 servizio trovato" in page

    page = client.get("/enti/servizi/", {"ente": org_b.pk, "area": "anziani"}).content.decode()
    assert "ASSISTENZA DOMICILIARE" in page and "1 servizio trovato" in page


def test_service_list_with_invalid_filter_shows_error(login, social_worker_a, org_a) -> None:
    ServiceFactory(provider=org_a, name="Uno")
    response = login(social_worker_a).get("/enti/servizi/", {"area": "marziani"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Scegli un&#x27;opzione valida" in page
    assert 'aria-invalid="true"' in page
    assert "1 servizio trovato" in page  # the invalid filter is left out


def test_service_list_paginates(login, social_worker_a, org_a) -> None:
    for i in range(25):
        ServiceFactory(provider=org_a, name=f"Servizio {i:02d}")
    client = login(social_worker_a)
    first = client.get("/enti/servizi/").content.decode()
    assert "Servizio 19" in first and "Servizio 20" not in first
    assert "Pagina 1 di 2" in first
    second = client.get("/enti/servizi/", {"pagina": 2}).content.decode()
    assert "Servizio 24" in second and "Servizio 19" not in second


def test_service_list_htmx_returns_results_only(login, social_worker_a, org_a) -> None:
    ServiceFactory(provider=org_a, name="Uno")
    response = login(social_worker_a).get("/enti/servizi/", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Uno" in page
    assert "<html" not in page


def _warm_then_count(client, url, django_assert_max_num_queries, grow) -> None:
    response = client.get(url)  # warm caches (session, extension detection)
    assert response.status_code == 200
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.status_code == 200


def test_service_list_query_count_does_not_grow(
    login, social_worker_a, org_a, melegnano, django_assert_max_num_queries
) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            provider = OrganizationFactory()
            service = ServiceFactory(
                provider=provider, municipality=melegnano, unit=UnitFactory(organization=provider)
            )
            service.served_municipalities.set([melegnano])

    make(3)
    client = login(social_worker_a)
    _warm_then_count(
        client, "/enti/servizi/?q=servizio", django_assert_max_num_queries, lambda: make(30)
    )


def test_organization_list_query_count_does_not_grow(
    login, social_worker_a, org_a, django_assert_max_num_queries
) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            OrganizationFactory(parent=org_a)

    make(3)
    client = login(social_worker_a)
    _warm_then_count(client, "/enti/", django_assert_max_num_queries, lambda: make(30))


def test_organization_detail_query_count_does_not_grow(
    login, social_worker_a, org_a, org_b, melegnano, django_assert_max_num_queries
) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            unit = UnitFactory(organization=org_b)
            service = ServiceFactory(provider=org_b, unit=unit, municipality=melegnano)
            service.served_municipalities.set([melegnano])
            OrganizationFactory(parent=org_b)

    org_b.served_municipalities.set([melegnano])
    make(3)
    client = login(social_worker_a)
    _warm_then_count(client, f"/enti/{org_b.pk}/", django_assert_max_num_queries, lambda: make(30))


def test_organization_detail_shows_units_services_territory(
    login, social_worker_a, org_b, melegnano, pioltello
) -> None:
    UnitFactory(organization=org_b, name="UONPIA Melegnano")
    ServiceFactory(provider=org_b, name="Consultorio familiare")
    ServiceFactory(provider=org_b, name="Servizio sospeso", is_active=False)
    org_b.served_municipalities.set([melegnano, pioltello])
    page = login(social_worker_a).get(f"/enti/{org_b.pk}/").content.decode()
    assert "UONPIA Melegnano" in page
    assert "Consultorio familiare" in page
    assert "Servizio sospeso" not in page  # inactive, and not our organisation
    assert "2 Comuni:" in page and "Pioltello" in page
    assert '<th scope="col">' in page


def test_service_detail_is_logged(login, social_worker_a, service_b) -> None:
    response = login(social_worker_a).get(f"/enti/servizi/{service_b.pk}/")
    assert response.status_code == 200
    assert "Consultorio familiare" in response.content.decode()
    entry = AccessLog.objects.get(subject_type="organizations.service")
    assert entry.subject_id == str(service_b.pk)
    assert entry.outcome == "allowed"
    assert entry.username == social_worker_a.user.username


def test_inactive_service_of_another_organisation_is_404(login, social_worker_a, org_b) -> None:
    hidden = ServiceFactory(provider=org_b, is_active=False)
    response = login(social_worker_a).get(f"/enti/servizi/{hidden.pk}/")
    assert response.status_code == 404


def test_edit_link_only_for_own_manager(
    login, manager_a, social_worker_a, service_a, service_b
) -> None:
    edit_a = reverse("organizations:service_edit", args=[service_a.pk])
    client = login(manager_a)
    assert edit_a in client.get(f"/enti/servizi/{service_a.pk}/").content.decode()
    edit_b = reverse("organizations:service_edit", args=[service_b.pk])
    assert edit_b not in client.get(f"/enti/servizi/{service_b.pk}/").content.decode()
    client = login(social_worker_a)
    assert edit_a not in client.get(f"/enti/servizi/{service_a.pk}/").content.decode()


def _form_data(**overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Servizio per l'inclusione",
        "area": ServiceArea.POVERTY_INCLUSION,
        "code": "",
        "description": "Progetti personalizzati.",
        "unit": "",
        "address": "Via Roma 1",
        "municipality": "",
        "phone": "02 1234 5678",
        "email": "inclusione@comune.example",
        "website": "",
        "opening_hours": "lun–ven 9–12",
        "access_notes": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_manager_creates_service_through_the_form(login, manager_a, org_a, melegnano) -> None:
    org_a.served_municipalities.set([melegnano])
    client = login(manager_a)
    form_page = client.get("/enti/servizi/nuovo/").content.decode()
    assert "Melegnano" in form_page  # the provider's territory is offered
    response = client.post(
        "/enti/servizi/nuovo/",
        _form_data(municipality=melegnano.pk, served_municipalities=[melegnano.pk]),
    )
    service = Service.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/enti/servizi/{service.pk}/"
    assert service.provider == org_a
    assert service.municipality == melegnano
    assert list(service.served_municipalities.all()) == [melegnano]
    assert service.events.get().pgh_context.metadata["reason"] == "service_create"


def test_invalid_form_shows_italian_errors_and_saves_nothing(login, manager_a) -> None:
    response = login(manager_a).post(
        "/enti/servizi/nuovo/", _form_data(name="", area="", email="sbagliata", website="x y")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Non è stato salvato nulla. Correggi questi errori:" in page
    assert "Questo campo è obbligatorio." in page
    assert "Inserisci un indirizzo email valido." in page
    assert "Inserisci un URL valido." in page
    assert 'aria-describedby="id_email_error"' in page
    assert not Service.objects.exists()


def test_duplicate_code_error_from_service_layer_shown_on_form(login, manager_a, service_b) -> None:
    response = login(manager_a).post("/enti/servizi/nuovo/", _form_data(code="B-CF"))
    assert response.status_code == 200
    assert "Servizio con questo Codice esiste già." in response.content.decode()
    assert Service.objects.count() == 1


def test_manager_edits_own_service(login, manager_a, service_a) -> None:
    client = login(manager_a)
    page = client.get(f"/enti/servizi/{service_a.pk}/modifica/").content.decode()
    assert 'value="Assistenza domiciliare"' in page
    response = client.post(
        f"/enti/servizi/{service_a.pk}/modifica/",
        _form_data(name="Assistenza domiciliare (SAD)", code="A-SAD", area="anziani"),
    )
    assert response.status_code == 302
    service_a.refresh_from_db()
    assert service_a.name == "Assistenza domiciliare (SAD)"
    assert service_a.events.order_by("pgh_id").last().pgh_context.metadata["reason"] == (
        "service_update"
    )


def test_manager_of_a_gets_404_on_service_of_b(login, manager_a, service_b) -> None:
    client = login(manager_a)
    url = f"/enti/servizi/{service_b.pk}/modifica/"
    assert client.get(url).status_code == 404
    assert client.post(url, _form_data(name="Preso", area="anziani")).status_code == 404
    service_b.refresh_from_db()
    assert service_b.name == "Consultorio familiare"
    denied = AccessLog.objects.filter(outcome="denied")
    assert [e.subject_id for e in denied] == [str(service_b.pk)] * 2  # the GET and the POST


def test_role_without_catalogue_manage_gets_403(login, social_worker_a, service_a) -> None:
    client = login(social_worker_a)
    assert client.get("/enti/servizi/nuovo/").status_code == 403
    assert client.post("/enti/servizi/nuovo/", _form_data()).status_code == 403
    assert client.get(f"/enti/servizi/{service_a.pk}/modifica/").status_code == 403
    assert Service.objects.count() == 1


def test_new_service_button_only_for_managers(login, manager_a, social_worker_a, org_a) -> None:
    create = reverse("organizations:service_create")
    assert create in login(manager_a).get("/enti/servizi/").content.decode()
    assert create not in login(social_worker_a).get("/enti/servizi/").content.decode()


def test_role_labels_in_other_organisation_member(make_membership, login, org_b) -> None:
    """Every role holds CATALOGUE_VIEW: an auditor of org B browses the catalogue too."""
    ServiceFactory(provider=org_b, name="Ser.D")
    client = login(make_membership(org_b, Role.AUDITOR))
    assert "Ser.D" in client.get("/enti/servizi/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/enti/99999999999999999999999/",
        "/enti/servizi/99999999999999999999999/",
        "/enti/servizi/99999999999999999999999/modifica/",
    ],
)
def test_out_of_range_ids_are_404(login, manager_a, url) -> None:
    assert login(manager_a).get(url).status_code == 404


def test_odd_query_strings_do_not_break_the_list(login, social_worker_a, org_a) -> None:
    ServiceFactory(provider=org_a, name="Uno")
    client = login(social_worker_a)
    for params in (
        {"q": "a\x00b"},
        {"ente": "99999999999999999999999"},
        {"comune": "abc"},
        {"pagina": "-1"},
        {"pagina": "mille"},
    ):
        response = client.get("/enti/servizi/", params)
        assert response.status_code == 200, params
    assert client.get("/enti/", {"tipo": "x", "pagina": "99"}).status_code == 200
