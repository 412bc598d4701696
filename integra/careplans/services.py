"""The writes of the care plan and its case. Views and API call these; each checks who may act,
works in one transaction, and refuses with a ``PlanError`` (nothing written) — the rules:

* states (``TRANSITIONS``): draft → proposed → signed → active → under review → proposed … and
  closed from any open state, with its reason; a proposal freezes a new ``CarePlanVersion``;
* the content is edited only in draft or under review, and every edit names the ``row_version``
  it was made on: an edit made on an older one is refused (optimistic locking), never merged;
* one case manager (database: one column, required from proposed on; one open assignment);
* a team member knows of the person from when they join until they leave (``people.TeamAccess``,
  personal), and a closed plan ends every membership.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from integra.accounts.models import Membership
from integra.assessments.uvm import add_months
from integra.assessments.uvm_models import (
    HEALTH_NEED_DOMAINS,
    CareIntensity,
    NeedDomain,
    Profession,
    UvmSession,
    UvmState,
)
from integra.careplans.access import may_contribute, may_manage
from integra.careplans.errors import PlanError, PlanErrorCode
from integra.careplans.models import (
    EDITABLE_STATES,
    OPEN_STATES,
    CarePlan,
    CarePlanVersion,
    CareTask,
    CareTeamMember,
    CaseManagerAssignment,
    CloseReason,
    GoalOutcome,
    PlanGoal,
    PlanIntervention,
    PlanKind,
    PlanSignature,
    PlanState,
    SignatureMethod,
    SignerRole,
    TaskState,
)
from integra.careplans.selectors import goal_writable
from integra.careplans.versions import content_hash, plan_content
from integra.core.access import Actor, NotFound, get_visible, require, scoped
from integra.core.health import may_record_health
from integra.core.permissions import Permission
from integra.intake.models import IntakeRequest
from integra.organizations.models import Organization, Service
from integra.people.models import Person, PersonDocument
from integra.people.services import team_access_end, team_access_grant

TRANSITIONS: dict[str, tuple[str, ...]] = {
    PlanState.DRAFT: (PlanState.PROPOSED, PlanState.CLOSED),
    PlanState.PROPOSED: (PlanState.SIGNED, PlanState.DRAFT, PlanState.REVIEW, PlanState.CLOSED),
    PlanState.SIGNED: (PlanState.ACTIVE, PlanState.CLOSED),
    PlanState.ACTIVE: (PlanState.REVIEW, PlanState.CLOSED),
    PlanState.REVIEW: (PlanState.PROPOSED, PlanState.CLOSED),
    PlanState.CLOSED: (),
}

TEXT_MAX = 5000


# --- small parsers -----------------------------------------------------------------------------


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _text(
    data: Mapping[str, Any],
    key: str,
    errors: dict[str, list[str]],
    *,
    required: bool = False,
    max_length: int = TEXT_MAX,
) -> str:
    text = str(data.get(key) or "").strip()
    if required and not text:
        errors.setdefault(key, []).append(_("Campo obbligatorio."))
    if len(text) > max_length:
        errors.setdefault(key, []).append(_("Al massimo %(n)d caratteri.") % {"n": max_length})
    return text


def _date(
    data: Mapping[str, Any], key: str, errors: dict[str, list[str]], *, required: bool = False
) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            errors.setdefault(key, []).append(_("Indica la data."))
        return None
    if isinstance(value, date):
        return value
    try:
        day = parse_date(str(value))
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 2100:
        errors.setdefault(key, []).append(_("Data non valida (gg/mm/aaaa)."))
        return None
    return day


def _money(data: Mapping[str, Any], key: str, errors: dict[str, list[str]]) -> Decimal:
    value = data.get(key)
    if value in (None, ""):
        return Decimal("0.00")
    try:
        amount = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.setdefault(key, []).append(_("Importo non valido."))
        return Decimal("0.00")
    if amount < 0 or amount >= Decimal("100000000"):
        errors.setdefault(key, []).append(_("L'importo non può essere negativo."))
    return amount


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise PlanError(PlanErrorCode.INVALID, errors)


# --- locking and state -------------------------------------------------------------------------


def _locked(
    actor: Actor, plan_id: object, expected_version: object = None, *, contribute: bool = False
) -> CarePlan:
    """The plan, locked for the transaction, after checking who may act and (when given) that
    it is still the version the actor's edit was made on."""
    plan = get_visible(actor, CarePlan.objects.select_for_update(of=("self",)), pk=plan_id)
    allowed = may_contribute(actor, plan) if contribute else may_manage(actor, plan)
    if not allowed:
        require(actor, Permission.SYSTEM_ADMIN)  # sees it but may not manage it: 403
    if expected_version is not None and _int(expected_version) != plan.row_version:
        raise PlanError(
            PlanErrorCode.STALE,
            {
                "row_version": [
                    _(
                        "Un altro operatore ha modificato il progetto mentre lo stavi "
                        "modificando: ricarica la pagina, guarda cosa è cambiato e riprova."
                    )
                ]
            },
        )
    return plan


