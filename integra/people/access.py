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

Two more rules of the Garante's guidelines live here, so that every selector gets them:

* **emergency access** (break-the-glass, ``integra/people/emergency.py``): an operator who opened
  a record in an emergency knows of the person and reads the content — that user acting as
  that membership only, until the access expires (the time is compared in the query), and only
  in a read (``emergency_reads``: requests with a safe method; a write never sees the grant);
* **oscuramento** (``integra/people/concealment.py``): an item the person asked to hide is
  left out of the registered scope of its model (``without_concealed``) for everyone but the
  organisation that produced it — not listed, not counted, 404 like a missing id.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.people.models import (
    CareRelationship,
    ConcealedKind,
    ConcealmentAction,
    ConcealmentDecision,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    EmergencyAccess,
    HouseholdMember,
    IseeDeclaration,
    Person,
    PersonDocument,
    PersonIdentifier,
    PersonMerge,
    TeamAccess,
)

# --- emergency access (break-the-glass) --------------------------------------------------------

# Whether emergency grants count in the current context: set per request by
# ``integra.people.emergency.EmergencyReadsMiddleware`` (safe methods only), off elsewhere, so no
# write path (a POST, a service called by a command) ever reads through an emergency grant.
_emergency_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "integra_emergency_reads", default=False
)


@contextmanager
def emergency_reads(enabled: bool = True) -> Iterator[None]:
    """Within the block, an operator's open emergency accesses grant reads (or, with
    ``enabled=False``, do not)."""
    token = _emergency_reads.set(enabled)
    try:
        yield
    finally:
        _emergency_reads.reset(token)


def emergency_reads_enabled() -> bool:
    return _emergency_reads.get()


def emergency_grant_filter(actor: Actor) -> Q | None:
    """The persons ``actor`` (this user acting as this membership) opened in an emergency and
    whose access has not expired; ``None`` outside a read or without a membership."""
    if actor.membership is None or not emergency_reads_enabled():
        return None
    grant = EmergencyAccess.objects.filter(
        person_id=OuterRef("pk"),
        membership_id=actor.membership.pk,
        user_id=actor.user.pk,
        expires_at__gt=Now(),
    )
    return Q(Exists(grant))


def team_grant_filter(actor: Actor) -> Q | None:
    """The persons whose care team ``actor`` (this user acting as this membership) is in now
    (``TeamAccess``: personal, not for the whole organisation; the time compared in the query)."""
    if actor.membership is None:
        return None
    grant = TeamAccess.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=Now()),
        person_id=OuterRef("pk"),
        membership_id=actor.membership.pk,
        user_id=actor.user.pk,
        starts_at__lte=Now(),
    )
    return Q(Exists(grant))


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
    emergency = emergency_grant_filter(actor)
    in_charge = active_care_relationships().filter(
        person_id=OuterRef("pk"), organization_id=actor.organization_id
    )
    # A record merged into another (an alias) stays visible with its survivor, whose care
    # relationships it handed over: old links lead to the kept record instead of a 404.
    survivor_in_charge = active_care_relationships().filter(
        person_id=OuterRef("merged_into_id"), organization_id=actor.organization_id
    )
    condition = Q(Exists(in_charge)) | (
        Q(merged_into__isnull=False) & Q(Exists(survivor_in_charge))
    )
    team = team_grant_filter(actor)
    if team is not None:
        condition |= team
    return condition if emergency is None else condition | emergency


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
    condition = Q(registered_by_id=actor.organization_id) | (
        Q(sharing_status=ConsentStatus.GIVEN)
        & (Q(sharing_expires_on__isnull=True) | Q(sharing_expires_on__gte=today))
    )
    emergency = emergency_grant_filter(actor)
    if emergency is not None:
        condition |= emergency
    return qs.alias(
        sharing_status=Subquery(latest.values("status")),
        sharing_expires_on=Subquery(latest.values("expires_on")),
    ).filter(condition)


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
):
    register_scope(_model)(follows_person)


# --- oscuramento -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concealable:
    """A model whose rows the person may hide: its kind, and the lookup from a row to the
    organisation that produced it (which keeps seeing it)."""

    kind: ConcealedKind
    model: type[models.Model]
    author: str


_CONCEALABLE: dict[str, Concealable] = {}


def register_concealable(kind: ConcealedKind, model: type[models.Model], *, author: str) -> None:
    """Declare that the person may hide rows of ``model`` (once per kind, beside its scope)."""
    _CONCEALABLE[str(kind)] = Concealable(kind=kind, model=model, author=author)


def concealable(kind: str) -> Concealable:
    """The declaration of ``kind`` (``KeyError`` for a kind nobody declared)."""
    return _CONCEALABLE[str(kind)]


def concealable_kinds() -> tuple[Concealable, ...]:
    return tuple(_CONCEALABLE[k] for k in ConcealedKind.values if k in _CONCEALABLE)


