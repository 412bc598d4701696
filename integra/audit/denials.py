"""Denied accesses in the access log, written after the response.

``core.access`` reports every denial to the hooks registered with ``on_denied`` (this app's
``AppConfig.ready()`` registers :func:`denial_record`): a lookup that names a row outside the
actor's scope or no row at all (one kind of entry for both, so the log does not tell a
forbidden id from a missing one either), and a missing permission that reached the operator as
a 403. ``AuditContextMiddleware`` adds any other 404 or 403 answered to a signed-in operator
(an address that names nothing, a page's own refusal).

Within a request the entries are held until the response has been handed to the server
(``AuditContextMiddleware`` attaches the write to the response's close), so a forbidden id
costs the client no more time than a missing one: the row is read and logged only then.
Outside a request (commands, tasks) a denial is written at once.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import translation

from integra.audit.models import AccessAction, AccessOutcome
from integra.audit.services import access_log_buffered, access_log_record, record_label_for
from integra.core.access import Denial

logger = logging.getLogger(__name__)

# Stored (and hashed) text, so fixed rather than a translation of the moment.
PERMISSION_SUBJECT_TYPE = "core.permission"
REQUEST_SUBJECT_TYPE = "core.request"
REFUSED_STATUSES = frozenset({403, 404})
_REQUEST_LABELS = {404: "Pagina o risorsa non trovata", 403: "Operazione non consentita"}
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_pending: contextvars.ContextVar[list[Denial] | None] = contextvars.ContextVar(
    "integra_denials_pending", default=None
)


@contextmanager
def denials_deferred() -> Iterator[list[Denial]]:
    """Hold the denials reported in the block; the caller writes them with
    :func:`denials_write` (after the response). If the block fails they are written at once."""
    pending: list[Denial] = []
    token = _pending.set(pending)
    try:
        yield pending
    except BaseException:
        _pending.reset(token)
        denials_write(list(pending))
        pending.clear()
        raise
    else:
        _pending.reset(token)


def denial_record(denial: Denial) -> None:
    """The hook registered with ``core.access.on_denied``."""
    pending = _pending.get()
    if pending is not None:
        pending.append(denial)
    else:
        denials_write([denial])


def denials_write(denials: list[Denial]) -> None:
    """Append the denials to the access log, in one write."""
    if not denials:
        return
    with access_log_buffered():
        for denial in denials:
            _record(denial)


def denials_write_after_response(denials: list[Denial]) -> None:
    """For a response's close: the client has its answer, so a failure can only be logged."""
    try:
        denials_write(denials)
    except Exception:
        logger.exception("denied accesses not recorded: %s", denials)


def _record(denial: Denial) -> None:
    if denial.permission is not None:
        with translation.override("it"):
            label = f"Permesso: {denial.permission.label}"
        access_log_record(
            actor=denial.actor,
            subject=(PERMISSION_SUBJECT_TYPE, str(denial.permission), label),
            action=AccessAction.VIEW if denial.method in _READ_METHODS else AccessAction.CHANGE,
            outcome=AccessOutcome.DENIED,
            detail={
                "permission": str(denial.permission),
                "method": denial.method,
                "path": denial.path,
            },
        )
        return
    if denial.model is None:
        if denial.status is not None:
            access_log_record(
                actor=denial.actor,
                subject=(REQUEST_SUBJECT_TYPE, str(denial.status), _REQUEST_LABELS[denial.status]),
                action=AccessAction.VIEW if denial.method in _READ_METHODS else AccessAction.CHANGE,
                outcome=AccessOutcome.DENIED,
                detail={"status": denial.status, "method": denial.method, "path": denial.path},
            )
        return
    # Read only now, after the response: the hidden row never costs the request any time.
    hidden = None
    if denial.object_id is not None:
        hidden = denial.model._base_manager.filter(pk=denial.object_id).first()
    named = denial.object_id
    if named is None:
        # A row that does not exist is named as the lookup named it, by its key only (never by
        # a code or a name, which the detail keeps as for every lookup).
        named = denial.lookup.get("pk", denial.lookup.get("id", ""))
    subject = hidden or (
        denial.model._meta.label_lower,
        str(named),
        record_label_for(denial.model, named) if named else "",
    )
    access_log_record(
        actor=denial.actor,
        subject=subject,
        action=AccessAction.VIEW,
        outcome=AccessOutcome.DENIED,
        detail={"lookup": denial.lookup},
    )
