"""Reads of the programs app: rule sets in force, a person's evidence (logged)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, PermissionRequired, scoped
from integra.core.health import may_see_health
from integra.people import selectors as people_selectors
from integra.people.access import hidden_link
from integra.people.models import ConcealedKind, IseeDeclaration, Person
from integra.programs.access import SCREENING_PERMISSIONS, may_screen
from integra.programs.errors import ProgramError, ProgramErrorCode
from integra.programs.models import (
    EligibilityFact,
    MeasureRuleSet,
    RuleSetState,
    RuleSetStatus,
    ScreeningRecord,
)
from integra.programs.rules import RuleSet
from integra.programs.screening import (
    EvidenceBundle,
    FactRecord,
    IseeRecord,
    ScoreRecord,
    ScreeningResult,
    evaluate,
)

# --- rule sets (regional configuration, readable by every operator) ---------------------------


def _in_force(day: date) -> Q:
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def rule_set_in_force(*, measure_code: str, on: date) -> MeasureRuleSet | None:
    """The act in force for the measure on ``on``; when acts overlap, the one that started
    last wins (a new act supersedes the open-ended previous one from its first day)."""
    return (
        MeasureRuleSet.objects.filter(_in_force(on), measure_code=measure_code)
        .order_by("-effective_from", "-pk")
        .first()
    )


def rule_sets_in_force(*, on: date) -> list[MeasureRuleSet]:
    """For each measure known, the act in force on ``on`` (measures with none are left out)."""
    rows = MeasureRuleSet.objects.filter(_in_force(on)).order_by(
        "measure_code", "-effective_from", "-pk"
    )
    chosen: dict[str, MeasureRuleSet] = {}
    for row in rows:
        chosen.setdefault(row.measure_code, row)
    return list(chosen.values())


def rule_set_state(
    rule_set: MeasureRuleSet, *, on: date, in_force: MeasureRuleSet | None
) -> RuleSetState:
    """The state of ``rule_set`` on ``on``, given the act ``in_force`` for its measure that day
    (``rule_set_in_force``): the one rule for the list of acts and the page of each act."""
    if rule_set.effective_from > on:
        return RuleSetState.FUTURE
    if in_force is not None and in_force.pk == rule_set.pk:
        if rule_set.status == RuleSetStatus.SUSPENDED:
            return RuleSetState.SUSPENDED
        return RuleSetState.IN_FORCE
    if rule_set.effective_to is not None and rule_set.effective_to < on:
        return RuleSetState.EXPIRED
    return RuleSetState.SUPERSEDED


def rule_sets_with_state(*, on: date) -> list[tuple[MeasureRuleSet, RuleSetState]]:
    """Every act, latest first within each measure, with its state on ``on`` (two queries)."""
    in_force = {r.measure_code: r for r in rule_sets_in_force(on=on)}
    return [
        (r, rule_set_state(r, on=on, in_force=in_force.get(r.measure_code)))
        for r in rule_sets_all()
    ]


def rule_set_state_on(rule_set: MeasureRuleSet, *, on: date) -> RuleSetState:
    in_force = rule_set_in_force(measure_code=rule_set.measure_code, on=on)
    return rule_set_state(rule_set, on=on, in_force=in_force)


def rule_sets_all(*, measure_code: str | None = None) -> QuerySet[MeasureRuleSet]:
    qs = MeasureRuleSet.objects.all()
    if measure_code:
        qs = qs.filter(measure_code=measure_code)
    return qs.order_by("measure_code", "-effective_from", "-pk")


def measure_codes() -> list[str]:
    return list(
        MeasureRuleSet.objects.order_by("measure_code")
        .values_list("measure_code", flat=True)
        .distinct()
    )


def rules_of(rule_set: MeasureRuleSet) -> RuleSet:
    return RuleSet.model_validate(rule_set.parameters)


def rule_set_info(rule_set: MeasureRuleSet) -> dict[str, Any]:
    return {
        "id": rule_set.pk,
        "act": rule_set.act,
        "effective_from": rule_set.effective_from,
        "effective_to": rule_set.effective_to,
        "status": rule_set.status,
        "sha256": rule_set.sha256,
    }


# --- a person's evidence ------------------------------------------------------------------------


def person_for_screening(*, actor: Actor | None, person_id: object) -> Person:
    """A person whose content the actor may see, for an actor allowed to screen (403 without
    one of ``SCREENING_PERMISSIONS``; 404 for a person not visible)."""
    if not may_screen(actor):
        raise PermissionRequired(SCREENING_PERMISSIONS[0])
    return people_selectors.person_with_content(actor=actor, person_id=person_id)


def _assessment_model() -> Any:
    try:
        return apps.get_model("assessments", "Assessment")
    except LookupError:
        return None


def _as_day(value: date | datetime) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def scores_of(*, actor: Actor, person: Person, instruments: set[str]) -> list[ScoreRecord]:
    """Scored administrations of ``instruments`` for the person (health data: only with
    HEALTH_DATA_VIEW), through the assessments app's own scope when it has one."""
    model = _assessment_model()
    if model is None or not instruments or not may_see_health(actor):
        return []
    qs = scoped(
        actor,
        model.objects.filter(person=person, instrument_code__in=instruments).exclude(
            total__isnull=True
        ),
    )
    return [
        ScoreRecord(
            id=row.pk,
            instrument=row.instrument_code,
            total=row.total,
            administered_on=_as_day(row.administered_on),
        )
        for row in qs.only("pk", "instrument_code", "total", "administered_on")
    ]


