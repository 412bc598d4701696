"""Small UI defects found by walking through the PUA → UVM → B1/B2 flow as a new user."""

from __future__ import annotations

from datetime import date

from integra.assessments.templatetags.uvm_tags import day
from integra.core.permissions import Role


def test_only_who_may_convene_sees_and_opens_the_convene_form(client, org_a, make_membership):
    auditor = make_membership(org_a, Role.AUDITOR)
    client.force_login(auditor.user)
    assert "Convoca una seduta" not in client.get("/valutazioni/uvm/").content.decode()
    assert client.get("/valutazioni/uvm/nuova/").status_code == 403

    uvm = make_membership(org_a, Role.UVM_MEMBER)
    client.force_login(uvm.user)
    assert "Convoca una seduta" in client.get("/valutazioni/uvm/").content.decode()
    assert client.get("/valutazioni/uvm/nuova/").status_code == 200


def test_uvm_forms_use_bootstrap_italia_widgets(client, org_a, make_membership):
    client.force_login(make_membership(org_a, Role.UVM_MEMBER).user)
    page = client.get("/valutazioni/uvm/nuova/").content.decode()
    assert 'class="form-select"' in page and 'class="form-control"' in page


def test_screening_link_only_for_roles_that_may_screen(client, org_a, person, make_membership):
    # PUA operators may not screen (programs.access.SCREENING_PERMISSIONS): no link to a 403.
    client.force_login(make_membership(org_a, Role.PUA_OPERATOR).user)
    assert (
        f"/misure/persone/{person.pk}/" not in client.get(f"/persone/{person.pk}/").content.decode()
    )
    client.force_login(make_membership(org_a, Role.CASE_MANAGER).user)
    assert f"/misure/persone/{person.pk}/" in client.get(f"/persone/{person.pk}/").content.decode()


def test_person_assessments_breadcrumb_names_the_person(client, org_a, person, make_membership):
    client.force_login(make_membership(org_a, Role.UVM_MEMBER).user)
    page = client.get(f"/valutazioni/persone/{person.pk}/").content.decode()
    assert 'aria-current="page">Bianchi Anna</li>' in page


def test_expired_acts_are_not_shown_as_in_force(client, org_a, make_membership):
    # The shipped B1 act of 2024 (DGR XII/1669) ended on 31/12/2024.
    client.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    page = client.get("/misure/").content.decode()
    row = page.split("DGR XII/1669 del 28/12/2023</a>")[1].split("</tr>")[0]
    assert "Scaduto" in row


def test_day_filter_shows_iso_dates_the_italian_way():
    assert day("2026-11-25") == "25/11/2026"
    assert day(date(2026, 1, 2)) == "02/01/2026"
    assert day("non una data") == "non una data"
    assert day(None) is None
