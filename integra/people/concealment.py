"""Oscuramento: the person asks to hide a document or an episode, or to show it again.

Garante per la protezione dei dati personali, Linee guida in materia di Dossier sanitario,
4 June 2015 (GU n. 164 of 17/7/2015): the person may hide an episode or a document (never part
of one) from the dossier, revocably; the hidden item stays visible to the unit that produced
it, and nobody else may tell that something was hidden ("oscuramento dell'oscuramento"); the
dossier warns everyone that it may be incomplete.

What may be hidden is declared beside each model's access scope
(``integra/people/access.py``: ``register_concealable``), and the scope leaves hidden rows
out (``without_concealed``), so every list, count, detail, search, PDF and export that reads
through the access policy already obeys a decision. This module records the decisions (never
changed: a revocation is a new row, like a consent) and reads them for the record's tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, PermissionRequired, require, scoped
from integra.core.permissions import Permission
from integra.organizations.models import Organization
from integra.people.access import concealable, concealable_kinds, concealed_condition
from integra.people.dossier_errors import DossierError, DossierErrorCode
from integra.people.gate import person_full
from integra.people.models import (
    ConcealedKind,
    ConcealmentAction,
    ConcealmentDecision,
    ConcealmentEvidence,
    Person,
    RequestedBy,
)
from integra.people.services import decided_by_errors

EVIDENCE_MAX_LENGTH = 2000
# At most this many items of each kind are offered on the record's tab (newest first).
ITEMS_PER_KIND = 100


def _pk(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def _latest(kind: str, item_id: int) -> ConcealmentDecision | None:
    return (
        ConcealmentDecision.objects.filter(item_kind=kind, item_id=item_id).order_by("-pk").first()
    )


def _validate(
    *,
    item_kind: str,
    action: str,
    requested_on: date | None,
    evidence_kind: str,
    evidence_note: str,
    requested_by: str,
    guardian_name: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if item_kind not in ConcealedKind.values:
        errors["item_kind"] = [
            _(
                "Tipo di elemento sconosciuto: documento, valutazione, richiesta al PUA o seduta UVM."
            )
        ]
    if action not in ConcealmentAction.values:
        errors["action"] = [_("Indica se oscurare l'elemento o revocare l'oscuramento.")]
    if requested_on is None:
        errors["requested_on"] = [_("Indica la data della richiesta della persona.")]
    elif requested_on > timezone.localdate():
        errors["requested_on"] = [_("La data della richiesta non può essere nel futuro.")]
    if evidence_kind not in ConcealmentEvidence.values:
        errors["evidence_kind"] = [
            _("Indica la prova: richiesta scritta o dichiarazione di presenza.")
        ]
    if not evidence_note:
        errors["evidence_note"] = [
            _("Indica come è documentata la richiesta (es. protocollo n. …, persona presente).")
        ]
    elif len(evidence_note) > EVIDENCE_MAX_LENGTH:
        errors["evidence_note"] = [
            _("La documentazione può avere al massimo %(n)d caratteri.")
            % {"n": EVIDENCE_MAX_LENGTH}
        ]
    errors.update(decided_by_errors(requested_by, guardian_name, field="requested_by"))
    return errors


def concealment_record(
    *,
    actor: Actor,
    person_id: object,
    item_kind: str,
    item_id: object,
    action: str,
    requested_on: date | None,
    evidence_kind: str,
    evidence_note: str,
    requested_by: str = RequestedBy.PERSON,
    guardian_name: str = "",
) -> ConcealmentDecision:
    """Record the person's request to hide one item of their record (``conceal``) or to show
    it again (``reveal``), with its evidence.

    Recorded by an operator (``PERSON_EDIT``) who reads the person's record and sees the item;
    a revocation also by the organisation that recorded the concealment in force (it no longer
    sees the item, but the person may come back to the same office). Anything else — a person
    or an item the actor may not see — is the same 404 as a missing one. When the recording
    organisation is not the one that registered the person, the registering organisation gets
    a notice that names only the kind of the item.
    """
    require(actor, Permission.PERSON_EDIT)
    membership = actor.membership
    if membership is None or actor.organization_id is None:
        raise PermissionRequired(Permission.PERSON_EDIT)
    note = (evidence_note or "").strip()
    guardian = (guardian_name or "").strip()
    errors = _validate(
        item_kind=item_kind,
        action=action,
        requested_on=requested_on,
        evidence_kind=evidence_kind,
        evidence_note=note,
        requested_by=requested_by,
        guardian_name=guardian,
    )
    with transaction.atomic(), pghistory.context(reason="concealment_record"):
        # The person's row is locked: decisions on its items are taken one at a time.
        person = person_full(
            actor=actor,
            person_id=person_id,
            queryset=Person.objects.select_for_update(of=("self",)),
            permission=Permission.PERSON_EDIT,
        )
        if "item_kind" in errors or "action" in errors:
            raise DossierError(DossierErrorCode.CONCEALMENT_INVALID, errors)
        declared = concealable(item_kind)
        pk = _pk(item_id)
        seen = (
            scoped(actor, declared.model)
            .filter(pk=pk, person_id=person.pk)
            .values_list("pk", declared.author)
            .first()
        )
        latest = _latest(item_kind, pk) if pk else None
        author_id: int | None = seen[1] if seen is not None else None
        if (
            seen is None
            and action == ConcealmentAction.REVEAL
            and latest is not None
            and latest.action == ConcealmentAction.CONCEAL
            and latest.person_id == person.pk
            and latest.recorded_by_organization_id == actor.organization_id
        ):
            author_id = latest.author_organization_id
        if author_id is None:
            raise NotFound()
        in_force = latest is not None and latest.action == ConcealmentAction.CONCEAL
        if action == ConcealmentAction.CONCEAL and in_force:
            errors["action"] = [_("L'elemento è già oscurato.")]
        elif action == ConcealmentAction.REVEAL and not in_force:
            errors["action"] = [_("L'elemento non è oscurato: non c'è nulla da revocare.")]
        if errors:
            raise DossierError(DossierErrorCode.CONCEALMENT_INVALID, errors)
        assert requested_on is not None  # _validate() refused a missing date
        decision = ConcealmentDecision.objects.create(
            person=person,
            item_kind=item_kind,
            item_id=pk,
            author_organization_id=author_id,
            action=action,
            requested_on=requested_on,
            requested_by=requested_by,
            guardian_name=guardian if requested_by == RequestedBy.GUARDIAN else "",
            evidence_kind=evidence_kind,
            evidence_note=note,
            recorded_by=membership,
            recorded_by_organization_id=actor.organization_id,
        )
        if person.registered_by_id != actor.organization_id:
            _notice(actor, decision)
    return decision


def _notice(actor: Actor, decision: ConcealmentDecision) -> None:
    """Tell the registering organisation — the kind of item only: nothing that describes it."""
    from integra.notices.models import NoticeKind
    from integra.notices.services import notice_send

    values = {
        "org": actor.organization.name if actor.organization else "—",
        "id": decision.person_id,
        "kind": decision.get_item_kind_display(),
    }
    if decision.action == ConcealmentAction.CONCEAL:
        text = (
            _(
                "%(org)s ha registrato la richiesta della persona n. %(id)s di oscurare un "
                "elemento del suo fascicolo (tipo: %(kind)s)."
            )
            % values
        )
    else:
        text = (
            _(
                "%(org)s ha registrato la revoca di un oscuramento chiesta dalla persona n. "
                "%(id)s (tipo di elemento: %(kind)s)."
            )
            % values
        )
    notice_send(
        organization_id=decision.person.registered_by_id,
        kind=NoticeKind.CONCEALMENT,
        text=text,
        url=reverse("people:detail", args=[decision.person_id]),
        person_id=decision.person_id,
        from_organization_id=actor.organization_id,
    )


# --- reads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcealableItem:
    """One item of the person's record that the actor sees, and whether it is hidden (then the
    actor's organisation produced it, or it would not be seen)."""

    kind: str
    kind_label: str
    id: int
    label: str
    author: str
    concealed: bool

    @property
    def key(self) -> str:
        """``kind:id``, the value a form's choice carries."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class ConcealmentOverview:
    person: Person
    items: list[ConcealableItem]
    # Hidden at a request recorded by the actor's organisation, produced by another one: the
    # actor no longer sees them, but may record the revocation.
    revocable_elsewhere: list[ConcealmentDecision]
    decisions: list[ConcealmentDecision]

    @property
    def concealed(self) -> list[ConcealableItem]:
        return [item for item in self.items if item.concealed]

    @property
    def shown(self) -> list[ConcealableItem]:
        return [item for item in self.items if not item.concealed]


def _items(actor: Actor, person: Person) -> list[ConcealableItem]:
    """The items of every declared kind the actor sees for the person (one query per kind,
    one for the names of the organisations that produced them)."""
    found: list[tuple[Any, Any, int | None]] = []
    for declared in concealable_kinds():
        rows = (
            scoped(actor, declared.model)
            .filter(person_id=person.pk)
            .annotate(
                concealed_now=concealed_condition(declared.kind), author_ref=F(declared.author)
            )
            .order_by("-pk")[:ITEMS_PER_KIND]
        )
        found.extend((declared, row, row.author_ref) for row in rows)
    names = dict(
        Organization.objects.filter(pk__in={a for _d, _r, a in found if a}).values_list(
            "pk", "name"
        )
    )
    return [
        ConcealableItem(
            kind=str(declared.kind),
            kind_label=str(declared.kind.label),
            id=row.pk,
            label=str(row),
            author=names.get(author_id or 0, "—"),
            concealed=bool(row.concealed_now),
        )
        for declared, row, author_id in found
    ]


def concealment_overview(*, actor: Actor | None, person_id: object) -> ConcealmentOverview:
    """The record's "oscuramenti" tab: what the actor may hide or show again, the decisions
    the actor may see (those on items its organisation produced or whose decision it
    recorded). The read is logged (``{"view": "oscuramenti"}``)."""
    person = person_full(actor=actor, person_id=person_id)
    assert actor is not None  # person_full() refuses None
    items = _items(actor, person)
    decisions = list(
        scoped(actor, ConcealmentDecision)
        .filter(person=person)
        .select_related("author_organization", "recorded_by_organization", "recorded_by__user")
        .order_by("-pk")
    )
    seen = {(item.kind, item.id) for item in items}
    latest: dict[tuple[str, int], ConcealmentDecision] = {}
    for decision in decisions:  # newest first: the first one met is the latest
        latest.setdefault((decision.item_kind, decision.item_id), decision)
    elsewhere = [
        d
        for key, d in latest.items()
        if key not in seen
        and d.action == ConcealmentAction.CONCEAL
        and d.recorded_by_organization_id == actor.organization_id
    ]
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "oscuramenti"}
    )
    return ConcealmentOverview(
        person=person, items=items, revocable_elsewhere=elsewhere, decisions=decisions
    )