def concealed_condition(kind: str, ref: str = "pk") -> Exists:
    """True for a row (``OuterRef(ref)`` its id) whose latest decision is to hide it."""
    later = ConcealmentDecision.objects.filter(
        item_kind=kind, item_id=OuterRef("item_id"), pk__gt=OuterRef("pk")
    )
    return Exists(
        ConcealmentDecision.objects.filter(
            item_kind=kind, item_id=OuterRef(ref), action=ConcealmentAction.CONCEAL
        ).filter(~Exists(later))
    )


def without_concealed(actor: Actor, qs: QuerySet[Any], kind: ConcealedKind) -> QuerySet[Any]:
    """``qs`` without the rows hidden at the person's request, except for the actor's own
    organisation when it produced them (Garante 2015: visible to the unit that produced them;
    "oscuramento dell'oscuramento": nobody else can tell, so nothing counts them)."""
    author = concealable(kind).author
    return qs.filter(~concealed_condition(kind) | Q(**{author: actor.organization_id}))


def concealed_ids(kind: str, ids: list[int]) -> set[int]:
    """Of ``ids`` (rows the actor already reads), those hidden at the person's request: for the
    mark "oscurato su richiesta della persona" shown to the producing organisation. One query."""
    if not ids:
        return set()
    model = concealable(kind).model
    return set(
        model._default_manager.filter(pk__in=ids)
        .filter(concealed_condition(kind))
        .values_list("pk", flat=True)
    )


def mark_concealed(kind: str, rows: list[Any]) -> list[Any]:
    """Set ``concealed_at_request`` on each row (all read by the actor through the scope, so a
    hidden one is shown only to the organisation that produced it): the page marks it
    "oscurato su richiesta della persona". One query."""
    hidden = concealed_ids(kind, [row.pk for row in rows])
    for row in rows:
        row.concealed_at_request = row.pk in hidden
    return rows


def hidden_from(actor: Actor | None, kind: ConcealedKind, ids: Iterable[object]) -> set[int]:
    """Of ``ids`` (items of ``kind`` named in stored data, e.g. the evidence of a screening),
    those hidden from the actor at the person's request. One query (none without ids)."""
    wanted = {number for number in (_int(i) for i in ids) if number}
    if actor is None or not wanted:
        return set()
    declared = concealable(kind)
    return set(
        declared.model._default_manager.filter(pk__in=wanted)
        .filter(concealed_condition(kind))
        .exclude(**{declared.author: actor.organization_id})
        .values_list("pk", flat=True)
    )


def _int(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def hidden_link(actor: Actor, kind: ConcealedKind, field: str) -> Exists:
    """For a row that links to an item of ``kind`` through ``field``: true when that item is
    hidden from the actor (so the row shows no link to it — not even its number)."""
    declared = concealable(kind)
    return Exists(
        declared.model._default_manager.filter(pk=OuterRef(field))
        .filter(concealed_condition(kind))
        .exclude(**{declared.author: actor.organization_id})
    )


register_concealable(ConcealedKind.DOCUMENT, PersonDocument, author="uploaded_by__organization_id")


@register_scope(PersonDocument)
def person_document_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Documents follow the person, less those hidden at the person's request."""
    return without_concealed(actor, follows_person(actor, qs), ConcealedKind.DOCUMENT)


@register_scope(ConcealmentDecision)
def concealment_decision_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The decisions on an item are seen, with the person's content, by the organisation that
    produced the item and by the one that recorded the decision — nobody else may tell that
    anything was hidden."""
    org = actor.organization_id
    return follows_person(actor, qs).filter(
        Q(author_organization_id=org) | Q(recorded_by_organization_id=org)
    )


@register_scope(EmergencyAccess)
def emergency_access_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """An emergency access is seen by the operator who opened it, and by the auditors of the
    operator's organisation and of the organisation that registered the person."""
    own = Q(user_id=actor.user.pk, membership_id=actor.membership.pk if actor.membership else 0)
    if not actor.has(Permission.AUDIT_VIEW):
        return qs.filter(own)
    org = actor.organization_id
    return qs.filter(own | Q(organization_id=org) | Q(person__registered_by_id=org))


@register_scope(TeamAccess)
def team_access_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """A team grant is seen by the operator it names and by the auditors of the organisation
    that registered the person; the care plan shows its team through its own scope."""
    own = Q(user_id=actor.user.pk, membership_id=actor.membership.pk if actor.membership else 0)
    if not actor.has(Permission.AUDIT_VIEW):
        return qs.filter(own)
    return qs.filter(own | Q(person__registered_by_id=actor.organization_id))


@register_scope(PersonMerge)
def person_merge_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The merges seen by a holder of ``PERSON_MERGE``: those whose kept record they see."""
    if not actor.has(Permission.PERSON_MERGE):
        return qs.none()
    return qs.filter(survivor__in=person_scope(actor, Person.objects.all()))
