"""A plan's revision frozen as data: its content, the SHA-256 that a signature binds to, and the
comparison of two versions side by side.

The content is plain JSON (text, ISO dates, amounts as strings with two decimals), serialised
canonically (sorted keys, no spaces, UTF-8) before hashing, so the same content always gives the
same hash and any later change to a stored version is detectable by recomputing it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from integra.assessments.uvm_models import HEALTH_NEED_DOMAINS
from integra.careplans.models import CarePlan
from integra.core.access import Actor
from integra.core.health import may_see_health, without_keys


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


def _money(value: Any) -> str:
    return f"{value:.2f}"


def plan_content(plan: CarePlan) -> dict[str, Any]:
    """Everything the person is asked to accept, as JSON."""
    goals = list(plan.goals.all())
    goal_numbers = {g.pk: i for i, g in enumerate(goals, start=1)}
    return {
        "kind": plan.kind,
        "title": plan.title,
        "user_class": plan.user_class.label if plan.user_class else "",
        "care_intensity": plan.care_intensity,
        "needs_summary": dict(plan.needs_summary),
        "strengths": {
            "person": plan.strengths_person,
            "family": plan.strengths_family,
            "community": plan.strengths_community,
        },
        "person_commitments": plan.person_commitments,
        "case_manager": _membership_label(plan.case_manager) if plan.case_manager_id else "",
        "starts_on": _day(plan.starts_on),
        "ends_on": _day(plan.ends_on),
        "review_months": plan.review_months,
        "goals": [
            {
                "number": goal_numbers[g.pk],
                "need_domain": g.need_domain,
                "description": g.description,
                "indicator": g.indicator,
                "baseline": g.baseline,
                "target": g.target,
                "deadline": _day(g.deadline),
            }
            for g in goals
        ],
        "interventions": [
            {
                "service": i.service.name,
                "provider": i.provider.name,
                "goal": goal_numbers.get(i.goal_id) if i.goal_id else None,
                "frequency": i.frequency,
                "hours_per_month": str(i.hours_per_month) if i.hours_per_month else None,
                "starts_on": _day(i.starts_on),
                "ends_on": _day(i.ends_on),
                "monthly_cost": _money(i.monthly_cost),
                "ssn": _money(i.ssn_amount),
                "comune": _money(i.comune_amount),
                "person": _money(i.person_amount),
                "other": _money(i.other_amount),
                "other_payer": i.other_payer,
            }
            for i in plan.interventions.select_related("service", "provider")
        ],
    }


def _membership_label(membership: Any) -> str:
    user = membership.user
    name = f"{user.first_name} {user.last_name}".strip() or user.username
    return f"{name} ({membership.organization.name})"


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def content_visible(actor: Actor | None, content: dict[str, Any]) -> dict[str, Any]:
    """The content without the health dimensions and the goals on them, for an actor without
    the health permission (integra/core/health.py); the goals keep their numbers, so the
    interventions still point at the right ones."""
    if may_see_health(actor):
        return content
    shown = dict(content)
    shown["needs_summary"] = without_keys(
        actor, content.get("needs_summary", {}), HEALTH_NEED_DOMAINS
    )
    shown["goals"] = [
        g for g in content.get("goals", []) if g.get("need_domain") not in HEALTH_NEED_DOMAINS
    ]
    hidden_numbers = {
        g["number"] for g in content.get("goals", []) if g.get("need_domain") in HEALTH_NEED_DOMAINS
    }
    shown["interventions"] = [
        i for i in content.get("interventions", []) if i.get("goal") not in hidden_numbers
    ]
    return shown


@dataclass(frozen=True)
class Difference:
    section: str
    before: str
    after: str


def _lines(content: dict[str, Any]) -> dict[str, str]:
    """Each comparable line of a content, by a stable label."""
    lines: dict[str, str] = {
        _("Titolo"): content.get("title", ""),
        _("Classe di utenza"): content.get("user_class", ""),
        _("Intensità"): content.get("care_intensity", ""),
        _("Risorse della persona"): content.get("strengths", {}).get("person", ""),
        _("Risorse della famiglia"): content.get("strengths", {}).get("family", ""),
        _("Risorse della comunità"): content.get("strengths", {}).get("community", ""),
        _("Impegni della persona"): content.get("person_commitments", ""),
        _("Case manager"): content.get("case_manager", ""),
        _("Dal"): content.get("starts_on") or "",
        _("Al"): content.get("ends_on") or "",
    }
    for domain, text in sorted(content.get("needs_summary", {}).items()):
        lines[_("Bisogni: %(domain)s") % {"domain": domain}] = str(text)
    for goal in content.get("goals", []):
        lines[_("Obiettivo %(n)s") % {"n": goal["number"]}] = (
            _(
                "%(description)s — indicatore: %(indicator)s; da %(baseline)s a %(target)s "
                "entro il %(deadline)s"
            )
            % goal
        )
    for n, item in enumerate(content.get("interventions", []), start=1):
        lines[_("Intervento %(n)s") % {"n": n}] = _(
            "%(service)s (%(provider)s), %(frequency)s, dal %(starts_on)s; costo mensile "
            "%(monthly_cost)s €: SSN %(ssn)s, Comune %(comune)s, persona %(person)s, altri %(other)s"
        ) % {k: (v if v is not None else "") for k, v in item.items()}
    return lines


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """The lines that differ between two contents (added, removed or changed), in order."""
    old, new = _lines(before), _lines(after)
    labels = list(old) + [label for label in new if label not in old]
    return [
        Difference(label, old.get(label, ""), new.get(label, ""))
        for label in labels
        if old.get(label, "") != new.get(label, "")
    ]
