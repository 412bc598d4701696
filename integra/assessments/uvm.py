"""UVM sessions: reads and writes (plain functions, actor first).

A session is convened by an organisation for one person, optionally from a PUA request sent to
the UVM. Members come from several organisations; adding a member from another organisation
takes the person in charge for it (people.CareRelationship, reason "componente UVM"), so the
member can open the person's record. Conclusion needs a member present from the Comune/Ambito
side and one from the health side (seed 002, rule 5), a user class and an intensity of care;
the next review date follows the class's review frequency.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pghistory
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integra.accounts.models import Membership
from integra.assessments.models import Assessment
from integra.assessments.uvm_models import (
    HEALTH_NEED_DOMAINS,
    MEMBER_KINDS,
    CareIntensity,
    NeedDomain,
    Profession,
    Side,
    UserClass,
    UvmMember,
    UvmSession,
    UvmState,
    side_of,
)
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import (
    Actor,
    NotFound,
    PermissionRequired,
    get_visible,
    register_scope,
    require,
    scoped,
)
from integra.core.concurrency import bump_version
from integra.core.errors import DomainError
from integra.core.health import may_record_health, may_see_health, without_keys
from integra.core.permissions import ROLE_PERMISSIONS, Permission
from integra.organizations.models import Organization
from integra.people.access import (
    concealed_ids,
    follows_person,
    hidden_link,
    register_concealable,
    without_concealed,
)
from integra.people.gate import PersonRef, gated, person_ref
from integra.people.models import CareBasis, ConcealedKind, Person
from integra.people.services import care_relationship_start
from integra.programs.redaction import eligibility_visible

MANAGE_PERMISSIONS = (Permission.UVM_PARTICIPATE, Permission.ASSESSMENT_PERFORM)


class UvmErrorCode(models.TextChoices):
    INVALID = "uvm_invalid", gettext_lazy("Dati della seduta UVM non validi")
    COMPOSITION = "uvm_composition", gettext_lazy("Composizione dell'UVM non valida")
    STATE = "uvm_state", gettext_lazy("Operazione non consentita in questo stato")
    REPEAT = "uvm_repeat", gettext_lazy("La richiesta ha già una seduta UVM")
    TOO_EARLY = "uvm_too_early", gettext_lazy("La seduta non si è ancora tenuta")


class UvmError(DomainError):
    """A refused UVM operation: ``errors`` maps each field to its Italian messages."""

    statuses = {
        UvmErrorCode.COMPOSITION: 409,
        UvmErrorCode.STATE: 409,
        UvmErrorCode.REPEAT: 409,
        UvmErrorCode.TOO_EARLY: 409,
    }
    several_message = gettext_lazy("Uno o più dati non sono validi.")

    def __init__(self, code: UvmErrorCode, errors: dict[str, list[str]]) -> None:
        super().__init__(code, errors)


# --- access ------------------------------------------------------------------------------------


# The measures whose eligibility a UVM session checks.
MEASURES = ("B1", "B2")
# The years a session can be scheduled in (a typo such as 2206 is an error, not a date).
SESSION_YEARS = (2000, 2100)


def may_run_check(actor: Actor, measure_code: str, on: date | None = None) -> bool:
    """A check whose rules read health evidence is run (and overwritten) only by holders of the
    health permission: a social member's run would replace a doctor's result with one that
    cannot see the health conditions."""
    from integra.programs.redaction import reads_health
    from integra.programs.selectors import rule_set_in_force, rules_of

    rule_set = rule_set_in_force(measure_code=measure_code, on=on or timezone.localdate())
    if rule_set is None:
        return True  # the check itself reports that no act is in force
    return may_see_health(actor) or not reads_health(rules_of(rule_set))


def _may_take_part(actor: Actor) -> bool:
    return any(actor.has(p) for p in MANAGE_PERMISSIONS)


# The person may hide a session (an episode) from everyone but the organisation that convened it.
register_concealable(ConcealedKind.UVM_SESSION, UvmSession, author="organization_id")


@register_scope(UvmSession)
def uvm_session_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Sessions convened by the actor's organisation or with a member from it, of persons the
    actor sees (for those who take part, and case managers); the PUA (INTAKE_MANAGE) also sees the sessions of its requests. A session hidden
    at the person's request only by the convening organisation."""
    if actor.organization_id is None or not (
        _may_take_part(actor)
        or actor.has(Permission.INTAKE_MANAGE)
        # The case manager reads the outcome that the plan starts from (integra/careplans).
        or actor.has(Permission.CASE_MANAGE)
    ):
        return qs.none()
    member_of = UvmMember.objects.filter(
        session_id=OuterRef("pk"), organization_id=actor.organization_id
    )
    condition = Q(organization_id=actor.organization_id) | Q(Exists(member_of))
    if actor.has(Permission.INTAKE_MANAGE):
        condition |= Q(intake_request__pua__organization_id=actor.organization_id)
    return without_concealed(
        actor, follows_person(actor, qs.filter(condition)), ConcealedKind.UVM_SESSION
    )


