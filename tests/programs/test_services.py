"""Evidence and screening through the access policy.

Rules: evidence follows the person (PUA or the organisation that has the person in charge,
integra/people/access.py); health kinds (clinical findings and scores) only with
HEALTH_DATA_VIEW, written with HEALTH_DATA_EDIT; the others with SOCIAL_RECORD_EDIT (Garante,
Linee guida sul Dossier sanitario 4/6/2015). Screening needs ASSESSMENT_PERFORM,
UVM_PARTICIPATE or CASE_MANAGE. Every read of a person's evidence is logged.
"""

from __future__ import annotations

from datetime import date

import pytest

from integra.audit.models import AccessLog
from integra.core.access import NotFound, PermissionRequired, scoped
from integra.core.permissions import Role
from integra.programs.errors import ProgramError
from integra.programs.facts import FactKind
from integra.programs.models import EligibilityFact, ScreeningRecord
from integra.programs.selectors import facts_of, screen, screenings_of
from integra.programs.services import fact_end, fact_record, screening_save
from tests.programs.factories import fact_of, isee_of, person_in_charge

pytestmark = pytest.mark.django_db
DAY = date(2025, 6, 1)


@pytest.fixture
def person(org_a):
    return person_in_charge(org_a)


@pytest.fixture
def doctor(org_a, make_actor):
    return make_actor(org_a, Role.DOCTOR)


@pytest.fixture
def social_worker(org_a, make_actor):
    return make_actor(org_a, Role.SOCIAL_WORKER)


def test_record_and_read_evidence(person, doctor, social_worker) -> None:
    gcs = fact_record(actor=doctor, person_id=person.pk, kind="gcs", value="9", valid_from=DAY)
    acc = fact_record(
        actor=social_worker,
        person_id=person.pk,
        kind="indennita_accompagnamento",
        value="sì",
        valid_from=date(2020, 1, 1),
        source="verbale INPS",
    )
    assert (gcs.value, acc.value) == (9, True)
    assert gcs.organization_id == person.registered_by_id
    # The doctor sees both; the social worker, without HEALTH_DATA_VIEW, not the GCS.
    assert {f.pk for f in facts_of(actor=doctor, person_id=person.pk)} == {gcs.pk, acc.pk}
    assert [f.pk for f in facts_of(actor=social_worker, person_id=person.pk)] == [acc.pk]
    assert not scoped(social_worker, EligibilityFact).filter(pk=gcs.pk).exists()
    assert AccessLog.objects.filter(detail__view="evidenze", person_id=person.pk).count() == 2


def test_write_permission_by_kind(person, doctor, social_worker) -> None:
    with pytest.raises(PermissionRequired):
        fact_record(actor=social_worker, person_id=person.pk, kind="gcs", value="9", valid_from=DAY)
    with pytest.raises(PermissionRequired):  # nurses and doctors do not hold SOCIAL_RECORD_EDIT
        fact_record(
            actor=doctor, person_id=person.pk, kind="rsa_aperta", value="sì", valid_from=DAY
        )
    assert not EligibilityFact.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("indennita_accompagnamento", "forse", "value"),
        ("semiresidenziale_ore", "diciotto", "value"),
        ("semiresidenziale_ore", "-1", "value"),
        ("semiresidenziale_ore", "1.234", "value"),
        ("nessuno", "sì", "kind"),
    ],
)
def test_bad_values_save_nothing(person, social_worker, kind, value, field) -> None:
    with pytest.raises(ProgramError) as err:
        fact_record(
            actor=social_worker, person_id=person.pk, kind=kind, value=value, valid_from=DAY
        )
    assert field in err.value.errors
    assert not EligibilityFact.objects.exists()


def test_period_and_document_checked(person, social_worker, org_b, make_actor) -> None:
    with pytest.raises(ProgramError) as err:
        fact_record(
            actor=social_worker,
            person_id=person.pk,
            kind="pro_vi",
            value="no",
            valid_from=DAY,
            valid_until=date(2025, 1, 1),
            document_id=999999,
        )
    assert set(err.value.errors) == {"valid_until", "document_id"}


def test_end_a_fact(person, social_worker) -> None:
    row = fact_of(person, FactKind.RSA_APERTA, flag=True)
    ended = fact_end(actor=social_worker, fact_id=row.pk, valid_until=date(2025, 5, 31))
    assert ended.valid_until == date(2025, 5, 31)
    with pytest.raises(ProgramError):
        fact_end(actor=social_worker, fact_id=row.pk, valid_until=date(2023, 1, 1))
    result = screen(social_worker, person.pk, "B1", DAY)
    rsa = next(i for i in result.incompatibilities if i.code == "rsa_aperta")
    assert rsa.found is None  # ended before the screening date


