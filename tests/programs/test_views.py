"""The measures pages: rule sets readable in Italian, screening a person, adding evidence."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp import DEVICE_ID_SESSION_KEY

from integra.core.permissions import Role
from integra.programs.facts import FactKind
from integra.programs.models import EligibilityFact, MeasureRuleSet, ScreeningRecord
from tests.accounts.helpers import confirmed_device
from tests.programs.factories import fact_of, isee_of, person_in_charge
from tests.programs.test_rules import B2_2027

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(org_a):
    return person_in_charge(org_a)


@pytest.fixture
def doctor(client, org_a, make_membership):
    membership = make_membership(org_a, Role.DOCTOR, Role.SOCIAL_WORKER)
    client.force_login(membership.user)
    return membership


def test_rule_sets_pages(client, doctor) -> None:
    page = client.get("/misure/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "DGR XII/3719 del 30/12/2024" in text and "DGR XII/5544/2025" in text
    rule_set = MeasureRuleSet.objects.get(measure_code="B1", act="DGR XII/3719 del 30/12/2024")
    detail = client.get(f"/misure/regole/{rule_set.pk}/").content.decode()
    assert "Glasgow Coma Scale ≤ 10" in detail
    assert "da verificare" in detail  # the 2025 B1 ISEE limits are not confirmed by a source
    assert "50.000,00" in detail
    assert client.get("/misure/regole/999999/").status_code == 404
    assert client.get("/misure/regole/carica/").status_code == 403  # system administrators only


def test_screening_page(client, doctor, person) -> None:
    isee_of(person, "50000.01")  # one cent above the B1 adult limit
    fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    fact_of(person, FactKind.RSA_APERTA, flag=True)
    url = f"/misure/persone/{person.pk}/"
    empty = client.get(url)
    assert empty.status_code == 200 and "Esito" not in empty.content.decode()
    page = client.get(url, {"measure": "B1", "on_date": "2025-06-01"}).content.decode()
    assert "Requisiti non soddisfatti" in page
    assert "Non soddisfatto" in page and "Non determinabile" in page and "Soddisfatto" in page
    assert "Misura RSA Aperta" in page and "Presente" in page
    assert "DGR XII/3719 del 30/12/2024" in page
    saved = client.post(url, {"measure": "B1", "on_date": "2025-06-01"})
    assert saved.status_code == 302
    assert ScreeningRecord.objects.get().outcome == "not_eligible"
    no_rules = client.get(url, {"measure": "B1", "on_date": "2026-05-01"}).content.decode()
    assert "Nessun atto regionale in vigore" in no_rules
    bad = client.get(url, {"measure": "B9", "on_date": "ieri"})
    assert bad.status_code == 200 and "Correggi questi dati" in bad.content.decode()
    # A screening saves nothing: its errors do not say "Non è stato salvato nulla".
    assert "salvato nulla" not in bad.content.decode()


def test_screening_page_access(client, person, org_a, org_b, make_membership) -> None:
    stranger = make_membership(org_b, Role.DOCTOR, Role.SOCIAL_WORKER)
    client.force_login(stranger.user)
    assert client.get(f"/misure/persone/{person.pk}/").status_code == 404
    pua = make_membership(org_a, Role.PUA_OPERATOR)
    client.force_login(pua.user)
    assert client.get(f"/misure/persone/{person.pk}/").status_code == 403


def test_add_evidence(client, doctor, person) -> None:
    url = f"/misure/persone/{person.pk}/evidenze/nuova/"
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"kind": "edss", "value": "tanto", "valid_from": "2025-01-01"})
    assert wrong.status_code == 200 and "Serve un numero." in wrong.content.decode()
    done = client.post(
        url, {"kind": "edss", "value": "9,5", "valid_from": "2025-01-01", "source": "neurologo"}
    )
    assert done.status_code == 302
    fact = EligibilityFact.objects.get()
    assert (fact.kind, str(fact.value_number)) == ("edss", "9.50")
    page = client.get(f"/misure/persone/{person.pk}/").content.decode()
    assert "Expanded Disability Status Scale" in page


def test_upload_by_a_system_administrator(client, org_a, make_membership) -> None:
    admin = make_membership(org_a, Role.SYSTEM_ADMIN)
    device = confirmed_device(admin.user)
    client.force_login(admin.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    bad = client.post(
        "/misure/regole/carica/",
        {"file": SimpleUploadedFile("x.toml", b"measure = ", content_type="text/plain")},
    )
    assert bad.status_code == 200 and "TOML non valido" in bad.content.decode()
    good = client.post(
        "/misure/regole/carica/",
        {"file": SimpleUploadedFile("b2_2027.toml", B2_2027.encode(), content_type="text/plain")},
    )
    assert good.status_code == 302
    rule_set = MeasureRuleSet.objects.get(act="DGR XII/9999 del 20/12/2026")
    assert rule_set.effective_from == date(2027, 1, 1) and rule_set.source_name == "b2_2027.toml"