@register_scope(UvmMember)
def uvm_member_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(session__in=uvm_session_scope(actor, UvmSession.objects.all()))


# --- reads -------------------------------------------------------------------------------------


def user_classes() -> list[UserClass]:
    return list(UserClass.objects.filter(is_active=True))


def sessions_visible(
    actor: Actor | None, qs: QuerySet[UvmSession] | None = None
) -> QuerySet[UvmSession]:
    """The sessions the actor opens: the one predicate of the list, the page, the minutes and
    the API (whatever is listed opens). Each row tells whether its PUA request may be named
    (``intake_request_hidden``) and opened by the actor (``intake_request_open``)."""
    base = UvmSession.objects.all() if qs is None else qs
    return scoped(actor, base).annotate(
        intake_request_hidden=_request_hidden(actor),
        intake_request_open=_request_open(actor),
    )


class SessionWhen:
    """Scheduled sessions by day: from today on (to attend), or before today and still open
    (held: the outcome is to be written and the session concluded)."""

    NEXT = "prossime"
    TO_CONCLUDE = "da_concludere"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def session_list(
    *,
    actor: Actor | None,
    state: str = "",
    person_id: int | None = None,
    mine: bool = False,
    when: str = "",
    today: date | None = None,
) -> QuerySet[UvmSession]:
    """The sessions the actor opens; ``mine``: those where the actor's user is a member;
    ``when``: scheduled sessions from today (next first) or held before today and still to
    conclude (oldest first)."""
    qs = gated(
        actor,
        sessions_visible(actor, UvmSession.objects.select_related("organization", "user_class")),
    )
    if state:
        qs = qs.filter(state=state)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if mine:
        if actor is None:
            return qs.none()
        member = UvmMember.objects.filter(session_id=OuterRef("pk"), user_id=actor.user.pk)
        qs = qs.filter(Exists(member))
    if when in (SessionWhen.NEXT, SessionWhen.TO_CONCLUDE):
        start = _start_of(today or timezone.localdate())
        qs = qs.filter(state=UvmState.SCHEDULED)
        if when == SessionWhen.NEXT:
            return qs.filter(scheduled_for__gte=start).order_by("scheduled_for", "pk")
        return qs.filter(scheduled_for__lt=start).order_by("scheduled_for", "pk")
    return qs.order_by("state", "-scheduled_for", "-pk")


def _request_hidden(actor: Actor | None) -> Any:
    """Whether the session's PUA request is hidden from the actor at the person's request: then
    the session shows no link to it (not even its number)."""
    if actor is None:
        return Value(False)
    return hidden_link(actor, ConcealedKind.INTAKE_REQUEST, "intake_request_id")


def _request_open(actor: Actor | None) -> Any:
    """Whether the actor may open the session's PUA request (its page answers 200): only then
    the session links to it."""
    from integra.intake.models import IntakeRequest

    if actor is None:
        return Value(False)
    return Exists(scoped(actor, IntakeRequest).filter(pk=OuterRef("intake_request_id")))


def session_list_access_record(*, actor: Actor | None, filters: Mapping[str, Any]) -> None:
    access_log_record(
        actor=actor,
        subject=("assessments.uvmsession", "", "Elenco sedute UVM"),
        action=AccessAction.LIST,
        detail={"filters": {k: v for k, v in filters.items() if v not in ("", None)}},
    )


