"""Pages of the measures: the rule sets of each act, screening a person, recording evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from integra.core.access import Actor, require, scoped
from integra.core.permissions import Permission
from integra.people import selectors as people_selectors
from integra.people.models import PersonDocument
from integra.programs import selectors, services
from integra.programs.access import may_screen, write_permission_for
from integra.programs.errors import ProgramError
from integra.programs.facts import FACT_KINDS, FactKind
from integra.programs.forms import FactForm, RuleFileForm, ScreeningForm
from integra.programs.models import MeasureRuleSet
from integra.programs.screening import isee_kind_names

SECTION = "programs"


def _actor(request: HttpRequest) -> Actor | None:
    return getattr(request, "actor", None)


@login_required
def rule_set_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(
        request,
        "programs/rule_set_list.html",
        {
            "section": SECTION,
            "rule_sets": selectors.rule_sets_with_state(on=timezone.localdate()),
            "can_upload": actor is not None and actor.has(Permission.SYSTEM_ADMIN),
        },
    )


@login_required
def rule_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = get_object_or_404(MeasureRuleSet, pk=pk)
    rules = selectors.rules_of(rule_set)
    return render(
        request,
        "programs/rule_set_detail.html",
        {
            "section": SECTION,
            "rule_set": rule_set,
            "state": selectors.rule_set_state_on(rule_set, on=timezone.localdate()),
            "rules": rules,
            "isee_kinds": isee_kind_names(rules.isee),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_set_upload(request: HttpRequest) -> HttpResponse:
    """A system administrator loads next year's act as a file."""
    require(_actor(request), Permission.SYSTEM_ADMIN)
    form = RuleFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read(services.MAX_RULE_FILE_BYTES + 1).decode("utf-8")
            loaded = services.rule_set_load(text=text, source_name=upload.name or "")
        except UnicodeDecodeError:
            form.add_error("file", _("Il file deve essere testo UTF-8."))
        except ProgramError as exc:
            for field, problems in exc.errors.items():
                for problem in problems:
                    form.add_error("file", f"{field}: {problem}")
        else:
            messages.success(
                request,
                _("Regole di %(code)s — %(act)s caricate.")
                % {"code": loaded.rule_set.measure_code, "act": loaded.rule_set.act},
            )
            return redirect("programs:rule_set_detail", pk=loaded.rule_set.pk)
    return render(request, "programs/rule_set_upload.html", {"section": SECTION, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def person_screening(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Screen a person for a measure on a day; POST saves the screening for the UVM minutes."""
    actor = _actor(request)
    person = selectors.person_for_screening(actor=actor, person_id=person_pk)
    assert actor is not None
    measures = selectors.measure_codes()
    data = request.POST if request.method == "POST" else (request.GET if request.GET else None)
    form = ScreeningForm(data, measures=measures)
    result = None
    if form.is_bound and form.is_valid():
        code, day = form.cleaned_data["measure"], form.cleaned_data["on_date"]
        try:
            result = selectors.screen(actor, person.pk, code, day)
        except ProgramError as exc:
            for problem in exc.errors.get("on_date", []):
                form.add_error("on_date", problem)
        else:
            if request.method == "POST":
                services.screening_save(
                    actor=actor,
                    person_id=person.pk,
                    measure_code=code,
                    on_date=day,
                    result=result.as_json(),
                )
                messages.success(request, _("Verifica salvata: la si può citare nel verbale UVM."))
                return redirect(f"{request.path}?measure={code}&on_date={day.isoformat()}")
    facts = selectors.facts_of(actor=actor, person_id=person.pk)
    return render(
        request,
        "programs/person_screening.html",
        {
            "section": SECTION,
            "person": person,
            "form": form,
            "result": result,
            "facts": facts,
            "screenings": selectors.screenings_of(actor=actor, person=person),
            "can_add_evidence": actor.has(Permission.SOCIAL_RECORD_EDIT)
            or actor.has(Permission.HEALTH_DATA_EDIT),
        },
    )


def _writable_kinds(actor: Actor) -> list[str]:
    return [k for k in FactKind.values if actor.has(write_permission_for(k))]


@login_required
@require_http_methods(["GET", "POST"])
def fact_create(request: HttpRequest, person_pk: int) -> HttpResponse:
    actor = _actor(request)
    kinds = _writable_kinds(actor) if actor is not None else []
    if not kinds:
        require(actor, Permission.SOCIAL_RECORD_EDIT)
    assert actor is not None
    person = people_selectors.person_with_content(actor=actor, person_id=person_pk)
    documents = [
        (d.pk, str(d)) for d in scoped(actor, PersonDocument).filter(person=person).order_by("kind")
    ]
    form = FactForm(request.POST or None, kinds=kinds, documents=documents)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            services.fact_record(
                actor=actor,
                person_id=person.pk,
                kind=data["kind"],
                value=data["value"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                document_id=data["document"],
                source=data["source"],
            )
        except ProgramError as exc:
            for field, problems in exc.errors.items():
                target = "document" if field == "document_id" else field
                for problem in problems:
                    form.add_error(target if target in form.fields else None, problem)
        else:
            messages.success(request, _("Evidenza registrata."))
            if may_screen(actor):
                return redirect("programs:person_screening", person_pk=person.pk)
            return redirect("programs:fact_create", person_pk=person.pk)
    return render(
        request,
        "programs/fact_form.html",
        {
            "section": SECTION,
            "person": person,
            "form": form,
            "kinds": [(k, FactKind(k).label, FACT_KINDS[k].value_type) for k in kinds],
            "may_screen": may_screen(actor),
        },
    )
