"""The auditor's pages: the access log, filtered and paginated, and its CSV export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from integra.audit.exports import access_log_csv_lines
from integra.audit.forms import AccessLogFilterForm
from integra.audit.models import AccessAction
from integra.audit.rows import access_log_rows, access_log_rows_batched
from integra.audit.selectors import AUDIT_TIME_ZONE, AccessLogFilters, access_log_list
from integra.audit.services import (
    ACCESS_LOG_SUBJECT,
    AUDIT_PURPOSE,
    access_log_export,
    access_log_record,
)
from integra.core.access import Actor, permission_denial_record
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission

PAGE_SIZE = 50


def _forbidden(request: HttpRequest, permission: Permission) -> HttpResponse:
    permission_denial_record(
        getattr(request, "actor", None),
        permission,
        method=request.method or "",
        path=request.path,
    )
    return render(request, "audit/forbidden.html", status=403)


def _actor_with(request: HttpRequest, permission: Permission) -> Actor | None:
    actor: Actor | None = getattr(request, "actor", None)
    return actor if actor is not None and actor.has(permission) else None


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("pagina", None)
    return query.urlencode()


def _invalid_filters(request: HttpRequest, form: AccessLogFilterForm) -> HttpResponse:
    """The page with the form's messages and no rows: nothing is read on bad filters."""
    context = {"form": form, "page": None, "query": _query_without_page(request)}
    return render(request, "audit/access_log.html", context, status=400)


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    actor = _actor_with(request, Permission.AUDIT_VIEW)
    if actor is None:
        return _forbidden(request, Permission.AUDIT_VIEW)
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return _invalid_filters(request, form)
    filters = form.filters()
    page = CappedPaginator(access_log_list(actor=actor, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    access_log_record(
        actor=actor,
        subject=ACCESS_LOG_SUBJECT,
        action=AccessAction.LIST,
        detail={
            "filters": filters.as_detail(),
            "page": page.number,
            "rows": len(page.object_list),
        },
        purpose=AUDIT_PURPOSE,
    )
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "rows": access_log_rows(actor=actor, entries=page.object_list),
        "query": _query_without_page(request),
        "can_export": actor.has(Permission.AUDIT_EXPORT),
        "time_zone": AUDIT_TIME_ZONE.key,
    }
    return render(request, "audit/access_log.html", context)


@login_required
@require_GET
def access_log_csv(request: HttpRequest) -> HttpResponseBase:
    actor = _actor_with(request, Permission.AUDIT_EXPORT)
    if actor is None or not actor.has(Permission.AUDIT_VIEW):
        missing = Permission.AUDIT_EXPORT if actor is None else Permission.AUDIT_VIEW
        return _forbidden(request, missing)
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return _invalid_filters(request, form)
    filters: AccessLogFilters = form.filters()
    entries = access_log_export(actor=actor, filters=filters)
    rows = access_log_rows_batched(actor=actor, entries=entries.iterator(chunk_size=1000))
    response = StreamingHttpResponse(
        access_log_csv_lines(rows),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().astimezone(AUDIT_TIME_ZONE).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="registro-accessi-{stamp}.csv"'
    return response
