"""The state machine of a PUA request.

    ricevuta → pre_valutazione → one outcome → chiusa
    outcomes: informata (information and orientation) | inviata_servizio (one social or health
    service of the catalogue) | inviata_uvm (multidimensional assessment) | non_competente
    (forwarded to the competent body; also straight from ricevuta, when the request plainly
    belongs elsewhere)

``MOVES`` is the whole table: a move not in it is refused with a clear Italian message. Every
move is atomic and leaves an ``IntakeTransition`` (who, as which organisation, when, why, with
what data); the pghistory context of the row change carries the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integra.assessments.uvm_models import UvmState
from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, require, scoped
from integra.core.concurrency import bump_version
from integra.core.permissions import Permission
from integra.intake import deadlines
from integra.intake.access import may_manage
from integra.intake.errors import IntakeErrorCode, WorkflowError
from integra.intake.models import (
    IntakeRequest,
    IntakeState,
    IntakeTransition,
    NeedLevel,
)
from integra.organizations.models import Organization, Service

S = IntakeState
REASON_MAX_LENGTH = 2000
INFORMATION_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Move:
    source: IntakeState
    target: IntakeState
    label: str | Promise
    # Data the move needs besides the reason (keys of ``transition(**data)``).
    requires: tuple[str, ...] = ()
    # The obvious step forward needs no reason; going elsewhere (forwarding, closing a request
    # the UVM has not assessed) does.
    reason_required: bool = False


MOVES: dict[tuple[IntakeState, IntakeState], Move] = {
    (m.source, m.target): m
    for m in (
        Move(S.RECEIVED, S.PRE_ASSESSMENT, gettext_lazy("Avvia la pre-valutazione")),
        Move(
            S.RECEIVED,
            S.FORWARDED,
            gettext_lazy("Non competente: inoltra"),
            ("forwarded_to_id",),
            reason_required=True,
        ),
        Move(
            S.PRE_ASSESSMENT,
            S.INFORMED,
            gettext_lazy("Rispondi con informazioni e orientamento"),
            ("need", "information_given"),
        ),
        Move(
            S.PRE_ASSESSMENT,
            S.SENT_TO_SERVICE,
            gettext_lazy("Invia a un servizio"),
            ("need", "service_id"),
        ),
        Move(S.PRE_ASSESSMENT, S.SENT_TO_UVM, gettext_lazy("Invia all'UVM"), ("need",)),
        Move(
            S.PRE_ASSESSMENT,
            S.FORWARDED,
            gettext_lazy("Non competente: inoltra"),
            ("need", "forwarded_to_id"),
            reason_required=True,
        ),
        Move(S.INFORMED, S.CLOSED, gettext_lazy("Chiudi la richiesta")),
        Move(S.SENT_TO_SERVICE, S.CLOSED, gettext_lazy("Chiudi la richiesta")),
        Move(S.SENT_TO_UVM, S.CLOSED, gettext_lazy("Chiudi la richiesta")),
        Move(S.FORWARDED, S.CLOSED, gettext_lazy("Chiudi la richiesta")),
    )
}


def allowed_moves(state: str) -> list[Move]:
    """The moves out of ``state``, in the table's order."""
    return [m for (source, _target), m in MOVES.items() if source == state]


# The triage's suggested route (pua_triage.yaml, ``suggestions``) and the outcome it stands for.
SUGGESTED_ROUTES = {
    "information": S.INFORMED,
    "single_service": S.SENT_TO_SERVICE,
    "uvm": S.SENT_TO_UVM,
}


def uvm_concluded(request: IntakeRequest) -> bool:
    """Whether a UVM session convened for the request has concluded (its outcome is known)."""
    return request.uvm_sessions.filter(state=UvmState.CONCLUDED).exists()


def reason_required(move: Move, request: IntakeRequest) -> bool:
    """Closing a request sent to the UVM before the UVM concluded is closing it without an
    outcome: that needs a reason, like every move marked ``reason_required``."""
    if move.source == S.SENT_TO_UVM and move.target == S.CLOSED:
        return not uvm_concluded(request)
    return move.reason_required


def reason_missing_message(move: Move) -> str:
    if move.source == S.SENT_TO_UVM and move.target == S.CLOSED:
        return _("L'UVM non ha ancora concluso la valutazione: indica perché chiudi la richiesta.")
    return _("Indica il motivo del passaggio.")


