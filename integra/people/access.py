"""Who may see a person's record.

A person is visible to an operator holding ``Permission.PERSON_VIEW`` when either the operator
works at the PUA (``Permission.INTAKE_MANAGE``: the single access point sees the registry, to
recognise who is asking) or the operator's organisation has the person in charge: an active
``CareRelationship`` (Garante, Linee guida sul Dossier sanitario 4/6/2015: access only by
staff caring for the person while they are in charge). Everyone else sees nothing, and a
hidden person answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.people.models import (
    CareRelationship,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    HouseholdMember,
    IseeDeclaration,
    Person,
    PersonDocument,
    PersonIdentifier,
    PersonMerge,
)


def active_care_relationships(
    qs: QuerySet[CareRelationship] | None = None, *, today: date | None = None
) -> QuerySet[CareRelationship]:
    """Relationships not ended before ``today`` (ended_on empty or not earlier than today)."""
    day = today or timezone.localdate()
    base = CareRelationship.objects.all() if qs is None else qs
    return base.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def visible_persons_filter(actor: Actor) -> Q | None:
    """The condition on ``Person`` for ``actor``; ``None`` means every person."""
    if not actor.has(Permission.PERSON_VIEW):
        return Q(pk__in=[])
    if actor.has(Permission.INTAKE_MANAGE):
        return None
    if actor.organization_id is None:
        return Q(pk__in=[])
    in_charge = active_care_relationships().filter(
        person_id=OuterRef("pk"), organization_id=actor.organization_id
    )
    # A record merged into another (an alias) stays visible with its survivor, whose care
    # relationships it handed over: old links lead to the kept record instead of a 404.
    survivor_in_charge = active_care_relationships().filter(
        person_id=OuterRef("merged_into_id"), organization_id=actor.organization_id
    )
    return Q(Exists(in_charge)) | (Q(merged_into__isnull=False) & Q(Exists(survivor_in_charge)))


@register_scope(Person)
def person_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    condition = visible_persons_filter(actor)
    return qs if condition is None else qs.filter(condition)


def current_consent(*, person_id: int, purpose: str) -> Consent | None:
    """The latest decision on ``purpose``, by (decided_on, id); one query."""
    return (
        Consent.objects.filter(person_id=person_id, purpose=purpose)
        .order_by("-decided_on", "-pk")
        .first()
    )


def may_see_content(actor: Actor, person: Person, *, today: date | None = None) -> bool:
    """Whether ``actor`` (who already sees ``person``) may see the record's content.

    The registering organisation always does. Any other organisation — one that has the person
    in charge, or a PUA operator of another organisation — needs the person's consent to the
    sharing between bodies (the integrated dossier) in force: given and not expired (Garante,
    Linee guida sul Dossier sanitario 4/6/2015, separate consent for the shared dossier).
    Without it the actor learns only that the person is known and whom to contact.
    """
    if actor.organization_id is not None and actor.organization_id == person.registered_by_id:
        return True
    consent = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
    return consent is not None and consent.is_in_force(today)


def with_content_visible(actor: Actor, qs: QuerySet[Person]) -> QuerySet[Person]:
    """``qs`` narrowed to the persons whose content ``actor`` may see (``may_see_content`` in
    SQL): registered by the actor's organisation, or with the sharing consent in force.

    Lists, searches and duplicate checks go through it, so a record shown only in its limited
    form by ``person_get`` never leaks its names through another door.
    """
    latest = Consent.objects.filter(person=OuterRef("pk"), purpose=ConsentPurpose.SHARING).order_by(
        "-decided_on", "-pk"
    )
    today = timezone.localdate()
    return qs.annotate(
        sharing_status=Subquery(latest.values("status")[:1]),
        sharing_expires_on=Subquery(latest.values("expires_on")[:1]),
    ).filter(
        Q(registered_by_id=actor.organization_id)
        | (
            Q(sharing_status=ConsentStatus.GIVEN)
            & (Q(sharing_expires_on__isnull=True) | Q(sharing_expires_on__gte=today))
        )
    )


def follows_person(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Rows that belong to a person are visible with that person (``person_scope``); whether
    their content may be read is then ``may_see_content``'s decision, as for the person."""
    if visible_persons_filter(actor) is None:
        return qs
    return qs.filter(person__in=person_scope(actor, Person.objects.all()))


for _model in (
    PersonIdentifier,
    CareRelationship,
    Consent,
    HouseholdMember,
    IseeDeclaration,
    PersonDocument,
):
    register_scope(_model)(follows_person)


@register_scope(PersonMerge)
def person_merge_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The merges seen by a holder of ``PERSON_MERGE``: those whose kept record they see."""
    if not actor.has(Permission.PERSON_MERGE):
        return qs.none()
    return qs.filter(survivor__in=person_scope(actor, Person.objects.all()))
