"""Access-log entries as an auditor reads them: the operator's name beside the username, the
roles held at the moment of the access, the person concerned as the people gate shows them to
the auditor, and what a role change did. A constant number of queries per batch of entries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.utils.translation import gettext as _

from integra.audit.models import AccessAction, AccessLog
from integra.audit.operators import MembershipStates, role_labels
from integra.audit.persons import person_labels
from integra.core.access import Actor
from integra.core.permissions import Role


@dataclass(frozen=True)
class AccessLogRow:
    entry: AccessLog
    operator_name: str
    roles: str
    person: str
    grant_change: str

    @property
    def operator(self) -> str:
        """ "Maria Bianchi (m.bianchi)", or the username alone when the name is unknown."""
        username = self.entry.username
        if self.operator_name and username:
            return f"{self.operator_name} ({username})"
        return self.operator_name or username


def _role_list(roles: Any) -> str:
    if not isinstance(roles, list):
        return "—"
    return ", ".join(str(Role(r).label) if r in Role.values else str(r) for r in roles) or "—"


def grant_change(entry: AccessLog) -> str:
    """What a role change did (roles before → after, validity, active flag), in words."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    after = detail.get("after")
    if entry.action != AccessAction.CHANGE or not isinstance(after, dict):
        return ""
    before = detail.get("before")
    if not isinstance(before, dict):
        before = {}
    parts = [
        _("Ruoli: %(before)s → %(after)s")
        % {"before": _role_list(before.get("roles")), "after": _role_list(after.get("roles"))}
    ]
    changed = set(detail.get("changed") or [])
    if changed & {"valid_from", "valid_until"}:
        parts.append(
            _("validità dal %(start)s al %(end)s")
            % {"start": after.get("valid_from") or "—", "end": after.get("valid_until") or "—"}
        )
    if "is_active" in changed:
        parts.append(_("attiva") if after.get("is_active") else _("disattivata"))
    return "; ".join(str(part) for part in parts)


def _operator_name(entry: AccessLog) -> str:
    # ``user`` comes with the entry (select_related); the account may be gone.
    user = entry.user if entry.user_id is not None else None
    return user.get_full_name().strip() if user is not None else ""


def access_log_rows(*, actor: Actor, entries: Iterable[AccessLog]) -> list[AccessLogRow]:
    """``entries`` (read with their ``user`` and ``organization``) described for ``actor``:
    three or four queries whatever their number (memberships' history, persons)."""
    entries = list(entries)
    states = MembershipStates({e.membership_id for e in entries if e.membership_id is not None})
    persons = person_labels(actor, (e.person_id for e in entries if e.person_id is not None))
    rows = []
    for entry in entries:
        roles, _unit = states.at(entry.membership_id, entry.at)
        rows.append(
            AccessLogRow(
                entry=entry,
                operator_name=_operator_name(entry),
                roles=", ".join(role_labels(roles)),
                person=persons.get(entry.person_id, "") if entry.person_id is not None else "",
                grant_change=grant_change(entry),
            )
        )
    return rows


def access_log_rows_batched(
    *, actor: Actor, entries: Iterable[AccessLog], batch: int = 1000
) -> Iterator[AccessLogRow]:
    """``access_log_rows`` over a long stream, one batch at a time (an export)."""
    stream = iter(entries)
    while chunk := list(islice(stream, batch)):
        yield from access_log_rows(actor=actor, entries=chunk)
