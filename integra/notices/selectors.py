"""Reads of notices: an organisation's, newest first, and the number not yet read."""

from __future__ import annotations

from django.db.models import QuerySet

from integra.core.access import Actor, PermissionRequired, scoped
from integra.core.permissions import Permission
from integra.notices.access import may_read_notices
from integra.notices.models import Notice

UNREAD_CAP = 99


def notice_list(*, actor: Actor | None, unread_only: bool = False) -> QuerySet[Notice]:
    if not may_read_notices(actor):
        raise PermissionRequired(Permission.PERSON_VIEW)
    qs = scoped(actor, Notice).select_related("from_organization", "read_by")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def notices_unread_count(*, actor: Actor | None) -> int:
    """At most ``UNREAD_CAP + 1`` (a badge shows "99+")."""
    if not may_read_notices(actor):
        return 0
    return scoped(actor, Notice).filter(read_at__isnull=True)[: UNREAD_CAP + 1].count()
