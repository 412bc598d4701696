"""Scoring an instrument from its definition: pure functions, no database.

``score(definition, answers, context)`` reads every number from the definition (option scores,
rule, corrections, bands, grades, suggestions), so a region's own instrument is scored by the
same code as the shipped ones, and an old assessment re-scored with its own version always
gives the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from integra.assessments.definitions import InstrumentDefinition
from integra.assessments.errors import ScoringError

__all__ = ["ScoreResult", "ScoringError", "score"]


@dataclass(frozen=True)
class ScoreResult:
    total: int | None
    subscores: dict[str, int] = field(default_factory=dict)
    band: tuple[str, str] | None = None  # (code, label)
    grade: tuple[str, str] | None = None  # (code, label), Katz 1963
    suggestion: dict[str, str] | None = None  # {need, route, label}
    min_total: int | None = None
    max_total: int | None = None
    raw_total: int | None = None  # before corrections (sum_with_correction)
    correction: int = 0
    item_scores: dict[str, int] = field(default_factory=dict)

    @property
    def band_code(self) -> str:
        return self.band[0] if self.band else ""

    @property
    def band_label(self) -> str:
        return self.band[1] if self.band else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "raw_total": self.raw_total,
            "correction": self.correction,
            "min_total": self.min_total,
            "max_total": self.max_total,
            "subscores": dict(self.subscores),
            "band": {"code": self.band[0], "label": self.band[1]} if self.band else None,
            "grade": {"code": self.grade[0], "label": self.grade[1]} if self.grade else None,
            "suggestion": dict(self.suggestion) if self.suggestion else None,
        }


def check_answers(
    definition: InstrumentDefinition, answers: Any, *, partial: bool = False
) -> tuple[dict[str, int], dict[str, str]]:
    """(score of each answered item, errors). ``partial`` tolerates missing items (running
    score in a form being filled)."""
    errors: dict[str, str] = {}
    scores: dict[str, int] = {}
    if not isinstance(answers, Mapping):
        return {}, {"answers": _("Le risposte devono essere un oggetto {item: opzione}.")}
    known = {item.code for item in definition.items}
    for key in answers:
        if key not in known:
            errors[str(key)] = _("Item sconosciuto per questo strumento.")
    for item in definition.items:
        value = answers.get(item.code)
        if value is None or value == "":
            if item.required and not partial:
                errors[item.code] = _("Risposta mancante: «%(item)s».") % {"item": item.label}
            continue
        option = item.option(value) if isinstance(value, str) else None
        if option is None:
            errors[item.code] = _("Opzione non valida per «%(item)s»: ammesse %(codes)s.") % {
                "item": item.label,
                "codes": ", ".join(o.code for o in item.options),
            }
            continue
        scores[item.code] = option.score
    return scores, errors


def check_context(
    definition: InstrumentDefinition, context: Any, *, partial: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if context is None:
        context = {}
    if not isinstance(context, Mapping):
        return {}, {"context": _("Il contesto deve essere un oggetto {campo: valore}.")}
    known = {f.code: f for f in definition.context}
    for key in context:
        if key not in known:
            errors[str(key)] = _("Campo di contesto non previsto per questo strumento.")
    for code, spec in known.items():
        value = context.get(code)
        if value is None or value == "":
            if spec.required and not partial:
                errors[code] = _("Dato mancante: «%(field)s».") % {"field": spec.label}
            continue
        choices = {c.code for c in spec.choices}
        if not isinstance(value, str) or value not in choices:
            errors[code] = _("Valore non valido per «%(field)s»: ammessi %(codes)s.") % {
                "field": spec.label,
                "codes": ", ".join(c.code for c in spec.choices),
            }
            continue
        values[code] = value
    return values, errors


def total_range(definition: InstrumentDefinition) -> tuple[int, int] | None:
    """The lowest and highest possible total (before and after corrections alike: corrected
    totals are kept inside it)."""
    rule = definition.scoring.rule
    if rule == "none":
        return None
    if rule == "count":
        return 0, len(definition.items)
    low = sum(i.min_score for i in definition.items if i.required)
    low += sum(min(0, i.min_score) for i in definition.items if not i.required)
    high = sum(i.max_score for i in definition.items if i.required)
    high += sum(max(0, i.max_score) for i in definition.items if not i.required)
    return low, high


def score(
    definition: InstrumentDefinition,
    answers: Mapping[str, str],
    context: Mapping[str, str] | None = None,
    *,
    partial: bool = False,
) -> ScoreResult:
    """Score ``answers`` ({item code: option code}) with ``definition``.

    Raises ``ScoringError`` naming each missing item, unknown item or option, and bad context
    value. With ``partial=True`` missing answers are allowed and the result covers only the
    answered items: no band, grade or suggestion (a running score, never a stored one).
    """
    item_scores, errors = check_answers(definition, answers, partial=partial)
    context_values, context_errors = check_context(definition, context, partial=partial)
    context_keys = frozenset(k for k in context_errors if k not in errors)
    errors.update({k: v for k, v in context_errors.items() if k in context_keys})
    if errors:
        raise ScoringError(errors, context_keys=context_keys)

    scoring = definition.scoring
    bounds = total_range(definition)
    subscores = {
        sub.code: sum(item_scores.get(code, 0) for code in sub.items) for sub in scoring.subscores
    }
    if scoring.rule == "none":
        return ScoreResult(total=None, subscores=subscores, item_scores=item_scores)
    if scoring.rule == "count":
        raw = sum(1 for value in item_scores.values() if value != 0)
    else:
        raw = sum(item_scores.values())
    correction = 0
    if scoring.rule == "sum_with_correction":
        correction = sum(
            c.adjustment for c in scoring.corrections if context_values.get(c.context) == c.value
        )
    total = raw + correction
    if bounds is not None:
        total = max(bounds[0], min(bounds[1], total))
    complete = len(item_scores) == len(definition.items) or not partial
    band = grade = suggestion = None
    if complete:
        match = next((b for b in scoring.bands if b.contains(total)), None)
        if match is not None:
            band = (match.code, match.label)
            hint = scoring.suggestions.get(match.code)
            if hint is not None:
                suggestion = {"need": hint.need, "route": hint.route, "label": hint.label}
        if scoring.grading is not None:
            grade = _grade(definition, item_scores)
    return ScoreResult(
        total=total,
        subscores=subscores,
        band=band,
        grade=grade,
        suggestion=suggestion,
        min_total=bounds[0] if bounds else None,
        max_total=bounds[1] if bounds else None,
        raw_total=raw,
        correction=correction,
        item_scores=item_scores,
    )


def _grade(definition: InstrumentDefinition, item_scores: dict[str, int]) -> tuple[str, str]:
    grading = definition.scoring.grading
    assert grading is not None
    dependent = {code for code, value in item_scores.items() if value == grading.dependent_score}
    for rule in grading.rules:
        if len(dependent) == rule.dependent_count and set(rule.dependent_includes) <= dependent:
            return rule.code, rule.label
    return grading.otherwise.code, grading.otherwise.label
