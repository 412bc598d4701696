"""Pages of the Garante's dossier rules (thin: parse, call one service or selector, render):
the record's "oscuramenti" tab, the emergency access, the report of accesses for the person,
and the auditor's lists of emergency accesses and anomalous accesses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, require
from integra.core.permissions import Permission
from integra.people import gate
from integra.people.access_report import (
    access_report,
    access_report_file_name,
    access_report_pdf,
    access_report_person,
)
from integra.people.anomalies import (
    BASELINE_DAYS,
    DENIED_MIN_ATTEMPTS,
    SPIKE_FACTOR,
    SPIKE_MIN_READS,
    audit_anomalies,
)
from integra.people.concealment import concealment_overview, concealment_record
from integra.people.dossier_errors import DossierError, DossierErrorCode
from integra.people.dossier_forms import (
    ConcealmentForm,
    DayForm,
    EmergencyAccessForm,
    EmergencyFilterForm,
    PeriodForm,
)
from integra.people.emergency import (
    EmergencyFilters,
    emergency_access_list,
    emergency_access_open,
    emergency_list_access_record,
    max_hours,
)
from integra.people.forms import add_service_errors
from integra.people.identifiers import normalise
from integra.people.models import ConcealmentAction, Person
from integra.people.selectors import PersonView
from integra.people.views import _merged_redirect, _tab_context

SECTION = "people"
EMERGENCY_PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    return actor


def _render(request: HttpRequest, template: str, context: dict[str, Any], **kw: Any) -> Any:
    return render(request, template, {"section": SECTION, **context}, **kw)


# --- oscuramento -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def concealments(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's tab: what the person asked to hide, and the form to record a request."""
    actor = _actor(request)
    if request.method == "POST":
        require(actor, Permission.PERSON_EDIT)
    overview = concealment_overview(actor=actor, person_id=pk)
    moved = _merged_redirect(request, overview.person)
    if moved is not None:
        return moved
    form = ConcealmentForm(
        request.POST or None, items=overview.items, elsewhere=overview.revocable_elsewhere
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = concealment_record(actor=actor, person_id=pk, **form.service_args())
            except DossierError as exc:
                add_service_errors(form, exc.errors)
            else:
                messages.success(
                    request,
                    _("Oscuramento registrato: solo l'ente che ha prodotto l'elemento lo vede.")
                    if decision.action == ConcealmentAction.CONCEAL
                    else _("Oscuramento revocato: l'elemento è di nuovo visibile."),
                )
                return redirect("people:concealments", pk=pk)
        status = 400
    person = overview.person  # read through the gate (person_full)
    context = _tab_context(PersonView(person_id=person.pk, person=person), "oscuramenti", actor)
    context.update(overview=overview, form=form)
    return _render(request, "people/tab_concealments.html", context, status=status)


# --- emergency access --------------------------------------------------------------------------


def _emergency_page(
    request: HttpRequest, form: EmergencyAccessForm, person_id: int | None, status: int = 200
) -> HttpResponse:
    return _render(
        request,
        "people/emergency_access.html",
        {"form": form, "person_id": person_id, "max_hours": max_hours()},
        status=status,
    )


def _open(
    request: HttpRequest, actor: Actor, form: EmergencyAccessForm, person_id: int | None
) -> HttpResponse:
    if not form.is_valid():
        return _emergency_page(request, form, person_id, status=400)
    try:
        access = emergency_access_open(actor=actor, person_id=person_id, **form.service_args())
    except DossierError as exc:
        if exc.code == DossierErrorCode.EMERGENCY_NOT_NEEDED and person_id is not None:
            return redirect("people:detail", pk=person_id)
        add_service_errors(form, exc.errors)
        return _emergency_page(request, form, person_id, status=422)
    messages.warning(
        request,
        _(
            "Accesso di emergenza attivo fino alle %(time)s: ogni consultazione è registrata e "
            "segnalata. Non puoi modificare la scheda."
        )
        % {"time": timezone.localtime(access.expires_at).strftime("%H:%M")},
    )
    return redirect("people:detail", pk=access.person_id)


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest, pk: int) -> HttpResponse:
    """Open in an emergency the record of a person known to the actor (the limited view)."""
    actor = _actor(request)
    require(actor, Permission.PERSON_VIEW)
    if request.method == "GET":
        if gate.person_known(actor=actor, person_id=pk) is None:
            get_visible(actor, Person, pk=pk)  # the same NotFound (and denial record) as elsewhere
            raise NotFound()
        return _emergency_page(request, EmergencyAccessForm(), pk)
    return _open(request, actor, EmergencyAccessForm(request.POST), pk)


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access_by_code(request: HttpRequest) -> HttpResponse:
    """Open in an emergency the record of a person found by an exact code (from the search)."""
    actor = _actor(request)
    require(actor, Permission.PERSON_VIEW)
    if request.method == "GET":
        code = normalise(request.GET.get("codice", ""))[:32]
        return _emergency_page(
            request, EmergencyAccessForm(initial={"code": code}, by_code=True), None
        )
    return _open(request, actor, EmergencyAccessForm(request.POST, by_code=True), None)


