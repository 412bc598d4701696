"""Pages of the person registry (thin: parse, call one service or selector, render).

Every read goes through people.selectors (which check the access policy and write the access
log); every write through people.services. A person the operator may not see is a 404, like a
missing one; a person seen only in its limited form (no sharing consent) shows only that it is
known and whom to contact.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integra.core.access import Actor, NotFound, PermissionRequired, require
from integra.core.concurrency import StaleEdit, stale_context
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission
from integra.people import selectors
from integra.people.emergency import emergency_access_active
from integra.people.errors import PersonError, PersonErrorCode
from integra.people.files import private_file_response
from integra.people.forms import (
    ConsentForm,
    DocumentForm,
    HouseholdMemberForm,
    IseeForm,
    PersonEditForm,
    PersonForm,
    PersonSearchForm,
    add_service_errors,
    reason_labels,
)
from integra.people.history import history_entries, person_history_events
from integra.people.identifiers import normalise
from integra.people.matching import PossibleDuplicate, looks_like_code
from integra.people.models import CaregiverNeed, ConsentPurpose, PersonStatus
from integra.people.places import resolve_birth_place
from integra.people.services import (
    consent_record,
    household_member_add,
    isee_record,
    person_create,
    person_document_create,
    person_update,
)

SECTION = "people"
HISTORY_PAGE_SIZE = 25
PERMITS_PAGE_SIZE = 50
TABS = (
    ("people:detail", "anagrafica"),
    ("people:documents", "documenti"),
    ("people:household", "nucleo"),
    ("people:isee", "isee"),
    ("people:consents", "consensi"),
    ("people:concealments", "oscuramenti"),
    ("people:history", "storico"),
)


def _tab_labels() -> dict[str, str]:
    return {
        "anagrafica": _("Anagrafica"),
        "documenti": _("Documenti"),
        "nucleo": _("Nucleo e caregiver"),
        "isee": _("ISEE"),
        "consensi": _("Consensi"),
        "oscuramenti": _("Oscuramenti"),
        "storico": _("Storico"),
    }


def _actor(request: HttpRequest) -> Actor:
    """The acting operator; a user without a membership has no permission at all."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    return actor


