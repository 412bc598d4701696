"""The merge screen in the browser: find the other record, compare, choose, merge, see what
moved, undo. Every page is checked with axe-core."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.identifiers import IdentifierKind
from integra.people.models import Person, PersonMerge, PersonStatus
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import (
    CareRelationshipFactory,
    PersonFactory,
    PersonIdentifierFactory,
    fiscal_code_for,
)


def test_merge_two_records_and_undo(page: Page, transactional_db) -> None:
    pua = OrganizationFactory(name="PUA di Zeta", kind=OrganizationKind.MUNICIPALITY)
    MembershipFactory(user__username="pua.unione", organization=pua, roles=[Role.PUA_OPERATOR])
    survivor = PersonFactory(registered_by=pua, family_names="Esposito", given_names="Anna")
    CareRelationshipFactory(person=survivor, organization=pua)
    PersonIdentifierFactory(person=survivor, value=fiscal_code_for(21))
    alias = PersonFactory(
        registered_by=pua,
        family_names="Esposito",
        given_names="Ana",
        phone="333 7654321",
        birth_date=date(1950, 4, 2),
    )
    alias.save()  # search keys
    PersonIdentifierFactory(person=alias, kind=IdentifierKind.STP, value="STP0300102222222")

    login(page, "pua.unione", PASSWORD)
    page.goto(f"/persone/{survivor.pk}/unisci/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Unisci due schede della stessa persona"
    )
    assert_accessible(page)

    page.get_by_label("Cerca l'altra scheda").fill("Esposito Ana")
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Confronta con Esposito Ana").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confronta e unisci due schede")
    assert_accessible(page)

    given = page.get_by_role("group", name="Nome")
    given.locator("label", has_text="Ana").click()  # Bootstrap Italia: click the label
    expect(page.get_by_role("group", name="Telefono").get_by_label("333 7654321")).to_be_checked()
    page.get_by_label("Motivo dell'unione").fill("Stessa persona: verificato il documento")
    page.get_by_role("button", name="Unisci le schede").click()

    record = PersonMerge.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Unione n. {record.pk}")
    expect(page.get_by_role("status")).to_contain_text("è ora un alias")
    survivor.refresh_from_db()
    assert (survivor.given_names, survivor.phone) == ("Ana", "333 7654321")
    assert Person.objects.get(pk=alias.pk).status == PersonStatus.MERGED
    assert_accessible(page)

    page.get_by_role("link", name="Unioni di schede").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unioni di schede")
    assert_accessible(page)
    page.get_by_role("link", name=f"Unione n. {record.pk}").click()

    page.get_by_label("Motivo dell'annullamento").fill("Erano due persone diverse")
    page.get_by_role("button", name="Annulla l'unione").click()
    expect(page.get_by_role("status")).to_contain_text("Unione annullata")
    expect(page.get_by_role("button", name="Annulla l'unione")).to_have_count(0)
    survivor.refresh_from_db()
    assert (survivor.given_names, survivor.phone) == ("Anna", "")
    assert Person.objects.get(pk=alias.pk).status == PersonStatus.ACTIVE
    assert_accessible(page)
