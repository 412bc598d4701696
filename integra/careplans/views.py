"""Pages of the care plan (thin: parse, call services.py / selectors.py, render).

Every form on a plan carries the ``row_version`` it was opened on: an edit that arrives after
another operator's is refused by the service (``plan_stale``) and the form comes back with 409,
the operator's input kept, and what changed meanwhile (``pages.changes_since``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integra.assessments.uvm_models import HEALTH_NEED_DOMAINS
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.careplans import pages, selectors, services
from integra.careplans.errors import PlanError, PlanErrorCode
from integra.careplans.forms import (
    ActivateForm,
    CaseloadFilterForm,
    CloseForm,
    GoalForm,
    HandoverForm,
    InterventionForm,
    PlanCreateForm,
    PlanForm,
    ProposeForm,
    ReassignForm,
    ReviewForm,
    ReworkForm,
    SignerSearchForm,
    SignForm,
    TaskCloseForm,
    TaskFilterForm,
    TaskForm,
    TeamEndForm,
    TeamMemberForm,
)
from integra.careplans.models import CarePlan, PlanIntervention, PlanState
from integra.careplans.pdf import plan_pdf, version_pdf
from integra.careplans.versions import compare
from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, scoped
from integra.core.health import may_record_health
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission
from integra.organizations.models import Organization, Service
from integra.people.gate import PersonRef, attach_person_refs, person_ref
from integra.people.models import Person, PersonDocument

SECTION = "careplans"


def _actor(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    return actor


def _render(request: HttpRequest, template: str, context: dict[str, Any], **kw: Any) -> Any:
    return render(request, template, {"section": SECTION, **context}, **kw)


def _plan_url(plan_id: int, anchor: str = "") -> str:
    url = reverse("careplans:detail", args=[plan_id])
    return f"{url}#{anchor}" if anchor else url


# --- the plan's page ---------------------------------------------------------------------------

# Cases per page of the caseload (a capped count, like every list).
CASELOAD_PAGE_SIZE = 50


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view = selectors.plan_get(actor=actor, plan_id=pk)
    plan = view.plan
    primary, others = pages.plan_actions(plan, may_manage=view.may_manage)
    token = pages.snapshot(actor, plan) if view.may_contribute else ""
    hidden = {"row_version": plan.row_version, "snapshot": token}
    return _render(
        request,
        "careplans/plan_detail.html",
        {
            "view": view,
            "plan": plan,
            "person": view.person,
            "primary": primary,
            "others": others,
            "hidden": hidden,
            "editable": plan.is_editable,
            "may_health": may_record_health(actor),
            "health_domains": HEALTH_NEED_DOMAINS,
            "today": timezone.localdate(),
            "open_team": [m for m in view.team if m.ended_at is None],
            "review_state": selectors.review_state(plan, timezone.localdate()),
        },
    )


# --- the form pages on a plan ------------------------------------------------------------------


def _plan_head(actor: Actor, pk: int, *, contribute: bool = False) -> tuple[CarePlan, PersonRef]:
    """The plan (404 when missing or not visible), refused with 403 to who may not act on it."""
    plan = get_visible(actor, selectors.plan_queryset(), pk=pk)
    from integra.careplans.access import may_contribute, may_manage

    allowed = may_contribute(actor, plan) if contribute else may_manage(actor, plan)
    if not allowed:
        raise PermissionRequired(Permission.CASE_MANAGE)
    return plan, person_ref(actor, plan.person_id)


def _opened(actor: Actor, plan: CarePlan) -> dict[str, Any]:
    return {"row_version": plan.row_version, "snapshot": pages.snapshot(actor, plan)}


def _errors_on(form: Any, exc: PlanError) -> None:
    for key, msgs in exc.errors.items():
        name = key if key in form.fields and key not in ("row_version", "snapshot") else None
        for msg in msgs:
            form.add_error(name, msg)


def _form_page(
    request: HttpRequest,
    *,
    actor: Actor,
    plan: CarePlan,
    person: PersonRef,
    form: Any,
    call: Callable[[dict[str, Any], Any], Any],
    title: str,
    submit: str,
    success: str,
    anchor: str = "",
    template: str = "careplans/form.html",
    extra: dict[str, Any] | None = None,
    redirect_to: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """GET: the form; POST: the service call, back to the plan, or the form again — 422 with the
    messages on the fields, 409 with what changed when the plan moved on meanwhile."""
    status, changes, stale = 200, [], False
    if request.method == "POST":
        if form.is_valid():
            try:
                result = call(form.service_data(), form.cleaned_data.get("row_version"))
            except PlanError as exc:
                if exc.code == PlanErrorCode.STALE:
                    stale, status = True, 409
                    plan.refresh_from_db()
                    changes = pages.changes_since(actor, plan, str(form.data.get("snapshot", "")))
                    form.add_error(None, exc.message)
                    # Saved again, the form is an edit on the plan as it is now (changes seen).
                    data = form.data.copy()
                    data.update(_opened(actor, plan))
                    form.data = data
                else:
                    status = 409 if exc.status == 409 else 422
                    _errors_on(form, exc)
            else:
                messages.success(request, success)
                target = redirect_to(result) if redirect_to else _plan_url(plan.pk, anchor)
                return redirect(target)
        else:
            status = 422
    return _render(
        request,
        template,
        {
            "plan": plan,
            "person": person,
            "form": form,
            "title": title,
            "submit": submit,
            "stale": stale,
            "changes": changes,
            "back": _plan_url(plan.pk, anchor),
            **(extra or {}),
        },
        status=status,
    )


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    health = may_record_health(actor)
    initial = {
        f: getattr(plan, f)
        for f in (
            "kind",
            "title",
            "strengths_person",
            "strengths_family",
            "strengths_community",
            "person_commitments",
            "care_intensity",
            "starts_on",
            "ends_on",
            "review_months",
            "next_review_on",
        )
    }
    initial |= {
        f"need_{k}": v
        for k, v in plan.needs_summary.items()
        if health or k not in HEALTH_NEED_DOMAINS
    }
    form = PlanForm(_post_or_none(request), initial=initial | _opened(actor, plan), health=health)
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.plan_update(
            actor=actor, plan_id=pk, data=data, expected_version=version
        ),
        title=_("Modifica il progetto"),
        submit=_("Salva"),
        success=_("Progetto aggiornato."),
        template="careplans/plan_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk, contribute=True)
    form = GoalForm(
        _post_or_none(request), initial=_opened(actor, plan), health=may_record_health(actor)
    )
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.goal_add(
            actor=actor, plan_id=pk, data=data, expected_version=version
        ),
        title=_("Nuovo obiettivo"),
        submit=_("Aggiungi l'obiettivo"),
        success=_("Obiettivo aggiunto."),
        anchor="obiettivi",
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk, contribute=True)
    goal = selectors.goal_writable(actor, plan, goal_pk)
    initial = {
        f: getattr(goal, f)
        for f in (
            "need_domain",
            "description",
            "indicator",
            "baseline",
            "target",
            "deadline",
            "outcome",
            "outcome_notes",
        )
    }
    form = GoalForm(
        _post_or_none(request),
        initial=initial | _opened(actor, plan),
        health=may_record_health(actor),
    )
    # While the plan is in force only the outcome of a goal is recorded (services.goal_update).
    outcome_only = plan.state == PlanState.ACTIVE
    if outcome_only:
        for name, field in form.fields.items():
            if name not in ("outcome", "outcome_notes", "row_version", "snapshot"):
                field.disabled = True

    def call(data: dict[str, Any], version: Any) -> Any:
        if outcome_only:
            data = {k: data.get(k, "") for k in ("outcome", "outcome_notes")}
        return services.goal_update(
            actor=actor, plan_id=pk, goal_id=goal.pk, data=data, expected_version=version
        )

    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=call,
        title=_("Esito dell'obiettivo") if outcome_only else _("Modifica l'obiettivo"),
        submit=_("Salva"),
        success=_("Obiettivo aggiornato."),
        anchor="obiettivi",
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_remove(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk, contribute=True)
    goal = selectors.goal_writable(actor, plan, goal_pk)
    form = ReworkForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.goal_remove(
            actor=actor, plan_id=pk, goal_id=goal.pk, expected_version=version
        ),
        title=_("Togli l'obiettivo «%(goal)s»") % {"goal": goal.description[:80]},
        submit=_("Togli l'obiettivo"),
        success=_("Obiettivo tolto."),
        anchor="obiettivi",
    )


def _intervention_form(actor: Actor, plan: CarePlan, data: Any, initial: dict[str, Any]) -> Any:
    goals = list(selectors.visible_goals(actor, plan.goals.all()))
    return InterventionForm(
        data,
        initial=initial,
        services=list(
            Service.objects.filter(is_active=True)
            .select_related("provider")
            .order_by("name", "provider__name", "pk")
        ),
        providers=list(Organization.objects.filter(is_active=True).order_by("name", "pk")),
        goals=goals,
    )


_INTERVENTION_FIELDS = (
    "frequency",
    "hours_per_month",
    "starts_on",
    "ends_on",
    "monthly_cost",
    "ssn_amount",
    "comune_amount",
    "person_amount",
    "other_amount",
    "other_payer",
)


@login_required
@require_http_methods(["GET", "POST"])
def intervention_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    initial = {"starts_on": timezone.localdate(), **_opened(actor, plan)}
    form = _intervention_form(actor, plan, _post_or_none(request), initial)
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.intervention_add(
            actor=actor, plan_id=pk, data=data, expected_version=version
        ),
        title=_("Nuovo intervento"),
        submit=_("Aggiungi l'intervento"),
        success=_("Intervento aggiunto."),
        anchor="interventi",
        template="careplans/intervention_form.html",
    )


def _intervention_or_404(actor: Actor, plan: CarePlan, item_pk: int) -> PlanIntervention:
    hidden = set(plan.goals.values_list("pk", flat=True)) - {
        g.pk for g in selectors.visible_goals(actor, plan.goals.all())
    }
    item = scoped(actor, PlanIntervention).filter(plan=plan, pk=item_pk).first()
    if item is None or item.goal_id in hidden:
        raise NotFound()
    return item


@login_required
@require_http_methods(["GET", "POST"])
def intervention_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    item = _intervention_or_404(actor, plan, item_pk)
    initial = {f: getattr(item, f) for f in _INTERVENTION_FIELDS}
    initial |= {
        "service_id": item.service_id,
        "provider_id": item.provider_id,
        "goal_id": item.goal_id,
        **_opened(actor, plan),
    }
    form = _intervention_form(actor, plan, _post_or_none(request), initial)
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.intervention_update(
            actor=actor, plan_id=pk, intervention_id=item.pk, data=data, expected_version=version
        ),
        title=_("Modifica l'intervento"),
        submit=_("Salva"),
        success=_("Intervento aggiornato."),
        anchor="interventi",
        template="careplans/intervention_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def intervention_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    item = _intervention_or_404(actor, plan, item_pk)
    form = ReworkForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.intervention_remove(
            actor=actor, plan_id=pk, intervention_id=item.pk, expected_version=version
        ),
        title=_("Togli l'intervento «%(service)s»") % {"service": item.service.name},
        submit=_("Togli l'intervento"),
        success=_("Intervento tolto."),
        anchor="interventi",
    )


# --- the plan's life ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_propose(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    form = ProposeForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.plan_propose(
            actor=actor, plan_id=pk, note=data.get("note", ""), expected_version=version
        ),
        title=_("Proponi il progetto alla persona"),
        submit=_("Proponi e crea la versione"),
        success=_("Progetto proposto: la versione è pronta da consegnare e firmare."),
        anchor="versioni",
        extra={
            "intro": _(
                "Il contenuto del progetto viene fissato in una nuova versione, che la persona "
                "(o chi la rappresenta) accetta con la sottoscrizione."
            )
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_rework(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    form = ReworkForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.plan_rework(
            actor=actor, plan_id=pk, expected_version=version
        ),
        title=_("La persona chiede modifiche: riapri il progetto"),
        submit=_("Riapri il progetto"),
        success=_("Progetto riaperto: la versione proposta resta nello storico, non firmata."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_activate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    form = ActivateForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.plan_activate(
            actor=actor, plan_id=pk, starts_on=data.get("starts_on"), expected_version=version
        ),
        title=_("Attiva il progetto"),
        submit=_("Attiva"),
        success=_("Progetto attivo."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    form = ReviewForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.plan_start_review(
            actor=actor, plan_id=pk, reason=data["reason"], expected_version=version
        ),
        title=_("Avvia la revisione"),
        submit=_("Avvia la revisione"),
        success=_(
            "Revisione avviata: il progetto si può modificare; resta in vigore l'ultima "
            "versione firmata finché la nuova non è sottoscritta."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    form = CloseForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.plan_close(
            actor=actor, plan_id=pk, data=data, expected_version=version
        ),
        title=_("Chiudi il progetto"),
        submit=_("Chiudi il progetto"),
        success=_("Progetto chiuso."),
        extra={
            "intro": _(
                "Alla chiusura l'équipe esce dal caso, le attività aperte sono annullate e "
                "finisce l'incarico del case manager."
            )
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The acceptance of the proposed version: its hash shown and bound; the signer is the
    person, or a guardian or support administrator picked in the registry."""
    from integra.people.selectors import person_search

    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    if plan.state != PlanState.PROPOSED:
        messages.error(request, _("Si firma solo un progetto proposto alla persona."))
        return redirect(_plan_url(plan.pk))
    version = plan.versions.get(number=plan.version_number)
    search = SignerSearchForm(request.GET or None)
    matches = []
    if search.is_valid() and search.cleaned_data["cerca"].strip():
        matches = person_search(actor=actor, query=search.cleaned_data["cerca"], limit=10)
    signer: PersonRef | None = None
    signer_param = request.POST.get("signer_id") or request.GET.get("firmatario")
    if signer_param and scoped(actor, Person).filter(pk=_int(signer_param) or 0).exists():
        signer = person_ref(actor, int(signer_param))
    documents = list(
        scoped(actor, PersonDocument)
        .filter(person_id=plan.person_id)
        .order_by("-created_at", "-pk")
    )
    initial = {
        "version_hash": version.content_hash,
        "signed_on": timezone.localdate(),
        "signer_id": signer.pk if signer else None,
        "signer_role": "tutore" if signer else "persona",
        **_opened(actor, plan),
    }
    form = SignForm(_post_or_none(request), initial=initial, documents=documents)
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version_: services.plan_sign(
            actor=actor, plan_id=pk, data=data, expected_version=version_
        ),
        title=_("Registra la sottoscrizione della versione %(n)s") % {"n": version.number},
        submit=_("Registra la sottoscrizione"),
        success=_("Sottoscrizione registrata: ora il progetto si può attivare."),
        anchor="versioni",
        template="careplans/sign_form.html",
        extra={"version": version, "search": search, "matches": matches, "signer": signer},
    )


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# --- case manager and team ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_manager_handover(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    candidates = [m for m in pages.operators(case_manage=True) if m.pk != plan.case_manager_id]
    form = HandoverForm(_post_or_none(request), initial=_opened(actor, plan), candidates=candidates)
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.case_manager_handover(
            actor=actor,
            plan_id=pk,
            membership_id=data["membership_id"],
            reason=data["reason"],
            expected_version=version,
        ),
        title=_("Passa il caso a un altro case manager"),
        submit=_("Passa il caso"),
        success=_("Case manager cambiato: il passaggio e il motivo restano nella storia."),
        anchor="case-manager",
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    form = TeamMemberForm(
        _post_or_none(request),
        initial=_opened(actor, plan),
        candidates=list(pages.operators()),
    )
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.team_member_add(
            actor=actor, plan_id=pk, data=data, expected_version=version
        ),
        title=_("Aggiungi un componente all'équipe"),
        submit=_("Aggiungi"),
        success=_("Componente aggiunto: da ora conosce la persona, finché resta nell'équipe."),
        anchor="equipe",
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_end(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    member = (
        plan.team.filter(pk=member_pk, ended_at__isnull=True)
        .select_related("membership__user")
        .first()
    )
    if member is None:
        raise NotFound()
    name = member.membership.user.get_full_name() or member.membership.user.get_username()
    form = TeamEndForm(_post_or_none(request), initial=_opened(actor, plan))
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.team_member_end(
            actor=actor,
            plan_id=pk,
            member_id=member.pk,
            reason=data["reason"],
            expected_version=version,
        ),
        title=_("%(name)s esce dall'équipe") % {"name": name},
        submit=_("Conferma l'uscita"),
        success=_("Uscita registrata: le sue attività aperte tornano al case manager."),
        anchor="equipe",
    )


