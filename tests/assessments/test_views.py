"""Pages under /valutazioni/ (integra/assessments/views.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integra.assessments.models import Assessment, InstrumentVersion
from integra.assessments.services import record_assessment
from integra.core.permissions import Role
from tests.assessments.conftest import fill, shipped
from tests.assessments.test_services import REGIONAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse(org_a, make_membership):
    return make_membership(org_a, Role.NURSE)


@pytest.fixture
def client_nurse(client: Client, nurse) -> Client:
    client.force_login(nurse.user)
    return client


def test_catalogue_and_instrument_detail(client_nurse):
    page = client_nurse.get("/valutazioni/")
    assert page.status_code == 200
    assert "Indice di Barthel" in page.content.decode()
    assert page.context["section"] == "assessments"
    detail = client_nurse.get("/valutazioni/strumenti/spmsq/").content.decode()
    assert "Pfeiffer" in detail and "Scolarità" in detail
    assert client_nurse.get("/valutazioni/strumenti/mmse/").status_code == 404


def test_form_renders_fieldsets_and_context(client_nurse, person):
    page = client_nurse.get(f"/valutazioni/persone/{person.pk}/nuova/spmsq/").content.decode()
    assert page.count("<fieldset") == 10
    assert 'name="contesto-education"' in page
    assert 'aria-live="polite"' in page
    assert 'hx-post="/valutazioni/strumenti/spmsq/punteggio/"' in page


def test_running_score_partial(client_nurse):
    response = client_nurse.post(
        "/valutazioni/strumenti/barthel/punteggio/",
        {"risposta-feeding": "independent", "risposta-transfers": "minimal_help"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "<strong>20</strong>" in text  # 10 + 10
    assert "2 su 10" in text


def test_submit_without_js_shows_errors_and_saves_nothing(client_nurse, person):
    response = client_nurse.post(
        f"/valutazioni/persone/{person.pk}/nuova/barthel/",
        {"risposta-feeding": "independent", "administered_on": "2026-01-10"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Non è stato salvato nulla" in text
    assert "Risposta mancante" in text
    assert not Assessment.objects.exists()


def test_submit_records_and_redirects(client_nurse, person):
    data = {f"risposta-{k}": v for k, v in fill(shipped("barthel"), best=True).items()}
    data["administered_on"] = "2026-01-10"
    response = client_nurse.post(f"/valutazioni/persone/{person.pk}/nuova/barthel/", data)
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/valutazioni/{assessment.pk}/"
    assert assessment.total == 100
    detail = client_nurse.get(response["Location"]).content.decode()
    assert "Autonomo" in detail


def test_form_needs_permission(client, org_a, make_membership, person):
    pua = make_membership(org_a, Role.PUA_OPERATOR)
    client.force_login(pua.user)
    assert client.get(f"/valutazioni/persone/{person.pk}/nuova/barthel/").status_code == 403
    assert client.get(f"/valutazioni/persone/{person.pk}/nuova/social/").status_code == 200


def test_other_organisation_gets_404(client, org_b, make_membership, person, nurse):
    a = record_assessment(
        _actor(nurse), person, "norton", fill(shipped("norton")), None, date(2026, 1, 10)
    )
    other = make_membership(org_b, Role.NURSE)
    client.force_login(other.user)
    assert client.get(f"/valutazioni/persone/{person.pk}/").status_code == 404
    assert client.get(f"/valutazioni/{a.pk}/").status_code == 404
    assert client.get(f"/valutazioni/persone/{person.pk}/nuova/norton/").status_code == 404


def _actor(membership):
    from integra.core.access import Actor

    return Actor.for_membership(membership.user, membership)


def test_person_page_query_count_does_not_grow(
    client_nurse, nurse, person, django_assert_max_num_queries
):
    actor = _actor(nurse)

    def add(n: int) -> None:
        for day in range(1, n + 1):
            record_assessment(
                actor, person, "barthel", fill(shipped("barthel")), None, date(2026, 1, day)
            )
            record_assessment(
                actor, person, "gcs", fill(shipped("gcs"), best=True), None, date(2026, 1, day)
            )

    add(2)
    with django_assert_max_num_queries(25) as few:
        client_nurse.get(f"/valutazioni/persone/{person.pk}/")
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client_nurse.get(f"/valutazioni/persone/{person.pk}/")
    series = json.loads(
        page.content.decode()
        .split('id="score-series" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert len(series["barthel"]["values"]) == 10
    assert series["gcs"]["values"][0] == 15
    assert "chart.umd.min.js" in page.content.decode()


# --- admin upload ----------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client: Client, monkeypatch) -> Client:
    # The admin needs a verified second factor (tests/accounts/test_second_factor.py covers it).
    monkeypatch.setattr("integra.accounts.middleware.is_verified", lambda request: True)
    user = get_user_model().objects.create_superuser(
        "root-admin", "root@example.org", "x-strong-Pass-1"
    )
    client.force_login(user)
    return client


def _upload(client: Client, text: str, name: str = "regional.yaml"):
    return client.post(
        "/admin/assessments/instrument/carica/",
        {"file": SimpleUploadedFile(name, text.encode("utf-8"))},
    )


def test_admin_upload_loads_a_regional_instrument(superuser_client):
    response = _upload(superuser_client, REGIONAL)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/admin/assessments/instrument/"
    version = InstrumentVersion.objects.get(instrument__code="regional_mobility")
    assert version.is_current and version.loaded_by is not None


def test_admin_upload_shows_errors_in_italian(superuser_client):
    response = _upload(superuser_client, REGIONAL.replace("domain: health", "domain: legal"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "valore non ammesso" in text
    assert not InstrumentVersion.objects.filter(instrument__code="regional_mobility").exists()
