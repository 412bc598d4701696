"""Reads of the PUA: the inbox with its filters and counts, due-soon and overdue lists, one
request with its timeline, the requests awaiting the UVM. Every read goes through the access
policy (integra/intake/access.py) and reads of person data are written to the access log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from integra.assessments.uvm_models import UvmState
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, get_visible, require, scoped
from integra.core.health import declare_health, may_see_health
from integra.core.paging import capped_count
from integra.core.permissions import Permission
from integra.intake.access import managed_pua_ids, may_manage
from integra.intake.deadlines import due_soon_limit
from integra.intake.models import (
    IntakeAttachment,
    IntakeRequest,
    IntakeState,
    IntakeTransition,
    PuaPoint,
)
from integra.intake.triage import triage_health_items
from integra.people.gate import attach_person_refs, gated

declare_health(
    "intake.IntakeRequest",
    "triage_answers (item health: true), triage_result, triage_suggestion",
    "bisogno sanitario rilevato al PUA e il punteggio che ne deriva",
)


class DueFilter:
    TODAY = "today"
    SOON = "soon"
    OVERDUE = "overdue"
    # Sent to the UVM, which concluded its session: no deadline runs, the PUA closes the request
    # with the UVM's outcome (``services.request_uvm_concluded``).
    TO_CLOSE = "to_close"


class Box:
    """Which requests a list shows: those worked at the actor's PUAs, or those sent to the
    actor's organisation by a PUA (a service, the UVM, a forwarded request)."""

    PUA = "pua"
    RECEIVED = "received"


# Fixed text: stored and hashed in the access log.
INBOX_SUBJECT = ("intake.intakerequest", "", "Richieste al PUA")


def pua_points_managed(*, actor: Actor | None) -> list[PuaPoint]:
    """The PUAs whose requests the actor works (owner or partner organisation)."""
    if actor is None:
        return []
    return list(
        PuaPoint.objects.filter(pk__in=managed_pua_ids(actor), is_active=True).order_by("name")
    )


def pua_point_list(*, actor: Actor | None) -> QuerySet[PuaPoint]:
    """Every active PUA (a public directory), with its territory."""
    return (
        scoped(actor, PuaPoint)
        .filter(is_active=True)
        .select_related("organization", "uvm_organization")
        .prefetch_related("ambiti", "municipalities", "partners")
        .order_by("name", "pk")
    )


def _inbox_base(actor: Actor | None) -> QuerySet[IntakeRequest]:
    return gated(actor, scoped(actor, IntakeRequest).select_related("pua"))


# Lists and badges count at most this many rows (then "more than"): a full COUNT over a busy
# PUA's 200k open requests costs ~150 ms, a capped one walks the index for a few ms.


def _due_soon_condition(puas: list[PuaPoint], today: date) -> Q:
    """Due from today to each PUA's own "due soon" limit (working days, its holidays)."""
    condition = Q(pk__in=[])
    for pua in puas:
        condition |= Q(pua_id=pua.pk, due_on__lte=due_soon_limit(pua, today=today))
    return Q(due_on__gte=today) & condition


# The UVM concluded (its deadline is met and cleared), the PUA has still to close the request.
TO_CLOSE_CONDITION = Q(state=IntakeState.SENT_TO_UVM, due_on__isnull=True)


@dataclass(frozen=True)
class InboxFilters:
    state: str = ""
    urgency: str = ""
    channel: str = ""
    due: str = ""
    pua_id: int | None = None
    box: str = ""


def _box_condition(actor: Actor, box: str, puas: list[PuaPoint]) -> Q:
    """The actor's PUAs by default (``pua_id IN (…)`` as literals, so the planner walks the
    inbox index in order), else what was sent to the actor's organisation."""
    if box == Box.RECEIVED or not puas:
        return Q(sent_to_organization_id=actor.organization_id)
    return Q(pua_id__in=[p.pk for p in puas])


def request_inbox(
    *, actor: Actor | None, filters: InboxFilters | None = None, today: date | None = None
) -> QuerySet[IntakeRequest]:
    """The requests of the actor's PUAs (or, ``box="received"``, sent to the actor's
    organisation), newest first; open ones unless a state is asked for.

    ``due="today"``: due today; ``due="soon"``: due from today within the PUA's warning window;
    ``due="overdue"``: the deadline has passed (these three only open requests, earliest
    deadline first); ``due="to_close"``: the UVM concluded, the request waits to be closed with
    its outcome (oldest first). Two queries whatever the rows: the actor's PUAs, then the page
    (plus its count).
    """
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None  # require() refuses None
    day = today or timezone.localdate()
    puas = list(PuaPoint.objects.filter(pk__in=managed_pua_ids(actor)))
    return _inbox_query(actor, puas, filters or InboxFilters(), day)


