"""Writes of the audit app: recording accesses to protected data.

Within a request, entries are buffered and written by ``AuditContextMiddleware`` after the
view has finished, in a transaction of their own: a denied attempt is kept even when the
view's transaction rolls back. Outside a request (commands, tasks) they are written at once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from integra.audit.chain import GENESIS_HASH, row_hash
from integra.audit.models import AccessAction, AccessLog, AccessOutcome

if TYPE_CHECKING:
    from integra.core.access import Actor

# Any constant works: it only serialises writers of the chain.
_CHAIN_LOCK_KEY = 7_318_246_001


@dataclass
class _Buffer:
    entries: list[dict[str, Any]] = field(default_factory=list)


_current_buffer: contextvars.ContextVar[_Buffer | None] = contextvars.ContextVar(
    "integra_access_log_buffer", default=None
)


@contextmanager
def access_log_buffered() -> Iterator[None]:
    """Collect access-log entries and write them when the block ends, whatever happened in it."""
    buffer = _Buffer()
    token = _current_buffer.set(buffer)
    try:
        yield
    finally:
        _current_buffer.reset(token)
        if buffer.entries:
            access_log_write(entries=buffer.entries)


def _subject_fields(subject: models.Model | tuple[str, str, str]) -> dict[str, Any]:
    if isinstance(subject, models.Model):
        meta = subject._meta
        owner = getattr(subject, "audit_owner_organization_id", None)
        person = getattr(subject, "audit_person_id", None)
        return {
            "subject_type": meta.label_lower,
            "subject_id": str(subject.pk),
            "subject_label": str(subject)[:200],
            "subject_organization_id": owner() if callable(owner) else owner,
            "person_id": person() if callable(person) else person,
        }
    subject_type, subject_id, label = subject
    return {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_label": label[:200],
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
    """Record one access (or a denied attempt) to a protected record or list."""
    entry: dict[str, Any] = {
        "at": timezone.now(),
        "user_id": actor.user.pk if actor else None,
        "username": actor.user.get_username() if actor else "",
        "membership_id": actor.membership.pk if actor and actor.membership else None,
        "organization_id": actor.organization_id if actor else None,
        "client_ip": actor.client_ip if actor else None,
        "request_id": actor.request_id if actor else "",
        "action": str(action),
        "outcome": str(outcome),
        "detail": detail or {},
        "purpose": purpose,
        **_subject_fields(subject),
    }
    buffer = _current_buffer.get()
    if buffer is not None:
        buffer.entries.append(entry)
    else:
        access_log_write(entries=[entry])


def access_log_write(*, entries: list[dict[str, Any]]) -> list[AccessLog]:
    """Append entries to the chain. Serialised by an advisory lock so the chain stays linear."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AccessLog.objects.order_by("-seq").values("seq", "hash").first()
        seq, prev_hash = (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)
        rows = []
        for entry in entries:
            seq += 1
            values = {**entry, "seq": seq, "prev_hash": prev_hash}
            values["hash"] = row_hash(values)
            prev_hash = values["hash"]
            rows.append(AccessLog(**values))
        return AccessLog.objects.bulk_create(rows)
