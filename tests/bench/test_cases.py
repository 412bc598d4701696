"""The loader and the measurement of ``bench/cases.py`` at a tiny scale, so that the benchmark
cannot rot silently: the rows it writes with the triggers off (no foreign-key checks during the
load) hold together and pass the models' own validation, the case managers see their cases,
and each page measured gives a status, a query count and timings — the same count for the light
and the heavy case manager."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Q

from bench.cases import PAGES, Scale, load, measure, placeholders
from integra.assessments.uvm_models import UvmSession
from integra.careplans import selectors
from integra.careplans.models import (
    OPEN_STATES,
    STATES_WITH_CASE_MANAGER,
    CarePlan,
    CarePlanVersion,
    CareTask,
    CareTeamMember,
    CaseManagerAssignment,
    PlanGoal,
    PlanIntervention,
    TaskState,
)
from integra.core.access import Actor
from integra.intake.models import IntakeRequest
from integra.people.dossier_models import TeamAccess
from integra.people.models import CareRelationship, Consent, Person, PersonDocument

SCALE = Scale(persons=200, plans=50, case_managers=5, organizations=2, heavy=20, light=3)


@pytest.fixture
def loaded(db):
    # The test database is reached with the application's role: triggers (and FK checks) on.
    return load(SCALE, vacuum=False, triggers_off=False)


def test_the_rows_hold_together(loaded) -> None:
    heavy, light, person = loaded["heavy"], loaded["light"], loaded["history_person"]
    assert Person.objects.count() == SCALE.persons + 1
    bulk = CarePlan.objects.exclude(person=person)
    assert bulk.count() == SCALE.plans
    assert set(bulk.values_list("state", flat=True)) <= {"attivo", "in_revisione", "proposto"}
    # The heavy one has her 20 and the five-year person's plan in force; the light one 3.
    assert CarePlan.objects.filter(case_manager=heavy, state__in=OPEN_STATES).count() == 21
    assert CarePlan.objects.filter(case_manager=light, state__in=OPEN_STATES).count() == 3

    # One open assignment per plan in force, naming its case manager (no FK checks on the load).
    for plan in CarePlan.objects.filter(state__in=STATES_WITH_CASE_MANAGER):
        open_rows = CaseManagerAssignment.objects.filter(plan=plan, ended_at__isnull=True)
        assert [a.membership_id for a in open_rows] == [plan.case_manager_id]
    # Plan, person, case manager and care relationship in one organisation.
    assert not bulk.exclude(person__registered_by=F("organization")).exists()
    assert not bulk.exclude(case_manager__organization=F("organization")).exists()
    for plan in bulk:
        assert CareRelationship.objects.filter(
            person_id=plan.person_id, organization_id=plan.organization_id, ended_on__isnull=True
        ).exists()
    per_plan = bulk.annotate(
        n_goals=Count("goals", distinct=True),
        n_interventions=Count("interventions", distinct=True),
        n_versions=Count("versions", distinct=True),
        n_team=Count("team", distinct=True),
        n_open_tasks=Count("tasks", filter=Q(tasks__state=TaskState.OPEN), distinct=True),
        n_done_tasks=Count("tasks", filter=Q(tasks__state=TaskState.DONE), distinct=True),
    )
    shapes = {
        (p.n_goals, p.n_interventions, p.n_versions, p.n_team, p.n_open_tasks, p.n_done_tasks)
        for p in per_plan
    }
    assert shapes == {(2, 1, 1, 1, 2, 1)}
    # Each team member knows of the person through a TeamAccess naming their row.
    for member in CareTeamMember.objects.filter(plan__in=bulk):
        grant = TeamAccess.objects.get(source=member.access_source)
        assert (grant.person_id, grant.membership_id, grant.user_id) == (
            member.plan.person_id,
            member.membership_id,
            member.membership.user_id,
        )
    # The models' own validation (fields, choices, check constraints) on every bulk row.
    for model in (CarePlan, PlanGoal, PlanIntervention, CareTask, CareTeamMember):
        for row in model.objects.all():
            row.full_clean(validate_unique=False)

    # Five years of one person's history, for the timeline.
    assert CarePlan.objects.filter(person=person).count() == 6
    assert CarePlan.objects.filter(person=person, state="chiuso").count() == 5
    assert CarePlanVersion.objects.filter(plan__person=person).count() == 24
    assert CareTask.objects.filter(plan__person=person).count() == 180
    assert UvmSession.objects.filter(person=person).count() == 6
    assert IntakeRequest.objects.filter(person=person).count() == 10
    assert Consent.objects.filter(person=person).count() == 10
    assert PersonDocument.objects.filter(person=person).count() == 20
    oldest = CarePlanVersion.objects.filter(plan__person=person).order_by("created_at").first()
    assert oldest is not None and (person.created_at - oldest.created_at).days >= 5 * 365 - 1


def test_the_case_managers_see_their_caseload(loaded) -> None:
    for membership, expected in ((loaded["heavy"], 21), (loaded["light"], 3)):
        actor = Actor.for_membership(membership.user, membership)
        rows = selectors.caseload(actor=actor, membership_id=membership.pk)
        assert rows.count() == expected


def test_each_page_gives_figures_with_the_same_queries_for_both(loaded) -> None:
    api_pages = [p for p in PAGES if p[1].startswith("/api/")]
    heavy, light = loaded["heavy"], loaded["light"]
    operators = [
        ("light", light, placeholders(light)),
        ("heavy", heavy, placeholders(heavy, loaded["history_person"])),
    ]
    figures, notes = measure(
        [*api_pages, ("nowhere", "/progetti-che-non-esistono/{plan_id}/")], operators, repeat=2
    )
    assert [(f.page, f.who) for f in figures] == [
        (name, who) for name, _ in api_pages for who in ("light", "heavy")
    ]
    for figure in figures:
        assert figure.status == 200, figure
        assert figure.queries > 0
        assert 0 < figure.timing["p50_ms"] <= figure.timing["p95_ms"] <= figure.timing["max_ms"]
    assert [f.cases for f in figures[:2]] == [3, 21]
    assert notes == [
        "nowhere: /progetti-che-non-esistono/{plan_id}/ does not resolve yet — skipped"
    ]
