"""Pages of the PUA (thin: parse, call one service or selector, render)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integra.assessments.uvm_models import UvmState
from integra.core.access import Actor, NotFound, require
from integra.core.concurrency import StaleEdit, posted_version, stale_context
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission
from integra.intake import selectors, services, triage, workflow
from integra.intake.consent import (
    CONSENT_DONE,
    SharingConsent,
    SharingConsentForm,
    request_create_with_consent,
    sharing_consent,
    sharing_consent_record,
)
from integra.intake.errors import IntakeError
from integra.intake.forms import (
    AttachmentForm,
    InboxFilterForm,
    PersonSearchForm,
    RequestForm,
    TransitionForm,
    TriageForm,
)
from integra.intake.models import IntakeRequest, IntakeState, NeedArea
from integra.people.access import concealed_ids
from integra.people.errors import PersonError
from integra.people.forms import add_service_errors
from integra.people.models import ConcealedKind
from integra.people.selectors import person_get, person_search

PAGE_SIZE = 25
SECTION = "intake"
CONSENT_PREFIX = "consenso"
CONSENT_ASKED = "consenso-raccolto"


def _actor(request: HttpRequest) -> Actor | None:
    return getattr(request, "actor", None)


def _person_create_url(next_url: str) -> str | None:
    """The registry's "new person" page, returning here with ``persona=<id>`` (if deployed)."""
    try:
        base = reverse("people:create")
    except NoReverseMatch:
        return None
    return f"{base}?{urlencode({'next': next_url})}"


def _add_errors(form: Any, exc: IntakeError, fields: dict[str, str] | None = None) -> None:
    mapping = fields or {}
    for field, messages_ in exc.errors.items():
        name = mapping.get(field, field)
        target = name if name in form.fields else None
        for message in messages_:
            form.add_error(target, message)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.PERSON_VIEW)
    form = InboxFilterForm(request.GET or None)
    filters = form.filters()
    requests = selectors.request_inbox(actor=actor, filters=filters)
    paginator = CappedPaginator(requests, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("pagina"))
    selectors.request_list_access_record(actor=actor, filters=filters)
    context = {
        "section": SECTION,
        "form": form,
        "page": page,
        "counts": selectors.inbox_counts(actor=actor, box=filters.box),
        "can_create": actor is not None and actor.has(Permission.INTAKE_MANAGE),
        "due": filters.due,
        "cap": paginator.cap,
    }
    return render(request, "intake/inbox.html", context)


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.INTAKE_MANAGE)
    assert actor is not None
    puas = selectors.pua_points_managed(actor=actor)
    search = PersonSearchForm(request.GET or None)
    matches = []
    if search.is_valid() and search.cleaned_data["cerca"].strip():
        matches = person_search(actor=actor, query=search.cleaned_data["cerca"], limit=10)
    chosen_id: int | None = None
    chosen_label = ""
    person_param = request.POST.get("person_id") or request.GET.get("persona")
    if person_param:
        try:
            view = person_get(actor=actor, person_id=person_param, purpose="richiesta PUA")
        except NotFound:
            view = None
        if view is not None:
            chosen_id = view.person_id
            chosen_label = (
                str(view.person)
                if view.person is not None
                else _("Persona n. %(n)s (dati visibili solo con il consenso alla condivisione)")
                % {"n": view.person_id}
            )
    initial = {"person_id": chosen_id}
    form = RequestForm(request.POST or None, actor=actor, puas=puas, initial=initial)
    # The sharing consent, when the person decides at the desk: recorded with the request.
    consent_asked = request.POST.get(CONSENT_ASKED) == "1"
    consent_form = SharingConsentForm(
        request.POST if consent_asked else None, request.FILES or None, prefix=CONSENT_PREFIX
    )
    consent_ok = not consent_asked or consent_form.is_valid()
    if request.method == "POST" and form.is_valid() and consent_ok:
        try:
            created = request_create_with_consent(
                actor=actor,
                data=form.service_data(),
                consent=consent_form.consent_data() if consent_asked else None,
            )
        except IntakeError as exc:
            _add_errors(
                form, exc, {"pua_id": "pua", "requester_organization_id": "requester_organization"}
            )
        except PersonError as exc:
            add_service_errors(consent_form, exc.errors)
        else:
            done = _("Richiesta n. %(n)s registrata.") % {"n": created.pk}
            if consent_asked:
                done = f"{done} {_('Decisione sul consenso alla condivisione registrata.')}"
            messages.success(request, done)
            return redirect("intake:request_detail", pk=created.pk)
    context = {
        "section": SECTION,
        "form": form,
        "search": search,
        "matches": matches,
        "chosen_id": chosen_id,
        "chosen_label": chosen_label,
        "puas": puas,
        "consent_form": consent_form,
        "consent_asked": consent_asked,
        "consent_field": CONSENT_ASKED,
        "person_create_url": _person_create_url(reverse("intake:request_create")),
    }
    return render(request, "intake/request_form.html", context)


