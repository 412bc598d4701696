"""Emergency access to a record (break-the-glass).

An operator who may consult persons (``PERSON_VIEW``) but whose organisation does not have the
person in charge — or sees only the limited form — may open the record in an emergency,
stating why, for a limited time, after confirming a warning. Our design, following the
Garante's inspections and DHIS2 Tracker's "break the glass" (DOMAIN.md, Privacy):

* the grant is read only, for that user acting as that membership (not their organisation),
  and ends by itself: ``integra/people/access.py`` compares ``expires_at`` with the database
  clock in the query, and counts the grant only in a read (``EmergencyReadsMiddleware``: a
  request with a safe method), so no write ever goes through it;
* it never bypasses an oscuramento: hidden items are left out by each model's scope whoever
  reads;
* it is flagged: every logged read of the person by that operator while it lasts carries the
  purpose "Accesso di emergenza" and the access's id and reason (``mark_emergency_reads``, a
  hook of the access log); the registering organisation gets a notice; the auditors list the
  accesses (``emergency_access_list``); the person's report of accesses shows them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pghistory
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.audit.models import AccessAction, AccessOutcome
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, require, scoped
from integra.core.permissions import Permission
from integra.people.access import emergency_reads, known_persons, with_content_visible
from integra.people.dossier_errors import DossierError, DossierErrorCode
from integra.people.gate import gated
from integra.people.identifiers import normalise
from integra.people.models import EmergencyAccess, Person, PersonIdentifier, PersonStatus

# Stored (and hashed) in the access log: fixed text, not a translation of the moment.
EMERGENCY_PURPOSE = "Accesso di emergenza"
EMERGENCY_SUBJECT = ("people.emergencyaccess", "", "Accesso di emergenza")

REASON_MIN_LENGTH = 20
REASON_MAX_LENGTH = 1000
DEFAULT_MAX_HOURS = 4


def max_hours() -> int:
    """The longest emergency access (setting ``EMERGENCY_ACCESS_MAX_HOURS``, 4 by default)."""
    return int(getattr(settings, "EMERGENCY_ACCESS_MAX_HOURS", DEFAULT_MAX_HOURS))


def hour_choices() -> list[int]:
    return list(range(1, max_hours() + 1))


def _validate(*, reason: str, hours: object, confirmed: bool) -> tuple[dict[str, list[str]], int]:
    errors: dict[str, list[str]] = {}
    if len(reason) < REASON_MIN_LENGTH:
        errors["reason"] = [
            _("Descrivi l'emergenza che rende necessario l'accesso (almeno %(n)d caratteri).")
            % {"n": REASON_MIN_LENGTH}
        ]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [
            _("Il motivo può avere al massimo %(n)d caratteri.") % {"n": REASON_MAX_LENGTH}
        ]
    try:
        duration = int(str(hours))
    except (TypeError, ValueError):
        duration = 0
    if not 1 <= duration <= max_hours():
        errors["hours"] = [_("La durata va da 1 a %(n)d ore.") % {"n": max_hours()}]
    if not confirmed:
        errors["confirm"] = [
            _("Conferma di aver letto l'avviso: l'accesso è registrato e segnalato.")
        ]
    return errors, duration


def _person_by_code(actor: Actor, code: str) -> Person | None:
    """The active person holding exactly ``code`` (any kind of identifier), in the whole
    registry: an emergency may concern someone the operator's organisation never met."""
    value = normalise(code)
    if not value:
        return None
    holder = (
        PersonIdentifier.objects.filter(value=value, person__status=PersonStatus.ACTIVE)
        .values_list("person_id", flat=True)
        .first()
    )
    return Person.objects.filter(pk=holder).first() if holder is not None else None


