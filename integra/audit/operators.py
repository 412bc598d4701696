"""Who an access-log entry's operator was: the roles and unit of a membership at the moment of
the access, read from the membership's history (pghistory events of ``accounts.Membership``).

The models are looked up by name: the audit app sits below the accounts app."""

from __future__ import annotations

import bisect
from datetime import datetime

from django.apps import apps

from integra.audit.selectors import AUDIT_TIME_ZONE
from integra.core.permissions import Role


class MembershipStates:
    """The roles and unit of each membership at a moment, from its pghistory events (one
    query); before the first event, the first state; without events, the current row (one
    more query)."""

    def __init__(self, membership_ids: set[int]) -> None:
        event_model = apps.get_model("accounts", "MembershipEvent")
        self.times: dict[int, list[datetime]] = {}
        self.states: dict[int, list[tuple[list[str], int | None]]] = {}
        if not membership_ids:
            return
        rows = (
            event_model.objects.filter(pgh_obj_id__in=membership_ids)
            .order_by("pgh_obj_id", "pgh_created_at", "pgh_id")
            .values_list("pgh_obj_id", "pgh_created_at", "roles", "unit_id")
        )
        for membership_id, at, roles, unit_id in rows:
            self.times.setdefault(membership_id, []).append(at)
            self.states.setdefault(membership_id, []).append((list(roles or []), unit_id))
        missing = membership_ids - set(self.states)
        if missing:
            membership_model = apps.get_model("accounts", "Membership")
            for membership_id, roles, unit_id in membership_model.objects.filter(
                pk__in=missing
            ).values_list("pk", "roles", "unit_id"):
                self.times[membership_id] = [datetime.min.replace(tzinfo=AUDIT_TIME_ZONE)]
                self.states[membership_id] = [(list(roles or []), unit_id)]

    def at(self, membership_id: int | None, moment: datetime) -> tuple[list[str], int | None]:
        if membership_id is None or membership_id not in self.states:
            return [], None
        index = bisect.bisect_right(self.times[membership_id], moment) - 1
        return self.states[membership_id][max(index, 0)]

    def unit_ids(self) -> set[int]:
        return {u for states in self.states.values() for _r, u in states if u is not None}


def role_labels(roles: list[str]) -> list[str]:
    """The roles in words (a code no longer known is shown as stored)."""
    labels = []
    for role in roles:
        try:
            labels.append(str(Role(role).label))
        except ValueError:
            labels.append(role)
    return labels
