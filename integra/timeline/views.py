"""The person's "Diario" page: the timeline of everything about the person, with filters, and the
form to add a note (thin: parse, call one selector or service, render)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from integra.core.access import Actor, PermissionRequired
from integra.core.permissions import Permission
from integra.people.emergency import emergency_access_active
from integra.people.forms import add_service_errors
from integra.people.models import PersonStatus
from integra.timeline import selectors
from integra.timeline.access import writable_domains
from integra.timeline.errors import TimelineError
from integra.timeline.forms import CaseNoteForm, TimelineFilterForm
from integra.timeline.services import case_note_create
from integra.timeline.sources import TimelineFilters

SECTION = "people"
PAGE_SIZE = 30


def _actor(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    return actor


@login_required
@require_http_methods(["GET", "POST"])
def diary(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    person = selectors.timeline_person(actor=actor, person_id=pk)
    if person.status == PersonStatus.MERGED and person.merged_into_id:
        messages.info(
            request,
            _("Questa scheda è stata unita a un'altra: ti mostriamo la scheda che la sostituisce."),
        )
        return redirect("timeline:diary", pk=person.merged_into_id)
    # Read under an emergency access: nothing to write (the access grants reads only).
    emergency = (
        None
        if person.registered_by_id == actor.organization_id
        else emergency_access_active(actor=actor, person_id=person.pk)
    )
    domains = [] if emergency is not None else writable_domains(actor)
    form = CaseNoteForm(request.POST or None, domains=domains)
    status = 200
    if request.method == "POST":
        if not domains:
            raise PermissionRequired(Permission.SOCIAL_RECORD_EDIT)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_note_create(
                    actor=actor,
                    person_id=person.pk,
                    occurred_at=data["occurred_at"],
                    kind=data["kind"],
                    domain=data["domain"],
                    text=data["text"],
                    follow_up_on=data["follow_up_on"],
                )
            except TimelineError as exc:
                add_service_errors(form, exc.errors)
                form.mark_invalid()
            else:
                messages.success(request, _("Nota aggiunta al diario."))
                return redirect(request.path)
        status = 400
    kinds = selectors.timeline_kinds()
    known_kinds = {kind for kind, _label in kinds}
    chosen_kinds = frozenset(k for k in request.GET.getlist("tipo") if k in known_kinds)
    org_value = request.GET.get("ente", "")
    organization_id = int(org_value) if org_value.isdigit() and len(org_value) < 19 else None
    filters = TimelineFilters(kinds=chosen_kinds, organization_id=organization_id)
    after = request.GET.get("dopo") or None
    try:
        page = selectors.person_timeline(
            actor=actor,
            person_id=person.pk,
            filters=filters,
            after=after,
            limit=PAGE_SIZE,
            person=person,
        )
    except TimelineError:
        # A cursor from elsewhere (an edited address): the first page.
        page = selectors.person_timeline(
            actor=actor, person_id=person.pk, filters=filters, limit=PAGE_SIZE, person=person
        )
    # The organisations offered by the filter: those of the items on the page, the actor's own,
    # the one chosen (no query: the names come with the items).
    organisations: dict[int, str] = {
        item.organization_id: item.organisation
        for item in page.items
        if item.organization_id is not None
    }
    if actor.organization is not None:
        organisations.setdefault(actor.organization.pk, actor.organization.name)
    filter_form = TimelineFilterForm(
        {"tipo": sorted(chosen_kinds), "ente": organization_id or ""},
        kinds=kinds,
        organisations=sorted(organisations.items(), key=lambda pair: pair[1]),
    )
    next_url = ""
    if page.next_cursor:
        query: list[tuple[str, Any]] = [("tipo", k) for k in sorted(chosen_kinds)]
        if organization_id is not None:
            query.append(("ente", organization_id))
        query.append(("dopo", page.next_cursor))
        next_url = f"{request.path}?{urlencode(query)}"
    context = {
        "section": SECTION,
        "person": person,
        "page": page,
        "filter_form": filter_form,
        "form": form if domains else None,
        "emergency": emergency,
        "next_url": next_url,
        "is_later_page": after is not None,
    }
    return render(request, "timeline/diary.html", context, status=status)
