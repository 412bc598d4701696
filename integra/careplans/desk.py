"""The care plans' panels of the desk (integra/core/desk.py): the case manager's reviews due and
overdue with the overdue tasks of their cases, and every operator's own tasks.

Query budget, whatever the data: the case manager's panel 4 (three capped counts, the rows)
plus the person references (two); the tasks panel the same.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from integra.careplans.models import OPEN_STATES, CarePlan, CareTask, TaskState
from integra.careplans.selectors import REVIEW_DUE_DAYS
from integra.core.access import Actor, scoped
from integra.core.desk import ITEMS_PER_PANEL, DeskCount, DeskItem, DeskPanel, Tone, count_value
from integra.core.permissions import Permission
from integra.people.gate import person_refs


def caseload_url(review: str = "") -> str:
    base = reverse("careplans:caseload")
    return f"{base}?{urlencode({'revisione': review})}" if review else base


def tasks_url(overdue: bool = False) -> str:
    base = reverse("careplans:my_tasks")
    return f"{base}?{urlencode({'scadute': 'on'})}" if overdue else base


def my_open_plans(actor: Actor) -> object:
    assert actor.membership is not None
    return scoped(actor, CarePlan).filter(
        case_manager_id=actor.membership.pk, state__in=OPEN_STATES
    )


def case_manager_panel(actor: Actor, today: date) -> DeskPanel | None:
    """The cases the actor manages: reviews overdue and due within a month, the next ones."""
    if not actor.has(Permission.CASE_MANAGE) or actor.membership is None:
        return None
    plans = my_open_plans(actor)
    open_count = count_value(plans)  # type: ignore[arg-type]
    if not open_count:
        return None  # no case of the actor's: nothing to show (the links are in the menu)
    overdue = plans.filter(next_review_on__lt=today)  # type: ignore[attr-defined]
    due = plans.filter(  # type: ignore[attr-defined]
        next_review_on__gte=today, next_review_on__lte=today + timedelta(days=REVIEW_DUE_DAYS)
    )
    rows = list(
        plans.filter(next_review_on__lte=today + timedelta(days=REVIEW_DUE_DAYS))  # type: ignore[attr-defined]
        .order_by("next_review_on", "pk")
        .only("id", "person_id", "title", "next_review_on")[:ITEMS_PER_PANEL]
    )
    refs = person_refs(actor, [p.person_id for p in rows])
    return DeskPanel(
        title=_("I miei casi"),
        counts=[
            DeskCount(
                _("Verifiche scadute"), count_value(overdue), caseload_url("scadute"), Tone.BAD
            ),
            DeskCount(
                _("Verifiche entro 30 giorni"),
                count_value(due),
                caseload_url("in_scadenza"),
                Tone.WARN,
            ),
            DeskCount(_("Casi aperti"), open_count, caseload_url(), Tone.INFO),
        ],
        items=[
            DeskItem(
                label=p.title,
                url=reverse("careplans:detail", args=[p.pk]),
                due_on=p.next_review_on,
                person=refs.get(p.person_id),
                note=_("Verifica del progetto"),
                overdue=bool(p.next_review_on and p.next_review_on < today),
            )
            for p in rows
        ],
        items_title=_("Prossime verifiche"),
        empty=_("Nessuna verifica in scadenza nei tuoi casi."),
    )


def tasks_panel(actor: Actor, today: date) -> DeskPanel | None:
    """The actor's own open tasks (as this membership): overdue, due within a week, the next."""
    if actor.membership is None or not actor.has(Permission.PERSON_VIEW):
        return None
    mine = scoped(actor, CareTask).filter(
        assignee_id=actor.membership.pk, state=TaskState.OPEN, plan__state__in=OPEN_STATES
    )
    overdue = mine.filter(due_on__lt=today)
    rows = list(
        mine.select_related("plan")
        .only("id", "title", "due_on", "plan__id", "plan__person_id")
        .order_by("due_on", "pk")[:ITEMS_PER_PANEL]
    )
    if not rows:
        return None  # nobody asked anything of this operator: no panel
    refs = person_refs(actor, [t.plan.person_id for t in rows])
    return DeskPanel(
        title=_("Le mie attività"),
        counts=[
            DeskCount(_("Scadute"), count_value(overdue), tasks_url(overdue=True), Tone.BAD),
            DeskCount(_("Da fare"), count_value(mine), tasks_url(), Tone.INFO),
        ],
        items=[
            DeskItem(
                label=t.title,
                url=reverse("careplans:detail", args=[t.plan.pk]) + "#attivita",
                due_on=t.due_on,
                person=refs.get(t.plan.person_id),
                overdue=t.due_on < today,
            )
            for t in rows
        ],
        items_title=_("Prossime attività"),
    )