@dataclass
class SessionView:
    """One session as an actor may see it: the person through the people gate, and the summary
    of needs and the eligibility results with health data left out for an actor without the
    health permission (integra/core/health.py) — pages, API and minutes all take this."""

    session: UvmSession
    person: PersonRef
    members: list[UvmMember]
    assessments: list[Assessment]
    hidden_assessments: int
    candidate_assessments: list[Assessment]
    composition_problems: list[str]
    may_edit: bool
    needs_summary: dict[str, str]
    eligibility: dict[str, Any]
    measures_runnable: list[str]
    # Hidden at the person's request (then the actor's organisation convened it: others do not
    # see it at all): pages and minutes mark it.
    concealed: bool = False

    @property
    def needs(self) -> list[tuple[str, str]]:
        """(label, text) of each dimension written, in the order of ``NeedDomain``."""
        return [
            (str(label), self.needs_summary[code])
            for code, label in NeedDomain.choices
            if self.needs_summary.get(code)
        ]


def needs_visible(actor: Actor | None, summary: dict[str, str]) -> dict[str, str]:
    """The summary of needs without the health dimensions for an actor without the permission."""
    return without_keys(actor, summary, HEALTH_NEED_DOMAINS)


def session_get(*, actor: Actor | None, session_id: object, purpose: str = "") -> SessionView:
    """One session with its members and the results the actor may read; the read is logged.
    Results of health instruments need ``HEALTH_DATA_VIEW`` (counted, not shown)."""
    qs = UvmSession.objects.select_related(
        "organization",
        "user_class",
        "intake_request",
        "proposed_case_manager__user",
        "proposed_case_manager__organization",
        "concluded_by",
    ).prefetch_related(
        Prefetch("members", queryset=UvmMember.objects.select_related("organization", "user"))
    )
    session = get_visible(actor, sessions_visible(actor, qs), pk=session_id)
    assert actor is not None  # get_visible raised otherwise
    if session.intake_request_hidden:  # type: ignore[attr-defined]
        session.intake_request = None
        session.intake_request_open = False  # type: ignore[attr-defined]
    # An assessment hidden at the person's request is neither shown nor counted.
    linked = list(
        without_concealed(
            actor,
            session.assessments.select_related("instrument_version__instrument"),
            ConcealedKind.ASSESSMENT,
        )
    )
    readable = set(
        scoped(actor, Assessment).filter(pk__in=[a.pk for a in linked]).values_list("pk", flat=True)
    )
    shown = [a for a in linked if a.pk in readable]
    candidates: list[Assessment] = []
    if session.state == UvmState.SCHEDULED:
        candidates = list(
            scoped(actor, Assessment)
            .filter(person_id=session.person_id)
            .select_related("instrument_version__instrument")
            .exclude(pk__in=[a.pk for a in linked])
            .order_by("-administered_on", "-pk")[:20]
        )
    access_log_record(
        actor=actor,
        subject=session,
        action=AccessAction.VIEW,
        detail={"view": "seduta_uvm", "hidden_assessments": len(linked) - len(shown)},
        purpose=purpose,
    )
    members = list(session.members.all())
    editable = may_edit(actor, session)
    return SessionView(
        session=session,
        person=person_ref(actor, session.person_id),
        members=members,
        assessments=shown,
        hidden_assessments=len(linked) - len(shown),
        candidate_assessments=candidates,
        composition_problems=composition_problems(members),
        may_edit=editable,
        needs_summary=needs_visible(actor, session.needs_summary),
        eligibility=eligibility_visible(actor, session.eligibility),
        measures_runnable=[m for m in MEASURES if editable and may_run_check(actor, m)]
        if editable
        else [],
        concealed=bool(concealed_ids(ConcealedKind.UVM_SESSION, [session.pk])),
    )


def may_edit(actor: Actor, session: UvmSession) -> bool:
    """Members of the convening organisation or of the team with a UVM permission."""
    if not _may_take_part(actor) or session.state != UvmState.SCHEDULED:
        return False
    if session.organization_id == actor.organization_id:
        return True
    return any(m.organization_id == actor.organization_id for m in session.members.all())


