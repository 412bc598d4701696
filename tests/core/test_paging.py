"""Capped counts on list pages (integra/core/paging.py; issue 11, deliver 1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integra.core.models import Municipality
from integra.core.paging import COUNT_CAP, CappedPaginator
from tests.factories import RegionFactory


def _comuni(region, count: int) -> None:
    Municipality.objects.bulk_create(
        Municipality(
            istat_code=f"{700000 + n:06d}",
            belfiore_code=f"{'QRSTUV'[n // 1000]}{n % 1000:03d}",
            name=f"Comune {n:04d}",
            province_code="MI",
            province_name="Milano",
            region=region,
        )
        for n in range(count)
    )


@pytest.mark.django_db
def test_the_paginator_counts_to_the_cap_and_pages_as_far(django_assert_num_queries) -> None:
    region = RegionFactory()
    _comuni(region, COUNT_CAP + 30)
    paginator = CappedPaginator(Municipality.objects.filter(region=region).order_by("name"), 50)
    with django_assert_num_queries(1):
        assert paginator.count == COUNT_CAP + 1
    assert paginator.capped
    assert paginator.num_pages == 20  # 1,000 / 50
    last = paginator.get_page(20)
    assert [m.name for m in last.object_list][-1] == "Comune 0999"
    assert not last.has_next()
    small = CappedPaginator(Municipality.objects.filter(name__startswith="Comune 000"), 50)
    assert (small.count, small.capped, small.num_pages) == (10, False, 1)


@pytest.mark.django_db
def test_a_long_list_page_says_more_than_the_cap(operator_client) -> None:
    region = RegionFactory()
    _comuni(region, COUNT_CAP + 5)
    html = operator_client.get(reverse("core:municipality_list")).content.decode()
    assert "Più di 1000 comuni trovati" in html
    assert "Pagina 1 di 20 (i primi 1000 risultati)" in html
    html = operator_client.get(
        reverse("core:municipality_list"), {"q": "Comune 000"}
    ).content.decode()
    assert "10 comuni trovati" in html
