"""The history of writes (pghistory event tables) is append-only, like the access log.

Every concrete pghistory event model gets two triggers, registered here when the apps are
ready and so written into each app's migrations by ``makemigrations`` (a tracked model added
later gets them too, and ``makemigrations --check`` fails until its migration has them):

* ``append_only``: UPDATE and DELETE raise (the same trigger ``PGHISTORY_APPEND_ONLY`` would
  add);
* ``append_only_truncate``: TRUNCATE raises.

The application's role cannot bypass them (it owns no table and may only SELECT and INSERT
there, ``privileges.py``); the owner can, which the checkpoints catch (``checkpoints.py``).
"""

from __future__ import annotations

import pghistory.models
import pgtrigger
from django.apps import apps
from django.db import models

APPEND_ONLY = "append_only"
NO_TRUNCATE = "append_only_truncate"


def history_event_models() -> list[type[models.Model]]:
    """Every concrete pghistory event model (one table per tracked model), in a stable order."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
        and model._meta.managed
        and not model._meta.proxy
    ]
    return sorted(found, key=lambda model: model._meta.db_table)


def _append_only_triggers() -> list[pgtrigger.Trigger]:
    return [
        pgtrigger.Protect(name=APPEND_ONLY, operation=pgtrigger.Update | pgtrigger.Delete),
        pgtrigger.Trigger(
            name=NO_TRUNCATE,
            when=pgtrigger.Before,
            operation=pgtrigger.Truncate,
            level=pgtrigger.Statement,
            func="RAISE EXCEPTION 'The history is append-only'; RETURN NULL;",
        ),
    ]


def protect_history_tables() -> None:
    """Register the append-only triggers on every event model (called from ``ready()``)."""
    for model in history_event_models():
        present = {trigger.name for trigger in getattr(model._meta, "triggers", [])}
        for trigger in _append_only_triggers():
            if trigger.name not in present:
                trigger.register(model)  # type: ignore[arg-type]


def append_only_trigger_names(model: type[models.Model]) -> list[str]:
    """The PostgreSQL names of a model's append-only triggers (the access log's included)."""
    names = {APPEND_ONLY, NO_TRUNCATE, "accesslog_append_only", "accesslog_no_truncate"}
    return [
        trigger.get_pgid(model)
        for trigger in getattr(model._meta, "triggers", [])
        if trigger.name in names
    ]