def _fact_record(fact: EligibilityFact) -> FactRecord:
    return FactRecord(
        id=fact.pk,
        kind=fact.kind,
        value=fact.value,
        valid_from=fact.valid_from,
        valid_until=fact.valid_until,
        document_id=fact.document_id,
        source=fact.source,
    )


def evidence_gather(
    *, actor: Actor, person: Person, rules: RuleSet, purpose: str = ""
) -> EvidenceBundle:
    """Everything the rules may read about ``person`` that the actor may see; the read is
    logged (``{"view": "requisiti", "measure": …}``). A constant number of queries."""
    isee = [
        IseeRecord(
            id=d.pk,
            kind=d.kind,
            value=d.value,
            signed_on=d.signed_on,
            valid_until=d.valid_until,
            dsu_protocol=d.dsu_protocol,
        )
        for d in scoped(actor, IseeDeclaration).filter(person=person)
    ]
    facts = [
        _fact_record(f)
        for f in _without_hidden_documents(
            actor, scoped(actor, EligibilityFact).filter(person=person)
        )
    ]
    tests = [t for c in rules.criteria for cl in c.any_of for t in cl.all_of]
    tests += [i.test for i in rules.incompatibilities]
    scores = scores_of(
        actor=actor, person=person, instruments={t.instrument for t in tests if t.instrument}
    )
    access_log_record(
        actor=actor,
        subject=person,
        action=AccessAction.VIEW,
        detail={"view": "requisiti", "measure": rules.measure, "act": rules.act},
        purpose=purpose,
    )
    return EvidenceBundle(
        birth_date=person.birth_date,
        isee=isee,
        facts=facts,
        scores=scores,
        health_visible=may_see_health(actor),
    )


def facts_of(
    *, actor: Actor | None, person_id: object, include_ended: bool = True
) -> list[EligibilityFact]:
    """The evidence recorded for a person that the actor may see (health kinds only with
    HEALTH_DATA_VIEW); the read is logged (``{"view": "evidenze"}``)."""
    person = people_selectors.person_with_content(actor=actor, person_id=person_id)
    assert actor is not None  # person_with_content() refuses None
    qs = (
        scoped(actor, EligibilityFact)
        .filter(person=person)
        .select_related("person", "document", "recorded_by__user", "organization")
    )
    if not include_ended:
        today = timezone.localdate()
        qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "evidenze"}
    )
    return _without_hidden_documents(actor, qs.order_by("kind", "-valid_from", "-pk"))


def _without_hidden_documents(actor: Actor, qs: QuerySet[EligibilityFact]) -> list[EligibilityFact]:
    """The facts, without the link to a document the person asked to hide from the actor (the
    fact stays: the person hid the document, not what was established with it)."""
    hidden = hidden_link(actor, ConcealedKind.DOCUMENT, "document_id")
    rows: list[EligibilityFact] = list(qs.annotate(document_hidden=hidden))
    for fact in rows:
        if getattr(fact, "document_hidden", False):
            fact.document = None
    return rows


def screenings_of(*, actor: Actor, person: Person) -> list[ScreeningRecord]:
    """Screenings saved by the actor's organisation for a person already read."""
    return list(
        scoped(actor, ScreeningRecord)
        .filter(person=person)
        .select_related("rule_set", "recorded_by__user")
        .order_by("-created_at", "-pk")[:20]
    )


# --- screening ----------------------------------------------------------------------------------


def screen(
    actor: Actor | None, person: object, measure_code: str, on_date: date, *, purpose: str = ""
) -> ScreeningResult:
    """Screen a person (a ``Person`` or its id) for ``measure_code`` on ``on_date`` with the act
    in force that day; the person is read again through the access policy either way.

    ``PermissionRequired`` without a screening permission; ``NotFound`` for a person not
    visible (or whose content is not shared); ``ProgramError`` (no_rules_in_force) when no act
    covers the day. The evidence read is logged; health evidence is read only for holders of
    the health permission (the criteria it decides are unknown for the others).
    """
    person_id = person.pk if isinstance(person, Person) else person
    subject = person_for_screening(actor=actor, person_id=person_id)
    assert actor is not None  # person_for_screening() refuses None
    rule_set = rule_set_in_force(measure_code=measure_code, on=on_date)
    if rule_set is None:
        raise ProgramError(
            ProgramErrorCode.NO_RULES,
            {
                "on_date": [
                    _("Nessun atto regionale in vigore per la misura %(code)s al %(day)s.")
                    % {"code": measure_code, "day": date_format(on_date, "d/m/Y")}
                ]
            },
        )
    rules = rules_of(rule_set)
    bundle = evidence_gather(actor=actor, person=subject, rules=rules, purpose=purpose)
    result = evaluate(rules, bundle, on_date, rule_set_info=rule_set_info(rule_set))
    result.person_id = subject.pk
    return result
