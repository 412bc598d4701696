"""The person's "Diario" in the browser: from the record to the diary, a note added, the
timeline filtered. Every page is checked with axe-core."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.models import DocumentKind, PersonDocument
from integra.timeline.models import CaseNote
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory


def test_write_a_note_and_filter_the_timeline(page: Page, transactional_db) -> None:
    comune = OrganizationFactory(name="Comune di Teta", kind=OrganizationKind.MUNICIPALITY)
    social = MembershipFactory(
        user__username="as.teta", organization=comune, roles=[Role.SOCIAL_WORKER]
    )
    person = PersonFactory(registered_by=comune, family_names="Neri", given_names="Olga")
    CareRelationshipFactory(person=person, organization=comune)
    PersonDocument.objects.create(
        person=person, kind=DocumentKind.PASSPORT, number="YA7770001", uploaded_by=social
    )
    login(page, "as.teta", PASSWORD)
    page.goto(f"/persone/{person.pk}/")
    page.get_by_role("link", name="Diario", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Diario di Neri Olga")
    assert_accessible(page)

    when = timezone.localtime() - timedelta(hours=3)
    page.get_by_label("Data e ora del contatto").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Tipo di contatto").select_option("home_visit")
    page.get_by_label("Testo").fill("Visita a casa: vive sola, chiede aiuto per la spesa.")
    page.get_by_role("button", name="Aggiungi la nota").click()
    expect(page.locator(".alert-success")).to_contain_text("Nota aggiunta al diario")
    expect(page.get_by_text("vive sola, chiede aiuto per la spesa")).to_be_visible()
    assert CaseNote.objects.count() == 1
    assert_accessible(page)

    # Only the notes: the passport's registration leaves the list.
    page.locator("label[for^='id_tipo_']", has_text="Note del diario").click()
    page.get_by_role("button", name="Filtra").click()
    expect(page.get_by_text("vive sola, chiede aiuto per la spesa")).to_be_visible()
    expect(page.get_by_text("Documento registrato")).to_have_count(0)
    assert_accessible(page)

    # An empty form: the errors, announced.
    page.get_by_role("button", name="Aggiungi la nota").click()
    expect(page.locator("#riepilogo-errori")).to_be_visible()
    assert_accessible(page)
