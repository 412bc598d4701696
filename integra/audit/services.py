"""Writes of the audit app: recording accesses to protected data.

Within a request, entries are buffered and written by ``AuditContextMiddleware`` after the
view has finished, in a transaction of their own: a denied attempt is kept even when the
view's transaction rolls back, and a response is not delivered if its accesses could not be
recorded. Outside a request (commands, tasks) entries are written at once, in the caller's
transaction.

The log is written in ``AUDIT_LOG_SHARDS`` chains, each serialised by its own advisory lock: a
writer takes its organisation's chain, or the next free one when that is busy, so concurrent
requests do not queue behind one lock. Every so often the process that wrote checkpoints the
heads outside the database (``checkpoints.py``).

What is stored is what an auditor needs and no more: a record is named by its kind and id
("Persona n. 123"), never by its text (a person's name), and ``person_id`` says whom it
concerns.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone, translation
from django.utils.text import capfirst

from integra.audit.chain import CHAIN_VERSION, canonical_parts
from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.audit.purposes import AUDIT_PURPOSE
from integra.audit.selectors import AccessLogFilters, access_log_list
from integra.core.access import require
from integra.core.permissions import Permission
from integra.core.prepared import prepared_rows

if TYPE_CHECKING:
    from integra.core.access import Actor

# Stored (and hashed) values, so fixed text rather than a translation of the moment.
ACCESS_LOG_SUBJECT = ("audit.accesslog", "", "Registro degli accessi")

# The advisory locks of the chains are (this constant, chain number): any constant works.
_CHAIN_LOCK_CLASS = 7_318_246


# Functions that complete an entry before it is stored, registered by the apps that know more
# about a read than its caller (the people app marks the reads made under an emergency access).
# Each receives the actor and the entry (a dict of plain JSON values) and may change it.
EntryHook = Callable[["Actor | None", dict[str, Any]], None]
_ENTRY_HOOKS: list[EntryHook] = []


def access_log_entry_hook(hook: EntryHook) -> EntryHook:
    """Register ``hook`` (once) to complete every access-log entry before it is stored."""
    if hook not in _ENTRY_HOOKS:
        _ENTRY_HOOKS.append(hook)
    return hook


@dataclass
class _Buffer:
    entries: list[dict[str, Any]] = field(default_factory=list)
    # The purpose of the entries that do not name one (``purposes.purpose_for_path``).
    purpose: str = ""


_current_buffer: contextvars.ContextVar[_Buffer | None] = contextvars.ContextVar(
    "integra_access_log_buffer", default=None
)


@contextmanager
def access_log_buffered(*, purpose: str = "") -> Iterator[None]:
    """Collect access-log entries and write them when the block ends, whatever happened in it;
    ``purpose`` is that of the entries recorded without one (the request's part of the
    service)."""
    buffer = _Buffer(purpose=purpose)
    token = _current_buffer.set(buffer)
    try:
        yield
    finally:
        _current_buffer.reset(token)
        if buffer.entries:
            access_log_write(entries=buffer.entries)


def _text(value: object, max_length: int) -> str:
    # PostgreSQL text refuses NUL; the value must be stored exactly as it is hashed.
    return str(value).replace("\x00", "")[:max_length]


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _json(detail: dict[str, Any] | None) -> dict[str, Any]:
    """``detail`` reduced to plain JSON that reads back from ``jsonb`` unchanged.

    Dates, decimals, UUIDs and lazy strings become text; floats become text too, since ``jsonb``
    may print a float differently from Python (``1e+20`` comes back as ``100000000000000000000``).
    """
    if not detail:
        return {}
    decoded = json.loads(json.dumps(detail, cls=DjangoJSONEncoder), parse_float=str)
    return _without_nul(decoded)  # type: ignore[no-any-return]


def _without_nul(value: Any) -> Any:
    """PostgreSQL text and jsonb refuse NUL characters: drop them from keys and strings."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def record_label(subject: models.Model) -> str:
    """A record as the log names it: its kind and id, in Italian (stored text, not a translation
    of the moment), never its text — ``str()`` of a person is the person's name."""
    return record_label_for(type(subject), subject.pk)


def record_label_for(model: type[models.Model], pk: object) -> str:
    """The label of the row ``pk`` of ``model``, whether or not it exists."""
    with translation.override("it"):
        kind = capfirst(str(model._meta.verbose_name))
    return f"{kind} n. {pk}"


def _subject_fields(subject: models.Model | tuple[str, str, str]) -> dict[str, Any]:
    if isinstance(subject, models.Model):
        meta = subject._meta
        owner = getattr(subject, "audit_owner_organization_id", None)
        person = getattr(subject, "audit_person_id", None)
        return {
            "subject_type": meta.label_lower,
            "subject_id": _text(subject.pk, 64),
            "subject_label": _text(record_label(subject), 200),
            "subject_organization_id": owner() if callable(owner) else owner,
            "person_id": person() if callable(person) else person,
        }
    subject_type, subject_id, label = subject
    return {
        "subject_type": _text(subject_type, 80),
        "subject_id": _text(subject_id, 64),
        "subject_label": _text(label, 200),
        "subject_organization_id": None,
        "person_id": None,
    }


