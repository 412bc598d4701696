"""The "storico" of a person: what changed in the record and in the rows it owns, who changed it
and when, read from the pghistory events (one UNION query per page, whatever the rows).

Who comes from the pghistory context that ``integra.audit.middleware.AuditContextMiddleware``
attaches to every write (``username``) and why from the service (``reason``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from pghistory.models import Events

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor
from integra.core.iso_names import country_name, language_name
from integra.people.access import hidden_link
from integra.people.gate import person_refs
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
    "concealment_record": _("oscuramento chiesto dalla persona"),
    "emergency_access_open": _("accesso in emergenza"),
    "person_merge": _("unione di schede doppie"),
    "person_merge_undo": _("annullamento dell'unione di schede"),
    "seed_demo_persons": _("dati dimostrativi"),
    "seed_demo": _("dati dimostrativi"),
}
# Columns that hold codes of a standard, shown by name.
CODE_NAMES: dict[str, Callable[[str], str]] = {
    "citizenships": country_name,
    "languages": language_name,
    "issuing_country": country_name,
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


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    """The model field behind an event column (``registered_by_id`` is ``registered_by``);
    ``None`` for a column renamed or removed since the event was written."""
    try:
        field = model._meta.get_field(name[:-3] if name.endswith("_id") else name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _references(
    events: list[Any],
) -> dict[type[models.Model], set[Any]]:
    """The ids each foreign key column of the events points to, by related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for event in events:
        model = EVENT_MODELS.get(event.pgh_model, Person)
        for name, before, after in _pairs(event):
            field = _field(model, name)
            if field is not None and field.many_to_one and field.related_model is not None:
                related = cast(type[models.Model], field.related_model)
                wanted[related].update(v for v in (before, after) if v is not None)
    return wanted


def _resolve(
    actor: Actor | None, wanted: dict[type[models.Model], set[Any]]
) -> dict[tuple[type[models.Model], Any], str]:
    """What a page shows for each referenced row: one query per related model, whatever the
    rows; a person through the people gate (name, or the limited reference)."""
    names: dict[tuple[type[models.Model], Any], str] = {}
    for related, ids in wanted.items():
        if related is Person:
            found = {pk: str(ref) for pk, ref in person_refs(actor, ids).items()}
        else:
            # ``select_related()`` follows every non-null key, which ``__str__`` may read.
            rows = related._default_manager.select_related().in_bulk(list(ids))
            found = {pk: str(row) for pk, row in rows.items()}
        names.update({(related, pk): name for pk, name in found.items()})
    return names


def _shown(
    field: models.Field[Any, Any] | None,
    value: Any,
    names: dict[tuple[type[models.Model], Any], str],
) -> str:
    """A stored value in words: the label of a choice, the name of a referenced row, a date in
    Italian, a country or language by name."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("sì") if value else _("no"))
    if field is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if field.many_to_one and field.related_model is not None:
        related = cast(type[models.Model], field.related_model)
        return names.get((related, value), str(_("elemento non più presente")))
    if isinstance(value, list):
        base = getattr(field, "base_field", None)
        words = CODE_NAMES.get(field.name)
        return ", ".join(words(v) if words else _shown(base, v, names) for v in value)
    if field.name in CODE_NAMES:
        return CODE_NAMES[field.name](str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DecimalField):
        return number_format(Decimal(str(value)), field.decimal_places, force_grouping=True)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return date_format(timezone.localtime(moment), "j F Y, H:i") if moment else str(value)
    if isinstance(field, models.DateField):
        day = parse_date(str(value))
        return date_format(day, "j F Y") if day else str(value)
    return str(value)


def _pairs(event: Any) -> list[tuple[str, Any, Any]]:
    """(column, before, after) for each column the event is about."""
    if event.pgh_diff:
        pairs = [(k, v[0], v[1]) for k, v in event.pgh_diff.items()]
    else:
        pairs = [(k, None, v) for k, v in (event.pgh_data or {}).items()]
        if event.pgh_label == "delete":
            pairs = [(k, v, None) for k, _none, v in pairs]
    return [
        (k, a, b)
        for k, a, b in pairs
        if k not in HIDDEN_FIELDS and not k.startswith("pgh_") and k != "person_id"
    ]


def _reason(context: dict[str, Any]) -> str:
    """Why, in words: the service's reason, or that the change came with a merge of records."""
    reason = context.get("reason") or ""
    if reason in REASONS:
        return str(REASONS[reason])
    if context.get("person_merge"):
        return str(_("unione di schede doppie"))
    # A reason this page does not know yet is not shown as a code.
    return ""


def history_entries(events: list[Any], *, actor: Actor | None) -> list[HistoryEntry]:
    """The events of one page as entries to show: field names, choice labels, names of the
    referenced rows (one query per kind of row, whatever the events) and dates in Italian."""
    names = _resolve(actor, _references(events))
    entries = []
    model: type[models.Model]
    for event in events:
        model = EVENT_MODELS.get(event.pgh_model, Person)
        context = event.pgh_context or {}
        changes = []
        for name, before, after in _pairs(event):
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None else name
            changes.append(
                FieldChange(
                    label=label,
                    before=_shown(field, before, names),
                    after=_shown(field, after, names),
                )
            )
        entries.append(
            HistoryEntry(
                when=event.pgh_created_at,
                who=str(context.get("username") or _("sistema")),
                reason=_reason(context),
                action=str(LABELS.get(event.pgh_label, event.pgh_label)),
                is_insert=event.pgh_label == "insert",
                subject=capfirst(str(model._meta.verbose_name)),
                changes=changes,
            )
        )
    return entries