def composition_problems(members: list[UvmMember]) -> list[str]:
    """Why the team may not conclude: seed 002 rule 5 wants both bodies represented."""
    present = {side_of(m.organization) for m in members if m.present}
    problems = []
    if Side.SOCIAL not in present:
        problems.append(_("Manca un componente presente del Comune o dell'Ambito (parte sociale)."))
    if Side.HEALTH not in present:
        problems.append(_("Manca un componente presente dell'ASL/ASST (parte sanitaria)."))
    return problems


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31/1 + 1 =
    28/2 or 29/2)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def roles_with(permission: Permission) -> list[str]:
    """The roles that grant ``permission`` (integra/core/permissions.py)."""
    return sorted(str(role) for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def _active_memberships() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(is_active=True, user__is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()))
        .select_related("user", "organization")
        .order_by("organization__name", "user__last_name", "user__first_name", "pk")
    )


def case_manager_candidates(*, actor: Actor, session: UvmSession) -> QuerySet[Membership]:
    """Active memberships whose roles grant the case-manager permission (``CASE_MANAGE``: the
    case manager and the social worker) in the team's organisations: the convening one and
    those of the members."""
    org_ids = {session.organization_id, *(m.organization_id for m in session.members.all())}
    return _active_memberships().filter(
        organization_id__in=org_ids, roles__overlap=roles_with(Permission.CASE_MANAGE)
    )


def member_candidates(*, actor: Actor) -> QuerySet[Membership]:
    """Operators who may sit in a UVM (a role that performs assessments, takes part in the UVM
    or manages cases) in the organisations a member may come from: picked from this list, a
    member is linked to the operator; outside professionals stay free text."""
    roles = sorted(
        {
            *roles_with(Permission.ASSESSMENT_PERFORM),
            *roles_with(Permission.UVM_PARTICIPATE),
            *roles_with(Permission.CASE_MANAGE),
        }
    )
    return _active_memberships().filter(
        organization__is_active=True, organization__kind__in=MEMBER_KINDS, roles__overlap=roles
    )


# --- writes ------------------------------------------------------------------------------------


def require_participation(actor: Actor) -> None:
    """The role check of every write on a session (403 without), before any other."""
    if not _may_take_part(actor):
        require(actor, Permission.UVM_PARTICIPATE)


def _locked(actor: Actor, session_id: object) -> UvmSession:
    session = get_visible(actor, UvmSession.objects.select_for_update(of=("self",)), pk=session_id)
    require_participation(actor)
    if not may_edit(actor, session):
        if session.state != UvmState.SCHEDULED:
            raise UvmError(
                UvmErrorCode.STATE,
                {
                    "state": [
                        _("La seduta è %(state)s: non si modifica più.")
                        % {"state": session.get_state_display().lower()}
                    ]
                },
            )
        require(actor, Permission.SYSTEM_ADMIN)  # neither convener nor member: 403
    return session


def _bump(session: UvmSession, expected_version: int | None) -> None:
    """The session's version moves on (checked against ``expected_version``, the one the
    operator's edit was made on: ``StaleEdit`` if it has moved since; unchecked when ``None``),
    inside the write's transaction (integra/core/concurrency.py)."""
    session.row_version = bump_version(UvmSession, session.pk, expected_version)


def _take_in_charge(
    actor: Actor, person: Person, organization_id: int, session: UvmSession
) -> None:
    """The member's organisation takes the person in charge for the assessment, if not yet —
    through the one path that grants access to a person."""
    care_relationship_start(
        actor=actor,
        person_id=person.pk,
        organization_id=organization_id,
        reason=_("Componente dell'UVM (seduta n. %(id)s)") % {"id": session.pk},
        basis=CareBasis.UVM_MEMBER,
        existing_ok=True,
    )


REASON_MAX_LENGTH = 2000


def earlier_sessions(request_id: int) -> list[UvmSession]:
    """The sessions already convened for a PUA request and not cancelled (scheduled or
    concluded), oldest first."""
    return list(
        UvmSession.objects.filter(intake_request_id=request_id)
        .exclude(state=UvmState.CANCELLED)
        .order_by("scheduled_for", "pk")
    )