def _inbox_query(
    actor: Actor, puas: list[PuaPoint], f: InboxFilters, day: date
) -> QuerySet[IntakeRequest]:
    """The inbox's rows for the filters, given the actor's PUAs (no query until evaluated)."""
    qs = _inbox_base(actor).filter(_box_condition(actor, f.box, puas))
    # ``NOT state = 'chiusa'`` is the predicate of the partial indexes on open requests.
    qs = qs.filter(state=f.state) if f.state else qs.exclude(state=IntakeState.CLOSED)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.pua_id is not None:
        qs = qs.filter(pua_id=f.pua_id)
    if f.due == DueFilter.OVERDUE:
        return qs.filter(due_on__lt=day).exclude(state=IntakeState.CLOSED).order_by("due_on", "pk")
    if f.due == DueFilter.TODAY:
        return qs.filter(due_on=day).exclude(state=IntakeState.CLOSED).order_by("due_on", "pk")
    if f.due == DueFilter.TO_CLOSE:
        return qs.filter(TO_CLOSE_CONDITION).order_by("received_at", "pk")
    if f.due == DueFilter.SOON:
        return (
            qs.filter(_due_soon_condition(puas, day))
            .exclude(state=IntakeState.CLOSED)
            .order_by("due_on", "pk")
        )
    return qs.order_by("-received_at", "-pk")


@dataclass(frozen=True)
class DeskWork:
    """What the desk shows of the PUA: counts (each up to ``COUNT_CAP + 1``) of the inbox lists
    they link to, and the next requests to handle."""

    counts: dict[str, int]
    next_requests: list[IntakeRequest]


# The inbox filter each desk count stands for (the count is that list's count).
DESK_PUA_FILTERS: dict[str, InboxFilters] = {
    "overdue": InboxFilters(due=DueFilter.OVERDUE),
    "today": InboxFilters(due=DueFilter.TODAY),
    "due_soon": InboxFilters(due=DueFilter.SOON),
    "to_close": InboxFilters(due=DueFilter.TO_CLOSE),
}
DESK_RECEIVED_FILTERS = InboxFilters(box=Box.RECEIVED)


def pua_desk_work(*, actor: Actor | None, today: date, limit: int) -> DeskWork | None:
    """The PUA's worklist for the desk: ``None`` unless the actor works requests at a PUA.
    Seven queries whatever the rows: the PUAs, four counts, the next requests (deadline first,
    the overdue on top) and their persons through the people gate (two)."""
    if actor is None or not actor.has(Permission.INTAKE_MANAGE):
        return None
    require(actor, Permission.PERSON_VIEW)
    puas = list(PuaPoint.objects.filter(pk__in=managed_pua_ids(actor)))
    if not puas:
        return None
    counts = {
        key: capped_count(_inbox_query(actor, puas, f, today))
        for key, f in DESK_PUA_FILTERS.items()
    }
    following = (
        _inbox_query(actor, puas, InboxFilters(), today)
        .filter(due_on__isnull=False)
        .order_by("due_on", "pk")
    )
    return DeskWork(counts=counts, next_requests=list(following[:limit]))


def received_desk_work(*, actor: Actor | None, today: date, limit: int) -> DeskWork | None:
    """Open requests a PUA sent to the actor's organisation (a service, the UVM, the one it was
    forwarded to), newest first: ``None`` when there are none. Four queries at most."""
    if actor is None or actor.organization_id is None or not actor.has(Permission.PERSON_VIEW):
        return None
    received = _inbox_query(actor, [], DESK_RECEIVED_FILTERS, today)
    count = capped_count(received)
    if not count:
        return None
    return DeskWork(counts={"open": count}, next_requests=list(received[:limit]))


def desk_access_record(*, actor: Actor | None, shown: str, rows: int) -> None:
    """Log that the desk listed requests naming persons (which list, how many rows)."""
    access_log_record(
        actor=actor,
        subject=INBOX_SUBJECT,
        action=AccessAction.LIST,
        detail={"desk": shown, "rows": rows},
    )


def requests_overdue(*, actor: Actor | None, today: date | None = None) -> QuerySet[IntakeRequest]:
    return request_inbox(actor=actor, filters=InboxFilters(due=DueFilter.OVERDUE), today=today)


def requests_due_soon(*, actor: Actor | None, today: date | None = None) -> QuerySet[IntakeRequest]:
    return request_inbox(actor=actor, filters=InboxFilters(due=DueFilter.SOON), today=today)


def inbox_counts(
    *, actor: Actor | None, box: str = "", today: date | None = None
) -> dict[str, int]:
    """Open, due soon and overdue requests of the actor's PUAs (or sent to the actor's
    organisation), each capped at ``COUNT_CAP + 1``: three queries, plus the PUAs."""
    require(actor, Permission.PERSON_VIEW)
    assert actor is not None
    day = today or timezone.localdate()
    puas = list(PuaPoint.objects.filter(pk__in=managed_pua_ids(actor)))
    base = (
        scoped(actor, IntakeRequest)
        .filter(_box_condition(actor, box, puas))
        .exclude(state=IntakeState.CLOSED)
    )
    return {
        "open": capped_count(base),
        "due_soon": capped_count(base.filter(_due_soon_condition(puas, day))),
        "overdue": capped_count(base.filter(due_on__lt=day)),
    }


