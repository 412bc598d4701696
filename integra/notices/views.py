"""The organisation's notices page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integra.core.paging import CappedPaginator
from integra.notices import selectors, services

PAGE_SIZE = 25


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    actor = getattr(request, "actor", None)
    unread = request.GET.get("da_leggere") == "1"
    page = CappedPaginator(
        selectors.notice_list(actor=actor, unread_only=unread), PAGE_SIZE
    ).get_page(request.GET.get("pagina"))
    return render(
        request, "notices/notice_list.html", {"page": page, "unread": unread, "section": "notices"}
    )


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notice_mark_read(actor=getattr(request, "actor", None), notice_id=pk)  # type: ignore[arg-type]
    return redirect("notices:list")