def emergency_access_open(
    *,
    actor: Actor,
    reason: str,
    hours: object,
    confirmed: bool,
    person_id: object = None,
    code: str = "",
) -> EmergencyAccess:
    """Open the record of a person — known to the actor (``person_id``: the limited view) or
    found by an exact code (``code``) — for ``hours`` (1 to ``max_hours()``).

    Refused (``DossierError``) without a reason of at least ``REASON_MIN_LENGTH`` characters,
    with a duration out of range, without the warning confirmed, when the actor already reads
    the record, or while an emergency access of the actor to the same person is open. A
    ``person_id`` the actor does not know of is the usual 404; a code that names nobody is a
    422 on ``code`` (the attempt is logged as denied: the auditor sees repeated tries).
    """
    require(actor, Permission.PERSON_VIEW)
    membership = actor.membership
    if membership is None or actor.organization_id is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    text = (reason or "").strip()
    errors, duration = _validate(reason=text, hours=hours, confirmed=confirmed)
    found_by = ""
    with emergency_reads(False):
        if person_id is not None:
            person = known_persons(actor, Person.objects.all()).filter(pk=_pk(person_id)).first()
            if person is None:
                get_visible(actor, Person, pk=person_id)  # the same NotFound as elsewhere
                raise NotFound()
        else:
            found_by = normalise(code or "")[:32]
            person = _person_by_code(actor, found_by)
            if person is None:
                access_log_record(
                    actor=actor,
                    subject=EMERGENCY_SUBJECT,
                    action=AccessAction.SEARCH,
                    outcome=AccessOutcome.DENIED,
                    detail={"code": found_by, "result_count": 0},
                    purpose=EMERGENCY_PURPOSE,
                )
                errors["code"] = [_("Nessuna persona registrata con questo codice.")]
                raise DossierError(DossierErrorCode.EMERGENCY_INVALID, errors)
        readable = with_content_visible(actor, known_persons(actor, Person.objects.all()))
        if readable.filter(pk=person.pk).exists():
            raise DossierError(
                DossierErrorCode.EMERGENCY_NOT_NEEDED,
                {"person_id": [_("Puoi già consultare questa scheda: non serve l'emergenza.")]},
            )
    if errors:
        raise DossierError(DossierErrorCode.EMERGENCY_INVALID, errors)
    now = timezone.now()
    with transaction.atomic(), pghistory.context(reason="emergency_access_open"):
        open_already = (
            EmergencyAccess.objects.select_for_update()
            .filter(membership=membership, person=person, expires_at__gt=now)
            .first()
        )
        if open_already is not None:
            until = timezone.localtime(open_already.expires_at).strftime("%H:%M")
            raise DossierError(
                DossierErrorCode.EMERGENCY_INVALID,
                {
                    "person_id": [
                        _("Hai già un accesso di emergenza aperto fino alle %(t)s.") % {"t": until}
                    ]
                },
            )
        access = EmergencyAccess.objects.create(
            person=person,
            user=actor.user,
            membership=membership,
            organization_id=actor.organization_id,
            reason=text,
            found_by_code=found_by,
            opened_at=now,
            expires_at=now + timedelta(hours=duration),
        )
        if person.registered_by_id != actor.organization_id:
            _notice(actor, access)
    _forget_grants()
    access_log_record(
        actor=actor,
        subject=person,
        action=AccessAction.VIEW,
        detail={"view": "apertura_accesso_emergenza", "hours": duration},
        purpose=EMERGENCY_PURPOSE,
    )
    return access


