"""Health data: declared where it is stored, filtered in one place for every output.

Every place that can hold health data declares it here at import time — a model field, a kind
of evidence, an instrument's domain or item, a key of a stored result — with the one function
that removes it from what an actor without ``Permission.HEALTH_DATA_VIEW`` receives. Selectors
apply that function when they read (the source), so pages, API answers, PDFs and exports, which
all take what the selectors give, cannot show what was filtered out.

``health_declarations()`` lists them all: the canary test (tests/security/test_health_canary.py)
plants a value in each and hunts for it as every role without the permission; a new
health-bearing field that is not declared is caught by the test that lists the model fields
holding free text or numbers of clinical meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integra.core.access import Actor
from integra.core.permissions import Permission


@dataclass(frozen=True)
class HealthDeclaration:
    """One place holding health data: ``where`` (app.Model or a file of definitions), ``what``
    (a field, a key, a kind), and why it is health data."""

    where: str
    what: str
    why: str


_DECLARATIONS: dict[tuple[str, str], HealthDeclaration] = {}


def declare_health(where: str, what: str, why: str) -> None:
    """Declare that ``what`` of ``where`` holds health data (idempotent)."""
    _DECLARATIONS[(where, what)] = HealthDeclaration(where=where, what=what, why=why)


def health_declarations() -> tuple[HealthDeclaration, ...]:
    """Every declaration: those made by the apps, and the model fields listed in a model's
    ``HEALTH_FIELDS`` (filtered by ``core.access.visible_values``)."""
    from django.apps import apps

    fields = [
        HealthDeclaration(model._meta.label, name, "HEALTH_FIELDS")
        for model in apps.get_models()
        for name in getattr(model, "HEALTH_FIELDS", ())
    ]
    return (*_DECLARATIONS.values(), *fields)


def may_see_health(actor: Actor | None) -> bool:
    """Health data is shown only to holders of ``Permission.HEALTH_DATA_VIEW``."""
    return actor is not None and actor.has(Permission.HEALTH_DATA_VIEW)


def may_record_health(actor: Actor | None) -> bool:
    """Health data is written (and results derived from it run or overwritten) only by holders
    of ``Permission.HEALTH_DATA_EDIT``."""
    return actor is not None and actor.has(Permission.HEALTH_DATA_EDIT)


def without_keys(
    actor: Actor | None, values: Mapping[str, Any], keys: Iterable[str]
) -> dict[str, Any]:
    """``values`` without the health ``keys`` for an actor who may not see health data."""
    if may_see_health(actor):
        return dict(values)
    hidden = set(keys)
    return {key: value for key, value in values.items() if key not in hidden}
