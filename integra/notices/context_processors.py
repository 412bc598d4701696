"""The header's link to the organisation's notices, with the number not yet read (counted only
when a page shows the link: one capped query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from integra.notices.access import may_read_notices
from integra.notices.selectors import UNREAD_CAP, notices_unread_count


def notices(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if not may_read_notices(actor):
        return {"notices_link": False}
    return {
        "notices_link": True,
        "notices_unread": SimpleLazyObject(lambda: notices_unread_count(actor=actor)),
        "notices_cap": UNREAD_CAP,
    }
