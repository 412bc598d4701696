"""Pages of the directory of enti and of the service catalogue (thin: parse, call, render)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from integra.core.access import Actor, PermissionRequired, require
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission
from integra.organizations.forms import OrganizationSearchForm, ServiceForm, ServiceSearchForm
from integra.organizations.selectors import (
    can_manage_service,
    organization_detail,
    organization_list,
    service_detail,
    service_for_edit,
    service_search,
    services_of_organization,
)
from integra.organizations.services import service_create, service_update

PAGE_SIZE = 20


def _actor(request: HttpRequest) -> Actor | None:
    return getattr(request, "actor", None)


def _forbidden_as_403(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A missing permission is a 403 page (a missing or foreign object stays a 404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionRequired as exc:
            raise PermissionDenied(_("Il tuo ruolo non consente questa operazione.")) from exc

    return wrapper


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = ServiceSearchForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()
    services = service_search(actor=actor, **form.filters())
    page = CappedPaginator(services, PAGE_SIZE).get_page(request.GET.get("pagina"))
    context = {
        "form": form,
        "page": page,
        "can_create": actor is not None and actor.has(Permission.CATALOGUE_MANAGE),
    }
    template = (
        "organizations/_service_results.html"
        if getattr(request, "htmx", False)
        else "organizations/service_list.html"
    )
    return render(request, template, context)


@login_required
def service_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    service = service_detail(actor=actor, service_id=pk)
    return render(
        request,
        "organizations/service_detail.html",
        {"service": service, "can_edit": can_manage_service(actor=actor, service=service)},
    )


@login_required
@_forbidden_as_403
def service_create_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.CATALOGUE_MANAGE)
    assert actor is not None and actor.organization is not None
    form = ServiceForm(request.POST or None, actor=actor, provider=actor.organization)
    if request.method == "POST" and form.is_valid():
        try:
            service = service_create(actor=actor, fields=form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
            form.mark_invalid()
        else:
            messages.success(
                request, _("Servizio «%(name)s» aggiunto al catalogo.") % {"name": service.name}
            )
            return redirect("organizations:service_detail", pk=service.pk)
    return render(
        request,
        "organizations/service_form.html",
        {"form": form, "service": None, "provider": actor.organization},
    )


@login_required
@_forbidden_as_403
def service_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    service = service_for_edit(actor=actor, service_id=pk)
    form = ServiceForm(
        request.POST or None, actor=actor, provider=service.provider, service=service
    )
    if request.method == "POST" and form.is_valid():
        try:
            service = service_update(actor=actor, service_id=pk, fields=form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
            form.mark_invalid()
        else:
            messages.success(request, _("Servizio «%(name)s» aggiornato.") % {"name": service.name})
            return redirect("organizations:service_detail", pk=service.pk)
    return render(
        request,
        "organizations/service_form.html",
        {"form": form, "service": service, "provider": service.provider},
    )


@login_required
def organization_list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = OrganizationSearchForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()
    organizations = organization_list(actor=actor, **form.filters())
    page = CappedPaginator(organizations, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(request, "organizations/organization_list.html", {"form": form, "page": page})


@login_required
def organization_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    organization = organization_detail(actor=actor, organization_id=pk)
    services = services_of_organization(actor=actor, organization=organization)
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            "services": services,
            "can_create": actor is not None
            and actor.has(Permission.CATALOGUE_MANAGE)
            and actor.organization_id == organization.pk,
        },
    )
