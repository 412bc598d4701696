from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from integra.core import selectors
from integra.core.access import PermissionRequired, require
from integra.core.desk import desk_panels
from integra.core.forms import MunicipalityFilterForm
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # any database failure means "not ok"
        database = "error"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database}, status=status
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The desk: for the actor's roles, what needs doing now (integra/core/desk.py)."""
    panels = desk_panels(actor=getattr(request, "actor", None), today=timezone.localdate())
    return render(
        request,
        "core/home.html",
        {"panels": panels, "has_work": any(p.has_work for p in panels)},
    )


def _territory_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, then ``Permission.TERRITORY_VIEW``; a missing permission is a 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require(getattr(request, "actor", None), Permission.TERRITORY_VIEW)
            return view(request, *args, **kwargs)
        except PermissionRequired as exc:
            raise PermissionDenied(
                _("Il tuo ruolo non consente di consultare il territorio.")
            ) from exc

    return wrapper


@_territory_page
def authority_list(request: HttpRequest) -> HttpResponse:
    authorities = selectors.health_authority_list(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "core/authority_list.html", {"authorities": authorities})


@_territory_page
def authority_detail(request: HttpRequest, pk: int) -> HttpResponse:
    territory = selectors.health_authority_territory(
        actor=request.actor,  # type: ignore[attr-defined]
        authority_id=pk,
    )
    return render(request, "core/authority_detail.html", {"territory": territory})


@_territory_page
def municipality_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    regions, ambiti, districts = selectors.territory_filter_choices(actor=actor)
    form = MunicipalityFilterForm(
        request.GET or None, regions=regions, ambiti=ambiti, districts=districts
    )
    # Invalid fields are reported by the form and ignored; the valid ones still filter.
    cleaned: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        cleaned = form.cleaned_data
    filters = selectors.MunicipalityFilters(
        q=cleaned.get("q") or "",
        region_id=cleaned["region"].pk if cleaned.get("region") else None,
        ambito_id=cleaned["ambito"].pk if cleaned.get("ambito") else None,
        district_id=cleaned["district"].pk if cleaned.get("district") else None,
    )
    paginator = CappedPaginator(selectors.municipality_list(actor=actor, filters=filters), 50)
    page = paginator.get_page(request.GET.get("pagina"))
    return render(
        request,
        "core/municipality_list.html",
        {"form": form, "page": page, "paginator": paginator},
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, asked by browsers on pages without our icon link (the Django admin):
    the SVG icon, rather than a 404 that the access log would count as a denied attempt."""
    return HttpResponsePermanentRedirect(static("integra/favicon.svg"))
