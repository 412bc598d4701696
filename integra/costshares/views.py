"""Pages of "chi paga": the LEA shares (read-only, with their sources) and the co-payment
regulations of Comuni and Ambiti (read by every catalogue reader, written by the planning
coordinator of the organisation or by a system administrator)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from integra.core.access import Actor, NotFound, PermissionRequired, require
from integra.core.permissions import Permission
from integra.costshares import selectors, services
from integra.costshares.access import may_write_for_organization, may_write_regulations
from integra.costshares.errors import CostShareError
from integra.costshares.forms import PeriodForm, RegulationForm
from integra.costshares.models import CopaymentRegulation
from integra.costshares.services import PeriodInput, RegulationInput

SECTION = "costshares"


def _actor(request: HttpRequest) -> Actor | None:
    return getattr(request, "actor", None)


def _reader(request: HttpRequest) -> Actor | None:
    actor = _actor(request)
    require(actor, Permission.CATALOGUE_VIEW)
    return actor


def _writer(request: HttpRequest) -> Actor:
    actor = _actor(request)
    if actor is None or not may_write_regulations(actor):
        raise PermissionRequired(Permission.PLANNING_COORDINATE)
    return actor


def _existing_periods(regulation: CopaymentRegulation) -> list[PeriodInput]:
    terms = selectors.regulation_terms(regulation)
    return [
        PeriodInput(
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            shape=p.shape,
            source=p.source,
            exemption_threshold=p.exemption_threshold,
            ceiling=p.ceiling,
            monthly_cap=p.monthly_cap,
            monthly_minimum=p.monthly_minimum,
            bands=tuple(services.BandInput(b.isee_up_to, b.person_percent) for b in p.bands),
        )
        for p in terms.periods
    ]


def _put_errors(
    exc: CostShareError,
    *,
    header: forms.Form | None,
    period: forms.Form | None,
    index: int | None,
) -> None:
    """The service's messages on the fields they name; the others on the form as a whole."""
    target = period or header
    assert target is not None
    for key, problems in exc.errors.items():
        for problem in problems:
            parts = key.split(".")
            if header is not None and key in header.fields:
                header.add_error(key, problem)
            elif (
                period is not None
                and len(parts) == 3
                and parts[0] == "periods"
                and index is not None
                and parts[1] == str(index)
                and parts[2] in period.fields
            ):
                period.add_error(parts[2], problem)
            else:
                target.add_error(None, problem)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    actor = _reader(request)
    today = timezone.localdate()
    regulations = list(selectors.regulation_list(actor=actor))
    return render(
        request,
        "costshares/overview.html",
        {
            "section": SECTION,
            "today": today,
            "settings": list(selectors.care_settings(actor=actor)),
            "regulations": regulations,
            "can_write": may_write_regulations(actor),
        },
    )


@login_required
def regulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _reader(request)
    regulation = selectors.regulation_detail(actor=actor, regulation_id=pk)
    can_write = actor is not None and may_write_for_organization(actor, regulation.organization_id)
    return render(
        request,
        "costshares/regulation_detail.html",
        {
            "section": SECTION,
            "regulation": regulation,
            "periods": list(regulation.periods.all()),
            "can_write": can_write,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def regulation_create(request: HttpRequest) -> HttpResponse:
    actor = _writer(request)
    header = RegulationForm(request.POST or None, prefix="r")
    period = PeriodForm(request.POST or None, prefix="p", initial={"shape": "linear"})
    if request.method == "POST" and header.is_valid() and period.is_valid():
        try:
            regulation = services.regulation_create(
                actor=actor,
                data=RegulationInput(
                    name=header.cleaned_data["name"],
                    act=header.cleaned_data["act"],
                    isee_kind=header.cleaned_data["isee_kind"],
                    periods=(period.period_input(),),
                ),
            )
        except CostShareError as exc:
            _put_errors(exc, header=header, period=period, index=0)
        else:
            messages.success(request, _("Regolamento salvato."))
            return redirect("costshares:regulation_detail", pk=regulation.pk)
    return render(
        request,
        "costshares/regulation_form.html",
        {
            "section": SECTION,
            "header": header,
            "period": period,
            "regulation": None,
            "organization": actor.organization,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def regulation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _writer(request)
    regulation = selectors.regulation_for_edit(actor=actor, regulation_id=pk)
    header = RegulationForm.for_regulation(regulation, request.POST or None)
    if request.method == "POST" and header.is_valid():
        try:
            services.regulation_update(
                actor=actor,
                regulation_id=regulation.pk,
                data=RegulationInput(
                    name=header.cleaned_data["name"],
                    act=header.cleaned_data["act"],
                    isee_kind=header.cleaned_data["isee_kind"],
                ),
            )
        except CostShareError as exc:
            _put_errors(exc, header=header, period=None, index=None)
        else:
            messages.success(request, _("Regolamento salvato."))
            return redirect("costshares:regulation_detail", pk=regulation.pk)
    return render(
        request,
        "costshares/regulation_form.html",
        {
            "section": SECTION,
            "header": header,
            "period": None,
            "regulation": regulation,
            "organization": regulation.organization,
        },
        status=400 if request.method == "POST" else 200,
    )


def _period_page(request: HttpRequest, pk: int, period_pk: int | None) -> HttpResponse:
    actor = _writer(request)
    regulation = selectors.regulation_for_edit(actor=actor, regulation_id=pk)
    rows = list(regulation.periods.all())
    if period_pk is None:
        index = len(rows)
        initial: dict[str, object] = {"shape": "linear"}
        current = None
    else:
        index = next((i for i, p in enumerate(rows) if p.pk == period_pk), -1)
        if index < 0:
            raise NotFound()
        current = rows[index]
        initial = PeriodForm.initial_of(current)
    form = PeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        periods = _existing_periods(regulation)
        if current is None:
            periods.append(form.period_input())
        else:
            periods[index] = form.period_input()
        try:
            services.regulation_update(
                actor=actor,
                regulation_id=regulation.pk,
                data=RegulationInput(periods=tuple(periods)),
            )
        except CostShareError as exc:
            _put_errors(exc, header=None, period=form, index=index)
        else:
            messages.success(request, _("Periodo di vigenza salvato."))
            return redirect("costshares:regulation_detail", pk=regulation.pk)
    return render(
        request,
        "costshares/period_form.html",
        {"section": SECTION, "form": form, "regulation": regulation, "period": current},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _period_page(request, pk, None)


@login_required
@require_http_methods(["GET", "POST"])
def period_edit(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    return _period_page(request, pk, period_pk)
