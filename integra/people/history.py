"""The "storico" of a person: what changed in the record and in the rows it owns, who changed it
and when, read from the pghistory events (one UNION query per page, whatever the rows).

Who comes from the pghistory context that ``integra.audit.middleware.AuditContextMiddleware``
attaches to every write (``username``) and why from the service (``reason``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pghistory.models import Events

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor
from integra.people.access import hidden_link
from integra.people.models import (
    CareRelationship,
    ConcealedKind,
    Consent,
    HouseholdMember,
    IseeDeclaration,
    Person,
    PersonDocument,
    PersonIdentifier,
)
from integra.people.selectors import person_with_content

# The event models of the person and of the rows that belong to it (``person_id``).
EVENT_MODELS = {
    "people.PersonEvent": Person,
    "people.PersonIdentifierEvent": PersonIdentifier,
    "people.CareRelationshipEvent": CareRelationship,
    "people.ConsentEvent": Consent,
    "people.HouseholdMemberEvent": HouseholdMember,
    "people.IseeDeclarationEvent": IseeDeclaration,
    "people.PersonDocumentEvent": PersonDocument,
}
# Technical columns, or ones that must never be shown (the private path of a scan).
HIDDEN_FIELDS = frozenset(
    {"id", "created_at", "updated_at", "file", "sha256", "search_keys", "search_name"}
)
# The ``reason`` the services put in the pghistory context.
REASONS = {
    "person_create": _("registrazione della persona"),
    "person_update": _("modifica dei dati"),
    "care_relationship_start": _("presa in carico"),
    "care_relationship_end": _("fine della presa in carico"),
    "consent_record": _("decisione sul consenso"),
    "person_document_create": _("documento"),
    "household_member_add": _("componente del nucleo aggiunto"),
    "household_member_update": _("componente del nucleo modificato"),
    "household_member_end": _("componente uscito dal nucleo"),
    "isee_record": _("dichiarazione ISEE"),
}
LABELS = {
    "insert": _("Inserimento"),
    "update": _("Modifica"),
    "delete": _("Cancellazione"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEntry:
    """One event: when, who, what (the kind of row and the fields changed)."""

    when: datetime
    who: str
    reason: str
    action: str
    is_insert: bool
    subject: str
    changes: list[FieldChange]


def person_history_events(*, actor: Actor | None, person_id: object) -> Any:
    """The events of a person whose content the actor may see, latest first (a lazy queryset to
    paginate; ``NotFound`` otherwise). The read is logged (``{"view": "storico"}``).

    The rows of another person's household that name this person as a member are not this
    person's history (they belong to the other record), so only ``person_id`` links count.
    """
    person = person_with_content(actor=actor, person_id=person_id)
    assert actor is not None  # person_with_content() refuses None
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "storico"}
    )
    # A document hidden at the person's request leaves no trace in the history either.
    hidden = [
        str(pk)
        for pk in PersonDocument.objects.filter(person=person)
        .filter(hidden_link(actor, ConcealedKind.DOCUMENT, "pk"))
        .values_list("pk", flat=True)
    ]
    events = (
        Events.objects.across(*EVENT_MODELS)
        .references(person)
        .filter(
            Q(pgh_model="people.PersonEvent", pgh_obj_id=str(person.pk))
            | Q(pgh_data__person_id=person.pk)
        )
    )
    if hidden:
        events = events.exclude(pgh_model="people.PersonDocumentEvent", pgh_obj_id__in=hidden)
    return events.order_by("-pgh_created_at", "-pgh_slug")


def _field_label(model: type[models.Model], name: str) -> str:
    attname = name[:-3] if name.endswith("_id") else name
    try:
        return str(getattr(model._meta.get_field(attname), "verbose_name", name))
    except FieldDoesNotExist:  # a column renamed since the event was written
        return name


def _value(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("sì") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def history_entries(events: list[Any]) -> list[HistoryEntry]:
    """The events of one page as entries to show (no query: everything is in the event row)."""
    entries = []
    model: type[models.Model]
    for event in events:
        model = EVENT_MODELS.get(event.pgh_model, Person)
        context = event.pgh_context or {}
        if event.pgh_diff:
            pairs = [(k, v[0], v[1]) for k, v in event.pgh_diff.items()]
        else:
            pairs = [(k, None, v) for k, v in (event.pgh_data or {}).items()]
            if event.pgh_label == "delete":
                pairs = [(k, v, None) for k, _none, v in pairs]
        changes = [
            FieldChange(label=_field_label(model, k), before=_value(a), after=_value(b))
            for k, a, b in pairs
            if k not in HIDDEN_FIELDS and not k.startswith("pgh_") and k != "person_id"
        ]
        entries.append(
            HistoryEntry(
                when=event.pgh_created_at,
                who=str(context.get("username") or _("sistema")),
                reason=str(REASONS.get(context.get("reason") or "", context.get("reason") or "")),
                action=str(LABELS.get(event.pgh_label, event.pgh_label)),
                is_insert=event.pgh_label == "insert",
                subject=str(model._meta.verbose_name).capitalize(),
                changes=changes,
            )
        )
    return entries
