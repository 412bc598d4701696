"""The shared pagination of list endpoints (integra/api/pagination.py): capped counts, keyset
cursors, bounded offsets (issue 11, deliver 1)."""

from __future__ import annotations

import pytest
from django.test import Client

from integra.api.pagination import COUNT_CAP, MAX_OFFSET, order_keys, seek_after
from integra.core.models import Municipality
from integra.core.permissions import Role
from tests.factories import MunicipalityFactory, RegionFactory

URL = "/api/v1/territory/municipalities"


@pytest.fixture
def reader(client: Client, org_a, make_membership) -> Client:
    client.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    return client


def _walk(queryset, keys, size: int) -> list[int]:
    """Every row, ``size`` at a time, each page sought after the previous page's last row."""
    seen: list[int] = []
    ordered = queryset.order_by(*(("-" if k.descending else "") + k.path for k in keys))
    page = list(ordered[:size])
    while page:
        seen.extend(m.pk for m in page)
        last = page[-1]
        values = [getattr(last, k.path) for k in keys]
        page = list(ordered.filter(seek_after(keys, values))[:size])
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [("population", "name"), ("-population", "name")])
def test_seek_after_walks_every_row_once_with_nulls_and_ties(ordering) -> None:
    region = RegionFactory()
    # Populations with ties and NULLs: PostgreSQL puts NULLs last ascending, first descending.
    for population in (500, None, 300, 500, None, 100, 500, 300, None, 700):
        MunicipalityFactory(region=region, population=population)
    queryset = Municipality.objects.filter(region=region).order_by(*ordering)
    keys = order_keys(queryset)
    assert keys is not None
    assert [k.path for k in keys] == ["population", "name", "id"]  # the key ends with the pk
    assert keys[0].nullable and not keys[1].nullable
    expected = list(queryset.order_by(*ordering, "id").values_list("pk", flat=True))
    for size in (1, 2, 3, 4, 10):
        assert _walk(queryset, keys, size) == expected


@pytest.mark.django_db
def test_an_order_by_expression_has_no_keys() -> None:
    from django.db.models import F

    assert order_keys(Municipality.objects.order_by(F("name").desc())) is None
    assert order_keys(Municipality.objects.order_by("?")) is None


@pytest.mark.django_db
def test_the_api_pages_by_cursor_and_by_offset_alike(reader) -> None:
    region = RegionFactory()
    for n in range(7):
        MunicipalityFactory(region=region, name=f"Borgo {n % 3}")  # ties on the name
    expected = reader.get(URL, {"region": region.pk, "limit": 50}).json()
    assert (expected["count"], expected["count_capped"], expected["next"]) == (7, False, None)
    by_cursor: list[str] = []
    body = reader.get(URL, {"region": region.pk, "limit": 3}).json()
    pages = 1
    while True:
        by_cursor += [m["istat_code"] for m in body["items"]]
        if body["next"] is None:
            break
        body = reader.get(URL, {"region": region.pk, "limit": 3, "after": body["next"]}).json()
        pages += 1
    assert pages == 3  # 3 + 3 + 1
    assert by_cursor == [m["istat_code"] for m in expected["items"]]
    by_offset = [
        m["istat_code"]
        for offset in (0, 3, 6)
        for m in reader.get(URL, {"region": region.pk, "limit": 3, "offset": offset}).json()[
            "items"
        ]
    ]
    assert by_offset == by_cursor


@pytest.mark.django_db
def test_a_row_added_meanwhile_does_not_shift_the_next_page(reader) -> None:
    region = RegionFactory()
    for name in ("Bianco", "Nero", "Rosso", "Verde"):
        MunicipalityFactory(region=region, name=name)
    first = reader.get(URL, {"region": region.pk, "limit": 2}).json()
    assert [m["name"] for m in first["items"]] == ["Bianco", "Nero"]
    MunicipalityFactory(region=region, name="Arancio")  # sorts before the page already seen
    second = reader.get(URL, {"region": region.pk, "limit": 2, "after": first["next"]}).json()
    assert [m["name"] for m in second["items"]] == ["Rosso", "Verde"]


@pytest.mark.django_db
def test_the_count_stops_at_the_cap_and_says_so(reader) -> None:
    region = RegionFactory()
    Municipality.objects.bulk_create(
        Municipality(
            istat_code=f"{800000 + n:06d}",
            belfiore_code=f"Z{n:03d}" if n < 1000 else f"W{n - 1000:03d}",
            name=f"Comune {n:04d}",
            province_code="MI",
            province_name="Milano",
            region=region,
        )
        for n in range(COUNT_CAP + 2)
    )
    body = reader.get(URL, {"region": region.pk, "limit": 1}).json()
    assert (body["count"], body["count_capped"]) == (COUNT_CAP, True)
    exact = reader.get(URL, {"region": region.pk, "q": "Comune 000", "limit": 1}).json()
    assert (exact["count"], exact["count_capped"]) == (10, False)  # 0000 to 0009


@pytest.mark.django_db
def test_a_forged_or_foreign_cursor_is_a_422_naming_after(reader) -> None:
    region = RegionFactory()
    for _n in range(3):
        MunicipalityFactory(region=region)
    cursor = reader.get(URL, {"region": region.pk, "limit": 1}).json()["next"]
    for bad in ("abc", cursor[:-2] + "xx"):
        response = reader.get(URL, {"region": region.pk, "after": bad})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "after"
    # A list ordered by an expression (the name search puts names starting with q first)
    # scrolls by offset only: a cursor there is refused, not misapplied.
    response = reader.get(URL, {"q": "Comune", "after": cursor})
    assert response.status_code == 422


@pytest.mark.django_db
def test_offset_is_bounded(reader) -> None:
    assert reader.get(URL, {"offset": MAX_OFFSET}).status_code == 200
    response = reader.get(URL, {"offset": MAX_OFFSET + 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"
