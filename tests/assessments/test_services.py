"""Loading definitions (post_migrate, command, admin upload), recording assessments, access."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integra.assessments import selectors
from integra.assessments.models import Assessment, InstrumentVersion
from integra.assessments.services import (
    AssessmentError,
    InstrumentLoadError,
    instrument_load_text,
    record_assessment,
    rescore,
)
from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from tests.assessments.conftest import fill, shipped
from tests.people.factories import CareRelationshipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)

REGIONAL = """
code: regional_mobility
version: "2026.1"
title: Scheda regionale di mobilità
domain: health
source: Regione di prova, DGR 1/2026
licence: Uso libero per gli enti della Regione
items:
  - code: walking
    label: Cammino
    options: [{code: able, label: Sì, score: 2}, {code: help, label: Con aiuto, score: 1}, {code: unable, label: No, score: 0}]
  - code: stairs
    label: Scale
    options: [{code: able, label: Sì, score: 2}, {code: unable, label: No, score: 0}]
scoring:
  rule: sum
  bands: [{code: low, label: Bassa, min: 0, max: 1}, {code: high, label: Alta, min: 2, max: 4}]
"""


def test_shipped_instruments_are_loaded_by_post_migrate():
    current = set(
        InstrumentVersion.objects.filter(is_current=True).values_list("instrument__code", flat=True)
    )
    assert {
        "barthel",
        "katz",
        "lawton",
        "spmsq",
        "norton",
        "gcs",
        "social",
        "pua_triage",
    } <= current


def test_post_migrate_loading_is_idempotent():
    from integra.assessments.services import load_shipped_instruments

    before = InstrumentVersion.objects.count()
    load_shipped_instruments()
    assert InstrumentVersion.objects.count() == before


def test_command_loads_a_regional_instrument(tmp_path):
    path = tmp_path / "regional.yaml"
    path.write_text(REGIONAL, encoding="utf-8")
    out = StringIO()
    call_command("load_instrument", str(path), stdout=out)
    assert "caricata" in out.getvalue()
    version = selectors.instrument_version_get(code="regional_mobility")
    assert version.version == "2026.1" and version.is_current
    # Again: nothing changes.
    call_command("load_instrument", str(path), stdout=out)
    assert InstrumentVersion.objects.filter(instrument__code="regional_mobility").count() == 1


def test_command_refuses_an_invalid_file_in_italian(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(REGIONAL.replace("domain: health", "domain: legal"), encoding="utf-8")
    with pytest.raises(CommandError, match="valore non ammesso"):
        call_command("load_instrument", str(path))


def test_same_version_with_other_content_is_refused():
    instrument_load_text(text=REGIONAL)
    with pytest.raises(InstrumentLoadError, match="non si modifica"):
        instrument_load_text(text=REGIONAL.replace("Cammino", "Camminare"))


def test_old_assessments_keep_their_version_and_score(person, nurse_a):
    instrument_load_text(text=REGIONAL)
    first = record_assessment(
        nurse_a, person, "regional_mobility", {"walking": "able", "stairs": "unable"}, {}, TODAY
    )
    assert (first.total, first.band_code) == (2, "high")
    # Version 2 doubles the walking score and moves the bands.
    v2 = REGIONAL.replace('"2026.1"', '"2026.2"').replace(
        "score: 2}, {code: help", "score: 4}, {code: help"
    )
    v2 = v2.replace("min: 2, max: 4}", "min: 3, max: 6}").replace("max: 1}", "max: 2}")
    instrument_load_text(text=v2)
    second = record_assessment(
        nurse_a, person, "regional_mobility", {"walking": "able", "stairs": "unable"}, {}, TODAY
    )
    assert (second.total, second.band_code) == (4, "high")
    first.refresh_from_db()
    assert first.instrument_version.version == "2026.1"
    assert (first.total, rescore(first).total, rescore(first).band_code) == (2, 2, "high")


def test_record_barthel(person, nurse_a):
    answers = fill(shipped("barthel"), best=True)
    assessment = record_assessment(nurse_a, person, "barthel", answers, None, TODAY, "ok")
    assert assessment.total == 100
    assert (assessment.band_code, assessment.band_label) == ("independent", "Autonomo")
    assert assessment.organization == nurse_a.organization
    assert assessment.administered_by == nurse_a.user
    assert assessment.instrument_version.is_current


def test_record_refuses_bad_answers_and_future_date(person, nurse_a):
    answers = fill(shipped("barthel"))
    del answers["stairs"]
    answers["feeding"] = "banana"
    future = timezone.localdate() + timedelta(days=1)
    with pytest.raises(AssessmentError) as exc:
        record_assessment(nurse_a, person, "barthel", answers, None, future)
    assert set(exc.value.errors) == {"stairs", "feeding", "administered_on"}
    assert not Assessment.objects.exists()


def test_record_refuses_unknown_instrument(person, nurse_a):
    with pytest.raises(AssessmentError) as exc:
        record_assessment(nurse_a, person, "mmse", {}, None, TODAY)
    assert set(exc.value.errors) == {"instrument_code"}


def test_spmsq_records_the_corrected_total(person, nurse_a):
    answers = {item.code: "correct" for item in shipped("spmsq").items}
    answers.update({"date": "error", "weekday": "error", "place": "error"})
    # Pfeiffer 1975: 3 errors with only grade-school education count as 2 (intact).
    a = record_assessment(nurse_a, person, "spmsq", answers, {"education": "primary"}, TODAY)
    assert (a.total, a.band_code, a.context) == (2, "intact", {"education": "primary"})


# --- access ----------------------------------------------------------------------------------


def test_recording_needs_the_domain_permission(person, org_a, make_actor):
    pua = make_actor(org_a, Role.PUA_OPERATOR)  # social.edit, no assessment.perform / health.edit
    with pytest.raises(PermissionRequired):
        record_assessment(pua, person, "barthel", fill(shipped("barthel")), None, TODAY)
    social = record_assessment(pua, person, "social", fill(shipped("social")), None, TODAY)
    assert social.total == 0


def test_health_results_need_health_view(person, nurse_a, org_a, make_actor):
    barthel = record_assessment(nurse_a, person, "barthel", fill(shipped("barthel")), None, TODAY)
    social = record_assessment(nurse_a, person, "social", fill(shipped("social")), None, TODAY)
    case_manager = make_actor(org_a, Role.CASE_MANAGER)  # person.view, no health.view
    visible = list(selectors.person_assessments(case_manager, person))
    assert visible == [social]
    with pytest.raises(NotFound):
        selectors.assessment_get(actor=case_manager, assessment_id=barthel.pk)
    assert set(selectors.person_assessments(nurse_a, person)) == {barthel, social}


def test_who_administered_reads_it_back(person, org_a, make_actor):
    uvm = make_actor(org_a, Role.UVM_MEMBER)  # assessment.perform, no health.view
    barthel = record_assessment(uvm, person, "barthel", fill(shipped("barthel")), None, TODAY)
    assert selectors.assessment_get(actor=uvm, assessment_id=barthel.pk) == barthel
    other_uvm = make_actor(org_a, Role.UVM_MEMBER)
    with pytest.raises(NotFound):
        selectors.assessment_get(actor=other_uvm, assessment_id=barthel.pk)


def test_other_organisation_gets_404(person, nurse_a, org_b, make_actor):
    barthel = record_assessment(nurse_a, person, "barthel", fill(shipped("barthel")), None, TODAY)
    nurse_b = make_actor(org_b, Role.NURSE)
    with pytest.raises(NotFound):
        selectors.assessment_get(actor=nurse_b, assessment_id=barthel.pk)
    with pytest.raises(NotFound):
        selectors.person_assessments(nurse_b, person)
    with pytest.raises(NotFound):
        record_assessment(nurse_b, person, "barthel", fill(shipped("barthel")), None, TODAY)


def test_other_organisation_in_charge_without_consent_gets_404(person, nurse_a, org_b, make_actor):
    barthel = record_assessment(nurse_a, person, "barthel", fill(shipped("barthel")), None, TODAY)
    CareRelationshipFactory(person=person, organization=org_b)
    nurse_b = make_actor(org_b, Role.NURSE)
    # In charge, but without the sharing consent the content stays hidden.
    with pytest.raises(NotFound):
        selectors.assessment_get(actor=nurse_b, assessment_id=barthel.pk)


def test_score_series(person, nurse_a):
    for day, feeding in ((date(2026, 1, 5), "unable"), (date(2026, 2, 5), "independent")):
        record_assessment(
            nurse_a, person, "barthel", fill(shipped("barthel"), {"feeding": feeding}), None, day
        )
    series = selectors.score_series(nurse_a, person, "barthel")
    assert [(p.administered_on, p.total) for p in series] == [
        (date(2026, 1, 5), 0),
        (date(2026, 2, 5), 10),
    ]


def test_reading_a_persons_assessments_is_logged(person, nurse_a):
    from integra.audit.models import AccessLog

    record_assessment(nurse_a, person, "norton", fill(shipped("norton")), None, TODAY)
    before = AccessLog.objects.count()
    selectors.person_assessments(nurse_a, person)
    entry = AccessLog.objects.order_by("-seq").first()
    assert AccessLog.objects.count() == before + 1
    assert entry.person_id == person.pk and entry.detail == {"view": "valutazioni"}


def test_a_loaded_version_cannot_be_changed_in_the_database():
    from django.db import DatabaseError, transaction

    version = InstrumentVersion.objects.get(instrument__code="barthel", is_current=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        InstrumentVersion.objects.filter(pk=version.pk).update(definition={})
    # Moving the current version is allowed.
    InstrumentVersion.objects.filter(pk=version.pk).update(is_current=False)
