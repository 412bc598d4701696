"""Links to the care plan from the pages of the apps below it (the UVM session, the PUA request),
which may not import careplans (import contracts): they load these tags instead."""

from __future__ import annotations

from typing import Any

from django import template

from integra.assessments.uvm_models import UvmState
from integra.careplans.models import CarePlan
from integra.core.access import Actor, scoped
from integra.core.permissions import Permission

register = template.Library()


@register.simple_tag(takes_context=True)
def careplan_for_uvm(context: Any, session: Any) -> dict[str, Any]:
    """The plan that followed a UVM session, if the operator sees it; whether they may open it
    (the session concluded, no plan yet, the case-manager permission)."""
    actor: Actor | None = context.get("actor")
    if actor is None:
        return {"plan_id": None, "may_create": False}
    row = CarePlan.objects.filter(uvm_session_id=session.pk).values_list("pk", flat=True).first()
    visible = row is not None and scoped(actor, CarePlan).filter(pk=row).exists()
    return {
        "plan_id": row if visible else None,
        "exists": row is not None,
        "may_create": row is None
        and session.state == UvmState.CONCLUDED
        and actor.has(Permission.CASE_MANAGE),
    }


@register.simple_tag(takes_context=True)
def careplans_for_request(context: Any, item: Any) -> dict[str, Any]:
    """The plans opened from a PUA request that the operator sees, and whether they may open
    one (a simple need: no UVM; the case-manager permission)."""
    actor: Actor | None = context.get("actor")
    if actor is None:
        return {"plans": [], "may_create": False}
    plans = list(
        scoped(actor, CarePlan).filter(intake_request_id=item.pk).values_list("pk", "title")
    )
    return {
        "plans": plans,
        "may_create": actor.has(Permission.CASE_MANAGE),
        "person_id": item.person_id,
    }
