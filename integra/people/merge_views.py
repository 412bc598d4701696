"""The merge screens (thin: parse, call integra/people/merging.py, render).

Every page needs ``Permission.PERSON_MERGE``: without it the site's 403 page
(``PermissionRequiredMiddleware``); a person or merge the operator may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from integra.core.access import Actor, require
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission
from integra.people import merging
from integra.people.merge_forms import MergeForm, MergeSearchForm, MergeUndoForm
from integra.people.selectors import person_search

PAGE_SIZE = 20
SECTION = "people"


def _actor(request: HttpRequest) -> Actor | None:
    return getattr(request, "actor", None)


def _other_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("con", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
@require_http_methods(["GET", "POST"])
def merge_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the other record (search or ``?con=<id>``), compare, choose values, confirm."""
    actor = _actor(request)
    require(actor, Permission.PERSON_MERGE)
    other_id = _other_id(request)
    context: dict[str, object] = {"section": SECTION, "other_id": other_id}
    if other_id is None:
        preview = merging.person_merge_preview(actor=actor, survivor_id=pk, merged_id=pk)
        search = MergeSearchForm(request.GET if "q" in request.GET else None)
        matches = []
        if search.is_bound and search.is_valid():
            matches = [
                m
                for m in person_search(actor=actor, query=search.cleaned_data["q"])
                if m.person is not None and m.person_id != preview.survivor.pk
            ]
        context.update(survivor=preview.survivor, search=search, matches=matches)
        return render(request, "people/merge_start.html", context)
    preview = merging.person_merge_preview(actor=actor, survivor_id=pk, merged_id=other_id)
    form = MergeForm(request.POST or None, differences=preview.differences)
    if request.method == "POST" and preview.can_merge and form.is_valid():
        try:
            record = merging.person_merge(
                actor=actor,
                survivor_id=pk,
                merged_id=other_id,
                reason=form.cleaned_data["reason"],
                keep=form.keep(),
            )
        except merging.MergeError as exc:
            form.add_error(None, exc.message)
            for name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(None, f"{name}: {error}")
        else:
            messages.success(
                request,
                _("Schede unite: %(merged)s è ora un alias di %(survivor)s.")
                % {"merged": preview.merged, "survivor": preview.survivor},
            )
            return redirect("people:merge_detail", merge_id=record.pk)
    context.update(
        survivor=preview.survivor,
        merged=preview.merged,
        preview=preview,
        form=form,
    )
    return render(request, "people/merge_compare.html", context)


@login_required
def merge_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    merges = merging.person_merge_list(actor=actor)
    merging.person_merge_list_access_record(actor=actor)
    page = CappedPaginator(merges, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(request, "people/merge_list.html", {"page": page, "section": SECTION})


def _detail(request: HttpRequest, merge_id: int, undo_form: MergeUndoForm) -> HttpResponse:
    record = merging.person_merge_get(actor=_actor(request), merge_id=merge_id)
    return render(
        request,
        "people/merge_detail.html",
        {
            "section": SECTION,
            "merge": record,
            "fields": merging.merge_fields_summary(record),
            "rows": merging.merge_rows_summary(record),
            "undo_form": undo_form,
        },
    )


@login_required
def merge_detail(request: HttpRequest, merge_id: int) -> HttpResponse:
    return _detail(request, merge_id, MergeUndoForm())


@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    actor = _actor(request)
    form = MergeUndoForm(request.POST)
    if form.is_valid():
        try:
            merging.person_merge_undo(
                actor=actor, merge_id=merge_id, reason=form.cleaned_data["reason"]
            )
        except merging.MergeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Unione annullata: le due schede sono di nuovo separate."))
            return redirect("people:merge_detail", merge_id=merge_id)
    return _detail(request, merge_id, form)
