"""Writes of the PUA: receive a request, record its pre-assessment, attach files.

Moves of the state are in ``workflow.transition``. Every function is keyword-only, atomic,
checks the permission and the visibility through the access policy, and validates every field
at once (Italian messages by field, ``IntakeError``), writing nothing when something is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pghistory
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, require
from integra.core.concurrency import bump_version
from integra.core.permissions import Permission
from integra.intake import deadlines, triage
from integra.intake.access import managed_pua_ids, may_manage
from integra.intake.competence import competent_pua_for_person
from integra.intake.errors import IntakeError, IntakeErrorCode
from integra.intake.models import (
    Channel,
    IntakeAttachment,
    IntakeRequest,
    IntakeState,
    IntakeTransition,
    NeedArea,
    PuaPoint,
    RequesterKind,
    Urgency,
)
from integra.intake.workflow import transition
from integra.organizations.models import Organization
from integra.people.access import known_persons
from integra.people.models import Person, PersonStatus, private_storage

# Reused from the person documents: the same size limit, magic-byte type check and safe name.
from integra.people.services import document_file_check, document_max_bytes

DESCRIPTION_MAX_LENGTH = 4000
TEXT_MAX_LENGTH = 200


def _membership(actor: Actor) -> Any:
    if actor.membership is None or actor.organization_id is None:
        raise PermissionRequired(Permission.INTAKE_MANAGE)
    return actor.membership


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _int_or_none(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1


def request_create(*, actor: Actor, data: Mapping[str, Any]) -> IntakeRequest:
    """Receive a request at a PUA run by the actor's organisation.

    ``data``: ``person_id`` (a person of the registry; a new one is created first, with its
    duplicate check, by the people services), ``channel``, ``requester_kind`` and optionally
    ``requester_name``, ``requester_contact``, ``requester_organization_id``; ``need_areas``
    (one or more), ``urgency``, ``description``; optionally ``pua_id`` (by default the PUA
    competent for the person's residence, else domicile, if the actor works it, otherwise the
    actor's first PUA — the request is then forwarded) and ``received_at`` (not in the future).
    The pre-assessment deadline is computed from the PUA's settings and the urgency.
    """
    require(actor, Permission.INTAKE_MANAGE)
    membership = _membership(actor)
    errors: dict[str, list[str]] = {}
    managed = list(PuaPoint.objects.filter(pk__in=managed_pua_ids(actor), is_active=True))
    if not managed:
        raise IntakeError(
            IntakeErrorCode.NO_COMPETENT_PUA,
            {"pua_id": [_("Il tuo ente non gestisce alcun PUA.")]},
        )
    person: Person | None = None
    person_id = _int_or_none(data.get("person_id"))
    if person_id is None:
        errors["person_id"] = [_("Indica la persona: cercala in anagrafe o registrala.")]
    else:
        # Known is enough: the PUA takes requests for persons it sees only in the limited form.
        person = (
            known_persons(actor, Person.objects.select_related("residence_municipality__ambito"))
            .select_related("domicile_municipality")
            .filter(pk=person_id, status=PersonStatus.ACTIVE)
            .first()
        )
        if person is None:
            errors["person_id"] = [_("Persona non trovata in anagrafe.")]
    channel = _text(data, "channel")
    if channel not in Channel.values:
        errors["channel"] = [_("Indica il canale da cui arriva la richiesta.")]
    requester_kind = _text(data, "requester_kind")
    if requester_kind not in RequesterKind.values:
        errors["requester_kind"] = [_("Indica chi presenta la richiesta.")]
    requester_name = _text(data, "requester_name")
    requester_contact = _text(data, "requester_contact")
    for key, value in (
        ("requester_name", requester_name),
        ("requester_contact", requester_contact),
    ):
        if len(value) > TEXT_MAX_LENGTH:
            errors[key] = [_("Al massimo %(n)d caratteri.") % {"n": TEXT_MAX_LENGTH}]
    if requester_kind and requester_kind != RequesterKind.PERSON and not requester_name:
        errors["requester_name"] = [_("Indica il nome di chi presenta la richiesta.")]
    requester_org: Organization | None = None
    org_id = _int_or_none(data.get("requester_organization_id"))
    if org_id is not None:
        requester_org = Organization.objects.filter(pk=org_id, is_active=True).first()
        if requester_org is None:
            errors["requester_organization_id"] = [_("Ente non trovato.")]
    raw_areas = data.get("need_areas") or []
    areas = [str(a) for a in raw_areas] if isinstance(raw_areas, list | tuple) else []
    if not areas:
        errors["need_areas"] = [_("Indica almeno un'area di bisogno.")]
    elif any(a not in NeedArea.values for a in areas):
        errors["need_areas"] = [_("Area di bisogno sconosciuta.")]
    urgency = _text(data, "urgency") or Urgency.ORDINARY
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Urgenza sconosciuta.")]
    description = _text(data, "description")
    if not description:
        errors["description"] = [_("Descrivi il bisogno presentato.")]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [
            _("La descrizione può avere al massimo %(n)d caratteri.")
            % {"n": DESCRIPTION_MAX_LENGTH}
        ]
    now = timezone.now()
    received_at = data.get("received_at") or now
    if not isinstance(received_at, datetime):
        errors["received_at"] = [_("Data e ora non valide.")]
        received_at = now
    elif timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now:
        errors["received_at"] = [_("La richiesta non può essere ricevuta nel futuro.")]
    competent = competent_pua_for_person(person) if person is not None else None
    pua_id = _int_or_none(data.get("pua_id"))
    pua: PuaPoint | None
    if pua_id is not None:
        pua = next((p for p in managed if p.pk == pua_id), None)
        if pua is None:
            errors["pua_id"] = [_("Scegli uno dei PUA gestiti dal tuo ente.")]
    else:
        pua = next((p for p in managed if competent and p.pk == competent.pk), managed[0])
    if errors:
        raise IntakeError(IntakeErrorCode.REQUEST_INVALID, errors)
    assert person is not None and pua is not None
    request = IntakeRequest(
        pua=pua,
        competent_pua=competent,
        person=person,
        channel=channel,
        requester_kind=requester_kind,
        requester_name=requester_name,
        requester_contact=requester_contact,
        requester_organization=requester_org,
        need_areas=list(dict.fromkeys(areas)),
        urgency=urgency,
        description=description,
        state=IntakeState.RECEIVED,
        received_at=received_at,
        created_by=membership,
    )
    request.pre_assessment_due = deadlines.pre_assessment_due(
        pua, received_on=timezone.localdate(received_at), urgency=urgency
    )
    request.due_on = request.pre_assessment_due
    with transaction.atomic(), pghistory.context(reason="intake_request_create"):
        request.save()
        IntakeTransition.objects.create(
            request=request,
            from_state="",
            to_state=IntakeState.RECEIVED,
            at=received_at,
            by=membership,
            by_organization_id=membership.organization_id,
            reason=_("Richiesta ricevuta (%(channel)s)") % {"channel": Channel(channel).label},
            data={"pre_assessment_due": request.pre_assessment_due.isoformat()},
        )
    return request


def _managed_request(actor: Actor, request_id: object, *, lock: bool = False) -> IntakeRequest:
    qs = IntakeRequest.objects.select_related("pua")
    if lock:
        qs = qs.select_for_update(of=("self",))
    request = get_visible(actor, qs, pk=request_id)
    if not may_manage(actor, request):
        raise NotFound()
    return request


def triage_record(
    *,
    actor: Actor,
    request_id: object,
    answers: Mapping[str, str],
    context: Mapping[str, str] | None = None,
    expected_version: int | None,
) -> IntakeRequest:
    """Score the PUA's pre-assessment instrument on ``answers`` and keep answers, instrument
    version, result and suggestion on the request; a request still "ricevuta" moves to
    "pre_valutazione". The suggestion never decides: the operator does, with the outcome move.
    A request already past the pre-assessment is refused (its triage is part of the record).

    ``expected_version``: the request's ``row_version`` the operator's answers were given on;
    a change since then raises ``StaleEdit`` (integra/core/concurrency.py), nothing written.
    """
    require(actor, Permission.INTAKE_MANAGE)
    membership = _membership(actor)
    with transaction.atomic():
        request = _managed_request(actor, request_id, lock=True)
        request.row_version = bump_version(IntakeRequest, request.pk, expected_version)
        if request.state not in (IntakeState.RECEIVED, IntakeState.PRE_ASSESSMENT):
            raise IntakeError(
                IntakeErrorCode.TRIAGE_INVALID,
                {
                    "answers": [
                        _(
                            "La pre-valutazione si registra solo prima dell'esito (stato attuale: %(s)s)."
                        )
                        % {"s": IntakeState(request.state).label}
                    ]
                },
            )
        scored = triage.score_triage(answers, context)
        if request.state == IntakeState.RECEIVED:
            request = transition(
                actor,
                request,
                IntakeState.PRE_ASSESSMENT,
                _("Pre-valutazione con la scheda di triage"),
            )
        request.triage_instrument = scored.instrument
        request.triage_version = scored.version
        request.triage_answers = dict(answers)
        request.triage_context = dict(context or {})
        request.triage_result = scored.result
        request.triage_suggestion = scored.suggestion
        request.triage_at = timezone.now()
        request.triage_by = membership
        with pghistory.context(reason="intake_triage_record"):
            request.save(
                update_fields=[
                    "triage_instrument",
                    "triage_version",
                    "triage_answers",
                    "triage_context",
                    "triage_result",
                    "triage_suggestion",
                    "triage_at",
                    "triage_by",
                    "updated_at",
                ]
            )
    return request


def attachment_add(
    *, actor: Actor, request_id: object, upload: File, description: str = ""
) -> IntakeAttachment:
    """Attach a file (PDF, JPEG or PNG, recognised by its first bytes; at most the person
    documents' size limit) to a request of the actor's PUA."""
    require(actor, Permission.INTAKE_MANAGE)
    membership = _membership(actor)
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if len(description) > TEXT_MAX_LENGTH:
        errors["description"] = [_("Al massimo %(n)d caratteri.") % {"n": TEXT_MAX_LENGTH}]
    checked = document_file_check(upload, errors)
    stored_name = ""
    try:
        with transaction.atomic(), pghistory.context(reason="intake_attachment_add"):
            request = _managed_request(actor, request_id, lock=True)
            if errors or checked is None:
                too_large = (upload.size or 0) > document_max_bytes()
                raise IntakeError(
                    IntakeErrorCode.ATTACHMENT_TOO_LARGE
                    if too_large
                    else IntakeErrorCode.ATTACHMENT_INVALID,
                    errors,
                )
            content_type, file_name, size, sha256 = checked
            attachment = IntakeAttachment(
                request=request,
                description=description,
                file_name=file_name,
                content_type=content_type,
                size=size,
                sha256=sha256,
                uploaded_by=membership,
            )
            attachment.file.save(file_name, upload, save=False)
            stored_name = attachment.file.name or ""
            attachment.save()
    except BaseException:
        if stored_name:
            private_storage.delete(stored_name)
        raise
    return attachment


def request_uvm_concluded(*, request_id: int, session: Any) -> None:
    """The UVM concluded the assessment of a request sent to it (called by
    ``assessments.uvm.session_conclude``, in its transaction): the UVM deadline is met, so the
    request leaves the due and overdue lists; it stays "Inviata all'UVM" and its page asks the
    PUA to close it with the UVM's outcome."""
    with pghistory.context(reason="intake_uvm_concluded", uvm_session=session.pk):
        # Another record's workflow changes the request: its version moves on, unchecked.
        IntakeRequest.objects.filter(pk=request_id, state=IntakeState.SENT_TO_UVM).update(
            due_on=None, row_version=F("row_version") + 1
        )