# --- tasks -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan, person = _plan_head(actor, pk)
    assignees = list(
        pages.operators().filter(
            pk__in=[
                plan.case_manager_id or 0,
                *plan.team.filter(ended_at__isnull=True).values_list("membership_id", flat=True),
            ]
        )
    )
    form = TaskForm(
        _post_or_none(request),
        assignees=assignees,
        initial={"assignee_id": plan.case_manager_id},
    )
    return _form_page(
        request,
        actor=actor,
        plan=plan,
        person=person,
        form=form,
        call=lambda data, version: services.task_create(actor=actor, plan_id=pk, data=data),
        title=_("Nuova attività"),
        submit=_("Assegna l'attività"),
        success=_("Attività assegnata: l'operatore riceve un avviso."),
        anchor="attivita",
    )


@login_required
@require_POST
def task_close(request: HttpRequest, task_pk: int) -> HttpResponse:
    actor = _actor(request)
    form = TaskCloseForm(request.POST)
    done = form.is_valid() and form.cleaned_data["done"]
    notes = form.cleaned_data.get("outcome_notes", "") if form.is_valid() else ""
    try:
        task = services.task_close(actor=actor, task_id=task_pk, done=done, outcome_notes=notes)
    except PlanError as exc:
        messages.error(request, exc.message)
        task = get_visible(actor, selectors.tasks_of(actor=actor, state=""), pk=task_pk)
    else:
        messages.success(
            request, _("Attività segnata come fatta.") if done else _("Attività annullata.")
        )
    back = request.POST.get("back", "")
    if back == "mie":
        return redirect("careplans:my_tasks")
    return redirect(_plan_url(task.plan_id, "attivita"))