def test_cross_organisation_is_not_found(person, org_b, make_actor) -> None:
    stranger = make_actor(org_b, Role.DOCTOR, Role.SOCIAL_WORKER)
    row = fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    with pytest.raises(NotFound):
        screen(stranger, person.pk, "B1", DAY)
    with pytest.raises(NotFound):
        facts_of(actor=stranger, person_id=person.pk)
    with pytest.raises(NotFound):
        fact_record(actor=stranger, person_id=person.pk, kind="pro_vi", value="no", valid_from=DAY)
    with pytest.raises(NotFound):
        fact_end(actor=stranger, fact_id=row.pk, valid_until=DAY)


def test_screening_permission(person, org_a, make_actor) -> None:
    pua = make_actor(org_a, Role.PUA_OPERATOR)
    with pytest.raises(PermissionRequired):
        screen(pua, person.pk, "B1", DAY)
    uvm = make_actor(org_a, Role.UVM_MEMBER)
    assert screen(uvm, person.pk, "B1", DAY).outcome == "incomplete"


def test_screening_reads_through_the_policy_and_is_logged(person, doctor, social_worker) -> None:
    isee_of(person, "50000.00")
    fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    fact_of(person, FactKind.GCS, number="10")
    by_doctor = screen(doctor, person.pk, "B1", DAY)
    assert by_doctor.outcome == "eligible"
    by_social = screen(social_worker, person.pk, "B1", DAY)
    a = next(c for c in by_social.criteria if c.code == "a")
    assert a.met is None and a.evidence == []  # the GCS is health data: not read at all
    logs = AccessLog.objects.filter(detail__view="requisiti", person_id=person.pk)
    assert logs.count() == 2
    assert logs.first().detail["act"] == "DGR XII/3719 del 30/12/2024"


def test_b2_in_2026_is_suspended(person, social_worker) -> None:
    fact_of(person, FactKind.L104_SEVERE, flag=True)
    result = screen(social_worker, person.pk, "B2", date(2026, 2, 1))
    assert result.outcome == "suspended"
    assert result.rule_set["act"] == "DGR XII/5544/2025"


def test_saved_screening_stays_with_the_organisation(person, doctor, org_b, make_actor) -> None:
    result = screen(doctor, person.pk, "B1", DAY)
    record = screening_save(
        actor=doctor, person_id=person.pk, measure_code="B1", on_date=DAY, result=result.as_json()
    )
    assert record.outcome == "incomplete"
    assert record.rule_set.act == "DGR XII/3719 del 30/12/2024"
    assert screenings_of(actor=doctor, person=person) == [record]
    assert ScreeningRecord.objects.count() == 1


def test_gcs_from_the_latest_assessment(person, doctor, social_worker) -> None:
    """B1 condition a) reads the latest GCS administered on or before the day (DM 26/9/2016
    art. 3 c. 2 a: GCS ≤ 10); an instrument score is health data."""
    from integra.assessments.models import Assessment
    from integra.assessments.services import current_version

    version = current_version("gcs")

    def administer(total: int, day: date) -> Assessment:
        return Assessment.objects.create(
            person=person,
            instrument_code="gcs",
            instrument_version=version,
            organization=person.registered_by,
            administered_by=doctor.user,
            administered_on=day,
            total=total,
        )

    isee_of(person, "1000.00")
    fact_of(person, FactKind.ACCOMPAGNAMENTO, flag=True)
    administer(7, date(2025, 2, 1))
    latest = administer(11, date(2025, 5, 1))
    administer(6, date(2025, 7, 1))  # after the screening date
    result = screen(doctor, person.pk, "B1", DAY)
    a = next(c for c in result.criteria if c.code == "a")
    assert (a.met, a.evidence[0].kind, a.evidence[0].id) == (False, "punteggio", latest.pk)
    administer(10, date(2025, 5, 20))
    assert screen(doctor, person.pk, "B1", DAY).outcome == "eligible"
    # Without HEALTH_DATA_VIEW the scores are not read.
    by_social = screen(social_worker, person.pk, "B1", DAY)
    assert next(c for c in by_social.criteria if c.code == "a").met is None


def test_screen_accepts_a_person_object(person, doctor) -> None:
    assert screen(doctor, person, "B1", DAY).person_id == person.pk


def test_only_the_recording_organisation_ends_a_fact(person, org_b, make_actor) -> None:
    """Another body that reads the record (in charge, with the sharing consent) may not end the
    evidence recorded by the registering organisation: it records its own instead."""
    from tests.people.factories import CareRelationshipFactory, ConsentFactory

    CareRelationshipFactory(person=person, organization=org_b)
    ConsentFactory(person=person)
    other = make_actor(org_b, Role.SOCIAL_WORKER)
    row = fact_of(person, FactKind.RSA_APERTA, flag=True)
    with pytest.raises(ProgramError) as refused:
        fact_end(actor=other, fact_id=row.pk, valid_until=date(2025, 5, 31))
    assert "fact_id" in refused.value.errors
    row.refresh_from_db()
    assert row.valid_until is None