def access_log_record(
    *,
    actor: Actor | None,
    subject: models.Model | tuple[str, str, str],
    action: str = AccessAction.VIEW,
    outcome: str = AccessOutcome.ALLOWED,
    detail: dict[str, Any] | None = None,
    purpose: str = "",
) -> None:
    """Record one access (or a denied attempt) to a protected record or list.

    ``subject`` is the record read, or ``(type, id, label)`` for a list, a search or an export;
    ``detail`` says what was shown (fields, filters, number of rows); ``purpose`` why — when
    not given, that of the request's part of the service (``purposes.purpose_for_path``).
    A model may define ``audit_owner_organization_id`` and ``audit_person_id`` (attributes or
    methods) so that the organisation holding the record and the person concerned are logged.
    """
    user = actor.user if actor else None
    buffer = _current_buffer.get()
    if not purpose and buffer is not None:
        purpose = buffer.purpose
    entry: dict[str, Any] = {
        "at": timezone.now(),
        "user_id": user.pk if user is not None else None,
        "username": _text(user.get_username(), 150) if user is not None else "",
        "membership_id": actor.membership.pk if actor and actor.membership else None,
        "organization_id": actor.organization_id if actor else None,
        "client_ip": _ip(actor.client_ip) if actor else None,
        "request_id": _text(actor.request_id, 64) if actor else "",
        "action": str(AccessAction(action)),
        "outcome": str(AccessOutcome(outcome)),
        "detail": _json(detail),
        "purpose": _text(purpose, 200),
        **_subject_fields(subject),
    }
    for hook in _ENTRY_HOOKS:
        hook(actor, entry)
    if buffer is not None:
        buffer.entries.append(entry)
    else:
        access_log_write(entries=[entry])


# The columns the append function returns, as the model's attributes (one fixed statement).
_LOG_FIELDS = [field.attname for field in AccessLog._meta.concrete_fields]
_LOG_APPEND_SQL = "SELECT {} FROM audit_access_log_append(%s, %s, %s, %s::jsonb)".format(  # noqa: S608 - column names from the model
    ", ".join(str(field.column) for field in AccessLog._meta.concrete_fields)
)


def _log_row(row: tuple[Any, ...]) -> AccessLog:
    """An ``AccessLog`` from a row of the append function, converted as the ORM reads it."""
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(AccessLog._meta.concrete_fields, row, strict=True)
    ]
    return AccessLog.from_db(connection.alias, _LOG_FIELDS, values)


def access_log_write(
    *, entries: list[dict[str, Any]], shards: int | None = None
) -> list[AccessLog]:
    """Append entries, in order, to one chain of the log, in one statement.

    The chain is the one of the first entry's organisation (``organization_id`` modulo the
    number of chains, ``AUDIT_LOG_SHARDS`` unless ``shards`` is given) or the next free one:
    the SQL function ``audit_access_log_append`` (migration audit 0006) locks it, reads its head
    and inserts the rows, hashed over the canonical form that ``chain.canonical_parts`` gives.
    The lock is held until the transaction commits, so the next writer of that chain reads this
    one's head. Outside a transaction, a checkpoint follows when one is due.
    """
    count = max(1, shards if shards is not None else settings.AUDIT_LOG_SHARDS)
    preferred = (entries[0].get("organization_id") or 0) % count if entries else 0
    rows = []
    for entry in entries:
        values = {**entry, "version": CHAIN_VERSION}
        # The time with its microseconds, as hashed (DjangoJSONEncoder would cut them).
        rows.append({**values, "at": values["at"].isoformat(), "parts": canonical_parts(values)})
    payload = json.dumps(rows)
    written = [
        _log_row(row)
        for row in prepared_rows(_LOG_APPEND_SQL, [_CHAIN_LOCK_CLASS, count, preferred, payload])
    ]
    if not connection.in_atomic_block:
        # Only committed rows may be checkpointed: a caller's transaction could still roll back.
        from integra.audit.checkpoints import checkpoint_if_due

        checkpoint_if_due()
    return written


def access_log_export(*, actor: Actor, filters: AccessLogFilters) -> models.QuerySet[AccessLog]:
    """The accesses an auditor exports, with the export itself recorded in the log.

    The rows are those present when the export was asked for: the file is streamed after the
    request's own entries (this export among them) have been written, and must not grow with
    them.
    """
    require(actor, Permission.AUDIT_EXPORT)
    head = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rows = access_log_list(actor=actor, filters=filters).filter(id__lte=head)
    access_log_record(
        actor=actor,
        subject=ACCESS_LOG_SUBJECT,
        action=AccessAction.EXPORT,
        detail={"filters": filters.as_detail(), "format": "csv", "up_to_id": head},
        purpose=AUDIT_PURPOSE,
    )
    return rows
