"""Territory pages in the browser: health authorities, Distretti/Ambiti coincidence, Comuni."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integra.core.permissions import Role
from tests.e2e.conftest import assert_accessible, login
from tests.factories import (
    PASSWORD,
    AmbitoFactory,
    DistrictFactory,
    HealthAuthorityFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
)


def _territory() -> None:
    """An ASST with two Distretti: one coincides with its Ambito, one is split in two Ambiti
    (seed 002, rule 2: the Ambito should coincide with the Distretto)."""
    region = RegionFactory()
    ats = HealthAuthorityFactory(kind="ats", code="ATS-T", name="ATS di prova", region=region)
    asst = HealthAuthorityFactory(code="ASST-T", name="ASST Test", region=region, parent=ats)
    north = DistrictFactory(name="Distretto Nord", health_authority=asst)
    south = DistrictFactory(name="Distretto Sud", health_authority=asst)
    a_north = AmbitoFactory(name="Ambito Nord", region=region)
    a_south1 = AmbitoFactory(name="Ambito Sud Uno", region=region)
    a_south2 = AmbitoFactory(name="Ambito Sud Due", region=region)
    MunicipalityFactory(name="Alfaville", district=north, ambito=a_north, region=region)
    MunicipalityFactory(name="Betatown", district=north, ambito=a_north, region=region)
    MunicipalityFactory(name="Gammaburgo", district=south, ambito=a_south1, region=region)
    MunicipalityFactory(name="Deltapoli", district=south, ambito=a_south2, region=region)


def test_territory_pages(page: Page, transactional_db) -> None:
    _territory()
    MembershipFactory(
        user__username="as.territorio",
        organization=OrganizationFactory(),
        roles=[Role.SOCIAL_WORKER],
    )
    login(page, "as.territorio", PASSWORD)
    page.get_by_role("link", name="Territorio", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Territorio")
    assert_accessible(page)

    page.get_by_role("link", name="ASST Test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ASST Test")
    north = page.get_by_role("row").filter(has_text="Distretto Nord")
    south = page.get_by_role("row").filter(has_text="Distretto Sud")
    expect(north.first).to_contain_text("coincide")
    expect(south.first).to_contain_text("più ambiti")
    assert_accessible(page)

    page.goto("/territorio/comuni/")
    page.get_by_label("Nome o codice").fill("gamma")
    page.get_by_role("button", name="Cerca").click()
    expect(page.get_by_role("table")).to_contain_text("Gammaburgo")
    expect(page.get_by_text("Alfaville")).to_have_count(0)
    assert_accessible(page)
