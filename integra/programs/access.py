"""Who may see the evidence and the screenings of a person.

Evidence follows the person (``follows_person``: the PUA, or an organisation that has the
person in charge); health kinds (clinical findings and scores, ``facts.HEALTH_KINDS``) only for
roles holding ``Permission.HEALTH_DATA_VIEW`` — for the others they do not exist. A saved
screening stays with the organisation that ran it (it may quote health evidence).
Rule sets are regional configuration, not personal data: no scope, readable by every operator.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.people.access import follows_person
from integra.programs.facts import HEALTH_KINDS
from integra.programs.models import EligibilityFact, ScreeningRecord

# Who may run a screening: those who assess (ASSESSMENT_PERFORM), sit in the UVM
# (UVM_PARTICIPATE) or manage the case (CASE_MANAGE).
SCREENING_PERMISSIONS = (
    Permission.ASSESSMENT_PERFORM,
    Permission.UVM_PARTICIPATE,
    Permission.CASE_MANAGE,
)


def may_screen(actor: Actor | None) -> bool:
    return actor is not None and any(actor.has(p) for p in SCREENING_PERMISSIONS)


def write_permission_for(kind: str) -> Permission:
    """Health kinds are written with HEALTH_DATA_EDIT, the others with SOCIAL_RECORD_EDIT."""
    return Permission.HEALTH_DATA_EDIT if kind in HEALTH_KINDS else Permission.SOCIAL_RECORD_EDIT


@register_scope(EligibilityFact)
def eligibility_fact_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    qs = follows_person(actor, qs)
    if not actor.has(Permission.HEALTH_DATA_VIEW):
        qs = qs.exclude(kind__in=HEALTH_KINDS)
    return qs


@register_scope(ScreeningRecord)
def screening_record_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return follows_person(actor, qs).filter(organization_id=actor.organization_id)
