"""Pages of the assessments (thin: parse, call one service or selector, render).

The instrument forms are generated from the definitions: one fieldset per item with radio
options, the context fields (SPMSQ: education), a running score recomputed on the server by
htmx as answers change (``score`` with ``partial=True``; nothing is stored), and without
JavaScript the submit shows the errors. Reading and recording follow access.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integra.assessments import access, selectors
from integra.assessments.definitions import InstrumentDefinition, definition_in_words
from integra.assessments.forms import AssessmentMetaForm
from integra.assessments.scoring import ScoreResult, ScoringError, score, total_range
from integra.assessments.services import AssessmentError, record_assessment, rescore
from integra.core.access import Actor, PermissionRequired
from integra.core.permissions import Permission
from integra.people.access import mark_concealed
from integra.people.models import ConcealedKind

SECTION = "assessments"
ANSWER_PREFIX = "risposta-"
CONTEXT_PREFIX = "contesto-"


def _actor(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    return actor


def _render(request: HttpRequest, template: str, context: dict[str, Any], **kwargs: Any) -> Any:
    return render(request, template, {"section": SECTION, **context}, **kwargs)


# --- catalogue -----------------------------------------------------------------------------


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.instrument_list())
    rows = [(v, v.parsed(), total_range(v.parsed())) for v in versions]
    return _render(request, "assessments/catalogue.html", {"rows": rows})


@login_required
@require_GET
def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    version = selectors.instrument_version_get(
        code=code, version=request.GET.get("versione") or None
    )
    definition = version.parsed()
    return _render(
        request,
        "assessments/instrument_detail.html",
        {
            "version": version,
            "definition": definition,
            "bounds": total_range(definition),
            "versions": selectors.instrument_versions(code=code),
            "words": definition_in_words(definition),
        },
    )


# --- a person's assessments ----------------------------------------------------------------


@login_required
@require_GET
def person_assessments(request: HttpRequest, person_pk: int) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_for_assessments(actor=actor, person_id=person_pk)
    assessments = mark_concealed(
        ConcealedKind.ASSESSMENT, list(selectors.person_assessments(actor, person))
    )
    series = selectors.series_by_instrument(assessments)
    titles = {a.instrument_code: a.instrument_version.instrument.title for a in assessments}
    charts: list[dict[str, Any]] = []
    for code, points in sorted(series.items(), key=lambda kv: titles[kv[0]]):
        # The range of the latest version used, so the chart's axis covers every point.
        latest = next(a for a in assessments if a.instrument_code == code)
        bounds = total_range(latest.instrument_version.parsed())
        charts.append(
            {
                "code": code,
                "title": titles[code],
                "points": points,
                "data": {
                    "title": titles[code],
                    "labels": [p.administered_on.strftime("%d/%m/%Y") for p in points],
                    "values": [p.total for p in points],
                    "min": bounds[0] if bounds else None,
                    "max": bounds[1] if bounds else None,
                },
            }
        )
    recordable = [
        v for v in selectors.instrument_list() if access.may_record(actor, v.instrument.domain)
    ]
    return _render(
        request,
        "assessments/person_assessments.html",
        {
            "person": person,
            "assessments": assessments,
            "charts": [c for c in charts if any(v is not None for v in c["data"]["values"])],
            "chart_data": {c["code"]: c["data"] for c in charts},
            "recordable": recordable,
        },
    )


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    assessment = selectors.assessment_get(actor=actor, assessment_id=pk)
    mark_concealed(ConcealedKind.ASSESSMENT, [assessment])
    definition = assessment.instrument_version.parsed()
    result = rescore(assessment)
    answered = []
    for item in definition.items:
        option = item.option(str(assessment.answers.get(item.code, "")))
        answered.append((item, option))
    context_rows = [
        (
            field,
            next((c for c in field.choices if c.code == assessment.context.get(field.code)), None),
        )
        for field in definition.context
    ]
    return _render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "person": assessment.person_ref,
            "definition": definition,
            "result": result,
            "answered": answered,
            "context_rows": context_rows,
        },
    )


# --- the form ------------------------------------------------------------------------------


def _posted(definition: InstrumentDefinition, data: Mapping[str, Any]) -> tuple[dict, dict]:
    answers = {
        item.code: data.get(f"{ANSWER_PREFIX}{item.code}", "")
        for item in definition.items
        if data.get(f"{ANSWER_PREFIX}{item.code}")
    }
    context = {
        field.code: data.get(f"{CONTEXT_PREFIX}{field.code}", "")
        for field in definition.context
        if data.get(f"{CONTEXT_PREFIX}{field.code}")
    }
    return answers, context


def _form_items(
    definition: InstrumentDefinition, answers: Mapping[str, str], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "item": item,
            "name": f"{ANSWER_PREFIX}{item.code}",
            "selected": answers.get(item.code, ""),
            "error": errors.get(item.code, ""),
            "number": number,
        }
        for number, item in enumerate(definition.items, start=1)
    ]


def _form_context(
    definition: InstrumentDefinition, context: Mapping[str, str], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "field": field,
            "name": f"{CONTEXT_PREFIX}{field.code}",
            "selected": context.get(field.code, ""),
            "error": errors.get(field.code, ""),
        }
        for field in definition.context
    ]


def _running(definition: InstrumentDefinition, answers: dict, context: dict) -> dict[str, Any]:
    """The running score of a form being filled: never raises, never stores."""
    try:
        result: ScoreResult | None = score(definition, answers, context, partial=True)
    except ScoringError:
        result = None
    answered = sum(1 for item in definition.items if item.code in answers)
    return {
        "result": result,
        "answered": answered,
        "item_count": len(definition.items),
        "complete": answered == len(definition.items),
        "definition": definition,
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, person_pk: int, code: str) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_for_assessments(actor=actor, person_id=person_pk)
    version = selectors.instrument_version_get(code=code)
    definition = version.parsed()
    if not access.may_record(actor, definition.domain):
        raise PermissionRequired(access.RECORD_PERMISSIONS[definition.domain][0])
    answers: dict[str, str] = {}
    context: dict[str, str] = {}
    errors: dict[str, str] = {}
    meta = AssessmentMetaForm(request.POST or None)
    if request.method == "POST":
        answers, context = _posted(definition, request.POST)
        if meta.is_valid():
            try:
                assessment = record_assessment(
                    actor,
                    person,
                    code,
                    answers,
                    context,
                    meta.cleaned_data["administered_on"],
                    meta.cleaned_data["notes"],
                )
            except AssessmentError as exc:
                errors = exc.item_messages
                for field in ("administered_on",):
                    if field in errors:
                        meta.add_error(field, errors.pop(field))
            else:
                messages.success(request, _("Valutazione registrata."))
                return redirect("assessments:detail", pk=assessment.pk)
        else:
            try:
                score(definition, answers, context)
            except ScoringError as exc:
                errors = exc.item_messages
    return _render(
        request,
        "assessments/assessment_form.html",
        {
            "person": person,
            "version": version,
            "definition": definition,
            "items": _form_items(definition, answers, errors),
            "context_fields": _form_context(definition, context, errors),
            "meta": meta,
            "errors": errors,
            "has_errors": bool(errors) or bool(meta.errors),
            "running": _running(definition, answers, context),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def running_score(request: HttpRequest, code: str) -> HttpResponse:
    """The htmx partial: the score of the answers given so far (nothing stored)."""
    _actor(request)
    definition = selectors.instrument_version_get(code=code).parsed()
    answers, context = _posted(definition, request.POST)
    return render(
        request, "assessments/_running_score.html", _running(definition, answers, context)
    )
