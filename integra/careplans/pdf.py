"""The plan in plain Italian, to hand to the person: an accessible, tagged PDF (PDF/UA, language
Italian, a title) rendered by WeasyPrint like the UVM minutes. It shows a content as the actor may
see it (the health filter of ``versions.content_visible``) and the person through the gate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date

from integra.assessments.uvm_models import CareIntensity, NeedDomain
from integra.careplans.models import CarePlan, CarePlanVersion, PlanKind
from integra.careplans.selectors import PlanView
from integra.careplans.versions import content_visible, plan_content
from integra.core.access import Actor
from integra.people.gate import PersonRef


def _label(choices: Any, code: str) -> str:
    return str(dict(choices).get(code, code)) if code else ""


def _day(value: str | None) -> Any:
    return parse_date(value) if value else None


def printable(content: dict[str, Any]) -> dict[str, Any]:
    """A content with its codes turned into words and its dates and amounts into values."""
    goals = [
        {
            **g,
            "domain": _label(NeedDomain.choices, g["need_domain"]),
            "deadline": _day(g["deadline"]),
        }
        for g in content.get("goals", [])
    ]
    interventions = []
    totals = {k: Decimal("0") for k in ("monthly_cost", "ssn", "comune", "person", "other")}
    for item in content.get("interventions", []):
        row = {**item, "starts_on": _day(item["starts_on"]), "ends_on": _day(item["ends_on"])}
        for key in totals:
            row[key] = Decimal(item[key])
            totals[key] += row[key]
        interventions.append(row)
    return {
        **content,
        "kind_label": _label(PlanKind.choices, content.get("kind", "")),
        "intensity_label": _label(CareIntensity.choices, content.get("care_intensity", "")),
        "needs": [
            (str(label), content["needs_summary"][code])
            for code, label in NeedDomain.choices
            if content.get("needs_summary", {}).get(code)
        ],
        "goals": goals,
        "interventions": interventions,
        "totals": totals,
        "starts_on": _day(content.get("starts_on")),
        "ends_on": _day(content.get("ends_on")),
    }


def _render(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: loading it costs ~0.3 s

    with translation.override("it"):
        html = render_to_string("careplans/plan_pdf.html", context)
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1") or b"")


def plan_pdf(view: PlanView, actor: Actor) -> bytes:
    """The plan as it is now (a draft or a revision not yet proposed says so)."""
    plan = view.plan
    return _render(
        {
            "plan": plan,
            "person": view.person,
            "content": printable(content_visible(actor, plan_content(plan))),
            "version": None,
            "signatures": [],
            "hidden_goals": view.hidden_goals,
            "next_review_on": plan.next_review_on,
            "generated_at": timezone.localtime(),
        }
    )


def version_pdf(
    *,
    plan: CarePlan,
    version: CarePlanVersion,
    content: dict[str, Any],
    person: PersonRef,
    signatures: list[Any],
) -> bytes:
    """One version as handed to the person, with its hash and its signatures."""
    return _render(
        {
            "plan": plan,
            "person": person,
            "content": printable(content),
            "version": version,
            "signatures": signatures,
            "hidden_goals": 0,
            "next_review_on": plan.next_review_on,
            "generated_at": timezone.localtime(),
        }
    )