# --- the report of accesses, for the person ---------------------------------------------------


@login_required
@require_GET
def access_report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The period to print (nothing of the log is read here: the PDF is)."""
    actor = _actor(request)
    _person, ref = access_report_person(actor, pk)
    form = PeriodForm(request.GET)
    return _render(
        request,
        "people/access_report.html",
        {"form": form, "ref": ref, "query": request.GET.urlencode() if form.is_valid() else ""},
        status=200 if form.is_valid() else 400,
    )


@login_required
@require_GET
def access_report_download(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        access_report_person(actor, pk)  # a person out of reach is a 404 before any message
        return _render(
            request,
            "people/access_report.html",
            {"form": form, "ref": gate.person_ref(actor, pk), "query": ""},
            status=400,
        )
    report = access_report(
        actor=actor,
        person_id=pk,
        date_from=form.cleaned_data["dal"],
        date_to=form.cleaned_data["al"],
    )
    response = HttpResponse(access_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{access_report_file_name(report)}"'
    return response


# --- the auditor's lists -----------------------------------------------------------------------


def _auditor(request: HttpRequest) -> Actor:
    actor = _actor(request)
    require(actor, Permission.AUDIT_VIEW)
    return actor


@login_required
@require_GET
def emergency_access_list_page(request: HttpRequest) -> HttpResponse:
    actor = _auditor(request)
    form = EmergencyFilterForm(request.GET)
    if not form.is_valid():
        return _render(
            request, "people/emergency_list.html", {"form": form, "page": None}, status=400
        )
    d = form.cleaned_data
    filters = EmergencyFilters(
        date_from=d.get("dal"),
        date_to=d.get("al"),
        state=d.get("stato") or "",
        side=d.get("lato") or "",
    )
    page = Paginator(
        emergency_access_list(actor=actor, filters=filters), EMERGENCY_PAGE_SIZE
    ).get_page(request.GET.get("pagina"))
    emergency_list_access_record(actor=actor, filters=filters, rows=len(page.object_list))
    query = request.GET.copy()
    query.pop("pagina", None)
    return _render(
        request,
        "people/emergency_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()},
    )


@login_required
@require_GET
def anomalies_page(request: HttpRequest) -> HttpResponse:
    actor = _auditor(request)
    form = DayForm(request.GET)
    if not form.is_valid():
        return _render(request, "people/anomalies.html", {"form": form, "report": None}, status=400)
    report = audit_anomalies(actor=actor, day=form.day)
    refs = gate.person_refs(actor, [r.person_id for r in report.out_of_charge])
    return _render(
        request,
        "people/anomalies.html",
        {
            "form": form,
            "report": report,
            "rows": [(r, refs.get(r.person_id)) for r in report.out_of_charge],
            "access_log_url": reverse("audit:access_log"),
            "spike_factor": SPIKE_FACTOR,
            "spike_min": SPIKE_MIN_READS,
            "baseline_days": BASELINE_DAYS,
            "denied_min": DENIED_MIN_ATTEMPTS,
        },
    )