def _detail_context(
    actor: Actor,
    item: IntakeRequest,
    forms: dict[str, TransitionForm] | None = None,
    consent: SharingConsent | None = None,
) -> dict[str, Any]:
    manages = selectors.request_is_managed(actor=actor, request=item)
    suggestion_need = str(item.triage_suggestion.get("need", "")) if item.triage_suggestion else ""
    move_forms = []
    primary = workflow.next_move(item) if manages else None
    if manages:
        for move in workflow.allowed_moves(item.state):
            key = str(move.target)
            move_forms.append(
                (forms or {}).get(key)
                or TransitionForm(
                    actor=actor,
                    move=move,
                    initial_need=suggestion_need,
                    reason_required=workflow.reason_required(move, item),
                )
            )
    primary_form = next((f for f in move_forms if primary and f.move == primary), None)
    other_forms = [f for f in move_forms if f is not primary_form]
    sessions = item.uvm_sessions_shown  # type: ignore[attr-defined]
    return {
        "section": SECTION,
        "item": item,
        "manages": manages,
        "move_forms": move_forms,
        "primary_form": primary_form,
        "other_forms": other_forms,
        # A form with errors is shown open (the operator's attempt stays on screen).
        "others_open": any(f.is_bound for f in other_forms),
        "uvm_concluded": [s for s in sessions if s.state == UvmState.CONCLUDED],
        "can_convene": manages
        and item.state == IntakeState.SENT_TO_UVM
        and not any(s.state == UvmState.SCHEDULED for s in sessions),
        "consent": consent or sharing_consent(actor=actor, person_id=item.person_id),
        "attachment_form": AttachmentForm() if manages else None,
        "can_triage": manages and item.state in (IntakeState.RECEIVED, IntakeState.PRE_ASSESSMENT),
        "triage_labels": _triage_labels(item),
        "need_area_labels": [_need_label(a) for a in item.need_areas],
        "uvm_sessions": sessions,
        # Hidden at the person's request: only the recording organisation sees it (marked).
        "concealed": bool(concealed_ids(ConcealedKind.INTAKE_REQUEST, [item.pk])),
    }


def _need_label(code: str) -> str:
    try:
        return str(NeedArea(code).label)
    except ValueError:
        return code


def _triage_labels(item: IntakeRequest) -> list[tuple[str, str]]:
    """(item label, answer label) of the stored triage answers, for reading."""
    labels = []
    answers = item.triage_shown.answers  # type: ignore[attr-defined]
    for definition_item in triage.triage_items():
        code = answers.get(definition_item.code)
        if code is None:
            continue
        option = next((o for o in definition_item.options if o.code == code), None)
        labels.append((definition_item.label, option.label if option else code))
    return labels


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.request_detail(actor=actor, request_id=pk)
    assert actor is not None
    return render(request, "intake/request_detail.html", _detail_context(actor, item))


