"""Reads of the diary and of the person's timeline; every read is logged in the access log."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, get_visible, scoped
from integra.people.gate import attach_person_refs, gated, person_full
from integra.people.models import Person
from integra.people.selectors import person_for_tab
from integra.timeline.errors import TimelineError, TimelineErrorCode
from integra.timeline.models import CaseNote
from integra.timeline.sources import Cursor, TimelineFilters, TimelineItem, sources

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class TimelinePage:
    person: Person
    items: list[TimelineItem]
    next_cursor: str | None
    filters: TimelineFilters
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, label) of every source


def timeline_kinds() -> list[tuple[str, str]]:
    """Every kind of item the timeline can show, with its label."""
    return [(source.kind, str(source.label)) for source in sources()]


def _cursor(after: str | None) -> Cursor | None:
    if not after:
        return None
    cursor = Cursor.decode(after)
    if cursor is None:
        raise TimelineError(
            TimelineErrorCode.CURSOR_INVALID,
            {
                "after": [
                    _(
                        "Cursore non valido: usa il valore «next» della pagina precedente di "
                        "questa stessa cronologia."
                    )
                ]
            },
        )
    return cursor


def person_timeline(
    *,
    actor: Actor | None,
    person_id: object,
    filters: TimelineFilters | None = None,
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
    person: Person | None = None,
) -> TimelinePage:
    """One page of everything about the person that the actor may see, newest first.

    The person's content must be readable (``NotFound`` otherwise, also for the limited form);
    each registered source is asked once for ``limit + 1`` items after the cursor (one query
    each), the answers merged by (when, kind, id) descending. ``after`` is the ``next_cursor``
    of the previous page (a forged or foreign value raises ``TimelineError``). The read is
    logged against the person. ``person`` is the one the page already read through the gate.
    """
    if person is None:
        person = person_full(actor=actor, person_id=person_id)
    assert actor is not None  # person_full() refuses None
    chosen = filters or TimelineFilters()
    cursor = _cursor(after)
    limit = max(1, min(limit, MAX_LIMIT))
    streams = [
        list(source.fn(actor, person.pk, chosen, cursor, limit + 1))
        for source in sources()
        if not chosen.kinds or source.kind in chosen.kinds
    ]
    merged = heapq.merge(*streams, key=lambda item: item.key, reverse=True)
    items: list[TimelineItem] = []
    more = False
    for item in merged:
        if len(items) == limit:
            more = True
            break
        items.append(item)
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = Cursor(when=last.when, kind=last.kind, id=last.id).encode()
    detail: dict[str, Any] = {"view": "diario", "items": len(items)}
    if chosen.kinds:
        detail["kinds"] = sorted(chosen.kinds)
    if chosen.organization_id is not None:
        detail["organization_id"] = chosen.organization_id
    if cursor is not None:
        detail["page"] = "next"
    access_log_record(actor=actor, subject=person, action=AccessAction.VIEW, detail=detail)
    return TimelinePage(
        person=person,
        items=items,
        next_cursor=next_cursor,
        filters=chosen,
        kinds=timeline_kinds(),
    )


def timeline_person(*, actor: Actor | None, person_id: object) -> Person:
    """The person above the diary page: content readable, else ``NotFound`` (limited form
    included, like the other tabs of the person); not logged here (the timeline logs)."""
    return person_for_tab(actor=actor, person_id=person_id)


def _note_queryset() -> QuerySet[CaseNote]:
    return CaseNote.objects.select_related("organization", "author__user")


def person_notes(*, actor: Actor | None, person_id: object) -> QuerySet[CaseNote]:
    """The person's notes the actor may read, newest first, gated (the read is logged)."""
    person = person_full(actor=actor, person_id=person_id)
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "note_diario"}
    )
    qs = scoped(actor, _note_queryset()).filter(person=person).order_by("-occurred_at", "-pk")
    return gated(actor, qs)


def note_get(*, actor: Actor | None, note_id: object) -> CaseNote:
    """One note the actor may read, or ``NotFound`` like a missing one (the read is logged)."""
    note = get_visible(actor, _note_queryset(), pk=note_id)
    attach_person_refs(actor, [note])
    access_log_record(actor=actor, subject=note, action=AccessAction.VIEW)
    return note
