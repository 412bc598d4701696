"""Who may see a person's record — and in which form.

Two questions, asked separately:

* **known**: the actor may learn that the person exists and whom to contact — an operator
  holding ``Permission.PERSON_VIEW`` who works at the PUA (``Permission.INTAKE_MANAGE``: the
  single access point sees the registry, to recognise who is asking) or whose organisation has
  the person in charge (an active ``CareRelationship``; Garante, Linee guida sul Dossier
  sanitario 4/6/2015: access only by staff caring for the person while they are in charge);
* **content**: of a known person, the actor may read the record (names, dates, codes and every
  row that belongs to the person) when the actor's organisation registered the person, or the
  person's consent to the sharing between bodies (the integrated dossier) is in force — given
  and not expired (Garante 2015: a separate consent for the shared dossier).

The registered scope of ``Person`` (``scoped(actor, Person)``) means *content visible*, so every
row that follows the person (documents, ISEE, consents, assessments, UVM sessions, evidence)
is shown only with the content. The "known, contact X" form is a separate, explicit selector
(``known_persons``), used by the people gate (``integra/people/gate.py``) alone. Everyone else
sees nothing, and a hidden person answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
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


def known_persons_filter(actor: Actor) -> Q | None:
    """The persons ``actor`` may know of (not necessarily read); ``None`` means every person."""
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


def known_persons(actor: Actor, qs: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """The persons ``actor`` may know of: the content is NOT implied (see ``person_scope``).

    Only the people gate may turn these into output, in the limited form."""
    base = Person.objects.all() if qs is None else qs
    if actor.membership is None:
        return base.none()
    condition = known_persons_filter(actor)
    return base if condition is None else base.filter(condition)


def with_content_visible(actor: Actor, qs: QuerySet[Person]) -> QuerySet[Person]:
    """``qs`` narrowed to the persons whose content ``actor``'s organisation may read:
    registered by it, or with the sharing consent in force (for a merged alias, the consent of
    the record it was merged into, which received its consents)."""
    latest = Consent.objects.filter(
        person_id=Coalesce(OuterRef("merged_into_id"), OuterRef("pk")),
        purpose=ConsentPurpose.SHARING,
    ).order_by("-decided_on", "-pk")[:1]
    today = timezone.localdate()
    return qs.alias(
        sharing_status=Subquery(latest.values("status")),
        sharing_expires_on=Subquery(latest.values("expires_on")),
    ).filter(
        Q(registered_by_id=actor.organization_id)
        | (
            Q(sharing_status=ConsentStatus.GIVEN)
            & (Q(sharing_expires_on__isnull=True) | Q(sharing_expires_on__gte=today))
        )
    )


@register_scope(Person)
def person_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Persons known to ``actor`` whose content ``actor`` may read."""
    return with_content_visible(actor, known_persons(actor, qs))


def current_consent(*, person_id: int, purpose: str) -> Consent | None:
    """The latest decision on ``purpose``, by (decided_on, id); one query."""
    return (
        Consent.objects.filter(person_id=person_id, purpose=purpose)
        .order_by("-decided_on", "-pk")
        .first()
    )


def follows_person(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Rows that belong to a person are visible with the person's content (``person_scope``)."""
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
