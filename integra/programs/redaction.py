"""Health data in stored screening results, removed for actors without the health permission.

A screening result (``ScreeningResult.as_json()``, stored in a saved screening and in a UVM
session) lists every criterion with the evidence it read. A criterion or incompatibility whose
tests read a health kind of evidence (``facts.HEALTH_KINDS``) or an instrument's score is
*health-derived*: for an actor without ``HEALTH_DATA_VIEW`` it is shown without its result,
evidence or notes — only that it is reserved to health staff. The overall outcome stays: it is
the administrative decision the team acts on. This is the one function every output of a stored
result goes through (pages, API, PDF).
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _

from integra.core.access import Actor
from integra.core.health import declare_health, may_see_health
from integra.people.access import hidden_from
from integra.people.models import ConcealedKind
from integra.programs.facts import HEALTH_KINDS, FactKind
from integra.programs.rules import RuleSet, Test

declare_health(
    "programs.ScreeningRecord",
    "result",
    "criteri e evidenze dei requisiti B1 (condizioni sanitarie a-i, punteggi degli strumenti)",
)
declare_health(
    "assessments.UvmSession",
    "eligibility",
    "verifica dei requisiti per le misure, con le evidenze sanitarie lette",
)
for _kind in sorted(HEALTH_KINDS):
    declare_health("programs.EligibilityFact", f"kind={_kind}", str(FactKind(_kind).label))


def test_reads_health(test: Test) -> bool:
    return test.fact in HEALTH_KINDS or bool(test.instrument)


def health_codes(rules: RuleSet) -> tuple[set[str], set[str]]:
    """The codes of the criteria and of the incompatibilities that read health evidence."""
    criteria = {
        c.code
        for c in rules.criteria
        if any(test_reads_health(t) for clause in c.any_of for t in clause.all_of)
    }
    incompatibilities = {i.code for i in rules.incompatibilities if test_reads_health(i.test)}
    return criteria, incompatibilities


def reads_health(rules: RuleSet) -> bool:
    """Whether screening with ``rules`` reads health evidence (then only holders of the health
    permission may run a check that is kept, or overwrite one)."""
    criteria, incompatibilities = health_codes(rules)
    return bool(criteria or incompatibilities)


def _rules_of(stored: dict[str, Any]) -> RuleSet | None:
    from integra.programs.models import MeasureRuleSet

    rule_set_id = (stored.get("rule_set") or {}).get("id")
    row = MeasureRuleSet.objects.filter(pk=rule_set_id).first() if rule_set_id else None
    return RuleSet.model_validate(row.parameters) if row is not None else None


def _looks_health(entry: dict[str, Any]) -> bool:
    # Also without the rule set: any score, or evidence labelled as a health kind.
    health_labels = {str(FactKind(k).label) for k in HEALTH_KINDS}
    return any(
        e.get("kind") == "punteggio" or e.get("label") in health_labels
        for e in entry.get("evidence") or []
    )


def _reserved(entry: dict[str, Any], result_key: str) -> dict[str, Any]:
    return {
        **entry,
        result_key: None,
        "evidence": [],
        "notes": [_("Dato sanitario riservato al personale sanitario.")],
        "reserved": True,
    }


def screening_visible(actor: Actor | None, stored: dict[str, Any]) -> dict[str, Any]:
    """``stored`` as ``actor`` may see it: health-derived criteria and incompatibilities
    reserved (no result, no evidence, no notes) without ``HEALTH_DATA_VIEW``; evidence drawn
    from an item the person asked to hide from the actor left out (oscuramento)."""
    return _without_hidden_items(actor, _health_visible(actor, stored))


def _without_hidden_items(actor: Actor | None, stored: dict[str, Any]) -> dict[str, Any]:
    """No evidence line from an assessment hidden from the actor, no link to such a document:
    the result was stored before the person's request, and must not describe the item."""
    if not stored:
        return stored
    groups = ("criteria", "incompatibilities")
    evidence = [e for g in groups for c in stored.get(g) or [] for e in c.get("evidence") or []]
    scores = hidden_from(
        actor,
        ConcealedKind.ASSESSMENT,
        [e.get("id") for e in evidence if e.get("kind") == "punteggio"],
    )
    documents = hidden_from(
        actor,
        ConcealedKind.DOCUMENT,
        [e.get("document_id") for e in evidence if e.get("document_id")],
    )
    if not scores and not documents:
        return stored
    shown = copy.deepcopy(stored)
    for group in groups:
        for entry in shown.get(group) or []:
            kept = []
            for item in entry.get("evidence") or []:
                if item.get("kind") == "punteggio" and item.get("id") in scores:
                    continue
                if item.get("document_id") in documents:
                    item["document_id"] = None
                kept.append(item)
            entry["evidence"] = kept
    return shown


def _health_visible(actor: Actor | None, stored: dict[str, Any]) -> dict[str, Any]:
    if may_see_health(actor) or not stored:
        return stored
    rules = _rules_of(stored)
    criteria, incompatibilities = health_codes(rules) if rules is not None else (set(), set())
    shown = copy.deepcopy(stored)
    shown["criteria"] = [
        _reserved(c, "met") if c.get("code") in criteria or _looks_health(c) else c
        for c in stored.get("criteria") or []
    ]
    shown["incompatibilities"] = [
        _reserved(i, "found") if i.get("code") in incompatibilities or _looks_health(i) else i
        for i in stored.get("incompatibilities") or []
    ]
    return shown


def eligibility_visible(actor: Actor | None, eligibility: dict[str, Any]) -> dict[str, Any]:
    """A UVM session's results by measure, each through ``screening_visible``."""
    return {code: screening_visible(actor, result) for code, result in eligibility.items()}