def repeat_warning(earlier: list[UvmSession]) -> str:
    listed = ", ".join(
        _("n. %(id)s del %(day)s (%(state)s)")
        % {
            "id": s.pk,
            "day": timezone.localtime(s.scheduled_for).strftime("%d/%m/%Y"),
            "state": s.get_state_display().lower(),
        }
        for s in earlier
    )
    return _(
        "Per questa richiesta c'è già una seduta UVM (%(sessions)s). Per convocarne un'altra "
        "indica il motivo (per esempio: rivalutazione per un cambiamento delle condizioni)."
    ) % {"sessions": listed}


def _reason(data: Mapping[str, Any], key: str, errors: dict[str, list[str]]) -> str:
    text = str(data.get(key) or "").strip()
    if len(text) > REASON_MAX_LENGTH:
        errors.setdefault(key, []).append(
            _("Il motivo può avere al massimo %(n)d caratteri.") % {"n": REASON_MAX_LENGTH}
        )
    return text


def session_create(*, actor: Actor, data: Mapping[str, Any]) -> UvmSession:
    """Convene a session for a person the actor sees (content included); from a PUA request
    sent to the UVM when ``intake_request_id`` is given. A request that already has a session
    (scheduled or concluded) gets another only with ``repeat_reason``: without it the answer
    is a warning naming the earlier sessions (``UvmErrorCode.REPEAT``), nothing written."""
    if not _may_take_part(actor) and not actor.has(Permission.INTAKE_MANAGE):
        require(actor, Permission.UVM_PARTICIPATE)
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="uvm_session_create"):
        person = get_visible(actor, Person, pk=data.get("person_id"))
        request = None
        if data.get("intake_request_id"):
            from integra.intake.models import IntakeRequest

            request = get_visible(actor, IntakeRequest, pk=data["intake_request_id"])
            if request.person_id != person.pk:
                errors.setdefault("intake_request_id", []).append(
                    _("La richiesta riguarda un'altra persona.")
                )
        scheduled_for = _session_time(
            data.get("scheduled_for"), errors, _("Indica data e ora della seduta.")
        )
        place = str(data.get("place") or "").strip()
        if len(place) > 200:
            errors.setdefault("place", []).append(_("Al massimo 200 caratteri."))
        repeat_reason = _reason(data, "repeat_reason", errors)
        if errors:
            raise UvmError(UvmErrorCode.INVALID, errors)
        if request is not None:
            from integra.intake.models import IntakeRequest

            # Serialise conveners of the same request: two PUA operators clicking "Convoca"
            # together get one session and one warning.
            IntakeRequest.objects.select_for_update().filter(pk=request.pk).first()
            earlier = earlier_sessions(request.pk)
            if earlier and not repeat_reason:
                raise UvmError(UvmErrorCode.REPEAT, {"repeat_reason": [repeat_warning(earlier)]})
            if not earlier:
                repeat_reason = ""
        else:
            repeat_reason = ""
        assert actor.organization is not None
        session = UvmSession.objects.create(
            person=person,
            organization=actor.organization,
            intake_request=request,
            scheduled_for=scheduled_for,
            place=place,
            repeat_reason=repeat_reason,
            created_by=actor.user,
        )
        _take_in_charge(actor, person, actor.organization.pk, session)
    return session


