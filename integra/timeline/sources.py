"""The person's timeline: a registry of sources, merged newest first with keyset pagination.

Each app that holds something about a person registers a *source* — one kind of item
(``"intake_request"``, ``"assessment"``, ``"case_note"``, later the care plans' versions and
tasks) — with::

    register_source(kind, fn, label=_("…"))

where ``fn(actor, person_id, filters, before, limit)`` returns at most ``limit``
:class:`TimelineItem` of that kind for the person, newest first, strictly *after* the cursor
``before`` in the timeline's order (``None``: from the newest), built only from rows in the
actor's scope (``scoped(actor, Model)``: concealed rows are then invisible, health rows only
for ``HEALTH_DATA_VIEW``) and narrowed by ``filters.organization_id``. A source runs ONE query
per call: ``seek(qs, kind=…, before=…, limit=…)`` orders and cuts the queryset. The timeline
(``integra/timeline/selectors.py: person_timeline``) calls every source once per page, so a page
costs one query per source whatever the length of the history.

The order is total: (``when``, ``kind``, ``id``) descending; the cursor holds the last item's
triple, signed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise

from integra.core.access import Actor


@dataclass(frozen=True)
class TimelineItem:
    """One thing that happened to the person, as the actor may see it."""

    when: datetime
    kind: str
    id: int
    title: str
    summary: str
    organisation: str
    url: str
    is_health: bool
    organization_id: int | None = None
    # The item has a day, not a time (a consent's decision, an assessment's date).
    date_only: bool = False

    @property
    def key(self) -> tuple[datetime, str, int]:
        return (self.when, self.kind, self.id)


@dataclass(frozen=True)
class TimelineFilters:
    """What the reader asked for: kinds (empty: every kind) and one organisation (or any)."""

    kinds: frozenset[str] = frozenset()
    organization_id: int | None = None


@dataclass(frozen=True)
class Cursor:
    """The position after which the next page starts: the last item's (when, kind, id)."""

    when: datetime
    kind: str
    id: int

    def encode(self) -> str:
        return signing.dumps([self.when.isoformat(), self.kind, self.id], salt=_SALT, compress=True)

    @classmethod
    def decode(cls, value: str) -> Cursor | None:
        """The cursor, or ``None`` for anything this module did not sign."""
        try:
            when, kind, pk = signing.loads(value, salt=_SALT)
            moment = parse_datetime(when)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        if moment is None or not isinstance(kind, str) or not isinstance(pk, int):
            return None
        return cls(when=moment, kind=kind, id=pk)


_SALT = "integra.timeline.cursor"

SourceFn = Callable[[Actor, int, TimelineFilters, "Cursor | None", int], Iterable[TimelineItem]]


@dataclass(frozen=True)
class Source:
    kind: str
    fn: SourceFn
    label: str | Promise


_SOURCES: dict[str, Source] = {}


def register_source(kind: str, fn: SourceFn, *, label: str | Promise = "") -> SourceFn:
    """Add a source of timeline items of ``kind`` (once per kind; the app's ``ready()``)."""
    existing = _SOURCES.get(kind)
    if existing is not None and existing.fn is not fn:
        raise ValueError(f"Timeline source {kind!r} registered twice")
    _SOURCES[kind] = Source(kind=kind, fn=fn, label=label or kind)
    return fn


def sources() -> tuple[Source, ...]:
    """Every registered source, by kind."""
    return tuple(_SOURCES[kind] for kind in sorted(_SOURCES))


def after_cursor(before: Cursor | None, *, kind: str, when: str = "when") -> Q:
    """The rows of a source of ``kind`` strictly after ``before`` in the order (when, kind, id)
    descending (``when`` a field or an annotation of the queryset)."""
    if before is None:
        return Q()
    if kind < before.kind:
        return Q(**{f"{when}__lte": before.when})
    if kind > before.kind:
        return Q(**{f"{when}__lt": before.when})
    return Q(**{f"{when}__lt": before.when}) | Q(**{when: before.when, "pk__lt": before.id})


def seek(
    qs: QuerySet[Any], *, kind: str, before: Cursor | None, limit: int, when: str = "when"
) -> QuerySet[Any]:
    """``qs`` after the cursor, newest first, at most ``limit`` rows: one query when read."""
    return qs.filter(after_cursor(before, kind=kind, when=when)).order_by(f"-{when}", "-pk")[:limit]


__all__ = [
    "Cursor",
    "Source",
    "SourceFn",
    "TimelineFilters",
    "TimelineItem",
    "after_cursor",
    "register_source",
    "seek",
    "sources",
]