def _membership(actor: Actor) -> Membership:
    assert actor.membership is not None  # every write path checked a permission already
    return actor.membership


def _touch(plan: CarePlan) -> None:
    """Count an edit of the plan or of a part of it (its goals, interventions, team)."""
    CarePlan.objects.filter(pk=plan.pk).update(
        row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    plan.row_version += 1


def _move(plan: CarePlan, target: str) -> None:
    if target not in TRANSITIONS[plan.state]:
        raise PlanError(
            PlanErrorCode.STATE,
            {
                "state": [
                    _("Il progetto è «%(state)s»: non può passare a «%(target)s».")
                    % {
                        "state": plan.get_state_display(),
                        "target": PlanState(target).label,
                    }
                ]
            },
        )
    plan.state = target


def _editable(plan: CarePlan) -> None:
    if plan.state not in EDITABLE_STATES:
        raise PlanError(
            PlanErrorCode.STATE,
            {
                "state": [
                    _(
                        "Il progetto è «%(state)s»: si modifica solo in bozza o in revisione. "
                        "Avvia una revisione per cambiarlo."
                    )
                    % {"state": plan.get_state_display()}
                ]
            },
        )


# --- creation ----------------------------------------------------------------------------------


def _plan_fields(
    actor: Actor, plan: CarePlan, data: Mapping[str, Any], errors: dict[str, list[str]]
) -> None:
    if "kind" in data:
        kind = str(data.get("kind") or "")
        if kind not in PlanKind.values:
            errors["kind"] = [_("Tipo di progetto sconosciuto.")]
        else:
            plan.kind = kind
    if "title" in data:
        plan.title = _text(data, "title", errors, required=True, max_length=200)
    for key in (
        "strengths_person",
        "strengths_family",
        "strengths_community",
        "person_commitments",
    ):
        if key in data:
            setattr(plan, key, _text(data, key, errors))
    if "care_intensity" in data:
        intensity = str(data.get("care_intensity") or "")
        if intensity and intensity not in CareIntensity.values:
            errors["care_intensity"] = [_("Intensità assistenziale sconosciuta.")]
        plan.care_intensity = intensity
    if "starts_on" in data:
        plan.starts_on = _date(data, "starts_on", errors)
    if "ends_on" in data:
        plan.ends_on = _date(data, "ends_on", errors)
    if plan.starts_on and plan.ends_on and plan.ends_on < plan.starts_on:
        errors.setdefault("ends_on", []).append(_("La fine precede l'inizio."))
    if "review_months" in data:
        months = (
            _int(data.get("review_months")) if data.get("review_months") not in (None, "") else None
        )
        if months is not None and not 1 <= months <= 60:
            errors["review_months"] = [_("Tra 1 e 60 mesi.")]
        plan.review_months = months
    if "next_review_on" in data:
        plan.next_review_on = _date(data, "next_review_on", errors)
    if "needs_summary" in data:
        summary = data.get("needs_summary") or {}
        if not isinstance(summary, Mapping) or any(k not in NeedDomain.values for k in summary):
            errors["needs_summary"] = [_("Dimensioni del bisogno sconosciute.")]
        else:
            written = {k: str(v).strip() for k, v in summary.items() if str(v or "").strip()}
            if not may_record_health(actor):
                if any(k in HEALTH_NEED_DOMAINS for k in written):
                    errors["needs_summary"] = [
                        _("Le dimensioni sanitarie le scrive il personale sanitario.")
                    ]
                # What the actor cannot see stays as the health staff wrote it.
                written |= {k: v for k, v in plan.needs_summary.items() if k in HEALTH_NEED_DOMAINS}
            plan.needs_summary = written


def _creator_membership(actor: Actor) -> Membership:
    require(actor, Permission.CASE_MANAGE)
    assert actor.membership is not None
    return actor.membership


def plan_create(*, actor: Actor, person_id: object, data: Mapping[str, Any]) -> CarePlan:
    """A draft plan for a person whose content the actor reads (e.g. a simple need from a PUA
    request: ``intake_request_id``), held by the actor's organisation, the actor as its first
    case manager unless another is named."""
    membership = _creator_membership(actor)
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_create"):
        person = get_visible(actor, Person, pk=person_id)
        plan = CarePlan(
            person=person,
            organization_id=membership.organization_id,
            kind=PlanKind.PROJECT,
            created_by=membership,
        )
        request_id = data.get("intake_request_id")
        if request_id not in (None, ""):
            request = (
                scoped(actor, IntakeRequest)
                .filter(pk=_int(request_id) or 0, person_id=person.pk)
                .first()
            )
            if request is None:
                errors["intake_request_id"] = [_("Richiesta PUA non trovata per questa persona.")]
            plan.intake_request = request
        _plan_fields(actor, plan, {"title": "", **data}, errors)
        _raise(errors)
        plan.save()
        _assign_case_manager(plan, membership, reason=_("Apertura del progetto"), by=membership)
    return plan


def plan_create_from_uvm(*, actor: Actor, session_id: object, data: Mapping[str, Any]) -> CarePlan:
    """The plan that follows a concluded UVM session: its needs, user class, intensity, review
    interval and proposed case manager carried over (seed 002 rule 6)."""
    membership = _creator_membership(actor)
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_create_from_uvm"):
        session = get_visible(
            actor,
            UvmSession.objects.select_related("user_class", "proposed_case_manager"),
            pk=session_id,
        )
        if session.state != UvmState.CONCLUDED:
            raise PlanError(
                PlanErrorCode.STATE,
                {"uvm_session": [_("Il progetto si apre da una seduta UVM conclusa.")]},
            )
        if CarePlan.objects.filter(uvm_session=session).exists():
            raise PlanError(
                PlanErrorCode.EXISTS,
                {"uvm_session": [_("Per questa seduta esiste già un progetto.")]},
            )
        get_visible(actor, Person, pk=session.person_id)
        months = session.user_class.review_months if session.user_class else None
        plan = CarePlan(
            person_id=session.person_id,
            organization_id=membership.organization_id,
            kind=PlanKind.PAI,
            title=_("Progetto individuale dopo la UVM del %(day)s")
            % {"day": timezone.localtime(session.scheduled_for).strftime("%d/%m/%Y")},
            uvm_session=session,
            intake_request_id=session.intake_request_id,
            user_class=session.user_class,
            care_intensity=session.care_intensity,
            needs_summary=dict(session.needs_summary),
            review_months=months,
            next_review_on=session.next_review_on,
            created_by=membership,
        )
        _plan_fields(actor, plan, {k: v for k, v in data.items() if k != "needs_summary"}, errors)
        _raise(errors)
        plan.save()
        manager = session.proposed_case_manager or membership
        _assign_case_manager(plan, manager, reason=_("Proposto dall'UVM"), by=membership)
    return plan


def plan_update(
    *, actor: Actor, plan_id: object, data: Mapping[str, Any], expected_version: object
) -> CarePlan:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_update"):
        plan = _locked(actor, plan_id, expected_version)
        _editable(plan)
        _plan_fields(actor, plan, data, errors)
        _raise(errors)
        plan.row_version += 1
        plan.save()
    return plan


# --- goals and interventions -------------------------------------------------------------------


def _goal_fields(
    actor: Actor, goal: PlanGoal, data: Mapping[str, Any], errors: dict[str, list[str]]
) -> None:
    domain = str(data.get("need_domain") or "")
    if domain not in NeedDomain.values:
        errors["need_domain"] = [_("Scegli la dimensione del bisogno.")]
    elif domain in HEALTH_NEED_DOMAINS and not may_record_health(actor):
        errors["need_domain"] = [_("Gli obiettivi sanitari li scrive il personale sanitario.")]
    goal.need_domain = domain
    goal.description = _text(data, "description", errors, required=True)
    goal.indicator = _text(data, "indicator", errors, required=True, max_length=300)
    goal.baseline = _text(data, "baseline", errors, max_length=300)
    goal.target = _text(data, "target", errors, required=True, max_length=300)
    goal.deadline = _date(data, "deadline", errors, required=True)  # type: ignore[assignment]
    if "outcome" in data:
        outcome = str(data.get("outcome") or GoalOutcome.OPEN)
        if outcome not in GoalOutcome.values:
            errors["outcome"] = [_("Esito sconosciuto.")]
        goal.outcome = outcome
        goal.outcome_notes = _text(data, "outcome_notes", errors)


def goal_add(
    *, actor: Actor, plan_id: object, data: Mapping[str, Any], expected_version: object
) -> PlanGoal:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_goal_add"):
        plan = _locked(actor, plan_id, expected_version, contribute=True)
        _editable(plan)
        goal = PlanGoal(plan=plan, position=plan.goals.count())
        _goal_fields(actor, goal, data, errors)
        _raise(errors)
        goal.save()
        _touch(plan)
    return goal


def goal_update(
    *,
    actor: Actor,
    plan_id: object,
    goal_id: object,
    data: Mapping[str, Any],
    expected_version: object,
) -> PlanGoal:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_goal_update"):
        plan = _locked(actor, plan_id, expected_version, contribute=True)
        goal = goal_writable(actor, plan, goal_id)
        if plan.state != PlanState.ACTIVE or set(data) - {"outcome", "outcome_notes"}:
            _editable(plan)  # while active only the outcome of a goal is recorded
            _goal_fields(actor, goal, data, errors)
        else:
            _goal_fields(actor, goal, {**_goal_data(goal), **data}, errors)
        _raise(errors)
        goal.save()
        _touch(plan)
    return goal


def _goal_data(goal: PlanGoal) -> dict[str, Any]:
    return {
        "need_domain": goal.need_domain,
        "description": goal.description,
        "indicator": goal.indicator,
        "baseline": goal.baseline,
        "target": goal.target,
        "deadline": goal.deadline,
    }


def goal_remove(
    *, actor: Actor, plan_id: object, goal_id: object, expected_version: object
) -> None:
    with transaction.atomic(), pghistory.context(reason="careplan_goal_remove"):
        plan = _locked(actor, plan_id, expected_version, contribute=True)
        _editable(plan)
        goal_writable(actor, plan, goal_id).delete()
        _touch(plan)


def _intervention_fields(
    actor: Actor,
    plan: CarePlan,
    item: PlanIntervention,
    data: Mapping[str, Any],
    errors: dict[str, list[str]],
) -> None:
    service = Service.objects.filter(pk=_int(data.get("service_id")) or 0, is_active=True).first()
    if service is None:
        errors["service_id"] = [_("Scegli un servizio del catalogo.")]
    else:
        item.service = service
    provider_id = _int(data.get("provider_id")) or (service.provider_id if service else None)
    provider = Organization.objects.filter(pk=provider_id or 0, is_active=True).first()
    if provider is None:
        errors["provider_id"] = [_("Scegli l'ente che eroga l'intervento.")]
    else:
        item.provider = provider
    goal_id = _int(data.get("goal_id"))
    item.goal = None
    if goal_id is not None:
        goal = plan.goals.filter(pk=goal_id).first()
        if goal is None:
            errors["goal_id"] = [_("Obiettivo non trovato in questo progetto.")]
        item.goal = goal
    item.frequency = _text(data, "frequency", errors, max_length=200)
    hours = data.get("hours_per_month")
    item.hours_per_month = None
    if hours not in (None, ""):
        try:
            item.hours_per_month = Decimal(str(hours).replace(",", ".")).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            errors["hours_per_month"] = [_("Numero di ore non valido.")]
        else:
            if not 0 < item.hours_per_month <= 744:
                errors["hours_per_month"] = [_("Tra 0 e 744 ore al mese.")]
    item.starts_on = _date(data, "starts_on", errors, required=True)  # type: ignore[assignment]
    item.ends_on = _date(data, "ends_on", errors)
    if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
        errors["ends_on"] = [_("La fine precede l'inizio.")]
    item.monthly_cost = _money(data, "monthly_cost", errors)
    item.ssn_amount = _money(data, "ssn_amount", errors)
    item.comune_amount = _money(data, "comune_amount", errors)
    item.person_amount = _money(data, "person_amount", errors)
    item.other_amount = _money(data, "other_amount", errors)
    item.other_payer = _text(data, "other_payer", errors, max_length=200)
    if data.get("compute_shares") and not errors and item.starts_on:
        _computed_shares(actor, plan, item, data, errors)
    shares = item.ssn_amount + item.comune_amount + item.person_amount + item.other_amount
    if not errors and shares != item.monthly_cost:
        errors["monthly_cost"] = [
            _(
                "Le quote (SSN %(ssn)s + Comune %(comune)s + persona %(person)s + altri "
                "%(other)s = %(sum)s €) devono fare il costo mensile (%(cost)s €)."
            )
            % {
                "ssn": item.ssn_amount,
                "comune": item.comune_amount,
                "person": item.person_amount,
                "other": item.other_amount,
                "sum": shares,
                "cost": item.monthly_cost,
            }
        ]
    if item.other_amount and not item.other_payer:
        errors["other_payer"] = [_("Indica chi paga la quota «altri».")]
    basis = data.get("cost_basis")
    if isinstance(basis, list):
        item.cost_basis = [str(line) for line in basis][:20]


def _computed_shares(
    actor: Actor,
    plan: CarePlan,
    item: PlanIntervention,
    data: Mapping[str, Any],
    errors: dict[str, list[str]],
) -> None:
    """The shares from the rules held as configuration (integra/costshares): the SSN's from the
    LEA rule of the care setting (the service's default, or ``setting_code``), the person's from
    the co-payment regulation of the plan's holding organisation for the person's ISEE; the
    author may set what others pay. The rules applied are kept with the intervention."""
    from integra.costshares.errors import CostShareError
    from integra.costshares.selectors import (
        care_setting_for,
        isee_value_for,
        regulation_in_force,
        regulation_terms,
        setting_terms,
    )
    from integra.costshares.split import split_cost

    try:
        setting = care_setting_for(
            actor=actor,
            code=str(data.get("setting_code") or "") or None,
            service_id=item.service.pk if item.service_id else None,
        )
        regulation = regulation_in_force(
            actor=actor, organization_id=plan.organization_id, on=item.starts_on
        )
        person = get_visible(actor, Person, pk=plan.person_id)
        days = _int(data.get("days_since_protected_discharge"))
        split = split_cost(
            setting=setting_terms(setting),
            monthly_tariff=item.monthly_cost,
            on=item.starts_on,
            days_since_protected_discharge=days,
            regulation=regulation_terms(regulation) if regulation is not None else None,
            isee_value=isee_value_for(person=person, regulation=regulation, on=item.starts_on),
            other_amount=item.other_amount or None,
        )
    except CostShareError as refused:
        for key, messages in refused.errors.items():
            errors.setdefault(key, []).extend(messages)
        if not refused.errors:
            errors.setdefault("monthly_cost", []).append(refused.message)
        return
    item.ssn_amount, item.comune_amount = split.ssn, split.comune
    item.person_amount, item.other_amount = split.person, split.other
    item.cost_basis = [*split.explanation, *split.warnings][:20]


def intervention_add(
    *, actor: Actor, plan_id: object, data: Mapping[str, Any], expected_version: object
) -> PlanIntervention:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_intervention_add"):
        plan = _locked(actor, plan_id, expected_version)
        _editable(plan)
        item = PlanIntervention(plan=plan, position=plan.interventions.count())
        _intervention_fields(actor, plan, item, data, errors)
        _raise(errors)
        item.save()
        _touch(plan)
    return item


def intervention_update(
    *,
    actor: Actor,
    plan_id: object,
    intervention_id: object,
    data: Mapping[str, Any],
    expected_version: object,
) -> PlanIntervention:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_intervention_update"):
        plan = _locked(actor, plan_id, expected_version)
        _editable(plan)
        item = plan.interventions.filter(pk=_int(intervention_id) or 0).first()
        if item is None:
            raise NotFound()
        _intervention_fields(actor, plan, item, data, errors)
        _raise(errors)
        item.save()
        _touch(plan)
    return item


def intervention_remove(
    *, actor: Actor, plan_id: object, intervention_id: object, expected_version: object
) -> None:
    with transaction.atomic(), pghistory.context(reason="careplan_intervention_remove"):
        plan = _locked(actor, plan_id, expected_version)
        _editable(plan)
        deleted, _rows = plan.interventions.filter(pk=_int(intervention_id) or 0).delete()
        if not deleted:
            raise NotFound()
        _touch(plan)


# --- the plan's life ---------------------------------------------------------------------------


def _proposal_problems(plan: CarePlan) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not plan.goals.exists():
        errors["goals"] = [_("Il progetto non ha ancora un obiettivo.")]
    if not plan.interventions.exists():
        errors["interventions"] = [_("Il progetto non ha ancora un intervento.")]
    if not (plan.strengths_person or plan.strengths_family or plan.strengths_community):
        errors["strengths_person"] = [
            _(
                "Scrivi le risorse della persona, della famiglia o della comunità: il progetto parte da lì."
            )
        ]
    if plan.case_manager_id is None:
        errors["case_manager"] = [_("Il progetto non ha un case manager.")]
    return errors


def plan_propose(
    *, actor: Actor, plan_id: object, note: str = "", expected_version: object
) -> CarePlanVersion:
    """Freeze the content as a new version and hand it to the person for acceptance."""
    with transaction.atomic(), pghistory.context(reason="careplan_propose"):
        plan = _locked(actor, plan_id, expected_version)
        _move(plan, PlanState.PROPOSED)
        problems = _proposal_problems(plan)
        if problems:
            raise PlanError(PlanErrorCode.STATE, problems)
        content = plan_content(plan)
        plan.version_number += 1
        version = CarePlanVersion.objects.create(
            plan=plan,
            number=plan.version_number,
            content=content,
            content_hash=content_hash(content),
            note=str(note or "").strip()[:TEXT_MAX],
            created_by=_membership(actor),
        )
        plan.row_version += 1
        plan.save()
    return version


def plan_rework(*, actor: Actor, plan_id: object, expected_version: object) -> CarePlan:
    """The person asked for changes to the proposal: back to draft (or to review, for a plan
    that was already in force); the proposed version stays in the history, unsigned."""
    with transaction.atomic(), pghistory.context(reason="careplan_rework"):
        plan = _locked(actor, plan_id, expected_version)
        was_in_force = plan.signatures.exists()
        _move(plan, PlanState.REVIEW if was_in_force else PlanState.DRAFT)
        plan.row_version += 1
        plan.save()
    return plan


def plan_sign(
    *, actor: Actor, plan_id: object, data: Mapping[str, Any], expected_version: object
) -> PlanSignature:
    """Record the acceptance of the proposed version: by the person, or by their guardian,
    support administrator, curator or parent — a person in the registry — in the app (in
    presence) or as a scanned signed copy (a document of the person's file). The signature binds
    the hash of the version; a hash given by the caller must match it."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_sign"):
        plan = _locked(actor, plan_id, expected_version)
        _move(plan, PlanState.SIGNED)
        version = plan.versions.get(number=plan.version_number)
        role = str(data.get("signer_role") or SignerRole.PERSON)
        if role not in SignerRole.values:
            errors["signer_role"] = [_("Qualità del firmatario sconosciuta.")]
        signer_id = _int(data.get("signer_id")) if role != SignerRole.PERSON else plan.person_id
        signer = None
        if role == SignerRole.PERSON or signer_id == plan.person_id:
            signer = plan.person
            if role != SignerRole.PERSON:
                errors["signer_id"] = [
                    _("Il tutore o l'amministratore di sostegno è un'altra persona.")
                ]
        elif signer_id is None:
            errors["signer_id"] = [_("Cerca in anagrafe il tutore o l'amministratore di sostegno.")]
        else:
            signer = scoped(actor, Person).filter(pk=signer_id).first()
            if signer is None:
                errors["signer_id"] = [_("Firmatario non trovato in anagrafe.")]
        method = str(data.get("method") or SignatureMethod.IN_APP)
        document = None
        if method not in SignatureMethod.values:
            errors["method"] = [_("Modalità sconosciuta.")]
        elif method == SignatureMethod.SCANNED:
            document = (
                scoped(actor, PersonDocument)
                .filter(pk=_int(data.get("document_id")) or 0, person_id=plan.person_id)
                .first()
            )
            if document is None:
                errors["document_id"] = [
                    _("Allega prima la copia firmata ai documenti della persona e sceglila qui.")
                ]
        signed_on = _date(data, "signed_on", errors) or timezone.localdate()
        if signed_on > timezone.localdate():
            errors["signed_on"] = [_("La data di firma non può essere futura.")]
        if signed_on < version.created_at.date():
            errors["signed_on"] = [_("La firma non può precedere la proposta.")]
        claimed = str(data.get("version_hash") or "")
        if claimed and claimed != version.content_hash:
            errors["version_hash"] = [
                _("La versione firmata non è quella proposta ora: ricarica il progetto.")
            ]
        if errors:
            raise PlanError(PlanErrorCode.SIGNATURE, errors)
        assert signer is not None
        signature = PlanSignature.objects.create(
            plan=plan,
            version=version,
            version_hash=version.content_hash,
            signer=signer,
            signer_role=role,
            method=method,
            document=document,
            signed_on=signed_on,
            recorded_by=_membership(actor),
        )
        plan.row_version += 1
        plan.save()
    return signature


def plan_activate(
    *, actor: Actor, plan_id: object, starts_on: object = None, expected_version: object
) -> CarePlan:
    """The signed plan is in force from ``starts_on`` (today by default); the next review
    follows from the user class's interval unless a date is set."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_activate"):
        plan = _locked(actor, plan_id, expected_version)
        _move(plan, PlanState.ACTIVE)
        start = _date({"starts_on": starts_on}, "starts_on", errors) or timezone.localdate()
        _raise(errors)
        if plan.starts_on is None or plan.version_number == 1:
            plan.starts_on = start
        if plan.review_months and (plan.next_review_on is None or plan.next_review_on <= start):
            plan.next_review_on = add_months(start, plan.review_months)
        plan.row_version += 1
        plan.save()
    return plan


def plan_start_review(
    *, actor: Actor, plan_id: object, reason: str, expected_version: object
) -> CarePlan:
    """Open a revision of a plan in force (the review date came, or the situation changed): the
    content is editable again; the plan in force stays the last signed version until the new
    one is signed."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_review"):
        plan = _locked(actor, plan_id, expected_version)
        text = _text({"reason": reason}, "reason", errors, required=True)
        _raise(errors)
        _move(plan, PlanState.REVIEW)
        plan.row_version += 1
        with pghistory.context(review_reason=text):
            plan.save()
    return plan


def plan_close(
    *, actor: Actor, plan_id: object, data: Mapping[str, Any], expected_version: object
) -> CarePlan:
    """Close the case with its reason: the team's memberships and access end, open tasks are
    cancelled, the case manager's assignment ends."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_close"):
        plan = _locked(actor, plan_id, expected_version)
        reason = str(data.get("close_reason") or "")
        if reason not in CloseReason.values:
            errors["close_reason"] = [_("Indica il motivo della chiusura.")]
        notes = _text(data, "close_notes", errors, required=reason == CloseReason.OTHER)
        closed_on = _date(data, "closed_on", errors) or timezone.localdate()
        _raise(errors)
        _move(plan, PlanState.CLOSED)
        plan.close_reason, plan.close_notes, plan.closed_on = reason, notes, closed_on
        now = timezone.now()
        for member in plan.team.filter(ended_at__isnull=True):
            _end_member(member, now, _("Chiusura del progetto"))
        CaseManagerAssignment.objects.filter(plan=plan, ended_at__isnull=True).update(ended_at=now)
        team_access_end(source=_manager_source(plan), at=now)
        plan.tasks.filter(state=TaskState.OPEN).update(
            state=TaskState.CANCELLED, completed_at=now, completed_by=actor.membership
        )
        plan.row_version += 1
        plan.save()
    return plan


# --- case manager ------------------------------------------------------------------------------


def _manager_source(plan: CarePlan) -> str:
    return f"careplans.casemanager:{plan.pk}"


def case_manager_candidates() -> Any:
    """Active memberships that may be case managers (``CASE_MANAGE``), of any organisation
    that takes part in integrated care."""
    from integra.assessments.uvm import _active_memberships, roles_with

    return _active_memberships().filter(roles__overlap=roles_with(Permission.CASE_MANAGE))


def _assign_case_manager(
    plan: CarePlan, membership: Membership, *, reason: str, by: Membership | None
) -> None:
    now = timezone.now()
    CaseManagerAssignment.objects.filter(plan=plan, ended_at__isnull=True).update(ended_at=now)
    team_access_end(source=_manager_source(plan), at=now)
    CaseManagerAssignment.objects.create(
        plan=plan, membership=membership, started_at=now, reason=reason, assigned_by=by
    )
    CarePlan.objects.filter(pk=plan.pk).update(case_manager=membership)
    plan.case_manager = membership
    team_access_grant(
        person_id=plan.person_id,
        membership=membership,
        source=_manager_source(plan),
        reason=_("Case manager del progetto n. %(id)s") % {"id": plan.pk},
    )


def case_manager_handover(
    *, actor: Actor, plan_id: object, membership_id: object, reason: str, expected_version: object
) -> CarePlan:
    """Hand the case to another case manager, with the reason (kept in the history)."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplan_case_manager_handover"):
        plan = _locked(actor, plan_id, expected_version)
        if plan.state == PlanState.CLOSED:
            _move(plan, PlanState.ACTIVE)  # refused with the state's message
        text = _text({"reason": reason}, "reason", errors, required=True)
        membership = case_manager_candidates().filter(pk=_int(membership_id) or 0).first()
        if membership is None:
            errors["membership_id"] = [_("Scegli un operatore che può fare il case manager.")]
        elif membership.pk == plan.case_manager_id:
            errors["membership_id"] = [_("È già il case manager del progetto.")]
        _raise(errors)
        assert membership is not None
        _assign_case_manager(plan, membership, reason=text, by=actor.membership)
        _touch(plan)
    return plan


def caseload_reassign(
    *, actor: Actor, from_membership_id: object, to_membership_ids: Sequence[object], reason: str
) -> list[CarePlan]:
    """Hand every open case of one operator to others, in turn (bulk reassignment: leave,
    transfer). Only a coordinator of the holding organisation (``PLANNING_COORDINATE``) or the
    organisation's administrator; each handover is recorded with the reason like a single one."""
    if not (actor.has(Permission.PLANNING_COORDINATE) or actor.has(Permission.MEMBERSHIP_MANAGE)):
        require(actor, Permission.PLANNING_COORDINATE)
    errors: dict[str, list[str]] = {}
    text = _text({"reason": reason}, "reason", errors, required=True)
    targets = list(
        case_manager_candidates().filter(pk__in=[_int(t) or 0 for t in to_membership_ids])
    )
    source_id = _int(from_membership_id) or 0
    targets = [t for t in targets if t.pk != source_id]
    if not targets:
        errors["to_membership_ids"] = [_("Scegli almeno un operatore che riceve i casi.")]
    _raise(errors)
    moved: list[CarePlan] = []
    with transaction.atomic(), pghistory.context(reason="careplan_caseload_reassign", note=text):
        plans = list(
            CarePlan.objects.select_for_update()
            .filter(
                case_manager_id=source_id,
                organization_id=actor.organization_id or 0,
                state__in=OPEN_STATES,
            )
            .order_by("next_review_on", "pk")
        )
        for n, plan in enumerate(plans):
            _assign_case_manager(plan, targets[n % len(targets)], reason=text, by=actor.membership)
            _touch(plan)
            moved.append(plan)
    return moved


# --- care team ---------------------------------------------------------------------------------


def team_member_add(
    *, actor: Actor, plan_id: object, data: Mapping[str, Any], expected_version: object
) -> CareTeamMember:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplans_team_add"):
        plan = _locked(actor, plan_id, expected_version)
        if plan.state == PlanState.CLOSED:
            _move(plan, PlanState.ACTIVE)
        from integra.assessments.uvm import _active_memberships

        membership = _active_memberships().filter(pk=_int(data.get("membership_id")) or 0).first()
        if membership is None:
            errors["membership_id"] = [_("Scegli un operatore attivo.")]
        elif plan.team.filter(membership=membership, ended_at__isnull=True).exists():
            errors["membership_id"] = [_("È già nell'équipe.")]
        profession = str(data.get("profession") or "")
        if profession not in Profession.values:
            errors["profession"] = [_("Scegli il profilo.")]
        responsibilities = _text(data, "responsibilities", errors)
        _raise(errors)
        assert membership is not None
        member = CareTeamMember.objects.create(
            plan=plan,
            membership=membership,
            profession=profession,
            responsibilities=responsibilities,
            started_at=timezone.now(),
            added_by=actor.membership,
        )
        team_access_grant(
            person_id=plan.person_id,
            membership=membership,
            source=member.access_source,
            reason=_("Componente dell'équipe del progetto n. %(id)s") % {"id": plan.pk},
        )
        _touch(plan)
    return member


def _end_member(member: CareTeamMember, at: Any, reason: str) -> None:
    member.ended_at, member.end_reason = at, reason
    member.save(update_fields=["ended_at", "end_reason"])
    team_access_end(source=member.access_source, at=at)


def team_member_end(
    *, actor: Actor, plan_id: object, member_id: object, reason: str, expected_version: object
) -> CareTeamMember:
    """The member leaves the team: from now on they no longer know of the person through it;
    their open tasks go back to the case manager."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplans_team_end"):
        plan = _locked(actor, plan_id, expected_version)
        member = plan.team.filter(pk=_int(member_id) or 0, ended_at__isnull=True).first()
        if member is None:
            raise NotFound()
        text = _text({"reason": reason}, "reason", errors, required=True)
        _raise(errors)
        _end_member(member, timezone.now(), text)
        if plan.case_manager_id and member.membership_id != plan.case_manager_id:
            plan.tasks.filter(state=TaskState.OPEN, assignee_id=member.membership_id).update(
                assignee_id=plan.case_manager_id
            )
        _touch(plan)
    return member


# --- tasks -------------------------------------------------------------------------------------


def _may_be_assigned(plan: CarePlan, membership_id: int | None) -> bool:
    if membership_id is None:
        return False
    return (
        membership_id == plan.case_manager_id
        or plan.team.filter(membership_id=membership_id, ended_at__isnull=True).exists()
    )


def task_create(*, actor: Actor, plan_id: object, data: Mapping[str, Any]) -> CareTask:
    """A task for the case manager or a member of the team, with its due date; the assignee
    gets an in-app notice (and an e-mail reminder when it falls due: ``tasks.py``)."""
    from integra.notices.services import notice_to_user

    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplans_task_create"):
        plan = _locked(actor, plan_id)
        if plan.state == PlanState.CLOSED:
            _move(plan, PlanState.ACTIVE)
        assignee_id = _int(data.get("assignee_id"))
        if not _may_be_assigned(plan, assignee_id):
            errors["assignee_id"] = [
                _("Assegna l'attività al case manager o a un componente dell'équipe.")
            ]
        title = _text(data, "title", errors, required=True, max_length=200)
        details = _text(data, "details", errors)
        due_on = _date(data, "due_on", errors, required=True)
        if due_on and due_on < timezone.localdate():
            errors["due_on"] = [_("La scadenza non può essere già passata.")]
        _raise(errors)
        assert due_on is not None and assignee_id is not None and actor.membership is not None
        task = CareTask.objects.create(
            plan=plan,
            assignee_id=assignee_id,
            title=title,
            details=details,
            due_on=due_on,
            created_by=actor.membership,
        )
        assignee = Membership.objects.select_related("user").get(pk=assignee_id)
        notice_to_user(
            membership=assignee,
            text=_("Nuova attività «%(title)s» entro il %(due)s (progetto n. %(plan)s).")
            % {"title": title, "due": due_on.strftime("%d/%m/%Y"), "plan": plan.pk},
            url=f"/progetti/{plan.pk}/#attivita",
            person_id=plan.person_id,
            from_organization_id=actor.organization_id,
        )
    return task


def task_close(*, actor: Actor, task_id: object, done: bool, outcome_notes: str = "") -> CareTask:
    """The assignee (or the case manager) marks the task done, or cancels it."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="careplans_task_close"):
        task = get_visible(
            actor,
            CareTask.objects.select_for_update(of=("self",)).select_related("plan"),
            pk=task_id,
        )
        membership_id = actor.membership.pk if actor.membership else None
        if membership_id not in (task.assignee_id, task.plan.case_manager_id) and not may_manage(
            actor, task.plan
        ):
            require(actor, Permission.SYSTEM_ADMIN)
        if task.state != TaskState.OPEN:
            raise PlanError(PlanErrorCode.STATE, {"state": [_("L'attività è già chiusa.")]})
        notes = _text({"outcome_notes": outcome_notes}, "outcome_notes", errors)
        _raise(errors)
        task.state = TaskState.DONE if done else TaskState.CANCELLED
        task.completed_at = timezone.now()
        task.completed_by = actor.membership
        task.outcome_notes = notes
        task.save()
    return task


# --- reminders ---------------------------------------------------------------------------------

REMIND_DAYS_BEFORE = 2


def tasks_to_remind(today: date) -> Any:
    """Open tasks of open plans due within ``REMIND_DAYS_BEFORE`` days or overdue, not yet
    reminded today (one e-mail per task per day at most)."""
    return (
        CareTask.objects.filter(
            state=TaskState.OPEN,
            plan__state__in=OPEN_STATES,
            due_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        )
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_related("assignee__user", "assignee__organization")
        .order_by("assignee_id", "due_on", "pk")
    )