def member_add(*, actor: Actor, session_id: object, data: Mapping[str, Any]) -> UvmMember:
    errors: dict[str, list[str]] = {}
    with transaction.atomic(), pghistory.context(reason="uvm_member_add"):
        session = _locked(actor, session_id)
        organization = Organization.objects.filter(
            pk=_int(data.get("organization_id")) or 0, is_active=True
        ).first()
        if organization is None:
            errors["organization_id"] = [_("Scegli l'ente del componente.")]
        membership = None
        if data.get("membership_id"):
            membership = (
                Membership.objects.select_related("user")
                .filter(pk=_int(data.get("membership_id")) or 0)
                .first()
            )
            if membership is None or (
                organization is not None and membership.organization_id != organization.pk
            ):
                errors["membership_id"] = [_("L'operatore non lavora nell'ente indicato.")]
        full_name = str(data.get("full_name") or "").strip()
        if not full_name and membership is not None:
            full_name = membership.user.get_full_name() or membership.user.get_username()
        if not full_name:
            errors["full_name"] = [_("Indica nome e cognome del componente.")]
        elif len(full_name) > 200:
            errors["full_name"] = [_("Al massimo 200 caratteri.")]
        profession = str(data.get("profession") or "")
        if profession not in Profession.values:
            errors["profession"] = [_("Scegli il profilo professionale.")]
        if errors:
            raise UvmError(UvmErrorCode.INVALID, errors)
        assert organization is not None
        member = UvmMember.objects.create(
            session=session,
            organization=organization,
            user=membership.user if membership else None,
            full_name=full_name,
            profession=profession,
            present=bool(data.get("present", True)),
        )
        _take_in_charge(actor, session.person, organization.pk, session)
    return member


def member_remove(*, actor: Actor, session_id: object, member_id: object) -> None:
    with transaction.atomic(), pghistory.context(reason="uvm_member_remove"):
        session = _locked(actor, session_id)
        deleted, _rows = UvmMember.objects.filter(session=session, pk=_int(member_id) or 0).delete()
        if not deleted:
            raise NotFound()


def member_set_present(
    *, actor: Actor, session_id: object, member_id: object, present: bool
) -> UvmMember:
    with transaction.atomic(), pghistory.context(reason="uvm_member_presence"):
        session = _locked(actor, session_id)
        member = UvmMember.objects.filter(session=session, pk=_int(member_id) or 0).first()
        if member is None:
            raise NotFound()
        member.present = present
        member.save(update_fields=["present"])
    return member


def assessments_link(*, actor: Actor, session_id: object, assessment_ids: list[int]) -> UvmSession:
    """Record which instruments the team administered (assessments of the same person)."""
    with transaction.atomic(), pghistory.context(reason="uvm_assessments_link"):
        session = _locked(actor, session_id)
        found = list(
            scoped(actor, Assessment).filter(
                pk__in=[i for i in assessment_ids if isinstance(i, int)],
                person_id=session.person_id,
            )
        )
        if len(found) != len(set(assessment_ids)):
            raise UvmError(
                UvmErrorCode.INVALID,
                {"assessment_ids": [_("Valutazione non trovata per questa persona.")]},
            )
        session.assessments.add(*found)
    return session


def assessment_unlink(*, actor: Actor, session_id: object, assessment_id: object) -> None:
    with transaction.atomic(), pghistory.context(reason="uvm_assessment_unlink"):
        session = _locked(actor, session_id)
        # Only a link the actor sees: an assessment hidden at the person's request (or of a
        # domain the actor may not read) stays linked for those who see it.
        session.assessments.remove(
            *scoped(actor, Assessment).filter(
                pk=_int(assessment_id) or 0, person_id=session.person_id
            )
        )


def outcome_update(
    *, actor: Actor, session_id: object, data: Mapping[str, Any], expected_version: int | None
) -> UvmSession:
    """Save the summary of needs and the proposed outcome (the session stays open).
    ``expected_version``: the session's version the outcome was edited on (``StaleEdit``)."""
    with transaction.atomic(), pghistory.context(reason="uvm_outcome_update"):
        session = _locked(actor, session_id)
        _bump(session, expected_version)
        errors = _apply_outcome(actor, session, data)
        if errors:
            raise UvmError(UvmErrorCode.INVALID, errors)
        session.save()
    return session


