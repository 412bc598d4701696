"""Notices of the acting organisation (tag "avvisi")."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.notices import selectors, services
from integra.notices.models import NoticeKind

router = Router(tags=["avvisi"])


class NoticeOut(Schema):
    id: int
    kind: NoticeKind
    kind_label: str = Field(alias="get_kind_display")
    text: str
    url: str
    person_id: int | None
    from_organization_id: int | None
    created_at: datetime
    read_at: datetime | None


class NoticeQuery(Schema):
    unread: bool = Field(False, description="Solo gli avvisi da leggere.")


@router.get(
    "",
    response=list[NoticeOut],
    summary="Gli avvisi dell'ente",
    description="Quello che altri enti hanno fatto su schede registrate dall'ente (un consenso "
    "raccolto, un accesso di emergenza), dal più recente. Serve il permesso person.view o "
    "audit.view (403).",
)
@paginate(LimitOffset)
def notice_list_endpoint(request: HttpRequest, filters: Query[NoticeQuery]) -> object:
    return selectors.notice_list(actor=actor_of(request), unread_only=filters.unread)


@router.post(
    "/{notice_id}/read",
    response=NoticeOut,
    summary="Segna un avviso come letto",
    description="404 per un avviso di un altro ente, come per uno inesistente.",
)
def notice_read_endpoint(request: HttpRequest, notice_id: int) -> Any:
    return services.notice_mark_read(actor=actor_of(request), notice_id=notice_id)
