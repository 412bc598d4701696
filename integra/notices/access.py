"""Who reads an organisation's notices: its operators who may consult persons (a notice is
about a person's record) or audit accesses (emergency accesses are for the auditor too)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.notices.models import Notice

READ_PERMISSIONS = (Permission.PERSON_VIEW, Permission.AUDIT_VIEW)


def may_read_notices(actor: Actor | None) -> bool:
    return actor is not None and any(actor.has(p) for p in READ_PERMISSIONS)


@register_scope(Notice)
def notice_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not may_read_notices(actor):
        return qs.none()
    mine = Q(recipient__isnull=True)
    if actor.membership is not None:
        mine |= Q(recipient_id=actor.membership.pk)
    return qs.filter(mine, organization_id=actor.organization_id)
