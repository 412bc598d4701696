"""The screening engine: does a person meet a measure's criteria on a day?

``evaluate`` is a pure function of the rules (``RuleSet``) and the evidence already gathered
(``EvidenceBundle``): every criterion is listed, met (True), not met (False) or unknown (None:
the evidence is missing, expired, of the wrong kind, or not visible to the actor's role), with
the evidence it read. ``selectors.screen`` gathers the evidence through the access policy and
picks the rule set in force on the day (this module imports no selector: it is pure).

Outcome: a suspended measure is ``suspended``; any criterion not met gives ``not_eligible``;
otherwise any unknown gives ``incomplete``; otherwise a known incompatibility gives
``incompatible`` (the person must give up the other benefit first); otherwise ``eligible``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from integra.people.models import IseeKind
from integra.programs.facts import FACT_KINDS, HEALTH_KINDS, FactKind
from integra.programs.models import ScreeningOutcome
from integra.programs.rules import Clause, Criterion, IseeRule, RuleSet, Test

Met = bool | None


# --- evidence, as plain records ---------------------------------------------------------------


@dataclass(frozen=True)
class FactRecord:
    id: int
    kind: str
    value: Any
    valid_from: date
    valid_until: date | None = None
    document_id: int | None = None
    source: str = ""

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class ScoreRecord:
    id: int
    instrument: str
    total: int
    administered_on: date


@dataclass(frozen=True)
class IseeRecord:
    id: int
    kind: str
    value: Decimal
    signed_on: date
    valid_until: date
    dsu_protocol: str = ""

    def is_valid_on(self, day: date) -> bool:
        return self.signed_on <= day <= self.valid_until


@dataclass(frozen=True)
class EvidenceBundle:
    birth_date: date | None
    isee: list[IseeRecord] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    scores: list[ScoreRecord] = field(default_factory=list)
    # Without HEALTH_DATA_VIEW the health kinds were not read at all: their criteria are unknown.
    health_visible: bool = True


# --- results ----------------------------------------------------------------------------------


@dataclass
class Evidence:
    kind: str  # "fatto", "punteggio", "isee"
    id: int
    label: str
    value: str
    date: date
    source: str = ""
    document_id: int | None = None


@dataclass
class CriterionResult:
    code: str
    label: str
    group: str  # "isee", "prerequisite", "condition", "conditions"
    met: Met
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verification: str = "confermato"


@dataclass
class IncompatibilityResult:
    code: str
    label: str
    found: Met
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ScreeningResult:
    measure_code: str
    measure_name: str
    on_date: date
    rule_set: dict[str, Any]
    outcome: str
    outcome_label: str
    age_group: str | None  # "adult", "minor", None when the birth date is unknown
    criteria: list[CriterionResult]
    incompatibilities: list[IncompatibilityResult]
    amounts: list[dict[str, Any]]
    person_id: int | None = None

    @property
    def incompatibilities_found(self) -> list[IncompatibilityResult]:
        return [i for i in self.incompatibilities if i.found]

    @property
    def isee(self) -> CriterionResult | None:
        return next((c for c in self.criteria if c.group == "isee"), None)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(json.dumps(asdict(self), cls=DjangoJSONEncoder))
        return data


# --- the pure evaluation ----------------------------------------------------------------------


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``: one turns 18 on the 18th birthday."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _day(value: date) -> str:
    return date_format(value, "d/m/Y")


def _euro(value: Decimal) -> str:
    return number_format(value, 2, use_l10n=True, force_grouping=True)


def _number(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


def _fact_evidence(fact: FactRecord) -> Evidence:
    value = fact.value
    shown = (_("sì") if value else _("no")) if isinstance(value, bool) else _number(value)
    if isinstance(value, str):
        shown = value
    return Evidence(
        kind="fatto",
        id=fact.id,
        label=str(FactKind(fact.kind).label),
        value=shown,
        date=fact.valid_from,
        source=fact.source,
        document_id=fact.document_id,
    )


def _score_evidence(score: ScoreRecord) -> Evidence:
    return Evidence(
        kind="punteggio",
        id=score.id,
        label=_("Strumento %(code)s") % {"code": score.instrument.upper()},
        value=str(score.total),
        date=score.administered_on,
        source=_("Valutazione registrata"),
    )


def _compare(test: Test, value: Any) -> bool:
    spec = FACT_KINDS[test.fact]
    if spec.value_type == "flag":
        return value is True
    if spec.value_type == "grade":
        return str(value).upper() in {v.upper() for v in test.one_of or []}
    number = Decimal(value)
    if test.min is not None and number < test.min:
        return False
    return not (test.max is not None and number > test.max)


def evaluate_test(
    test: Test, bundle: EvidenceBundle, on: date
) -> tuple[Met, list[Evidence], list[str]]:
    day = test.on or on
    label = str(FactKind(test.fact).label)
    if test.fact in HEALTH_KINDS and not bundle.health_visible:
        return (
            None,
            [],
            [_("%(label)s: dato sanitario non visibile con il tuo ruolo.") % {"label": label}],
        )
    candidates: list[tuple[date, int, Any, Evidence]] = [
        (f.valid_from, f.id, f.value, _fact_evidence(f))
        for f in bundle.facts
        if f.kind == test.fact and f.is_valid_on(day)
    ]
    if test.instrument:
        candidates += [
            (s.administered_on, s.id, s.total, _score_evidence(s))
            for s in bundle.scores
            if s.instrument == test.instrument and s.administered_on <= day
        ]
    if not candidates:
        when = _day(day)
        return (
            None,
            [],
            [_("%(label)s: nessuna evidenza valida al %(day)s.") % {"label": label, "day": when}],
        )
    _when, _id, value, evidence = max(candidates, key=lambda c: (c[0], c[1]))
    if value is None or value == "":
        return None, [evidence], [_("%(label)s: valore non indicato.") % {"label": label}]
    return _compare(test, value), [evidence], []


def _all(values: list[Met]) -> Met:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _any(values: list[Met]) -> Met:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def evaluate_clause(
    clause: Clause, bundle: EvidenceBundle, on: date
) -> tuple[Met, list[Evidence], list[str]]:
    results = [evaluate_test(t, bundle, on) for t in clause.all_of]
    evidence = [e for _m, ev, _n in results for e in ev]
    notes = [n for _m, _e, ns in results for n in ns]
    return _all([m for m, _e, _n in results]), evidence, notes


def evaluate_criterion(criterion: Criterion, bundle: EvidenceBundle, on: date) -> CriterionResult:
    results = [evaluate_clause(c, bundle, on) for c in criterion.any_of]
    met = _any([m for m, _e, _n in results])
    return CriterionResult(
        code=criterion.code,
        label=criterion.label,
        group=criterion.group,
        met=met,
        evidence=[e for _m, ev, _n in results for e in ev],
        notes=[] if met is not None else [n for _m, _e, ns in results for n in ns],
        verification=criterion.verification,
    )


def _kind_label(kind: str) -> str:
    return str(IseeKind(kind).label) if kind in IseeKind.values else kind


def isee_kind_names(rule: IseeRule | None) -> dict[str, str]:
    """The kinds of ISEE a rule accepts, in words: ``{"adult": …, "minor": …}``."""
    if rule is None:
        return {}
    return {
        "adult": ", ".join(_kind_label(k) for k in rule.adult_kinds),
        "minor": ", ".join(_kind_label(k) for k in rule.minor_kinds),
    }


def evaluate_isee(
    rule: IseeRule, bundle: EvidenceBundle, on: date
) -> tuple[CriterionResult, str | None]:
    """The ISEE check and the age group; the limit is inclusive (≤)."""
    if bundle.birth_date is None:
        result = CriterionResult(
            code="isee",
            label=_("ISEE entro la soglia"),
            group="isee",
            met=None,
            notes=[
                _(
                    "Data di nascita sconosciuta: non si sa se vale la soglia per adulti o per minori."
                )
            ],
            verification=rule.verification,
        )
        return result, None
    adult = age_on(bundle.birth_date, on) >= rule.adult_age
    kinds, limit = (
        (rule.adult_kinds, rule.adult_max) if adult else (rule.minor_kinds, rule.minor_max)
    )
    kind_names = ", ".join(_kind_label(k) for k in kinds)
    label = (
        _("%(kinds)s ≤ %(limit)s euro (adulti)")
        if adult
        else _("%(kinds)s ≤ %(limit)s euro (minori)")
    ) % {"kinds": kind_names, "limit": _euro(limit)}
    result = CriterionResult(
        code="isee", label=label, group="isee", met=None, verification=rule.verification
    )
    valid = [d for d in bundle.isee if d.kind in kinds and d.is_valid_on(on)]
    if valid:
        declaration = max(valid, key=lambda d: (d.signed_on, d.id))
        result.met = declaration.value <= limit
        result.evidence.append(
            Evidence(
                kind="isee",
                id=declaration.id,
                label=_kind_label(declaration.kind),
                value=f"{declaration.value:.2f}",
                date=declaration.signed_on,
                source=_("DSU %(protocol)s, valida fino al %(until)s")
                % {
                    "protocol": declaration.dsu_protocol or "—",
                    "until": _day(declaration.valid_until),
                },
            )
        )
        return result, "adult" if adult else "minor"
    expired = [d for d in bundle.isee if d.kind in kinds and d.valid_until < on]
    other = [d for d in bundle.isee if d.kind not in kinds and d.is_valid_on(on)]
    if expired:
        last = max(expired, key=lambda d: (d.signed_on, d.id))
        result.notes.append(
            _("L'%(kind)s è scaduto il %(day)s: serve una nuova DSU.")
            % {"kind": _kind_label(last.kind), "day": _day(last.valid_until)}
        )
    for declaration in other:
        result.notes.append(
            _("L'%(kind)s presentato non vale per questa fascia di età: serve %(kinds)s.")
            % {"kind": _kind_label(declaration.kind), "kinds": kind_names}
        )
    if not result.notes:
        result.notes.append(_("Nessun ISEE valido al %(day)s.") % {"day": _day(on)})
    return result, "adult" if adult else "minor"


def evaluate_conditions(rules: RuleSet, results: list[CriterionResult]) -> CriterionResult:
    conditions = [r for r in results if r.group == "condition"]
    met_count = sum(1 for r in conditions if r.met is True)
    open_count = sum(1 for r in conditions if r.met is None)
    needed = rules.min_conditions
    met: Met = True if met_count >= needed else (False if met_count + open_count < needed else None)
    codes = ", ".join(f"{r.code})" for r in conditions)
    return CriterionResult(
        code="conditions",
        label=_("Almeno %(n)d delle condizioni %(codes)s") % {"n": needed, "codes": codes},
        group="conditions",
        met=met,
        notes=[_("Condizioni soddisfatte: %(n)d.") % {"n": met_count}],
    )


def evaluate(
    rules: RuleSet, bundle: EvidenceBundle, on: date, *, rule_set_info: dict[str, Any]
) -> ScreeningResult:
    """Every criterion, the incompatibilities and the outcome of ``rules`` on ``on``."""
    criteria: list[CriterionResult] = []
    age_group: str | None = None
    if rules.isee is not None:
        isee_result, age_group = evaluate_isee(rules.isee, bundle, on)
        criteria.append(isee_result)
    elif bundle.birth_date is not None:
        age_group = "adult" if age_on(bundle.birth_date, on) >= 18 else "minor"
    criteria += [evaluate_criterion(c, bundle, on) for c in rules.prerequisites]
    condition_results = [evaluate_criterion(c, bundle, on) for c in rules.conditions]
    if condition_results and rules.min_conditions > 0:
        criteria.append(evaluate_conditions(rules, condition_results))
    criteria += condition_results
    incompatibilities = []
    for item in rules.incompatibilities:
        found, evidence, notes = evaluate_test(item.test, bundle, on)
        incompatibilities.append(
            IncompatibilityResult(
                code=item.code, label=item.label, found=found, evidence=evidence, notes=notes
            )
        )
    deciding = [c.met for c in criteria if c.group != "condition"]
    if rules.status == "suspended":
        outcome = ScreeningOutcome.SUSPENDED
    elif any(m is False for m in deciding):
        outcome = ScreeningOutcome.NOT_ELIGIBLE
    elif any(m is None for m in deciding):
        outcome = ScreeningOutcome.INCOMPLETE
    elif any(i.found for i in incompatibilities):
        outcome = ScreeningOutcome.INCOMPATIBLE
    else:
        outcome = ScreeningOutcome.ELIGIBLE
    return ScreeningResult(
        measure_code=rules.measure,
        measure_name=rules.measure_name,
        on_date=on,
        rule_set=rule_set_info,
        outcome=str(outcome.value),
        outcome_label=str(outcome.label),
        age_group=age_group,
        criteria=criteria,
        incompatibilities=incompatibilities,
        amounts=[json.loads(a.model_dump_json()) for a in rules.amounts],
    )


# --- screening a person ------------------------------------------------------------------------


def screening_as_dict(result: ScreeningResult) -> dict[str, Any]:
    """The result as plain JSON (to store in a saved screening or in UVM minutes)."""
    return result.as_json()
