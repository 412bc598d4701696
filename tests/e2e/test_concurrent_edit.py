"""Two operators on the same person's record, in the browser: the second save is refused with
what the first one changed, the second one's input still in the form; saving again, knowingly,
goes through (integra/core/concurrency.py). The refusal page is checked with axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.core.access import Actor
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.models import Person
from integra.people.services import person_update
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def test_a_stale_save_shows_what_changed_and_keeps_the_input(page: Page, transactional_db) -> None:
    comune = OrganizationFactory(name="Comune di Zeta", kind=OrganizationKind.MUNICIPALITY)
    MembershipFactory(user__username="as.prima", organization=comune, roles=[Role.SOCIAL_WORKER])
    other = MembershipFactory(organization=comune, roles=[Role.SOCIAL_WORKER])
    person = PersonFactory(
        registered_by=comune, family_names="Esposito", given_names="Lucia", phone="081 111"
    )
    CareRelationshipFactory(person=person, organization=comune)
    login(page, "as.prima", PASSWORD)
    page.goto(f"/persone/{person.pk}/modifica/")
    page.get_by_label("Email").fill("lucia@example.org")
    # Meanwhile the other operator changes the phone number (on the same version, 1).
    person_update(
        actor=Actor.for_membership(other.user, other),
        person_id=person.pk,
        data={"phone": "081 222"},
        expected_version=1,
    )
    page.get_by_role("button", name="Salva", exact=True).click()
    alert = page.locator("#modifica-concorrente")
    expect(alert).to_contain_text("Dati modificati da un altro operatore")
    row = alert.get_by_role("row").filter(has_text="Telefono")
    expect(row).to_contain_text("081 111")
    expect(row).to_contain_text("081 222")
    expect(page.get_by_label("Email")).to_have_value("lucia@example.org")
    assert_accessible(page)
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page.get_by_text("Dati aggiornati.")).to_be_visible()
    person.refresh_from_db()
    # The form still held the phone as opened (081 111): saving knowingly writes it back.
    assert (person.email, person.phone, person.row_version) == ("lucia@example.org", "081 111", 3)
    assert Person.objects.get(pk=person.pk).row_version == 3