def next_move(request: IntakeRequest) -> Move | None:
    """The step a PUA operator most likely takes next (the page's primary action): start the
    pre-assessment; then the outcome the triage suggested; close once the outcome is given
    (for the UVM, once it has concluded). ``None`` while the request waits for the UVM."""
    moves = allowed_moves(request.state)
    if request.state == S.PRE_ASSESSMENT:
        route = str((request.triage_suggestion or {}).get("route", ""))
        suggested = SUGGESTED_ROUTES.get(route)
        return next((m for m in moves if m.target == suggested), None)
    if request.state == S.SENT_TO_UVM and not uvm_concluded(request):
        return None
    return next((m for m in moves if not m.reason_required), None)


def _label(state: str) -> str:
    try:
        return str(IntakeState(state).label)
    except ValueError:
        return state


def _illegal(source: str, target: str) -> WorkflowError:
    targets = [_label(m.target) for m in allowed_moves(source)]
    if targets:
        hint = _("Da «%(state)s» si può passare solo a: %(targets)s.") % {
            "state": _label(source),
            "targets": ", ".join(f"«{t}»" for t in targets),
        }
    else:
        hint = _("La richiesta è chiusa: non si può più cambiarne lo stato.")
    message = _("Non si può passare da «%(source)s» a «%(target)s». %(hint)s") % {
        "source": _label(source),
        "target": _label(target),
        "hint": hint,
    }
    return WorkflowError(IntakeErrorCode.ILLEGAL_TRANSITION, {"to": [message]})