def request_list_access_record(*, actor: Actor | None, filters: InboxFilters) -> None:
    """Log that the actor listed PUA requests (names of persons are shown)."""
    shown = {k: v for k, v in filters.__dict__.items() if v not in ("", None)}
    access_log_record(
        actor=actor, subject=INBOX_SUBJECT, action=AccessAction.LIST, detail={"filters": shown}
    )


def requests_awaiting_uvm(*, actor: Actor | None) -> QuerySet[IntakeRequest]:
    """Requests sent to the UVM, not closed and with no session yet (scheduled or concluded: a
    cancelled one does not count), by UVM deadline: the UVM sessions start here.

    Visible to the PUA and to the organisation that convenes the UVM."""
    return requests_sent_to_uvm(actor=actor).exclude(uvm_sessions__state__in=UVM_ACTIVE_STATES)


def requests_sent_to_uvm(*, actor: Actor | None) -> QuerySet[IntakeRequest]:
    """Requests sent to the UVM and not closed, with a session or not, by UVM deadline: those a
    session may be convened for (a further one only with a reason)."""
    require(actor, Permission.PERSON_VIEW)
    return _inbox_base(actor).filter(state=IntakeState.SENT_TO_UVM).order_by("uvm_due", "pk")


# A session in one of these states means the UVM took the request up.
UVM_ACTIVE_STATES = (UvmState.SCHEDULED, UvmState.CONCLUDED)


def uvm_sessions_of(*, actor: Actor | None, request: IntakeRequest) -> list[Any]:
    """The UVM sessions convened for the request that the actor may open, oldest first, with
    their outcome (class of users, intensity of care, next review)."""
    from integra.assessments.uvm import session_list

    return list(
        session_list(actor=actor)
        .filter(intake_request_id=request.pk)
        .order_by("scheduled_for", "pk")
    )


def request_detail(*, actor: Actor | None, request_id: object) -> IntakeRequest:
    """One request with its timeline and attachments (404 for missing and forbidden alike);
    the read is logged with the person concerned."""
    require(actor, Permission.PERSON_VIEW)
    request = get_visible(
        actor,
        IntakeRequest.objects.select_related(
            "pua__organization",
            "pua__uvm_organization",
            "competent_pua",
            "requester_organization",
            "outcome_service__provider",
            "forwarded_to",
            "sent_to_organization",
            "triage_by__user",
            "created_by__user",
        ).prefetch_related(
            Prefetch(
                "transitions",
                queryset=IntakeTransition.objects.select_related(
                    "by__user", "by_organization"
                ).order_by("at", "pk"),
            ),
            Prefetch(
                "attachments",
                queryset=IntakeAttachment.objects.select_related("uploaded_by__user").order_by(
                    "created_at", "pk"
                ),
            ),
        ),
        pk=request_id,
    )
    attach_person_refs(actor, [request])
    request.triage_shown = triage_view(actor=actor, request=request)  # type: ignore[attr-defined]
    request.uvm_sessions_shown = uvm_sessions_of(actor=actor, request=request)  # type: ignore[attr-defined]
    access_log_record(
        actor=actor, subject=request, action=AccessAction.VIEW, detail={"view": "richiesta"}
    )
    return request


@dataclass(frozen=True)
class TriageView:
    """The pre-assessment of a request as an actor may see it. The health items (``health:
    true`` in the triage definition) are read by the PUA that works the request and by holders
    of the health permission; for anyone else they are left out, and so are the total, the band
    and the suggestion, which would give them back (``withheld``)."""

    instrument: str
    version: str
    answers: dict[str, Any]
    context: dict[str, Any]
    result: dict[str, Any]
    suggestion: dict[str, Any]
    at: datetime | None
    decision_need: str
    withheld: bool


def triage_view(*, actor: Actor | None, request: IntakeRequest) -> TriageView:
    full = may_see_health(actor) or (actor is not None and may_manage(actor, request))
    health = triage_health_items()
    answers = dict(request.triage_answers or {})
    withheld = not full and any(code in answers for code in health)
    return TriageView(
        instrument=request.triage_instrument,
        version=request.triage_version,
        answers=answers if full else {k: v for k, v in answers.items() if k not in health},
        context=dict(request.triage_context or {}),
        result={} if withheld else dict(request.triage_result or {}),
        suggestion={} if withheld else dict(request.triage_suggestion or {}),
        at=request.triage_at,
        decision_need=request.decision_need,
        withheld=withheld,
    )


def request_is_managed(*, actor: Actor | None, request: IntakeRequest) -> bool:
    return actor is not None and may_manage(actor, request)


def attachment_for_download(
    *, actor: Actor | None, request_id: object, attachment_id: object
) -> IntakeAttachment:
    require(actor, Permission.PERSON_VIEW)
    attachment = get_visible(
        actor,
        IntakeAttachment.objects.select_related("request__pua"),
        pk=attachment_id,
    )
    if str(attachment.request_id) != str(request_id) or not attachment.file:
        raise NotFound()
    access_log_record(
        actor=actor,
        subject=attachment.request,
        action=AccessAction.VIEW,
        detail={"download": "allegato", "attachment": attachment.pk},
    )
    return attachment