def _render(request: HttpRequest, template: str, context: dict[str, Any], **kwargs: Any) -> Any:
    return render(request, template, {"section": SECTION, **context}, **kwargs)


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _safe_next(request: HttpRequest) -> str:
    """A local URL to go back to (``?next=``), or ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target if target.startswith("/") else ""
    return ""


def _with_person(url: str, person_id: int) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'persona': person_id})}"


def _page_number(request: HttpRequest) -> int:
    """The ``pagina`` asked for; anything but a positive number is the first page."""
    value = request.GET.get("pagina", "")
    return int(value) if value.isdigit() and 0 < len(value) < 7 else 1


def _create_query(query: str) -> str:
    """The registration form prefilled with what was searched for (a code or a name)."""
    return urlencode({"codice" if looks_like_code(query) else "cognome": query})


# --- search --------------------------------------------------------------------------------------


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.PERSON_VIEW)
    form = PersonSearchForm(request.GET or None)
    args = form.search_args()
    page = (
        selectors.person_search_page(actor=actor, page=_page_number(request), **args)
        if args is not None
        else None
    )
    matches = page.items if page is not None else None
    # A code that finds no readable record may be opened in an emergency (shown whatever the
    # registry holds: the offer tells nothing about whether the code exists).
    by_code = args is not None and looks_like_code(args["query"])
    context = {
        "form": form,
        "matches": [(m, reason_labels(m.reasons)) for m in matches or []],
        "page": page,
        "searched": args is not None,
        "can_create": actor.has(Permission.PERSON_EDIT),
        "create_query": _create_query(args["query"]) if args else "",
        "emergency_code": normalise(args["query"])
        if by_code and args is not None and not any(not m.limited for m in matches or [])
        else "",
    }
    template = "people/_search_results.html" if _is_partial(request) else "people/search.html"
    return _render(request, template, context)


# --- create and edit ----------------------------------------------------------------------------


def _duplicate_rows(candidates: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "person": c.person,
            "known": c.ref,
            "score": round(c.score * 100) if c.score is not None else None,
            "reasons": reason_labels(c.reasons),
        }
        for c in candidates
    ]


def _show_warnings(request: HttpRequest, warnings: list[Any]) -> None:
    for warning in warnings:
        messages.warning(request, warning.message)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.PERSON_EDIT)
    next_url = _safe_next(request)
    initial = {}
    if request.method == "GET":
        initial = {
            "family_names": request.GET.get("cognome", "")[:150],
            "given_names": request.GET.get("nome", "")[:150],
            "identifier_value": request.GET.get("codice", "")[:32],
        }
    form = PersonForm(request.POST or None, initial=initial)
    duplicates: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.person_data()
        confirming = "confirm_duplicate" in request.POST
        reason = (form.cleaned_data.get("confirm_new_person_reason") or "").strip()
        if confirming and reason:
            data["confirm_new_person_reason"] = reason
        try:
            person, warnings = person_create(actor=actor, data=data)
        except PossibleDuplicate as exc:
            selectors.person_duplicate_check_access_record(actor=actor, candidates=exc.candidates)
            duplicates = _duplicate_rows(exc.candidates)
            if confirming:
                form.add_error(
                    "confirm_new_person_reason",
                    _("Indica perché è una persona diversa da quelle già registrate."),
                )
                form.mark_invalid()
        except PersonError as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Persona registrata: %(name)s.") % {"name": person})
            _show_warnings(request, warnings)
            if next_url:
                return redirect(_with_person(next_url, person.pk))
            return redirect("people:detail", pk=person.pk)
    return _render(
        request,
        "people/person_form.html",
        {"form": form, "person": None, "duplicates": duplicates, "next": next_url},
        status=_status(form),
    )


def _merged_redirect(request: HttpRequest, person: Any) -> HttpResponse | None:
    """A record merged into another sends the operator to the one kept."""
    if person is not None and person.status == PersonStatus.MERGED and person.merged_into_id:
        messages.info(
            request,
            _("Questa scheda è stata unita a un'altra: ti mostriamo la scheda che la sostituisce."),
        )
        return redirect("people:detail", pk=person.merged_into_id)
    return None


def _person_or_redirect(request: HttpRequest, actor: Actor, pk: int) -> Any:
    """The view of a person (full or limited; the read is logged), or the merge redirect."""
    view = selectors.person_get(actor=actor, person_id=pk)
    return view, _merged_redirect(request, view.person)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Permission.PERSON_EDIT)
    view, moved = _person_or_redirect(request, actor, pk)
    if moved is not None:
        return moved
    if view.limited:
        raise NotFound()
    form = PersonEditForm(request.POST or None, person=view.person)
    stale: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            person, warnings = person_update(
                actor=actor,
                person_id=pk,
                data=form.person_data(),
                expected_version=form.opened_version(),
            )
        except StaleEdit as exc:
            current = selectors.person_get(actor=actor, person_id=pk).person
            if current is None:
                raise NotFound() from exc
            changes = form.versioned_stale(current.row_version, PersonForm.initial_from(current))
            stale = stale_context(exc, changes)
        except PersonError as exc:
            form.add_service_errors(exc.errors)
        except PossibleDuplicate as exc:
            selectors.person_duplicate_check_access_record(actor=actor, candidates=exc.candidates)
            form.add_error(
                "identifier_value",
                _(
                    "Il codice è già registrato per un'altra persona: rivolgiti al PUA se è la "
                    "stessa persona."
                ),
            )
            form.mark_invalid()
        else:
            messages.success(request, _("Dati aggiornati."))
            _show_warnings(request, warnings)
            return redirect("people:detail", pk=person.pk)
    return _render(
        request,
        "people/person_form.html",
        {"form": form, "person": view.person, "duplicates": [], "next": "", **stale},
        status=409 if stale else _status(form),
    )


@login_required
@require_GET
def identifier_check(request: HttpRequest) -> HttpResponse:
    """The live check of the code typed in the form (htmx): decoded data and mismatches."""
    _actor(request)
    code = (request.GET.get("identifier_value") or "").strip()[:32]
    answer = None
    if len(code) >= 11:
        sex = request.GET.get("sex") or ""
        birth_code = ""
        try:
            _municipality, birth_code = resolve_birth_place(request.GET.get("birth_place", ""))
        except ValueError:
            birth_code = ""
        try:
            birth_date = date.fromisoformat(request.GET.get("birth_date") or "")
        except ValueError:
            birth_date = None
        answer = selectors.identifier_describe(
            code=code,
            sex=sex if sex in ("M", "F") else None,  # type: ignore[arg-type]
            birth_date=birth_date,
            birth_place_code=birth_code or None,
            team_country=(request.GET.get("identifier_country") or "").upper()[:2] or None,
        )
    return render(request, "people/_identifier_check.html", {"answer": answer})


# --- the person's page and its tabs -------------------------------------------------------------


def _tab_context(view: Any, active: str, actor: Actor) -> dict[str, Any]:
    labels = _tab_labels()
    registering = view.person.registered_by_id == actor.organization_id
    # Read under an emergency access: shown as such, and nothing to edit (it grants reads only).
    emergency = (
        None if registering else emergency_access_active(actor=actor, person_id=view.person_id)
    )
    writable = emergency is None
    return {
        "view": view,
        "person": view.person,
        "tabs": [
            {"url": reverse(name, args=[view.person_id]), "label": labels[key], "key": key}
            for name, key in TABS
        ],
        "active_tab": active,
        "can_edit": writable and actor.has(Permission.PERSON_EDIT),
        "can_edit_social": writable and actor.has(Permission.SOCIAL_RECORD_EDIT),
        "can_merge": writable and actor.has(Permission.PERSON_MERGE),
        "emergency": emergency,
        # The registering organisation prints the list of accesses for the person.
        "can_print_access_report": registering,
    }


def _full_person(request: HttpRequest, actor: Actor, pk: int) -> tuple[Any, HttpResponse | None]:
    """The person above a tab: its content is needed, so a limited record is a 404 there (the
    tab's own selector logs the read)."""
    person = selectors.person_for_tab(actor=actor, person_id=pk)
    return selectors.PersonView(person_id=person.pk, person=person), _merged_redirect(
        request, person
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view, moved = _person_or_redirect(request, actor, pk)
    if moved is not None:
        return moved
    if view.limited:
        return _render(
            request,
            "people/person_limited.html",
            {"view": view, "consent_form": _pua_consent_form(actor, None)},
        )
    context = _tab_context(view, "anagrafica", actor)
    context["care_relationships"] = selectors.care_relationships_of(actor=actor, person=view.person)
    return _render(request, "people/person_detail.html", context)


def _pua_consent_form(actor: Actor | None, data: Any, files: Any = None) -> ConsentForm | None:
    """At the PUA, with the person present, the limited record offers the consent form."""
    if actor is None or not (
        actor.has(Permission.INTAKE_MANAGE) and actor.has(Permission.PERSON_EDIT)
    ):
        return None
    return ConsentForm(data, files, initial={"purpose": ConsentPurpose.SHARING})


@login_required
@require_POST
def consent_at_pua(request: HttpRequest, pk: int) -> HttpResponse:
    """The PUA records the decision of a person present whose record it sees only in the
    limited form (integra/people/services.py: consent_record)."""
    actor = _actor(request)
    form = _pua_consent_form(actor, request.POST, request.FILES)
    if form is None:
        require(actor, Permission.INTAKE_MANAGE)
        raise NotFound()
    view = selectors.person_get(actor=actor, person_id=pk)
    if not view.limited:
        # The record is readable: its consents tab is the place.
        return redirect("people:consents", pk=pk)
    form, done = _tab_post(
        request,
        form,
        lambda _d: consent_record(actor=actor, person_id=pk, **form.consent_data()),  # type: ignore[union-attr]
        _("Decisione sul consenso registrata: l'ente che ha registrato la persona è avvisato."),
    )
    if done is not None:
        return redirect("people:detail", pk=pk)
    return _render(
        request, "people/person_limited.html", {"view": view, "consent_form": form}, status=422
    )


def _tab_post(
    request: HttpRequest, form: Any, write: Any, success: str
) -> tuple[Any, HttpResponse | None]:
    """Validate ``form`` and call ``write(cleaned_data)``; the redirect on success."""
    if request.method != "POST" or not form.is_valid():
        return form, None
    try:
        write(form.cleaned_data)
    except PersonError as exc:
        add_service_errors(form, exc.errors)
        return form, None
    messages.success(request, success)
    return form, redirect(request.path)


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view, moved = _full_person(request, actor, pk)
    if moved is not None:
        return moved
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(actor, Permission.PERSON_EDIT)
        form, done = _tab_post(
            request,
            form,
            lambda d: person_document_create(
                actor=actor,
                person_id=pk,
                kind=d["kind"],
                number=d["number"],
                issuer=d["issuer"],
                issued_on=d["issued_on"],
                expires_on=d["expires_on"],
                permit_reason=d["permit_reason"],
                upload=d["file"],
            ),
            _("Documento registrato."),
        )
        if done is not None:
            return done
    context = _tab_context(view, "documenti", actor)
    context.update(form=form, rows=selectors.documents_of(actor=actor, person_id=pk))
    return _render(request, "people/tab_documents.html", context, status=_status(form))


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    actor = _actor(request)
    document = selectors.document_for_download(actor=actor, person_id=pk, document_id=document_pk)
    return private_file_response(document.file, document.file_name, document.content_type)


@login_required
@require_GET
def consent_file(request: HttpRequest, pk: int, consent_pk: int) -> FileResponse:
    consent = selectors.consent_form_for_download(
        actor=_actor(request), person_id=pk, consent_id=consent_pk
    )
    return private_file_response(
        consent.evidence_file, consent.evidence_file_name, consent.evidence_content_type
    )


@login_required
@require_http_methods(["GET", "POST"])
def household(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view, moved = _full_person(request, actor, pk)
    if moved is not None:
        return moved
    form = HouseholdMemberForm(request.POST or None)
    if request.method == "POST":
        require(actor, Permission.SOCIAL_RECORD_EDIT)

        def write(data: dict[str, Any]) -> Any:
            member_id = None
            code = (data.get("member_code") or "").strip()
            if code:
                member = selectors.person_list(actor=actor, identifier=code).first()
                if member is None:
                    raise PersonError(
                        PersonErrorCode.HOUSEHOLD_INVALID,
                        {
                            "member_code": [
                                _("Nessuna persona con questo codice tra quelle visibili.")
                            ]
                        },
                    )
                member_id = member.pk
            return household_member_add(
                actor=actor, person_id=pk, data=form.household_data(member_id)
            )

        form, done = _tab_post(request, form, write, _("Componente aggiunto al nucleo."))
        if done is not None:
            return done
    context = _tab_context(view, "nucleo", actor)
    need_labels = dict(CaregiverNeed.choices)
    context.update(
        form=form,
        rows=[
            (row, [str(need_labels.get(n, n)) for n in row.caregiver_needs])
            for row in selectors.household_list(actor=actor, person_id=pk, include_ended=True)
        ],
    )
    return _render(request, "people/tab_household.html", context, status=_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def isee(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view, moved = _full_person(request, actor, pk)
    if moved is not None:
        return moved
    form = IseeForm(request.POST or None)
    if request.method == "POST":
        require(actor, Permission.SOCIAL_RECORD_EDIT)
        form, done = _tab_post(
            request,
            form,
            lambda d: isee_record(
                actor=actor,
                person_id=pk,
                kind=d["kind"],
                value=d["value"],
                signed_on=d["signed_on"],
                dsu_protocol=d["dsu_protocol"],
                valid_until=d["valid_until"],
            ),
            _("Dichiarazione ISEE registrata."),
        )
        if done is not None:
            return done
    rows = selectors.isee_history(actor=actor, person_id=pk)
    context = _tab_context(view, "isee", actor)
    context.update(form=form, rows=rows, current=selectors.isee_current_by_kind(rows))
    return _render(request, "people/tab_isee.html", context, status=_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view, moved = _full_person(request, actor, pk)
    if moved is not None:
        return moved
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(actor, Permission.PERSON_EDIT)
        form, done = _tab_post(
            request,
            form,
            lambda _d: consent_record(actor=actor, person_id=pk, **form.consent_data()),
            _("Decisione sul consenso registrata."),
        )
        if done is not None:
            return done
    rows = selectors.consent_history(actor=actor, person_id=pk)
    context = _tab_context(view, "consensi", actor)
    context.update(form=form, rows=rows, current=selectors.consents_current_of(rows))
    return _render(request, "people/tab_consents.html", context, status=_status(form))


@login_required
@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view, moved = _full_person(request, actor, pk)
    if moved is not None:
        return moved
    events = person_history_events(actor=actor, person_id=pk)
    page = CappedPaginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("pagina"))
    context = _tab_context(view, "storico", actor)
    context.update(page=page, entries=history_entries(list(page.object_list), actor=actor))
    return _render(request, "people/tab_history.html", context)


# --- permits expiring ---------------------------------------------------------------------------


@login_required
@require_GET
def permits_expiring(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = selectors.permits_expiring(actor=actor)
    selectors.permits_expiring_access_record(
        actor=actor, within_days=selectors.PERMITS_EXPIRING_DAYS
    )
    page = CappedPaginator(rows, PERMITS_PAGE_SIZE).get_page(request.GET.get("pagina"))
    return _render(
        request,
        "people/permits_expiring.html",
        {"page": page, "days": selectors.PERMITS_EXPIRING_DAYS},
    )