def _clean_data(
    actor: Actor, request: IntakeRequest, move: Move, reason: str, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(field values to set, data to record) for ``move``; every problem at once."""
    errors: dict[str, list[str]] = {}
    if not reason and reason_required(move, request):
        errors["reason"] = [reason_missing_message(move)]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [
            _("Il motivo può avere al massimo %(n)d caratteri.") % {"n": REASON_MAX_LENGTH}
        ]
    values: dict[str, Any] = {}
    recorded: dict[str, Any] = {}
    unknown = sorted(set(data) - set(move.requires))
    for key in unknown:
        if data[key] not in (None, ""):
            errors[key] = [_("Dato non previsto per questo passaggio.")]
    if "need" in move.requires:
        need = str(data.get("need") or "")
        if need not in NeedLevel.values:
            errors["need"] = [_("Indica se il bisogno è semplice o complesso.")]
        else:
            values["decision_need"] = need
            recorded["need"] = need
    if "information_given" in move.requires:
        text = str(data.get("information_given") or "").strip()
        if not text:
            errors["information_given"] = [_("Indica le informazioni date alla persona.")]
        elif len(text) > INFORMATION_MAX_LENGTH:
            errors["information_given"] = [
                _("Il testo può avere al massimo %(n)d caratteri.") % {"n": INFORMATION_MAX_LENGTH}
            ]
        else:
            values["information_given"] = text
    if "service_id" in move.requires:
        service = _service(actor, data.get("service_id"))
        if service is None:
            errors["service_id"] = [_("Scegli un servizio attivo del catalogo.")]
        else:
            values["outcome_service"] = service
            values["sent_to_organization"] = service.provider
            recorded["service_id"] = service.pk
            recorded["service"] = service.name
    if "forwarded_to_id" in move.requires:
        target = _organization(data.get("forwarded_to_id"))
        if target is None:
            errors["forwarded_to_id"] = [_("Scegli l'ente a cui inoltrare la richiesta.")]
        elif target.pk in _managing_organization_ids(request):
            errors["forwarded_to_id"] = [
                _("La richiesta è già di questo PUA: scegli un altro ente.")
            ]
        else:
            values["forwarded_to"] = target
            values["sent_to_organization"] = target
            recorded["forwarded_to_id"] = target.pk
            recorded["forwarded_to"] = target.name
    if errors:
        raise WorkflowError(IntakeErrorCode.TRANSITION_INVALID, errors)
    return values, recorded


def _service(actor: Actor, value: object) -> Service | None:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return (
        scoped(actor, Service.objects.select_related("provider"))
        .filter(pk=pk, is_active=True, provider__is_active=True)
        .first()
    )


def _organization(value: object) -> Organization | None:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return Organization.objects.filter(pk=pk, is_active=True).first()


def _managing_organization_ids(request: IntakeRequest) -> set[int]:
    pua = request.pua
    return {pua.organization_id, *pua.partners.values_list("pk", flat=True)}


def _give_access(actor: Actor, request: IntakeRequest, organization_id: int, reason: str) -> None:
    """The receiving organisation takes the person in charge (people.CareRelationship), so its
    operators can open the person's record; an existing one is kept."""
    from integra.people.errors import PersonError
    from integra.people.models import CareBasis
    from integra.people.services import care_relationship_start

    try:
        care_relationship_start(
            actor=actor,
            person_id=request.person_id,
            organization_id=organization_id,
            reason=reason,
            basis=CareBasis.PUA_ROUTING,
            existing_ok=True,
        )
    except PersonError as exc:
        raise WorkflowError(IntakeErrorCode.TRANSITION_INVALID, exc.errors) from exc


def transition(
    actor: Actor,
    request: IntakeRequest | int,
    to_state: str,
    reason: str,
    *,
    expected_version: int | None = None,
    **data: Any,
) -> IntakeRequest:
    """Move ``request`` to ``to_state`` for the reason given, with the data the move needs.

    Needs ``Permission.INTAKE_MANAGE`` at the request's PUA (a request the actor cannot see is
    a 404). Raises ``WorkflowError`` for a move not in ``MOVES`` or missing data; nothing is
    written then.

    ``expected_version``: the request's ``row_version`` the operator chose the move on (the
    page and the API always pass it); a change since then raises ``StaleEdit``
    (integra/core/concurrency.py). ``None`` moves the version on without a check: for the moves
    other services make inside their own checked write (the pre-assessment's first move).
    """
    require(actor, Permission.INTAKE_MANAGE)
    membership = actor.membership
    if membership is None or actor.organization_id is None:
        raise PermissionRequired(Permission.INTAKE_MANAGE)
    request_id = request.pk if isinstance(request, IntakeRequest) else request
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = get_visible(
            actor,
            IntakeRequest.objects.select_for_update(of=("self",)).select_related("pua"),
            pk=request_id,
        )
        if not may_manage(actor, locked):
            # Visible as the receiving organisation, but only the PUA moves a request.
            raise NotFound()
        locked.row_version = bump_version(IntakeRequest, locked.pk, expected_version)
        source = str(locked.state)
        try:
            target = IntakeState(to_state)
        except ValueError:
            raise WorkflowError(
                IntakeErrorCode.ILLEGAL_TRANSITION,
                {"to": [_("Stato sconosciuto: «%(state)s».") % {"state": to_state}]},
            ) from None
        move = MOVES.get((IntakeState(source), target))
        if move is None:
            raise _illegal(source, target)
        values, recorded = _clean_data(actor, locked, move, reason, dict(data))
        now = timezone.now()
        today = timezone.localdate(now)
        if target in (S.INFORMED, S.SENT_TO_SERVICE, S.SENT_TO_UVM, S.FORWARDED):
            values["outcome"] = target
            values["due_on"] = None
            if locked.triage_suggestion:
                # The decision is recorded beside what the instrument suggested.
                recorded["suggested"] = dict(locked.triage_suggestion)
        if target == S.SENT_TO_UVM:
            due = deadlines.uvm_due(locked.pua, sent_on=today)
            values["uvm_due"] = due
            values["due_on"] = due
            values["sent_to_organization"] = locked.pua.uvm_organization
            recorded["uvm_due"] = due.isoformat()
        if target == S.CLOSED:
            values["closed_at"] = now
            values["due_on"] = None
        with pghistory.context(reason=f"intake_transition:{source}>{target}", note=reason):
            for name, value in values.items():
                setattr(locked, name, value)
            locked.state = target
            locked.save()
            IntakeTransition.objects.create(
                request=locked,
                from_state=source,
                to_state=target,
                at=now,
                by=membership,
                by_organization_id=actor.organization_id,
                reason=reason,
                data=recorded,
            )
            receiver = values.get("sent_to_organization")
            if receiver is not None and target in (S.SENT_TO_SERVICE, S.SENT_TO_UVM):
                _give_access(
                    actor,
                    locked,
                    receiver.pk,
                    _("Richiesta PUA n. %(n)s: %(outcome)s")
                    % {"n": locked.pk, "outcome": _label(target)},
                )
    return locked
