"""The reads of the care plan: one plan as an actor may see it (the person through the people
gate, health goals and needs only for the health permission), a person's plans, the caseload.
Every read of a plan is written to the access log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from integra.assessments.uvm_models import HEALTH_NEED_DOMAINS, NeedDomain
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.careplans.access import may_contribute, may_manage
from integra.careplans.models import (
    OPEN_STATES,
    CarePlan,
    CarePlanVersion,
    CareTask,
    CareTeamMember,
    CaseManagerAssignment,
    PlanGoal,
    PlanIntervention,
    PlanSignature,
    TaskState,
)
from integra.careplans.versions import content_visible
from integra.core.access import Actor, NotFound, get_visible, scoped
from integra.core.health import may_record_health, may_see_health, without_keys
from integra.people.gate import PersonRef, gated, person_ref

# Reviews due within this many days are "due" on the caseload and the desk.
REVIEW_DUE_DAYS = 30


def visible_goals(actor: Actor | None, qs: QuerySet[PlanGoal]) -> QuerySet[PlanGoal]:
    """Goals on a health dimension only for the health permission (integra/core/health.py)."""
    if may_see_health(actor):
        return qs
    return qs.exclude(need_domain__in=HEALTH_NEED_DOMAINS)


def goal_writable(actor: Actor, plan: CarePlan, goal_id: object) -> PlanGoal:
    """A goal of ``plan`` the actor may change: seen by the actor, and on a health dimension
    only for who may record health data; otherwise ``NotFound``."""
    goal = (
        visible_goals(actor, scoped(actor, PlanGoal).filter(plan=plan))
        .filter(pk=_int(goal_id) or 0)
        .first()
    )
    if goal is None or (goal.need_domain in HEALTH_NEED_DOMAINS and not may_record_health(actor)):
        raise NotFound()
    return goal


@dataclass
class PlanView:
    plan: CarePlan
    person: PersonRef
    goals: list[PlanGoal]
    interventions: list[PlanIntervention]
    team: list[CareTeamMember]
    tasks: list[CareTask]
    versions: list[CarePlanVersion]
    signatures: list[PlanSignature]
    case_manager_history: list[CaseManagerAssignment]
    needs_summary: dict[str, str]
    may_manage: bool
    may_contribute: bool
    hidden_goals: int = 0
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def needs(self) -> list[tuple[str, str]]:
        return [
            (str(label), self.needs_summary[code])
            for code, label in NeedDomain.choices
            if self.needs_summary.get(code)
        ]

    @property
    def current_version(self) -> CarePlanVersion | None:
        return self.versions[0] if self.versions else None


def plan_queryset() -> QuerySet[CarePlan]:
    return CarePlan.objects.select_related(
        "organization",
        "user_class",
        "case_manager__user",
        "case_manager__organization",
        "uvm_session",
    )


def plan_get(*, actor: Actor | None, plan_id: object, purpose: str = "") -> PlanView:
    plan = get_visible(actor, plan_queryset(), pk=plan_id)
    assert actor is not None
    all_goals = list(plan.goals.all())
    goals = list(visible_goals(actor, plan.goals.all()))
    hidden_goal_ids = {g.pk for g in all_goals} - {g.pk for g in goals}
    interventions = [
        i
        for i in plan.interventions.select_related("service", "provider", "goal")
        if i.goal_id not in hidden_goal_ids
    ]
    team = list(
        plan.team.select_related("membership__user", "membership__organization").order_by(
            "ended_at", "started_at", "pk"
        )
    )
    tasks = list(
        plan.tasks.select_related("assignee__user", "assignee__organization").order_by(
            "state", "due_on", "pk"
        )
    )
    versions = list(plan.versions.select_related("created_by__user").order_by("-number"))
    signatures = list(
        plan.signatures.select_related("version", "recorded_by__user").order_by("-pk")
    )
    history = list(
        plan.case_manager_history.select_related(
            "membership__user", "membership__organization"
        ).order_by("-started_at", "-pk")
    )
    access_log_record(
        actor=actor,
        subject=plan,
        action=AccessAction.VIEW,
        detail={"view": "progetto", "hidden_goals": len(hidden_goal_ids)},
        purpose=purpose,
    )
    # Signers other than the person are persons too: they are shown through the gate.
    for signature in signatures:
        signature.signer_ref = person_ref(actor, signature.signer_id)  # type: ignore[attr-defined]
    totals = {
        key: sum((getattr(i, f"{key}_amount") for i in interventions), start=0)
        for key in ("ssn", "comune", "person", "other")
    }
    totals["monthly_cost"] = sum((i.monthly_cost for i in interventions), start=0)
    return PlanView(
        plan=plan,
        person=person_ref(actor, plan.person_id),
        goals=goals,
        interventions=interventions,
        team=team,
        tasks=tasks,
        versions=versions,
        signatures=signatures,
        case_manager_history=history,
        needs_summary=without_keys(actor, plan.needs_summary, HEALTH_NEED_DOMAINS),
        may_manage=may_manage(actor, plan),
        may_contribute=may_contribute(actor, plan),
        hidden_goals=len(hidden_goal_ids),
        totals=totals,
    )


def version_get(
    *, actor: Actor | None, plan_id: object, number: object
) -> tuple[CarePlan, CarePlanVersion, dict[str, Any]]:
    """One version of a plan, its content as the actor may see it; the read is logged."""
    plan = get_visible(actor, CarePlan, pk=plan_id)
    version = get_visible(
        actor, CarePlanVersion.objects.filter(plan=plan), number=_int(number) or 0
    )
    access_log_record(
        actor=actor,
        subject=plan,
        action=AccessAction.VIEW,
        detail={"view": "versione_progetto", "version": version.number},
    )
    return plan, version, content_visible(actor, version.content)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def plans_of_person(*, actor: Actor | None, person_id: int) -> QuerySet[CarePlan]:
    return gated(actor, scoped(actor, plan_queryset()).filter(person_id=person_id)).order_by(
        "-created_at", "-pk"
    )


def plan_list_access_record(*, actor: Actor | None, filters: dict[str, Any]) -> None:
    access_log_record(
        actor=actor,
        subject=("careplans.careplan", "", "Elenco progetti individuali"),
        action=AccessAction.LIST,
        detail={"filters": {k: str(v) for k, v in filters.items() if v not in ("", None, False)}},
    )


def caseload_access_record(*, actor: Actor | None, membership_id: int) -> None:
    access_log_record(
        actor=actor,
        subject=("careplans.careplan", "", "Casi di un case manager"),
        action=AccessAction.LIST,
        detail={"case_manager": membership_id},
    )


def tasks_access_record(*, actor: Actor | None, filters: dict[str, Any]) -> None:
    access_log_record(
        actor=actor,
        subject=("careplans.caretask", "", "Attività dei progetti"),
        action=AccessAction.LIST,
        detail={"filters": {k: str(v) for k, v in filters.items() if v not in ("", None)}},
    )


def plan_list(*, actor: Actor | None, state: str = "", mine: bool = False) -> QuerySet[CarePlan]:
    qs = gated(actor, scoped(actor, plan_queryset()))
    if state:
        qs = qs.filter(state=state)
    if mine and actor is not None and actor.membership is not None:
        qs = qs.filter(case_manager_id=actor.membership.pk)
    return qs.order_by("-created_at", "-pk")


@dataclass
class CaseloadRow:
    plan: CarePlan
    review_state: str  # "overdue", "due", ""
    open_tasks: int
    overdue_tasks: int


# The caseload's filter on the review: the page's values and the annotation's.
REVIEW_FILTERS = {"scadute": "overdue", "in_scadenza": "due"}


def caseload(
    *, actor: Actor | None, membership_id: int, today: date | None = None, review: str = ""
) -> QuerySet[CarePlan]:
    """The open cases of one case manager, the reviews that fall first at the top, each with
    its open and overdue tasks counted in the same query; ``review`` ("scadute", "in_scadenza")
    keeps the cases whose review is overdue or due within ``REVIEW_DUE_DAYS``."""
    day = today or timezone.localdate()
    qs = (
        gated(actor, scoped(actor, plan_queryset()))
        .filter(case_manager_id=membership_id, state__in=OPEN_STATES)
        .annotate(
            review_state=Case(
                When(next_review_on__lt=day, then=Value("overdue")),
                When(
                    next_review_on__lte=day + timedelta(days=REVIEW_DUE_DAYS),
                    then=Value("due"),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            open_tasks=Count("tasks", filter=Q(tasks__state=TaskState.OPEN)),
            overdue_tasks=Count(
                "tasks", filter=Q(tasks__state=TaskState.OPEN, tasks__due_on__lt=day)
            ),
        )
        .order_by("next_review_on", "pk")
    )
    if review in REVIEW_FILTERS:
        qs = qs.filter(review_state=REVIEW_FILTERS[review])
    return qs


def review_state(plan: CarePlan, today: date) -> str:
    if plan.next_review_on is None:
        return ""
    if plan.next_review_on < today:
        return "overdue"
    if plan.next_review_on <= today + timedelta(days=REVIEW_DUE_DAYS):
        return "due"
    return ""


def tasks_of(
    *,
    actor: Actor | None,
    assignee_id: int | None = None,
    state: str = TaskState.OPEN,
    overdue_on: date | None = None,
) -> QuerySet[CareTask]:
    qs = scoped(actor, CareTask).select_related("plan", "assignee__user", "assignee__organization")
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if state:
        qs = qs.filter(state=state)
    if overdue_on is not None:
        qs = qs.filter(due_on__lt=overdue_on)
    return qs.order_by("due_on", "pk")
