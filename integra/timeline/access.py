"""Who may read and write the person's diary.

A note follows the person (``follows_person``: read with the person's content), less the notes
the person asked to hide (oscuramento: only the organisation that wrote one keeps seeing it). A
health note is health data: it is read only with ``HEALTH_DATA_VIEW`` — left out of the scope,
so every list, count, detail, timeline and export that reads through the policy obeys — and
written only with ``HEALTH_DATA_EDIT``; a social note is written with ``SOCIAL_RECORD_EDIT``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.core.access import Actor, register_scope
from integra.core.health import declare_health, may_record_health, may_see_health
from integra.core.permissions import Permission
from integra.people.access import follows_person, register_concealable, without_concealed
from integra.people.models import ConcealedKind
from integra.timeline.models import CaseNote, NoteDomain

declare_health(
    "timeline.CaseNote",
    "domain=health: text, kind, occurred_at, follow_up_on",
    "note sanitarie del diario dei contatti (colloqui, visite, telefonate dei sanitari), lette "
    "solo con HEALTH_DATA_VIEW (case_note_scope) e scritte solo con HEALTH_DATA_EDIT",
)

# The person may hide a note from everyone but the organisation that wrote it.
register_concealable(ConcealedKind.CASE_NOTE, CaseNote, author="organization_id")


@register_scope(CaseNote)
def case_note_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Notes of persons whose content the actor reads, less those hidden at the person's
    request, and the health notes for an actor without ``HEALTH_DATA_VIEW``."""
    qs = without_concealed(actor, follows_person(actor, qs), ConcealedKind.CASE_NOTE)
    if may_see_health(actor):
        return qs
    return qs.filter(domain=NoteDomain.SOCIAL)


def may_write(actor: Actor | None, domain: str) -> bool:
    """Whether ``actor`` may write a note of ``domain``."""
    if actor is None:
        return False
    if domain == NoteDomain.HEALTH:
        return may_record_health(actor)
    if domain == NoteDomain.SOCIAL:
        return actor.has(Permission.SOCIAL_RECORD_EDIT)
    return False


def writable_domains(actor: Actor | None) -> list[str]:
    return [domain for domain in NoteDomain.values if may_write(actor, domain)]
