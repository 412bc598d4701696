"""The merge screens (integra/people/merge_views.py): start, compare and merge, detail, undo,
list."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from integra.core.permissions import Role
from integra.people.identifiers import IdentifierKind
from integra.people.models import Person, PersonMerge, PersonStatus
from tests.people.factories import (
    CareRelationshipFactory,
    PersonFactory,
    PersonIdentifierFactory,
    fiscal_code_for,
)

pytestmark = pytest.mark.django_db


def registered(org, family: str, **kwargs) -> Person:
    person = PersonFactory(registered_by=org, family_names=family, given_names="Mario", **kwargs)
    CareRelationshipFactory(person=person, organization=org)
    return person


@pytest.fixture
def pua_client(client: Client, org_a, make_membership) -> Client:
    client.force_login(make_membership(org_a, Role.PUA_OPERATOR).user)
    return client


@pytest.fixture
def pair(org_a):
    survivor = registered(org_a, "Rossi", phone="")
    PersonIdentifierFactory(person=survivor, value=fiscal_code_for(11))
    alias = registered(org_a, "Rosi", phone="333 1234567", birth_date=date(1980, 1, 1))
    PersonIdentifierFactory(person=alias, kind=IdentifierKind.STP, value="STP0300101111111")
    return survivor, alias


def test_start_page_searches_the_other_record(pua_client: Client, pair) -> None:
    survivor, alias = pair
    url = reverse("people:merge_start", args=[survivor.pk])
    page = pua_client.get(url)
    assert page.status_code == 200
    assert "Unisci due schede della stessa persona" in page.text
    found = pua_client.get(url, {"q": "Rosi Mario"})
    assert f"?con={alias.pk}" in found.text
    assert f"?con={survivor.pk}" not in found.text  # not itself


def test_compare_merge_and_undo(pua_client: Client, pair) -> None:
    survivor, alias = pair
    url = reverse("people:merge_start", args=[survivor.pk]) + f"?con={alias.pk}"
    page = pua_client.get(url)
    assert page.status_code == 200
    assert "333 1234567" in page.text and 'name="keep_phone"' in page.text
    assert "identificativi" in page.text.lower()

    missing_reason = pua_client.post(url, {"keep_phone": "merged", "keep_family_names": "survivor"})
    assert missing_reason.status_code == 200
    assert "Non è stato salvato nulla" in missing_reason.text
    assert not PersonMerge.objects.exists()

    done = pua_client.post(
        url,
        {
            "keep_phone": "merged",
            "keep_family_names": "survivor",
            "keep_birth_date": "merged",
            "reason": "Verificata la carta d'identità",
        },
    )
    record = PersonMerge.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("people:merge_detail", args=[record.pk])
    survivor.refresh_from_db()
    assert (survivor.phone, survivor.birth_date) == ("333 1234567", date(1980, 1, 1))

    detail = pua_client.get(done["Location"])
    assert "Annulla unione" in detail.text and "Verificata la carta" in detail.text
    listed = pua_client.get(reverse("people:merge_list"))
    assert f"Unione n. {record.pk}" in listed.text

    no_reason = pua_client.post(reverse("people:merge_undo", args=[record.pk]), {"reason": ""})
    assert no_reason.status_code == 200 and "Non è stato salvato nulla" in no_reason.text
    undone = pua_client.post(
        reverse("people:merge_undo", args=[record.pk]), {"reason": "Erano due persone"}
    )
    assert undone.status_code == 302
    alias.refresh_from_db()
    assert alias.status == PersonStatus.ACTIVE
    again = pua_client.post(
        reverse("people:merge_undo", args=[record.pk]), {"reason": "Erano due persone"}
    )
    assert "già stata annullata" in again.text


def test_twins_cannot_be_merged_from_the_screen(pua_client: Client, org_a) -> None:
    one = registered(org_a, "Rossi")
    PersonIdentifierFactory(person=one, value=fiscal_code_for(12))
    twin = registered(org_a, "Rossi")
    PersonIdentifierFactory(person=twin, value=fiscal_code_for(13))
    url = reverse("people:merge_start", args=[one.pk]) + f"?con={twin.pk}"
    page = pua_client.get(url)
    assert "Queste schede non si possono unire" in page.text and "gemelli" in page.text
    assert "Unisci le schede" not in page.text
    pua_client.post(url, {"reason": "prova"})
    assert not PersonMerge.objects.exists()


def test_without_the_permission_the_pages_are_forbidden(
    client: Client, pair, org_a, make_membership
) -> None:
    survivor, _alias = pair
    client.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    assert client.get(reverse("people:merge_start", args=[survivor.pk])).status_code == 403
    assert client.get(reverse("people:merge_list")).status_code == 403


def test_an_invisible_record_is_not_found(client: Client, pair, org_b, make_membership) -> None:
    survivor, alias = pair
    client.force_login(make_membership(org_b, Role.PUA_OPERATOR).user)
    url = reverse("people:merge_start", args=[survivor.pk]) + f"?con={alias.pk}"
    assert client.get(url).status_code == 404


def test_merge_list_queries_do_not_grow(
    pua_client: Client, org_a, django_assert_max_num_queries
) -> None:
    from integra.people import merging
    from tests.factories import MembershipFactory

    actor_membership = MembershipFactory(organization=org_a, roles=[Role.PUA_OPERATOR])
    from integra.core.access import Actor

    actor = Actor.for_membership(actor_membership.user, actor_membership)
    for n in range(6):
        merging.person_merge(
            actor=actor,
            survivor_id=registered(org_a, f"Bianchi{n}").pk,
            merged_id=registered(org_a, f"Bianchi{n}").pk,
            reason="doppione",
        )
    with django_assert_max_num_queries(20):
        page = pua_client.get(reverse("people:merge_list"))
    assert page.text.count("Unione n.") == 6