@login_required
@require_POST
def request_transition(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.INTAKE_MANAGE)
    assert actor is not None
    item = selectors.request_detail(actor=actor, request_id=pk)
    target = request.POST.get("to", "")
    prefix = target
    move = next((m for m in workflow.allowed_moves(item.state) if m.target == target), None)
    if move is None:
        # Stale page or a crafted post: the workflow gives the clear message.
        try:
            workflow.transition(actor, item, target, request.POST.get(f"{prefix}-reason", "x"))
        except IntakeError as exc:
            messages.error(request, exc.message)
        return redirect("intake:request_detail", pk=pk)
    form = TransitionForm(
        request.POST,
        actor=actor,
        move=move,
        prefix=prefix,
        reason_required=workflow.reason_required(move, item),
    )
    stale: dict[str, Any] = {}
    if form.is_valid():
        try:
            workflow.transition(
                actor,
                item,
                target,
                form.cleaned_data["reason"],
                expected_version=posted_version(request.POST),
                **form.service_data(),
            )
        except StaleEdit as exc:
            # The page shows the request as it is now (``item`` was read after the other
            # operator's save), the operator's input kept in the move's form.
            stale = stale_context(exc, None)
        except IntakeError as exc:
            _add_errors(form, exc, {"service_id": "service", "forwarded_to_id": "forwarded_to"})
        else:
            messages.success(
                request,
                _("Stato aggiornato: %(state)s.") % {"state": IntakeState(target).label},
            )
            return redirect("intake:request_detail", pk=pk)
    return render(
        request,
        "intake/request_detail.html",
        {**_detail_context(actor, item, {target: form}), **stale},
        status=409 if stale else 422,
    )


@login_required
@require_POST
def request_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the person's decision on sharing from the request's page (the people app's rules:
    the PUA with the person present, or a reader of the record)."""
    actor = _actor(request)
    item = selectors.request_detail(actor=actor, request_id=pk)
    assert actor is not None
    consent = sharing_consent(
        actor=actor, person_id=item.person_id, data=request.POST, files=request.FILES
    )
    if consent.form is None:
        require(actor, Permission.PERSON_EDIT)
        raise NotFound()
    if consent.form.is_valid():
        try:
            sharing_consent_record(
                actor=actor, person_id=item.person_id, data=consent.form.consent_data()
            )
        except PersonError as exc:
            add_service_errors(consent.form, exc.errors)
        else:
            messages.success(request, CONSENT_DONE)
            return redirect(f"{reverse('intake:request_detail', args=[pk])}#consenso")
    return render(
        request,
        "intake/request_detail.html",
        _detail_context(actor, item, consent=consent),
        status=422,
    )


@login_required
def request_triage(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.INTAKE_MANAGE)
    item = selectors.request_detail(actor=actor, request_id=pk)
    items = triage.triage_items()
    initial = dict(item.triage_answers or {})
    form = TriageForm(request.POST or None, items=items, initial=initial, version=item.row_version)
    stale: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            services.triage_record(
                actor=actor,  # type: ignore[arg-type]
                request_id=pk,
                answers=form.answers(),
                expected_version=form.opened_version(),
            )
        except StaleEdit as exc:
            # ``item`` was read after the other operator's save: it is the current record.
            changes = form.versioned_stale(item.row_version, dict(item.triage_answers or {}))
            stale = stale_context(exc, changes)
        except IntakeError as exc:
            for field, messages_ in exc.errors.items():
                name = field.removeprefix("answers.")
                for message in messages_:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Pre-valutazione registrata: vedi il percorso suggerito."))
            return redirect(f"{reverse('intake:request_detail', args=[pk])}#pre-valutazione")
    return render(
        request,
        "intake/triage_form.html",
        {"section": SECTION, "item": item, "form": form, "available": bool(items), **stale},
        status=409 if stale else 200,
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.INTAKE_MANAGE)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=actor,  # type: ignore[arg-type]
                request_id=pk,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except IntakeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Allegato caricato."))
    else:
        messages.error(request, _("Scegli un file da allegare."))
    return redirect(f"{reverse('intake:request_detail', args=[pk])}#allegati")


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachment = selectors.attachment_for_download(
        actor=_actor(request), request_id=pk, attachment_id=attachment_pk
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