def _pk(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def _notice(actor: Actor, access: EmergencyAccess) -> None:
    """Tell the registering organisation (its operators and its auditors read its notices)."""
    from integra.notices.models import NoticeKind
    from integra.notices.services import notice_send

    notice_send(
        organization_id=access.person.registered_by_id,
        kind=NoticeKind.EMERGENCY_ACCESS,
        text=_(
            "%(org)s ha aperto in emergenza la scheda della persona n. %(id)s fino alle %(until)s "
            "del %(day)s. Motivo dichiarato: %(reason)s"
        )
        % {
            "org": actor.organization.name if actor.organization else "—",
            "id": access.person_id,
            "until": timezone.localtime(access.expires_at).strftime("%H:%M"),
            "day": timezone.localtime(access.expires_at).strftime("%d/%m/%Y"),
            "reason": access.reason,
        },
        url=reverse("people:detail", args=[access.person_id]),
        person_id=access.person_id,
        from_organization_id=actor.organization_id,
    )


# --- the flag on every read during an emergency access -----------------------------------------

# Per request (``EmergencyReadsMiddleware``): the actor's open grants, read once.
_grants_cache: contextvars.ContextVar[dict[tuple[int, int], dict[int, tuple[int, str]]] | None] = (
    contextvars.ContextVar("integra_emergency_grants", default=None)
)


def _forget_grants() -> None:
    cache = _grants_cache.get()
    if cache is not None:
        cache.clear()


def _open_grants(actor: Actor) -> dict[int, tuple[int, str]]:
    """person id → (access id, reason) of the actor's open emergency accesses."""
    assert actor.membership is not None
    key = (actor.user.pk, actor.membership.pk)
    cache = _grants_cache.get()
    if cache is not None and key in cache:
        return cache[key]
    grants = {
        person_id: (pk, reason)
        for pk, person_id, reason in EmergencyAccess.objects.filter(
            user_id=actor.user.pk, membership_id=actor.membership.pk, expires_at__gt=timezone.now()
        )
        .order_by("pk")
        .values_list("pk", "person_id", "reason")
    }
    if cache is not None:
        cache[key] = grants
    return grants


def mark_emergency_reads(actor: Actor | None, entry: dict[str, Any]) -> None:
    """Access-log hook: a read of a person by an operator with an open emergency access to them
    carries the purpose "Accesso di emergenza", the access's id and the declared reason."""
    person_id = entry.get("person_id")
    if (
        person_id is None
        or actor is None
        or actor.membership is None
        or entry.get("outcome") != AccessOutcome.ALLOWED
        # The registering organisation never needs (nor may open) an emergency access.
        or entry.get("subject_organization_id") == actor.organization_id
    ):
        return
    grant = _open_grants(actor).get(int(person_id))
    if grant is None:
        return
    access_id, reason = grant
    entry["purpose"] = EMERGENCY_PURPOSE
    entry["detail"] = {
        **(entry.get("detail") or {}),
        "emergency_access_id": access_id,
        "emergency_reason": reason[:REASON_MAX_LENGTH],
    }


class EmergencyReadsMiddleware:
    """Emergency grants count only in requests with a safe method (a read): no POST, PUT,
    PATCH or DELETE can reach a record through one. Also keeps the actor's open grants for the
    access-log hook, read at most once per request."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _grants_cache.set({})
        try:
            with emergency_reads(request.method in self.SAFE_METHODS):
                return self.get_response(request)
        finally:
            _grants_cache.reset(token)


# --- reads ---------------------------------------------------------------------------------------


def emergency_access_active(*, actor: Actor | None, person_id: int) -> EmergencyAccess | None:
    """The actor's own open emergency access to the person, if any (for the record's banner)."""
    if actor is None or actor.membership is None:
        return None
    return (
        EmergencyAccess.objects.filter(
            person_id=person_id,
            user_id=actor.user.pk,
            membership_id=actor.membership.pk,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


@dataclass(frozen=True)
class EmergencyFilters:
    date_from: date | None = None
    date_to: date | None = None
    # "active", "expired" or "" for both.
    state: str = ""
    # "own": opened by the auditor's organisation's operators; "records": on records it holds.
    side: str = ""

    def as_detail(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v}


# Bounds that survive the conversion to UTC: no access is older or newer.
_FIRST_DAY = date(2000, 1, 1)
_LAST_DAY = date(9000, 12, 31)


def _day_start(day: date) -> datetime:
    from integra.audit.selectors import AUDIT_TIME_ZONE

    return datetime.combine(day, datetime.min.time(), tzinfo=AUDIT_TIME_ZONE)


def emergency_access_list(
    *, actor: Actor | None, filters: EmergencyFilters | None = None
) -> QuerySet[EmergencyAccess]:
    """The emergency accesses an auditor (``AUDIT_VIEW``) sees — opened by the operators of
    their organisation, or on records their organisation registered — newest first, each with
    the person's reference through the people gate. Days are days in Rome, both included."""
    require(actor, Permission.AUDIT_VIEW)
    assert actor is not None  # require() refuses None
    f = filters or EmergencyFilters()
    qs = scoped(actor, EmergencyAccess).select_related("organization", "membership", "user")
    if f.date_from:
        qs = qs.filter(opened_at__gte=_day_start(min(max(f.date_from, _FIRST_DAY), _LAST_DAY)))
    if f.date_to:
        last = min(max(f.date_to, _FIRST_DAY), _LAST_DAY)
        qs = qs.filter(opened_at__lt=_day_start(last + timedelta(days=1)))
    now = timezone.now()
    if f.state == "active":
        qs = qs.filter(expires_at__gt=now)
    elif f.state == "expired":
        qs = qs.filter(expires_at__lte=now)
    org = actor.organization_id or 0
    if f.side == "own":
        qs = qs.filter(organization_id=org)
    elif f.side == "records":
        qs = qs.filter(person__registered_by_id=org)
    return gated(actor, qs.order_by("-opened_at", "-pk"))


def emergency_access_get(*, actor: Actor | None, access_id: object) -> EmergencyAccess:
    """One emergency access the actor sees (the operator who opened it, or an auditor of either
    organisation); anything else is the usual 404."""
    return get_visible(
        actor,
        gated(actor, EmergencyAccess.objects.select_related("organization", "membership", "user")),
        pk=access_id,
    )


def emergency_list_access_record(
    *, actor: Actor, filters: EmergencyFilters, rows: int | None = None
) -> None:
    """Log that an auditor listed the emergency accesses (with the filters, and the rows shown
    when known)."""
    from integra.audit.services import AUDIT_PURPOSE

    detail: dict[str, object] = {"filters": filters.as_detail()}
    if rows is not None:
        detail["rows"] = rows
    access_log_record(
        actor=actor,
        subject=EMERGENCY_SUBJECT,
        action=AccessAction.LIST,
        detail=detail,
        purpose=AUDIT_PURPOSE,
    )


__all__ = [
    "EMERGENCY_PURPOSE",
    "EmergencyFilters",
    "EmergencyReadsMiddleware",
    "emergency_access_active",
    "emergency_access_get",
    "emergency_access_list",
    "emergency_access_open",
    "mark_emergency_reads",
]
