"""The desk (Scrivania): the operator's worklist, one panel per thing to do (issue 12).

The home page shows, for the acting operator, what needs doing now: a panel per kind of work
(the PUA's deadlines, the UVM sessions, …), each with capped counts that link to the filtered
list they count and the next few rows. The core floor cannot import the apps above it, so the
apps *register* their panels here and the desk only calls them.

HOW AN APP ADDS A PANEL (e.g. ``integra/careplans`` for the case manager: reviews due and
overdue, overdue tasks):

1. write ``integra/careplans/desk.py`` with one function per panel::

       from integra.core.desk import DeskCount, DeskItem, DeskPanel, Tone, count_value

       def case_manager_panel(actor: Actor, today: date) -> DeskPanel | None:
           if not actor.has(Permission.CASE_MANAGE):
               return None  # the panel does not apply to this actor
           plans = scoped(actor, CarePlan).filter(...)  # rows only through the scopes
           overdue = plans.filter(review_due__lt=today)
           return DeskPanel(
               title=_("Piani da rivedere"),
               counts=[
                   DeskCount(
                       label=_("Revisioni scadute"),
                       value=count_value(overdue),  # capped like every list
                       url=reverse("careplans:list") + "?revisione=scadute",
                       tone=Tone.BAD,
                   ),
               ],
               items=[  # at most ITEMS_PER_PANEL, persons through the people gate
                   DeskItem(label=..., url=plan.get_absolute_url(), due_on=plan.review_due,
                            person=plan.person_ref)
                   for plan in gated(actor, overdue.order_by("review_due"))[:ITEMS_PER_PANEL]
               ],
           )

   Every count's ``url`` is the list it counts: a test proves that the list shows as many rows
   as the count says. Rows come from ``scoped(actor, Model)``; a row naming a person passes
   through ``gated`` / ``attach_person_refs`` and the item carries its ``person_ref`` (the
   limited form when the actor may not read the person). The number of queries must not depend
   on the data (capped counts, one query for the rows, two for the person references).
2. register it in the app's ``AppConfig.ready``::

       from integra.core.desk import register_panel
       from integra.careplans import desk
       register_panel("careplans.case_manager", desk.case_manager_panel, order=30)

   ``key`` is unique (registering it again replaces the function: reloads in tests);
   ``order`` places the panel (10 the PUA, 20 the UVM, 30 the case manager, 40 the requests
   received by a service).
3. test the panel in ``tests/<app>/test_desk.py`` and add the role to the desk's query budget
   test (``tests/core/test_desk.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet

from integra.core.access import Actor
from integra.core.paging import COUNT_CAP, capped_count

# The next rows a panel shows (its counts lead to the rest).
ITEMS_PER_PANEL = 5


class Tone:
    """How a count is shown (the CSS class ``badge-status-<tone>``): a neutral number, a warning
    (due soon), a fault (overdue), a step ready to take."""

    INFO = "neutral"
    WARN = "warn"
    BAD = "bad"
    OK = "ok"


def count_value(queryset: QuerySet[Any]) -> int:
    """The count of a desk panel: up to ``COUNT_CAP + 1`` (then the desk says "più di")."""
    return capped_count(queryset)


@dataclass(frozen=True)
class DeskCount:
    label: str
    value: int
    url: str
    tone: str = Tone.INFO

    @property
    def capped(self) -> bool:
        return self.value > COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP


@dataclass(frozen=True)
class DeskItem:
    """One row to handle: what it is, where to open it, its deadline and (through the people
    gate) whom it is about."""

    label: str
    url: str
    due_on: date | None = None
    when: Any = None  # a date or datetime to show instead of a deadline (a session's time)
    person: Any = None  # a people.gate.PersonRef, never a Person
    note: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class DeskPanel:
    title: str
    counts: list[DeskCount] = field(default_factory=list)
    items: list[DeskItem] = field(default_factory=list)
    items_title: str = ""
    empty: str = ""  # said when the panel applies but there is nothing to do
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)

    @property
    def has_work(self) -> bool:
        return bool(self.items) or any(c.value for c in self.counts)


PanelFunction = Callable[[Actor, date], DeskPanel | None]


@dataclass(frozen=True)
class _Registered:
    key: str
    function: PanelFunction
    order: int


_PANELS: dict[str, _Registered] = {}


def register_panel(key: str, function: PanelFunction, *, order: int = 100) -> None:
    """Add (or replace) a desk panel; ``function(actor, today)`` returns it or ``None`` when it
    does not apply to the actor."""
    _PANELS[key] = _Registered(key=key, function=function, order=order)


def registered_panels() -> list[str]:
    return [p.key for p in sorted(_PANELS.values(), key=lambda p: (p.order, p.key))]


def desk_panels(*, actor: Actor | None, today: date) -> list[DeskPanel]:
    """The panels that apply to the actor, in their order (none without a membership)."""
    if actor is None or actor.membership is None:
        return []
    panels = []
    for registered in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        panel = registered.function(actor, today)
        if panel is not None:
            panels.append(panel)
    return panels
