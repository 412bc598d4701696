"""Catalogue search: name (case and accents ignored), area, territory, provider."""

from __future__ import annotations

import pytest
from django.db import connection

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind, Service, ServiceArea
from integra.organizations.search import extension_installed, forget_extensions, normalize
from integra.organizations.selectors import organization_list, service_search
from tests.db_roles import acting_as_owner
from tests.factories import OrganizationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def names(services) -> list[str]:
    return [s.name for s in services]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Servizio per l'Inclusione", "servizio per l inclusione"),
        ("ASSISTENZA DOMICILIARE", "assistenza domiciliare"),
        ("  Città – Università  ", "citta universita"),
        ("PERCHÉ NÉ È", "perche ne e"),
        ("Ser.D", "ser d"),
        ("l’inclusione", "l inclusione"),  # typographic apostrophe
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_stored_search_name_matches_python_normalisation(org_a) -> None:
    """The generated column and normalize() must agree, or searches silently miss."""
    names_ = ["Servizio per l'Inclusione", "CITTÀ DELL'ÉQUIPE", "Ser.D – Dipendenze", "Ñandú Øre"]
    for name in names_:
        ServiceFactory(provider=org_a, name=name)
    stored = dict(Service.objects.values_list("name", "search_name"))
    assert stored == {name: normalize(name) for name in names_}


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Servizio per l'inclusione", "inclusione"),
        ("Servizio per l'inclusione", "L'INCLUSIONE"),
        ("ASSISTENZA DOMICILIARE", "assistenza domiciliare"),
        ("Attività di Città", "attivita di citta"),
        ("Centro per l'età evolutiva", "ETA EVOLUTIVA"),
        ("Centro per l'eta evolutiva", "età"),
    ],
)
def test_service_search_ignores_case_and_accents(make_actor, org_a, stored, query) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    ServiceFactory(provider=org_a, name=stored)
    ServiceFactory(provider=org_a, name="Trasporto sociale")
    assert names(service_search(actor=actor, query=query)) == [stored]


