"""Who may read and record assessments.

An assessment belongs to a person and follows the person's visibility
(``integra.people.access.follows_person``: the PUA, or an organisation that has the person in
charge). On top of that, the instrument's domain decides:

- a **health** instrument (Barthel, Katz, SPMSQ, GCS...) is health data: reading its results
  needs ``HEALTH_DATA_VIEW``; recording one needs ``HEALTH_DATA_EDIT`` or ``ASSESSMENT_PERFORM``
  (the UVM members who administer the instruments);
- a **social** instrument (social assessment, PUA triage) is read by whoever sees the person;
  recording one needs ``SOCIAL_RECORD_EDIT`` or ``ASSESSMENT_PERFORM``;
- whoever administered an assessment may read it back.

An assessment the actor may not read is a 404 like a missing one. The instrument catalogue and
the score calculator hold no personal data: any authenticated operator may use them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from integra.assessments.models import Assessment, Domain, Instrument, InstrumentVersion
from integra.core.access import Actor, register_scope
from integra.core.health import declare_health
from integra.core.permissions import Permission
from integra.people.access import follows_person, register_concealable, without_concealed
from integra.people.models import ConcealedKind

declare_health(
    "assessments.Assessment",
    "instrument domain=health: answers, total, band, notes",
    "risultati degli strumenti sanitari (Barthel, Katz, SPMSQ, GCS...), letti solo con "
    "HEALTH_DATA_VIEW o da chi li ha somministrati (assessment_scope)",
)
declare_health(
    "assessments.InstrumentVersion",
    "item health: true",
    "un item sanitario in uno strumento sociale (il bisogno sanitario del triage del PUA)",
)

RECORD_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    Domain.HEALTH: (Permission.HEALTH_DATA_EDIT, Permission.ASSESSMENT_PERFORM),
    Domain.SOCIAL: (Permission.SOCIAL_RECORD_EDIT, Permission.ASSESSMENT_PERFORM),
}


def may_read_domain(actor: Actor, domain: str) -> bool:
    """Whether ``actor`` may read results of instruments of ``domain``."""
    if domain == Domain.HEALTH:
        return actor.has(Permission.HEALTH_DATA_VIEW)
    return True


def may_record(actor: Actor, domain: str) -> bool:
    """Whether ``actor`` may administer and record an instrument of ``domain``."""
    return any(actor.has(p) for p in RECORD_PERMISSIONS.get(domain, ()))


def readable_domains(actor: Actor) -> list[str]:
    return [d for d in Domain.values if may_read_domain(actor, d)]


# The person may hide an assessment from everyone but the organisation that administered it.
register_concealable(ConcealedKind.ASSESSMENT, Assessment, author="organization_id")


@register_scope(Assessment)
def assessment_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Assessments of visible persons, of instruments whose domain the actor may read, less
    those hidden at the person's request (``without_concealed``)."""
    qs = without_concealed(actor, follows_person(actor, qs), ConcealedKind.ASSESSMENT)
    domains = readable_domains(actor)
    if len(domains) == len(Domain.values):
        return qs
    # Who administered an assessment may read it back (a UVM member without health-data
    # permission who scored a Barthel sees the result they recorded).
    return qs.filter(
        Q(instrument_version__instrument__domain__in=domains) | Q(administered_by=actor.user)
    )


# The catalogue is public to operators: instruments and versions carry no personal data.
@register_scope(Instrument)
def instrument_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


@register_scope(InstrumentVersion)
def instrument_version_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


__all__ = [
    "RECORD_PERMISSIONS",
    "assessment_scope",
    "may_read_domain",
    "may_record",
    "readable_domains",
]