@login_required
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if actor.membership is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    form = TaskFilterForm(request.GET or None)
    overdue = form.is_valid() and form.cleaned_data["scadute"]
    today = timezone.localdate()
    tasks = list(
        selectors.tasks_of(
            actor=actor, assignee_id=actor.membership.pk, overdue_on=today if overdue else None
        )[:200]
    )
    attach_person_refs(actor, [t.plan for t in tasks])
    access_log_record(
        actor=actor,
        subject=("careplans.caretask", "mie", _("Le mie attività")),
        action=AccessAction.LIST,
        detail={"overdue": overdue, "rows": len(tasks)},
    )
    return _render(
        request,
        "careplans/my_tasks.html",
        {"form": form, "tasks": tasks, "today": today, "overdue": overdue},
    )


# --- creation ----------------------------------------------------------------------------------


@login_required
@require_POST
def create_from_uvm(request: HttpRequest, session_pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        plan = services.plan_create_from_uvm(actor=actor, session_id=session_pk, data={})
    except PlanError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:uvm_detail", session_pk)
    messages.success(request, _("Progetto aperto dalla seduta UVM: completalo con la persona."))
    return redirect(_plan_url(plan.pk))


@login_required
@require_http_methods(["GET", "POST"])
def create_for_person(request: HttpRequest, person_pk: int) -> HttpResponse:
    actor = _actor(request)
    if not actor.has(Permission.CASE_MANAGE):
        raise PermissionRequired(Permission.CASE_MANAGE)
    get_visible(actor, Person, pk=person_pk)
    person = person_ref(actor, person_pk)
    request_id = _int(request.GET.get("richiesta"))
    form = PlanCreateForm(
        _post_or_none(request),
        initial={"intake_request_id": request_id, "kind": "progetto"},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                plan = services.plan_create(
                    actor=actor, person_id=person_pk, data=form.cleaned_data
                )
            except PlanError as exc:
                _errors_on(form, exc)
            else:
                messages.success(request, _("Progetto aperto: completalo con la persona."))
                return redirect(_plan_url(plan.pk))
    return _render(
        request,
        "careplans/plan_create.html",
        {"form": form, "person": person},
        status=status,
    )


@login_required
@require_GET
def person_plans(request: HttpRequest, person_pk: int) -> HttpResponse:
    actor = _actor(request)
    get_visible(actor, Person, pk=person_pk)
    person = person_ref(actor, person_pk)
    plans = list(selectors.plans_of_person(actor=actor, person_id=person_pk)[:100])
    access_log_record(
        actor=actor,
        subject=("careplans.careplan", f"persona-{person_pk}", _("Progetti della persona")),
        action=AccessAction.LIST,
        detail={"person_id": person_pk, "rows": len(plans)},
    )
    return _render(
        request,
        "careplans/person_plans.html",
        {"person": person, "plans": plans, "may_create": actor.has(Permission.CASE_MANAGE)},
    )


# --- versions and the PDF ----------------------------------------------------------------------


@login_required
@require_GET
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view = selectors.plan_get(actor=actor, plan_id=pk, purpose="versioni")
    return _render(
        request,
        "careplans/versions.html",
        {"view": view, "plan": view.plan, "person": view.person},
    )


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    actor = _actor(request)
    plan, version, content = selectors.version_get(actor=actor, plan_id=pk, number=number)
    signatures = list(version.signatures.order_by("-pk"))
    for s in signatures:
        s.signer_ref = person_ref(actor, s.signer_id)  # type: ignore[attr-defined]
    return _render(
        request,
        "careplans/version_detail.html",
        {
            "plan": plan,
            "person": person_ref(actor, plan.person_id),
            "version": version,
            "content": content,
            "signatures": signatures,
        },
    )


@login_required
@require_GET
def version_compare(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan = get_visible(actor, CarePlan, pk=pk)
    numbers = list(plan.versions.order_by("number").values_list("number", flat=True))
    a = _int(request.GET.get("da")) or (numbers[-2] if len(numbers) > 1 else None)
    b = _int(request.GET.get("a")) or (numbers[-1] if numbers else None)
    differences = None
    if a is not None and b is not None and a in numbers and b in numbers:
        _p, _v1, before = selectors.version_get(actor=actor, plan_id=pk, number=a)
        _p, _v2, after = selectors.version_get(actor=actor, plan_id=pk, number=b)
        differences = compare(before, after)
    return _render(
        request,
        "careplans/version_compare.html",
        {
            "plan": plan,
            "person": person_ref(actor, plan.person_id),
            "numbers": numbers,
            "a": a,
            "b": b,
            "differences": differences,
        },
    )


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_GET
def plan_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    view = selectors.plan_get(actor=actor, plan_id=pk, purpose="stampa progetto")
    access_log_record(
        actor=actor, subject=view.plan, action=AccessAction.PRINT, detail={"view": "progetto_pdf"}
    )
    return _pdf_response(plan_pdf(view, actor), f"progetto-{pk}.pdf")


@login_required
@require_GET
def version_pdf_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    actor = _actor(request)
    plan, version, content = selectors.version_get(actor=actor, plan_id=pk, number=number)
    access_log_record(
        actor=actor,
        subject=plan,
        action=AccessAction.PRINT,
        detail={"view": "versione_progetto_pdf", "version": version.number},
    )
    person = person_ref(actor, plan.person_id)
    signatures = list(version.signatures.order_by("-pk"))
    for s in signatures:
        s.signer_ref = person_ref(actor, s.signer_id)  # type: ignore[attr-defined]
    return _pdf_response(
        version_pdf(
            plan=plan, version=version, content=content, person=person, signatures=signatures
        ),
        f"progetto-{pk}-v{version.number}.pdf",
    )


# --- caseload ----------------------------------------------------------------------------------


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if actor.membership is None:
        raise PermissionRequired(Permission.CASE_MANAGE)
    coordinator = pages.may_see_others_caseload(actor)
    if not (actor.has(Permission.CASE_MANAGE) or coordinator):
        raise PermissionRequired(Permission.CASE_MANAGE)
    operators = list(pages.organisation_case_managers(actor)) if coordinator else []
    form = CaseloadFilterForm(request.GET or None, operators=operators)
    membership_id = actor.membership.pk
    chosen = form.cleaned_data.get("operatore") if form.is_valid() else None
    if coordinator and chosen and chosen in {m.pk for m in operators}:
        membership_id = chosen
    today = timezone.localdate()
    review = form.cleaned_data.get("revisione", "") if form.is_valid() else ""
    page = CappedPaginator(
        selectors.caseload(actor=actor, membership_id=membership_id, today=today, review=review),
        CASELOAD_PAGE_SIZE,
    ).get_page(request.GET.get("pagina"))
    rows = pages.caseload_rows(plans=page.object_list, today=today)
    access_log_record(
        actor=actor,
        subject=("careplans.careplan", f"casi-{membership_id}", _("Casi di un case manager")),
        action=AccessAction.LIST,
        detail={"membership_id": membership_id, "rows": len(rows)},
    )
    return _render(
        request,
        "careplans/caseload.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "coordinator": coordinator,
            "mine": membership_id == actor.membership.pk,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def caseload_reassign(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not pages.may_see_others_caseload(actor):
        raise PermissionRequired(Permission.PLANNING_COORDINATE)
    operators = list(pages.organisation_case_managers(actor))
    form = ReassignForm(_post_or_none(request), operators=operators)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                moved = services.caseload_reassign(
                    actor=actor,
                    from_membership_id=data["from_membership_id"],
                    to_membership_ids=data["to_membership_ids"],
                    reason=data["reason"],
                )
            except PlanError as exc:
                _errors_on(form, exc)
            else:
                messages.success(
                    request,
                    _("Casi riassegnati: %(n)d.") % {"n": len(moved)},
                )
                return redirect(
                    f"{reverse('careplans:caseload')}?operatore={data['to_membership_ids'][0]}"
                )
    return _render(request, "careplans/reassign.html", {"form": form}, status=status)
