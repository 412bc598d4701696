"""Writes of the diary: a note is added, never changed nor deleted (see models.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.core.access import Actor, PermissionRequired, require
from integra.core.permissions import Permission
from integra.people.gate import person_full
from integra.timeline.access import may_write
from integra.timeline.errors import TimelineError, TimelineErrorCode
from integra.timeline.models import TEXT_MAX_LENGTH, CaseNote, NoteDomain, NoteKind

# A contact is recorded when it happened: not later than now (a few minutes of clock skew
# allowed), and a follow-up date not before the contact.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _validate(
    *,
    occurred_at: datetime | None,
    kind: str,
    domain: str,
    text: str,
    follow_up_on: date | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if occurred_at is None:
        errors["occurred_at"] = [_("Indica quando è avvenuto il contatto.")]
    elif timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Indica data e ora del contatto con il fuso orario.")]
    elif occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("Il contatto non può essere nel futuro.")]
    if kind not in NoteKind.values:
        errors["kind"] = [
            _(
                "Tipo di contatto sconosciuto: colloquio, visita domiciliare, telefonata, incontro o altro."
            )
        ]
    if domain not in NoteDomain.values:
        errors["domain"] = [_("Indica se la nota è sociale o sanitaria.")]
    if not text:
        errors["text"] = [_("Scrivi il testo della nota.")]
    elif len(text) > TEXT_MAX_LENGTH:
        errors["text"] = [
            _("Il testo può avere al massimo %(n)d caratteri.") % {"n": TEXT_MAX_LENGTH}
        ]
    if (
        follow_up_on is not None
        and occurred_at is not None
        and "occurred_at" not in errors
        and follow_up_on < timezone.localdate(occurred_at)
    ):
        errors["follow_up_on"] = [_("La data da riprendere non può precedere il contatto.")]
    return errors


def case_note_create(
    *,
    actor: Actor,
    person_id: object,
    occurred_at: datetime | None,
    kind: str,
    domain: str,
    text: str,
    follow_up_on: date | None = None,
) -> CaseNote:
    """Add a note to the person's diary, written by ``actor`` for its organisation.

    The person's content must be readable (404 otherwise, like a missing person); a social note
    needs ``SOCIAL_RECORD_EDIT``, a health note ``HEALTH_DATA_EDIT`` (403). Bad input raises
    ``TimelineError`` and writes nothing.
    """
    require(actor, Permission.PERSON_VIEW)
    membership = actor.membership
    if membership is None or actor.organization_id is None:
        raise PermissionRequired(Permission.SOCIAL_RECORD_EDIT)
    clean_text = (text or "").strip()
    errors = _validate(
        occurred_at=occurred_at,
        kind=kind,
        domain=domain,
        text=clean_text,
        follow_up_on=follow_up_on,
    )
    with transaction.atomic(), pghistory.context(reason="case_note_create"):
        person = person_full(actor=actor, person_id=person_id)
        if domain in NoteDomain.values and not may_write(actor, domain):
            raise PermissionRequired(
                Permission.HEALTH_DATA_EDIT
                if domain == NoteDomain.HEALTH
                else Permission.SOCIAL_RECORD_EDIT
            )
        if errors:
            raise TimelineError(TimelineErrorCode.NOTE_INVALID, errors)
        assert occurred_at is not None  # _validate() refused a missing time
        return CaseNote.objects.create(
            person=person,
            organization_id=actor.organization_id,
            author=membership,
            occurred_at=occurred_at,
            kind=kind,
            domain=domain,
            text=clean_text,
            follow_up_on=follow_up_on,
        )
