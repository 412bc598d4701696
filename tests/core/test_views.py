"""Territory pages: login required, permission checked, constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integra.core.models import HealthAuthority
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["core:authority_list", "core:municipality_list"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_detail_is_sent_to_login(client, build_territory) -> None:
    built = build_territory(districts=1)
    response = client.get(reverse("core:authority_detail", args=[built.authority.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_operator_without_membership_is_forbidden(client) -> None:
    client.force_login(UserFactory())
    assert client.get(reverse("core:authority_list")).status_code == 403


def test_authority_list_groups_by_region_with_counts(operator_client, build_territory) -> None:
    built = build_territory(districts=2, per_district=3)
    response = operator_client.get(reverse("core:authority_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Territorio</h1>" in html
    assert "Lombardia</h2>" in html
    assert built.authority.name in html
    # 2 Distretti, 2 Ambiti, 6 Comuni of 1,000 inhabitants each.
    row = html[html.index(built.authority.name) :]
    assert '<td class="text-end">2</td>\n      <td class="text-end">2</td>' in row
    assert '<td class="text-end">6</td>' in row
    assert "6.000" in row


def test_authority_detail_shows_coincidence_in_words(operator_client, build_territory) -> None:
    built = build_territory(districts=2, per_district=2)
    # Move one Comune of the second Distretto into the first Ambito: the first Ambito now
    # straddles two Distretti, and the second Distretto holds two Ambiti.
    moved = built.municipalities[2]
    moved.ambito = built.ambiti[0]
    moved.save()
    response = operator_client.get(reverse("core:authority_detail", args=[built.authority.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "ambito su più distretti" in html
    assert moved.name in html
    assert '<th scope="col">Coincidenza</th>' in html


def test_authority_detail_coincide(operator_client, build_territory) -> None:
    built = build_territory(districts=1, per_district=2)
    response = operator_client.get(reverse("core:authority_detail", args=[built.authority.pk]))
    html = response.content.decode()
    assert '<span class="badge badge-status-ok">coincide</span>' in html
    assert "1 distretto su 1 coincide con un ambito." in html


def test_authority_detail_of_missing_authority_is_404(operator_client) -> None:
    assert operator_client.get(reverse("core:authority_detail", args=[999999])).status_code == 404


def test_ats_detail_lists_its_assts(operator_client, build_territory) -> None:
    built = build_territory(districts=1)
    ats = HealthAuthority.objects.create(
        kind="ats", code="ATS-T", name="ATS di prova", region=built.authority.region
    )
    built.authority.parent = ats
    built.authority.save()
    html = operator_client.get(reverse("core:authority_detail", args=[ats.pk])).content.decode()
    assert '<h2 class="mt-4">ASST dell\'ATS</h2>' in html
    assert built.authority.name in html


def test_municipality_list_filters_and_paginates(operator_client, build_territory) -> None:
    built = build_territory(districts=2, per_district=30)
    url = reverse("core:municipality_list")
    response = operator_client.get(url, {"ambito": built.ambiti[0].pk})
    assert response.status_code == 200
    assert response.context["paginator"].count == 30
    response = operator_client.get(url, {"district": built.districts[1].pk, "pagina": 2})
    assert response.context["page"].number == 1  # 30 rows fit in one page of 50
    response = operator_client.get(url)
    assert response.context["paginator"].count == 60
    assert response.context["page"].has_next()
    assert "pagina=2" in response.content.decode()
    name = built.municipalities[5].name
    response = operator_client.get(url, {"q": name})
    assert [m.name for m in response.context["page"].object_list] == [name]


def test_municipality_list_reports_a_bad_filter_and_keeps_the_rest(
    operator_client, build_territory
) -> None:
    built = build_territory(districts=1, per_district=3)
    response = operator_client.get(
        reverse("core:municipality_list"), {"region": "abc", "q": built.municipalities[0].name}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alcuni filtri non sono validi" in html
    assert response.context["paginator"].count == 1


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("core:authority_list", None),
        ("core:authority_detail", "pk"),
        ("core:municipality_list", None),
    ],
)
def test_page_queries_do_not_grow_with_rows(
    operator_client, build_territory, count_queries, django_assert_max_num_queries, name, arg
) -> None:
    small = build_territory(districts=3, per_district=1)

    def url(authority: HealthAuthority) -> str:
        return reverse(name, args=[authority.pk]) if arg else reverse(name)

    def get(authority: HealthAuthority) -> None:
        assert operator_client.get(url(authority)).status_code == 200

    get(small.authority)  # warm up the session and the caches
    baseline = count_queries(lambda: get(small.authority))
    big = build_territory(districts=30, per_district=10)
    build_territory(districts=30, per_district=1)
    with django_assert_max_num_queries(baseline):
        get(big.authority)
    assert baseline <= 15
