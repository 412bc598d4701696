"""Every place that holds health data is declared in one registry (integra/core/health.py), so
the canary sweep (tests/security/test_health_canary.py) can plant a value in each and nothing
new escapes the filter unnoticed (issue 9, deliver 2)."""

from __future__ import annotations

import pytest

from integra.assessments.uvm_models import HEALTH_NEED_DOMAINS
from integra.core.health import health_declarations
from integra.programs.facts import HEALTH_KINDS

pytestmark = pytest.mark.django_db


def _declared() -> set[tuple[str, str]]:
    return {(d.where, d.what) for d in health_declarations()}


def test_every_health_kind_of_evidence_is_declared() -> None:
    declared = _declared()
    assert {("programs.EligibilityFact", f"kind={k}") for k in HEALTH_KINDS} <= declared


def test_the_health_dimensions_of_the_uvm_summary_are_declared() -> None:
    declared = _declared()
    assert {("assessments.UvmSession", f"needs_summary.{k}") for k in HEALTH_NEED_DOMAINS} <= (
        declared
    )
    assert ("assessments.UvmSession", "eligibility") in declared
    assert ("programs.ScreeningRecord", "result") in declared


def test_instrument_domains_items_triage_and_model_fields_are_declared() -> None:
    wheres = {d.where for d in health_declarations()}
    assert {"assessments.Assessment", "assessments.InstrumentVersion", "intake.IntakeRequest"} <= (
        wheres
    )
    # The test app's model with HEALTH_FIELDS (tests/policy_app) is listed by its fields.
    assert ("policy_app.CaseNote", "diagnosis") in _declared()
