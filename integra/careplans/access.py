"""Who sees a care plan and its case.

A plan follows its person: it is seen only with the person's content (``follows_person``:
registered by the actor's organisation, or the sharing consent in force), and then by

* the operators of the organisation that holds the plan (``organization``);
* its case manager, personally;
* the members of its care team, personally, while they are members — not their organisations
  (Garante, Linee guida sul Dossier sanitario 4/6/2015: access only by staff caring for the
  person). The team member also knows of the person through ``people.TeamAccess``, granted and
  ended by ``integra/careplans/services.py`` with the membership.

Everything that belongs to a plan (goals, interventions, versions, signatures, case-manager
history, team, tasks) is seen with its plan.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now

from integra.careplans.models import (
    CarePlan,
    CarePlanVersion,
    CareTask,
    CareTeamMember,
    CaseManagerAssignment,
    PlanGoal,
    PlanIntervention,
    PlanSignature,
)
from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.people.access import follows_person


def open_team_membership(actor: Actor) -> QuerySet[CareTeamMember]:
    membership_id = actor.membership.pk if actor.membership else 0
    return CareTeamMember.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=Now()),
        plan_id=OuterRef("pk"),
        membership_id=membership_id,
    )


@register_scope(CarePlan)
def care_plan_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    if actor.membership is None or not actor.has(Permission.PERSON_VIEW):
        return qs.none()
    condition = (
        Q(organization_id=actor.organization_id)
        | Q(case_manager_id=actor.membership.pk)
        | Q(Exists(open_team_membership(actor)))
    )
    return follows_person(actor, qs.filter(condition))


def follows_plan(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(plan__in=care_plan_scope(actor, CarePlan.objects.all()))


for _model in (
    PlanGoal,
    PlanIntervention,
    CarePlanVersion,
    PlanSignature,
    CaseManagerAssignment,
    CareTeamMember,
    CareTask,
):
    register_scope(_model)(follows_plan)


def may_manage(actor: Actor, plan: CarePlan) -> bool:
    """Who edits the plan and its case: its case manager, or an operator of the holding
    organisation who may manage cases."""
    if actor.membership is None:
        return False
    if plan.case_manager_id == actor.membership.pk:
        return True
    return plan.organization_id == actor.organization_id and actor.has(Permission.CASE_MANAGE)


def may_contribute(actor: Actor, plan: CarePlan) -> bool:
    """Who writes goals into the plan: its managers, and the members of its care team (the
    nurse or doctor of the team writes the health goals a social case manager cannot)."""
    if may_manage(actor, plan):
        return True
    if actor.membership is None:
        return False
    return CareTeamMember.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=Now()),
        plan_id=plan.pk,
        membership_id=actor.membership.pk,
    ).exists()
