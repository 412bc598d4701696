"""What the care plan's pages need beyond the services and selectors: the next legal action of a
plan, the snapshot a form carries of the values it was opened on (to tell the operator what
changed when an edit arrives on an older version), the pickers' lists, the caseload's rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from integra.accounts.models import Membership
from integra.careplans.models import CarePlan, PlanState
from integra.careplans.selectors import CaseloadRow, review_state
from integra.careplans.services import TRANSITIONS
from integra.careplans.versions import Difference, compare, content_visible, plan_content
from integra.core.access import Actor
from integra.core.permissions import Permission

SNAPSHOT_SALT = "careplans.form-snapshot"


@dataclass(frozen=True)
class Action:
    code: str  # the url name, without the namespace
    label: Any
    primary: bool = False


# The actions of each state, first the one that moves the plan forward.
_ACTIONS: dict[str, list[Action]] = {
    PlanState.DRAFT: [Action("propose", _("Proponi il progetto alla persona"), primary=True)],
    PlanState.PROPOSED: [
        Action("sign", _("Registra la sottoscrizione"), primary=True),
        Action("rework", _("La persona chiede modifiche: riapri il progetto")),
    ],
    PlanState.SIGNED: [Action("activate", _("Attiva il progetto"), primary=True)],
    PlanState.ACTIVE: [Action("review", _("Avvia la revisione"), primary=True)],
    PlanState.REVIEW: [
        Action("propose", _("Proponi la nuova versione alla persona"), primary=True)
    ],
    PlanState.CLOSED: [],
}
_TARGET = {
    "propose": PlanState.PROPOSED,
    "sign": PlanState.SIGNED,
    "activate": PlanState.ACTIVE,
    "review": PlanState.REVIEW,
    "close": PlanState.CLOSED,
}


def plan_actions(plan: CarePlan, *, may_manage: bool) -> tuple[Action | None, list[Action]]:
    """The next action (or none) and the other legal ones, for someone who manages the plan."""
    if not may_manage:
        return None, []
    legal = TRANSITIONS[plan.state]
    actions = [a for a in _ACTIONS[plan.state] if a.code not in _TARGET or _TARGET[a.code] in legal]
    if PlanState.CLOSED in legal:
        actions.append(Action("close", _("Chiudi il progetto")))
    primary = next((a for a in actions if a.primary), None)
    return primary, [a for a in actions if a is not primary]


def snapshot(actor: Actor, plan: CarePlan) -> str:
    """The plan's content as the actor sees it now, signed: carried by the forms so that an edit
    refused as stale can show what changed since the form was opened."""
    return signing.dumps(
        {"v": plan.row_version, "c": content_visible(actor, plan_content(plan))},
        salt=SNAPSHOT_SALT,
        compress=True,
    )


def changes_since(actor: Actor, plan: CarePlan, token: str) -> list[Difference]:
    """What changed in the plan between the snapshot ``token`` and now (nothing if the token is
    missing or forged: the message alone then tells the operator to reload)."""
    try:
        opened = signing.loads(token or "", salt=SNAPSHOT_SALT)
    except signing.BadSignature:
        return []
    if not isinstance(opened, dict) or not isinstance(opened.get("c"), dict):
        return []
    return compare(opened["c"], content_visible(actor, plan_content(plan)))


def operators(*, case_manage: bool = False) -> QuerySet[Membership]:
    """Active operators of any organisation (the team and the handover pick from here)."""
    from integra.assessments.uvm import _active_memberships, roles_with

    qs = _active_memberships().filter(organization__is_active=True)
    if case_manage:
        qs = qs.filter(roles__overlap=roles_with(Permission.CASE_MANAGE))
    return qs


def may_see_others_caseload(actor: Actor) -> bool:
    """A coordinator or the organisation's administrator looks at (and reassigns) the caseload
    of the organisation's operators: the same rule as ``services.caseload_reassign``."""
    return actor.has(Permission.PLANNING_COORDINATE) or actor.has(Permission.MEMBERSHIP_MANAGE)


def organisation_case_managers(actor: Actor) -> QuerySet[Membership]:
    return operators(case_manage=True).filter(organization_id=actor.organization_id or 0)


def caseload_rows(*, plans: Any, today: date) -> list[CaseloadRow]:
    """The rows of one page of the caseload (``selectors.caseload``, which counts each case's
    open and overdue tasks in the same query), each with its review state."""
    return [
        CaseloadRow(
            plan=plan,
            review_state=review_state(plan, today),
            open_tasks=getattr(plan, "open_tasks", 0),
            overdue_tasks=getattr(plan, "overdue_tasks", 0),
        )
        for plan in plans
    ]
