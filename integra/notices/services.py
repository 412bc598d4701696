"""Writes of notices: sent by other apps' services in their transaction, marked read by the
receiving organisation's operators."""

from __future__ import annotations

from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone

from integra.core.access import Actor, PermissionRequired, get_visible
from integra.core.permissions import Permission
from integra.notices.access import may_read_notices
from integra.notices.models import Notice, NoticeKind


def notice_send(
    *,
    organization_id: int,
    kind: NoticeKind,
    text: str,
    url: str = "",
    person_id: int | None = None,
    from_organization_id: int | None = None,
) -> Notice:
    """Address a notice to an organisation. ``text`` must not name the person (only the id):
    whoever reads it opens the record through the people gate."""
    return Notice.objects.create(
        organization_id=organization_id,
        kind=kind,
        text=text,
        url=url,
        person_id=person_id,
        from_organization_id=from_organization_id,
    )


def notice_to_user(
    *,
    membership: Any,
    text: str,
    url: str = "",
    person_id: int | None = None,
    from_organization_id: int | None = None,
    kind: NoticeKind = NoticeKind.TASK_ASSIGNED,
) -> Notice:
    """Address a notice to one operator acting as ``membership`` (only they see it)."""
    return Notice.objects.create(
        organization_id=membership.organization_id,
        recipient=membership,
        kind=kind,
        text=text,
        url=url,
        person_id=person_id,
        from_organization_id=from_organization_id,
    )


def notice_mark_read(*, actor: Actor, notice_id: object) -> Notice:
    if not may_read_notices(actor):
        raise PermissionRequired(Permission.PERSON_VIEW)
    with transaction.atomic(), pghistory.context(reason="notice_mark_read"):
        notice = get_visible(actor, Notice.objects.select_for_update(of=("self",)), pk=notice_id)
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.read_by = actor.user
            notice.save(update_fields=["read_at", "read_by"])
    return notice
