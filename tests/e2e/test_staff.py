"""An organisation admin adds an operator, who then signs in with the temporary password."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from integra.accounts.models import Membership
from integra.core.permissions import Role
from tests.accounts.helpers import confirmed_device, device_code
from tests.e2e.conftest import assert_accessible, login
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory


def test_admin_creates_an_operator_who_must_change_the_password(
    page: Page, transactional_db
) -> None:
    comune = OrganizationFactory(name="Comune di Theta")
    admin = MembershipFactory(
        user__username="admin.theta", organization=comune, roles=[Role.ORG_ADMIN]
    )
    device = confirmed_device(admin.user)
    login(page, "admin.theta", PASSWORD)
    page.get_by_label("Codice di verifica").fill(device_code(device))
    page.get_by_role("button", name="Verifica").click()

    page.get_by_role("link", name="Operatori", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Operatori")
    assert_accessible(page)
    page.get_by_role("link", name="Nuovo operatore").click()
    page.get_by_label(re.compile(r"^Nome utente")).fill("lbianchi")
    page.get_by_label(re.compile(r"^Nome\b(?! utente)")).fill("Laura")
    page.get_by_label(re.compile(r"^Cognome")).fill("Bianchi")
    # Bootstrap Italia draws the label over the box: click the label, as a person does.
    page.locator("label", has_text="Assistente sociale").click()
    assert_accessible(page)
    page.get_by_role("button", name="Crea l'operatore").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operatore creato")
    temporary = page.get_by_label("Password temporanea").input_value()
    assert len(temporary) >= 12
    membership = Membership.objects.get(user__username="lbianchi")
    assert membership.organization == comune and membership.roles == [Role.SOCIAL_WORKER]

    page.get_by_role("button", name="Esci").click()
    login(page, "lbianchi", temporary)
    expect(page.get_by_role("heading", level=1)).to_contain_text("password")
    page.goto("/enti/servizi/")  # nothing else opens until the password is changed
    expect(page.get_by_role("heading", level=1)).to_contain_text("password")
    assert_accessible(page)
