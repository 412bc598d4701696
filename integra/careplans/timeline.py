"""The care plans' sources of the person's timeline (integra/timeline/sources.py): each version of
a plan handed to the person and each task of the team, from the rows the actor sees (a plan is
seen by its holding organisation, its case manager and its team). One query per source and page.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from integra.careplans.models import CarePlanVersion, CareTask
from integra.core.access import Actor, scoped
from integra.timeline.sources import Cursor, TimelineFilters, TimelineItem, seek

PLAN_VERSION = "care_plan_version"
CARE_TASK = "care_task"


def plan_versions(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, CarePlanVersion).filter(plan__person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(plan__organization_id=filters.organization_id)
    qs = qs.select_related("plan__organization").annotate(when=F("created_at"))
    for row in seek(qs, kind=PLAN_VERSION, before=before, limit=limit):
        plan = row.plan
        yield TimelineItem(
            when=row.when,
            kind=PLAN_VERSION,
            id=row.pk,
            title=_("%(kind)s n. %(plan)s: versione %(n)s proposta alla persona")
            % {"kind": plan.get_kind_display(), "plan": plan.pk, "n": row.number},
            summary=row.note,
            organisation=plan.organization.name,
            organization_id=plan.organization_id,
            url=reverse("careplans:version_detail", args=[plan.pk, row.number]),
            is_health=False,
        )


def care_tasks(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, CareTask).filter(plan__person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(assignee__organization_id=filters.organization_id)
    qs = qs.select_related("assignee__organization", "assignee__user").annotate(
        when=F("created_at")
    )
    for row in seek(qs, kind=CARE_TASK, before=before, limit=limit):
        user = row.assignee.user
        yield TimelineItem(
            when=row.when,
            kind=CARE_TASK,
            id=row.pk,
            title=_("Attività: %(title)s") % {"title": row.title},
            summary=_("Per %(who)s entro il %(due)s — %(state)s")
            % {
                "who": f"{user.first_name} {user.last_name}".strip() or user.username,
                "due": row.due_on.strftime("%d/%m/%Y"),
                "state": row.get_state_display().lower(),
            },
            organisation=row.assignee.organization.name,
            organization_id=row.assignee.organization_id,
            url=reverse("careplans:detail", args=[row.plan_id]) + "#attivita",
            is_health=False,
        )
