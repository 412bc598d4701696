"""The template guard of the people gate (integra/people/gate.py), active in every test.

Every template rendered during the suite has its context inspected. It fails the test that
rendered it when it finds

* a ``Person`` handed to the page that did not pass the gate (``gate.stamp``) — directly,
  inside a list, a page, a dict or a dataclass;
* a row (in the same places) carrying a loaded ``Person`` — its ``person``, ``member``,
  ``survivor``… — whose content the acting operator may not read (``person_scope``): the page
  could print it with ``{{ row.person }}``.

A feature that hands a bare person to a page is caught by the first test that opens the page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.paginator import Page
from django.db import models
from django.db.models.query import QuerySet

from integra.core.access import scoped
from integra.people.gate import is_stamped
from integra.people.models import Person

MAX_DEPTH = 4


def _person_relations(instance: models.Model) -> Iterable[Person]:
    cache = getattr(getattr(instance, "_state", None), "fields_cache", {}) or {}
    for value in cache.values():
        if isinstance(value, Person):
            yield value


def bare_persons(
    value: Any, loaded: list[tuple[int, str]], depth: int = 0, seen: set[int] | None = None
) -> list[str]:
    """Descriptions of the unstamped persons handed to the page reachable from ``value``;
    persons loaded on rows are added to ``loaded`` (pk, description), to be checked against
    the actor's scope when the test ends (outside any query-count assertion)."""
    seen = seen if seen is not None else set()
    if depth > MAX_DEPTH or id(value) in seen or isinstance(value, str | bytes | int | float):
        return []
    seen.add(id(value))
    found: list[str] = []
    if isinstance(value, Person):
        if not is_stamped(value):
            found.append(f"Person {value.pk}")
        return found
    if isinstance(value, models.Model):
        for related in _person_relations(value):
            if not is_stamped(related):
                loaded.append((related.pk, f"{type(value).__name__} {value.pk} -> Person"))
        return found
    if isinstance(value, QuerySet):
        if value._result_cache is None:  # not evaluated here: rows are checked where shown
            return found
        value = value._result_cache
    if isinstance(value, Page):
        value = value.object_list
        if isinstance(value, QuerySet):
            value = value._result_cache or []
    if isinstance(value, Mapping):
        items: Iterable[Any] = value.values()
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = (getattr(value, f.name) for f in dataclasses.fields(value))
    else:
        return found
    for item in items:
        found += bare_persons(item, loaded, depth + 1, seen)
    return found


class TemplateGuard:
    def __init__(self) -> None:
        self.violations: list[str] = []
        self.loaded: list[tuple[Any, int, str]] = []

    def __call__(self, sender: Any, template: Any, context: Any, **kwargs: Any) -> None:
        flat: dict[str, Any] = {}
        for layer in getattr(context, "dicts", [context]):
            if isinstance(layer, Mapping):
                flat.update(layer)
        actor = getattr(flat.get("request"), "actor", None) or flat.get("actor")
        name = getattr(template, "name", template)
        for key, value in flat.items():
            if key in {"request", "user", "perms", "messages", "csrf_token", "view_obj"}:
                continue
            loaded: list[tuple[int, str]] = []
            for where in bare_persons(value, loaded):
                self.violations.append(f"{name}: {key}: {where}")
            self.loaded += [(actor, pk, f"{name}: {key}: {where} {pk}") for pk, where in loaded]

    def check_loaded(self) -> None:
        """Rows carrying a person the actor may not read (queries run here, after the test)."""
        for actor, pk, where in self.loaded:
            if actor is None or not scoped(actor, Person).filter(pk=pk).exists():
                self.violations.append(f"{where} (not readable by the actor)")