def _apply_outcome(
    actor: Actor, session: UvmSession, data: Mapping[str, Any]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "needs_summary" in data:
        summary = data.get("needs_summary") or {}
        if not isinstance(summary, Mapping):
            errors["needs_summary"] = [_("Formato non valido.")]
        else:
            unknown = [k for k in summary if k not in NeedDomain.values]
            health = [k for k in summary if k in HEALTH_NEED_DOMAINS and str(summary[k] or "")]
            if unknown:
                errors["needs_summary"] = [
                    _("Dimensioni sconosciute: %(codes)s.") % {"codes": ", ".join(unknown)}
                ]
            elif health and not may_record_health(actor):
                errors["needs_summary"] = [
                    _("Le dimensioni sanitarie (%(codes)s) le scrive il personale sanitario.")
                    % {"codes": ", ".join(str(NeedDomain(k).label) for k in health)}
                ]
            else:
                written = {k: str(v).strip() for k, v in summary.items() if str(v or "").strip()}
                if not may_record_health(actor):
                    # What the actor cannot see stays as the health members wrote it.
                    kept = {
                        k: v for k, v in session.needs_summary.items() if k in HEALTH_NEED_DOMAINS
                    }
                    written = {**written, **kept}
                session.needs_summary = written
    if "user_class" in data:
        code = data.get("user_class") or ""
        if code:
            user_class = UserClass.objects.filter(code=code, is_active=True).first()
            if user_class is None:
                errors["user_class"] = [_("Classe di utenza sconosciuta.")]
            session.user_class = user_class
        else:
            session.user_class = None
    if "care_intensity" in data:
        intensity = data.get("care_intensity") or ""
        if intensity and intensity not in CareIntensity.values:
            errors["care_intensity"] = [_("Intensità assistenziale sconosciuta.")]
        session.care_intensity = intensity
    if "proposed_interventions" in data:
        session.proposed_interventions = str(data.get("proposed_interventions") or "").strip()
    if "outcome_notes" in data:
        session.outcome_notes = str(data.get("outcome_notes") or "").strip()
    if "proposed_case_manager_id" in data:
        pk = _int(data.get("proposed_case_manager_id"))
        if pk is None:
            session.proposed_case_manager = None
        else:
            membership = case_manager_candidates(actor=actor, session=session).filter(pk=pk).first()
            if membership is None:
                errors["proposed_case_manager_id"] = [
                    _("Il case manager va scelto tra gli operatori degli enti dell'UVM.")
                ]
            session.proposed_case_manager = membership
    return errors


def eligibility_record(
    *, actor: Actor, session_id: object, measure_code: str, on_date: date | None = None
) -> UvmSession:
    """Run the benefit-measure screening for the session's person and keep its result."""
    from integra.programs.errors import ProgramError
    from integra.programs.screening import screening_as_dict
    from integra.programs.selectors import screen

    with transaction.atomic(), pghistory.context(reason="uvm_eligibility"):
        session = _locked(actor, session_id)
        # Adds a check's result, changes nothing the operator edits: version moves, unchecked.
        _bump(session, None)
        day = on_date or timezone.localdate(session.scheduled_for)
        if not may_run_check(actor, measure_code, day):
            raise PermissionRequired(Permission.HEALTH_DATA_VIEW)
        try:
            result = screen(actor, session.person, measure_code, day, purpose="seduta UVM")
        except ProgramError as exc:
            raise UvmError(UvmErrorCode.INVALID, exc.errors) from exc
        session.eligibility = {**session.eligibility, measure_code: screening_as_dict(result)}
        session.save(update_fields=["eligibility"])
    return session


def session_conclude(
    *,
    actor: Actor,
    session_id: object,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> UvmSession:
    """Conclude with the outcome; refused without both sides present (seed 002 rule 5).
    ``expected_version``: the session's version the outcome was edited on (the page and the API
    always pass it; ``StaleEdit`` if it has moved since); ``None`` concludes unchecked."""
    with transaction.atomic(), pghistory.context(reason="uvm_session_conclude"):
        session = _locked(actor, session_id)
        _bump(session, expected_version)
        errors = _apply_outcome(actor, session, data or {})
        problems = composition_problems(list(session.members.select_related("organization")))
        if problems:
            errors.setdefault("members", []).extend(problems)
        if session.user_class is None:
            errors.setdefault("user_class", []).append(_("Indica la classe di utenza."))
        if not session.care_intensity:
            errors.setdefault("care_intensity", []).append(_("Indica l'intensità assistenziale."))
        if not session.needs_summary:
            errors.setdefault("needs_summary", []).append(
                _("Scrivi la sintesi dei bisogni almeno per una dimensione.")
            )
        now = timezone.now()
        scheduled_day = timezone.localdate(session.scheduled_for)
        if timezone.localdate(now) < scheduled_day:
            errors.setdefault("scheduled_for", []).append(
                _(
                    "La seduta è programmata per il %(day)s: si conclude da quel giorno. Se "
                    "si è tenuta prima, sposta la data della seduta indicando il motivo."
                )
                % {"day": scheduled_day.strftime("%d/%m/%Y")}
            )
        if errors:
            if "scheduled_for" in errors:
                code = UvmErrorCode.TOO_EARLY
            elif problems:
                code = UvmErrorCode.COMPOSITION
            else:
                code = UvmErrorCode.INVALID
            raise UvmError(code, errors)
        assert session.user_class is not None
        session.state = UvmState.CONCLUDED
        session.concluded_at = now
        session.concluded_by = actor.user
        session.next_review_on = add_months(
            timezone.localdate(now), session.user_class.review_months
        )
        session.save()
        if session.intake_request_id is not None:
            from integra.intake.services import request_uvm_concluded

            request_uvm_concluded(request_id=session.intake_request_id, session=session)
    return session


def _session_time(value: object, errors: dict[str, list[str]], missing: str) -> datetime:
    """A session's date and time, aware and in UTC (an offset PostgreSQL would refuse, such as
    -20:27, is converted, not stored), within the years a session can plausibly have; else an
    error under ``scheduled_for`` and the present moment as a placeholder."""
    if not isinstance(value, datetime):
        errors.setdefault("scheduled_for", []).append(missing)
        return timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not SESSION_YEARS[0] <= value.year <= SESSION_YEARS[1]:
        errors.setdefault("scheduled_for", []).append(
            _("La data della seduta deve cadere tra il %(first)d e il %(last)d.")
            % {"first": SESSION_YEARS[0], "last": SESSION_YEARS[1]}
        )
        return timezone.now()
    return value.astimezone(UTC)


def session_reschedule(
    *,
    actor: Actor,
    session_id: object,
    scheduled_for: object,
    reason: str,
    expected_version: int | None,
) -> UvmSession:
    """Move a scheduled session to another date and time, for a reason; every move is kept in
    ``reschedules`` (and in the row's history). ``expected_version``: the session's version
    the move was decided on (``StaleEdit`` if it has moved since)."""
    with transaction.atomic():
        session = _locked(actor, session_id)
        _bump(session, expected_version)
        errors: dict[str, list[str]] = {}
        scheduled_for = _session_time(
            scheduled_for, errors, _("Indica la nuova data e ora della seduta.")
        )
        text = _reason({"reason": reason}, "reason", errors)
        if not text and "reason" not in errors:
            errors["reason"] = [_("Indica il motivo dello spostamento.")]
        if not errors and scheduled_for == session.scheduled_for:
            errors["scheduled_for"] = [_("La seduta è già programmata per quella data e ora.")]
        if errors:
            raise UvmError(UvmErrorCode.INVALID, errors)
        assert isinstance(scheduled_for, datetime)
        with pghistory.context(reason="uvm_session_reschedule", note=text):
            session.reschedules = [
                *session.reschedules,
                {
                    "from": session.scheduled_for.isoformat(),
                    "to": scheduled_for.isoformat(),
                    "reason": text,
                    "by": actor.user.get_full_name() or actor.user.get_username(),
                    "at": timezone.now().isoformat(),
                },
            ]
            session.scheduled_for = scheduled_for
            session.save(update_fields=["scheduled_for", "reschedules"])
    return session


def session_cancel(*, actor: Actor, session_id: object, reason: str) -> UvmSession:
    """Cancel a session, for a reason; its version moves on unchecked (a cancellation ends
    every edit, whatever version it was opened on)."""
    with transaction.atomic(), pghistory.context(reason="uvm_session_cancel"):
        session = _locked(actor, session_id)
        _bump(session, None)
        if not reason.strip():
            raise UvmError(
                UvmErrorCode.INVALID, {"reason": [_("Indica il motivo dell'annullamento.")]}
            )
        session.state = UvmState.CANCELLED
        session.cancel_reason = reason.strip()
        session.save(update_fields=["state", "cancel_reason"])
    return session


def _int(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None
