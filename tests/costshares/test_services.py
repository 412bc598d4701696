"""Loading the LEA file, saving a co-payment regulation, and the selectors feeding split_cost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.costshares.errors import CostShareError, CostShareErrorCode
from integra.costshares.models import CareSetting, CopaymentPeriod, LeaCostRule, ServiceCostProfile
from integra.costshares.selectors import (
    care_setting_for,
    cost_split_preview,
    isee_value_for,
    regulation_in_force,
)
from integra.costshares.services import (
    LEA_FILE,
    BandInput,
    PeriodInput,
    RegulationInput,
    lea_rules_load,
    regulation_update,
)
from tests.costshares.conftest import LINEAR_2024, make_regulation
from tests.factories import ServiceFactory
from tests.people.factories import PersonFactory
from tests.programs.factories import isee_of

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_shipped_lea_file_is_loaded_and_loading_again_changes_nothing() -> None:
    # post_migrate loaded it already: a second load finds every rule unchanged.
    loaded = lea_rules_load(text=LEA_FILE.read_text(encoding="utf-8"))
    assert loaded.created == loaded.updated == 0
    assert loaded.unchanged == LeaCostRule.objects.count() > 15
    # DPCM 12/1/2017 art. 30 c.2: lungoassistenza at 50%; art. 34 c.3: severe disability 70%,
    # without family support 40%; art. 33 c.3: socio-rehabilitative mental health 40%.
    percent = {
        r.setting.code: r.ssn_percent
        for r in LeaCostRule.objects.select_related("setting").filter(
            max_days_after_discharge__isnull=True
        )
    }
    assert percent["residential-long-term"] == 50
    assert percent["residential-extensive"] == 100
    assert percent["semi-residential-non-self-sufficient"] == 50
    assert percent["disability-residential-severe"] == 70
    assert percent["disability-residential-no-family"] == 40
    assert percent["disability-semi-residential"] == 70
    assert percent["mental-health-therapeutic"] == 100
    assert percent["mental-health-socio-rehab"] == 40
    assert percent["home-tutelary-aid"] == 50
    assert percent["social-only"] == 0
    first_days = LeaCostRule.objects.get(setting__code="home-tutelary-aid", ssn_percent=100)
    assert first_days.max_days_after_discharge == 30
    assert "art. 22 c.4" in first_days.source


def test_a_corrected_rule_is_updated_in_place() -> None:
    text = LEA_FILE.read_text(encoding="utf-8").replace(
        'key: lea2017-dependencies\n        ssn_percent: "100"',
        'key: lea2017-dependencies\n        ssn_percent: "90"',
    )
    assert lea_rules_load(text=text).updated == 1
    assert LeaCostRule.objects.get(key="lea2017-dependencies").ssn_percent == 90


def test_a_bad_lea_file_is_refused_whole() -> None:
    before = LeaCostRule.objects.count()
    text = LEA_FILE.read_text(encoding="utf-8").replace(
        'ssn_percent: "40"', 'ssn_percent: "140"', 1
    )
    with pytest.raises(CostShareError) as refused:
        lea_rules_load(text=text)
    assert refused.value.code == CostShareErrorCode.LEA_FILE_INVALID
    assert LeaCostRule.objects.count() == before


def test_create_a_regulation_and_split_with_it(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    regulation = make_regulation(actor)
    assert regulation.organization == org_a
    assert CopaymentPeriod.objects.filter(regulation=regulation).count() == 1
    # The brief's example (DPCM 12/1/2017 art. 22 c.4, day 31: 50% of €1,200; 35% of €600).
    preview = cost_split_preview(
        actor=actor,
        monthly_tariff=D("1200.00"),
        on=date(2026, 3, 1),
        setting_code="home-tutelary-aid",
        organization_id=org_a.pk,
        isee_value=D("15000.00"),
        days_since_protected_discharge=31,
    )
    split = preview.split
    assert (split.ssn, split.person, split.comune) == (D("600.00"), D("210.00"), D("390.00"))
    assert preview.regulation == regulation


def test_overlapping_periods_are_refused_in_italian(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    later = PeriodInput(
        valid_from=date(2025, 1, 1),
        shape="linear",
        source="Regolamento 2025, art. 5",
        exemption_threshold=D("9000"),
        ceiling=D("30000"),
    )
    with pytest.raises(CostShareError) as refused:
        make_regulation(actor, periods=(LINEAR_2024, later))  # the 2024 one never ends
    message = refused.value.errors["periods.1.valid_from"][0]
    assert "si sovrappone" in message and "01/01/2024" in message
    assert not CopaymentPeriod.objects.exists()


def test_a_rule_that_changed_on_a_date(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    until_2024 = PeriodInput(
        valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31),
        shape="linear",
        source="Regolamento 2024, art. 5",
        exemption_threshold=D("8000"),
        ceiling=D("28000"),
    )
    from_2025 = PeriodInput(
        valid_from=date(2025, 1, 1),
        shape="bands",
        source="Regolamento 2025, art. 6",
        bands=(BandInput(D("10000"), D(0)), BandInput(None, D(50))),
    )
    make_regulation(actor, periods=(until_2024, from_2025))

    def person_on(day: date) -> Decimal:
        return cost_split_preview(
            actor=actor,
            monthly_tariff=D("1200.00"),
            on=day,
            setting_code="home-tutelary-aid",
            organization_id=org_a.pk,
            isee_value=D("15000"),
        ).split.person

    # 31/12/2024: linear, 35% of €600 = €210. 1/1/2025: band over €10,000, 50% = €300.
    assert person_on(date(2024, 12, 31)) == D("210.00")
    assert person_on(date(2025, 1, 1)) == D("300.00")


@pytest.mark.parametrize(
    ("period", "field", "words"),
    [
        (
            PeriodInput(
                date(2024, 1, 1),
                "linear",
                "art. 1",
                exemption_threshold=D("9000"),
                ceiling=D("8000"),
            ),
            "periods.0.ceiling",
            "deve superare",
        ),
        (
            PeriodInput(
                date(2024, 1, 1),
                "bands",
                "art. 1",
                bands=(BandInput(D("5000"), D(0)), BandInput(D("9000"), D(50))),
            ),
            "periods.0.bands",
            "aperta",
        ),
        (
            PeriodInput(
                date(2024, 1, 1),
                "linear",
                "art. 1",
                exemption_threshold=D("1"),
                ceiling=D("2"),
                monthly_cap=D("10"),
                monthly_minimum=D("20"),
            ),
            "periods.0.monthly_minimum",
            "tetto",
        ),
        (
            PeriodInput(
                date(2024, 1, 1),
                "linear",
                "art. 1",
                valid_to=date(2023, 1, 1),
                exemption_threshold=D("1"),
                ceiling=D("2"),
            ),
            "periods.0.valid_to",
            "precede",
        ),
    ],
)
def test_bad_periods(make_actor, org_a, period, field, words) -> None:
    with pytest.raises(CostShareError) as refused:
        make_regulation(make_actor(org_a, Role.PLANNING_COORDINATOR), periods=(period,))
    assert words in refused.value.errors[field][0]


def test_only_a_comune_or_ambito_adopts_a_regulation(make_actor, org_b) -> None:
    with pytest.raises(CostShareError) as refused:
        make_regulation(make_actor(org_b, Role.PLANNING_COORDINATOR))
    assert "Comune o un Ambito" in refused.value.errors["organization_id"][0]


def test_who_may_write(make_actor, org_a, org_d, regulation_d) -> None:
    with pytest.raises(PermissionRequired):
        make_regulation(make_actor(org_a, Role.SOCIAL_WORKER))
    coordinator = make_actor(org_a, Role.PLANNING_COORDINATOR)
    with pytest.raises(NotFound):
        make_regulation(coordinator, organization_id=org_d.pk)
    with pytest.raises(NotFound):
        regulation_update(
            actor=coordinator, regulation_id=regulation_d.pk, data=RegulationInput(name="X")
        )
    admin = make_actor(org_a, Role.SYSTEM_ADMIN)
    updated = regulation_update(
        actor=admin, regulation_id=regulation_d.pk, data=RegulationInput(name="Rinominato")
    )
    assert updated.name == "Rinominato"


def test_service_default_setting(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    service = ServiceFactory(provider=org_a, name="SAD")
    with pytest.raises(CostShareError):
        care_setting_for(actor=actor, service_id=service.pk)
    ServiceCostProfile.objects.create(
        service=service, setting=CareSetting.objects.get(code="social-only")
    )
    assert care_setting_for(actor=actor, service_id=service.pk).code == "social-only"


def test_isee_value_of_the_regulations_kind(make_actor, org_a, regulation_a) -> None:
    person = PersonFactory()
    isee_of(
        person,
        "5000",
        kind="ordinario",
        signed_on=date(2026, 1, 10),
        valid_until=date(2026, 12, 31),
    )
    # The regulation wants the socio-sanitary ISEE: an ordinary one does not count.
    assert isee_value_for(person=person, regulation=regulation_a, on=date(2026, 3, 1)) is None
    isee_of(
        person,
        "15000",
        kind="sociosanitario",
        signed_on=date(2026, 1, 10),
        valid_until=date(2026, 12, 31),
    )
    assert isee_value_for(person=person, regulation=regulation_a, on=date(2026, 3, 1)) == D("15000")
    # Expired on 1/1/2027.
    assert isee_value_for(person=person, regulation=regulation_a, on=date(2027, 1, 1)) is None


def test_several_regulations_in_force_must_be_named(make_actor, org_a) -> None:
    actor = make_actor(org_a, Role.PLANNING_COORDINATOR)
    make_regulation(actor, name="Uno")
    make_regulation(actor, name="Due")
    with pytest.raises(CostShareError):
        regulation_in_force(actor=actor, organization_id=org_a.pk, on=date(2026, 1, 1))
