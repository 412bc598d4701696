"""Pages of the UVM sessions (thin: parse, call uvm.py, render)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integra.assessments import uvm
from integra.assessments.uvm_forms import (
    MemberForm,
    OutcomeForm,
    RescheduleForm,
    SessionCreateForm,
    SessionFilterForm,
)
from integra.assessments.uvm_minutes import minutes_pdf
from integra.core.access import Actor, PermissionRequired
from integra.core.concurrency import StaleEdit, stale_context
from integra.core.health import may_record_health
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission

SECTION = "assessments"
PAGE_SIZE = 20


def _actor(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionRequired(Permission.UVM_PARTICIPATE)
    return actor


def _may_convene(actor: Actor) -> bool:
    """The same rule as ``uvm.session_create``: a UVM permission or the PUA's."""
    return any(actor.has(p) for p in (*uvm.MANAGE_PERMISSIONS, Permission.INTAKE_MANAGE))


def _render(request: HttpRequest, template: str, context: dict[str, Any], **kw: Any) -> Any:
    return render(request, template, {"section": SECTION, **context}, **kw)


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = SessionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {
        "state": data.get("stato", ""),
        "person_id": data.get("persona"),
        "mine": bool(data.get("mie")),
        "when": data.get("quando", ""),
    }
    qs = uvm.session_list(actor=actor, **filters)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    uvm.session_list_access_record(
        actor=actor, filters={k: v for k, v in filters.items() if v is not False}
    )
    awaiting = []
    if actor.has(Permission.UVM_PARTICIPATE) or actor.has(Permission.INTAKE_MANAGE):
        from integra.intake.selectors import requests_awaiting_uvm

        awaiting = list(requests_awaiting_uvm(actor=actor)[:20])
    return _render(
        request,
        "assessments/uvm_list.html",
        {"form": form, "page": page, "awaiting": awaiting, "can_convene": _may_convene(actor)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not _may_convene(actor):
        raise PermissionRequired(Permission.UVM_PARTICIPATE)  # the 403 page, logged
    from integra.intake.selectors import requests_sent_to_uvm

    requests = list(requests_sent_to_uvm(actor=actor))
    initial = {"richiesta": request.GET.get("richiesta"), "persona": request.GET.get("persona")}
    form = SessionCreateForm(request.POST or None, requests=requests, initial=initial)
    # A request that already has a session: the page warns before the operator fills it in.
    chosen = _int(form["richiesta"].value())
    earlier = uvm.earlier_sessions(chosen) if chosen in {r.pk for r in requests} else []
    warning = uvm.repeat_warning(earlier) if earlier else ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person_id = data.get("persona")
        if data.get("richiesta"):
            person_id = next(r.person_id for r in requests if r.pk == data["richiesta"])
        try:
            session = uvm.session_create(
                actor=actor,
                data={
                    "person_id": person_id,
                    "intake_request_id": data.get("richiesta"),
                    "scheduled_for": data["scheduled_for"],
                    "place": data.get("place", ""),
                    "repeat_reason": data.get("repeat_reason", ""),
                },
            )
        except PermissionRequired as exc:
            raise PermissionDenied(_("Il tuo ruolo non consente di convocare l'UVM.")) from exc
        except uvm.UvmError as exc:
            for field, msgs in exc.errors.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, _("Seduta UVM convocata."))
            return redirect("assessments:uvm_detail", session.pk)
    return _render(request, "assessments/uvm_form.html", {"form": form, "warning": warning})


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _outcome_initial(view: uvm.SessionView) -> dict[str, Any]:
    """The outcome form's values from the session (the needs as the actor may see them)."""
    session = view.session
    initial: dict[str, Any] = {
        "user_class": session.user_class.code if session.user_class else "",
        "care_intensity": session.care_intensity,
        "proposed_interventions": session.proposed_interventions,
        "proposed_case_manager_id": session.proposed_case_manager_id,
        "outcome_notes": session.outcome_notes,
    }
    initial.update({f"need_{k}": v for k, v in view.needs_summary.items()})
    return initial


def _reschedule_initial(session: Any) -> dict[str, Any]:
    return {"scheduled_for": timezone.localtime(session.scheduled_for)}


def _detail_context(
    actor: Actor,
    view: uvm.SessionView,
    *,
    member_form: MemberForm | None = None,
    outcome_form: OutcomeForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    consent: Any = None,
    errors: list[str] | None = None,
    stale: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from integra.intake.consent import sharing_consent

    session = view.session
    case_managers = list(uvm.case_manager_candidates(actor=actor, session=session))
    if outcome_form is None:
        outcome_form = OutcomeForm(
            initial=_outcome_initial(view),
            user_classes=uvm.user_classes(),
            case_managers=case_managers,
            health=may_record_health(actor),
        )
        outcome_form.versioned_open(session.row_version)
    if member_form is None and view.may_edit:
        member_form = MemberForm(initial={"present": True}, operators=_operators(actor))
    if reschedule_form is None:
        reschedule_form = RescheduleForm(initial=_reschedule_initial(session))
        reschedule_form.versioned_open(session.row_version)
    return {
        "reschedule_form": reschedule_form,
        "consent": consent or sharing_consent(actor=actor, person_id=session.person_id),
        "view": view,
        "session": session,
        "person": view.person,
        "member_form": member_form,
        "outcome_form": outcome_form,
        "needs": view.needs,
        "errors": errors or [],
        "measures": view.measures_runnable,
        **(stale or {}),
    }


def _detail(request: HttpRequest, pk: int, status: int = 200, **kw: Any) -> HttpResponse:
    actor = _actor(request)
    view = uvm.session_get(actor=actor, session_id=pk)
    return _render(
        request, "assessments/uvm_detail.html", _detail_context(actor, view, **kw), status=status
    )


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _errors(exc: uvm.UvmError) -> list[str]:
    return [m for msgs in exc.errors.values() for m in msgs]


def _call(request: HttpRequest, pk: int, fn: Any, success: str, **kwargs: Any) -> HttpResponse:
    try:
        fn(actor=_actor(request), session_id=pk, **kwargs)
    except PermissionRequired as exc:
        raise PermissionDenied(_("Il tuo ruolo non consente questa operazione.")) from exc
    except uvm.UvmError as exc:
        return _detail(request, pk, status=422, errors=_errors(exc))
    messages.success(request, success)
    return redirect("assessments:uvm_detail", pk)


def _operators(actor: Actor) -> list[Any]:
    return list(uvm.member_candidates(actor=actor))


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = MemberForm(request.POST, operators=_operators(_actor(request)))
    if not form.is_valid():
        return _detail(request, pk, status=422, member_form=form)
    data = dict(form.cleaned_data)
    data["organization_id"] = data["organization_id"].pk
    return _call(request, pk, uvm.member_add, _("Componente aggiunto."), data=data)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    return _call(request, pk, uvm.member_remove, _("Componente tolto."), member_id=member_pk)


@login_required
@require_POST
def member_presence(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    present = request.POST.get("present") == "1"
    return _call(
        request,
        pk,
        uvm.member_set_present,
        _("Presenza aggiornata."),
        member_id=member_pk,
        present=present,
    )


@login_required
@require_POST
def assessments_link(request: HttpRequest, pk: int) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("assessment") if v.isdigit()]
    if not ids:
        return _detail(request, pk, status=422, errors=[_("Scegli almeno una valutazione.")])
    return _call(
        request, pk, uvm.assessments_link, _("Strumenti collegati alla seduta."), assessment_ids=ids
    )


@login_required
@require_POST
def assessment_unlink(request: HttpRequest, pk: int, assessment_pk: int) -> HttpResponse:
    return _call(
        request,
        pk,
        uvm.assessment_unlink,
        _("Strumento scollegato dalla seduta."),
        assessment_id=assessment_pk,
    )


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view = uvm.session_get(actor=actor, session_id=pk)
    form = OutcomeForm(
        request.POST,
        user_classes=uvm.user_classes(),
        case_managers=list(uvm.case_manager_candidates(actor=actor, session=view.session)),
        health=may_record_health(actor),
    )
    if not form.is_valid():
        return _render(
            request,
            "assessments/uvm_detail.html",
            _detail_context(actor, view, outcome_form=form),
            status=422,
        )
    conclude = "conclude" in request.POST
    fn = uvm.session_conclude if conclude else uvm.outcome_update
    try:
        fn(
            actor=actor,
            session_id=pk,
            data=form.outcome_data(),
            expected_version=form.opened_version(),
        )
    except PermissionRequired as exc:
        raise PermissionDenied(_("Il tuo ruolo non consente questa operazione.")) from exc
    except StaleEdit as exc:
        view = uvm.session_get(actor=actor, session_id=pk)
        changes = form.versioned_stale(view.session.row_version, _outcome_initial(view))
        return _render(
            request,
            "assessments/uvm_detail.html",
            _detail_context(actor, view, outcome_form=form, stale=stale_context(exc, changes)),
            status=409,
        )
    except uvm.UvmError as exc:
        view = uvm.session_get(actor=actor, session_id=pk)
        for field, msgs in exc.errors.items():
            if field in form.fields:
                for msg in msgs:
                    form.add_error(field, msg)
        return _render(
            request,
            "assessments/uvm_detail.html",
            _detail_context(actor, view, outcome_form=form, errors=_errors(exc)),
            status=422,
        )
    messages.success(request, _("Seduta conclusa.") if conclude else _("Esito salvato."))
    return redirect("assessments:uvm_detail", pk)


@login_required
@require_POST
def eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    code = request.POST.get("measure", "")
    if code not in uvm.MEASURES:
        return _detail(request, pk, status=422, errors=[_("Misura sconosciuta.")])
    return _call(
        request,
        pk,
        uvm.eligibility_record,
        _("Verifica dei requisiti registrata."),
        measure_code=code,
    )


@login_required
@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, status=422, reschedule_form=form)
    try:
        return _call(
            request,
            pk,
            uvm.session_reschedule,
            _("Seduta spostata: la data precedente e il motivo restano nella cronologia."),
            scheduled_for=form.cleaned_data["scheduled_for"],
            reason=form.cleaned_data["reason"],
            expected_version=form.opened_version(),
        )
    except StaleEdit as exc:
        actor = _actor(request)
        view = uvm.session_get(actor=actor, session_id=pk)
        changes = form.versioned_stale(view.session.row_version, _reschedule_initial(view.session))
        return _render(
            request,
            "assessments/uvm_detail.html",
            _detail_context(actor, view, reschedule_form=form, stale=stale_context(exc, changes)),
            status=409,
        )


@login_required
@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the person's decision on sharing from the session's page (the people app's
    rules: a reader of the record, or the PUA with the person present)."""
    from integra.intake.consent import CONSENT_DONE, sharing_consent, sharing_consent_record
    from integra.people.errors import PersonError
    from integra.people.forms import add_service_errors

    actor = _actor(request)
    view = uvm.session_get(actor=actor, session_id=pk)
    person_id = view.session.person_id
    state = sharing_consent(
        actor=actor, person_id=person_id, data=request.POST, files=request.FILES
    )
    if state.form is None:
        raise PermissionRequired(Permission.PERSON_EDIT)
    if state.form.is_valid():
        try:
            sharing_consent_record(actor=actor, person_id=person_id, data=state.form.consent_data())
        except PersonError as exc:
            add_service_errors(state.form, exc.errors)
        else:
            messages.success(request, CONSENT_DONE)
            return redirect(f"{reverse('assessments:uvm_detail', args=[pk])}#consenso")
    return _render(
        request,
        "assessments/uvm_detail.html",
        _detail_context(actor, view, consent=state),
        status=422,
    )


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _call(
        request,
        pk,
        uvm.session_cancel,
        _("Seduta annullata."),
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_GET
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view = uvm.session_get(actor=actor, session_id=pk, purpose="verbale")
    response = HttpResponse(minutes_pdf(view), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="verbale-uvm-{pk}.pdf"'
    return response
