"""Pages of "chi paga": the overview (LEA rules and regulations), a regulation, its forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integra.core.permissions import Role
from integra.costshares.models import CopaymentPeriod, CopaymentRegulation
from tests.costshares.conftest import make_regulation

pytestmark = pytest.mark.django_db

CREATE = {
    "r-name": "Regolamento SAD",
    "r-act": "Delibera C.C. n. 12/2024",
    "r-isee_kind": "sociosanitario",
    "p-valid_from": "2024-01-01",
    "p-shape": "linear",
    "p-exemption_threshold": "8000",
    "p-ceiling": "28000",
    "p-source": "art. 5 c.2",
}


def test_overview_lists_lea_rules_with_sources(login, social_worker_a, regulation_d):
    response = login(social_worker_a).get("/chi-paga/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "DPCM 12/1/2017, art. 22 c.4" in text
    assert "nei primi 30 giorni dopo la dimissione protetta" in text
    assert "Regolamento Delta" in text
    assert "Nuovo regolamento" not in text  # a social worker does not write regulations


def test_overview_query_count_does_not_grow(
    login, social_worker_a, make_actor, org_a, django_assert_max_num_queries
):
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    make_regulation(actor, name="Uno")
    client = login(social_worker_a)
    with django_assert_max_num_queries(30) as one:
        client.get("/chi-paga/")
    for n in range(3):
        make_regulation(actor, name=f"Altro {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/chi-paga/")


def test_create_a_regulation_from_the_page(login, coordinator_a, org_a):
    client = login(coordinator_a)
    assert client.get("/chi-paga/regolamenti/nuovo/").status_code == 200
    response = client.post("/chi-paga/regolamenti/nuovo/", CREATE)
    regulation = CopaymentRegulation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/chi-paga/regolamenti/{regulation.pk}/"
    assert regulation.organization == org_a
    period = regulation.periods.get()
    assert (period.exemption_threshold, period.ceiling) == (Decimal("8000"), Decimal("28000"))
    page = client.get(response["Location"]).content.decode()
    assert "Modifica questo periodo" in page


def test_bad_thresholds_show_the_service_message(login, coordinator_a):
    client = login(coordinator_a)
    response = client.post("/chi-paga/regolamenti/nuovo/", {**CREATE, "p-ceiling": "5000"})
    assert response.status_code == 400
    assert "La soglia massima deve superare la soglia di esenzione." in response.content.decode()
    assert not CopaymentRegulation.objects.exists()


def test_add_an_overlapping_period_is_refused_then_a_closed_one_is_accepted(
    login, coordinator_a, regulation_a
):
    client = login(coordinator_a)
    url = f"/chi-paga/regolamenti/{regulation_a.pk}/periodi/nuovo/"
    bands = {
        "valid_from": "2025-01-01",
        "shape": "bands",
        "source": "art. 6, tabella A",
        "band_0_up_to": "10000",
        "band_0_percent": "0",
        "band_1_percent": "50",
    }
    response = client.post(url, bands)
    assert response.status_code == 400
    assert "si sovrappone" in response.content.decode()
    # Close the 2024 period on 31/12/2024, then the 2025 one fits.
    first = regulation_a.periods.get()
    edit = f"/chi-paga/regolamenti/{regulation_a.pk}/periodi/{first.pk}/"
    closed = {
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
        "shape": "linear",
        "exemption_threshold": "8000",
        "ceiling": "28000",
        "source": "art. 5 c.2",
    }
    assert client.post(edit, closed).status_code == 302
    assert client.post(url, bands).status_code == 302
    periods = list(CopaymentPeriod.objects.filter(regulation=regulation_a).order_by("valid_from"))
    assert [(p.valid_from, p.valid_to) for p in periods] == [
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), None),
    ]
    assert [b.person_percent for b in periods[1].bands.all()] == [Decimal(0), Decimal(50)]


def test_writes_of_another_organisation_are_not_found(
    login, coordinator_a, social_worker_a, regulation_d
):
    client = login(coordinator_a)
    assert client.get(f"/chi-paga/regolamenti/{regulation_d.pk}/").status_code == 200
    assert client.get(f"/chi-paga/regolamenti/{regulation_d.pk}/modifica/").status_code == 404
    assert client.get("/chi-paga/regolamenti/999999/modifica/").status_code == 404
    worker = login(social_worker_a)
    assert worker.get("/chi-paga/regolamenti/nuovo/").status_code == 403