def test_blank_query_matches_everything(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    ServiceFactory(provider=org_a, name="B")
    ServiceFactory(provider=org_a, name="A")
    assert names(service_search(actor=actor, query=" ' - ")) == ["A", "B"]


def test_query_with_like_wildcards_is_literal(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    ServiceFactory(provider=org_a, name="Servizio 100 per cento")
    assert names(service_search(actor=actor, query="%")) == ["Servizio 100 per cento"]
    assert names(service_search(actor=actor, query="1_0")) == []


def test_filter_by_area(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    ServiceFactory(provider=org_a, name="Ser.D", area=ServiceArea.ADDICTION)
    ServiceFactory(provider=org_a, name="CPS", area=ServiceArea.MENTAL_HEALTH)
    assert names(service_search(actor=actor, area=ServiceArea.ADDICTION)) == ["Ser.D"]


def test_filter_by_territory_served_or_located(make_actor, org_a, melegnano, pioltello) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    serves = ServiceFactory(provider=org_a, name="Serve Melegnano")
    serves.served_municipalities.set([melegnano, pioltello])
    ServiceFactory(provider=org_a, name="Sede a Melegnano", municipality=melegnano)
    elsewhere = ServiceFactory(provider=org_a, name="Solo Pioltello", municipality=pioltello)
    elsewhere.served_municipalities.set([pioltello])
    ServiceFactory(provider=org_a, name="Senza territorio")

    found = service_search(actor=actor, municipality_istat=melegnano.istat_code)
    assert names(found) == ["Sede a Melegnano", "Serve Melegnano"]
    # Served twice (two Comuni) and located: still listed once.
    assert names(service_search(actor=actor, municipality_istat=pioltello.istat_code)) == [
        "Serve Melegnano",
        "Solo Pioltello",
    ]


def test_filter_by_provider_and_combined(make_actor, org_a, org_b) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    ServiceFactory(provider=org_a, name="Assistenza domiciliare", area=ServiceArea.ELDERLY)
    ServiceFactory(
        provider=org_b, name="Assistenza domiciliare integrata", area=ServiceArea.ELDERLY
    )
    ServiceFactory(provider=org_b, name="Consultorio", area=ServiceArea.CHILDREN_FAMILIES)
    assert names(service_search(actor=actor, provider_id=org_b.pk)) == [
        "Assistenza domiciliare integrata",
        "Consultorio",
    ]
    combined = service_search(
        actor=actor, provider_id=org_b.pk, query="assistenza", area=ServiceArea.ELDERLY
    )
    assert names(combined) == ["Assistenza domiciliare integrata"]


def test_inactive_services_only_for_the_provider(make_actor, org_a, org_b) -> None:
    ServiceFactory(provider=org_b, name="Chiuso", is_active=False)
    ServiceFactory(provider=org_b, name="Aperto")
    outsider = make_actor(org_a, Role.SOCIAL_WORKER)
    insider = make_actor(org_b, Role.SOCIAL_WORKER)
    assert names(service_search(actor=outsider)) == ["Aperto"]
    assert names(service_search(actor=insider)) == ["Aperto", "Chiuso"]


def test_anonymous_or_without_membership_sees_nothing(org_a) -> None:
    ServiceFactory(provider=org_a)
    assert list(service_search(actor=None)) == []


def test_organization_list_filters(make_actor, org_a, melegnano, pioltello) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    comune = OrganizationFactory(
        name="Comune di Melegnano", kind=OrganizationKind.MUNICIPALITY, municipality=melegnano
    )
    coop = OrganizationFactory(
        name="Cooperativa Sociale Città Aperta", kind=OrganizationKind.THIRD_SECTOR
    )
    coop.served_municipalities.set([melegnano, pioltello])
    OrganizationFactory(name="Ente chiuso", is_active=False)

    by_kind = organization_list(actor=actor, kind=OrganizationKind.THIRD_SECTOR)
    assert [o.name for o in by_kind] == ["Cooperativa Sociale Città Aperta"]
    by_comune = organization_list(actor=actor, municipality_istat=melegnano.istat_code)
    assert [o.pk for o in by_comune] == [comune.pk, coop.pk]
    assert [o.pk for o in organization_list(actor=actor, query="CITTA aperta")] == [coop.pk]
    # The inactive one is left out; org_a and org_b fixtures are there too.
    assert "Ente chiuso" not in [o.name for o in organization_list(actor=actor)]


def test_unaccent_path_when_the_extension_is_installed(make_actor, org_a) -> None:
    """Letters outside the portable table (here the Turkish ğ) need ``unaccent``: found with it,
    and the portable path keeps working without it (the embedded PostgreSQL has no contrib)."""
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    ServiceFactory(provider=org_a, name="Sportello Doğan per l'inclusione")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")
        available = cursor.fetchone() is not None
    forget_extensions()
    try:
        assert extension_installed("unaccent") is False  # nobody installs it in the test DB
        assert names(service_search(actor=actor, query="inclusione")) == [
            "Sportello Doğan per l'inclusione"
        ]
        assert names(service_search(actor=actor, query="dogan")) == []
        if available:
            # Rolled back with the test; the owner's to do (the application runs no DDL).
            with acting_as_owner(), connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION unaccent")
            forget_extensions()
            assert extension_installed("unaccent") is True
            assert names(service_search(actor=actor, query="DOGAN")) == [
                "Sportello Doğan per l'inclusione"
            ]
            assert names(service_search(actor=actor, query="l'inclusione")) == [
                "Sportello Doğan per l'inclusione"
            ]
    finally:
        forget_extensions()


def test_extension_answer_is_cached(django_assert_num_queries) -> None:
    forget_extensions()
    try:
        extension_installed("unaccent")
        with django_assert_num_queries(0):
            extension_installed("unaccent")
    finally:
        forget_extensions()


def test_organisation_without_scope_permission_sees_nothing(org_a) -> None:
    """A membership whose roles grant nothing of the catalogue (none exists today, so build the
    actor by hand) sees no organisation."""
    from integra.core.access import Actor
    from tests.factories import MembershipFactory

    membership = MembershipFactory(organization=org_a)
    actor = Actor(user=membership.user, membership=membership, permissions=frozenset())
    assert list(organization_list(actor=actor)) == []
